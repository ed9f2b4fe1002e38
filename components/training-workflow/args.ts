// The training workflow's settings as one schema: every default, range and rule of a TrainingWorkflow is stated here
// once. The component resolves its args with it and the stack config composes it as `edge-mlops:training`.
import { z } from "zod";
import { S3_BUCKET_NAME, SAGEMAKER_INSTANCE_TYPE } from "../../contracts/patterns";
import { int, retentionDays as retention } from "../args";

const sagemakerInstanceType = z.string().regex(SAGEMAKER_INSTANCE_TYPE, "must be a SageMaker instance type such as ml.m5.large");

export const trainingSettings = z.strictObject({
  dataBucket: z
    .strictObject({
      /** Use this existing bucket instead of creating one. */
      existingBucketName: z.string().regex(S3_BUCKET_NAME, "must be a valid S3 bucket name (3-63 of a-z, 0-9, '.' and '-')").optional(),
      /** Days noncurrent object versions are kept. @default 30 */
      noncurrentVersionDays: int(1, 3650).default(30),
    })
    .prefault({}),
  /** Feature group online store (low-latency reads; billed per request). @default false */
  onlineStore: z.boolean().default(false),
  /** @default "ml.m5.large" */
  processingInstanceType: sagemakerInstanceType.default("ml.m5.large"),
  /** @default "ml.m5.large" */
  trainingInstanceType: sagemakerInstanceType.default("ml.m5.large"),
  /** Stopping condition of every job. @default 3600 */
  maxRuntimeSeconds: int(60, 432000).default(3600),
  /** Version of SageMaker's prebuilt scikit-learn container. @default "1.2-1" */
  sklearnVersion: z.enum(["1.0-1", "1.2-1"]).default("1.2-1"),
  /** A model is registered only if its test RMSE (rings) is at most this. @default 2.5 */
  qualityThresholdRmse: z.number().positive().max(100).default(2.5),
  /** Approval status of newly registered models. @default "PendingManualApproval" */
  modelApproval: z.enum(["Approved", "PendingManualApproval"]).default("PendingManualApproval"),
  schedule: z
    .strictObject({
      /** Start the workflow on a schedule (EventBridge Scheduler). Airflow starts it when enabled. @default false */
      enabled: z.boolean().default(false),
      /** @default "rate(7 days)" */
      expression: z
        .string()
        .regex(/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/, "must be rate(...) or cron(...)")
        .default("rate(7 days)"),
    })
    .prefault({}),
  /** Reserved concurrency of each workflow Lambda. @default 2 */
  lambdaReservedConcurrency: int(1, 100).default(2),
  /** @default 30 */
  logRetentionDays: retention.default(30),
  /** Log execution input and output (may hold data); never in prod. @default true */
  includeExecutionData: z.boolean().default(true),
});

/** A TrainingWorkflow's settings as given (defaults optional). */
export type TrainingSettingsInput = z.input<typeof trainingSettings>;
/** A TrainingWorkflow's settings with every default applied. */
export type TrainingSettings = z.output<typeof trainingSettings>;
