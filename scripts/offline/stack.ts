// Plans one stack of this project offline: reads its stack file, runs index.ts under the mocks, and checks the
// result against the policy pack's rules (the same rules `pulumi preview --policy-pack policy` runs).
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { evaluatePlan } from "../../policy/engine";
import { ENVIRONMENTS, type Environment } from "../../contracts/environments";
import { loadProjectName, loadStackFiles, runOffline, type Plan, type StackFiles } from "./run";

export const ROOT = path.resolve(__dirname, "..", "..");

/** This project's name (its Pulumi.yaml), known before any stack is planned. */
export function loadProject(): string {
  return loadProjectName(ROOT);
}

export async function planStack(
  stack: string,
  configFile?: string,
  transformations?: pulumi.ResourceTransformation[],
): Promise<{ plan: Plan; files: StackFiles }> {
  const files = loadStackFiles(ROOT, stack, configFile && path.resolve(configFile));
  if (files.importsEnvironments) {
    process.stderr.write(
      `note: the ${stack} stack file imports Pulumi ESC environments ('environment:'); the offline plan does not read them, ` +
        "so config values they set are missing here (pulumi preview has them)\n",
    );
  }
  const plan = await runOffline({
    project: files.project,
    stack,
    config: files.config,
    secretKeys: files.secretKeys,
    transformations,
    program: () => {
      // The compiled plan (scripts/program.js) runs the compiled program; under tsx, the TypeScript.
      const exports = require(path.join(ROOT, process.env.EDGE_MLOPS_PROGRAM ?? "index.ts")) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(exports).filter(([k]) => k !== "__esModule" && k !== "default"));
    },
  });
  // The program has validated the config by now; the environment decides which policies are mandatory.
  const environment = files.config["edge-mlops:environment"] as Environment;
  if (!ENVIRONMENTS.includes(environment)) throw new Error(`edge-mlops:environment '${environment}' is not one of ${ENVIRONMENTS.join(", ")}`);
  return { plan: { ...plan, violations: evaluatePlan(plan.resources, environment) }, files };
}
