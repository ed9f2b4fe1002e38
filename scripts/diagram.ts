// `npm run diagram -- --stack <name|all> [--out FILE] [--config-file PATH] [--plan PLAN.json]`: the architecture of a
// stack as SVG, drawn from its offline plan (or from a plan written by `npm run plan -- --json`). It shows the
// system, not the resource list: one node per meaningful resource, named as a person would name it, grouped by
// component, with the data flow left to right and the supporting resources counted per component. What counts as
// meaningful and how edges are labelled is the table in scripts/diagram/catalogue.ts; the edges are Pulumi's own
// dependency graph (scripts/diagram/system.ts). `--stack all` draws every stack that has a Pulumi.<stack>.yaml,
// each planned in its own process (Pulumi's runtime state is per process).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { callerPath } from "./caller-path";
import type { Plan } from "./offline/run";
import { toDot } from "./diagram/dot";
import { systemOf } from "./diagram/system";

const USAGE = "usage: npm run diagram -- --stack <name|all> [--out FILE] [--config-file PATH] [--plan PLAN.json]";
const ROOT = path.resolve(__dirname, "..");

/** Graphviz DOT of the plan: pure, so it is testable without rendering. */
export function planToDot(plan: Plan): string {
  return toDot(systemOf(plan));
}

/**
 * Graphviz sizes the SVG in points; without them (the viewBox stays) it takes the width of its window or of the
 * README column and keeps its proportions, so the whole system is in view at once.
 */
export function fitToWidth(svg: string): string {
  const fitted = svg.replace(/<svg width="[^"]*" height="[^"]*"/, '<svg width="100%"');
  if (fitted === svg) throw new Error("the rendered SVG has no width and height to replace; has the renderer changed its output?");
  return fitted;
}

/** Stacks with a stack file beside Pulumi.yaml (`Pulumi.dev.yaml` → `dev`), sorted. */
export function stackNames(root: string): string[] {
  return fs.readdirSync(root).flatMap((f) => /^Pulumi\.([^.]+)\.ya?ml$/.exec(f)?.[1] ?? []).sort();
}

async function drawOne(stack: string, out: string | undefined, configFile: string | undefined, planFile: string | undefined): Promise<void> {
  let plan: Plan;
  if (planFile) {
    plan = JSON.parse(fs.readFileSync(planFile, "utf8")) as Plan;
    if (!Array.isArray(plan.resources)) throw new Error(`${planFile} is not a plan written by npm run plan -- --json (no resources list)`);
  } else {
    const { planStack } = await import("./offline/stack");
    plan = (await planStack(stack, configFile)).plan;
  }
  const { instance } = await import("@viz-js/viz");
  const svg = fitToWidth((await instance()).renderString(planToDot(plan), { format: "svg", engine: "dot" }));
  const file = out ?? path.join(ROOT, "docs", `architecture-${plan.stack}.svg`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, svg);
  console.log(`wrote ${path.relative(process.cwd(), file)} (${Buffer.byteLength(svg)} bytes)`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { stack: { type: "string" }, out: { type: "string" }, "config-file": { type: "string" }, plan: { type: "string" } },
  });
  // Paths are the caller's (npm runs this in the repository's root).
  const [out, plan, configFile] = [values.out, values.plan, values["config-file"]].map((p) => (p === undefined ? undefined : callerPath(p)));
  const { stack } = values;
  if (!stack && !plan) throw new UsageError(`--stack or --plan is required; ${USAGE}`);
  if (stack !== "all") {
    await drawOne(stack ?? "", out, configFile, plan);
    return 0;
  }
  if (out || configFile || plan) throw new UsageError(`--stack all writes docs/architecture-<stack>.svg for each stack and takes no --out, --config-file or --plan; ${USAGE}`);
  for (const name of stackNames(ROOT)) {
    const r = spawnSync(process.execPath, [...process.execArgv, __filename, "--stack", name], { stdio: "inherit" });
    if (r.status !== 0) return r.status ?? 1;
  }
  return 0;
}

class UsageError extends Error {
  override name = "UsageError";
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (e: Error) => {
      const oneLine = e.name === "ConfigError" || e.name === "UsageError";
      console.error(oneLine ? e.message : `diagram failed: ${e.message}`);
      process.exit(oneLine ? 2 : 1);
    },
  );
}
