// release-stage with aws-sdk-client-mock: the package's model.json is checked (digest, model.schema.json) and written
// once at its release key with S3's conditional write; a re-release of the same bytes writes nothing; other bytes under
// a released key, a wrong digest, an invalid model or a bad event are refused (the last before any AWS call).
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { GetObjectCommand, type GetObjectCommandOutput, PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { DescribeModelPackageCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { handler } from "../../lambda/release-stage/index";

const sagemaker = mockClient(SageMakerClient);
const s3 = mockClient(S3Client);
const ROOT = path.resolve(__dirname, "..", "..");
const MODEL = fs.readFileSync(path.join(ROOT, "service", "model", "model.json"));
const SCHEMA = fs.readFileSync(path.join(ROOT, "service", "model", "model.schema.json"));
const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");
const GROUP = "edge-mlops-dev-abalone";
const MODEL_BUCKET = "edge-mlops-dev-models-0a1b2c3";
const DATA_BUCKET = "edge-mlops-dev-data-4d5e6f7";
const SOURCE_KEY = "training/edge-mlops-dev-20261130-abc/model/model.json";
const SOURCE_URI = `s3://${DATA_BUCKET}/${SOURCE_KEY}`;
const arn = (v: number) => `arn:aws:sagemaker:eu-west-1:123456789012:model-package/${GROUP}/${v}`;
const ENV = { MODEL_BUCKET, MODEL_PACKAGE_GROUP_NAME: GROUP, MODEL_SCHEMA_KEY: "schemas/model.schema.json", MODEL_SCHEMA_VERSION_ID: "v-schema-1" };

const body = (bytes: Uint8Array) => ({ Body: { transformToByteArray: async () => bytes } as unknown as GetObjectCommandOutput["Body"], ContentLength: bytes.length });

function given(source: Uint8Array, recorded = sha(source), version = 7) {
  sagemaker.on(DescribeModelPackageCommand).resolves({
    ModelPackageGroupName: GROUP,
    ModelPackageVersion: version,
    ModelPackageArn: arn(version),
    CustomerMetadataProperties: { ModelJsonUri: SOURCE_URI, ModelJsonSha256: recorded, rmse: "2.1" },
  });
  s3.on(GetObjectCommand, { Bucket: DATA_BUCKET, Key: SOURCE_KEY }).resolves(body(source));
  s3.on(GetObjectCommand, { Bucket: MODEL_BUCKET, Key: ENV.MODEL_SCHEMA_KEY, VersionId: ENV.MODEL_SCHEMA_VERSION_ID }).resolves(body(SCHEMA));
}

const conditionFailed = () => new S3ServiceException({ name: "PreconditionFailed", $fault: "client", $metadata: { httpStatusCode: 412 } });

beforeEach(() => {
  sagemaker.reset();
  s3.reset();
  Object.assign(process.env, ENV);
});
afterEach(() => {
  for (const k of Object.keys(ENV)) delete process.env[k];
});

describe("release-stage", () => {
  it("checks the model and writes it once at releases/v<N>/model.json, with If-None-Match and its SHA-256", async () => {
    given(MODEL);
    expect(await handler({ modelPackageArn: arn(7), version: 7 })).toEqual({
      modelUri: `s3://${MODEL_BUCKET}/releases/v7/model.json`,
      key: "releases/v7/model.json",
      sha256: sha(MODEL),
      version: 7,
      alreadyStaged: false,
    });
    expect(sagemaker.commandCalls(DescribeModelPackageCommand).map((c) => c.args[0].input)).toEqual([{ ModelPackageName: arn(7) }]);
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: DATA_BUCKET, Key: SOURCE_KEY },
      // The schema is read once per execution environment, at the version Pulumi wrote.
      { Bucket: MODEL_BUCKET, Key: "schemas/model.schema.json", VersionId: "v-schema-1" },
    ]);
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => ({ ...p, Body: sha(p.Body as Uint8Array) }))).toEqual([
      {
        Bucket: MODEL_BUCKET,
        Key: "releases/v7/model.json",
        Body: sha(MODEL),
        ContentType: "application/json",
        IfNoneMatch: "*",
        ChecksumSHA256: Buffer.from(sha(MODEL), "hex").toString("base64"),
      },
    ]);
  });

  it("writes nothing when the key already holds the same bytes (a re-release)", async () => {
    given(MODEL);
    s3.on(PutObjectCommand).rejects(conditionFailed());
    s3.on(GetObjectCommand, { Bucket: MODEL_BUCKET, Key: "releases/v7/model.json" }).resolves(body(MODEL));
    expect(await handler({ modelPackageArn: arn(7), version: 7 })).toMatchObject({ alreadyStaged: true, sha256: sha(MODEL) });
  });

  it("refuses other bytes under a released key, naming both digests", async () => {
    given(MODEL);
    const other = Buffer.from(MODEL.toString().replace(/"model_version": ?"[^"]*"/, '"model_version":"other"'));
    expect(sha(other)).not.toBe(sha(MODEL));
    s3.on(PutObjectCommand).rejects(conditionFailed());
    s3.on(GetObjectCommand, { Bucket: MODEL_BUCKET, Key: "releases/v7/model.json" }).resolves(body(other));
    await expect(handler({ modelPackageArn: arn(7), version: 7 })).rejects.toMatchObject({
      name: "StagedModelConflict",
      message: `s3://${MODEL_BUCKET}/releases/v7/model.json: already holds a model with SHA-256 ${sha(other)}; version 7 is ${sha(MODEL)} (released keys are never rewritten)`,
    });
  });

  it("refuses a model.json whose digest is not the one the package records, writing nothing", async () => {
    given(MODEL, "0".repeat(64));
    await expect(handler({ modelPackageArn: arn(7), version: 7 })).rejects.toMatchObject({
      name: "ModelIntegrityError",
      message: `${SOURCE_URI}: SHA-256 ${sha(MODEL)}, but the model package records ${"0".repeat(64)}`,
    });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it("refuses a model that model.schema.json rejects, naming the field", async () => {
    const model = JSON.parse(MODEL.toString()) as Record<string, unknown>;
    const bad = Buffer.from(JSON.stringify({ ...model, trees: [{ feature: "x" }] }));
    given(bad);
    await expect(handler({ modelPackageArn: arn(7), version: 7 })).rejects.toMatchObject({
      name: "InvalidModel",
      message: `${SOURCE_URI}: /trees/0/feature: Instance type "string" is invalid. Expected "array". (service/model/model.schema.json)`,
    });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it("refuses a package of another group or version, and one without ModelJsonUri", async () => {
    given(MODEL, sha(MODEL), 6);
    await expect(handler({ modelPackageArn: arn(7), version: 7 })).rejects.toMatchObject({
      name: "ModelPackageMetadataError",
      message: `${arn(7)}: is version 6 of "${GROUP}", expected version 7 of "${GROUP}"`,
    });
    sagemaker.on(DescribeModelPackageCommand).resolves({ ModelPackageGroupName: GROUP, ModelPackageVersion: 7, CustomerMetadataProperties: {} });
    await expect(handler({ modelPackageArn: arn(7), version: 7 })).rejects.toMatchObject({
      name: "ModelPackageMetadataError",
      message: `${arn(7)}: CustomerMetadataProperties ModelJsonUri="" and ModelJsonSha256="" must be an s3:// URI and 64 lowercase hex digits`,
    });
    expect(s3.calls()).toHaveLength(0);
  });

  it.each([
    [{ modelPackageArn: arn(7) }, "invalid event: event.version: expected number, got nothing"],
    [{ modelPackageArn: arn(7), version: 0 }, "invalid event: event.version: must be >= 1"],
    [{ modelPackageArn: "arn:aws:s3:::bucket/key", version: 7 }, expect.stringMatching(/^invalid event: event\.modelPackageArn: "arn:aws:s3:::bucket\/key" does not match /)],
  ])("refuses a bad event (%#) before any AWS call", async (bad, message) => {
    await expect(handler(bad)).rejects.toMatchObject({ name: "InvalidEvent", message });
    expect(sagemaker.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
  });

  it("refuses a bad environment before any AWS call", async () => {
    process.env.MODEL_BUCKET = "Not_A_Bucket";
    await expect(handler({ modelPackageArn: arn(7), version: 7 })).rejects.toMatchObject({
      name: "InvalidConfiguration",
      message: expect.stringMatching(/^invalid environment: env\.MODEL_BUCKET: "Not_A_Bucket" does not match /),
    });
    expect(sagemaker.calls()).toHaveLength(0);
  });
});
