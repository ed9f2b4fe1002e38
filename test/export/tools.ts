// The field's scanners as the export tests run them: Checkov and cfn-lint from the project's tools virtual
// environment (.venv/tools, made from python/requirements-tools.txt by `npm test`), each run once per test file on
// every file it has to judge, with its report parsed; and the Checkov suppressions of policy/checkov-suppressions.yaml.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

export const ROOT = path.resolve(__dirname, "../..");
const VENV = path.join(ROOT, ".venv/tools");

/**
 * A setup step every test awaits: made once, on first call. When it throws (a tool missing, a plan failing) each
 * test fails with its error, where a throwing `beforeAll` would leave them reported as skipped.
 */
export function once<T>(make: () => Promise<T> | T): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= Promise.resolve().then(make));
}

/** Path of a tool of the tools environment; throws (failing the test) when the environment has not been made. */
export function tool(name: "checkov" | "cfn-lint"): string {
  const bin = path.join(VENV, "bin", name);
  if (!fs.existsSync(bin)) {
    throw new Error(`${path.relative(ROOT, bin)} is missing: run \`npm test\`, which creates .venv/tools from python/requirements-tools.txt`);
  }
  return bin;
}

function run(bin: string, args: string[], cwd: string, okCodes: number[]): string {
  // Bounded in time; Checkov is also told not to download anything (--skip-download).
  const r = spawnSync(bin, args, { cwd, encoding: "utf8", timeout: 300_000, maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (!okCodes.includes(r.status ?? -1)) throw new Error(`${path.basename(bin)} ${args.join(" ")} exited ${r.status}:\n${r.stderr}\n${r.stdout.slice(0, 2000)}`);
  return r.stdout;
}

/** One Checkov verdict: a check on a resource of a file. */
export interface CheckovResult {
  readonly id: string;
  /** The Terraform address, e.g. `aws_s3_bucket.prod-data-bucket`. */
  readonly resource: string;
  /** The file, relative to where Checkov ran, without a leading slash. */
  readonly file: string;
  readonly passed: boolean;
}

export interface CheckovReport {
  readonly results: CheckovResult[];
  /** Resources Checkov read, per file. */
  readonly resourceCount: number;
  readonly parsingErrors: number;
}

/**
 * Runs `checkov --framework terraform_plan -o json --skip-download` once on every file in `files` (paths relative
 * to `cwd`). Exit code 1 means some check failed, which is a result, not an error.
 */
export function checkov(cwd: string, files: string[]): CheckovReport {
  const out = run(tool("checkov"), [...files.flatMap((f) => ["-f", f]), "--framework", "terraform_plan", "-o", "json", "--skip-download"], cwd, [0, 1]);
  const parsed = JSON.parse(out) as unknown;
  const reports = (Array.isArray(parsed) ? parsed : [parsed]) as {
    check_type?: string;
    results?: Record<"passed_checks" | "failed_checks", { check_id: string; resource: string; file_path: string }[]>;
    summary?: { resource_count: number; parsing_errors: number };
    resource_count?: number;
  }[];
  const plan = reports.find((r) => r.check_type === "terraform_plan");
  if (!plan?.results || !plan.summary) throw new Error(`checkov read no Terraform plan in ${files.join(", ")}: ${out.slice(0, 500)}`);
  const results: CheckovResult[] = [];
  for (const [key, passed] of [["passed_checks", true], ["failed_checks", false]] as const) {
    for (const c of plan.results[key]) results.push({ id: c.check_id, resource: c.resource, file: c.file_path.replace(/^\//, ""), passed });
  }
  return { results, resourceCount: plan.summary.resource_count, parsingErrors: plan.summary.parsing_errors };
}

/** One cfn-lint finding (`--format json`). */
export interface CfnLintMatch {
  readonly Rule: { readonly Id: string };
  readonly Level: "Error" | "Warning" | "Informational";
  readonly Message: string;
  readonly Filename: string;
  readonly Location: { readonly Path?: readonly (string | number)[] };
}

/** Runs cfn-lint once on `files` (absolute or relative to the repository); exit codes 0, 2, 4, 6, 8... carry findings. */
export function cfnLint(files: string[]): CfnLintMatch[] {
  // cfn-lint's exit code is a bit mask of the levels found (2 error, 4 warning, 8 informational); 1 is a crash.
  const out = run(tool("cfn-lint"), ["--format", "json", "--", ...files], ROOT, [0, 2, 4, 6, 8, 10, 12, 14]);
  return JSON.parse(out) as CfnLintMatch[];
}

/** One entry of policy/checkov-suppressions.yaml. */
export interface Suppression {
  readonly id: string;
  readonly resource: string;
  readonly reason: string;
}

const SuppressionFile = z.array(
  z.strictObject({
    id: z.string().regex(/^CKV2?_AWS_\d+$/, "must be a Checkov AWS check id such as CKV_AWS_18"),
    resource: z.string().regex(/^aws_[a-z0-9_]+\.[A-Za-z0-9_*-]+$/, "must be a Terraform address, `*` matching any run of characters"),
    reason: z.string().min(40, "must say why the failure is accepted (40 characters at least)"),
  }),
);

export const SUPPRESSIONS_FILE = path.join(ROOT, "policy/checkov-suppressions.yaml");

/** Reads and checks the suppressions file; a bad entry fails with one line naming it and what is allowed. */
export function loadSuppressions(file = SUPPRESSIONS_FILE): Suppression[] {
  const parsed = SuppressionFile.safeParse(parseYaml(fs.readFileSync(file, "utf8")));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path.relative(ROOT, file)}: entry ${issue.path.join(".")}: ${issue.message}`);
  }
  return parsed.data;
}

/** Whether a pattern (`*` for any run of characters) matches a whole Terraform address. */
export function addressMatches(pattern: string, address: string): boolean {
  const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  return re.test(address);
}

/** Splits failed results into those a suppression covers (the first entry that matches) and the rest. */
export function triage(failed: readonly CheckovResult[], suppressions: readonly Suppression[]) {
  const suppressed: { result: CheckovResult; by: Suppression }[] = [];
  const open: CheckovResult[] = [];
  for (const result of failed) {
    const by = suppressions.find((s) => s.id === result.id && addressMatches(s.resource, result.resource));
    if (by) suppressed.push({ result, by });
    else open.push(result);
  }
  const unused = suppressions.filter((s) => !suppressed.some((x) => x.by === s));
  return { suppressed, open, unused };
}
