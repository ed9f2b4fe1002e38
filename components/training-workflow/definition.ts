/**
 * The training workflow's Step Functions definition (Amazon States Language, JSONPath), built as
 * typed objects from plain strings and numbers; serialise it with `JSON.stringify`.
 *
 *   CreateExperiment (Lambda) → Preprocess (processing job) → Train (training job)
 *     → Evaluate (processing job) → ReadEvaluation (S3 GetObject of evaluation.json)
 *     → EvaluateResults (Lambda) → ShouldRegister (Choice on `register`)
 *         ├─ true  → RegisterModel (Lambda) → Registered (Succeed)
 *         └─ false → NotRegistered (Succeed)
 *   any Task's error, once its retries are spent → Failed (Fail, error and cause of the failure)
 *
 * A model that is not good enough is a normal outcome, so NotRegistered succeeds (its output
 * carries `decision.reason`); only errors end in Failed, which is what alarms should watch.
 *
 * Every Task has a TimeoutSeconds, a bounded Retry for throttling and transient service errors
 * (exponential backoff, capped delay, full jitter) and a Catch of States.ALL. Failures of the jobs
 * themselves (States.TaskFailed) and invalid events are not retried: they would fail again.
 *
 * Every SageMaker job has a StoppingCondition and is named `<jobPrefix>-<suffix>`, where jobPrefix
 * comes from CreateExperiment and is unique per execution (see lambda/shared/names.ts). Each run
 * writes under `<outputS3Uri>/<jobPrefix>/`: train/, validation/, test/ (preprocess), model/
 * (training job output) and evaluation/evaluation.json.
 *
 * The three jobs run the scripts of `training/` from one S3 prefix (`codeS3Uri`, which must hold
 * preprocess.py, train.py, evaluate.py and model_format.py) in SageMaker's prebuilt scikit-learn
 * image, started with an explicit `python3 <script>` entrypoint and explicit paths.
 */
import { JOB_SUFFIXES, MAX_PIPELINE_NAME_LENGTH, PIPELINE_NAME } from "../../contracts/training-run";
import { ECR_IMAGE, S3_URI, SAGEMAKER_NAME } from "../../contracts/patterns";

// ---------------------------------------------------------------------------------------------
// Amazon States Language types (the subset this workflow uses)

/** A Parameters / ResultSelector payload template: keys ending in `.$` hold paths or intrinsics. */
export interface PayloadTemplate {
  readonly [key: string]: PayloadValue;
}
export type PayloadValue = string | number | boolean | null | readonly PayloadValue[] | PayloadTemplate;

export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds: number;
  readonly MaxAttempts: number;
  readonly BackoffRate: number;
  readonly MaxDelaySeconds: number;
  readonly JitterStrategy: "FULL" | "NONE";
}

export interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly ResultPath: string;
  readonly Next: string;
}

export interface TaskState {
  readonly Type: "Task";
  readonly Comment?: string;
  readonly Resource: string;
  readonly Parameters: PayloadTemplate;
  readonly ResultSelector?: PayloadTemplate;
  readonly ResultPath: string;
  readonly TimeoutSeconds: number;
  readonly Retry: readonly Retrier[];
  readonly Catch: readonly Catcher[];
  readonly Next: string;
}

export interface ChoiceState {
  readonly Type: "Choice";
  readonly Comment?: string;
  readonly Choices: readonly { readonly Variable: string; readonly BooleanEquals: boolean; readonly Next: string }[];
  readonly Default: string;
}

export interface SucceedState {
  readonly Type: "Succeed";
  readonly Comment?: string;
}

export interface FailState {
  readonly Type: "Fail";
  readonly Comment?: string;
  readonly ErrorPath: string;
  readonly CausePath: string;
}

export type State = TaskState | ChoiceState | SucceedState | FailState;

export interface StateMachineDefinition {
  readonly Comment: string;
  readonly StartAt: string;
  readonly States: Readonly<Record<string, State>>;
}

// ---------------------------------------------------------------------------------------------
// Arguments

