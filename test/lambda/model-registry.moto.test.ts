// register-model and evaluate-results against moto's SageMaker model registry on 127.0.0.1: the model package
// group, its versions and the S3 objects they point at are seeded or written through the real AWS SDK, and the
// state is read back through the API. The two handlers meet in the registry: register-model writes the RMSE that
// evaluate-results reads back to choose the baseline.
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  SageMakerClient,
  UpdateModelPackageCommand,
} from "@aws-sdk/client-sagemaker";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { createTar } from "nanotar";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Decision } from "../../lambda/evaluate-results/index";
import type { Registration } from "../../lambda/register-model/index";
import { clientConfig, REGION, motoServerForFile } from "../support/moto";

const GROUP = "edge-mlops-test-abalone";
const BUCKET = "edge-mlops-test-artifacts";
const IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/edge-mlops-test-forecast:3f2a9c1d7e6b";

const moto = motoServerForFile();
let sagemaker: SageMakerClient;
let s3: S3Client;
let registerModel: (event: unknown) => Promise<Registration>;
let evaluateResults: (event: unknown) => Promise<Decision>;

/** model.tar.gz as SageMaker writes it: model.json at the archive's top. */
function modelJson(run: number): string {
  return JSON.stringify({ model_version: `model${run}` });
}
function modelArchive(run: number): Buffer {
  return gzipSync(createTar([{ name: "model.json", data: new TextEncoder().encode(modelJson(run)) }]));
}

/** A run's artifacts in S3 (model.tar.gz and evaluation.json) and the register-model event naming them. */
async function trainedRun(run: number, rmse: number) {
  const prefix = `runs/edge-mlops-test-run-${run}`;
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}/model/model.tar.gz`, Body: modelArchive(run) }));
  const report = { regression_metrics: { rmse: { value: rmse } } };
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}/evaluation/evaluation.json`, Body: JSON.stringify(report) }));
  return {
    modelPackageGroupName: GROUP,
    modelDataUrl: `s3://${BUCKET}/${prefix}/model/model.tar.gz`,
    imageUri: IMAGE,
    evaluationS3Uri: `s3://${BUCKET}/${prefix}/evaluation/evaluation.json`,
    rmse,
    modelVersion: `model${run}`,
    executionName: `run-${run}`,
  };
}

async function register(run: number, rmse: number, status: "Approved" | "PendingManualApproval") {
  process.env.MODEL_APPROVAL_STATUS = status;
  return registerModel(await trainedRun(run, rmse));
}

async function readObject(uri: string): Promise<string> {
  const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri)!;
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return object.Body!.transformToString();
}

beforeAll(async () => {
  // The handlers make their SDK clients when loaded: load them once the endpoint is set.
  ({ handler: registerModel } = await import("../../lambda/register-model/index"));
  ({ handler: evaluateResults } = await import("../../lambda/evaluate-results/index"));
  sagemaker = new SageMakerClient(clientConfig(moto()));
  s3 = new S3Client({ ...clientConfig(moto()), forcePathStyle: true });
});

afterAll(() => {
  delete process.env.MODEL_APPROVAL_STATUS;
});

beforeEach(async () => {
  await moto().reset();
  await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: GROUP }));
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }));
});

