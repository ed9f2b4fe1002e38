// The training workflow's settings as one schema: every default, range and rule of a TrainingWorkflow is stated here
// once. The component resolves its args with it (`resolveTrainingWorkflowArgs`) and the stack config composes it as
// `edge-mlops:training`. Wiring from the rest of the stack (stack name, region, the inference image, protection,
// monitoring) is typed beside it and checked here too, so every bad arg fails before a resource is registered.
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { AWS_REGION, KMS_KEY_ARN, S3_BUCKET_NAME, SAGEMAKER_INSTANCE_TYPE } from "../../contracts/patterns";
import { PROJECT } from "../../contracts/project";
import { MODEL_APPROVAL_STATUSES } from "../../contracts/training-payloads";
import { MAX_PIPELINE_NAME_LENGTH, PIPELINE_NAME } from "../../contracts/training-run";
import { MAX_COOL_DOWN_HOURS, MIN_COOL_DOWN_HOURS } from "../../contracts/drift-retrain";
import { argError, int, resolveArgs, retentionDays as retention } from "../args";
import { validateThresholds, type MonitoringArgs } from "../observability/contract";

/** Versions of SageMaker's prebuilt scikit-learn container the job scripts run in. */
export const SKLEARN_VERSIONS = ["1.0-1", "1.2-1"] as const;

const sagemakerInstanceType = z.string().regex(SAGEMAKER_INSTANCE_TYPE, "must be a SageMaker instance type such as ml.m5.large");

/** Pipeline names are lowercase: SageMaker lowercases job names in ARNs, and IAM policies match those ARNs. */
const isPipelineName = (v: string) => PIPELINE_NAME.test(v) && v === v.toLowerCase();
const PIPELINE_NAME_RULE = `must be 1-${MAX_PIPELINE_NAME_LENGTH} lowercase letters, digits and hyphens, starting and ending with a letter or digit`;