/** Compute for one SageMaker job. */
export interface JobResources {
  /** ML instance type, e.g. `ml.m5.large`. */
  readonly instanceType: string;
  /**
   * Number of instances.
   * @default 1
   */
  readonly instanceCount?: number;
  /**
   * Size of each instance's ML storage volume in GB.
   * @default 30
   */
  readonly volumeSizeGb?: number;
  /** StoppingCondition.MaxRuntimeInSeconds: the job is stopped after this long. */
  readonly maxRuntimeSeconds: number;
}

/** Options of training/train.py; each left out keeps the trainer's own default. */
export interface TrainerHyperparameters {
  /** Boosting rounds, 1-5000. @default the trainer's (100) */
  readonly nEstimators?: number;
  /** Tree depth, 1-32. @default the trainer's (3) */
  readonly maxDepth?: number;
  /** Learning rate, in (0, 1]. @default the trainer's (0.1) */
  readonly learningRate?: number;
  /** Random seed, 0-4294967295. @default the trainer's (0) */
  readonly randomState?: number;
}

export interface TrainingDefinitionArgs {
  /** ARN of the create-experiment Lambda. */
  readonly createExperimentFunctionArn: string;
  /** ARN of the evaluate-results Lambda. */
  readonly evaluateResultsFunctionArn: string;
  /** ARN of the register-model Lambda. */
  readonly registerModelFunctionArn: string;
  /** Execution role of the SageMaker jobs (passed to SageMaker by the state machine). */
  readonly sagemakerRoleArn: string;
  /** Image of the two processing jobs (SageMaker's prebuilt scikit-learn image of the region). */
  readonly processingImageUri: string;
  /** Image of the training job (the same prebuilt scikit-learn image). */
  readonly trainingImageUri: string;
  /** Image recorded in registered model packages (the inference service's image). */
  readonly inferenceImageUri: string;
  /** Prefix the preprocessing job reads: the feature group's offline store (or plain CSV). */
  readonly dataS3Uri: string;
  /** Prefix under which every run writes `<jobPrefix>/...`. */
  readonly outputS3Uri: string;
  /** Prefix holding preprocess.py, train.py, evaluate.py and model_format.py. */
  readonly codeS3Uri: string;
  /** Fixed start of every job name (the pipeline name); IAM policies scope SageMaker access to it. */
  readonly jobNamePrefix: string;
  /** Model package group that register-model adds versions to. */
  readonly modelPackageGroupName: string;
  /** Largest test RMSE a model may have to be registered. */
  readonly qualityThresholdRmse: number;
  readonly preprocessing: JobResources;
  readonly training: JobResources;
  readonly evaluation: JobResources;
  /**
   * Trainer options.
   * @default {} (the trainer's defaults)
   */
  readonly hyperparameters?: TrainerHyperparameters;
  /**
   * Run the jobs without network access (their S3 inputs and outputs still work).
   * @default true
   */
  readonly networkIsolation?: boolean;
  /**
   * KMS key for the jobs' storage volumes and outputs.
   * @default SageMaker's default encryption
   */
  readonly kmsKeyArn?: string;
  /**
   * TimeoutSeconds of each Lambda task; keep it above the functions' own timeout.
   * @default 120
   */
  readonly lambdaTaskTimeoutSeconds?: number;
}

// ---------------------------------------------------------------------------------------------
// Constants

/** Added to a job's MaxRuntimeInSeconds for its task's TimeoutSeconds: instance start-up and data transfer. */
export const JOB_TIMEOUT_MARGIN_SECONDS = 1800;
/** TimeoutSeconds of the S3 read of evaluation.json. */
export const READ_TIMEOUT_SECONDS = 60;
/** Upper bound for MaxAttempts of any retrier. */
export const MAX_RETRY_ATTEMPTS = 6;

export const STATE_NAMES = {
  createExperiment: "CreateExperiment",
  preprocess: "Preprocess",
  train: "Train",
  evaluate: "Evaluate",
  readEvaluation: "ReadEvaluation",
  evaluateResults: "EvaluateResults",
  shouldRegister: "ShouldRegister",
  registerModel: "RegisterModel",
  registered: "Registered",
  notRegistered: "NotRegistered",
  failed: "Failed",
} as const;

