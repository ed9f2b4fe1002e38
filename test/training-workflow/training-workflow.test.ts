import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { tasksWithoutRetryOrCatch } from "../../components/training-workflow/asl";
import { jobPrefix } from "../../contracts/training-run";
import {
  ABALONE_FEATURES,
  resolveTrainingWorkflowArgs,
  TRAINING_DIR,
  TrainingWorkflow,
  WILDCARD_RESOURCE_ACTIONS,
  type TrainingWorkflowArgs,
} from "../../components/training-workflow";
import { one, ofType, parseJson, planProgram, recordAliases, type Plan, type PlannedResource } from "../support/offline";

interface AslResult {
  isValid: boolean;
  errors: unknown[];
}
// asl-validator 4 ships no type declarations; it writes into what it checks, so it is given a fresh parse.
const aslValidator = require("asl-validator") as (definition: unknown) => AslResult;

const ACCOUNT = "123456789012";
const REGION = "eu-west-1";
const KMS = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0b7f1c2e-1111-4222-8333-444455556666`;
const DEV_IMAGE = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/edge-mlops-dev-forecast@sha256:${"a".repeat(64)}`;
const PROD_IMAGE = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/edge-mlops-prod-forecast:3f2a9c1d7e6b`;
const SKLEARN_REGISTRY = "141502667606"; // the eu-west-1 registry of SageMaker's prebuilt images

const T = {
  workflow: "edge-mlops:training:TrainingWorkflow",
  dataBucket: "edge-mlops:storage:SecureBucket",
  lambda: "edge-mlops:lambda:Function",
  bucket: "aws:s3/bucket:Bucket",
  versioning: "aws:s3/bucketVersioning:BucketVersioning",
  encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  publicAccess: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  object: "aws:s3/bucketObjectv2:BucketObjectv2",
  featureGroup: "aws:sagemaker/featureGroup:FeatureGroup",
  modelPackageGroup: "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  fn: "aws:lambda/function:Function",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  stateMachine: "aws:sfn/stateMachine:StateMachine",
  schedule: "aws:scheduler/schedule:Schedule",
  parameter: "aws:ssm/parameter:Parameter",
} as const;

// ---- pure validation ------------------------------------------------------------------------------------------------

const BASE: TrainingWorkflowArgs = { stack: "dev", region: REGION, inferenceImageUri: DEV_IMAGE };

describe("resolveTrainingWorkflowArgs", () => {
  it("applies secure, documented defaults", () => {
    expect(resolveTrainingWorkflowArgs(BASE)).toEqual({
      stack: "dev",
      region: REGION,
      pipelineName: "edge-mlops-dev",
      bucketPrefix: "edge-mlops-dev-data-",
      featureGroupName: "edge-mlops-dev-abalone",
      modelPackageGroupName: "edge-mlops-dev-abalone",
      stateMachineName: "edge-mlops-dev-training",
      dataBucket: { existingBucketName: undefined, noncurrentVersionDays: 30 },
      onlineStore: false,
      processingInstanceType: "ml.m5.large",
      trainingInstanceType: "ml.m5.large",
      maxRuntimeSeconds: 3600,
      sklearnVersion: "1.2-1",
      qualityThresholdRmse: 2.5,
      modelApproval: "PendingManualApproval",
      schedule: { enabled: false, expression: "rate(7 days)" },
      lambdaReservedConcurrency: 2,
      logRetentionDays: 30,
      includeExecutionData: false,
      kmsKeyArn: undefined,
      protect: false,
    });
  });

  it("lowercases the stack into the default pipeline name and keeps bucket prefixes within S3's 37 characters", () => {
    expect(resolveTrainingWorkflowArgs({ ...BASE, stack: "Staging" }).pipelineName).toBe("edge-mlops-staging");
    const long = resolveTrainingWorkflowArgs({ ...BASE, pipelineName: "a".repeat(30) + "-b" });
    expect(long.bucketPrefix).toBe(`${"a".repeat(30)}-data-`);
    expect(long.bucketPrefix.length).toBeLessThanOrEqual(37);
    expect(resolveTrainingWorkflowArgs({ ...BASE, pipelineName: "x".repeat(32) }).bucketPrefix).toHaveLength(37);
  });

  it.each<[Partial<TrainingWorkflowArgs>, RegExp]>([
    [{ stack: "dev/eu" }, /^TrainingWorkflow: stack 'dev\/eu' must be/],
    [{ region: "Europe" }, /region 'Europe' is not an AWS region name/],
    [{ pipelineName: "Edge-MLOps" }, /pipelineName 'Edge-MLOps' must be 1-32 lowercase/],
    [{ pipelineName: "x".repeat(33) }, /pipelineName 'x{33}' must be 1-32/],
    [{ stack: "my_stack" }, /pipelineName 'edge-mlops-my_stack' \(the default, edge-mlops-<stack>\)/],
    [{ dataBucket: { existingBucketName: "Bad_Bucket" } }, /dataBucket.existingBucketName 'Bad_Bucket' is not a valid S3 bucket name/],
    [{ dataBucket: { noncurrentVersionDays: 0 } }, /dataBucket.noncurrentVersionDays must be an integer from 1 to 3650, got 0/],
    [{ processingInstanceType: "m5.large" }, /processingInstanceType 'm5.large'/],
    [{ trainingInstanceType: "ml.m5" }, /trainingInstanceType 'ml.m5'/],
    [{ maxRuntimeSeconds: 30 }, /maxRuntimeSeconds must be an integer from 60 to 432000, got 30/],
    [{ sklearnVersion: "0.23-1" as "1.2-1" }, /sklearnVersion '0.23-1' must be one of 1.0-1, 1.2-1/],
    [{ qualityThresholdRmse: 0 }, /qualityThresholdRmse must be a number in \(0, 100\], got 0/],
    [{ qualityThresholdRmse: Number.NaN }, /qualityThresholdRmse/],
    [{ modelApproval: "Rejected" as "Approved" }, /modelApproval 'Rejected' must be Approved or PendingManualApproval/],
    [{ schedule: { enabled: true, expression: "every day" } }, /schedule.expression 'every day' must be rate/],
    [{ lambdaReservedConcurrency: 0 }, /lambdaReservedConcurrency must be an integer from 1 to 1000, got 0/],
    [{ logRetentionDays: 10 }, /logRetentionDays 10 is not a CloudWatch Logs retention value/],
    [{ kmsKeyArn: "alias/data" }, /kmsKeyArn 'alias\/data' must be a KMS key ARN/],
  ])("rejects %j, naming the arg", (patch, message) => {
    expect(() => resolveTrainingWorkflowArgs({ ...BASE, ...patch })).toThrow(message);
  });
});

// ---- the component under mocks --------------------------------------------------------------------------------------

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}
const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
const policyOf = (plan: Plan, name: string): Statement[] => parseJson(one(plan, T.rolePolicy, name).inputs.policy).Statement;
const sha256 = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");

let plan: Plan;
let outputs: Record<string, any>;
let aliases: ReturnType<typeof recordAliases>;

beforeAll(async () => {
  plan = await planProgram(() => {
    aliases = recordAliases();
    const dev = new TrainingWorkflow("dev", {
      stack: "dev",
      region: REGION,
      inferenceImageUri: pulumi.output(DEV_IMAGE),
      dataBucket: { noncurrentVersionDays: 14 },
      onlineStore: false,
      processingInstanceType: "ml.t3.medium",
      trainingInstanceType: "ml.m5.xlarge",
      maxRuntimeSeconds: 1800,
      sklearnVersion: "1.2-1",
      qualityThresholdRmse: 3,
      modelApproval: "Approved",
      schedule: { enabled: true, expression: "rate(1 day)" },
      lambdaReservedConcurrency: 1,
      logRetentionDays: 7,
      includeExecutionData: true,
      protect: false,
    });
    const prod = new TrainingWorkflow("prod", {
      stack: "prod",
      region: REGION,
      inferenceImageUri: PROD_IMAGE,
      onlineStore: true,
      sklearnVersion: "1.0-1",
      qualityThresholdRmse: 2.3,
      modelApproval: "PendingManualApproval",
      lambdaReservedConcurrency: 5,
      logRetentionDays: 365,
      includeExecutionData: false,
      kmsKeyArn: KMS,
      protect: true,
    });
    // An existing bucket by name, everything else defaulted.
    const shared = new TrainingWorkflow("shared", {
      stack: "staging",
      region: REGION,
      inferenceImageUri: PROD_IMAGE,
      dataBucket: { existingBucketName: "acme-ml-data" },
    });
    return {
      devOfflineStoreUri: dev.offlineStoreUri,
      devBucketArn: dev.dataBucketArn,
      devStateMachineName: dev.stateMachineName,
      prodOfflineStoreUri: prod.offlineStoreUri,
      sharedBucketArn: shared.dataBucketArn,
      sharedBucketName: shared.dataBucketName,
    };
  });
  outputs = plan.outputs;
}, 120_000);

const bucketName = (instance: string) => String(one(plan, T.bucket, `${instance}-data-bucket`).id);
const arnOf = (type: string, name: string) => String(one(plan, type, name).arn);

describe("data bucket", () => {
  it("creates a versioned, TLS-only, private bucket named after the pipeline", () => {
    const bucket = one(plan, T.bucket, "dev-data-bucket");
    expect(bucket.inputs).toEqual({ bucketPrefix: "edge-mlops-dev-data-" });
    expect(bucketName("dev")).toMatch(/^edge-mlops-dev-data-[0-9a-f]{8}$/);
    expect(one(plan, T.versioning, "dev-data-versioning").inputs).toEqual({ bucket: bucketName("dev"), versioningConfiguration: { status: "Enabled" } });
    expect(one(plan, T.publicAccess, "dev-data-public-access").inputs).toEqual({
      bucket: bucketName("dev"),
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const arn = `arn:aws:s3:::${bucketName("dev")}`;
    expect(outputs.devBucketArn).toBe(arn);
    expect(parseJson(one(plan, T.bucketPolicy, "dev-data-policy").inputs.policy).Statement).toEqual([
      { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [arn, `${arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } },
    ]);
  });

  it("encrypts with SSE-S3 by default and with the given KMS key in prod", () => {
    expect(one(plan, T.encryption, "dev-data-encryption").inputs.rules).toEqual([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
    expect(one(plan, T.encryption, "prod-data-encryption").inputs.rules).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KMS }, bucketKeyEnabled: true },
    ]);
  });

  it("expires noncurrent versions after the configured days, once versioning is on", () => {
    const dev = one(plan, T.lifecycle, "dev-data-lifecycle");
    expect(dev.inputs.rules).toEqual([
      {
        id: "expire-noncurrent-versions",
        status: "Enabled",
        filter: {},
        noncurrentVersionExpiration: { noncurrentDays: 14 },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      },
    ]);
    expect(dev.dependsOn).toEqual([one(plan, T.versioning, "dev-data-versioning").urn]);
    expect((one(plan, T.lifecycle, "prod-data-lifecycle").inputs.rules as any)[0].noncurrentVersionExpiration).toEqual({ noncurrentDays: 30 });
  });

  it("uses an existing bucket by name without creating any bucket resource", () => {
    for (const type of [T.bucket, T.versioning, T.encryption, T.publicAccess, T.bucketPolicy, T.lifecycle, T.dataBucket]) {
      expect(ofType(plan, type, "shared")).toEqual([]);
    }
    expect(outputs.sharedBucketName).toBe("acme-ml-data");
    expect(outputs.sharedBucketArn).toBe("arn:aws:s3:::acme-ml-data");
    expect(ofType(plan, T.object, "shared-code-").map((o) => o.inputs.bucket)).toEqual(Array(4).fill("acme-ml-data"));
  });

  it("uploads the four job scripts under code/training/, hashed so that an edited script is uploaded again", () => {
    const objects = ofType(plan, T.object, "dev-code-");
    expect(objects.map((o) => o.name)).toEqual(["dev-code-preprocess", "dev-code-train", "dev-code-evaluate", "dev-code-model-format"]);
    for (const [object, file] of objects.map((o, i) => [o, ["preprocess.py", "train.py", "evaluate.py", "model_format.py"][i]] as const)) {
      expect(object.inputs).toEqual({
        bucket: bucketName("dev"),
        key: `code/training/${file}`,
        source: { asset: "file", path: path.relative(process.cwd(), path.join(TRAINING_DIR, file)) },
        sourceHash: sha256(path.join(TRAINING_DIR, file)),
        contentType: "text/x-python",
      });
      // Uploaded only after the bucket's encryption and TLS policy exist.
      expect(object.dependsOn).toEqual(
        ["versioning", "encryption", "public-access", "policy", "lifecycle"].map((n) => one(plan, typeOf(n), `dev-data-${n}`).urn),
      );
    }
  });
});

