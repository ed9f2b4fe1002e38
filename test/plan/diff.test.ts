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
  it("shows no change where the resource's ignoreChanges keeps the old value, as pulumi preview does", () => {
    const service = (desiredCount: number, image: string, tag: string) => {
      const r = res("aws:ecs/service:Service", "svc", { desiredCount, containers: [{ image }, { image }], tags: { team: tag }, name: "svc" });
      return { ...r, options: { ...r.options, ignoreChanges: ["desiredCount", "containers[*].image"] } };
    };
    const d = diffPlans(plan(service(1, "a", "x")), plan(service(2, "b", "x")));
    expect([d.changed, d.counts.update]).toEqual([[], 0]);
    const tagged = diffPlans(plan(service(1, "a", "x")), plan(service(2, "b", "y")));
    expect(tagged.changed.flatMap((c) => c.changes.map((x) => x.path))).toEqual(["tags.team"]);
  });

  it("lists added, deleted and changed resources with the changed inputs", () => {
    const before = plan(res(BUCKET, "data", { bucket: "a" }), res("aws:sns/topic:Topic", "old", {}), res("aws:cloudwatch/logGroup:LogGroup", "logs", { retentionInDays: 7 }));
    const after = plan(res(BUCKET, "data", { bucket: "a" }), res("aws:sqs/queue:Queue", "new", {}), res("aws:cloudwatch/logGroup:LogGroup", "logs", { retentionInDays: 30 }));
    const d = diffPlans(before, after);
    expect(d.added.map((r) => r.name)).toEqual(["new"]);
    expect(d.removed.map((r) => r.name)).toEqual(["old"]);
    expect(d.changed).toHaveLength(1);
    expect(d.changed[0]).toMatchObject({ op: "update", changes: [{ path: "retentionInDays", before: 7, after: 30, kind: "update" }] });
    expect(d.counts).toEqual({ create: 1, delete: 1, replace: 0, update: 1 });
    expect(d.warnings).toEqual([]);
  });

  it("flags a change that replaces a stateful resource", () => {
    const d = diffPlans(plan(res(BUCKET, "data", { bucket: "a" })), plan(res(BUCKET, "data", { bucket: "b" })));
    expect(d.changed[0].replaces).toBe(true);
    expect(d.warnings).toEqual(["REPLACES DATA: aws:s3/bucket:Bucket data would be replaced (bucket changed); its data would be lost"]);
  });

  it("updates a stateful resource in place, and warns when forceDestroy turns on", () => {
    const d = diffPlans(plan(res(BUCKET, "data", { bucket: "a", forceDestroy: false })), plan(res(BUCKET, "data", { bucket: "a", forceDestroy: true })));
    expect(d.changed[0].replaces).toBe(false);
    expect(d.warnings).toEqual(["FORCE DESTROY: aws:s3/bucket:Bucket data turns forceDestroy on: deleting it would delete everything in it"]);
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
    expect(d.aliasHints).toEqual(["aws:s3/bucket:Bucket data looks moved to a new parent (same type and inputs): add aliases: [{ parent: <old parent> }] to keep it"]);
  });

  it("replaces a Greengrass deployment on the properties aws-native declares create-only, not on tags", () => {
    const t = "aws-native:greengrassv2:Deployment";
    const d = diffPlans(plan(res(t, "dep", { deploymentName: "a", tags: { a: "1" } })), plan(res(t, "dep", { deploymentName: "b", tags: { a: "2" } })));
    expect(d.changed[0].changes.map((c) => [c.path, c.kind])).toEqual([["deploymentName", "replace"], ["tags.a", "update"]]);
    const tagsOnly = diffPlans(plan(res(t, "dep", { tags: { a: "1" } })), plan(res(t, "dep", { tags: { a: "2" } })));
    expect(tagsOnly.changed[0].op).toBe("update");
  });

  it("says 'may replace' for a type without replacement data, never nothing", () => {
    const t = "aws:newservice/thing:Thing";
    const d = diffPlans(plan(res(t, "x", { size: 1 })), plan(res(t, "x", { size: 2 })));
    expect(d.changed[0]).toMatchObject({ op: "update", mayReplace: true });
    expect(d.warnings).toEqual(["MAY REPLACE: aws:newservice/thing:Thing x (size): no replacement data for this type"]);
  });

  it("replaces a dependent whose replace-forcing input carries the ARN of a replaced resource", () => {
    const group = { ...res("aws:sagemaker/featureGroup:FeatureGroup", "fg", { featureGroupName: "g", description: "a" }), arn: "arn:aws:sagemaker:eu-west-1:123456789012:feature-group/g" };
    const perm = (fg: PlannedResource) => ({ ...res("aws:lambda/permission:Permission", "p", { action: "x", principal: "y", sourceArn: fg.arn }), inputDependencies: [fg.urn] });
    const changed = { ...group, inputs: { ...group.inputs, description: "b" } };
    const d = diffPlans(plan(group, perm(group)), plan(changed, perm(changed)));
    expect(d.counts).toEqual({ create: 0, delete: 0, replace: 2, update: 0 });
    expect(d.changed[1].changes).toEqual([{ path: "sourceArn", before: group.arn, after: group.arn, kind: "replace", becauseOf: "fg", needle: group.arn }]);
  });

  it("diffs inside JSON documents held in string inputs", () => {
    const doc = (action: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: [action], Resource: "*" }] });
    const d = diffPlans(plan(res(POLICY, "p", { policy: doc("s3:GetObject") })), plan(res(POLICY, "p", { policy: doc("s3:PutObject") })));
    expect(d.changed[0].changes).toEqual([{ path: "policy(json).Statement[0].Action[0]", before: "s3:GetObject", after: "s3:PutObject", kind: "update" }]);
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
      "### edge-mlops / dev: 0 to create, 0 to update, 1 to replace, 0 to delete",
      "",
      "> :warning: **REPLACES DATA: aws:s3/bucket:Bucket data would be replaced (bucket changed); its data would be lost**",
      "",
      "**Replaced**",
      "",
      "```diff",
      "! aws:s3/bucket:Bucket data  (replace)",
      '    bucket: "a" => "b"  [forces replacement]',
      "```",
    ]);
  });
  it("says so when nothing changes", () => {
    expect(renderDiff(diffPlans(plan(), plan()), "text", "t")).toBe("t: 0 to create, 0 to update, 0 to replace, 0 to delete\n\nNo changes.");
  });

  it("shows the part of a long value that differs, not a common prefix", () => {
    const long = (word: string) => `${"x".repeat(150)} ${word} ${"y".repeat(150)}`;
    const d = diffPlans(plan(res(POLICY, "p", { role: long("before") })), plan(res(POLICY, "p", { role: long("after") })));
    const line = renderDiff(d, "text", "t").split("\n").find((l) => l.includes("role:"))!;
    expect(line).toContain("before");
    expect(line).toContain("after");
  });
});
