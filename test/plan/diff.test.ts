import { describe, expect, it } from "vitest";
import { diffPlans, renderDiff } from "../../scripts/offline/diff";
import type { Plan, PlannedResource } from "../../scripts/offline/run";

function res(type: string, name: string, inputs: Record<string, unknown>, opts: { protect?: boolean; parent?: string } = {}): PlannedResource {
  const parentType = opts.parent ?? "pulumi:pulumi:Stack";
  return {
    urn: `urn:pulumi:dev::edge-mlops::${parentType}$${type}::${name}`,
    type,
    name,
    parent: null,
    custom: true,
    inputs,
    options: { protect: opts.protect ?? false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [] },
    dependsOn: [],
  };
}
const plan = (...resources: PlannedResource[]): Plan => ({ project: "edge-mlops", stack: "dev", resources, outputs: {}, violations: [] });
const BUCKET = "aws:s3/bucket:Bucket";
const POLICY = "aws:iam/rolePolicy:RolePolicy";

describe("diffPlans", () => {
  it("lists added, deleted and changed resources with the changed inputs", () => {
    const before = plan(res(BUCKET, "data", { bucket: "a" }), res("aws:sns/topic:Topic", "old", {}), res("aws:cloudwatch/logGroup:LogGroup", "logs", { retentionInDays: 7 }));
    const after = plan(res(BUCKET, "data", { bucket: "a" }), res("aws:sqs/queue:Queue", "new", {}), res("aws:cloudwatch/logGroup:LogGroup", "logs", { retentionInDays: 30 }));
    const d = diffPlans(before, after);
    expect(d.added.map((r) => r.name)).toEqual(["new"]);
    expect(d.removed.map((r) => r.name)).toEqual(["old"]);
    expect(d.changed).toHaveLength(1);
    expect(d.changed[0]).toMatchObject({ replaces: false, changes: [{ path: "retentionInDays", before: 7, after: 30 }] });
    expect(d.warnings).toEqual([]);
  });

  it("flags a change that replaces a stateful resource", () => {
    const d = diffPlans(plan(res(BUCKET, "data", { bucket: "a" })), plan(res(BUCKET, "data", { bucket: "b" })));
    expect(d.changed[0].replaces).toBe(true);
    expect(d.warnings).toEqual(["REPLACES DATA: aws:s3/bucket:Bucket data would be replaced (bucket changed); its data would be lost"]);
  });

  it("does not flag an in-place change of a stateful resource", () => {
    const d = diffPlans(plan(res(BUCKET, "data", { bucket: "a", forceDestroy: false })), plan(res(BUCKET, "data", { bucket: "a", forceDestroy: true })));
    expect(d.changed[0].replaces).toBe(false);
    expect(d.warnings).toEqual([]);
  });

  it("flags deleting a stateful resource, and a protected one", () => {
    const d = diffPlans(plan(res(BUCKET, "data", { bucket: "a" }, { protect: true })), plan());
    expect(d.warnings).toEqual([
      "DELETES DATA: aws:s3/bucket:Bucket data would be deleted",
      "PROTECTED: aws:s3/bucket:Bucket data is protected; pulumi up will refuse to delete it until it is unprotected",
    ]);
  });

  it("flags a stateful resource moved to a new parent without an alias", () => {
    const d = diffPlans(plan(res(BUCKET, "data", { bucket: "a" })), plan(res(BUCKET, "data", { bucket: "a" }, { parent: "edge-mlops:training:TrainingWorkflow" })));
    expect(d.warnings).toEqual(["REPLACES DATA: aws:s3/bucket:Bucket data moved to a new parent without an alias: Pulumi would delete and recreate it"]);
  });

  it("treats every change of a Greengrass deployment as a replacement", () => {
    const t = "aws-native:greengrassv2:Deployment";
    const d = diffPlans(plan(res(t, "dep", { deploymentName: "a" })), plan(res(t, "dep", { deploymentName: "b" })));
    expect(d.changed[0].replaces).toBe(true);
    expect(d.warnings).toEqual([]);
  });

  it("diffs inside JSON documents held in string inputs", () => {
    const doc = (action: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: [action], Resource: "*" }] });
    const d = diffPlans(plan(res(POLICY, "p", { policy: doc("s3:GetObject") })), plan(res(POLICY, "p", { policy: doc("s3:PutObject") })));
    expect(d.changed[0].changes).toEqual([{ path: "policy(json).Statement[0].Action[0]", before: "s3:GetObject", after: "s3:PutObject" }]);
  });

  it("reports option changes such as losing protect", () => {
    const d = diffPlans(plan(res(BUCKET, "data", { bucket: "a" }, { protect: true })), plan(res(BUCKET, "data", { bucket: "a" })));
    expect(d.changed[0].optionChanges).toEqual([{ path: "protect", before: true, after: false }]);
    expect(d.warnings).toEqual(["UNPROTECTED: aws:s3/bucket:Bucket data loses protect"]);
  });
});

describe("renderDiff", () => {
  it("renders markdown with the warnings first and a diff block", () => {
    const d = diffPlans(plan(res(BUCKET, "data", { bucket: "a" })), plan(res(BUCKET, "data", { bucket: "b" })));
    const md = renderDiff(d, "markdown", "edge-mlops / dev");
    expect(md.split("\n")).toEqual([
      "### edge-mlops / dev: 0 to add, 1 to change (1 replaced), 0 to delete",
      "",
      "> :warning: **REPLACES DATA: aws:s3/bucket:Bucket data would be replaced (bucket changed); its data would be lost**",
      "",
      "**Changed**",
      "",
      "```diff",
      "! aws:s3/bucket:Bucket data  (replace)",
      '    bucket: "a" => "b"',
      "```",
    ]);
  });
  it("says so when nothing changes", () => {
    expect(renderDiff(diffPlans(plan(), plan()), "text", "t")).toBe("t: 0 to add, 0 to change (0 replaced), 0 to delete\n\nNo changes.");
  });
});