const LAMBDA_RETRY: Retrier = {
  ErrorEquals: [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "Lambda.ClientExecutionTimeoutException",
    // Thrown by the functions when SageMaker throttles them past the SDK's own retries.
    "ThrottlingException",
    // The functions are idempotent, so a timed-out attempt can be repeated.
    "States.Timeout",
  ],
  IntervalSeconds: 2,
  MaxAttempts: 4,
  BackoffRate: 2,
  MaxDelaySeconds: 30,
  JitterStrategy: "FULL",
};

const SAGEMAKER_RETRIES: readonly Retrier[] = [
  {
    ErrorEquals: ["SageMaker.AmazonSageMakerException", "ThrottlingException"],
    IntervalSeconds: 30,
    MaxAttempts: 5,
    BackoffRate: 2,
    MaxDelaySeconds: 300,
    JitterStrategy: "FULL",
  },
  {
    // Account quotas (e.g. concurrent jobs): wait longer for capacity to free up.
    ErrorEquals: ["SageMaker.ResourceLimitExceededException"],
    IntervalSeconds: 120,
    MaxAttempts: 3,
    BackoffRate: 2,
    MaxDelaySeconds: 600,
    JitterStrategy: "FULL",
  },
];

const S3_RETRY: Retrier = {
  ErrorEquals: ["S3.S3Exception", "S3.SdkClientException", "States.Timeout"],
  IntervalSeconds: 1,
  MaxAttempts: 3,
  BackoffRate: 2,
  MaxDelaySeconds: 10,
  JitterStrategy: "FULL",
};

const CATCH_ALL: readonly Catcher[] = [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: STATE_NAMES.failed }];

// Container paths of the jobs.
const PROCESSING = "/opt/ml/processing";
const PROCESSING_CODE = `${PROCESSING}/input/code`;
const TRAINING_INPUT = "/opt/ml/input/data";

// ---------------------------------------------------------------------------------------------
// Validation

const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]{1,512}$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9\/_-]+$/;
const INSTANCE_TYPE = /^ml\.[a-z0-9]+\.[a-z0-9]+$/;

/** Longest MaxRuntimeInSeconds SageMaker accepts: 7 days for processing, 28 days for training. */
const MAX_RUNTIME = { processing: 7 * 24 * 3600, training: 28 * 24 * 3600 };

function isInt(value: unknown, min: number, max: number): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

/**
 * Every problem with the arguments, each naming the argument (`args.training.instanceType: ...`);
 * empty when they are valid.
 */