function typeOf(settingName: string): string {
  return ({ versioning: T.versioning, encryption: T.encryption, "public-access": T.publicAccess, policy: T.bucketPolicy, lifecycle: T.lifecycle } as Record<string, string>)[settingName];
}

describe("feature group", () => {
  it("holds the abalone features with the DAG's record identifier and event time, offline store in the data bucket", () => {
    const fg = one(plan, T.featureGroup, "dev-features");
    expect(fg.inputs).toEqual({
      featureGroupName: "edge-mlops-dev-abalone",
      description: "Abalone measurements and rings, ingested by the continuous-training DAG",
      recordIdentifierFeatureName: "record_id",
      eventTimeFeatureName: "event_time",
      featureDefinitions: [
        { featureName: "record_id", featureType: "String" },
        { featureName: "event_time", featureType: "String" },
        { featureName: "sex", featureType: "String" },
        { featureName: "length", featureType: "Fractional" },
        { featureName: "diameter", featureType: "Fractional" },
        { featureName: "height", featureType: "Fractional" },
        { featureName: "whole_weight", featureType: "Fractional" },
        { featureName: "shucked_weight", featureType: "Fractional" },
        { featureName: "viscera_weight", featureType: "Fractional" },
        { featureName: "shell_weight", featureType: "Fractional" },
        { featureName: "rings", featureType: "Integral" },
      ],
      roleArn: arnOf(T.role, "dev-feature-store-role"),
      offlineStoreConfig: { s3StorageConfig: { s3Uri: `s3://${bucketName("dev")}/feature-store/` }, disableGlueTableCreation: false },
    });
    expect(ABALONE_FEATURES).toHaveLength(11);
    expect(fg.dependsOn).toContain(one(plan, T.rolePolicy, "dev-feature-store-policy").urn);
    expect(fg.options.protect).toBe(false);
  });

  it("turns the online store on (encrypted with the key) and protects the group in prod", () => {
    const fg = one(plan, T.featureGroup, "prod-features");
    expect(fg.inputs.onlineStoreConfig).toEqual({ enableOnlineStore: true, securityConfig: { kmsKeyId: KMS } });
    expect(fg.inputs.offlineStoreConfig).toEqual({
      s3StorageConfig: { s3Uri: `s3://${bucketName("prod")}/feature-store/`, kmsKeyId: KMS },
      disableGlueTableCreation: false,
    });
    expect(fg.options.protect).toBe(true);
  });

  it("exposes the offline store location SageMaker resolved", () => {
    expect(outputs.devOfflineStoreUri).toMatch(
      new RegExp(`^s3://${bucketName("dev")}/feature-store/${ACCOUNT}/sagemaker/${REGION}/offline-store/edge-mlops-dev-abalone-\\d{10}/data$`),
    );
  });

  it("lets the feature store write only the offline store prefix and its Glue table", () => {
    const trust = parseJson(one(plan, T.role, "dev-feature-store-role").inputs.assumeRolePolicy);
    expect(trust.Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } } },
    ]);
    const arn = `arn:aws:s3:::${bucketName("dev")}`;
    const glue = `arn:aws:glue:${REGION}:${ACCOUNT}`;
    expect(policyOf(plan, "dev-feature-store-policy")).toEqual([
      { Sid: "WriteOfflineStore", Effect: "Allow", Action: ["s3:PutObject", "s3:PutObjectAcl", "s3:GetObject"], Resource: `${arn}/feature-store/*` },
      { Sid: "ReadBucketSettings", Effect: "Allow", Action: ["s3:GetBucketAcl", "s3:GetBucketLocation"], Resource: arn },
      {
        Sid: "KeepOfflineStoreTable",
        Effect: "Allow",
        Action: ["glue:GetDatabase", "glue:CreateDatabase", "glue:GetTable", "glue:CreateTable", "glue:UpdateTable"],
        Resource: [`${glue}:catalog`, `${glue}:database/sagemaker_featurestore`, `${glue}:table/sagemaker_featurestore/*`],
      },
    ]);
    expect(policyOf(plan, "prod-feature-store-policy").at(-1)).toEqual({
      Sid: "UseDataKey",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: KMS,
      Condition: { StringEquals: { "kms:ViaService": `s3.${REGION}.amazonaws.com` } },
    });
  });
});

