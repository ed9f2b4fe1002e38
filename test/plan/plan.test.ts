// The offline plan end to end: the CLI as users run it, one child process per run.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { loadStackFiles, type Plan } from "../../scripts/offline/run";

const ROOT = path.resolve(__dirname, "../..");
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "plan-test-"));

function plan(...args: string[]) {
  const r = spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), ["scripts/plan.ts", ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function stackFile(name: string, yaml: string): string {
  const file = path.join(TMP, name);
  fs.writeFileSync(file, yaml);
  return file;
}

/** The documented JSON contract; extra fields are allowed (the contract only grows). */
const Contract = z.object({
  project: z.literal("edge-mlops"),
  stack: z.string(),
  resources: z.array(
    z.object({
      urn: z.string().regex(/^urn:pulumi:[^:]+::edge-mlops::.+::.+$/),
      type: z.string(),
      name: z.string(),
      parent: z.string().nullable(),
      custom: z.boolean(),
      inputs: z.record(z.string(), z.unknown()),
      options: z.object({
        protect: z.boolean(),
        retainOnDelete: z.boolean(),
        deleteBeforeReplace: z.boolean(),
        ignoreChanges: z.array(z.string()),
      }),
      dependsOn: z.array(z.string()),
    }),
  ),
  outputs: z.record(z.string(), z.unknown()),
  violations: z.array(z.object({ policy: z.string(), severity: z.string(), urn: z.string(), message: z.string() })),
});

describe.each(["dev", "staging", "prod"])("plan --stack %s", (stack) => {
  const json = path.join(TMP, `${stack}.json`);
  const run = plan("--stack", stack, "--json", json);

  it("exits 0 and prints the tree and the summary", () => {
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`edge-mlops / ${stack} (eu-west-1)`);
    expect(run.stdout).toMatch(/edge-mlops:network:Network/);
    expect(run.stdout).toMatch(/Resources: \d+/);
  });

  it("writes JSON that follows the contract", () => {
    const parsed = Contract.parse(JSON.parse(fs.readFileSync(json, "utf8")));
    expect(parsed.stack).toBe(stack);
    const urns = new Set(parsed.resources.map((r) => r.urn));
    expect(urns.size).toBe(parsed.resources.length);
    for (const r of parsed.resources) {
      if (r.parent !== null) expect(urns.has(r.parent)).toBe(true);
      for (const d of r.dependsOn) expect(urns.has(d)).toBe(true);
    }
    // Inputs are resolved: no Output or Promise leaks into the JSON.
    expect(JSON.stringify(parsed.resources)).not.toMatch(/OutputImpl|\[object Promise\]|Calling \[toJSON\]/);
    expect(parsed.outputs.vpcId).toMatch(/^vpc-[0-9a-f]{17}$/);
    expect(parsed.outputs.stackTags).toMatchObject({ project: "edge-mlops", stack, "managed-by": "pulumi" });
  });

  it("applies stack-wide tags through the providers' default tags", () => {
    const parsed = Contract.parse(JSON.parse(fs.readFileSync(json, "utf8")));
    for (const type of ["pulumi:providers:aws", "pulumi:providers:aws-native"]) {
      const provider = parsed.resources.find((r) => r.type === type);
      expect(provider?.inputs.region).toBe("eu-west-1");
      // Provider SDKs hand nested provider config over as JSON.
      expect(JSON.parse(String(provider?.inputs.defaultTags))).toEqual({
        tags: { "cost-center": "ml-platform", ...(stack === "prod" ? { "data-classification": "internal" } : {}), project: "edge-mlops", stack, "managed-by": "pulumi" },
      });
    }
  });
});

