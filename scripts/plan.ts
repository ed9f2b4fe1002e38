// The offline plan: runs index.ts for one stack under Pulumi's runtime mocks (no CLI, no cloud account) and
// prints the resources it would register, the policy verdicts and the cost. Exit codes: 0 success, 2 usage or config
// error (one line; a bad argument also gets the usage), 1 any other failure, including a mandatory policy violation.
//
//   npm run plan -- --stack <dev|staging|prod> [--config-file PATH] [--json FILE]
//                   [--diff BASE.json [--markdown FILE] [--accept-base-from-other-stack]]
//                   [--terraform-plan FILE] [--cloudformation FILE]
// With --diff, a base plan that is missing, unreadable, or of another stack or project is an error (exit 2) unless
// --accept-base-from-other-stack is given. An output file (--json, --markdown, --terraform-plan, --cloudformation) that
// is empty, a folder (or ends in '/'), a link to nowhere, or whose folder is missing or not a folder, is an error
// (exit 2) before the program runs. Relative paths are the caller's: `npm run` runs this in the repository's root and
// gives the caller's folder as INIT_CWD.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { callerPath as callers } from "./caller-path";
import type { Plan, PlannedResource } from "./offline/run";

const USAGE =
  "usage: npm run plan -- --stack <name> [--config-file PATH] [--json FILE] [--diff BASE.json [--markdown FILE] [--accept-base-from-other-stack]] " +
  "[--terraform-plan FILE] [--cloudformation FILE]";

/** Input keys worth a glance in the tree, shown as key=value when present (nested keys as a.b). */
const SETTINGS = [
  "region", "cidrBlock", "numberOfAvailabilityZones", "natGateways.strategy", "trafficType", "retentionInDays",
  "desiredCount", "cpu", "memory", "launchType", "internal", "loadBalancerType", "port", "protocol", "sslPolicy",
  "imageTagMutability", "imageScanningConfiguration.scanOnPush", "runtime", "reservedConcurrentExecutions",
  "environmentClass", "airflowVersion", "minWorkers", "maxWorkers", "schedulers", "webserverAccessMode", "type",
  "credentialDurationSeconds", "alias", "templateName", "approvalStatus", "modelApprovalStatus", "targetArn",
  "enableDeletionProtection", "dropInvalidHeaderFields", "bucket", "key", "name",
];

function flatten(inputs: Record<string, unknown>, prefix = ""): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inputs)) {
    if (v !== null && typeof v === "object" && !Array.isArray(v) && prefix === "") Object.assign(out, flatten(v as Record<string, unknown>, `${k}.`));
    else out[prefix + k] = v;
  }
  return out;
}

function describe(r: PlannedResource): string {
  const flat = flatten(r.inputs);
  const settings = SETTINGS.filter((k) => flat[k] !== undefined && typeof flat[k] !== "object").map((k) => `${k}=${String(flat[k])}`);
  const flags = [r.options.protect && "protect", r.options.retainOnDelete && "retainOnDelete", r.options.deleteBeforeReplace && "deleteBeforeReplace"].filter(Boolean);
  return [`${r.type} ${r.name}`, flags.length ? `[${flags.join(", ")}]` : "", settings.join(" ")].filter(Boolean).join("  ");
}