describe("model package group and SSM parameters", () => {
  it("creates the model package group, protected only when asked", () => {
    const dev = one(plan, T.modelPackageGroup, "dev-models");
    expect(dev.inputs).toEqual({ modelPackageGroupName: "edge-mlops-dev-abalone", modelPackageGroupDescription: "Abalone rings regressors trained by the training workflow" });
    expect(dev.options.protect).toBe(false);
    expect(one(plan, T.modelPackageGroup, "prod-models").options.protect).toBe(true);
  });

  it("publishes five String parameters under /edge-mlops/<stack>/", () => {
    const params = ofType(plan, T.parameter, "dev-param-");
    expect(Object.fromEntries(params.map((p) => [p.inputs.name, p.inputs.insecureValue]))).toEqual({
      "/edge-mlops/dev/data-bucket": bucketName("dev"),
      "/edge-mlops/dev/feature-group": "edge-mlops-dev-abalone",
      "/edge-mlops/dev/model-package-group": "edge-mlops-dev-abalone",
      "/edge-mlops/dev/state-machine-arn": `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:edge-mlops-dev-training`,
      "/edge-mlops/dev/monitoring-baseline-uri": `s3://${bucketName("dev")}/monitoring/baseline/`,
    });
    expect(params.map((p) => p.inputs.type)).toEqual(Array(5).fill("String"));
    expect(params.every((p) => p.inputs.value === undefined)).toBe(true);
    const shared = ofType(plan, T.parameter, "shared-param-");
    expect(shared.map((p) => p.inputs.name)).toEqual([
      "/edge-mlops/staging/data-bucket",
      "/edge-mlops/staging/feature-group",
      "/edge-mlops/staging/model-package-group",
      "/edge-mlops/staging/state-machine-arn",
      "/edge-mlops/staging/monitoring-baseline-uri",
    ]);
    expect(shared[0].inputs.insecureValue).toBe("acme-ml-data");
  });
});