describe.each([
  // dev shares staging's account, whose account-wide audit staging owns (accountSettings.owner).
  ["dev", { mwaa: false, audit: undefined, violations: "advisory" }],
  ["staging", { mwaa: true, audit: "WEEKLY", violations: "advisory" }],
  // prod's only findings: its Lambdas reserve no concurrency (advisory; a new account has none to reserve).
  ["prod", { mwaa: true, audit: "DAILY", violations: "lambda-reserved-concurrency" }],
] as const)("observability and policy of %s", (stack, expected) => {
  const plan = () => JSON.parse(fs.readFileSync(path.join(TMP, `${stack}.json`), "utf8")) as Plan;
  const ofType = (type: string) => plan().resources.filter((r) => r.type === type);
  const metrics = () =>
    ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((r) => `${String(r.inputs.namespace ?? "math")}:${String(r.inputs.metricName ?? r.name.replace(`${stack}-`, ""))}`);

  it("has one encrypted alarm topic, one dashboard and every alarm notifying the topic", () => {
    const [topic] = ofType("aws:sns/topic:Topic");
    expect(ofType("aws:sns/topic:Topic")).toHaveLength(1);
    expect(topic.inputs.kmsMasterKeyId).toEqual(expect.any(String));
    expect(ofType("aws:cloudwatch/dashboard:Dashboard")).toHaveLength(1);
    const topicArn = topic.arn;
    for (const alarm of ofType("aws:cloudwatch/metricAlarm:MetricAlarm")) expect(alarm.inputs.alarmActions, alarm.name).toEqual([topicArn]);
  });

  it("alarms on the inference service, the training workflow and (where enabled) MWAA", () => {
    const m = metrics();
    for (const metric of [
      "AWS/ApplicationELB:TargetResponseTime", "AWS/ApplicationELB:UnHealthyHostCount", "AWS/ECS:CPUUtilization", "AWS/ECS:MemoryUtilization",
      "AWS/States:ExecutionsFailed", "AWS/States:ExecutionsTimedOut", "AWS/States:ExecutionsAborted", "AWS/Lambda:Errors", "AWS/Lambda:Throttles",
    ]) expect(m, metric).toContain(metric);
    expect(m.filter((x) => x === "AWS/Lambda:Errors")).toHaveLength(3);
    expect(m.some((x) => x.includes("alarm-5xx-rate"))).toBe(true);
    expect(m.filter((x) => x.includes("drift-"))).toHaveLength(8); // 7 numeric features + the prediction
    expect(m.includes("AmazonMWAA:SchedulerHeartbeat")).toBe(expected.mwaa);
    expect(m.includes("AmazonMWAA:QueuedTasks")).toBe(expected.mwaa);
  });

  it(`forwards failed Greengrass deployments and IoT job executions${expected.audit ? ", and audits the fleet" : ""}`, () => {
    // Rules with an event pattern (the others run on a schedule).
    const patterns = ofType("aws:cloudwatch/eventRule:EventRule").filter((r) => r.inputs.eventPattern !== undefined);
    const sources = patterns.map((r) => (JSON.parse(String(r.inputs.eventPattern)) as { source: string[] }).source[0]);
    expect(sources.filter((s) => s === "aws.greengrass")).toHaveLength(1);
    expect(ofType("aws:iot/topicRule:TopicRule").map((r) => r.name).sort()).toEqual([`${stack}-device-metrics`, `${stack}-device-samples`, `${stack}-job-failures`]);
    expect(ofType("aws-native:iot:AccountAuditConfiguration")).toHaveLength(expected.audit ? 1 : 0);
    expect(ofType("aws-native:iot:ScheduledAudit").map((r) => r.inputs.frequency)).toEqual(expected.audit ? [expected.audit] : []);
  });

  it("starts retraining when one of the service's drift alarms goes to ALARM", () => {
    const drift = ofType("aws:cloudwatch/metricAlarm:MetricAlarm").filter((r) => r.name.startsWith(`${stack}-drift-`));
    const [rule] = ofType("aws:cloudwatch/eventRule:EventRule").filter((r) => r.name === `${stack}-drift-retrain-rule`);
    const prefix = (JSON.parse(String(rule.inputs.eventPattern)) as { detail: { alarmName: { prefix: string }[] } }).detail.alarmName[0].prefix;
    expect(prefix).toBe(`edge-mlops-${stack}-drift-`);
    expect(drift).toHaveLength(8);
    for (const alarm of drift) expect(String(alarm.inputs.name).startsWith(prefix), alarm.name).toBe(true);
    const fn = ofType("aws:lambda/function:Function").find((r) => r.name === `${stack}-drift-retrain-fn`);
    expect(ofType("aws:cloudwatch/eventTarget:EventTarget").find((r) => r.name === `${stack}-drift-retrain-target`)?.inputs.arn).toBe(fn?.arn);
  });

  it("lands the devices' samples in the training data bucket under the prefix the DAG ingests", () => {
    const [samples] = ofType("aws:iot/topicRule:TopicRule").filter((r) => r.name === `${stack}-device-samples`);
    const [dataBucket] = ofType("aws:s3/bucket:Bucket").filter((r) => r.name === `${stack}-data-bucket`);
    expect(samples.inputs.s3).toEqual([expect.objectContaining({ bucketName: dataBucket.id, key: "incoming/devices/${topic(3)}/${timestamp()}-${newuuid()}.csv" })]);
  });

  it("lets devices read the released models their model component downloads, and nothing else of the model store", () => {
    const [bucket] = ofType("aws:s3/bucket:Bucket").filter((r) => r.name === `${stack}-models-bucket`);
    const [policy] = ofType("aws:iam/rolePolicy:RolePolicy").filter((r) => r.name === `${stack}-token-exchange-policy`);
    const statements = (JSON.parse(String(policy.inputs.policy)) as { Statement: { Action: string | string[]; Resource: string | string[] }[] }).Statement;
    const onModels = statements.flatMap((st) => [st.Resource].flat().filter((r) => r.startsWith(String(bucket.arn))).map((r) => ({ r, a: [st.Action].flat() })));
    // GetBucketLocation: the nucleus asks the bucket's region before it downloads an artifact.
    expect(onModels).toEqual([
      { r: `${String(bucket.arn)}/releases/*`, a: ["s3:GetObject"] },
      { r: String(bucket.arn), a: ["s3:GetBucketLocation"] },
    ]);
  });

  it("keeps the devices' metrics apart from the cloud service's drift alarms", () => {
    const env = (ofType("aws:ecs/taskDefinition:TaskDefinition")[0].inputs.containerDefinitions as string);
    const cloud = (JSON.parse(env) as { environment: { name: string; value: string }[] }[])[0].environment.find((e) => e.name === "METRICS_SERVICE")?.value;
    const [rule] = ofType("aws:iot/topicRule:TopicRule").filter((r) => r.name === `${stack}-device-metrics`);
    const device = /WHERE Service = '([^']+)'/.exec(String(rule.inputs.sql))?.[1];
    expect(cloud).toBe(`edge-mlops-${stack}`);
    expect(device).toBe(`edge-mlops-${stack}-devices`);
    const drift = ofType("aws:cloudwatch/metricAlarm:MetricAlarm").filter((r) => r.name.startsWith(`${stack}-drift-`));
    for (const alarm of drift) expect(JSON.stringify(alarm.inputs.metricQueries)).not.toContain(`"${device}"`);
  });

  it("has only advisory policy violations, each explained", () => {
    const violations = plan().violations;
    if (expected.violations !== "advisory") expect([...new Set(violations.map((v) => v.policy))]).toEqual([expected.violations]);
    for (const v of violations) {
      expect(v.severity).toBe("advisory");
      expect(v.message.length).toBeGreaterThan(20);
    }
  });
});

