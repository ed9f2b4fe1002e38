// The image's identity without mocks: the content hash its tag comes from, the build inputs it reads, and the parsing
// of an existing image reference.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SERVICE_BUILD_INPUTS } from "../../components/inference-service/args";
import { hashBuildInputs, imageContentTag, parseImageReference, readBuildInputs } from "../../components/inference-service/image";

const DIGEST = `sha256:${"ab".repeat(32)}`;

describe("image identity", () => {
  it("hashes the documented stream: each file as <path> NUL <length> NUL <content>, in path order", () => {
    // printf 'a/x.json\0002\000{}b.txt\0001\000B' | sha256sum
    const golden = "413997723c1637c9eacad65ea363abc2453f63646271108cdca41eeacf3828c9";
    expect(hashBuildInputs([{ path: "a/x.json", content: "{}" }, { path: "b.txt", content: Buffer.from("B") }])).toBe(golden);
    expect(hashBuildInputs([{ path: "b.txt", content: "B" }, { path: "a/x.json", content: "{}" }])).toBe(golden);
  });

  it("changes with any content or path, and rejects a path listed twice", () => {
    const files = [{ path: "service/server.ts", content: "x" }];
    const h = hashBuildInputs(files);
    expect(hashBuildInputs([{ path: "service/server.ts", content: "y" }])).not.toBe(h);
    expect(hashBuildInputs([{ path: "service/main.ts", content: "x" }])).not.toBe(h);
    // The length prefix keeps file boundaries unambiguous.
    expect(hashBuildInputs([{ path: "a", content: "bc" }])).not.toBe(hashBuildInputs([{ path: "a", content: "b" }, { path: "c", content: "" }]));
    expect(() => hashBuildInputs([...files, ...files])).toThrow("build input 'service/server.ts' is listed twice");
  });

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "inference-image-"));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const write = (rel: string, content: string) => {
    fs.mkdirSync(path.dirname(path.join(tmp, rel)), { recursive: true });
    fs.writeFileSync(path.join(tmp, rel), content);
  };

  it("reads the build inputs with posix paths, skipping dist and node_modules, and tags by their content", () => {
    write("service/Dockerfile", "FROM node:20-alpine\n");
    write("service/src/server.ts", "export {};\n");
    write("service/dist/server.js", "built");
    write("service/node_modules/x/index.js", "dep");
    write("package-lock.json", "{}\n");
    write("README.md", "not an input");
    const inputs = readBuildInputs(tmp, ["service", "package-lock.json"]);
    expect(inputs.map((f) => f.path).sort()).toEqual(["package-lock.json", "service/Dockerfile", "service/src/server.ts"]);
    const tag = imageContentTag(tmp, ["service", "package-lock.json"]);
    expect(tag).toBe(hashBuildInputs(inputs).slice(0, 16));
    expect(tag).toMatch(/^[0-9a-f]{16}$/);

    write("service/dist/server.js", "rebuilt");
    write("README.md", "edited");
    expect(imageContentTag(tmp, ["service", "package-lock.json"])).toBe(tag);
    write("service/src/server.ts", "export const changed = true;\n");
    expect(imageContentTag(tmp, ["service", "package-lock.json"])).not.toBe(tag);
  });

  it("names a build input that does not exist or lies outside the root", () => {
    expect(() => readBuildInputs(tmp, ["missing"])).toThrow(`build input 'missing' does not exist under ${tmp}`);
    expect(() => readBuildInputs(tmp, ["../etc"])).toThrow(/build input '..\/etc' must be a path inside/);
  });

  it("parses image references pinned by digest", () => {
    expect(parseImageReference(`999988887777.dkr.ecr.us-east-1.amazonaws.com/platform/inference:1.4.2@${DIGEST}`)).toEqual({
      repository: "999988887777.dkr.ecr.us-east-1.amazonaws.com/platform/inference",
      digest: DIGEST,
      ecr: { account: "999988887777", region: "us-east-1", name: "platform/inference" },
    });
    expect(parseImageReference(`ghcr.io/acme/inference@${DIGEST}`)).toEqual({ repository: "ghcr.io/acme/inference", digest: DIGEST });
    expect(parseImageReference(`localhost:5000/inference@${DIGEST}`).repository).toBe("localhost:5000/inference");
    expect(() => parseImageReference(`inference@sha256:abc`)).toThrow("must be pinned by digest (<repository>[:<tag>]@sha256:<64 hex digits>), got 'inference@sha256:abc'");
    expect(() => parseImageReference(`Inference@${DIGEST}`)).toThrow("'Inference' is not a repository name (lower-case letters and digits, separated by '.', '_', '-' or '/')");
  });
});

describe("the image tag's inputs", () => {
  it("cover every file the Dockerfile copies from the build context", () => {
    const dockerfile = fs.readFileSync(path.resolve(__dirname, "../../service/Dockerfile"), "utf8");
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].trim().split(/\s+/));
    expect(sources.length).toBeGreaterThan(3);
    const covered = (source: string) => SERVICE_BUILD_INPUTS.some((input) => source === input || source.startsWith(`${input}/`));
    expect(sources.filter((source) => !covered(source))).toEqual([]);
  });
});

describe("the image carries no model", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "inference-image-model-"));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const repo = path.join(__dirname, "..", "..");
  for (const p of [...SERVICE_BUILD_INPUTS, "service/model"]) {
    fs.cpSync(path.join(repo, p), path.join(root, p), { recursive: true });
  }

  it("keeps its tag when service/model/model.json is replaced, and changes it when server code changes", () => {
    const before = imageContentTag(root, SERVICE_BUILD_INPUTS);
    const model = path.join(root, "service", "model", "model.json");
    fs.writeFileSync(model, JSON.stringify({ ...JSON.parse(fs.readFileSync(model, "utf8")), model_version: "replaced" }));
    expect(imageContentTag(root, SERVICE_BUILD_INPUTS)).toBe(before);
    fs.appendFileSync(path.join(root, "service", "src", "server.ts"), "\n// changed\n");
    expect(imageContentTag(root, SERVICE_BUILD_INPUTS)).not.toBe(before);
  });

});