describe("state machine", () => {
  const definitionOf = (name: string) => parseJson(one(plan, T.stateMachine, name).inputs.definition);

  it("is a STANDARD machine named after the pipeline, logging to a log group with retention, traced", () => {
    const sm = one(plan, T.stateMachine, "dev-state-machine");
    const logGroup = one(plan, T.logGroup, "dev-sfn-logs");
    expect(logGroup.inputs).toEqual({ namePrefix: "/aws/vendedlogs/states/edge-mlops-dev-training-", retentionInDays: 7 });
    expect(sm.inputs).toMatchObject({
      name: "edge-mlops-dev-training",
      type: "STANDARD",
      roleArn: arnOf(T.role, "dev-sfn-role"),
      loggingConfiguration: { level: "ALL", includeExecutionData: true, logDestination: `${arnOf(T.logGroup, "dev-sfn-logs")}:*` },
      tracingConfiguration: { enabled: true },
    });
    expect(outputs.devStateMachineName).toBe("edge-mlops-dev-training");
    expect(one(plan, T.stateMachine, "prod-state-machine").inputs.loggingConfiguration).toMatchObject({ level: "ALL", includeExecutionData: false });
    expect(one(plan, T.logGroup, "prod-sfn-logs").inputs.retentionInDays).toBe(365);
    // Created after the role may deliver logs and after the scripts are uploaded.
    expect(sm.dependsOn).toEqual(expect.arrayContaining([one(plan, T.rolePolicy, "dev-sfn-policy").urn, ...ofType(plan, T.object, "dev-code-").map((o) => o.urn)]));
  });

  it.each(["dev-state-machine", "prod-state-machine", "shared-state-machine"])("%s passes asl-validator and every Task has Retry and Catch", (name) => {
    const definition = definitionOf(name);
    expect(aslValidator(definitionOf(name)).errors).toEqual([]);
    expect(aslValidator(definitionOf(name)).isValid).toBe(true);
    expect(tasksWithoutRetryOrCatch(definition)).toEqual([]);
  });

  it("invokes the planned functions and runs the jobs with the planned role, the region's image and the offline store", () => {
    const S = definitionOf("dev-state-machine").States;
    expect(S.CreateExperiment.Parameters.FunctionName).toBe(arnOf(T.fn, "dev-create-experiment-fn"));
    expect(S.EvaluateResults.Parameters.FunctionName).toBe(arnOf(T.fn, "dev-evaluate-results-fn"));
    expect(S.RegisterModel.Parameters.FunctionName).toBe(arnOf(T.fn, "dev-register-model-fn"));
    expect(S.CreateExperiment.Parameters.FunctionName).toMatch(/^arn:aws:lambda:eu-west-1:123456789012:function:dev-create-experiment-fn-[0-9a-f]{7}$/);

    const image = `${SKLEARN_REGISTRY}.dkr.ecr.${REGION}.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3`;
    const role = arnOf(T.role, "dev-sagemaker-role");
    for (const job of ["Preprocess", "Evaluate"]) {
      expect(S[job].Parameters.AppSpecification.ImageUri).toBe(image);
      expect(S[job].Parameters.RoleArn).toBe(role);
      expect(S[job].Parameters.ProcessingResources.ClusterConfig).toEqual({ InstanceCount: 1, InstanceType: "ml.t3.medium", VolumeSizeInGB: 30 });
      expect(S[job].Parameters.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 1800 });
    }
    expect(S.Train.Parameters.AlgorithmSpecification.TrainingImage).toBe(image);
    expect(S.Train.Parameters.RoleArn).toBe(role);
    expect(S.Train.Parameters.ResourceConfig).toEqual({ InstanceCount: 1, InstanceType: "ml.m5.xlarge", VolumeSizeInGB: 30 });

    const inputs = Object.fromEntries(S.Preprocess.Parameters.ProcessingInputs.map((i: any) => [i.InputName, i.S3Input.S3Uri]));
    expect(inputs).toEqual({ data: outputs.devOfflineStoreUri, code: `s3://${bucketName("dev")}/code/training/` });
    expect(S.Train.Parameters.OutputDataConfig["S3OutputPath.$"]).toBe(`States.Format('s3://${bucketName("dev")}/training/{}/model', $.experiment.jobPrefix)`);
    expect(S.ReadEvaluation.Parameters.Bucket).toBe(bucketName("dev"));
    expect(S.CreateExperiment.Parameters.Payload.pipelineName).toBe("edge-mlops-dev");
    expect(S.EvaluateResults.Parameters.Payload).toMatchObject({ modelPackageGroupName: "edge-mlops-dev-abalone", qualityThresholdRmse: 3 });
    expect(S.RegisterModel.Parameters.Payload).toMatchObject({ modelPackageGroupName: "edge-mlops-dev-abalone", imageUri: DEV_IMAGE });
  });

  it("uses the prod settings: the 1.0-1 image, defaults for jobs, the KMS key on volumes and outputs", () => {
    const S = definitionOf("prod-state-machine").States;
    expect(S.Preprocess.Parameters.AppSpecification.ImageUri).toBe(`${SKLEARN_REGISTRY}.dkr.ecr.${REGION}.amazonaws.com/sagemaker-scikit-learn:1.0-1-cpu-py3`);
    expect(S.Preprocess.Parameters.ProcessingResources.ClusterConfig).toEqual({ InstanceCount: 1, InstanceType: "ml.m5.large", VolumeSizeInGB: 30, VolumeKmsKeyId: KMS });
    expect(S.Train.Parameters.OutputDataConfig.KmsKeyId).toBe(KMS);
    expect(S.Train.Parameters.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 3600 });
    expect(S.EvaluateResults.Parameters.Payload.qualityThresholdRmse).toBe(2.3);
    expect(S.RegisterModel.Parameters.Payload.imageUri).toBe(PROD_IMAGE);
    expect(S.Preprocess.Parameters.ProcessingInputs[0].S3Input.S3Uri).toBe(outputs.prodOfflineStoreUri);
  });
});

