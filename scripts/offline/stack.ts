// Plans one stack of this project offline: reads its stack file, runs index.ts under the mocks.
import * as path from "node:path";
import { loadStackFiles, runOffline, type Plan, type StackFiles } from "./run";

export const ROOT = path.resolve(__dirname, "..", "..");

export async function planStack(stack: string, configFile?: string): Promise<{ plan: Plan; files: StackFiles }> {
  const files = loadStackFiles(ROOT, stack, configFile && path.resolve(configFile));
  const plan = await runOffline({
    project: files.project,
    stack,
    config: files.config,
    secretKeys: files.secretKeys,
    program: () => {
      const exports = require(path.join(ROOT, "index.ts")) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(exports).filter(([k]) => k !== "__esModule" && k !== "default"));
    },
  });
  return { plan, files };
}
