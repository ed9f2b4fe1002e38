// Every stack's offline plan judged by the field's own scanners: `npm run plan -- --terraform-plan --cloudformation`
// as users run it, once per stack; cfn-lint once on the three templates (aws-native resources), Checkov once on the
// three Terraform plans (@pulumi/aws resources), and the Greengrass recipes against the recipe format. Prod must
// pass Checkov except for the failures listed, with a reason, in policy/checkov-suppressions.yaml.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Ajv from "ajv";
import { beforeAll, describe, expect, it } from "vitest";
import { toCloudFormation, unmappedNativeTypes, type CloudFormationTemplate } from "../../scripts/export/cloudformation";
import { unmappedTypes, type TerraformPlan } from "../../scripts/export/terraform";
import { SECRET, type Plan } from "../../scripts/offline/run";
import recipeSchema from "./greengrass-recipe.schema.json";
import { cfnLint, checkov, loadSuppressions, once, ROOT, triage } from "./tools";

const STACKS = ["dev", "staging", "prod"] as const;
type Stack = (typeof STACKS)[number];
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "export-test-"));

interface Exported {
  readonly plan: Plan;
  readonly terraform: TerraformPlan;
  readonly template: CloudFormationTemplate;
}

/** `npm run plan -- --stack S --json … --terraform-plan … --cloudformation …`, as a child process. */
function planStack(stack: Stack): Promise<Exported> {
  const file = (kind: string) => path.join(TMP, `${stack}.${kind}.json`);
  const args = ["scripts/plan.ts", "--stack", stack, "--json", file("plan"), "--terraform-plan", file("tfplan"), "--cloudformation", file("cfn")];
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, "node_modules/.bin/tsx"), args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.resume();
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`plan --stack ${stack} exited ${code}: ${stderr}`));
      const read = (kind: string) => JSON.parse(fs.readFileSync(file(kind), "utf8"));
      resolve({ plan: read("plan"), terraform: read("tfplan"), template: read("cfn") });
    });
  });
}

/** The three plans in parallel (one Node process each), then each scanner once for all three stacks. */
const scanned = once(async () => {
  const plans = await Promise.all(STACKS.map(planStack));
  const exported = Object.fromEntries(STACKS.map((s, i) => [s, plans[i]])) as Record<Stack, Exported>;
  // prod once more with a secret in every aws-native resource: the placeholder must lint clean too.
  const withSecrets = toCloudFormation({
    ...exported.prod.plan,
    resources: exported.prod.plan.resources.map((r) => {
      const key = Object.keys(r.inputs).find((k) => typeof r.inputs[k] === "string");
      return r.type.startsWith("aws-native:") && key ? { ...r, inputs: { ...r.inputs, [key]: SECRET } } : r;
    }),
  });
  fs.writeFileSync(path.join(TMP, "prod-secrets.cfn.json"), JSON.stringify(withSecrets));
  const lint = cfnLint([...STACKS.map((s) => path.join(TMP, `${s}.cfn.json`)), path.join(TMP, "prod-secrets.cfn.json")]);
  const scan = checkov(TMP, STACKS.map((s) => `${s}.tfplan.json`));
  const forStack = (stack: Stack) => scan.results.filter((r) => r.file === `${stack}.tfplan.json`);
  return { exported, withSecrets, lint, scan, forStack };
});
beforeAll(() => scanned().then(() => undefined, () => undefined), 300_000);