export const trainingSettings = z.strictObject({
  /**
   * Start of every physical name and of every SageMaker job, experiment and trial name: 1-32 of a-z, 0-9 and '-'
   * (lowercase, because SageMaker lowercases names in job ARNs, which IAM policies match).
   * @default "edge-mlops-<stack>" (lowercased)
   */
  pipelineName: z.string().refine(isPipelineName, { message: PIPELINE_NAME_RULE }).optional(),
  /**
   * The data bucket: `existing` adopts a bucket by name (the component then creates no bucket resources and sets
   * nothing on it); otherwise the component creates one with the sibling settings. Never both.
   * @default {} (a new bucket keeping noncurrent versions 30 days)
   */
  dataBucket: z
    .strictObject({
      /** Adopt this bucket instead of creating one. */
      existing: z
        .strictObject({
          /** S3's bucket naming rules: 3-63 of a-z, 0-9, '.' and '-', no two adjacent periods. */
          bucketName: z
            .string()
            .regex(S3_BUCKET_NAME, "must be a valid S3 bucket name (3-63 of a-z, 0-9, '.' and '-')")
            .refine((v) => !v.includes(".."), { message: "must not contain two adjacent periods (S3's bucket naming rules)" }),
        })
        .optional(),
      /** Days noncurrent object versions of the created bucket are kept, 1-3650. @default 30 */
      noncurrentVersionDays: int(1, 3650).optional(),
    })
    .superRefine((b, ctx) => {
      if (b.existing !== undefined && b.noncurrentVersionDays !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["existing"],
          message: "cannot be combined with dataBucket.noncurrentVersionDays (a setting of a bucket the component creates); give one or the other",
        });
      }
    })
    .transform((b) => (b.existing !== undefined ? { existing: b.existing } : { noncurrentVersionDays: b.noncurrentVersionDays ?? 30 }))
    .prefault({}),
  /** Feature group online store (low-latency reads; billed per request). Changing it replaces the feature group. @default false */
  onlineStore: z.boolean().default(false),
  /** Instance type of the preprocessing and evaluation jobs. @default "ml.m5.large" */
  processingInstanceType: sagemakerInstanceType.default("ml.m5.large"),
  /** Instance type of the training job. @default "ml.m5.large" */
  trainingInstanceType: sagemakerInstanceType.default("ml.m5.large"),
  /**
   * Stopping condition of every job, 60-432000 s (432000 s, 5 days, is SageMaker's default quota for the longest
   * training job run time). @default 3600
   */
  maxRuntimeSeconds: int(60, 432000).default(3600),
  /** Version of SageMaker's prebuilt scikit-learn container (looked up per region). @default "1.2-1" */
  sklearnVersion: z.enum(SKLEARN_VERSIONS).default("1.2-1"),
  /** A model is registered only if its test RMSE (rings) is at most this, in (0, 100]. @default 2.5 */
  qualityThresholdRmse: z.number().positive().max(100).default(2.5),
  /** Approval status of newly registered model packages. Prod requires PendingManualApproval. @default "PendingManualApproval" */
  modelApproval: z.enum(MODEL_APPROVAL_STATUSES).default("PendingManualApproval"),
  /** The scheduled trigger (EventBridge Scheduler). */
  schedule: z
    .strictObject({
      /** Start the workflow on a schedule. Off by default: the Airflow DAG starts it. @default false */
      enabled: z.boolean().default(false),
      /** EventBridge Scheduler's `rate(<n> <unit>)` or `cron(...)`. @default "rate(7 days)" */
      expression: z
        .string()
        .regex(/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/, "must be rate(...) or cron(...)")
        .default("rate(7 days)"),
    })
    .prefault({}),
  /**
   * Retraining on drift (retrain.ts): an EventBridge rule on the inference service's drift alarms going to ALARM
   * starts the state machine through the drift-retrain Lambda, one run per cool-down window. Needs the wiring's
   * `driftAlarmPrefix` (nothing is built without it).
   */
  retrainOnDrift: z
    .strictObject({
      /** Start a training run when a drift alarm fires. @default true */
      enabled: z.boolean().default(true),
      /**
       * Length of the cool-down window in whole hours: at most one drift-started run per window (windows are aligned
       * to the epoch, so two runs can start as little as minutes apart across a window's edge). From 1 to 2160 (90
       * days: Step Functions frees an execution name 90 days after the execution closes, and a longer window could
       * then start a second run inside it). @default 24
       */
      coolDownHours: int(MIN_COOL_DOWN_HOURS, MAX_COOL_DOWN_HOURS).default(24),
    })
    .prefault({}),
  /**
   * Reserved (and maximum) concurrency of each workflow Lambda, 1-100. Each runs once per execution, so a few are
   * plenty where a cap is wanted. A reservation must leave the account's UnreservedConcurrentExecutions at 10 or more
   * (PutFunctionConcurrency), so in a new account whose concurrency quota is 10 any reservation fails: set it only
   * where the quota leaves room for every stack's reservations (components/lambda-function/args.ts).
   * @default undefined (unreserved)
   */
  lambdaReservedConcurrency: int(1, 100).optional(),
  /** Days the Lambda and state machine log groups keep logs (a CloudWatch Logs retention value). @default 30 */
  logRetentionDays: retention.default(30),
  /**
   * Log each execution's input and output. Off by default: state data may hold training data, and prod requires
   * false; a dev stack that wants it says so. Decided: false, the component's secure choice, over the stack config's
   * former true (every stack file states its value, so no plan changes). @default false
   */
  includeExecutionData: z.boolean().default(false),
  /**
   * Customer-managed KMS key (a key ARN) for the data bucket, the offline and online stores and the jobs' volumes and
   * outputs. @default SSE-S3 on the bucket, AWS-managed keys elsewhere
   */
  kmsKeyArn: z.string().regex(KMS_KEY_ARN, "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)").optional(),
});

/** A TrainingWorkflow's settings as given (defaults optional). */
export type TrainingSettingsInput = z.input<typeof trainingSettings>;
/** A TrainingWorkflow's settings with every default applied. */
export type TrainingSettings = z.output<typeof trainingSettings>;

