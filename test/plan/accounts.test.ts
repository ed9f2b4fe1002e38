// Fresh and shared AWS accounts, end to end through the offline plan (the CLI, one child process per run): the
// account-wide singletons exist only in the stack that owns them, no Lambda reserves concurrency a new account lacks,
// every role alias' role allows sessions as long as its credentials, the ECR lifecycle keeps the images in use, ECS's
// service-linked role comes first where a stack creates it, and bad account settings stop the plan with exit 2.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { MIN_KEEP_IMAGES } from "../../components/inference-service/args";
import type { Plan } from "../../scripts/offline/run";

const ROOT = path.resolve(__dirname, "../..");
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "accounts-test-"));

function plan(...args: string[]) {
  const r = spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), ["scripts/plan.ts", ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function planJson(name: string, ...args: string[]): Plan {
  const json = path.join(TMP, `${name}.json`);
  const r = plan(...args, "--json", json);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(fs.readFileSync(json, "utf8")) as Plan;
}

/** The resources that exist once per account and region. */
const SINGLETON_TYPES = [
  "aws-native:iot:AccountAuditConfiguration",
  "aws-native:iot:ScheduledAudit",
  "aws:iot/loggingOptions:LoggingOptions",
  "aws:iot/eventConfigurations:EventConfigurations",
];
const singletons = (p: Plan) => [
  ...p.resources.filter((r) => SINGLETON_TYPES.includes(r.type)).map((r) => r.type),
  ...p.resources.filter((r) => r.type === "aws:cloudwatch/logGroup:LogGroup" && r.inputs.name === "AWSIotLogsV2").map(() => "AWSIotLogsV2"),
];

describe.each([
  ["dev", false],
  ["staging", true],
  ["prod", true],
])("plan --stack %s", (stack, owner) => {
  const p = planJson(stack, "--stack", stack);

  it(`${owner ? "creates" : "leaves alone"} the account's IoT audit, logging, event configuration and AWSIotLogsV2`, () => {
    expect(singletons(p).sort()).toEqual(owner ? [...SINGLETON_TYPES, "AWSIotLogsV2"].sort() : []);
  });

  it("reserves no Lambda concurrency", () => {
    const functions = p.resources.filter((r) => r.type === "aws:lambda/function:Function");
    expect(functions.length).toBeGreaterThan(0);
    expect(functions.filter((f) => f.inputs.reservedConcurrentExecutions !== undefined).map((f) => f.name)).toEqual([]);
  });

  it("lets each role alias' role keep sessions as long as the alias' credentials", () => {
    const aliases = p.resources.filter((r) => r.type === "aws:iot/roleAlias:RoleAlias");
    expect(aliases).toHaveLength(1);
    for (const alias of aliases) {
      const role = p.resources.find((r) => r.type === "aws:iam/role:Role" && r.arn === alias.inputs.roleArn);
      expect((role?.inputs.maxSessionDuration as number | undefined) ?? 3600).toBeGreaterThanOrEqual(alias.inputs.credentialDuration as number);
    }
  });

  it("keeps at least the images in use and one failed push in ECR", () => {
    const lifecycle = p.resources.find((r) => r.type === "aws:ecr/lifecyclePolicy:LifecyclePolicy");
    const rules = (JSON.parse(lifecycle!.inputs.policy as string) as { rules: { selection: { tagStatus: string; countNumber: number } }[] }).rules;
    expect(rules.find((r) => r.selection.tagStatus === "tagged")!.selection.countNumber).toBeGreaterThanOrEqual(MIN_KEEP_IMAGES);
  });
});

describe("a fresh account's owner", () => {
  const yaml = fs
    .readFileSync(path.join(ROOT, "Pulumi.staging.yaml"), "utf8")
    .replace(/edge-mlops:accountSettings:\n    owner: true\n/, "edge-mlops:accountSettings:\n    owner: true\n    iotLogGroup: import\n    ecsServiceLinkedRole: true\n");
  const file = path.join(TMP, "Pulumi.fresh.yaml");
  fs.writeFileSync(file, yaml);
  const p = planJson("fresh", "--stack", "staging", "--config-file", file);

  it("creates ECS's service-linked role, kept on delete, before the cluster", () => {
    const slr = p.resources.filter((r) => r.type === "aws:iam/serviceLinkedRole:ServiceLinkedRole");
    expect(slr.map((r) => [r.inputs.awsServiceName, r.options.retainOnDelete])).toEqual([["ecs.amazonaws.com", true]]);
    const cluster = p.resources.find((r) => r.type === "aws:ecs/cluster:Cluster");
    expect(cluster!.dependsOn).toContain(slr[0].urn);
  });

  it("still holds AWSIotLogsV2 when adopting it", () => {
    expect(singletons(p)).toContain("AWSIotLogsV2");
  });

  it("and no other stack creates the role", () => {
    expect(planJson("staging-again", "--stack", "staging").resources.filter((r) => r.type === "aws:iam/serviceLinkedRole:ServiceLinkedRole")).toEqual([]);
  });
});

describe("bad account settings", () => {
  it("exit 2 with one line naming the key", () => {
    const file = path.join(TMP, "Pulumi.bad.yaml");
    fs.writeFileSync(file, "config:\n  aws:region: eu-west-1\n  edge-mlops:environment: dev\n  edge-mlops:accountSettings:\n    iotLogGroup: import\n");
    const r = plan("--stack", "dev", "--config-file", file);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trimEnd()).toBe(
      `config error: edge-mlops:accountSettings.iotLogGroup: applies only to the stack that owns the account's settings: set accountSettings.owner true here, or remove it, got "import"`,
    );
  });
});
