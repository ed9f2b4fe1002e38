/**
 * The building blocks of the training workflow's definition (definition.ts): the Lambda, processing-job and
 * training-job task shapes, their retriers and catcher, and paths into the execution's state.
 *
 * Every Task has a TimeoutSeconds, a bounded Retry for throttling and transient service errors (exponential backoff,
 * capped delay, full jitter) and a Catch of States.ALL. Failures of the jobs themselves (States.TaskFailed) and
 * invalid events are not retried: they would fail again. A Lambda task keeps the fields of the function's result that
 * contracts/training-payloads.ts names (KEPT_RESULTS) at `$.<key>`, and later states read them only through `runState`.
 */
import { KEPT_RESULTS, type TrainingRunState } from "../../contracts/training-payloads";
import { selectPayloadFields, type Catcher, type PayloadTemplate, type Retrier, type TaskState } from "./asl";
import type { JobResources, TrainingDefinitionArgs } from "./definition-args";

/** Added to a job's MaxRuntimeInSeconds for its task's TimeoutSeconds: instance start-up and data transfer. */
export const JOB_TIMEOUT_MARGIN_SECONDS = 1800;
/** TimeoutSeconds of the S3 read of evaluation.json. */
export const READ_TIMEOUT_SECONDS = 60;

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

/** Retries of a Lambda task: invocation errors, throttling and timeouts (the functions are idempotent). */
export const LAMBDA_RETRY: Retrier = {
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

export const SAGEMAKER_RETRIES: readonly Retrier[] = [
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

export const S3_RETRY: Retrier = {
  ErrorEquals: ["S3.S3Exception", "S3.SdkClientException", "States.Timeout"],
  IntervalSeconds: 1,
  MaxAttempts: 3,
  BackoffRate: 2,
  MaxDelaySeconds: 10,
  JitterStrategy: "FULL",
};

export const CATCH_ALL: readonly Catcher[] = [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: STATE_NAMES.failed }];

// Container paths of the jobs.
export const PROCESSING = "/opt/ml/processing";
const PROCESSING_CODE = `${PROCESSING}/input/code`;
export const TRAINING_INPUT = "/opt/ml/input/data";

/** The path of a kept function result in the execution's state: `$.<key>.<field>`. */
export function runState<K extends keyof TrainingRunState>(key: K, field: keyof TrainingRunState[K] & string): string {
  return `$.${key}.${field}`;
}

/** `s3://bucket/a/b/` → `s3://bucket/a/b` */
export function trimSlash(uri: string): string {
  return uri.replace(/\/+$/, "");
}

/**
 * A path under the run's folder, evaluated by Step Functions: `<output>/<jobPrefix>/<rest>`.
 * Safe as a format string because S3_URI admits none of ' { } \.
 */
export function runPath(outputS3Uri: string, rest: string): string {
  return `States.Format('${trimSlash(outputS3Uri)}/{}/${rest}', ${runState("experiment", "jobPrefix")})`;
}

export function jobNameExpression(suffix: string): string {
  return `States.Format('{}-${suffix}', ${runState("experiment", "jobPrefix")})`;
}

export function experimentConfig(displayName: string): PayloadTemplate {
  return {
    "ExperimentName.$": runState("experiment", "experimentName"),
    "TrialName.$": runState("experiment", "trialName"),
    TrialComponentDisplayName: displayName,
  };
}

/** Invokes a workflow function and keeps the fields of its result that KEPT_RESULTS names at `$.<keep>`. */
export function lambdaTask(
  functionArn: string,
  payload: PayloadTemplate,
  keep: keyof typeof KEPT_RESULTS,
  next: string,
  timeout: number,
  comment: string,
): TaskState {
  return {
    Type: "Task",
    Comment: comment,
    Resource: "arn:aws:states:::lambda:invoke",
    Parameters: { FunctionName: functionArn, Payload: payload },
    ResultSelector: selectPayloadFields(KEPT_RESULTS[keep]),
    ResultPath: `$.${keep}`,
    TimeoutSeconds: timeout,
    Retry: [LAMBDA_RETRY],
    Catch: CATCH_ALL,
    Next: next,
  };
}

export function s3Input(name: string, uri: string, localPath: string, fromPath = false): PayloadTemplate {
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

export function s3Output(name: string, uriExpression: string, localPath: string): PayloadTemplate {
  return { OutputName: name, S3Output: { "S3Uri.$": uriExpression, LocalPath: localPath, S3UploadMode: "EndOfJob" } };
}

export function clusterConfig(job: JobResources, kmsKeyArn: string | undefined): PayloadTemplate {
  return {
    InstanceCount: job.instanceCount ?? 1,
    InstanceType: job.instanceType,
    VolumeSizeInGB: job.volumeSizeGb ?? 30,
    ...(kmsKeyArn === undefined ? {} : { VolumeKmsKeyId: kmsKeyArn }),
  };
}

export interface ProcessingTask {
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

export function processingTask(args: TrainingDefinitionArgs, task: ProcessingTask): TaskState {
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

export function trainingChannel(name: string, uri: string, fromPath: boolean, contentType?: string): PayloadTemplate {
  return {
    ChannelName: name,
    DataSource: {
      S3DataSource: { S3DataType: "S3Prefix", [fromPath ? "S3Uri.$" : "S3Uri"]: uri, S3DataDistributionType: "FullyReplicated" },
    },
    ...(contentType === undefined ? {} : { ContentType: contentType }),
  };
}
