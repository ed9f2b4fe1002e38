import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import type { PolicyStatement } from "../../components/iam";
import { tasksWithoutRetryOrCatch } from "../../components/training-workflow/asl";
import { jobPrefix } from "../../contracts/training-run";
import { ABALONE_FEATURES, TRAINING_DIR, TrainingWorkflow, WILDCARD_RESOURCE_ACTIONS } from "../../components/training-workflow";
import { ofType, one, planProgram, recordAliases, type Plan } from "../support/offline";
import { allInputsOf, inputsOf, policyDocument, type ResourceType } from "../support/resources";
import { definitionOf, parameterOf } from "./support";

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
} as const satisfies Record<string, ResourceType | "edge-mlops:training:TrainingWorkflow" | "edge-mlops:storage:SecureBucket" | "edge-mlops:lambda:Function">;

// ---- the component under mocks --------------------------------------------------------------------------------------

const list = (v: string | readonly string[] | undefined): readonly string[] => (v === undefined ? [] : typeof v === "string" ? [v] : v);
const policyOf = (plan: Plan, name: string): readonly PolicyStatement[] => policyDocument(inputsOf(plan, T.rolePolicy, name).policy).Statement;
/** The statements of a role's trust policy. */
const trustOf = (name: string) => policyDocument(inputsOf(plan, T.role, name).assumeRolePolicy).Statement;
const sha256 = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");

let plan: Plan;
/** A string the program below returns. */
function output(key: "devOfflineStoreUri" | "devBucketArn" | "devStateMachineName" | "prodOfflineStoreUri" | "sharedBucketArn" | "sharedBucketName"): string {
  const value = plan.outputs[key];
  if (typeof value !== "string") throw new Error(`output ${key} is ${JSON.stringify(value)}, not a string`);
  return value;
}
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
      protect: false,
      dataBucket: { existing: { bucketName: "acme-ml-data" } },
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
}, 120_000);

const bucketName = (instance: string) => String(one(plan, T.bucket, `${instance}-data-bucket`).id);
const arnOf = (type: string, name: string) => String(one(plan, type, name).arn);

