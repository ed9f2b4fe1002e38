// The layout's import rules (../shared/DESIGN.md, "Layout"), checked on the real module graph: esbuild bundles each
// entry point and its metafile lists every file reached, directly or transitively, and every package left external.
//   - contracts/, lambda/ and service/ never reach @pulumi/* or a component;
//   - no component reaches components/config.ts, and nothing reaches index.ts.
import * as fs from "node:fs";
import * as path from "node:path";
import { build, type Metafile } from "esbuild";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "..", "..");

function files(dir: string, keep: (f: string) => boolean): string[] {
  return fs
    .readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" })
    .map((f) => path.join(dir, f))
    .filter((f) => keep(f) && !f.includes("node_modules") && fs.statSync(path.join(root, f)).isFile());
}

/** Files (relative to the repository) and external packages reached from `entry`. */
async function reach(entry: string): Promise<{ files: string[]; packages: string[] }> {
  const result = await build({
    entryPoints: [path.join(root, entry)],
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    packages: "external",
    logLevel: "silent",
  });
  const meta: Metafile = result.metafile;
  const packages = new Set<string>();
  for (const input of Object.values(meta.inputs)) for (const imp of input.imports) if (imp.external) packages.add(imp.path);
  return { files: Object.keys(meta.inputs).map((f) => path.relative(root, path.resolve(process.cwd(), f))), packages: [...packages] };
}

const isTs = (f: string) => f.endsWith(".ts") && !f.endsWith(".d.ts");
const runtimeEntries = [
  ...files("contracts", isTs),
  ...files("lambda", (f) => f.endsWith(`${path.sep}index.ts`)),
  "service/src/main.ts",
];
const componentEntries = files("components", isTs).filter((f) => f !== path.join("components", "config.ts"));

describe("contracts/, lambda/ and service/ stay free of Pulumi and of components", () => {
  it.each(runtimeEntries)("%s", async (entry) => {
    const { files: reached, packages } = await reach(entry);
    expect(packages.filter((p) => p.startsWith("@pulumi/"))).toEqual([]);
    expect(reached.filter((f) => f.startsWith(`components${path.sep}`) || f === "index.ts")).toEqual([]);
  });
});

describe("components never import the stack config or the program", () => {
  it.each(componentEntries)("%s", async (entry) => {
    const { files: reached } = await reach(entry);
    expect(reached.filter((f) => f === path.join("components", "config.ts") || f === "index.ts")).toEqual([]);
  });
});

describe("the stack config composes the components' own schemas", () => {
  it("components/config.ts reaches the args schema of every component a stack section configures", async () => {
    const { files: reached } = await reach("components/config.ts");
    const sections = ["network", "edge-fleet", "inference-service", "airflow-environment", "training-workflow", "observability"];
    expect(sections.map((c) => path.join("components", c, "args.ts")).filter((s) => !reached.includes(s))).toEqual([]);
  });
});