/** What a TrainingWorkflow takes from the rest of the stack. */
export interface TrainingWorkflowWiring {
  /** Stack name; the SSM parameters live under `/edge-mlops/<stack>/` (1-100 letters, digits, '-', '_' and '.'). */
  readonly stack: string;
  /** Region of the stack; names ARNs in the IAM documents. */
  readonly region: string;
  /** Image recorded as the inference image of registered model packages (the inference service's ECR image). */
  readonly inferenceImageUri: pulumi.Input<string>;
  /** Protect the stateful resources (data bucket, feature group, model package group): the stack's `protect`. */
  readonly protect: boolean;
  /**
   * The stack's alarm topic and thresholds: with it the workflow alarms on failed, timed-out and aborted executions
   * and on each Lambda's errors (more than `thresholds.lambdaErrors` per period) and throttles.
   * @default undefined (no alarms; the dashboard widgets still exist)
   */
  readonly monitoring?: MonitoringArgs;
  /**
   * Name prefix of the inference service's drift alarms (InferenceService.driftAlarmPrefix): the retraining rule
   * matches it. @default undefined (no retraining on drift)
   */
  readonly driftAlarmPrefix?: string;
}

export type TrainingWorkflowArgs = TrainingSettingsInput & TrainingWorkflowWiring;

/** A drift alarm name prefix: 1-240 printable ASCII characters (alarm names are at most 255 and go on after it). */
function checkDriftAlarmPrefix(component: string, prefix: string): string {
  if (!/^[\x20-\x7e]{1,240}$/.test(prefix)) {
    argError(component, "driftAlarmPrefix", `must be 1-240 printable ASCII characters (CloudWatch alarm names are at most 255), got ${JSON.stringify(prefix)}`);
  }
  return prefix;
}

/** Stack names as SSM parameter path segments take them. */
const STACK = /^[a-zA-Z0-9_.-]{1,100}$/;

/** The settings a TrainingWorkflow is built from, defaults applied. @throws ArgError naming the first bad arg. */
export function resolveTrainingWorkflowArgs(args: TrainingWorkflowArgs) {
  const C = "TrainingWorkflow";
  if (!STACK.test(args.stack)) argError(C, "stack", `must be 1-100 letters, digits, '-', '_' or '.', got ${JSON.stringify(args.stack)}`);
  if (!AWS_REGION.test(args.region)) argError(C, "region", `must be an AWS region name such as eu-west-1, got ${JSON.stringify(args.region)}`);
  const settings = resolveArgs(C, trainingSettings, args);
  const pipelineName = settings.pipelineName ?? `${PROJECT}-${args.stack.toLowerCase()}`;
  if (!isPipelineName(pipelineName)) argError(C, "pipelineName", `the default 'edge-mlops-<stack>' is '${pipelineName}', which ${PIPELINE_NAME_RULE}; set pipelineName`);
  return {
    ...settings,
    stack: args.stack,
    region: args.region,
    protect: args.protect,
    pipelineName,
    /** Start of a created bucket's name: at most 37 characters, as S3 allows for a prefix. */
    bucketPrefix: `${pipelineName.slice(0, 31).replace(/-+$/, "")}-data-`,
    featureGroupName: `${pipelineName}-abalone`,
    modelPackageGroupName: `${pipelineName}-abalone`,
    stateMachineName: `${pipelineName}-training`,
    monitoring: args.monitoring && { alarmTopicArn: args.monitoring.alarmTopicArn, thresholds: validateThresholds(C, args.monitoring.thresholds) },
    driftAlarmPrefix: args.driftAlarmPrefix === undefined ? undefined : checkDriftAlarmPrefix(C, args.driftAlarmPrefix),
  };
}

/** A TrainingWorkflow's resolved settings, as its builders take them. */
export type ResolvedTrainingWorkflowArgs = ReturnType<typeof resolveTrainingWorkflowArgs>;
