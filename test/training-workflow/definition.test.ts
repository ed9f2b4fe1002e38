import { describe, expect, it } from "vitest";
import {
  listTaskStates,
  MAX_RETRY_ATTEMPTS,
  type StateMachineDefinition,
  type TaskState,
  tasksWithoutRetryOrCatch,
} from "../../components/training-workflow/asl";
import { buildTrainingDefinition } from "../../components/training-workflow/definition";
import { type TrainingDefinitionArgs, trainingDefinitionArgProblems } from "../../components/training-workflow/definition-args";
import { JOB_TIMEOUT_MARGIN_SECONDS } from "../../components/training-workflow/definition-tasks";
import { ArgError } from "../../components/args";
import { jobPrefix, MAX_JOB_NAME_LENGTH } from "../../contracts/training-run";
import { evaluate, simulate, type Json } from "./simulate";
import { ACCOUNT, EXAMPLE_DEFINITION_ARGS, SKLEARN } from "./support";

interface AslResult {
  isValid: boolean;
  errors: { "Error code": string; Message: string }[];
  errorsText: (separator?: string) => string;
}
// asl-validator 4 ships no type declarations: module.exports = (definition, options?) => result.
// It also writes QueryLanguage into the states it checks, so it is given a copy.
const aslValidator = require("asl-validator") as (definition: unknown) => AslResult;
const validate = (definition: unknown) => aslValidator(JSON.parse(JSON.stringify(definition)));

const ARGS = EXAMPLE_DEFINITION_ARGS;

const TASKS = ["CreateExperiment", "Preprocess", "Train", "Evaluate", "ReadEvaluation", "EvaluateResults", "RegisterModel"];
const JOB_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

function task(definition: StateMachineDefinition, name: string): TaskState {
  const state = definition.States[name];
  if (state.Type !== "Task") throw new Error(`${name} is not a Task`);
  return state;
}

