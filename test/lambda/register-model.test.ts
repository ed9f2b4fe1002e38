import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { GetObjectCommand, type GetObjectCommandOutput, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateModelPackageCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { mockClient } from "aws-sdk-client-mock";
import { createTar } from "nanotar";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { handler, modelJsonFromArchive } from "../../lambda/register-model/index";

const sagemaker = mockClient(SageMakerClient);
const s3 = mockClient(S3Client);
const MODEL_JSON = JSON.stringify({ model_version: "78f050bdef83", weights: [1, 2] });
const MODEL_SHA256 = createHash("sha256").update(MODEL_JSON).digest("hex");

/** A model.tar.gz as SageMaker writes it: the model directory's files at the archive's top. */
function archive(files: { name: string; data?: string }[]): Uint8Array {
  return gzipSync(createTar(files.map((f) => ({ name: f.name, data: f.data === undefined ? undefined : new TextEncoder().encode(f.data) }))));
}

function serve(bytes: Uint8Array) {
  // The handler reads the body only through the SDK's transformToByteArray.
  const Body = { transformToByteArray: async () => bytes } as unknown as GetObjectCommandOutput["Body"];
  s3.on(GetObjectCommand).resolves({ Body });
}
const PACKAGE_ARN = "arn:aws:sagemaker:eu-west-1:123456789012:model-package/edge-mlops-dev-abalone/3";

const EVENT = {
  modelPackageGroupName: "edge-mlops-dev-abalone",
  modelDataUrl: "s3://edge-mlops-dev-artifacts/runs/edge-mlops-dev-run-1-0a1b2c3d4e/model/edge-mlops-dev-run-1-0a1b2c3d4e-train/output/model.tar.gz",
  imageUri: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/edge-mlops-dev-forecast:3f2a9c1d7e6b",
  evaluationS3Uri: "s3://edge-mlops-dev-artifacts/runs/edge-mlops-dev-run-1-0a1b2c3d4e/evaluation/evaluation.json",
  rmse: 1.9033749760274814,
  modelVersion: "78f050bdef83",
  executionName: "run-1",
};

const MODEL_JSON_URI =
  "s3://edge-mlops-dev-artifacts/runs/edge-mlops-dev-run-1-0a1b2c3d4e/model/edge-mlops-dev-run-1-0a1b2c3d4e-train/output/model.json";

const expectedInput = (status: string) => ({
  ModelPackageGroupName: "edge-mlops-dev-abalone",
  ModelPackageDescription: "Abalone rings regressor 78f050bdef83, trained by execution run-1",
  InferenceSpecification: {
    Containers: [{ Image: EVENT.imageUri, ModelDataUrl: EVENT.modelDataUrl }],
    SupportedContentTypes: ["application/json"],
    SupportedResponseMIMETypes: ["application/json"],
  },
  ModelMetrics: { ModelQuality: { Statistics: { ContentType: "application/json", S3Uri: EVENT.evaluationS3Uri } } },
  CustomerMetadataProperties: {
    rmse: "1.9033749760274814",
    modelVersion: "78f050bdef83",
    executionName: "run-1",
    ModelJsonUri: MODEL_JSON_URI,
    ModelJsonSha256: MODEL_SHA256,
  },
  ModelApprovalStatus: status,
  ClientToken: createHash("sha256").update(`run-1\n${EVENT.modelDataUrl}`).digest("hex").slice(0, 32),
});

beforeEach(() => {
  sagemaker.reset();
  s3.reset();
  serve(archive([{ name: "code/" }, { name: "model.json", data: MODEL_JSON }]));
  s3.on(PutObjectCommand).resolves({});
  process.env.MODEL_APPROVAL_STATUS = "Approved";
});
afterEach(() => {
  delete process.env.MODEL_APPROVAL_STATUS;
});

describe("register-model", () => {
  it.each(["Approved", "PendingManualApproval"])(
    "creates the model package with its metrics and approval status %s",
    async (status) => {
      process.env.MODEL_APPROVAL_STATUS = status;
      sagemaker.on(CreateModelPackageCommand).resolves({ ModelPackageArn: PACKAGE_ARN });
      const result = await handler(EVENT);
      expect(result).toEqual({
        modelPackageArn: PACKAGE_ARN,
        approvalStatus: status,
        modelVersion: "78f050bdef83",
        modelJsonUri: MODEL_JSON_URI,
        modelJsonSha256: MODEL_SHA256,
      });
      const [put] = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
      expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([
        { Bucket: "edge-mlops-dev-artifacts", Key: EVENT.modelDataUrl.slice("s3://edge-mlops-dev-artifacts/".length) },
      ]);
      expect({ ...put, Body: Buffer.from(put.Body as Uint8Array).toString() }).toEqual({
        Bucket: "edge-mlops-dev-artifacts",
        Key: MODEL_JSON_URI.slice("s3://edge-mlops-dev-artifacts/".length),
        Body: MODEL_JSON,
        ContentType: "application/json",
        ChecksumSHA256: Buffer.from(MODEL_SHA256, "hex").toString("base64"),
      });
      expect(sagemaker.commandCalls(CreateModelPackageCommand).map((c) => c.args[0].input)).toEqual([
        expectedInput(status),
      ]);
      expect(sagemaker.calls()).toHaveLength(1);
    },
  );

  it("reads model.json named ./model.json too (tar run inside the model directory)", () => {
    const bytes = modelJsonFromArchive(archive([{ name: "./model.json", data: MODEL_JSON }]), "s3://b/m.tar.gz");
    expect(Buffer.from(bytes).toString()).toBe(MODEL_JSON);
  });

  it.each([
    [archive([{ name: "weights.bin", data: "x" }, { name: "nested/model.json", data: MODEL_JSON }]), "no model.json at the top of the archive (found: weights.bin, nested/model.json)"],
    [new TextEncoder().encode("model of run 1"), "not a gzip-compressed tar archive ("],
  ])("refuses an archive without a top-level model.json (%#), registering nothing", async (bytes, message) => {
    serve(bytes);
    await expect(handler(EVENT)).rejects.toMatchObject({
      name: "ModelArchiveError",
      message: expect.stringContaining(`${EVENT.modelDataUrl}: ${message}`),
    });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(sagemaker.calls()).toHaveLength(0);
  });

  it("sends the same ClientToken when retried, so a retry cannot register twice", async () => {
    sagemaker.on(CreateModelPackageCommand).resolves({ ModelPackageArn: PACKAGE_ARN });
    await handler(EVENT);
    await handler(EVENT);
    await handler({ ...EVENT, executionName: "run-2" });
    const tokens = sagemaker.commandCalls(CreateModelPackageCommand).map((c) => c.args[0].input.ClientToken);
    expect(tokens[0]).toBe(tokens[1]);
    expect(tokens[2]).not.toBe(tokens[0]);
    expect(tokens[0]).toMatch(/^[a-f0-9]{32}$/);
  });

  it("lets AWS errors through with their names, for Step Functions to retry", async () => {
    sagemaker
      .on(CreateModelPackageCommand)
      .rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
    await expect(handler(EVENT)).rejects.toMatchObject({ name: "ThrottlingException", message: "Rate exceeded" });
  });

  it.each([
    [{ ...EVENT, rmse: Number.NaN }, "invalid event: event.rmse: expected number, got NaN"],
    [{ ...EVENT, rmse: undefined }, "invalid event: event.rmse: expected number, got nothing"],
    [
      { ...EVENT, modelDataUrl: "/opt/ml/model/model.tar.gz" },
      'invalid event: event.modelDataUrl: "/opt/ml/model/model.tar.gz" does not match /^s3:\\/\\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\\/[A-Za-z0-9_.\\/=+@-]*)?$/',
    ],
    [
      { ...EVENT, imageUri: "docker.io/library/python:latest" },
      expect.stringMatching(/^invalid event: event\.imageUri: "docker\.io\/library\/python:latest" does not match /),
    ],
    [{ ...EVENT, modelVersion: "v 1" }, 'invalid event: event.modelVersion: "v 1" does not match /^[A-Za-z0-9._-]{1,64}$/'],
    [
      { evaluationS3Uri: EVENT.evaluationS3Uri },
      expect.stringMatching(/^invalid event: event\.modelPackageGroupName: expected string, got nothing; event\.modelDataUrl: /),
    ],
  ])("rejects a bad event (%#) before any AWS call", async (event, message) => {
    await expect(handler(event)).rejects.toMatchObject({ name: "InvalidEvent", message });
    expect(sagemaker.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
  });

  it.each([
    [undefined, "invalid environment: env.MODEL_APPROVAL_STATUS: must be one of \"Approved\", \"PendingManualApproval\", got nothing"],
    ["Rejected", 'invalid environment: env.MODEL_APPROVAL_STATUS: must be one of "Approved", "PendingManualApproval", got "Rejected"'],
    ["approved", 'invalid environment: env.MODEL_APPROVAL_STATUS: must be one of "Approved", "PendingManualApproval", got "approved"'],
  ])("rejects MODEL_APPROVAL_STATUS=%j before any AWS call", async (value, message) => {
    if (value === undefined) delete process.env.MODEL_APPROVAL_STATUS;
    else process.env.MODEL_APPROVAL_STATUS = value;
    await expect(handler(EVENT)).rejects.toMatchObject({ name: "InvalidConfiguration", message });
    expect(sagemaker.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
  });
});
