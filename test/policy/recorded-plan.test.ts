// evaluatePlan over a plan the plan engine records from real @pulumi/aws resources: companions are paired by the ids
// the mocks give, and exactly the gaps are reported.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluatePlan } from "../../policy/engine";
import { planProgram, type Plan } from "../support/offline";

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
      ["log-group-retention", "mandatory", `log group "logs" keeps its logs forever (retentionInDays unset): set a retention of at least 365 days`],
      ["stateful-resources-protected", "mandatory", `Bucket "bad" holds data but is not protected: pass { protect: true }`],
    ]);
    expect(evaluatePlan(plan.resources, "dev").filter((v) => v.severity === "advisory").map((v) => v.policy)).toEqual(["stateful-resources-protected"]);
  });
});