describe("IAM", () => {
  const trustOf = (name: string) => parseJson(one(plan, T.role, name).inputs.assumeRolePolicy).Statement;

  it("trusts each service only on behalf of this account", () => {
    for (const [role, service] of [
      ["dev-sagemaker-role", "sagemaker.amazonaws.com"],
      ["dev-sfn-role", "states.amazonaws.com"],
      ["dev-schedule-role", "scheduler.amazonaws.com"],
    ]) {
      expect(trustOf(role)).toEqual([
        { Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } } },
      ]);
    }
  });

  it("lets the state machine run only its own jobs, pass only the SageMaker role, invoke only its functions", () => {
    const arn = `arn:aws:s3:::${bucketName("dev")}`;
    const fns = ["create-experiment", "evaluate-results", "register-model"].map((f) => arnOf(T.fn, `dev-${f}-fn`));
    const processing = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:processing-job/edge-mlops-dev-*`;
    const training = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:training-job/edge-mlops-dev-*`;
    expect(policyOf(plan, "dev-sfn-policy")).toEqual([
      { Sid: "RunProcessingJobs", Effect: "Allow", Action: ["sagemaker:CreateProcessingJob", "sagemaker:DescribeProcessingJob", "sagemaker:StopProcessingJob"], Resource: processing },
      { Sid: "RunTrainingJobs", Effect: "Allow", Action: ["sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob", "sagemaker:StopTrainingJob"], Resource: training },
      { Sid: "ReadJobTags", Effect: "Allow", Action: ["sagemaker:ListTags"], Resource: [processing, training] },
      {
        Sid: "PassExecutionRole",
        Effect: "Allow",
        Action: ["iam:PassRole"],
        Resource: arnOf(T.role, "dev-sagemaker-role"),
        Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
      },
      { Sid: "InvokeWorkflowFunctions", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: fns.flatMap((f) => [f, `${f}:*`]) },
      { Sid: "ReadEvaluationReports", Effect: "Allow", Action: ["s3:GetObject"], Resource: `${arn}/training/*/evaluation/evaluation.json` },
      {
        Sid: "ManageSyncRules",
        Effect: "Allow",
        Action: ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
        Resource: [
          `arn:aws:events:${REGION}:${ACCOUNT}:rule/StepFunctionsGetEventsForSageMakerProcessingJobsRule`,
          `arn:aws:events:${REGION}:${ACCOUNT}:rule/StepFunctionsGetEventsForSageMakerTrainingJobsRule`,
        ],
      },
      {
        Sid: "DeliverLogs",
        Effect: "Allow",
        Action: [
          "logs:CreateLogDelivery",
          "logs:GetLogDelivery",
          "logs:UpdateLogDelivery",
          "logs:DeleteLogDelivery",
          "logs:ListLogDeliveries",
          "logs:PutResourcePolicy",
          "logs:DescribeResourcePolicies",
          "logs:DescribeLogGroups",
        ],
        Resource: "*",
      },
      { Sid: "WriteTraces", Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"], Resource: "*" },
    ]);
    // The names a run uses fall under the policy's patterns: jobs are `<jobPrefix>-<suffix>`, where create-experiment
    // makes jobPrefix from the pipeline name (lambda/shared/names.ts), and evaluation.json lies under the run's folder.
    const S = parseJson(one(plan, T.stateMachine, "dev-state-machine").inputs.definition).States;
    expect(S.Preprocess.Parameters["ProcessingJobName.$"]).toBe("States.Format('{}-prep', $.experiment.jobPrefix)");
    expect(S.Train.Parameters["TrainingJobName.$"]).toBe("States.Format('{}-train', $.experiment.jobPrefix)");
    expect(S.ReadEvaluation.Parameters["Key.$"]).toBe("States.Format('training/{}/evaluation/evaluation.json', $.experiment.jobPrefix)");
    const prefix = jobPrefix(S.CreateExperiment.Parameters.Payload.pipelineName, "nightly-2024-06-01", "2024-06-01T02:00:00Z");
    const matches = (pattern: string, value: string) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\/]/g, "\\$&").replace(/\*/g, ".*")}$`).test(value);
    const arnOfJob = (kind: string, job: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:${kind}/${job}`;
    expect(matches(processing, arnOfJob("processing-job", `${prefix}-prep`))).toBe(true);
    expect(matches(processing, arnOfJob("processing-job", `${prefix}-eval`))).toBe(true);
    expect(matches(training, arnOfJob("training-job", `${prefix}-train`))).toBe(true);
    expect(matches(`${arn}/training/*/evaluation/evaluation.json`, `${arn}/training/${prefix}/evaluation/evaluation.json`)).toBe(true);
    expect(matches(processing, arnOfJob("processing-job", "edge-mlops-prod-x-prep"))).toBe(false);
  });

  it("adds only S3-bound decrypt and AWS-resource grants of the key for the prod state machine", () => {
    const kms = policyOf(plan, "prod-sfn-policy").filter((s) => list(s.Action).some((a) => a.startsWith("kms:")));
    expect(kms).toEqual([
      { Sid: "DecryptEvaluationReports", Effect: "Allow", Action: ["kms:Decrypt"], Resource: KMS, Condition: { StringEquals: { "kms:ViaService": `s3.${REGION}.amazonaws.com` } } },
      { Sid: "DescribeJobKey", Effect: "Allow", Action: ["kms:DescribeKey"], Resource: KMS },
      { Sid: "GrantJobVolumes", Effect: "Allow", Action: ["kms:CreateGrant"], Resource: KMS, Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } } },
    ]);
  });

  it("lets the jobs read their inputs, write only the run outputs, pull the region's image and write their logs", () => {
    const arn = `arn:aws:s3:::${bucketName("dev")}`;
    const logs = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/sagemaker`;
    expect(policyOf(plan, "dev-sagemaker-policy")).toEqual([
      {
        Sid: "ListInputs",
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: arn,
        Condition: { StringLike: { "s3:prefix": ["feature-store/*", "code/training/*", "training/*"] } },
      },
      { Sid: "ReadInputs", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${arn}/feature-store/*`, `${arn}/code/training/*`, `${arn}/training/*`] },
      { Sid: "WriteRunOutputs", Effect: "Allow", Action: ["s3:PutObject"], Resource: `${arn}/training/*` },
      { Sid: "LogInToRegistry", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
      {
        Sid: "PullPrebuiltImage",
        Effect: "Allow",
        Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        Resource: `arn:aws:ecr:${REGION}:${SKLEARN_REGISTRY}:repository/sagemaker-scikit-learn`,
      },
      {
        Sid: "WriteJobLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: [`${logs}/ProcessingJobs*`, `${logs}/TrainingJobs*`],
      },
      { Sid: "PutJobMetrics", Effect: "Allow", Action: ["cloudwatch:PutMetricData"], Resource: "*", Condition: { StringLike: { "cloudwatch:namespace": "/aws/sagemaker/*" } } },
    ]);
    expect(policyOf(plan, "shared-sagemaker-policy")[2]).toEqual({ Sid: "WriteRunOutputs", Effect: "Allow", Action: ["s3:PutObject"], Resource: "arn:aws:s3:::acme-ml-data/training/*" });
    expect(policyOf(plan, "prod-sagemaker-policy").slice(7)).toEqual([
      { Sid: "UseJobKey", Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], Resource: KMS },
      { Sid: "GrantJobVolumes", Effect: "Allow", Action: ["kms:CreateGrant"], Resource: KMS, Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } } },
    ]);
    expect(policyOf(plan, "dev-sagemaker-policy").some((s) => list(s.Action).some((a) => a.startsWith("kms:")))).toBe(false);
  });

  it("gives each function only what its handler calls", () => {
    const lambdaStatements = (fn: string) => policyOf(plan, `dev-${fn}-policy`).slice(2); // after its own logs and traces
    const sm = `arn:aws:sagemaker:${REGION}:${ACCOUNT}`;
    expect(lambdaStatements("create-experiment")).toEqual([
      { Sid: "CreateExperiment", Effect: "Allow", Action: ["sagemaker:CreateExperiment"], Resource: `${sm}:experiment/edge-mlops-dev` },
      { Sid: "CreateTrials", Effect: "Allow", Action: ["sagemaker:CreateTrial", "sagemaker:AddTags"], Resource: `${sm}:experiment-trial/edge-mlops-dev-*` },
    ]);
    expect(lambdaStatements("evaluate-results")).toEqual([
      { Sid: "ListModelPackages", Effect: "Allow", Action: ["sagemaker:ListModelPackages"], Resource: "*" },
      { Sid: "DescribeModelPackages", Effect: "Allow", Action: ["sagemaker:DescribeModelPackage"], Resource: `${sm}:model-package/edge-mlops-dev-abalone/*` },
    ]);
    expect(lambdaStatements("register-model")).toEqual([
      {
        Sid: "CreateModelPackages",
        Effect: "Allow",
        Action: ["sagemaker:CreateModelPackage"],
        Resource: [`${sm}:model-package-group/edge-mlops-dev-abalone`, `${sm}:model-package/edge-mlops-dev-abalone/*`],
      },
    ]);
  });

  it("has no wildcard action, no managed policy, and '*' resources only for the documented actions", () => {
    const documents = ofType(plan, T.rolePolicy).filter((p) => /^(dev|prod|shared)-/.test(p.name));
    expect(documents.length).toBe(3 * 6 + 1); // 3 functions + feature store + SageMaker + state machine, per instance; dev's schedule
    for (const doc of documents) {
      for (const st of parseJson(doc.inputs.policy).Statement as Statement[]) {
        expect(st.Effect).toBe("Allow");
        for (const action of list(st.Action)) expect(action, `${doc.name}: ${action}`).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
        if (list(st.Resource).includes("*")) {
          for (const action of list(st.Action)) expect(WILDCARD_RESOURCE_ACTIONS, `${doc.name}: ${action} on *`).toContain(action);
        }
        for (const resource of list(st.Resource)) expect(resource === "*" || resource.startsWith("arn:aws:"), `${doc.name}: ${resource}`).toBe(true);
      }
    }
    const roles = ofType(plan, T.role).filter((r) => /^(dev|prod|shared)-/.test(r.name));
    expect(roles.every((r) => r.inputs.managedPolicyArns === undefined)).toBe(true);
    expect(plan.resources.filter((r) => r.type.startsWith("aws:iam/rolePolicyAttachment"))).toEqual([]);
  });
});

