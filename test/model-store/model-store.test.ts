// The model store under mocks: the protected models bucket, the bootstrap object from service/model/model.json, and
// the two SSM parameters Pulumi creates once and never moves.
import { beforeAll, describe, expect, it } from "vitest";
import { BOOTSTRAP_MODEL_FILE, ModelStore } from "../../components/model-store";
import { BOOTSTRAP_MODEL_KEY } from "../../contracts/model-release";
import { one, planProgram, type Plan } from "../support/offline";
import { inputsOf } from "../support/resources";

describe("ModelStore under mocks", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planProgram(() => {
      new ModelStore("prod", { stack: "prod", protect: true });
      new ModelStore("dev", { stack: "dev" });
    });
  });

  it("keeps models in a SecureBucket protected per the stack's protect", () => {
    expect(one(plan, "aws:s3/bucket:Bucket", "prod-models-bucket").options.protect).toBe(true);
    expect(one(plan, "aws:s3/bucket:Bucket", "dev-models-bucket").options.protect).toBe(false);
    expect(one(plan, "aws:s3/bucketVersioning:BucketVersioning", "prod-models-versioning").inputs).toMatchObject({ versioningConfiguration: { status: "Enabled" } });
  });

  it("uploads service/model/model.json at the bootstrap key once the bucket is encrypted", () => {
    const object = one(plan, "aws:s3/bucketObjectv2:BucketObjectv2", "prod-bootstrap-model");
    expect(object.inputs).toMatchObject({ key: BOOTSTRAP_MODEL_KEY, contentType: "application/json" });
    expect(object.inputs.source).toEqual({ asset: "file", path: "service/model/model.json" });
    expect(BOOTSTRAP_MODEL_FILE).toMatch(/service\/model\/model\.json$/);
    const encryption = one(plan, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "prod-models-encryption");
    expect(object.dependsOn).toContain(encryption.urn);
  });

  it("creates the pointer at the bootstrap object's s3:// URI and the released version 'bootstrap'", () => {
    const bucket = inputsOf(plan, "aws:s3/bucketObjectv2:BucketObjectv2", "prod-bootstrap-model").bucket;
    expect(inputsOf(plan, "aws:ssm/parameter:Parameter", "prod-current-model")).toMatchObject({
      name: "/edge-mlops/prod/inference/current-model",
      type: "String",
      insecureValue: `s3://${String(bucket)}/releases/bootstrap/model.json`,
    });
    expect(inputsOf(plan, "aws:ssm/parameter:Parameter", "dev-released-version")).toMatchObject({
      name: "/edge-mlops/dev/release/released-version",
      type: "String",
      insecureValue: "bootstrap",
    });
  });

  it("never moves either parameter after creation: their value is ignored by Pulumi", () => {
    for (const name of ["prod-current-model", "prod-released-version", "dev-current-model", "dev-released-version"]) {
      expect(one(plan, "aws:ssm/parameter:Parameter", name).options.ignoreChanges, name).toEqual(["value", "insecureValue"]);
    }
  });
});
