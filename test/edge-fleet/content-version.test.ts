// Publish-once things named by their content: a changed byte in the inference service's sources or the hub's compose
// file moves the component version, the artifact key and the deployment name; identical content keeps them.
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { contentAddressedKey, contentVersion, contentVersionedRecipe, MAX_CONTENT_PATCH } from "../../components/edge-fleet/content-version";
import { composeAppRecipe, inferenceRecipe } from "../../components/edge-fleet/recipes";
import { imageContentTag } from "../../components/inference-service/image";

const ROOT = path.resolve(__dirname, "../..");
const BUILD_INPUTS = ["service", "package.json", "package-lock.json"];
const REPOSITORY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/edge-mlops-inference";
const work = mkdtempSync(path.join(tmpdir(), "content-version-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A copy of the inference image's build inputs, with one byte of `file` changed when `flip` is set. */
function buildInputs(dir: string, flip?: string): string {
  const root = path.join(work, dir);
  for (const p of BUILD_INPUTS) cpSync(path.join(ROOT, p), path.join(root, p), { recursive: true, filter: (src) => !src.includes("node_modules") });
  if (flip) {
    const file = path.join(root, flip);
    const bytes = readFileSync(file);
    bytes[0] ^= 0x01;
    writeFileSync(file, bytes);
  }
  return root;
}

/**
 * The inference component's version for the image built from `root`: the image is tagged with the hash of its build
 * inputs, and the registry's digest of it stands in as the SHA-256 of the tagged name (as the offline mocks answer).
 */
function inferenceVersion(root: string): string {
  const tagged = `${REPOSITORY}:${imageContentTag(root, BUILD_INPUTS)}`;
  const digest = createHash("sha256").update(tagged).digest("hex");
  const imageUri = `docker:${REPOSITORY}@sha256:${digest}`;
  return contentVersionedRecipe("1.0", (version) => inferenceRecipe({ version, imageUri, port: 5000 })).ComponentVersion;
}

function hubVersion(compose: Buffer): { key: string; version: string } {
  const key = contentAddressedKey("artifacts/", "com.hbs.hub.Container", "docker-compose.yaml", compose);
  const recipe = contentVersionedRecipe("1.0", (version) =>
    composeAppRecipe({ version, composeFileUri: `s3://artifacts-bucket/${key}`, images: ["docker:redis:7.4-alpine"], usesEcr: false }),
  );
  return { key, version: recipe.ComponentVersion };
}

describe("content versions", () => {
  it("moves the inference component's version when one byte under service/src changes, and keeps it for identical sources", () => {
    const base = inferenceVersion(buildInputs("a"));
    expect(base).toMatch(/^1\.0\.\d{1,10}$/);
    expect(inferenceVersion(buildInputs("b"))).toBe(base);
    expect(inferenceVersion(buildInputs("c", "service/src/server.ts"))).not.toBe(base);
    expect(inferenceVersion(buildInputs("d", "package-lock.json"))).not.toBe(base);
  });

  it("moves the compose artifact's key and the hub's version when one byte of docker-compose.yaml changes", () => {
    const compose = readFileSync(path.join(ROOT, "edge/compose/docker-compose.yaml"));
    const base = hubVersion(compose);
    expect(base.key).toBe(`artifacts/com.hbs.hub.Container/${createHash("sha256").update(compose).digest("hex")}/docker-compose.yaml`);
    expect(hubVersion(Buffer.from(compose))).toEqual(base);
    const changed = Buffer.from(compose);
    changed[changed.length - 1] ^= 0x01;
    const moved = hubVersion(changed);
    expect(moved.key).not.toBe(base.key);
    expect(moved.version).not.toBe(base.version);
  });

  it("keeps the patch a plain number within a Java int and refuses a release that is not MAJOR.MINOR", () => {
    for (let i = 0; i < 200; i += 1) {
      const patch = Number(contentVersion("3.1", `content ${i}`).split(".")[2]);
      expect(Number.isInteger(patch) && patch >= 0 && patch <= MAX_CONTENT_PATCH).toBe(true);
    }
    expect(contentVersion("3.1", "x")).toBe(contentVersion("3.1", "x"));
    expect(() => contentVersion("3.1.0", "x")).toThrow('contentVersion: release "3.1.0" must be MAJOR.MINOR (e.g. "1.0")');
  });

  it("refuses a recipe that changes with its version", () => {
    expect(() =>
      contentVersionedRecipe("1.0", (version) => ({ ...composeAppRecipe({ version, composeFileUri: "s3://artifacts-bucket/x/docker-compose.yaml", images: ["docker:redis:7.4-alpine"], usesEcr: false }), ComponentDescription: version })),
    ).toThrow(/changes with its version/);
  });
});