export function trainingDefinitionArgProblems(args: TrainingDefinitionArgs): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, name: string, value: unknown, rule: string) => {
    if (!ok) problems.push(`args.${name}: ${JSON.stringify(value) ?? String(value)} ${rule}`);
  };
  const matches = (re: RegExp, v: unknown) => typeof v === "string" && re.test(v);

  for (const key of ["createExperimentFunctionArn", "evaluateResultsFunctionArn", "registerModelFunctionArn"] as const) {
    check(matches(LAMBDA_ARN, args[key]), key, args[key], "is not a Lambda function ARN");
  }
  check(matches(ROLE_ARN, args.sagemakerRoleArn), "sagemakerRoleArn", args.sagemakerRoleArn, "is not an IAM role ARN");
  for (const key of ["processingImageUri", "trainingImageUri", "inferenceImageUri"] as const) {
    check(matches(ECR_IMAGE, args[key]), key, args[key], "is not an ECR image reference (<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>)");
  }
  for (const key of ["dataS3Uri", "outputS3Uri", "codeS3Uri"] as const) {
    check(matches(S3_URI, args[key]), key, args[key], "is not an s3://bucket/prefix URI (letters, digits and _ . / = + @ - only)");
  }
  check(
    matches(PIPELINE_NAME, args.jobNamePrefix),
    "jobNamePrefix",
    args.jobNamePrefix,
    `must be 1-${MAX_PIPELINE_NAME_LENGTH} letters, digits and hyphens, starting and ending with a letter or digit`,
  );
  check(
    matches(SAGEMAKER_NAME, args.modelPackageGroupName) && args.modelPackageGroupName.length <= 63,
    "modelPackageGroupName",
    args.modelPackageGroupName,
    "must be 1-63 letters, digits and hyphens, starting and ending with a letter or digit",
  );
  check(
    typeof args.qualityThresholdRmse === "number" && Number.isFinite(args.qualityThresholdRmse) && args.qualityThresholdRmse > 0,
    "qualityThresholdRmse",
    args.qualityThresholdRmse,
    "must be a finite number > 0",
  );
  for (const [key, kind] of [["preprocessing", "processing"], ["training", "training"], ["evaluation", "processing"]] as const) {
    const job = args[key];
    if (job === undefined || job === null || typeof job !== "object") {
      problems.push(`args.${key}: missing (instanceType and maxRuntimeSeconds are required)`);
      continue;
    }
    check(matches(INSTANCE_TYPE, job.instanceType), `${key}.instanceType`, job.instanceType, "is not a SageMaker instance type (ml.<family>.<size>)");
    check(job.instanceCount === undefined || isInt(job.instanceCount, 1, 100), `${key}.instanceCount`, job.instanceCount, "must be an integer from 1 to 100");
    check(job.volumeSizeGb === undefined || isInt(job.volumeSizeGb, 1, 16384), `${key}.volumeSizeGb`, job.volumeSizeGb, "must be an integer from 1 to 16384");
    check(
      isInt(job.maxRuntimeSeconds, 1, MAX_RUNTIME[kind]),
      `${key}.maxRuntimeSeconds`,
      job.maxRuntimeSeconds,
      `must be an integer from 1 to ${MAX_RUNTIME[kind]}`,
    );
  }
  const hp = args.hyperparameters ?? {};
  check(hp.nEstimators === undefined || isInt(hp.nEstimators, 1, 5000), "hyperparameters.nEstimators", hp.nEstimators, "must be an integer from 1 to 5000");
  check(hp.maxDepth === undefined || isInt(hp.maxDepth, 1, 32), "hyperparameters.maxDepth", hp.maxDepth, "must be an integer from 1 to 32");
  check(
    hp.learningRate === undefined || (Number.isFinite(hp.learningRate) && hp.learningRate > 0 && hp.learningRate <= 1),
    "hyperparameters.learningRate",
    hp.learningRate,
    "must be a number in (0, 1]",
  );
  check(hp.randomState === undefined || isInt(hp.randomState, 0, 2 ** 32 - 1), "hyperparameters.randomState", hp.randomState, "must be an integer from 0 to 4294967295");
  check(args.kmsKeyArn === undefined || matches(KMS_KEY_ARN, args.kmsKeyArn), "kmsKeyArn", args.kmsKeyArn, "is not a KMS key or alias ARN");
  check(
    args.lambdaTaskTimeoutSeconds === undefined || isInt(args.lambdaTaskTimeoutSeconds, 1, 3600),
    "lambdaTaskTimeoutSeconds",
    args.lambdaTaskTimeoutSeconds,
    "must be an integer from 1 to 3600",
  );
  return problems;
}

/** Throws one Error listing every problem with the arguments. */
export function validateTrainingDefinitionArgs(args: TrainingDefinitionArgs): void {
  const problems = trainingDefinitionArgProblems(args);
  if (problems.length > 0) throw new Error(`invalid training workflow arguments: ${problems.join("; ")}`);
}

// ---------------------------------------------------------------------------------------------
// Building blocks

/** `s3://bucket/a/b/` → `s3://bucket/a/b` */
function trimSlash(uri: string): string {
  return uri.replace(/\/+$/, "");
}

/**
 * A path under the run's folder, evaluated by Step Functions: `<output>/<jobPrefix>/<rest>`.
 * Safe as a format string because S3_URI admits none of ' { } \.
 */