describe("plan failures", () => {
  const base = "config:\n  aws:region: eu-west-1\n  edge-mlops:environment: dev\n";

  it.each([
    ["a type flip", `${base}  edge-mlops:inference:\n    desiredCount: "two"\n`, "edge-mlops:inference.desiredCount: must be a number"],
    ["a negative number", `${base}  edge-mlops:inference:\n    maxCount: -3\n`, "edge-mlops:inference.maxCount: must be >= 1, got -3"],
    ["a misspelled key", `${base}  edge-mlops:airflw:\n    enabled: true\n`, "edge-mlops:airflw: unknown key 'airflw'"],
    ["conflicting values", `${base}  edge-mlops:airflow:\n    minWorkers: 4\n    maxWorkers: 2\n`, "edge-mlops:airflow.minWorkers: must be <= maxWorkers (2)"],
  ])("exits 2 with one line naming the key for %s", (_, yaml, expected) => {
    const r = plan("--stack", "dev", "--config-file", stackFile(`bad-${expected.length}.yaml`, yaml));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`config error: ${expected}${r.stderr.slice(`config error: ${expected}`.length)}`);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it("exits 2 naming a missing stack file and the stacks there are, or a missing --config-file", () => {
    const r = plan("--stack", "nosuchstack");
    expect([r.code, r.stderr.trim()]).toEqual([
      2,
      "config error: Pulumi.nosuchstack.yaml: no such stack file; the stacks here: dev, prod, staging (Pulumi.<stack>.yaml)",
    ]);
    const missing = path.join(os.tmpdir(), "edge-mlops-no-such-config.yaml");
    const f = plan("--stack", "dev", "--config-file", missing);
    expect([f.code, f.stderr.trim()]).toEqual([2, `config error: ${missing}: no such file (a YAML stack file is needed)`]);
    const folder = plan("--stack", "dev", "--config-file", os.tmpdir());
    expect([folder.code, folder.stderr.trim()]).toEqual([2, `config error: ${os.tmpdir()}: is a folder, not a file (a YAML stack file is needed)`]);
  });

  it("exits 2 with usage on a bad flag, like a config error", () => {
    const r = plan("--stak", "dev");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/usage: npm run plan/);
  });

  it("shows secure values as [secret]", () => {
    const json = path.join(TMP, "secret.json");
    const file = stackFile("secret.yaml", `${base}  edge-mlops:tags:\n    owner:\n      secure: v1:AAAABBBBCCCC\n`);
    const r = plan("--stack", "dev", "--config-file", file, "--json", json);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(fs.readFileSync(json, "utf8")) as Plan;
    // A secret key is passed on as a secret: the tags, and the providers' default tags made of them.
    expect(parsed.outputs.stackTags).toBe("[secret]");
    expect(parsed.resources.find((r) => r.type === "pulumi:providers:aws")?.inputs.defaultTags).toBe("[secret]");
    expect(fs.readFileSync(json, "utf8")).not.toContain("AAAABBBBCCCC");
  });

  it("plans prod with a secure HTTPS webhook, the subscription's endpoint a secret", () => {
    const json = path.join(TMP, "prod-secret.json");
    const prod = fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8");
    const webhook = "        - https://events.example.com/edge-mlops/alarms\n";
    expect(prod).toContain(webhook);
    const file = stackFile("prod-secret.yaml", prod.replace(webhook, "        - secure: v1:c2VjcmV0LXdlYmhvb2s=\n"));
    const r = plan("--stack", "prod", "--config-file", file, "--json", json);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const parsed = JSON.parse(fs.readFileSync(json, "utf8")) as Plan;
    const subscriptions = parsed.resources.filter((x) => x.type === "aws:sns/topicSubscription:TopicSubscription");
    // Every recipient of the secret key is passed on as a secret and named by its place, not by its value.
    expect(subscriptions.map((x) => [x.name, x.inputs.protocol, x.inputs.endpoint])).toEqual([
      ["prod-email-secret-0", "email", "[secret]"],
      ["prod-https-secret-0", "https", "[secret]"],
    ]);
    expect(parsed.violations.filter((v) => v.severity === "mandatory")).toEqual([]);
  });

  it("plans a region the old mock tables did not know, with its partition's ARNs", () => {
    const json = path.join(TMP, "cn.json");
    const r = plan("--stack", "dev", "--config-file", stackFile("cn.yaml", base.replace("eu-west-1", "cn-north-1")), "--json", json);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const parsed = JSON.parse(fs.readFileSync(json, "utf8")) as Plan;
    const arns = parsed.resources.map((x) => x.arn).filter((a): a is string => typeof a === "string");
    expect(arns.length).toBeGreaterThan(20);
    for (const arn of arns) expect(arn).toMatch(/^arn:aws-cn:/);
    expect(String(parsed.outputs.repositoryUrl)).toMatch(/\.dkr\.ecr\.cn-north-1\.amazonaws\.com\.cn\//);
  });
});

describe("config errors: exit 2 and one line naming the key", () => {
  const base = "config:\n  aws:region: eu-west-1\n  edge-mlops:environment: dev\n";
  const dir = fs.mkdtempSync(path.join(TMP, "csr-"));
  const csr = spawnSync("sh", [path.join(ROOT, "edge", "device-csr.sh"), "-o", dir, "hub-01"], { encoding: "utf8" });
  if (csr.status !== 0) throw new Error(`edge/device-csr.sh failed: ${csr.stderr}`);
  const key = path.join(dir, "hub-01.key.pem");

  it.each([
    // Accepted without a word before.
    ["a range overlapping another stack's", "qa", `${base}  edge-mlops:network:\n    cidrBlock: 10.20.0.0/16\n`,
      `edge-mlops:network.cidrBlock: overlaps 10.20.0.0/16 of stack 'staging' (Pulumi.staging.yaml); each stack of the project needs its own range (VPC peering, Transit Gateway and VPN routes need disjoint ones), got "10.20.0.0/16"`],
    ["host bits", "dev", `${base}  edge-mlops:network:\n    cidrBlock: 10.10.128.0/16\n`,
      `edge-mlops:network.cidrBlock: must be a network address with no host bits set (10.10.0.0/16 is the /16 that holds 10.10.128.0), got "10.10.128.0/16"`],
    ["a public range", "dev", `${base}  edge-mlops:network:\n    cidrBlock: 8.8.0.0/16\n`,
      `edge-mlops:network.cidrBlock: must lie in an RFC 1918 private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16); 8.8.0.0/16 is public, got "8.8.0.0/16"`],
    ["a mistyped namespace", "dev", `${base}  edge-mlop:inference:\n    cpu: 512\n`,
      "edge-mlop:inference: unknown config namespace 'edge-mlop' (did you mean 'edge-mlops:inference'? this program reads edge-mlops:, pulumi:, aws:, aws-native:, docker:, tls:)"],
    // Ended in exit 1 before.
    ["a region the tables do not know", "dev", base.replace("eu-west-1", "mx-central-1"),
      "aws:region: SageMaker's scikit-learn image, which the training workflow's jobs run in, is not published in mx-central-1 (SageMaker Python SDK, image_uri_config/sklearn.json); it is in af-south-1, "],
    ["a mistyped region", "dev", base.replace("eu-west-1", "eu-wset-1"),
      `aws:region: is not a region aws.Provider accepts (@pulumi/aws Region enum; did you mean 'eu-west-1'?), got "eu-wset-1"`],
    ["a stack file that is not YAML", "dev", `${base}  edge-mlops:network: [\n`,
      "TMPFILE:5:1: is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]"],
    ["a private key given as a device's CSR", "dev", `${base}  edge-mlops:edgeFleet:\n    devices:\n      - name: hub-01\n        csrFile: ${key}\n`,
      `edge-mlops:edgeFleet.devices[0].csrFile: holds a private key; give only the CSR (the key stays on the device) (${key}), got "${key}"`],
    ["a missing claim CSR", "dev", `${base}  edge-mlops:edgeFleet:\n    provisioning:\n      enabled: true\n      claimCsrFile: ${dir}/claim.csr.pem\n`,
      `edge-mlops:edgeFleet.provisioning.claimCsrFile: cannot be read: no such file (${dir}/claim.csr.pem), got "${dir}/claim.csr.pem"`],
  ])("%s", (name, stack, yaml, expected) => {
    const file = stackFile(`config-error-${name.replace(/\W+/g, "-")}.yaml`, yaml);
    const r = plan("--stack", stack, "--config-file", file);
    const line = `config error: ${expected.replace("TMPFILE", file)}`;
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.slice(0, line.length)).toBe(line);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  });
});

describe("loadStackFiles", () => {
  it("reads secure values as [secret], marks their keys secret and namespaces bare keys", () => {
    const file = stackFile("load.yaml", "config:\n  aws:region: us-east-1\n  environment: dev\n  edge-mlops:tags:\n    a: plain\n    b:\n      secure: v1:xyz\n");
    const files = loadStackFiles(ROOT, "dev", file);
    expect(files.config["edge-mlops:environment"]).toBe("dev");
    expect(JSON.parse(files.config["edge-mlops:tags"])).toEqual({ a: "plain", b: "[secret]" });
    expect(files.secretKeys).toEqual(["edge-mlops:tags"]);
    expect(files.config["edge-mlops:protect"]).toBe("true"); // the project-level default from Pulumi.yaml
  });
});
