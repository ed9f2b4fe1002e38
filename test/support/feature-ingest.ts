// Runs Python against the continuous-training DAG's ingest module (airflow/dags/feature_ingest.py) with the Airflow
// environment's interpreter (.venv/airflow, made by `npm test` from python/requirements-airflow.txt), so TypeScript
// tests can check what they produce against the DAG's own parsing code instead of a copy of its rules.
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
export const AIRFLOW_PYTHON = path.join(ROOT, ".venv", "airflow", "bin", "python");

/**
 * Runs `body` (Python lines, with `fi` bound to feature_ingest and `sys` imported) with `input` on stdin and `args` as
 * sys.argv[1:]; returns its stdout. Throws when the interpreter is missing or the script fails, with its stderr.
 */
export function runFeatureIngest(body: readonly string[], opts: { input?: string; args?: readonly string[] } = {}): string {
  const script = ["import sys", `sys.path.insert(0, ${JSON.stringify(path.join(ROOT, "airflow", "dags"))})`, "import feature_ingest as fi", ...body].join("\n");
  const run = spawnSync(AIRFLOW_PYTHON, ["-c", script, ...(opts.args ?? [])], { input: opts.input, encoding: "utf8", timeout: 30_000 });
  if (run.error) throw new Error(`${AIRFLOW_PYTHON} did not run (${run.error.message}); make it with: node scripts/python-env.mjs airflow`);
  if (run.status !== 0) throw new Error(`python exited ${run.status}: ${run.stderr}`);
  return run.stdout;
}
