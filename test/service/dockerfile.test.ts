/**
 * Static checks of service/Dockerfile (no Docker engine runs here): the runtime stage holds only the
 * bundle (no model: a model is data, read from the model store), runs as a numeric non-root user, and every file copied from the build
 * context exists and is admitted by service/Dockerfile.dockerignore.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { ROOT } from "./support";

interface Instruction {
  op: string;
  args: string;
}

function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n\s*/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(" ") };
    });
}

const steps = instructions(readFileSync(join(ROOT, "service", "Dockerfile"), "utf8"));
const stages = steps.reduce<Instruction[][]>((acc, s) => (s.op === "FROM" ? [...acc, [s]] : (acc.at(-1)!.push(s), acc)), []);
const ignore = readFileSync(join(ROOT, "service", "Dockerfile.dockerignore"), "utf8")
  .split("\n")
  .filter((l) => l && !l.startsWith("#"));

describe("service/Dockerfile", () => {
  it("is a two-stage build whose runtime stage holds only the bundle, no model", () => {
    expect(stages).toHaveLength(2);
    const runtime = stages[1]!;
    expect(runtime.filter((s) => s.op === "COPY").map((s) => s.args)).toEqual([
      "--from=build /src/service/dist/server.js dist/server.js",
    ]);
    expect(runtime.some((s) => s.op === "RUN")).toBe(false);
    expect(steps.some((s) => s.op === "HEALTHCHECK")).toBe(false);
    expect(runtime.find((s) => s.op === "EXPOSE")?.args).toBe("5000");
    expect(runtime.find((s) => s.op === "CMD")?.args).toBe('["dist/server.js"]');
  });

  it("runs as a numeric non-root user", () => {
    const user = stages[1]!.filter((s) => s.op === "USER").at(-1)?.args ?? "";
    expect(user).toMatch(/^\d+:\d+$/);
    expect(Number(user.split(":")[0])).toBeGreaterThan(0);
  });

  it("installs production dependencies from the root lock file and bundles", () => {
    const build = stages[0]!;
    expect(build.find((s) => s.op === "RUN" && s.args.includes("npm ci"))?.args).toContain("--omit=dev");
    expect(build.at(-1)).toEqual({ op: "RUN", args: "node service/build.mjs" });
  });

  it("copies only files that exist and that the ignore file admits", () => {
    expect(ignore[0]).toBe("*");
    const admitted = ignore.slice(1).map((l) => l.replace(/^!/, "").replace(/\/$/, ""));
    const sources = steps
      .filter((s) => s.op === "COPY" && !s.args.startsWith("--from"))
      .flatMap((s) => s.args.split(/\s+/).slice(0, -1));
    expect(sources).toEqual(["package.json", "package-lock.json", "service/build.mjs", "contracts/drift.ts", "service/src"]);
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)), source).toBe(true);
      expect(admitted, source).toContain(source);
    }
  });

  it("copies every repository file the bundle is built from", async () => {
    const copied = steps.filter((s) => s.op === "COPY" && !s.args.startsWith("--from")).map((s) => s.args.split(/\s+/).at(-2)!);
    const { metafile } = await build({
      entryPoints: [join(ROOT, "service", "src", "main.ts")],
      absWorkingDir: ROOT,
      bundle: true,
      platform: "node",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const own = Object.keys(metafile.inputs).filter((file) => !file.startsWith("node_modules/"));
    expect(own).toContain("contracts/drift.ts");
    expect(own.filter((file) => !copied.some((source) => file === source || file.startsWith(`${source}/`)))).toEqual([]);
  });
});

describe("docker ignore files", () => {
  it("keep the repository-root .dockerignore and service/Dockerfile.dockerignore to the same allow-list", () => {
    const rules = (file: string) =>
      readFileSync(join(__dirname, "../..", file), "utf8").split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));
    expect(rules(".dockerignore")).toEqual(rules("service/Dockerfile.dockerignore"));
    expect(rules(".dockerignore")[0]).toBe("*");
  });
});