describe.each(STACKS)("stack %s", (stack) => {
  it("maps every @pulumi/aws and aws-native type it plans", async () => {
    const { exported } = await scanned();
    expect(unmappedTypes(exported[stack].plan), "add these to TERRAFORM_TYPES in scripts/export/terraform-types.ts").toEqual([]);
    expect(unmappedNativeTypes(exported[stack].plan), "add these to CLOUDFORMATION_TYPES in scripts/export/cloudformation.ts").toEqual([]);
  });

  it("exports every @pulumi/aws resource to the Terraform plan, and Checkov reads each of them", async () => {
    const { exported, forStack } = await scanned();
    const { plan, terraform } = exported[stack];
    const aws = plan.resources.filter((r) => r.type.startsWith("aws:"));
    expect(terraform.planned_values.root_module.resources).toHaveLength(aws.length);
    expect(Object.values(terraform.pulumi.urns).sort()).toEqual(aws.map((r) => r.urn).sort());
    const checked = new Set(forStack(stack).map((r) => r.resource));
    // Every type Checkov has checks for shows up in its results, resource by resource.
    for (const r of terraform.planned_values.root_module.resources.filter((x) => /^aws_(s3_bucket|lb|iam_role_policy|lambda_function|cloudwatch_log_group)$/.test(x.type))) {
      expect(checked, r.address).toContain(r.address);
    }
  });

  it("exports every aws-native resource to a template cfn-lint finds no error in", async () => {
    const { exported, lint } = await scanned();
    const { plan, template } = exported[stack];
    expect(Object.keys(template.Resources)).toHaveLength(plan.resources.filter((r) => r.type.startsWith("aws-native:")).length);
    const found = lint.filter((m) => m.Filename.endsWith(`/${stack}.cfn.json`));
    process.stdout.write(`cfn-lint ${stack}: ${Object.keys(template.Resources).length} resources, ${found.length} findings (${found.map((m) => m.Rule.Id).join(", ") || "none"})\n`);
    const errors = found.filter((m) => m.Level === "Error");
    expect(errors.map((m) => `${m.Rule.Id} ${m.Location.Path?.join("/")}: ${m.Message}`)).toEqual([]);
  });

  it("has Greengrass recipes in the recipe format, deployed at the versions they declare", async () => {
    const { exported } = await scanned();
    const validate = new Ajv({ allErrors: true }).compile(recipeSchema);
    const components = Object.entries(exported[stack].template.Resources).filter(([, r]) => r.Type === "AWS::GreengrassV2::ComponentVersion");
    const deployments = Object.values(exported[stack].template.Resources).filter((d) => d.Type === "AWS::GreengrassV2::Deployment");
    expect(components.length).toBeGreaterThan(0);
    expect(deployments.length).toBeGreaterThan(0);
    for (const [id, r] of components) {
      const recipe = JSON.parse(String(r.Properties.InlineRecipe));
      expect(validate(recipe) ? [] : validate.errors!.map((e) => `${id}${e.instancePath}: ${e.message}`)).toEqual([]);
      // The deployment deploys the version each published recipe declares, under the component's own name (the
      // component map's keys are names cfn-lint cannot check).
      for (const d of deployments) {
        expect((d.Properties.Components as Record<string, unknown>)[recipe.ComponentName], `${id} in the deployment`).toEqual({ ComponentVersion: recipe.ComponentVersion });
      }
    }
  });
});

describe("cfn-lint on secrets", () => {
  it("accepts the NoEcho parameter a secret input becomes", async () => {
    const { withSecrets, lint } = await scanned();
    const refs = JSON.stringify(withSecrets.Resources).match(/"Ref":"[A-Za-z0-9]+Secret1"/g) ?? [];
    expect(refs).toHaveLength(Object.keys(withSecrets.Resources).length);
    expect(Object.values(withSecrets.Parameters ?? {}).every((p) => p.NoEcho)).toBe(true);
    expect(lint.filter((m) => m.Filename.endsWith("prod-secrets.cfn.json") && m.Level === "Error").map((m) => `${m.Rule.Id}: ${m.Message}`)).toEqual([]);
  });
});

describe("Checkov on prod", () => {
  it("fails no check that policy/checkov-suppressions.yaml does not accept, and every suppression is still needed", async () => {
    const { forStack } = await scanned();
    const { open, suppressed, unused } = triage(
      forStack("prod").filter((r) => !r.passed),
      loadSuppressions(),
    );
    expect(open.map((r) => `${r.id} ${r.resource}`), "fix these, or add them to policy/checkov-suppressions.yaml with a reason").toEqual([]);
    expect(unused.map((s) => `${s.id} ${s.resource}`), "these suppressions match no failure of prod any more: remove them").toEqual([]);
    expect(suppressed.length).toBeGreaterThan(0);
  });

  it("reads every exported resource of the three stacks, and reports passed, failed and suppressed checks", async () => {
    const { exported, scan, forStack } = await scanned();
    expect(scan.parsingErrors).toBe(0);
    const exportedCount = STACKS.reduce((n, s) => n + exported[s].terraform.planned_values.root_module.resources.length, 0);
    expect(scan.resourceCount).toBe(exportedCount);
    const suppressions = loadSuppressions();
    const lines = STACKS.map((stack) => {
      const results = forStack(stack);
      const { open, suppressed } = triage(results.filter((r) => !r.passed), suppressions);
      return `${stack}: ${results.filter((r) => r.passed).length} passed, ${open.length} failed, ${suppressed.length} suppressed`;
    });
    process.stdout.write(`Checkov (terraform_plan) with policy/checkov-suppressions.yaml:\n  ${lines.join("\n  ")}\n`);
  });
});