describe("buildTrainingDefinition", () => {
  const definition = buildTrainingDefinition(ARGS);

  it("passes the Amazon States Language validator (asl-validator 4, paths and ARNs checked)", () => {
    const result = validate(definition);
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it("is caught by the validator when broken (the check is not vacuous)", () => {
    const broken = JSON.parse(JSON.stringify(definition));
    broken.States.Train.Next = "Nowhere";
    expect(validate(broken).errorsText()).toMatch(/MISSING_TRANSITION_TARGET/);
    const badPath = JSON.parse(JSON.stringify(definition));
    badPath.States.Preprocess.Parameters["ProcessingJobName.$"] = "States.Format('{}-prep', $.experiment.jobPrefix";
    expect(validate(badPath).isValid).toBe(false);
  });

  it("chains the states in the documented order with a Choice on register", () => {
    const S = definition.States;
    expect(definition.StartAt).toBe("CreateExperiment");
    expect(Object.keys(S)).toEqual([...TASKS.slice(0, 6), "ShouldRegister", "RegisterModel", "Registered", "NotRegistered", "Failed"]);
    const next = (n: string) => (S[n] as { Next?: string }).Next;
    expect(["CreateExperiment", "Preprocess", "Train", "Evaluate", "ReadEvaluation", "EvaluateResults"].map(next)).toEqual([
      "Preprocess", "Train", "Evaluate", "ReadEvaluation", "EvaluateResults", "ShouldRegister",
    ]);
    expect(S.ShouldRegister).toEqual({
      Type: "Choice",
      Comment: "Register only a model within the threshold that beats the best approved one.",
      Choices: [{ Variable: "$.decision.register", BooleanEquals: true, Next: "RegisterModel" }],
      Default: "NotRegistered",
    });
    expect(next("RegisterModel")).toBe("Registered");
    expect(S.Registered.Type).toBe("Succeed");
    expect(S.NotRegistered.Type).toBe("Succeed");
    expect(S.Failed).toEqual({
      Type: "Fail",
      Comment: "A task failed after its retries; error and cause are the failing task's.",
      ErrorPath: "$.error.Error",
      CausePath: "$.error.Cause",
    });
  });

  it("gives every Task a TimeoutSeconds, a bounded Retry with backoff and jitter, and a Catch to Failed", () => {
    const found = listTaskStates(definition);
    expect(found.map((t) => t.path)).toEqual(TASKS);
    expect(tasksWithoutRetryOrCatch(definition)).toEqual([]);
    expect(tasksWithoutRetryOrCatch(JSON.stringify(definition))).toEqual([]);
    for (const { path } of found) {
      const t = task(definition, path);
      expect(t.TimeoutSeconds, path).toBeGreaterThan(0);
      expect(t.Retry.length, path).toBeGreaterThan(0);
      for (const r of t.Retry) {
        expect(r.MaxAttempts, path).toBeGreaterThanOrEqual(1);
        expect(r.MaxAttempts, path).toBeLessThanOrEqual(MAX_RETRY_ATTEMPTS);
        expect(r.IntervalSeconds, path).toBeGreaterThanOrEqual(1);
        expect(r.BackoffRate, path).toBeGreaterThanOrEqual(1);
        expect(r.MaxDelaySeconds, path).toBeGreaterThanOrEqual(r.IntervalSeconds);
        expect(r.JitterStrategy, path).toBe("FULL");
        expect(r.ErrorEquals, path).not.toContain("States.ALL");
        expect(r.ErrorEquals, path).not.toContain("States.TaskFailed");
      }
      expect(t.Catch, path).toEqual([{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Failed" }]);
    }
    expect(task(definition, "Train").Retry.flatMap((r) => r.ErrorEquals)).toEqual([
      "SageMaker.AmazonSageMakerException", "ThrottlingException", "SageMaker.ResourceLimitExceededException",
    ]);
    expect(task(definition, "RegisterModel").Retry[0].ErrorEquals).toEqual([
      "Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
      "Lambda.TooManyRequestsException", "Lambda.ClientExecutionTimeoutException", "ThrottlingException", "States.Timeout",
    ]);
  });

  it("bounds every SageMaker job with a StoppingCondition and its task with a timeout above it", () => {
    for (const [name, job] of [["Preprocess", ARGS.preprocessing], ["Train", ARGS.training], ["Evaluate", ARGS.evaluation]] as const) {
      const t = task(definition, name);
      expect(t.Parameters.StoppingCondition).toEqual({ MaxRuntimeInSeconds: job.maxRuntimeSeconds });
      expect(t.TimeoutSeconds).toBe(job.maxRuntimeSeconds + JOB_TIMEOUT_MARGIN_SECONDS);
    }
    expect(task(definition, "CreateExperiment").TimeoutSeconds).toBe(120);
    expect(task(definition, "ReadEvaluation").TimeoutSeconds).toBe(60);
  });

  it("names the jobs of a run after its job prefix: unique per execution, valid, under the IAM prefix", () => {
    const expressions = ["Preprocess", "Train", "Evaluate"].map((n) => {
      const p = task(definition, n).Parameters;
      return (p["ProcessingJobName.$"] ?? p["TrainingJobName.$"]) as string;
    });
    expect(expressions).toEqual([
      "States.Format('{}-prep', $.experiment.jobPrefix)",
      "States.Format('{}-train', $.experiment.jobPrefix)",
      "States.Format('{}-eval', $.experiment.jobPrefix)",
    ]);
    expect(task(definition, "CreateExperiment").ResultSelector?.["jobPrefix.$"]).toBe("$.Payload.jobPrefix");
    const namesOf = (execution: string, start: string) => {
      const input = { experiment: { jobPrefix: jobPrefix(ARGS.jobNamePrefix, execution, start) } };
      return expressions.map((e) => evaluate(e, input, {}) as string);
    };
    const longest = namesOf("x".repeat(80), "2025-03-01T00:00:00.000Z");
    const other = namesOf("x".repeat(80), "2025-06-01T00:00:00.000Z");
    for (const name of [...longest, ...other]) {
      expect(name.length).toBeLessThanOrEqual(MAX_JOB_NAME_LENGTH);
      expect(name).toMatch(JOB_NAME);
      expect(name.startsWith("edge-mlops-dev-")).toBe(true);
    }
    expect(new Set([...longest, ...other]).size).toBe(6);
  });

  it("wires each state's inputs to the outputs of earlier states (happy path, simulated)", async () => {
    const prefix = "edge-mlops-dev-run-7-0123456789";
    const modelTar = `s3://edge-mlops-dev-data/training/${prefix}/model/${prefix}-train/output/model.tar.gz`;
    const report = { regression_metrics: { rmse: { value: 1.93 }, mae: { value: 1.4 } }, model_version: "78f050bdef83", test_rows: 209 };
    const decision = { rmse: 1.93, thresholdRmse: 2.5, baselineRmse: 2.1, baselineModelPackageArn: "arn:x", passesThreshold: true, improves: true, register: true, reason: "better" };
    const results: Record<string, Json> = {
      CreateExperiment: { Payload: { experimentName: "edge-mlops-dev", trialName: prefix, jobPrefix: prefix }, StatusCode: 200 },
      Preprocess: { ProcessingJobName: `${prefix}-prep`, ProcessingJobArn: "arn:prep", ProcessingJobStatus: "Completed" },
      Train: { TrainingJobName: `${prefix}-train`, ModelArtifacts: { S3ModelArtifacts: modelTar } },
      Evaluate: { ProcessingJobName: `${prefix}-eval`, ProcessingJobArn: "arn:eval" },
      ReadEvaluation: { Body: JSON.stringify(report), ContentType: "application/json" },
      EvaluateResults: { Payload: decision },
      RegisterModel: { Payload: { modelPackageArn: "arn:pkg/3", approvalStatus: "Approved", modelVersion: "78f050bdef83" } },
    };
    const context = { Execution: { Name: "run-7", StartTime: "2025-03-01T00:00:00Z", Id: `arn:aws:states:eu-west-1:${ACCOUNT}:execution:sm:run-7` } };
    const { end, parameters, output } = await simulate(definition, (state) => results[state], context);

    expect(end).toBe("Registered");
    expect(parameters.CreateExperiment).toEqual({
      FunctionName: ARGS.createExperimentFunctionArn,
      Payload: {
        executionName: "run-7",
        executionStartTime: "2025-03-01T00:00:00Z",
        executionArn: `arn:aws:states:eu-west-1:${ACCOUNT}:execution:sm:run-7`,
        pipelineName: "edge-mlops-dev",
        dataPrefix: ARGS.dataS3Uri,
      },
    });
    expect(parameters.Preprocess).toEqual({
      ProcessingJobName: `${prefix}-prep`,
      RoleArn: ARGS.sagemakerRoleArn,
      AppSpecification: {
        ImageUri: SKLEARN,
        ContainerEntrypoint: ["python3", "/opt/ml/processing/input/code/preprocess.py"],
        ContainerArguments: [
          "--input-dir", "/opt/ml/processing/input/data",
          "--train-dir", "/opt/ml/processing/train",
          "--validation-dir", "/opt/ml/processing/validation",
          "--test-dir", "/opt/ml/processing/test",
        ],
      },
      ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: "ml.m5.large", VolumeSizeInGB: 30 } },
      ProcessingInputs: [
        { InputName: "data", S3Input: { S3Uri: ARGS.dataS3Uri, LocalPath: "/opt/ml/processing/input/data", S3DataType: "S3Prefix", S3InputMode: "File", S3DataDistributionType: "FullyReplicated" } },
        { InputName: "code", S3Input: { S3Uri: ARGS.codeS3Uri, LocalPath: "/opt/ml/processing/input/code", S3DataType: "S3Prefix", S3InputMode: "File", S3DataDistributionType: "FullyReplicated" } },
      ],
      ProcessingOutputConfig: {
        Outputs: ["train", "validation", "test"].map((s) => ({
          OutputName: s,
          S3Output: { S3Uri: `s3://edge-mlops-dev-data/training/${prefix}/${s}`, LocalPath: `/opt/ml/processing/${s}`, S3UploadMode: "EndOfJob" },
        })),
      },
      StoppingCondition: { MaxRuntimeInSeconds: 1800 },
      NetworkConfig: { EnableNetworkIsolation: true },
      ExperimentConfig: { ExperimentName: "edge-mlops-dev", TrialName: prefix, TrialComponentDisplayName: "prep" },
    });
    expect(parameters.Train).toEqual({
      TrainingJobName: `${prefix}-train`,
      RoleArn: ARGS.sagemakerRoleArn,
      AlgorithmSpecification: {
        TrainingImage: SKLEARN,
        TrainingInputMode: "File",
        ContainerEntrypoint: ["python3", "/opt/ml/input/data/code/train.py"],
        ContainerArguments: [
          "--train", "/opt/ml/input/data/train",
          "--validation", "/opt/ml/input/data/validation",
          "--output-dir", "/opt/ml/model",
          "--output-data-dir", "/opt/ml/output/data",
        ],
      },
      InputDataConfig: [
        { ChannelName: "train", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `s3://edge-mlops-dev-data/training/${prefix}/train/`, S3DataDistributionType: "FullyReplicated" } }, ContentType: "text/csv" },
        { ChannelName: "validation", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `s3://edge-mlops-dev-data/training/${prefix}/validation/`, S3DataDistributionType: "FullyReplicated" } }, ContentType: "text/csv" },
        { ChannelName: "code", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: ARGS.codeS3Uri, S3DataDistributionType: "FullyReplicated" } } },
      ],
      OutputDataConfig: { S3OutputPath: `s3://edge-mlops-dev-data/training/${prefix}/model` },
      ResourceConfig: { InstanceCount: 1, InstanceType: "ml.m5.xlarge", VolumeSizeInGB: 20 },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
      EnableNetworkIsolation: true,
      ExperimentConfig: { ExperimentName: "edge-mlops-dev", TrialName: prefix, TrialComponentDisplayName: "train" },
    });
    const evaluateParams = parameters.Evaluate as { ProcessingInputs: Json[]; ProcessingOutputConfig: Json; AppSpecification: Json };
    expect(evaluateParams.ProcessingInputs).toEqual([
      { InputName: "model", S3Input: { S3Uri: modelTar, LocalPath: "/opt/ml/processing/model", S3DataType: "S3Prefix", S3InputMode: "File", S3DataDistributionType: "FullyReplicated" } },
      { InputName: "test", S3Input: { S3Uri: `s3://edge-mlops-dev-data/training/${prefix}/test/`, LocalPath: "/opt/ml/processing/test", S3DataType: "S3Prefix", S3InputMode: "File", S3DataDistributionType: "FullyReplicated" } },
      { InputName: "code", S3Input: { S3Uri: ARGS.codeS3Uri, LocalPath: "/opt/ml/processing/input/code", S3DataType: "S3Prefix", S3InputMode: "File", S3DataDistributionType: "FullyReplicated" } },
    ]);
    expect(evaluateParams.AppSpecification).toEqual({
      ImageUri: SKLEARN,
      ContainerEntrypoint: ["python3", "/opt/ml/processing/input/code/evaluate.py"],
      ContainerArguments: ["--model-dir", "/opt/ml/processing/model", "--test-dir", "/opt/ml/processing/test", "--output-dir", "/opt/ml/processing/evaluation"],
    });
    expect(evaluateParams.ProcessingOutputConfig).toEqual({
      Outputs: [{ OutputName: "evaluation", S3Output: { S3Uri: `s3://edge-mlops-dev-data/training/${prefix}/evaluation`, LocalPath: "/opt/ml/processing/evaluation", S3UploadMode: "EndOfJob" } }],
    });
    // evaluation.json lands at <S3Uri of the evaluation output>/evaluation.json; that is what is read.
    expect(parameters.ReadEvaluation).toEqual({ Bucket: "edge-mlops-dev-data", Key: `training/${prefix}/evaluation/evaluation.json` });
    expect(parameters.EvaluateResults).toEqual({
      FunctionName: ARGS.evaluateResultsFunctionArn,
      Payload: { evaluation: { rmse: 1.93 }, modelPackageGroupName: "edge-mlops-dev-abalone", qualityThresholdRmse: 2.5 },
    });
    expect(parameters.RegisterModel).toEqual({
      FunctionName: ARGS.registerModelFunctionArn,
      Payload: {
        modelPackageGroupName: "edge-mlops-dev-abalone",
        modelDataUrl: modelTar,
        imageUri: ARGS.inferenceImageUri,
        evaluationS3Uri: `s3://edge-mlops-dev-data/training/${prefix}/evaluation/evaluation.json`,
        rmse: 1.93,
        modelVersion: "78f050bdef83",
        executionName: "run-7",
      },
    });
    expect((output as { registration: Json }).registration).toEqual({ modelPackageArn: "arn:pkg/3", approvalStatus: "Approved" });

    const declinedResults: Record<string, Json> = { ...results, EvaluateResults: { Payload: { ...decision, register: false, reason: "worse" } } };
    const declined = await simulate(definition, (state) => declinedResults[state], context);
    expect(declined.end).toBe("NotRegistered");
    expect(declined.parameters.RegisterModel).toBeUndefined();
    expect((declined.output as { decision: { reason: string } }).decision.reason).toBe("worse");
  });

  it("applies the optional arguments where they belong", () => {
    const kms = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/0a1b2c3d-1111-2222-3333-444455556666`;
    const d = buildTrainingDefinition({
      ...ARGS,
      kmsKeyArn: kms,
      networkIsolation: false,
      lambdaTaskTimeoutSeconds: 300,
      hyperparameters: { nEstimators: 200, maxDepth: 4, learningRate: 0.05, randomState: 7 },
    });
    expect(validate(d).isValid).toBe(true);
    const train = task(d, "Train").Parameters as Record<string, Record<string, unknown>>;
    expect(train.AlgorithmSpecification.ContainerArguments).toEqual([
      "--train", "/opt/ml/input/data/train", "--validation", "/opt/ml/input/data/validation",
      "--output-dir", "/opt/ml/model", "--output-data-dir", "/opt/ml/output/data",
      "--n-estimators", "200", "--max-depth", "4", "--learning-rate", "0.05", "--random-state", "7",
    ]);
    expect(train.ResourceConfig.VolumeKmsKeyId).toBe(kms);
    expect(train.OutputDataConfig.KmsKeyId).toBe(kms);
    expect(train.EnableNetworkIsolation).toBe(false);
    const prep = task(d, "Preprocess").Parameters as Record<string, Record<string, Record<string, unknown>>>;
    expect(prep.ProcessingResources.ClusterConfig.VolumeKmsKeyId).toBe(kms);
    expect(prep.ProcessingOutputConfig.KmsKeyId).toBe(kms);
    expect(prep.NetworkConfig).toEqual({ EnableNetworkIsolation: false });
    expect(task(d, "EvaluateResults").TimeoutSeconds).toBe(300);
  });

  it("serialises to the same JSON every time, whatever the order of the arguments", () => {
    const text = JSON.stringify(definition);
    expect(JSON.stringify(buildTrainingDefinition(ARGS))).toBe(text);
    const reordered = Object.fromEntries(Object.entries(ARGS).reverse()) as unknown as TrainingDefinitionArgs;
    expect(JSON.stringify(buildTrainingDefinition(reordered))).toBe(text);
    expect(JSON.parse(text)).toEqual(definition); // nothing lost in serialisation (no undefined, no functions)
    expect(text).not.toMatch(/undefined|NaN|Infinity/);
  });
});

describe("argument validation", () => {
  it("accepts the example arguments", () => {
    expect(trainingDefinitionArgProblems(ARGS)).toEqual([]);
  });

  it("names every bad argument in one error", () => {
    const bad: TrainingDefinitionArgs = {
      ...ARGS,
      registerModelFunctionArn: "edge-mlops-dev-register-model",
      outputS3Uri: "s3://edge-mlops-dev-data/it's",
      jobNamePrefix: "p".repeat(33),
      qualityThresholdRmse: 0,
      training: { instanceType: "m5.large", maxRuntimeSeconds: 0 },
      hyperparameters: { learningRate: 2 },
    };
    expect(() => buildTrainingDefinition(bad)).toThrow(
      new ArgError(
        "TrainingDefinition",
        "args",
        [
          'registerModelFunctionArn: "edge-mlops-dev-register-model" is not a Lambda function ARN',
          `outputS3Uri: "s3://edge-mlops-dev-data/it's" is not an s3://bucket/prefix URI (letters, digits and _ . / = + @ - only)`,
          `jobNamePrefix: "${"p".repeat(33)}" must be 1-32 letters, digits and hyphens, starting and ending with a letter or digit`,
          "qualityThresholdRmse: 0 must be a finite number > 0",
          'training.instanceType: "m5.large" is not a SageMaker instance type (ml.<family>.<size>)',
          "training.maxRuntimeSeconds: 0 must be an integer from 1 to 2419200",
          "hyperparameters.learningRate: 2 must be a number in (0, 1]",
        ].join("; "),
      ),
    );
  });

  it.each([
    [{ sagemakerRoleArn: "arn:aws:iam::123:role/x" }, /sagemakerRoleArn: .* is not an IAM role ARN/],
    [{ processingImageUri: "python:3.11" }, /processingImageUri: "python:3\.11" is not an ECR image reference/],
    [{ modelPackageGroupName: "a_b" }, /modelPackageGroupName: "a_b" must be 1-63/],
    [{ preprocessing: { instanceType: "ml.m5.large", maxRuntimeSeconds: 604801 } }, /preprocessing\.maxRuntimeSeconds: 604801 must be an integer from 1 to 604800/],
    [{ evaluation: { instanceType: "ml.m5.large", maxRuntimeSeconds: 60, instanceCount: 1.5 } }, /evaluation\.instanceCount: 1\.5 must be an integer from 1 to 100/],
    [{ kmsKeyArn: "alias/aws/s3" }, /kmsKeyArn: "alias\/aws\/s3" is not a KMS key or alias ARN/],
    [{ hyperparameters: { nEstimators: 0, maxDepth: 33 } }, /hyperparameters\.nEstimators: 0 .*; hyperparameters\.maxDepth: 33 must be an integer from 1 to 32/],
    [{ lambdaTaskTimeoutSeconds: 0 }, /lambdaTaskTimeoutSeconds: 0 must be an integer from 1 to 3600/],
  ])("rejects %j", (override, message) => {
    expect(() => buildTrainingDefinition({ ...ARGS, ...override } as TrainingDefinitionArgs)).toThrow(message);
  });
});

