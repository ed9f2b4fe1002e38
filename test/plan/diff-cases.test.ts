// The offline diff on real plans of this program: a base plan of a stack and a head plan of a changed stack file (or
// of a changed input, through a transformation), both made by the offline runner as users run it. Each case says why
// `pulumi preview` would print those counts. Also: every type the program plans has replacement data, and plans are
// the same run to run.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { diffPlans, readBasePlan, renderDiff, type PlanDiff } from "../../scripts/offline/diff";
import { replacementData } from "../../scripts/offline/replacement";
import type { Plan } from "../../scripts/offline/run";

const ROOT = path.resolve(__dirname, "../..");
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "diff-cases-"));
const TSX = path.join(ROOT, "node_modules/.bin/tsx");
const STAGING = fs.readFileSync(path.join(ROOT, "Pulumi.staging.yaml"), "utf8");

function stackFile(name: string, from: string, to: string): string {
  if (!STAGING.includes(from)) throw new Error(`Pulumi.staging.yaml has no '${from}'`);
  const file = path.join(TMP, `${name}.yaml`);
  fs.writeFileSync(file, STAGING.replace(from, to));
  return file;
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(TSX, args, { cwd: ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b) => (stdout += b));
    child.stderr.on("data", (b) => (stderr += b));
    const timer = setTimeout(() => child.kill(), 150_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const json = (name: string) => path.join(TMP, `${name}.json`);
const read = (name: string) => JSON.parse(fs.readFileSync(json(name), "utf8")) as Plan;
const planTo = (name: string, ...args: string[]) => run(["scripts/plan.ts", ...args, "--json", json(name)]);

beforeAll(async () => {
  // Two at a time: the machine has two cores.
  const jobs: (() => Promise<unknown>)[] = [
    () => planTo("staging", "--stack", "staging"),
    () => planTo("staging-again", "--stack", "staging"),
    () => planTo("dev", "--stack", "dev"),
    () => planTo("prod", "--stack", "prod"),
    () => planTo("cidr", "--stack", "staging", "--config-file", stackFile("cidr", "cidrBlock: 10.20.0.0/16", "cidrBlock: 10.21.0.0/16")),
    () => planTo("cpu", "--stack", "staging", "--config-file", stackFile("cpu", "    cpu: 256\n    memory: 512", "    cpu: 512\n    memory: 1024")),
    () => planTo("unprotect", "--stack", "staging", "--config-file", stackFile("unprotect", "edge-mlops:protect: true", "edge-mlops:protect: false")),
    () =>
      run([
        "test/plan/fixtures/plan-with-change.ts", "staging", "aws:sagemaker/featureGroup:FeatureGroup", "staging-features", "description",
        "Abalone measurements, rings and shell weights, ingested by the continuous-training DAG", json("description"),
      ]),
  ];
  const results: { code: number | null; stderr: string }[] = [];
  for (let i = 0; i < jobs.length; i += 2) results.push(...((await Promise.all(jobs.slice(i, i + 2).map((j) => j()))) as { code: number | null; stderr: string }[]));
  results.forEach((r, i) => {
    if (r.code !== 0) throw new Error(`plan job ${i} failed: ${r.stderr}`);
  });
}, 600_000);

const replaced = (d: PlanDiff) => d.changed.filter((c) => c.op === "replace").map((c) => `${c.resource.type} ${c.resource.name}`).sort();
const updated = (d: PlanDiff) => d.changed.filter((c) => c.op === "update" && c.resource.custom).map((c) => `${c.resource.type} ${c.resource.name}`).sort();

describe("offline diff of staging", () => {
  it("CIDR 10.20 → 10.21 replaces the network, the security groups and the MWAA environment", () => {
    const d = diffPlans(read("staging"), read("cidr"));
    // aws_vpc.cidr_block is ForceNew: the VPC is replaced, so its id is unknown in the preview; every child whose
    // vpc_id / subnet_id / route_table_id (ForceNew) reads it is replaced in turn: 4 subnets, 4 route tables, 4
    // associations, 4 routes, 2 NAT gateways (subnet_id), the S3 endpoint (vpc_id), the flow log (vpc_id), the three
    // security groups (vpc_id), their 4 rules (security_group_id), the target group (vpc_id) and MWAA
    // (network_configuration.subnet_ids). The internet gateway (vpc_id updatable), the ALB (subnets, security groups),
    // the service (network configuration, target group), the listener, the scaling policy, two alarms, the dashboard
    // and MWAA's execution policy (its ARN) are updated in place; the Elastic IPs do not depend on the VPC.
    expect(d.counts).toEqual({ create: 0, delete: 0, replace: 30, update: 9 });
    const r = replaced(d);
    for (const t of ["aws:ec2/vpc:Vpc staging-vpc", "aws:ec2/natGateway:NatGateway staging-vpc-1", "aws:ec2/natGateway:NatGateway staging-vpc-2", "aws:mwaa/environment:Environment staging-environment"]) {
      expect(r).toContain(t);
    }
    expect(r.filter((x) => x.startsWith("aws:ec2/subnet:Subnet "))).toHaveLength(4);
    expect(r.filter((x) => x.startsWith("aws:ec2/route:Route "))).toHaveLength(4);
    expect(r.filter((x) => x.startsWith("aws:ec2/securityGroup:SecurityGroup ")).sort()).toEqual(
      ["staging-lb-sg", "staging-sg", "staging-tasks-sg"].map((n) => `aws:ec2/securityGroup:SecurityGroup ${n}`),
    );
    expect(updated(d)).toContain("aws:ecs/service:Service staging-service");
    expect(r.some((x) => x.startsWith("aws:ec2/eip:Eip"))).toBe(false);
  });

  it("cpu/memory 256/512 → 512/1024 replaces the task definition and rolls the service", () => {
    const d = diffPlans(read("staging"), read("cpu"));
    // aws_ecs_task_definition: cpu and memory are ForceNew, so a new revision is registered; the service's
    // task_definition is updatable, and it now names the new revision: one replace, one update.
    expect(d.counts).toEqual({ create: 0, delete: 0, replace: 1, update: 1 });
    expect(replaced(d)).toEqual(["aws:ecs/taskDefinition:TaskDefinition staging-task"]);
    const service = d.changed.find((c) => c.resource.type === "aws:ecs/service:Service")!;
    expect(service.changes.map((c) => [c.path, c.kind])).toEqual([["taskDefinition", "update"]]);
    expect(d.cost?.lines.map((l) => l.item)).toEqual(["fargate/x86/vcpu", "fargate/x86/gb"]);
  });

  it("a feature group description change replaces the feature group", () => {
    const d = diffPlans(read("staging"), read("description"));
    // aws_sagemaker_feature_group.description is ForceNew. The group's ARN and the offline store's resolved S3 URI are
    // unknown until it is created again: MWAA's execution policy (the ARN) and the state machine (the URI) update.
    expect(d.counts).toEqual({ create: 0, delete: 0, replace: 1, update: 2 });
    expect(replaced(d)).toEqual(["aws:sagemaker/featureGroup:FeatureGroup staging-features"]);
    expect(d.warnings).toContain("PROTECTED: aws:sagemaker/featureGroup:FeatureGroup staging-features is protected; pulumi up will refuse to replace it until it is unprotected");
    expect(d.warnings.some((w) => w.startsWith("REPLACES DATA: aws:sagemaker/featureGroup:FeatureGroup staging-features"))).toBe(true);
  });

  it("turning protect off warns about forceDestroy and dropped protection", () => {
    const d = diffPlans(read("staging"), read("unprotect"));
    // Only options and the DAG bucket's forceDestroy change: six protected resources lose protect (updates of their
    // state), and the DAG bucket's force_destroy is updatable.
    expect(d.counts.replace).toBe(0);
    expect(d.warnings.filter((w) => w.startsWith("FORCE DESTROY: aws:s3/bucket:Bucket"))).toHaveLength(1);
    expect(d.warnings.filter((w) => w.startsWith("UNPROTECTED:")).length).toBeGreaterThan(0);
  });

  it("exits 2 on a base plan of another stack, a missing one and an unreadable one, before the plan is printed", async () => {
    const other = await run(["scripts/plan.ts", "--stack", "staging", "--diff", json("dev")]);
    expect(other.code).toBe(2);
    expect(other.stderr).toBe(`plan: base plan ${json("dev")} is of edge-mlops / dev, not edge-mlops / staging; pass --accept-base-from-other-stack to compare them anyway\n`);
    const missing = spawnSync(TSX, ["scripts/plan.ts", "--stack", "staging", "--diff", path.join(TMP, "nope.json")], { cwd: ROOT, encoding: "utf8" });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(`plan: no base plan at ${path.join(TMP, "nope.json")}; write one with --json on the base branch (diff needs a base plan)\n`);
    fs.writeFileSync(path.join(TMP, "bad.json"), "{");
    const bad = spawnSync(TSX, ["scripts/plan.ts", "--stack", "staging", "--diff", path.join(TMP, "bad.json")], { cwd: ROOT, encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^plan: base plan .*bad\.json is not readable JSON/);
    // Refused before the program runs: no plan, no cost, no half of the output.
    expect([other.stdout, missing.stdout, bad.stdout]).toEqual(["", "", ""]);
    // A base of the same stack but another project (Pulumi.yaml's name) is refused before the run too.
    fs.writeFileSync(json("project"), JSON.stringify({ ...read("staging"), project: "other" }));
    const project = await run(["scripts/plan.ts", "--stack", "staging", "--diff", json("project")]);
    expect([project.code, project.stdout]).toEqual([2, ""]);
    expect(project.stderr).toBe(`plan: base plan ${json("project")} is of other / staging, not edge-mlops / staging; pass --accept-base-from-other-stack to compare them anyway\n`);
    const accepted = await run(["scripts/plan.ts", "--stack", "staging", "--diff", json("dev"), "--accept-base-from-other-stack"]);
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain("edge-mlops / staging (base: edge-mlops / dev)");
  }, 300_000);

  it("compares an accepted base of another stack resource by resource: the same type, parent and name is one resource", () => {
    const staging = read("staging");
    const base = readBasePlan(json("dev"), staging, true) as Plan;
    expect([base.stack, base.resources.every((r) => r.urn.startsWith("urn:pulumi:staging::edge-mlops::"))]).toEqual(["dev", true]);
    const d = diffPlans(base, staging);
    const provider = (list: { type: string }[]) => list.filter((r) => r.type.startsWith("pulumi:providers:")).length;
    // The providers (named alike in every stack) are compared, not deleted and created or "moved to a new parent".
    expect([provider(d.added), provider(d.removed)]).toEqual([0, 0]);
    expect(d.warnings.filter((w) => w.startsWith("pulumi:providers:"))).toEqual([]);
    // So are the resources named after the stack (dev-models and staging-models are one resource), so no resource looks
    // renamed to another of the same inputs (dev-models to staging-artifacts).
    const stores = (list: { type: string }[]) => list.filter((r) => r.type === "edge-mlops:models:ModelStore").length;
    expect([stores(d.added), stores(d.removed), d.changed.some((c) => c.resource.name === "staging-models-bucket")]).toEqual([0, 0, true]);
    expect([d.aliasHints, d.warnings.filter((w) => w.includes("renamed"))]).toEqual([[], []]);
    // What only the base has is named as in the base's stack.
    const deleted = renderDiff(d, "text", "t").split("Deleted:")[1]!.split(/\n\n[A-Z]/)[0]!.trim().split("\n");
    expect(deleted.length).toBeGreaterThan(0);
    for (const line of deleted) expect(line).toMatch(/^- \S+ dev-/);
    // A base whose resources lack what the diff reads is refused with one line, not a TypeError later.
    for (const resource of [{}, null, { ...staging.resources[0], dependsOn: undefined }]) {
      fs.writeFileSync(json("broken"), JSON.stringify({ ...staging, resources: [staging.resources[1], resource] }));
      expect(readBasePlan(json("broken"), staging, false)).toBe(
        `plan: base plan ${json("broken")} is not an offline plan: resources[1] needs urn, type, name, inputs, options and dependsOn, as --json writes`,
      );
    }
    // A base of the same stack is read as written.
    expect(readBasePlan(json("staging"), staging, false)).toEqual(staging);
    // The same plan under another stack's name is no change at all, the modelled awsx VPC children included.
    fs.writeFileSync(json("qa"), JSON.stringify({ ...staging, stack: "qa" }).split("urn:pulumi:staging::").join("urn:pulumi:qa::"));
    const same = diffPlans(readBasePlan(json("qa"), staging, true) as Plan, staging);
    expect([same.counts, same.warnings]).toEqual([{ create: 0, delete: 0, replace: 0, update: 0 }, []]);
  });
});

describe("replacement data", () => {
  it("covers every custom resource type dev, staging and prod plan", () => {
    const types = replacementData().types;
    for (const stack of ["dev", "staging", "prod"]) {
      for (const r of read(stack).resources) {
        if (r.custom || r.type.startsWith("awsx:")) expect(types[r.type], `${stack}: ${r.type}`).toBeDefined();
      }
    }
  });

  it("plans are the same run to run", () => {
    expect(fs.readFileSync(json("staging-again"), "utf8")).toBe(fs.readFileSync(json("staging"), "utf8"));
  });
});