function runPath(outputS3Uri: string, rest: string): string {
  return `States.Format('${trimSlash(outputS3Uri)}/{}/${rest}', $.experiment.jobPrefix)`;
}

function jobNameExpression(suffix: string): string {
  return `States.Format('{}-${suffix}', $.experiment.jobPrefix)`;
}

function experimentConfig(displayName: string): PayloadTemplate {
  return {
    "ExperimentName.$": "$.experiment.experimentName",
    "TrialName.$": "$.experiment.trialName",
    TrialComponentDisplayName: displayName,
  };
}

function lambdaTask(functionArn: string, payload: PayloadTemplate, result: PayloadTemplate, resultPath: string, next: string, timeout: number, comment: string): TaskState {
  return {
    Type: "Task",
    Comment: comment,
    Resource: "arn:aws:states:::lambda:invoke",
    Parameters: { FunctionName: functionArn, Payload: payload },
    ResultSelector: result,
    ResultPath: resultPath,
    TimeoutSeconds: timeout,
    Retry: [LAMBDA_RETRY],
    Catch: CATCH_ALL,
    Next: next,
  };
}

function s3Input(name: string, uri: string, localPath: string, fromPath = false): PayloadTemplate {
  return {
    InputName: name,
    S3Input: {
      [fromPath ? "S3Uri.$" : "S3Uri"]: uri,
      LocalPath: localPath,
      S3DataType: "S3Prefix",
      S3InputMode: "File",
      S3DataDistributionType: "FullyReplicated",
    },
  };
}

function s3Output(name: string, uriExpression: string, localPath: string): PayloadTemplate {
  return { OutputName: name, S3Output: { "S3Uri.$": uriExpression, LocalPath: localPath, S3UploadMode: "EndOfJob" } };
}

function clusterConfig(job: JobResources, kmsKeyArn: string | undefined): PayloadTemplate {
  return {
    InstanceCount: job.instanceCount ?? 1,
    InstanceType: job.instanceType,
    VolumeSizeInGB: job.volumeSizeGb ?? 30,
    ...(kmsKeyArn === undefined ? {} : { VolumeKmsKeyId: kmsKeyArn }),
  };
}

interface ProcessingTask {
  readonly suffix: string;
  readonly script: string;
  readonly job: JobResources;
  readonly inputs: readonly PayloadTemplate[];
  readonly outputs: readonly PayloadTemplate[];
  readonly arguments: readonly string[];
  readonly result: string;
  readonly next: string;
  readonly comment: string;
}

function processingTask(args: TrainingDefinitionArgs, task: ProcessingTask): TaskState {
  return {
    Type: "Task",
    Comment: task.comment,
    Resource: "arn:aws:states:::sagemaker:createProcessingJob.sync",
    Parameters: {
      "ProcessingJobName.$": jobNameExpression(task.suffix),
      RoleArn: args.sagemakerRoleArn,
      AppSpecification: {
        ImageUri: args.processingImageUri,
        ContainerEntrypoint: ["python3", `${PROCESSING_CODE}/${task.script}`],
        ContainerArguments: [...task.arguments],
      },
      ProcessingResources: { ClusterConfig: clusterConfig(task.job, args.kmsKeyArn) },
      ProcessingInputs: [...task.inputs, s3Input("code", args.codeS3Uri, PROCESSING_CODE)],
      ProcessingOutputConfig: {
        Outputs: [...task.outputs],
        ...(args.kmsKeyArn === undefined ? {} : { KmsKeyId: args.kmsKeyArn }),
      },
      StoppingCondition: { MaxRuntimeInSeconds: task.job.maxRuntimeSeconds },
      NetworkConfig: { EnableNetworkIsolation: args.networkIsolation ?? true },
      ExperimentConfig: experimentConfig(task.suffix),
    },
    ResultSelector: { "jobName.$": "$.ProcessingJobName", "jobArn.$": "$.ProcessingJobArn" },
    ResultPath: task.result,
    TimeoutSeconds: task.job.maxRuntimeSeconds + JOB_TIMEOUT_MARGIN_SECONDS,
    Retry: SAGEMAKER_RETRIES,
    Catch: CATCH_ALL,
    Next: task.next,
  };
}