describe("data bucket", () => {
  it("creates a versioned, TLS-only, private bucket named after the pipeline", () => {
    expect(inputsOf(plan, T.bucket, "dev-data-bucket")).toEqual({ bucketPrefix: "edge-mlops-dev-data-" });
    expect(bucketName("dev")).toMatch(/^edge-mlops-dev-data-[0-9a-f]{8}$/);
    expect(inputsOf(plan, T.versioning, "dev-data-versioning")).toEqual({ bucket: bucketName("dev"), versioningConfiguration: { status: "Enabled" } });
    expect(inputsOf(plan, T.publicAccess, "dev-data-public-access")).toEqual({
      bucket: bucketName("dev"),
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const arn = `arn:aws:s3:::${bucketName("dev")}`;
    expect(output("devBucketArn")).toBe(arn);
    expect(policyDocument(inputsOf(plan, T.bucketPolicy, "dev-data-policy").policy).Statement).toEqual([
      { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [arn, `${arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } },
    ]);
  });

  it("encrypts with SSE-S3 by default and with the given KMS key in prod", () => {
    expect(inputsOf(plan, T.encryption, "dev-data-encryption").rules).toEqual([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
    expect(inputsOf(plan, T.encryption, "prod-data-encryption").rules).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KMS }, bucketKeyEnabled: true },
    ]);
  });

  it("expires noncurrent versions after the configured days, once versioning is on", () => {
    expect(inputsOf(plan, T.lifecycle, "dev-data-lifecycle").rules).toEqual([
      {
        id: "expire-noncurrent-versions",
        status: "Enabled",
        filter: {},
        noncurrentVersionExpiration: { noncurrentDays: 14 },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      },
    ]);
    expect(one(plan, T.lifecycle, "dev-data-lifecycle").dependsOn).toEqual([one(plan, T.versioning, "dev-data-versioning").urn]);
    expect(inputsOf(plan, T.lifecycle, "prod-data-lifecycle").rules?.[0].noncurrentVersionExpiration).toEqual({ noncurrentDays: 30 });
  });

  it("uses an existing bucket by name without creating any bucket resource", () => {
    for (const type of [T.bucket, T.versioning, T.encryption, T.publicAccess, T.bucketPolicy, T.lifecycle, T.dataBucket]) {
      expect(ofType(plan, type, "shared")).toEqual([]);
    }
    expect(output("sharedBucketName")).toBe("acme-ml-data");
    expect(output("sharedBucketArn")).toBe("arn:aws:s3:::acme-ml-data");
    expect(allInputsOf(plan, T.object, "shared-code-").map((o) => o.bucket)).toEqual(Array(4).fill("acme-ml-data"));
  });

  it("uploads the four job scripts under code/training/, hashed so that an edited script is uploaded again", () => {
    const objects = ofType(plan, T.object, "dev-code-");
    expect(objects.map((o) => o.name)).toEqual(["dev-code-preprocess", "dev-code-train", "dev-code-evaluate", "dev-code-model-format"]);
    for (const [object, file] of objects.map((o, i) => [o, ["preprocess.py", "train.py", "evaluate.py", "model_format.py"][i]] as const)) {
      expect(inputsOf(plan, T.object, object.name)).toEqual({
        bucket: bucketName("dev"),
        key: `code/training/${file}`,
        source: { asset: "file", path: path.relative(process.cwd(), path.join(TRAINING_DIR, file)) },
        sourceHash: sha256(path.join(TRAINING_DIR, file)),
        contentType: "text/x-python",
      });
      // Uploaded only after the bucket's encryption and TLS policy exist.
      expect(object.dependsOn).toEqual(
        (["versioning", "encryption", "public-access", "policy", "lifecycle"] as const).map((n) => one(plan, typeOf(n), `dev-data-${n}`).urn),
      );
    }
  });
});

function typeOf(settingName: "versioning" | "encryption" | "public-access" | "policy" | "lifecycle"): ResourceType {
  return { versioning: T.versioning, encryption: T.encryption, "public-access": T.publicAccess, policy: T.bucketPolicy, lifecycle: T.lifecycle }[settingName];
}

describe("feature group", () => {
  it("holds the abalone features with the DAG's record identifier and event time, offline store in the data bucket", () => {
    const fg = one(plan, T.featureGroup, "dev-features");
    expect(inputsOf(plan, T.featureGroup, "dev-features")).toEqual({
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
    const fg = inputsOf(plan, T.featureGroup, "prod-features");
    expect(fg.onlineStoreConfig).toEqual({ enableOnlineStore: true, securityConfig: { kmsKeyId: KMS } });
    expect(fg.offlineStoreConfig).toEqual({
      s3StorageConfig: { s3Uri: `s3://${bucketName("prod")}/feature-store/`, kmsKeyId: KMS },
      disableGlueTableCreation: false,
    });
    expect(one(plan, T.featureGroup, "prod-features").options.protect).toBe(true);
  });

  it("exposes the offline store location SageMaker resolved", () => {
    expect(output("devOfflineStoreUri")).toMatch(
      new RegExp(`^s3://${bucketName("dev")}/feature-store/${ACCOUNT}/sagemaker/${REGION}/offline-store/edge-mlops-dev-abalone-\\d{10}/data$`),
    );
  });

  it("lets the feature store write only the offline store prefix and its Glue table", () => {
    expect(trustOf("dev-feature-store-role")).toEqual([
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
    expect(inputsOf(plan, T.modelPackageGroup, "dev-models")).toEqual({
      modelPackageGroupName: "edge-mlops-dev-abalone",
      modelPackageGroupDescription: "Abalone rings regressors trained by the training workflow",
    });
    expect(one(plan, T.modelPackageGroup, "dev-models").options.protect).toBe(false);
    expect(one(plan, T.modelPackageGroup, "prod-models").options.protect).toBe(true);
  });

  it("publishes five String parameters under /edge-mlops/<stack>/", () => {
    const params = allInputsOf(plan, T.parameter, "dev-param-");
    expect(Object.fromEntries(params.map((p) => [p.name, p.insecureValue]))).toEqual({
      "/edge-mlops/dev/data-bucket": bucketName("dev"),
      "/edge-mlops/dev/feature-group": "edge-mlops-dev-abalone",
      "/edge-mlops/dev/model-package-group": "edge-mlops-dev-abalone",
      "/edge-mlops/dev/state-machine-arn": `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:edge-mlops-dev-training`,
      "/edge-mlops/dev/monitoring-baseline-uri": `s3://${bucketName("dev")}/monitoring/baseline/`,
    });
    expect(params.map((p) => p.type)).toEqual(Array(5).fill("String"));
    expect(params.every((p) => p.value === undefined)).toBe(true);
    const shared = allInputsOf(plan, T.parameter, "shared-param-");
    expect(shared.map((p) => p.name)).toEqual([
      "/edge-mlops/staging/data-bucket",
      "/edge-mlops/staging/feature-group",
      "/edge-mlops/staging/model-package-group",
      "/edge-mlops/staging/state-machine-arn",
      "/edge-mlops/staging/monitoring-baseline-uri",
    ]);
    expect(shared[0].insecureValue).toBe("acme-ml-data");
  });
});

describe("state machine", () => {
  it("is a STANDARD machine named after the pipeline, logging to a log group with retention, traced", () => {
    expect(inputsOf(plan, T.logGroup, "dev-sfn-logs")).toEqual({ namePrefix: "/aws/vendedlogs/states/edge-mlops-dev-training-", retentionInDays: 7 });
    expect(inputsOf(plan, T.stateMachine, "dev-state-machine")).toMatchObject({
      name: "edge-mlops-dev-training",
      type: "STANDARD",
      roleArn: arnOf(T.role, "dev-sfn-role"),
      loggingConfiguration: { level: "ALL", includeExecutionData: true, logDestination: `${arnOf(T.logGroup, "dev-sfn-logs")}:*` },
      tracingConfiguration: { enabled: true },
    });
    expect(output("devStateMachineName")).toBe("edge-mlops-dev-training");
    expect(inputsOf(plan, T.logGroup, "prod-sfn-logs").retentionInDays).toBe(365);
    // Created after the role may deliver logs and after the scripts are uploaded.
    const sm = one(plan, T.stateMachine, "dev-state-machine");
    expect(sm.dependsOn).toEqual(expect.arrayContaining([one(plan, T.rolePolicy, "dev-sfn-policy").urn, ...ofType(plan, T.object, "dev-code-").map((o) => o.urn)]));
  });

  it("logs execution data only where the stack asks for it (dev), not by default (shared) nor in prod", () => {
    const logged = (name: string) => inputsOf(plan, T.stateMachine, name).loggingConfiguration?.includeExecutionData;
    expect([logged("dev-state-machine"), logged("prod-state-machine"), logged("shared-state-machine")]).toEqual([true, false, false]);
  });

  it.each(["dev-state-machine", "prod-state-machine", "shared-state-machine"])("%s passes asl-validator and every Task has Retry and Catch", (name) => {
    expect(aslValidator(definitionOf(plan, name)).errors).toEqual([]);
    expect(aslValidator(definitionOf(plan, name)).isValid).toBe(true);
    expect(tasksWithoutRetryOrCatch(definitionOf(plan, name))).toEqual([]);
  });

  it("invokes the planned functions and runs the jobs with the planned role, the region's image and the offline store", () => {
    const d = definitionOf(plan, "dev-state-machine");
    const parameter = (state: string, ...path: string[]) => parameterOf(d, state, ...path);
    expect(parameter("CreateExperiment", "FunctionName")).toBe(arnOf(T.fn, "dev-create-experiment-fn"));
    expect(parameter("EvaluateResults", "FunctionName")).toBe(arnOf(T.fn, "dev-evaluate-results-fn"));
    expect(parameter("RegisterModel", "FunctionName")).toBe(arnOf(T.fn, "dev-register-model-fn"));
    expect(parameter("CreateExperiment", "FunctionName")).toMatch(/^arn:aws:lambda:eu-west-1:123456789012:function:dev-create-experiment-fn-[0-9a-f]{7}$/);

    const image = `${SKLEARN_REGISTRY}.dkr.ecr.${REGION}.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3`;
    const role = arnOf(T.role, "dev-sagemaker-role");
    for (const job of ["Preprocess", "Evaluate"]) {
      expect(parameter(job, "AppSpecification", "ImageUri")).toBe(image);
      expect(parameter(job, "RoleArn")).toBe(role);
      expect(parameter(job, "ProcessingResources", "ClusterConfig")).toEqual({ InstanceCount: 1, InstanceType: "ml.t3.medium", VolumeSizeInGB: 30 });
      expect(parameter(job, "StoppingCondition")).toEqual({ MaxRuntimeInSeconds: 1800 });
    }
    expect(parameter("Train", "AlgorithmSpecification", "TrainingImage")).toBe(image);
    expect(parameter("Train", "RoleArn")).toBe(role);
    expect(parameter("Train", "ResourceConfig")).toEqual({ InstanceCount: 1, InstanceType: "ml.m5.xlarge", VolumeSizeInGB: 30 });

    expect([0, 1].map((i) => [parameter("Preprocess", "ProcessingInputs", String(i), "InputName"), parameter("Preprocess", "ProcessingInputs", String(i), "S3Input", "S3Uri")])).toEqual([
      ["data", output("devOfflineStoreUri")],
      ["code", `s3://${bucketName("dev")}/code/training/`],
    ]);
    expect(parameter("Train", "OutputDataConfig", "S3OutputPath.$")).toBe(`States.Format('s3://${bucketName("dev")}/training/{}/model', $.experiment.jobPrefix)`);
    expect(parameter("ReadEvaluation", "Bucket")).toBe(bucketName("dev"));
    expect(parameter("CreateExperiment", "Payload", "pipelineName")).toBe("edge-mlops-dev");
    expect(parameter("EvaluateResults", "Payload")).toMatchObject({ modelPackageGroupName: "edge-mlops-dev-abalone", qualityThresholdRmse: 3 });
    expect(parameter("RegisterModel", "Payload")).toMatchObject({ modelPackageGroupName: "edge-mlops-dev-abalone", imageUri: DEV_IMAGE });
  });

  it("uses the prod settings: the 1.0-1 image, defaults for jobs, the KMS key on volumes and outputs", () => {
    const d = definitionOf(plan, "prod-state-machine");
    const parameter = (state: string, ...path: string[]) => parameterOf(d, state, ...path);
    expect(parameter("Preprocess", "AppSpecification", "ImageUri")).toBe(`${SKLEARN_REGISTRY}.dkr.ecr.${REGION}.amazonaws.com/sagemaker-scikit-learn:1.0-1-cpu-py3`);
    expect(parameter("Preprocess", "ProcessingResources", "ClusterConfig")).toEqual({ InstanceCount: 1, InstanceType: "ml.m5.large", VolumeSizeInGB: 30, VolumeKmsKeyId: KMS });
    expect(parameter("Train", "OutputDataConfig", "KmsKeyId")).toBe(KMS);
    expect(parameter("Train", "StoppingCondition")).toEqual({ MaxRuntimeInSeconds: 3600 });
    expect(parameter("EvaluateResults", "Payload", "qualityThresholdRmse")).toBe(2.3);
    expect(parameter("RegisterModel", "Payload", "imageUri")).toBe(PROD_IMAGE);
    expect(parameter("Preprocess", "ProcessingInputs", "0", "S3Input", "S3Uri")).toBe(output("prodOfflineStoreUri"));
  });
});

describe("IAM", () => {
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
    // makes jobPrefix from the pipeline name (contracts/training-run.ts), and evaluation.json lies under the run's folder.
    const d = definitionOf(plan, "dev-state-machine");
    const parameter = (state: string, ...path: string[]) => parameterOf(d, state, ...path);
    expect(parameter("Preprocess", "ProcessingJobName.$")).toBe("States.Format('{}-prep', $.experiment.jobPrefix)");
    expect(parameter("Train", "TrainingJobName.$")).toBe("States.Format('{}-train', $.experiment.jobPrefix)");
    expect(parameter("ReadEvaluation", "Key.$")).toBe("States.Format('training/{}/evaluation/evaluation.json', $.experiment.jobPrefix)");
    const pipelineName = parameter("CreateExperiment", "Payload", "pipelineName");
    expect(pipelineName).toBe("edge-mlops-dev");
    const prefix = jobPrefix(String(pipelineName), "nightly-2024-06-01", "2024-06-01T02:00:00Z");
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
    const runs = expect.stringMatching(/^arn:aws:s3:::[a-z0-9.-]+\/training\/\*\/model\.(tar\.gz|json)$/);
    expect(lambdaStatements("register-model")).toEqual([
      { Sid: "ReadModelArchives", Effect: "Allow", Action: ["s3:GetObject"], Resource: runs },
      { Sid: "WriteModelJson", Effect: "Allow", Action: ["s3:PutObject"], Resource: runs },
      {
        Sid: "CreateModelPackages",
        Effect: "Allow",
        Action: ["sagemaker:CreateModelPackage"],
        Resource: [`${sm}:model-package-group/edge-mlops-dev-abalone`, `${sm}:model-package/edge-mlops-dev-abalone/*`],
      },
    ]);
  });

  it("lets register-model read archives and write model.json under the runs' prefix only, with the data key in prod", () => {
    const statements = policyOf(plan, "prod-register-model-policy").slice(2);
    expect(statements.slice(0, 2).map((st) => st.Resource)).toEqual([
      expect.stringMatching(/\/training\/\*\/model\.tar\.gz$/),
      expect.stringMatching(/\/training\/\*\/model\.json$/),
    ]);
    expect(statements[2]).toEqual({
      Sid: "UseDataKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: KMS,
      Condition: { StringEquals: { "kms:ViaService": `s3.${REGION}.amazonaws.com` } },
    });
  });

  it("has no wildcard action, no managed policy, and '*' resources only for the documented actions", () => {
    const documents = ofType(plan, T.rolePolicy).filter((p) => /^(dev|prod|shared)-/.test(p.name));
    expect(documents.length).toBe(3 * 6 + 1); // 3 functions + feature store + SageMaker + state machine, per instance; dev's schedule
    for (const doc of documents) {
      for (const st of policyDocument(inputsOf(plan, T.rolePolicy, doc.name).policy).Statement) {
        expect(st.Effect).toBe("Allow");
        for (const action of list(st.Action)) expect(action, `${doc.name}: ${action}`).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
        if (list(st.Resource).includes("*")) {
          for (const action of list(st.Action)) expect(WILDCARD_RESOURCE_ACTIONS, `${doc.name}: ${action} on *`).toContain(action);
        }
        for (const resource of list(st.Resource)) expect(resource === "*" || resource.startsWith("arn:aws:"), `${doc.name}: ${resource}`).toBe(true);
      }
    }
    const roles = ofType(plan, T.role).filter((r) => /^(dev|prod|shared)-/.test(r.name));
    expect(roles.map((r) => inputsOf(plan, T.role, r.name).managedPolicyArns).filter((arns) => arns !== undefined)).toEqual([]);
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
      const f = inputsOf(plan, T.fn, `dev-${fn}-fn`);
      expect(f).toMatchObject({ reservedConcurrentExecutions: 1, timeout: 60, tracingConfig: { mode: "Active" }, runtime: "nodejs22.x" });
      expect(f.environment).toEqual(env);
      expect(inputsOf(plan, T.logGroup, `dev-${fn}-logs`).retentionInDays).toBe(7);
      expect(one(plan, T.lambda, `dev-${fn}`).parent).toBe(one(plan, T.workflow, "dev").urn);
    }
    const prod = inputsOf(plan, T.fn, "prod-register-model-fn");
    expect(prod.environment).toEqual({ variables: { MODEL_APPROVAL_STATUS: "PendingManualApproval" } });
    expect(prod.reservedConcurrentExecutions).toBe(5);
    expect(inputsOf(plan, T.logGroup, "prod-register-model-logs").retentionInDays).toBe(365);
  });
});

describe("schedule", () => {
  it("starts the state machine on the dev schedule through a role allowed only that", () => {
    const stateMachineArn = arnOf(T.stateMachine, "dev-state-machine");
    expect(inputsOf(plan, T.schedule, "dev-schedule")).toEqual({
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
    for (const r of resourcesOf("dev")) {
      if (r.name.startsWith("dev-data-")) expect(r.parent, r.name).toBe(dataBucket.urn);
      else if (/^dev-(create-experiment|evaluate-results|register-model)-/.test(r.name)) expect(lambdaComponents.has(String(r.parent)), r.name).toBe(true);
      else expect(r.parent, r.name).toBe(workflow.urn);
    }
  });
});
