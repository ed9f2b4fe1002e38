// evaluatePlan over offline plans: a synthetic one, and one the plan engine records from real @pulumi/aws resources.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluatePlan } from "../../policy/engine";
import { RULES } from "../../policy/rules";
import { ENVIRONMENTS } from "../../policy/rules/types";
import type { PlannedResource } from "../../scripts/offline/run";
import { planProgram, type Plan } from "../support/offline";

function planned(type: string, name: string, inputs: Record<string, unknown>, over: Partial<PlannedResource> = {}): PlannedResource {
  return {
    urn: `urn:pulumi:dev::edge-mlops::${type}::${name}`,
    type,
    name,
    parent: null,
    custom: true,
    inputs,
    options: { protect: false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [] },
    dependsOn: [],
    id: `${name}-1a2b3c4`,
    arn: null,
    ...over,
  };
}

describe("rule metadata", () => {
  it("names are unique kebab-case; every rule says what it requires", () => {
    const names = RULES.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    for (const r of RULES) {
      expect(r.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)+$/);
      expect(r.description.length).toBeGreaterThan(40);
    }
  });

  it("maps every rule to well-formed public check ids, or says why there is none", () => {
    for (const { name, mapsTo } of RULES) {
      if ("none" in mapsTo) {
        expect(mapsTo.none.length, name).toBeGreaterThan(20);
        continue;
      }
      const ids = [...(mapsTo.checkov ?? []), ...(mapsTo.trivy ?? []), ...(mapsTo.deviceDefender ?? []), ...(mapsTo.awsFsbp ?? [])];
      expect(ids.length, name).toBeGreaterThan(0);
      for (const id of mapsTo.checkov ?? []) expect(id).toMatch(/^CKV2?_AWS_\d+$/);
      for (const id of mapsTo.trivy ?? []) expect(id).toMatch(/^AVD-AWS-\d{4}$/);
      for (const id of mapsTo.deviceDefender ?? []) expect(id).toMatch(/^IOT_[A-Z_]+_CHECK$/);
      for (const id of mapsTo.awsFsbp ?? []) expect(id).toMatch(/^[A-Za-z0-9]+\.\d+$/);
    }
  });

  it("is mandatory in prod except two advisory rules, and never stricter outside prod than in it", () => {
    const advisoryInProd = RULES.filter((r) => r.severity.prod === "advisory").map((r) => r.name);
    expect(advisoryInProd).toEqual(["iam-passrole-passed-to-service", "iot-role-alias-credential-duration"]);
    const relaxedOutsideProd = RULES.filter((r) => r.severity.prod === "mandatory" && r.severity.dev === "advisory").map((r) => r.name);
    expect(relaxedOutsideProd).toEqual(["alb-deletion-protection", "alb-public-closed", "mwaa-private-webserver", "stateful-resources-protected"]);
    for (const r of RULES) {
      for (const env of ENVIRONMENTS) if (r.severity.prod === "advisory") expect(r.severity[env]).toBe("advisory");
      expect(r.severity.staging).toBe(r.severity.dev);
    }
  });
});

