import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  availableLambdas,
  BUNDLE_SIZE_TARGET_BYTES,
  bundleLambda,
  LAMBDA_DIR,
} from "../../components/lambda-bundle";

const ROOT = path.resolve(__dirname, "..", "..");
// Every function folder present when the tests run (other suites add their own).
const NAMES = fs
  .readdirSync(LAMBDA_DIR)
  .filter((n) => fs.existsSync(path.join(LAMBDA_DIR, n, "index.ts")))
  .sort();

/** `@aws-sdk/*` packages a function's own sources import (its folder and ../shared). */
function sdkImports(name: string): string[] {
  const files = [path.join(LAMBDA_DIR, name, "index.ts")];
  const shared = path.join(LAMBDA_DIR, "shared");
  if (fs.existsSync(shared)) files.push(...fs.readdirSync(shared).map((f) => path.join(shared, f)));
  const found = new Set<string>();
  for (const file of files) {
    for (const m of fs.readFileSync(file, "utf8").matchAll(/from "(@aws-sdk\/[a-z0-9-]+)"/g)) found.add(m[1]);
  }
  return [...found].sort();
}

describe("bundleLambda", () => {
  it("finds the training functions among the lambda folders", () => {
    expect(availableLambdas()).toEqual(NAMES);
    expect(NAMES).toEqual(expect.arrayContaining(["create-experiment", "evaluate-results", "register-model"]));
    expect(NAMES).not.toContain("shared");
  });

  describe.each(NAMES)("%s", (name) => {
    const bundle = bundleLambda(name);

    it(`is at most ${BUNDLE_SIZE_TARGET_BYTES} bytes of minified CommonJS`, () => {
      expect(bundle.bytes).toBe(Buffer.byteLength(bundle.code));
      expect(bundle.bytes).toBeGreaterThan(0);
      expect(bundle.bytes).toBeLessThanOrEqual(BUNDLE_SIZE_TARGET_BYTES);
      // minified: no indented line (newlines remain only inside template literals, e.g. nanotar's PAX parsing)
      expect(bundle.code).not.toMatch(/\n[ \t]+\S/);
      expect(bundle.code).not.toMatch(/sourceMappingURL/);
    });

    it("leaves the AWS SDK to the runtime: required, never inlined", () => {
      expect(bundle.inputs.filter((f) => /node_modules\/@(aws-sdk|smithy|aws-crypto)\//.test(f))).toEqual([]);
      expect(bundle.inputs).toContain(`lambda/${name}/index.ts`);
      for (const pkg of sdkImports(name)) expect(bundle.code).toContain(`require("${pkg}")`);
    });

    it("is deterministic: a fresh build gives the same bytes", () => {
      const again = bundleLambda(name, { cache: false });
      expect(again).not.toBe(bundle);
      expect(again.code).toBe(bundle.code);
      expect(again.sha256).toBe(bundle.sha256);
      expect(bundleLambda(name)).toBe(bundle); // cached within the process
    });

    it("archives the code as index.js", async () => {
      const assets = await bundle.archive.assets;
      expect(Object.keys(assets)).toEqual(["index.js"]);
      expect(await (assets["index.js"] as unknown as { text: Promise<string> }).text).toBe(bundle.code);
    });

    it("loads in plain Node.js and exports an async handler", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bundle-${name}-`));
      try {
        fs.writeFileSync(path.join(dir, "index.js"), bundle.code);
        const probe = spawnSync(
          process.execPath,
          ["-e", `const m = require(${JSON.stringify(path.join(dir, "index.js"))}); console.log(m.handler.constructor.name)`],
          // The runtime provides the SDK; here it comes from the repository's node_modules.
          { env: { ...process.env, NODE_PATH: path.join(ROOT, "node_modules") }, encoding: "utf8" },
        );
        expect(probe.status, probe.stderr).toBe(0);
        expect(probe.stdout.trim()).toBe("AsyncFunction");
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it("names the available functions when asked for an unknown one", () => {
    expect(() => bundleLambda("no-such-function")).toThrow(
      `unknown lambda "no-such-function": no ${path.join(LAMBDA_DIR, "no-such-function", "index.ts")}; available: ${NAMES.join(", ")}`,
    );
    expect(() => bundleLambda("shared")).toThrow(/^unknown lambda "shared"/);
    expect(() => bundleLambda("../components")).toThrow(/^unknown lambda "\.\.\/components"/);
  });

  it("reports a compile error with the function's name", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lambdas-"));
    try {
      fs.mkdirSync(path.join(dir, "broken"));
      fs.writeFileSync(path.join(dir, "broken", "index.ts"), 'import { x } from "./missing";\nexport const handler = x;\n');
      expect(() => bundleLambda("broken", { lambdaDir: dir })).toThrow(
        /^bundling lambda "broken" \(.*broken\/index\.ts\) failed: Build failed with 1 error/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("on-disk cache", () => {
    const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "lambda-cache-"));
    const write = (dir: string, file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    };

    it("serves a verified hit identical to an uncached build, and rebuilds after a one-byte change to any input", () => {
      const root = tmp();
      try {
        const lambdaDir = path.join(root, "lambda");
        const cacheDir = path.join(root, "cache");
        write(lambdaDir, "fn/index.ts", 'import { answer } from "../shared/answer";\nexport const handler = async () => answer;\n');
        write(lambdaDir, "shared/answer.ts", "export const answer = 41;\n");
        const opts = { lambdaDir, cacheDir, cache: false } as const;

        const first = bundleLambda("fn", opts);
        expect(first.source).toBe("build");
        expect(fs.readdirSync(cacheDir)).toHaveLength(1);
        const hit = bundleLambda("fn", opts);
        expect(hit.source).toBe("disk");
        expect(hit.code).toBe(first.code);
        expect(hit.inputs).toEqual(first.inputs);
        expect(hit.code).toBe(bundleLambda("fn", { lambdaDir, cacheDir: false, cache: false }).code);

        write(lambdaDir, "shared/answer.ts", "export const answer = 42;\n"); // one byte, in an imported file
        const rebuilt = bundleLambda("fn", opts);
        expect(rebuilt.source).toBe("build");
        expect(rebuilt.code).toContain("42");
        expect(rebuilt.code).toBe(bundleLambda("fn", { lambdaDir, cacheDir: false, cache: false }).code);
        expect(bundleLambda("fn", opts)).toMatchObject({ source: "disk", code: rebuilt.code });
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    });

    it("the repository's functions come from the cache byte for byte as esbuild builds them", () => {
      const cacheDir = tmp();
      try {
        for (const name of NAMES) {
          const built = bundleLambda(name, { cacheDir, cache: false });
          const cached = bundleLambda(name, { cacheDir, cache: false });
          expect([built.source, cached.source]).toEqual(["build", "disk"]);
          expect(cached.sha256).toBe(built.sha256);
          expect(cached.inputs).toEqual(built.inputs);
        }
      } finally {
        fs.rmSync(cacheDir, { recursive: true, force: true });
      }
    });
  });
});