function trainingChannel(name: string, uri: string, fromPath: boolean, contentType?: string): PayloadTemplate {
  return {
    ChannelName: name,
    DataSource: {
      S3DataSource: { S3DataType: "S3Prefix", [fromPath ? "S3Uri.$" : "S3Uri"]: uri, S3DataDistributionType: "FullyReplicated" },
    },
    ...(contentType === undefined ? {} : { ContentType: contentType }),
  };
}

function trainerArguments(hp: TrainerHyperparameters): string[] {
  const options: [string, number | undefined][] = [
    ["--n-estimators", hp.nEstimators],
    ["--max-depth", hp.maxDepth],
    ["--learning-rate", hp.learningRate],
    ["--random-state", hp.randomState],
  ];
  return options.flatMap(([flag, value]) => (value === undefined ? [] : [flag, String(value)]));
}

// ---------------------------------------------------------------------------------------------
// The definition

/** The training workflow definition; throws (see validateTrainingDefinitionArgs) on bad arguments. */
export function buildTrainingDefinition(args: TrainingDefinitionArgs): StateMachineDefinition {
  validateTrainingDefinitionArgs(args);
  const out = trimSlash(args.outputS3Uri);
  const [, outBucket, outKey = ""] = /^s3:\/\/([^/]+)\/?(.*)$/.exec(out) ?? [];
  const evaluationKey = `${outKey === "" ? "" : `${outKey}/`}{}/evaluation/evaluation.json`;
  const lambdaTimeout = args.lambdaTaskTimeoutSeconds ?? 120;
  const S = STATE_NAMES;

  const states: Record<string, State> = {
    [S.createExperiment]: lambdaTask(
      args.createExperimentFunctionArn,
      {
        "executionName.$": "$$.Execution.Name",
        "executionStartTime.$": "$$.Execution.StartTime",
        "executionArn.$": "$$.Execution.Id",
        pipelineName: args.jobNamePrefix,
        dataPrefix: args.dataS3Uri,
      },
      {
        "experimentName.$": "$.Payload.experimentName",
        "trialName.$": "$.Payload.trialName",
        "jobPrefix.$": "$.Payload.jobPrefix",
      },
      "$.experiment",
      S.preprocess,
      lambdaTimeout,
      "Names the run (SageMaker experiment and trial) and its jobs.",
    ),
    [S.preprocess]: processingTask(args, {
      suffix: JOB_SUFFIXES.preprocess,
      script: "preprocess.py",
      job: args.preprocessing,
      inputs: [s3Input("data", args.dataS3Uri, `${PROCESSING}/input/data`)],
      outputs: ["train", "validation", "test"].map((split) => s3Output(split, runPath(out, split), `${PROCESSING}/${split}`)),
      arguments: [
        "--input-dir", `${PROCESSING}/input/data`,
        "--train-dir", `${PROCESSING}/train`,
        "--validation-dir", `${PROCESSING}/validation`,
        "--test-dir", `${PROCESSING}/test`,
      ],
      result: "$.preprocessing",
      next: S.train,
      comment: "Deduplicates the offline store and writes the 80/15/5 splits.",
    }),
    [S.train]: {
      Type: "Task",
      Comment: "Trains the gradient-boosted trees and writes model.json (in model.tar.gz).",
      Resource: "arn:aws:states:::sagemaker:createTrainingJob.sync",
      Parameters: {
        "TrainingJobName.$": jobNameExpression(JOB_SUFFIXES.train),
        RoleArn: args.sagemakerRoleArn,
        AlgorithmSpecification: {
          TrainingImage: args.trainingImageUri,
          TrainingInputMode: "File",
          ContainerEntrypoint: ["python3", `${TRAINING_INPUT}/code/train.py`],
          ContainerArguments: [
            "--train", `${TRAINING_INPUT}/train`,
            "--validation", `${TRAINING_INPUT}/validation`,
            "--output-dir", "/opt/ml/model",
            "--output-data-dir", "/opt/ml/output/data",
            ...trainerArguments(args.hyperparameters ?? {}),
          ],
        },
        InputDataConfig: [
          trainingChannel("train", runPath(out, "train/"), true, "text/csv"),
          trainingChannel("validation", runPath(out, "validation/"), true, "text/csv"),
          trainingChannel("code", args.codeS3Uri, false),
        ],
        OutputDataConfig: {
          "S3OutputPath.$": runPath(out, "model"),
          ...(args.kmsKeyArn === undefined ? {} : { KmsKeyId: args.kmsKeyArn }),
        },
        ResourceConfig: clusterConfig(args.training, args.kmsKeyArn),
        StoppingCondition: { MaxRuntimeInSeconds: args.training.maxRuntimeSeconds },
        EnableNetworkIsolation: args.networkIsolation ?? true,
        ExperimentConfig: experimentConfig(JOB_SUFFIXES.train),
      },
      ResultSelector: { "jobName.$": "$.TrainingJobName", "modelDataUrl.$": "$.ModelArtifacts.S3ModelArtifacts" },
      ResultPath: "$.training",
      TimeoutSeconds: args.training.maxRuntimeSeconds + JOB_TIMEOUT_MARGIN_SECONDS,
      Retry: SAGEMAKER_RETRIES,
      Catch: CATCH_ALL,
      Next: S.evaluate,
    },
    [S.evaluate]: processingTask(args, {
      suffix: JOB_SUFFIXES.evaluate,
      script: "evaluate.py",
      job: args.evaluation,
      inputs: [
        s3Input("model", "$.training.modelDataUrl", `${PROCESSING}/model`, true),
        s3Input("test", runPath(out, "test/"), `${PROCESSING}/test`, true),
      ],
      outputs: [s3Output("evaluation", runPath(out, "evaluation"), `${PROCESSING}/evaluation`)],
      arguments: [
        "--model-dir", `${PROCESSING}/model`,
        "--test-dir", `${PROCESSING}/test`,
        "--output-dir", `${PROCESSING}/evaluation`,
      ],
      result: "$.evaluationJob",
      next: S.readEvaluation,
      comment: "Scores model.json on the test split and writes evaluation.json.",
    }),
    [S.readEvaluation]: {
      Type: "Task",
      Comment: "Reads the evaluation report the Evaluate job wrote.",
      Resource: "arn:aws:states:::aws-sdk:s3:getObject",
      Parameters: { Bucket: outBucket, "Key.$": `States.Format('${evaluationKey}', $.experiment.jobPrefix)` },
      ResultSelector: { "report.$": "States.StringToJson($.Body)" },
      ResultPath: "$.evaluation",
      TimeoutSeconds: READ_TIMEOUT_SECONDS,
      Retry: [S3_RETRY],
      Catch: CATCH_ALL,
      Next: S.evaluateResults,
    },
    [S.evaluateResults]: lambdaTask(
      args.evaluateResultsFunctionArn,
      {
        evaluation: { "rmse.$": "$.evaluation.report.regression_metrics.rmse.value" },
        modelPackageGroupName: args.modelPackageGroupName,
        qualityThresholdRmse: args.qualityThresholdRmse,
      },
      {
        "rmse.$": "$.Payload.rmse",
        "baselineRmse.$": "$.Payload.baselineRmse",
        "passesThreshold.$": "$.Payload.passesThreshold",
        "improves.$": "$.Payload.improves",
        "register.$": "$.Payload.register",
        "reason.$": "$.Payload.reason",
      },
      "$.decision",
      S.shouldRegister,
      lambdaTimeout,
      "Compares the RMSE with the quality threshold and the best approved model.",
    ),
    [S.shouldRegister]: {
      Type: "Choice",
      Comment: "Register only a model within the threshold that beats the best approved one.",
      Choices: [{ Variable: "$.decision.register", BooleanEquals: true, Next: S.registerModel }],
      Default: S.notRegistered,
    },
    [S.registerModel]: lambdaTask(
      args.registerModelFunctionArn,
      {
        modelPackageGroupName: args.modelPackageGroupName,
        "modelDataUrl.$": "$.training.modelDataUrl",
        imageUri: args.inferenceImageUri,
        "evaluationS3Uri.$": runPath(out, "evaluation/evaluation.json"),
        "rmse.$": "$.decision.rmse",
        "modelVersion.$": "$.evaluation.report.model_version",
        "executionName.$": "$$.Execution.Name",
      },
      { "modelPackageArn.$": "$.Payload.modelPackageArn", "approvalStatus.$": "$.Payload.approvalStatus" },
      "$.registration",
      S.registered,
      lambdaTimeout,
      "Creates the model package version with its metrics.",
    ),
    [S.registered]: { Type: "Succeed", Comment: "A new model package version was registered." },
    [S.notRegistered]: {
      Type: "Succeed",
      Comment: "The model was not good enough to register; $.decision.reason says why.",
    },
    [S.failed]: {
      Type: "Fail",
      Comment: "A task failed after its retries; error and cause are the failing task's.",
      ErrorPath: "$.error.Error",
      CausePath: "$.error.Cause",
    },
  };
  return {
    Comment: `Training workflow of ${args.jobNamePrefix}: preprocess, train, evaluate, register.`,
    StartAt: S.createExperiment,
    States: states,
  };
}