describe("Lambdas", () => {
  it("deploys the three bundled functions with reserved concurrency, retention and the approval status per stack", () => {
    for (const [fn, env] of [
      ["create-experiment", undefined],
      ["evaluate-results", undefined],
      ["register-model", { variables: { MODEL_APPROVAL_STATUS: "Approved" } }],
    ] as const) {
      const f = one(plan, T.fn, `dev-${fn}-fn`);
      expect(f.inputs).toMatchObject({ reservedConcurrentExecutions: 1, timeout: 60, tracingConfig: { mode: "Active" }, runtime: "nodejs22.x" });
      expect(f.inputs.environment).toEqual(env);
      expect(one(plan, T.logGroup, `dev-${fn}-logs`).inputs.retentionInDays).toBe(7);
      expect(one(plan, T.lambda, `dev-${fn}`).parent).toBe(one(plan, T.workflow, "dev").urn);
    }
    const prod = one(plan, T.fn, "prod-register-model-fn").inputs;
    expect(prod.environment).toEqual({ variables: { MODEL_APPROVAL_STATUS: "PendingManualApproval" } });
    expect(prod.reservedConcurrentExecutions).toBe(5);
    expect(one(plan, T.logGroup, "prod-register-model-logs").inputs.retentionInDays).toBe(365);
  });
});