describe("register-model against moto", () => {
  it("registers a version that reads back with its image, artifact, metrics and metadata", async () => {
    const event = await trainedRun(1, 1.9033749760274814);
    process.env.MODEL_APPROVAL_STATUS = "PendingManualApproval";

    const result = await registerModel(event);

    expect(result).toEqual({
      modelPackageArn: `arn:aws:sagemaker:${REGION}:123456789012:model-package/${GROUP}/1`,
      approvalStatus: "PendingManualApproval",
      modelVersion: "model1",
      modelJsonUri: `s3://${BUCKET}/runs/edge-mlops-test-run-1/model/model.json`,
      modelJsonSha256: createHash("sha256").update(modelJson(1)).digest("hex"),
    });
    const described = await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: result.modelPackageArn }));
    expect(described).toMatchObject({
      ModelPackageGroupName: GROUP,
      ModelPackageVersion: 1,
      ModelApprovalStatus: "PendingManualApproval",
      ModelPackageDescription: "Abalone rings regressor model1, trained by execution run-1",
      InferenceSpecification: { Containers: [{ Image: IMAGE, ModelDataUrl: event.modelDataUrl }] },
      ModelMetrics: { ModelQuality: { Statistics: { ContentType: "application/json", S3Uri: event.evaluationS3Uri } } },
      CustomerMetadataProperties: {
        rmse: "1.9033749760274814",
        modelVersion: "model1",
        executionName: "run-1",
        ModelJsonUri: result.modelJsonUri,
        ModelJsonSha256: result.modelJsonSha256,
      },
    });
    // model.json beside the archive: the archive's own entry, byte for byte
    expect(await readObject(described.CustomerMetadataProperties!.ModelJsonUri!)).toBe(modelJson(1));
    // the package points at the run's objects, and its recorded RMSE is the evaluation report's
    expect(await readObject(described.InferenceSpecification!.Containers![0].ModelDataUrl!)).not.toBe("");
    const report = JSON.parse(await readObject(described.ModelMetrics!.ModelQuality!.Statistics!.S3Uri!));
    expect(String(report.regression_metrics.rmse.value)).toBe(described.CustomerMetadataProperties!.rmse);
    const listed = await sagemaker.send(new ListModelPackagesCommand({ ModelPackageGroupName: GROUP }));
    expect(listed.ModelPackageSummaryList?.map((p) => p.ModelPackageArn)).toEqual([result.modelPackageArn]);
  });

  it("lets SageMaker's error through when the model package group does not exist", async () => {
    const event = { ...(await trainedRun(1, 1.9)), modelPackageGroupName: "edge-mlops-test-missing" };
    process.env.MODEL_APPROVAL_STATUS = "Approved";

    await expect(registerModel(event)).rejects.toMatchObject({
      name: "ValidationException",
      message: expect.stringContaining("Model Package Group does not exist"),
    });
  });
});

describe("evaluate-results against moto", () => {
  it("takes the best Approved version registered by register-model as the baseline", async () => {
    await register(1, 2.1, "Approved");
    const best = await register(2, 1.8, "Approved");
    await register(3, 2.5, "Approved");
    await register(4, 1.0, "PendingManualApproval"); // waiting for a person: not a baseline
    const rejected = await register(5, 0.9, "Approved");
    await sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: rejected.modelPackageArn, ModelApprovalStatus: "Rejected" }));
    // registered by other means, without a recorded RMSE: does not count
    await sagemaker.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: GROUP,
        ModelApprovalStatus: "Approved",
        InferenceSpecification: {
          Containers: [{ Image: IMAGE, ModelDataUrl: `s3://${BUCKET}/manual/model.tar.gz` }],
          SupportedContentTypes: ["application/json"],
          SupportedResponseMIMETypes: ["application/json"],
        },
      }),
    );

    const better = await evaluateResults({ evaluation: { rmse: 1.7 }, modelPackageGroupName: GROUP, qualityThresholdRmse: 2.0 });
    const worse = await evaluateResults({ evaluation: { rmse: 1.9 }, modelPackageGroupName: GROUP, qualityThresholdRmse: 2.0 });

    expect(better).toMatchObject({ baselineRmse: 1.8, baselineModelPackageArn: best.modelPackageArn, improves: true, register: true });
    expect(worse).toMatchObject({ baselineRmse: 1.8, improves: false, passesThreshold: true, register: false });
  });

  it("reads every page of Approved versions (more than ListModelPackages' 100 per page)", async () => {
    const spec = {
      Containers: [{ Image: IMAGE, ModelDataUrl: `s3://${BUCKET}/m/model.tar.gz` }],
      SupportedContentTypes: ["application/json"],
      SupportedResponseMIMETypes: ["application/json"],
    };
    const arns: string[] = [];
    for (let i = 0; i < 105; i++) {
      // the oldest version is the best, so it is on the last page when listed newest first
      const created = await sagemaker.send(
        new CreateModelPackageCommand({
          ModelPackageGroupName: GROUP,
          ModelApprovalStatus: "Approved",
          InferenceSpecification: spec,
          CustomerMetadataProperties: { rmse: String(1 + i / 100) },
        }),
      );
      arns.push(created.ModelPackageArn!);
    }

    const decision = await evaluateResults({ evaluation: { rmse: 0.5 }, modelPackageGroupName: GROUP, qualityThresholdRmse: 2.0 });

    expect(decision).toMatchObject({ baselineRmse: 1, baselineModelPackageArn: arns[0], register: true });
  });

  it("has no baseline in a group without Approved versions", async () => {
    await register(1, 1.5, "PendingManualApproval");

    const decision = await evaluateResults({ evaluation: { rmse: 1.9 }, modelPackageGroupName: GROUP, qualityThresholdRmse: 2.0 });

    expect(decision).toMatchObject({ baselineRmse: null, baselineModelPackageArn: null, improves: true, register: true });
  });
});