// ---------------------------------------------------------------------------------------------
// Inspection helpers (also for policy checks on a parsed definition)

/** A state found by walking a definition; `path` names nested states as `Outer/Inner`. */
export interface FoundTask {
  readonly path: string;
  readonly state: Readonly<Record<string, unknown>>;
}

function statesOf(container: unknown): Record<string, unknown> | undefined {
  if (container === null || typeof container !== "object") return undefined;
  const states = (container as { States?: unknown }).States;
  return states !== null && typeof states === "object" ? (states as Record<string, unknown>) : undefined;
}

/**
 * Every Task state of a definition (an object or its JSON text), including those nested in
 * Parallel branches and Map processors, in definition order.
 */
export function listTaskStates(definition: unknown): FoundTask[] {
  const root = typeof definition === "string" ? (JSON.parse(definition) as unknown) : definition;
  const found: FoundTask[] = [];
  const walk = (container: unknown, prefix: string) => {
    for (const [name, raw] of Object.entries(statesOf(container) ?? {})) {
      if (raw === null || typeof raw !== "object") continue;
      const state = raw as Record<string, unknown>;
      const path = prefix === "" ? name : `${prefix}/${name}`;
      if (state.Type === "Task") found.push({ path, state });
      for (const branch of Array.isArray(state.Branches) ? state.Branches : []) walk(branch, path);
      if (state.ItemProcessor !== undefined) walk(state.ItemProcessor, path);
      if (state.Iterator !== undefined) walk(state.Iterator, path);
    }
  };
  walk(root, "");
  return found;
}

/**
 * Task states that lack a Retry with at least one bounded retrier (MaxAttempts 1-6) or a Catch;
 * each entry is `<path>: <what is missing>`. Empty when every Task is covered.
 */
export function tasksWithoutRetryOrCatch(definition: unknown): string[] {
  const problems: string[] = [];
  for (const { path, state } of listTaskStates(definition)) {
    const retry = Array.isArray(state.Retry) ? (state.Retry as Record<string, unknown>[]) : [];
    const bounded = retry.filter((r) => isInt(r.MaxAttempts, 1, MAX_RETRY_ATTEMPTS));
    if (retry.length === 0) problems.push(`${path}: no Retry`);
    else if (bounded.length !== retry.length) problems.push(`${path}: a retrier without MaxAttempts from 1 to ${MAX_RETRY_ATTEMPTS}`);
    if (!Array.isArray(state.Catch) || state.Catch.length === 0) problems.push(`${path}: no Catch`);
  }
  return problems;
}