describe("evaluatePlan on a synthetic plan", () => {
  const bucketId = "data-1a2b3c4";
  const resources: PlannedResource[] = [
    planned("edge-mlops:network:Network", "dev", {}, { custom: false, id: null }),
    planned("aws:s3/bucket:Bucket", "data", { forceDestroy: true }),
    planned("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "data-encryption", { bucket: bucketId, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }),
    planned("aws:s3/bucketVersioning:BucketVersioning", "data-versioning", { bucket: bucketId, versioningConfiguration: { status: "Enabled" } }),
    planned("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "data-pab", { bucket: bucketId, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }),
    planned("aws:s3/bucketPolicy:BucketPolicy", "data-policy", {
      bucket: bucketId,
      policy: JSON.stringify({ Statement: [{ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [`arn:aws:s3:::${bucketId}`, `arn:aws:s3:::${bucketId}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } }] }),
    }),
    planned("aws:ecr/repository:Repository", "repo", { imageScanningConfiguration: { scanOnPush: true }, imageTagMutability: "MUTABLE" }, { options: { protect: true, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [] } }),
    // A secret is unreadable offline ("[secret]"): rules treat it as unknown rather than as a broken document.
    planned("aws:iam/rolePolicy:RolePolicy", "secret-policy", { role: "r", policy: "[secret]" }),
  ];

  it("returns each violation with the rule, the resource and the environment's severity", () => {
    expect(evaluatePlan(resources, "dev")).toEqual([
      { policy: "ecr-immutable-tags", severity: "mandatory", urn: "urn:pulumi:dev::edge-mlops::aws:ecr/repository:Repository::repo", message: `repository "repo" has imageTagMutability "MUTABLE"; it must be "IMMUTABLE"` },
      { policy: "stateful-resources-protected", severity: "advisory", urn: "urn:pulumi:dev::edge-mlops::aws:s3/bucket:Bucket::data", message: `Bucket "data" holds data but is not protected: pass { protect: true }` },
    ]);
    expect(evaluatePlan(resources, "prod").map((v) => [v.policy, v.severity])).toEqual([
      ["ecr-immutable-tags", "mandatory"],
      ["stateful-resources-protected", "mandatory"],
    ]);
  });

  it("rejects an unknown environment or a non-array, naming the argument", () => {
    expect(() => evaluatePlan(resources, "qa" as "dev")).toThrow('evaluatePlan: environment must be one of dev, staging, prod, got "qa"');
    expect(() => evaluatePlan({} as PlannedResource[], "dev")).toThrow("evaluatePlan: resources must be the plan's resources array");
  });
});

describe("evaluatePlan on a plan recorded from @pulumi/aws resources", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planProgram(() => {
      const good = new aws.s3.Bucket("good", { forceDestroy: false }, { protect: true });
      new aws.s3.BucketServerSideEncryptionConfiguration("good-encryption", { bucket: good.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }] });
      new aws.s3.BucketVersioning("good-versioning", { bucket: good.id, versioningConfiguration: { status: "Enabled" } });
      new aws.s3.BucketPublicAccessBlock("good-pab", { bucket: good.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
      new aws.s3.BucketPolicy("good-policy", {
        bucket: good.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [good.arn, pulumi.interpolate`${good.arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } }],
        }),
      });
      const bad = new aws.s3.Bucket("bad", { bucketPrefix: "bad-" });
      new aws.s3.BucketVersioning("bad-versioning", { bucket: bad.id, versioningConfiguration: { status: "Suspended" } });
      new aws.cloudwatch.LogGroup("logs", { namePrefix: "/edge-mlops/test/" });
      const role = new aws.iam.Role("role", { assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] }) });
      new aws.iam.RolePolicy("role-policy", { role: role.id, policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: good.arn }] }) });
      return {};
    });
  });

  it("pairs companions by the ids the plan recorded and reports exactly the gaps", () => {
    const found = evaluatePlan(plan.resources, "prod").map((v) => [v.policy, v.severity, v.message]);
    expect(found).toEqual([
      ["s3-encryption", "mandatory", `bucket "bad" has no BucketServerSideEncryptionConfiguration: declare SSE-S3 (AES256) or SSE-KMS explicitly`],
      ["s3-versioning", "mandatory", `bucket "bad" has versioning "Suspended"; it must be "Enabled"`],
      ["s3-public-access-block", "mandatory", `bucket "bad" has no BucketPublicAccessBlock`],
      ["s3-tls-only", "mandatory", `bucket "bad" has no BucketPolicy denying requests without TLS`],
      ["iam-no-wildcard-actions", "mandatory", `policy of "role-policy": Statement[0] allows action "s3:*": every s3 action`],
      ["log-group-retention", "mandatory", `log group "logs" keeps its logs forever (retentionInDays unset): set a retention`],
      ["stateful-resources-protected", "mandatory", `Bucket "bad" holds data but is not protected: pass { protect: true }`],
    ]);
    expect(evaluatePlan(plan.resources, "dev").filter((v) => v.severity === "advisory").map((v) => v.policy)).toEqual(["stateful-resources-protected"]);
  });
});