describe("tasksWithoutRetryOrCatch", () => {
  it("finds Tasks nested in Parallel branches and Map processors that lack Retry or Catch", () => {
    const retry = [{ ErrorEquals: ["States.Timeout"], MaxAttempts: 2 }];
    const catchAll = [{ ErrorEquals: ["States.ALL"], Next: "F" }];
    const definition = {
      StartAt: "A",
      States: {
        A: { Type: "Task", Resource: "arn:x", Retry: retry, Catch: catchAll, Next: "P" },
        P: {
          Type: "Parallel",
          Branches: [{ StartAt: "B", States: { B: { Type: "Task", Resource: "arn:x", Catch: catchAll, End: true } } }],
          Next: "M",
        },
        M: {
          Type: "Map",
          ItemProcessor: { StartAt: "C", States: { C: { Type: "Task", Resource: "arn:x", Retry: [{ ErrorEquals: ["X"], MaxAttempts: 50 }], End: true } } },
          Next: "F",
        },
        F: { Type: "Fail" },
      },
    };
    expect(listTaskStates(definition).map((t) => t.path)).toEqual(["A", "P/B", "M/C"]);
    expect(tasksWithoutRetryOrCatch(definition)).toEqual([
      "P/B: no Retry",
      `M/C: a retrier without MaxAttempts from 1 to ${MAX_RETRY_ATTEMPTS}`,
      "M/C: no Catch",
    ]);
  });
});