describe("schedule", () => {
  it("starts the state machine on the dev schedule through a role allowed only that", () => {
    const schedule = one(plan, T.schedule, "dev-schedule");
    const stateMachineArn = arnOf(T.stateMachine, "dev-state-machine");
    expect(schedule.inputs).toEqual({
      description: "Starts the training workflow edge-mlops-dev-training",
      scheduleExpression: "rate(1 day)",
      flexibleTimeWindow: { mode: "OFF" },
      state: "ENABLED",
      target: {
        arn: stateMachineArn,
        roleArn: arnOf(T.role, "dev-schedule-role"),
        input: '{"trigger":"schedule"}',
        retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 3 },
      },
    });
    expect(policyOf(plan, "dev-schedule-policy")).toEqual([{ Sid: "StartTraining", Effect: "Allow", Action: ["states:StartExecution"], Resource: stateMachineArn }]);
  });

  it("creates no schedule (nor its role) when off", () => {
    for (const instance of ["prod", "shared"]) {
      expect(ofType(plan, T.schedule, instance)).toEqual([]);
      expect(ofType(plan, T.role, `${instance}-schedule`)).toEqual([]);
    }
  });
});

describe("protection and structure", () => {
  const resourcesOf = (instance: string) => plan.resources.filter((r) => r.name.startsWith(`${instance}-`) && r.custom);

  it("protects exactly the bucket, the feature group and the model package group in prod, nothing in dev", () => {
    expect(
      resourcesOf("prod")
        .filter((r) => r.options.protect)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["prod-data-bucket", "prod-features", "prod-models"]);
    expect(resourcesOf("dev").filter((r) => r.options.protect)).toEqual([]);
  });

  it("keeps the URN the data bucket had as edge-mlops:training:DataBucket", () => {
    expect(aliases.get(`${T.dataBucket}::dev-data`)).toEqual([{ type: "edge-mlops:training:DataBucket" }]);
    // Its children keep their names, so the parent's alias carries them over.
    expect(ofType(plan, T.bucket, "dev-data").map((r) => r.name)).toEqual(["dev-data-bucket"]);
  });

  it("parents every child to its component", () => {
    const workflow = one(plan, T.workflow, "dev");
    const dataBucket = one(plan, T.dataBucket, "dev-data");
    expect(dataBucket.parent).toBe(workflow.urn);
    const lambdaComponents = new Set(ofType(plan, T.lambda, "dev-").map((l) => l.urn));
    for (const r of resourcesOf("dev") as PlannedResource[]) {
      if (r.name.startsWith("dev-data-")) expect(r.parent, r.name).toBe(dataBucket.urn);
      else if (/^dev-(create-experiment|evaluate-results|register-model)-/.test(r.name)) expect(lambdaComponents.has(String(r.parent)), r.name).toBe(true);
      else expect(r.parent, r.name).toBe(workflow.urn);
    }
  });
});
