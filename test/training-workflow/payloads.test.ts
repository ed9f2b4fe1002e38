// The state machine ↔ Lambda contract (contracts/training-payloads.ts), run end to end: the definition the component
// builds is simulated state by state, and each Lambda task calls the real handler (SageMaker mocked with
// aws-sdk-client-mock) with the payload the definition resolves. A field one side writes and the other does not read
// fails here: a handler rejects the event, or a path of the definition does not resolve in what a handler returned.
import {
  CreateExperimentCommand,
  CreateModelPackageCommand,
  CreateTrialCommand,
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { gzipSync } from "node:zlib";
import { GetObjectCommand, type GetObjectCommandOutput, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { createTar } from "nanotar";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildTrainingDefinition } from "../../components/training-workflow/definition";
import { EVALUATION_REPORT, KEPT_RESULTS, type RegisterModelEnvironment } from "../../contracts/training-payloads";
import { jobName } from "../../contracts/training-run";
import { handler as createExperiment } from "../../lambda/create-experiment/index";
import { handler as evaluateResults } from "../../lambda/evaluate-results/index";
import { handler as registerModel } from "../../lambda/register-model/index";
import { simulate, valueAtPath, type Json } from "./simulate";
import { ACCOUNT, EXAMPLE_DEFINITION_ARGS as ARGS } from "./support";

const sagemaker = mockClient(SageMakerClient);
const s3 = mockClient(S3Client);
/** The model.tar.gz the training job wrote: register-model reads its model.json and puts it beside the archive. */
const ARCHIVE = gzipSync(createTar([{ name: "model.json", data: new TextEncoder().encode(JSON.stringify({ model_version: "78f050bdef83" })) }]));
const definition = buildTrainingDefinition(ARGS);
const GROUP = ARGS.modelPackageGroupName;
const BASELINE_ARN = `arn:aws:sagemaker:eu-west-1:${ACCOUNT}:model-package/${GROUP}/4`;
const NEW_ARN = `arn:aws:sagemaker:eu-west-1:${ACCOUNT}:model-package/${GROUP}/5`;
const CONTEXT: Json = {
  Execution: { Name: "nightly-42", StartTime: "2025-03-01T02:00:00.000Z", Id: `arn:aws:states:eu-west-1:${ACCOUNT}:execution:edge-mlops-dev-training:nightly-42` },
};

/** The evaluation report as training/evaluate.py writes it (only the fields the workflow reads matter). */
function report(rmse: number): string {
  return JSON.stringify({ regression_metrics: { mae: { value: 1.4 }, rmse: { value: rmse } }, model_version: "78f050bdef83", test_rows: 209 });
}

/** A group whose one Approved package recorded `baselineRmse`. */
function approvedBaseline(baselineRmse: number): void {
  sagemaker.on(ListModelPackagesCommand).resolves({
    ModelPackageSummaryList: [
      { ModelPackageArn: BASELINE_ARN, ModelPackageGroupName: GROUP, CreationTime: new Date(2025, 0, 4), ModelPackageStatus: "Completed", ModelApprovalStatus: "Approved" },
    ],
  });
  sagemaker.on(DescribeModelPackageCommand).resolves({
    ModelPackageArn: BASELINE_ARN,
    ModelPackageName: GROUP,
    CreationTime: new Date(),
    ModelPackageStatus: "Completed",
    CustomerMetadataProperties: { rmse: String(baselineRmse) },
  });
}

/** Each Task's result: the real handler for a Lambda task, what the service would return for the others. */
function respond(candidateRmse: number) {
  return async (state: string, parameters: Json): Promise<Json> => {
    const payload = (): unknown => valueAtPath(parameters, "$.Payload");
    const prefix = (jobParameter: string) => String(valueAtPath(parameters, jobParameter)).replace(/-(prep|train|eval)$/, "");
    switch (state) {
      case "CreateExperiment":
        return { Payload: JSON.parse(JSON.stringify(await createExperiment(payload()))) as Json, StatusCode: 200 };
      case "Preprocess":
      case "Evaluate":
        return { ProcessingJobName: String(valueAtPath(parameters, "$.ProcessingJobName")), ProcessingJobArn: `arn:${state}`, ProcessingJobStatus: "Completed" };
      case "Train": {
        const name = String(valueAtPath(parameters, "$.TrainingJobName"));
        return { TrainingJobName: name, ModelArtifacts: { S3ModelArtifacts: `${ARGS.outputS3Uri}${prefix("$.TrainingJobName")}/model/${name}/output/model.tar.gz` } };
      }
      case "ReadEvaluation":
        return { Body: report(candidateRmse), ContentType: "application/json" };
      case "EvaluateResults":
        return { Payload: JSON.parse(JSON.stringify(await evaluateResults(payload()))) as Json, StatusCode: 200 };
      case "RegisterModel":
        return { Payload: JSON.parse(JSON.stringify(await registerModel(payload()))) as Json, StatusCode: 200 };
      default:
        throw new Error(`no result for ${state}`);
    }
  };
}

const environment: RegisterModelEnvironment = { MODEL_APPROVAL_STATUS: "PendingManualApproval" };
beforeEach(() => {
  sagemaker.reset();
  sagemaker.on(CreateExperimentCommand).resolves({});
  sagemaker.on(CreateTrialCommand).resolves({});
  sagemaker.on(CreateModelPackageCommand).resolves({ ModelPackageArn: NEW_ARN });
  s3.reset();
  // The handler reads the body only through the SDK's transformToByteArray.
  s3.on(GetObjectCommand).resolves({ Body: { transformToByteArray: async () => ARCHIVE } as unknown as GetObjectCommandOutput["Body"] });
  s3.on(PutObjectCommand).resolves({});
  Object.assign(process.env, environment);
});
afterEach(() => {
  delete process.env.MODEL_APPROVAL_STATUS;
});

describe("the definition and the handlers agree on every payload", () => {
  it("registers a better model: each handler accepts what the definition sends, and the definition reads what it returns", async () => {
    approvedBaseline(2.1);
    const run = await simulate(definition, respond(1.93), CONTEXT);
    expect(run.end).toBe("Registered");

    const experiment = valueAtPath(run.output, "$.experiment") as { jobPrefix: string; trialName: string; experimentName: string };
    expect(Object.keys(experiment)).toEqual([...KEPT_RESULTS.experiment]);
    expect(experiment.experimentName).toBe(ARGS.jobNamePrefix);
    // The jobs are named after the prefix the Lambda made, and the trial it created is the one the jobs join.
    expect(valueAtPath(run.parameters.Train, "$.TrainingJobName")).toBe(jobName(experiment.jobPrefix, "train"));
    expect(valueAtPath(run.parameters.Preprocess, "$.ExperimentConfig")).toEqual({ ExperimentName: ARGS.jobNamePrefix, TrialName: experiment.trialName, TrialComponentDisplayName: "prep" });
    expect(sagemaker.commandCalls(CreateTrialCommand)[0].args[0].input).toMatchObject({ TrialName: experiment.trialName, ExperimentName: ARGS.jobNamePrefix });

    expect(valueAtPath(run.output, "$.decision")).toEqual({
      rmse: 1.93,
      baselineRmse: 2.1,
      passesThreshold: true,
      improves: true,
      register: true,
      reason: `RMSE 1.93 meets the quality threshold 2.5 and the best approved model ${BASELINE_ARN} has RMSE 2.1`,
    });
    expect(valueAtPath(run.output, "$.registration")).toEqual({ modelPackageArn: NEW_ARN, approvalStatus: "PendingManualApproval" });

    const [created] = sagemaker.commandCalls(CreateModelPackageCommand).map((c) => c.args[0].input);
    const runFolder = `${ARGS.outputS3Uri}${experiment.jobPrefix}`;
    expect(created).toMatchObject({
      ModelPackageGroupName: GROUP,
      ModelApprovalStatus: "PendingManualApproval",
      InferenceSpecification: { Containers: [{ Image: ARGS.inferenceImageUri, ModelDataUrl: `${runFolder}/model/${experiment.jobPrefix}-train/output/model.tar.gz` }] },
      ModelMetrics: { ModelQuality: { Statistics: { ContentType: "application/json", S3Uri: `${runFolder}/${EVALUATION_REPORT.folder}/${EVALUATION_REPORT.file}` } } },
      CustomerMetadataProperties: { rmse: "1.93", modelVersion: "78f050bdef83", executionName: "nightly-42" },
    });
  });

  it("stops at NotRegistered, with the reason, when the model does not beat the approved one", async () => {
    approvedBaseline(1.5);
    const run = await simulate(definition, respond(1.93), CONTEXT);
    expect(run.end).toBe("NotRegistered");
    expect(valueAtPath(run.output, "$.decision.register")).toBe(false);
    expect(valueAtPath(run.output, "$.decision.reason")).toBe(`RMSE 1.93 does not improve on the baseline: the best approved model ${BASELINE_ARN} has RMSE 1.5`);
    expect(sagemaker.commandCalls(CreateModelPackageCommand)).toHaveLength(0);
  });
});