export function renderPlan(plan: Plan, region: string): string {
  const children = new Map<string | null, PlannedResource[]>();
  for (const r of plan.resources) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
  const lines = [`${plan.project} / ${plan.stack} (${region}): offline plan, nothing is deployed`, ""];
  const walk = (parent: string | null, indent: string) => {
    const list = children.get(parent) ?? [];
    list.forEach((r, i) => {
      const last = i === list.length - 1;
      lines.push(`${indent}${last ? "└─ " : "├─ "}${describe(r)}`);
      walk(r.urn, indent + (last ? "   " : "│  "));
    });
  };
  walk(null, "");
  const counts = new Map<string, number>();
  for (const r of plan.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  lines.push("", `Resources: ${plan.resources.length}`);
  for (const [type, n] of [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) lines.push(`  ${String(n).padStart(4)}  ${type}`);
  lines.push("", "Outputs:");
  for (const [k, v] of Object.entries(plan.outputs)) lines.push(`  ${k}: ${JSON.stringify(v)}`);
  if (plan.violations.length > 0) {
    lines.push("", `Policy violations: ${plan.violations.length}`);
    for (const v of plan.violations) lines.push(`  [${v.severity}] ${v.policy}: ${v.message} (${v.urn})`);
  }
  return lines.join("\n");
}

/**
 * Why `given` (an output file as the caller wrote it, not empty) cannot be written, in words, or undefined when it can:
 * it ends in '/', its folder is missing or not a folder (none is created), or it is a folder or a symbolic link
 * to nothing.
 */
function outputPathProblem(given: string): string | undefined {
  if (given.endsWith("/") || given.endsWith(path.sep)) return "ends in '/', a folder; give a file path in an existing folder";
  const file = callers(given);
  const folder = path.dirname(file);
  if (!fs.existsSync(folder)) return `its folder ${folder} does not exist; give a file path in an existing folder (none is created)`;
  if (!fs.statSync(folder).isDirectory()) return `${folder} is not a folder; give a file path in an existing folder`;
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) return "is a folder; give a file path in an existing folder";
  if (!fs.existsSync(file) && fs.lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink()) return "is a symbolic link to a path that does not exist";
  return undefined;
}

async function main(argv: string[]): Promise<number> {
  let values: {
    stack?: string;
    "config-file"?: string;
    json?: string;
    diff?: string;
    markdown?: string;
    "accept-base-from-other-stack"?: boolean;
    "terraform-plan"?: string;
    cloudformation?: string;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        stack: { type: "string" },
        "config-file": { type: "string" },
        json: { type: "string" },
        diff: { type: "string" },
        markdown: { type: "string" },
        "accept-base-from-other-stack": { type: "boolean" },
        "terraform-plan": { type: "string" },
        cloudformation: { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    process.stderr.write(`plan: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const empty = Object.entries(values).find(([, value]) => value === "");
  if (empty) {
    process.stderr.write(`plan: --${empty[0]} needs a value, got an empty one\n${USAGE}\n`);
    return 2;
  }
  const stack = values.stack;
  if (!stack || !/^[a-zA-Z0-9._-]+$/.test(stack)) {
    process.stderr.write(`plan: --stack is required (letters, digits, '.', '_', '-')\n${USAGE}\n`);
    return 2;
  }
  if ((values.markdown || values["accept-base-from-other-stack"]) && !values.diff) {
    process.stderr.write(`plan: --markdown and --accept-base-from-other-stack apply to the diff and need --diff BASE.json\n${USAGE}\n`);
    return 2;
  }
  // An output file that cannot be written is refused before the program runs, not after the whole plan is printed.
  for (const option of ["json", "markdown", "terraform-plan", "cloudformation"] as const) {
    const problem = values[option] === undefined ? undefined : outputPathProblem(values[option]);
    if (problem) {
      process.stderr.write(`plan: --${option} ${values[option]}: ${problem}\n`);
      return 2;
    }
  }
  // Imported after argument checks: loading the Pulumi SDK and providers is the slow part.
  const { planStack, loadProject } = await import("./offline/stack");
  // A base plan that cannot be compared is refused before the program runs, not after the whole plan is printed: the
  // head's stack and project (Pulumi.yaml's name, which the plan carries) are known now.
  const differ = values.diff ? await import("./offline/diff") : undefined;
  const loaded = differ?.loadBasePlan(callers(values.diff!));
  const base =
    typeof loaded === "object"
      ? differ!.matchBasePlan(values.diff!, loaded, { stack, project: loadProject() }, values["accept-base-from-other-stack"] === true)
      : loaded;
  if (typeof base === "string") {
    process.stderr.write(`${base}\n`);
    return 2;
  }
  const { plan, files } = await planStack(stack, values["config-file"] && callers(values["config-file"]));
  const region = files.config["aws:region"] ?? "?";
  const { estimateStackCost, renderCost } = await import("./offline/cost");
  const cost = estimateStackCost(plan, region);
  process.stdout.write(`${renderPlan(plan, region)}\n\n${renderCost(cost)}\n`);
  if (values.json) {
    fs.writeFileSync(callers(values.json), JSON.stringify({ ...plan, cost }, null, 2) + "\n");
    process.stdout.write(`\nPlan written to ${values.json}\n`);
  }
  // The plan in the formats other scanners read: Terraform's plan JSON (@pulumi/aws) and a CloudFormation template
  // (@pulumi/aws-native). See scripts/export/.
  if (values["terraform-plan"]) {
    const { toTerraformPlan } = await import("./export/terraform");
    fs.writeFileSync(callers(values["terraform-plan"]), JSON.stringify(toTerraformPlan(plan), null, 2) + "\n");
    process.stdout.write(`Terraform plan JSON written to ${values["terraform-plan"]}\n`);
  }
  if (values.cloudformation) {
    const { toCloudFormation } = await import("./export/cloudformation");
    fs.writeFileSync(callers(values.cloudformation), JSON.stringify(toCloudFormation(plan), null, 2) + "\n");
    process.stdout.write(`CloudFormation template written to ${values.cloudformation}\n`);
  }
  const mandatory = plan.violations.filter((v) => v.severity === "mandatory").length;
  if (differ && base) {
    const { diffPlans, renderDiff } = differ;
    const diff = diffPlans(base, { ...plan, cost } as Plan);
    const title = `${plan.project} / ${stack}${base.stack !== stack || base.project !== plan.project ? ` (base: ${base.project} / ${base.stack})` : ""}`;
    process.stdout.write(`\n${renderDiff(diff, "text", title)}\n`);
    if (values.markdown) fs.writeFileSync(callers(values.markdown), `${renderDiff(diff, "markdown", title)}\n`);
  }
  if (mandatory > 0) {
    process.stderr.write(`plan failed: ${mandatory} mandatory policy violation${mandatory > 1 ? "s" : ""} (listed above)\n`);
    return 1;
  }
  return 0;
}

function fail(error: unknown): never {
  const e = error as Error;
  if (e?.name === "ConfigError") {
    process.stderr.write(`${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`plan failed: ${e?.message ?? String(error)}\n`);
  process.exit(1);
}

/** Runs the plan command line and exits with its code (also the entry of the compiled plan, scripts/program.js). */
export function cli(argv: string[]): void {
  process.on("unhandledRejection", fail);
  // Exit once standard output has taken everything written: a pipe's reader may be slower than the plan.
  main(argv).then((code) => process.stdout.write("", () => process.exit(code)), fail);
}

if (require.main === module) {
  cli(process.argv.slice(2));
}
