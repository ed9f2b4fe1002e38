// The SageMaker training workflow: a data bucket (or an existing one), the abalone feature group with its offline store
// in that bucket, the model package group, the job scripts of `training/`, a least-privilege SageMaker execution role,
// the three workflow Lambdas, the Step Functions state machine (logged and traced) that runs
//   create experiment → preprocess → train → evaluate → evaluate results → register
// an optional EventBridge Scheduler trigger, and SSM parameters naming all of it for the Airflow DAG and operators.
//
// Monitoring (components/observability/contract.ts): given `monitoring`, the workflow alarms on failed, timed-out and
// aborted executions and on each Lambda's errors and throttles (./monitoring.ts); `widgets` is its part of the dashboard.
//
// Names: every physical name starts with the pipeline name (`edge-mlops-<stack>` unless given), which is also the
// start of every SageMaker job, experiment and trial name, so IAM policies can scope SageMaker access to it.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LOG_RETENTION_DAYS } from "../../contracts/log-retention";
import { PROJECT } from "../../contracts/project";
import { serviceTrustPolicy, sourceAccountCondition, type PolicyStatement } from "../iam";
import { LambdaFunction } from "../lambda-function";
import { createAlarm } from "../observability/alarms";
import { validateThresholds, type Monitored, type MonitoringArgs } from "../observability/contract";
import type { Widget } from "../observability/widgets";
import { SecureBucket } from "../secure-bucket";
import { buildTrainingDefinition } from "./definition";
import { trainingAlarmSpecs, trainingWidgets, type TrainingMetricRefs, type WorkflowLambda } from "./monitoring";
import {
  createExperimentStatements,
  evaluateResultsStatements,
  featureStorePolicy,
  PREFIXES,
  registerModelStatements,
  sagemakerExecutionPolicy,
  schedulerPolicy,
  SKLEARN_REPOSITORY,
  stateMachinePolicy,
} from "./policies";

export { PREFIXES, WILDCARD_RESOURCE_ACTIONS } from "./policies";
export { trainingAlarmSpecs, trainingWidgets, WORKFLOW_LAMBDAS, type TrainingMetricRefs, type WorkflowLambda } from "./monitoring";

/** Versions of SageMaker's prebuilt scikit-learn container the job scripts run in. */
export const SKLEARN_VERSIONS = ["1.0-1", "1.2-1"] as const;
export type SklearnVersion = (typeof SKLEARN_VERSIONS)[number];
export type ModelApproval = "Approved" | "PendingManualApproval";

/** The repository's `training/` folder. */
export const TRAINING_DIR = path.resolve(__dirname, "..", "..", "training");
/** The job scripts uploaded under PREFIXES.code; the state machine runs them from there. */
export const TRAINING_SCRIPTS = ["preprocess.py", "train.py", "evaluate.py", "model_format.py"] as const;

/** The abalone features, shared with the Airflow DAG's `airflow/dags/feature_ingest.py`. */
export const RECORD_IDENTIFIER_FEATURE = "record_id";
export const EVENT_TIME_FEATURE = "event_time";
export const ABALONE_FEATURES: readonly { readonly featureName: string; readonly featureType: "String" | "Fractional" | "Integral" }[] = [
  { featureName: RECORD_IDENTIFIER_FEATURE, featureType: "String" },
  { featureName: EVENT_TIME_FEATURE, featureType: "String" },
  { featureName: "sex", featureType: "String" },
  ...["length", "diameter", "height", "whole_weight", "shucked_weight", "viscera_weight", "shell_weight"].map((featureName) => ({
    featureName,
    featureType: "Fractional" as const,
  })),
  { featureName: "rings", featureType: "Integral" },
];

/** Timeout of each workflow Lambda; the state machine's Lambda tasks wait 120 s (definition.ts), above this. */
export const LAMBDA_TIMEOUT_SECONDS = 60;

export interface DataBucketChoice {
  /** Use this existing bucket (by name) instead of creating one; the component then creates no bucket resources. */
  readonly existingBucketName?: string;
  /** Days noncurrent object versions of a created bucket are kept, 1 to 3650 (unused with an existing bucket). @default 30 */
  readonly noncurrentVersionDays?: number;
}

export interface ScheduleArgs {
  /** Start the workflow on a schedule (EventBridge Scheduler). Airflow starts it when enabled. @default false */
  readonly enabled?: boolean;
  /** `rate(...)` or `cron(...)`. @default "rate(7 days)" */
  readonly expression?: string;
}

export interface TrainingWorkflowArgs {
  /** Stack name; the SSM parameters live under `/edge-mlops/<stack>/`. Letters, digits, '-', '_' and '.'. */
  readonly stack: string;
  /** Region of the stack; names ARNs in the IAM documents. */
  readonly region: string;
  /** Image recorded as the inference image of registered model packages (the inference service's ECR image). */
  readonly inferenceImageUri: pulumi.Input<string>;
  /**
   * Start of every physical name and of every SageMaker job, experiment and trial name: 1-32 of a-z, 0-9 and '-'
   * (lowercase, because SageMaker lowercases names in job ARNs, which IAM policies match).
   * @default "edge-mlops-<stack>" (lowercased)
   */
  readonly pipelineName?: string;
  /** The data bucket: a new one (the default) or an existing one by name. @default {} (a new bucket, 30 days) */
  readonly dataBucket?: DataBucketChoice;
  /**
   * Give the feature group an online store (low-latency reads, billed per request). Changing it replaces the feature
   * group. @default false
   */
  readonly onlineStore?: boolean;
  /** Instance type of the preprocessing and evaluation jobs. @default "ml.m5.large" */
  readonly processingInstanceType?: string;
  /** Instance type of the training job. @default "ml.m5.large" */
  readonly trainingInstanceType?: string;
  /** Stopping condition of every job, 60 to 432000 s. @default 3600 */
  readonly maxRuntimeSeconds?: number;
  /** Version of SageMaker's prebuilt scikit-learn container (looked up per region). @default "1.2-1" */
  readonly sklearnVersion?: SklearnVersion;
  /** A model is registered only if its test RMSE (rings) is at most this, in (0, 100]. @default 2.5 */
  readonly qualityThresholdRmse?: number;
  /** Approval status of newly registered model packages. @default "PendingManualApproval" */
  readonly modelApproval?: ModelApproval;
  /** Scheduled trigger. @default { enabled: false } */
  readonly schedule?: ScheduleArgs;
  /** Reserved (and maximum) concurrency of each workflow Lambda, 1 to 1000. @default 2 */
  readonly lambdaReservedConcurrency?: number;
  /** Days the Lambda and state machine log groups keep logs (a CloudWatch Logs retention value). @default 30 */
  readonly logRetentionDays?: number;
  /**
   * Log each execution's input and output (state data may hold training data); the loosening a dev stack may choose.
   * @default false
   */
  readonly includeExecutionData?: boolean;
  /**
   * Customer-managed KMS key (ARN) for the data bucket, the offline and online stores and the jobs' volumes and
   * outputs. @default SSE-S3 on the bucket, AWS-managed keys elsewhere
   */
  readonly kmsKeyArn?: string;
  /** Protect the stateful resources (data bucket, feature group, model package group). @default false */
  readonly protect?: boolean;
  /**
   * The stack's alarm topic and thresholds: with it the workflow alarms on failed, timed-out and aborted executions
   * and on each Lambda's errors (more than `thresholds.lambdaErrors` per period) and throttles.
   * @default undefined (no alarms; the dashboard widgets still exist)
   */
  readonly monitoring?: MonitoringArgs;
}

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const STACK = /^[a-zA-Z0-9_.-]{1,100}$/;
const PIPELINE = /^[a-z0-9](-*[a-z0-9]){0,31}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const INSTANCE_TYPE = /^ml\.[a-z0-9]+\.[a-z0-9]+$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const SCHEDULE = /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/;

function fail(problem: string): never {
  throw new Error(`TrainingWorkflow: ${problem}`);
}

function integer(arg: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) fail(`${arg} must be an integer from ${min} to ${max}, got ${value}`);
  return value;
}

/** The settings a TrainingWorkflow is built from, defaults applied. Throws on impossible args, naming the arg. */
export function resolveTrainingWorkflowArgs(args: TrainingWorkflowArgs) {
  if (!STACK.test(args.stack ?? "")) fail(`stack '${args.stack}' must be 1-100 letters, digits, '-', '_' or '.'`);
  if (!REGION.test(args.region ?? "")) fail(`region '${args.region}' is not an AWS region name such as eu-west-1`);
  const pipelineName = args.pipelineName ?? `${PROJECT}-${args.stack.toLowerCase()}`;
  if (!PIPELINE.test(pipelineName)) {
    fail(
      `pipelineName '${pipelineName}'${args.pipelineName === undefined ? " (the default, edge-mlops-<stack>)" : ""} must be 1-32 ` +
        "lowercase letters, digits and hyphens, starting and ending with a letter or digit",
    );
  }
  const existingBucketName = args.dataBucket?.existingBucketName;
  if (existingBucketName !== undefined && (!BUCKET.test(existingBucketName) || existingBucketName.includes(".."))) {
    fail(`dataBucket.existingBucketName '${existingBucketName}' is not a valid S3 bucket name`);
  }
  const noncurrentVersionDays = integer("dataBucket.noncurrentVersionDays", args.dataBucket?.noncurrentVersionDays ?? 30, 1, 3650);
  const processingInstanceType = args.processingInstanceType ?? "ml.m5.large";
  if (!INSTANCE_TYPE.test(processingInstanceType)) fail(`processingInstanceType '${processingInstanceType}' is not a SageMaker instance type such as ml.m5.large`);
  const trainingInstanceType = args.trainingInstanceType ?? "ml.m5.large";
  if (!INSTANCE_TYPE.test(trainingInstanceType)) fail(`trainingInstanceType '${trainingInstanceType}' is not a SageMaker instance type such as ml.m5.large`);
  const maxRuntimeSeconds = integer("maxRuntimeSeconds", args.maxRuntimeSeconds ?? 3600, 60, 432000);
  const sklearnVersion = args.sklearnVersion ?? "1.2-1";
  if (!(SKLEARN_VERSIONS as readonly string[]).includes(sklearnVersion)) {
    fail(`sklearnVersion '${sklearnVersion}' must be one of ${SKLEARN_VERSIONS.join(", ")}`);
  }
  const qualityThresholdRmse = args.qualityThresholdRmse ?? 2.5;
  if (!Number.isFinite(qualityThresholdRmse) || qualityThresholdRmse <= 0 || qualityThresholdRmse > 100) {
    fail(`qualityThresholdRmse must be a number in (0, 100], got ${qualityThresholdRmse}`);
  }
  const modelApproval = args.modelApproval ?? "PendingManualApproval";
  if (modelApproval !== "Approved" && modelApproval !== "PendingManualApproval") {
    fail(`modelApproval '${String(modelApproval)}' must be Approved or PendingManualApproval`);
  }
  const schedule = { enabled: args.schedule?.enabled ?? false, expression: args.schedule?.expression ?? "rate(7 days)" };
  if (!SCHEDULE.test(schedule.expression)) fail(`schedule.expression '${schedule.expression}' must be rate(<n> <unit>) or cron(...)`);
  const lambdaReservedConcurrency = integer("lambdaReservedConcurrency", args.lambdaReservedConcurrency ?? 2, 1, 1000);
  const logRetentionDays = args.logRetentionDays ?? 30;
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    fail(`logRetentionDays ${logRetentionDays} is not a CloudWatch Logs retention value (${LOG_RETENTION_DAYS.join(", ")})`);
  }
  if (args.kmsKeyArn !== undefined && !KMS_KEY_ARN.test(args.kmsKeyArn)) {
    fail(`kmsKeyArn '${args.kmsKeyArn}' must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)`);
  }
  return {
    stack: args.stack,
    region: args.region,
    pipelineName,
    /** Start of a created bucket's name: at most 37 characters, as S3 allows for a prefix. */
    bucketPrefix: `${pipelineName.slice(0, 31).replace(/-+$/, "")}-data-`,
    featureGroupName: `${pipelineName}-abalone`,
    modelPackageGroupName: `${pipelineName}-abalone`,
    stateMachineName: `${pipelineName}-training`,
    dataBucket: { existingBucketName, noncurrentVersionDays },
    onlineStore: args.onlineStore ?? false,
    processingInstanceType,
    trainingInstanceType,
    maxRuntimeSeconds,
    sklearnVersion,
    qualityThresholdRmse,
    modelApproval,
    schedule,
    lambdaReservedConcurrency,
    logRetentionDays,
    includeExecutionData: args.includeExecutionData ?? false,
    kmsKeyArn: args.kmsKeyArn,
    protect: args.protect ?? false,
    monitoring: args.monitoring && { alarmTopicArn: args.monitoring.alarmTopicArn, thresholds: validateThresholds("TrainingWorkflow", args.monitoring.thresholds) },
  };
}

/** The SSM parameters, by key; each is `/edge-mlops/<stack>/<name>`. */
export const PARAMETER_NAMES = {
  dataBucket: "data-bucket",
  featureGroup: "feature-group",
  modelPackageGroup: "model-package-group",
  stateMachineArn: "state-machine-arn",
  monitoringBaselineUri: "monitoring-baseline-uri",
} as const;
export type ParameterKey = keyof typeof PARAMETER_NAMES;

export interface WorkflowLambdas {
  readonly createExperiment: LambdaFunction;
  readonly evaluateResults: LambdaFunction;
  readonly registerModel: LambdaFunction;
}

export class TrainingWorkflow extends pulumi.ComponentResource implements Monitored {
  /** The created data bucket (undefined with `dataBucket.existingBucketName`). */
  public readonly dataBucket?: SecureBucket;
  public readonly dataBucketName: pulumi.Output<string>;
  public readonly dataBucketArn: pulumi.Output<string>;
  /** The job scripts under PREFIXES.code. */
  public readonly scripts: aws.s3.BucketObjectv2[];
  public readonly featureGroup: aws.sagemaker.FeatureGroup;
  public readonly featureGroupName: pulumi.Output<string>;
  public readonly featureGroupArn: pulumi.Output<string>;
  /**
   * Where the offline store writes its files, as SageMaker resolved it
   * (`s3://<bucket>/feature-store/<account>/sagemaker/<region>/offline-store/<group>-<created>/data`): what the
   * preprocessing job reads.
   */
  public readonly offlineStoreUri: pulumi.Output<string>;
  public readonly modelPackageGroup: aws.sagemaker.ModelPackageGroup;
  public readonly modelPackageGroupName: pulumi.Output<string>;
  /** Execution role of the processing and training jobs. */
  public readonly sagemakerRole: aws.iam.Role;
  public readonly lambdas: WorkflowLambdas;
  public readonly stateMachine: aws.sfn.StateMachine;
  public readonly stateMachineArn: pulumi.Output<string>;
  public readonly stateMachineName: pulumi.Output<string>;
  public readonly stateMachineLogGroup: aws.cloudwatch.LogGroup;
  /** The scheduled trigger, when enabled. */
  public readonly schedule?: aws.scheduler.Schedule;
  public readonly parameters: Readonly<Record<ParameterKey, aws.ssm.Parameter>>;
  /** Execution and Lambda alarms (see `trainingAlarmSpecs`); empty without `monitoring`. */
  public readonly alarms: aws.cloudwatch.MetricAlarm[] = [];
  /** The workflow's dashboard widgets: executions, Lambda errors, throttles and durations, alarm states. */
  public readonly widgets: pulumi.Output<Widget[]>;

  constructor(name: string, args: TrainingWorkflowArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edge-mlops:training:TrainingWorkflow", name, {}, opts);
    const s = resolveTrainingWorkflowArgs(args);
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;
    const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const scope = pulumi.all([partition, accountId]).apply(([p, a]) => ({ partition: p, region: s.region, accountId: a }));
    const kmsKeyArn = s.kmsKeyArn;
    /** Trust policy of a role the service assumes on behalf of this account only. */
    const trustedBy = (service: string) => accountId.apply((a) => JSON.stringify(serviceTrustPolicy(service, sourceAccountCondition(a))));

    // ---- data bucket ------------------------------------------------------------------------------------------------
    let bucketSettings: pulumi.Resource[] = [];
    if (s.dataBucket.existingBucketName !== undefined) {
      const existing = s.dataBucket.existingBucketName;
      this.dataBucketName = pulumi.output(existing);
      this.dataBucketArn = pulumi.interpolate`arn:${partition}:s3:::${existing}`;
    } else {
      this.dataBucket = new SecureBucket(
        `${name}-data`,
        { bucketPrefix: s.bucketPrefix, noncurrentVersionDays: s.dataBucket.noncurrentVersionDays, kmsKeyArn, protect: s.protect },
        // The data bucket was an `edge-mlops:training:DataBucket` before SecureBucket existed: keep its URN.
        { parent: this, aliases: [{ type: "edge-mlops:training:DataBucket" }] },
      );
      this.dataBucketName = this.dataBucket.bucketName;
      this.dataBucketArn = this.dataBucket.bucketArn;
      bucketSettings = this.dataBucket.settings;
    }
    const bucket = this.dataBucketName;
    const s3Uri = (prefix: string) => pulumi.interpolate`s3://${bucket}/${prefix}`;

    // ---- job scripts ------------------------------------------------------------------------------------------------
    this.scripts = TRAINING_SCRIPTS.map((file) => {
      const filePath = path.join(TRAINING_DIR, file);
      const sha256 = createHash("sha256").update(fs.readFileSync(filePath)).digest("hex");
      return new aws.s3.BucketObjectv2(
        `${name}-code-${file.replace(/\.py$/, "").replace(/_/g, "-")}`,
        { bucket, key: `${PREFIXES.code}${file}`, source: new pulumi.asset.FileAsset(filePath), sourceHash: sha256, contentType: "text/x-python" },
        // Written once the bucket's encryption and policy are in place.
        { parent: this, dependsOn: bucketSettings },
      );
    });

    // ---- feature group ----------------------------------------------------------------------------------------------
    const featureStoreRole = new aws.iam.Role(
      `${name}-feature-store-role`,
      { description: `SageMaker Feature Store: offline store of ${s.featureGroupName}`, assumeRolePolicy: trustedBy("sagemaker.amazonaws.com") },
      { parent: this },
    );
    const featureStoreRolePolicy = new aws.iam.RolePolicy(
      `${name}-feature-store-policy`,
      {
        role: featureStoreRole.id,
        policy: pulumi.all([scope, this.dataBucketArn]).apply(([sc, bucketArn]) => JSON.stringify(featureStorePolicy({ ...sc, bucketArn, kmsKeyArn }))),
      },
      { parent: this },
    );
    const offlineStoreS3Uri = s3Uri(PREFIXES.featureStore);
    this.featureGroup = new aws.sagemaker.FeatureGroup(
      `${name}-features`,
      {
        featureGroupName: s.featureGroupName,
        description: "Abalone measurements and rings, ingested by the continuous-training DAG",
        recordIdentifierFeatureName: RECORD_IDENTIFIER_FEATURE,
        eventTimeFeatureName: EVENT_TIME_FEATURE,
        featureDefinitions: ABALONE_FEATURES.map((f) => ({ featureName: f.featureName, featureType: f.featureType })),
        roleArn: featureStoreRole.arn,
        offlineStoreConfig: {
          s3StorageConfig: { s3Uri: offlineStoreS3Uri, ...(kmsKeyArn ? { kmsKeyId: kmsKeyArn } : {}) },
          // SageMaker creates the offline store's Glue table (database sagemaker_featurestore) for Athena queries.
          disableGlueTableCreation: false,
        },
        onlineStoreConfig: s.onlineStore
          ? { enableOnlineStore: true, ...(kmsKeyArn ? { securityConfig: { kmsKeyId: kmsKeyArn } } : {}) }
          : undefined,
      },
      // The feature store checks its role when the group is created.
      { parent: this, protect: s.protect, dependsOn: [featureStoreRolePolicy, ...bucketSettings] },
    );
    this.featureGroupName = this.featureGroup.featureGroupName;
    this.featureGroupArn = this.featureGroup.arn;
    // The provider reports the resolved location; the configured prefix (which holds only this group's store) is the
    // fallback should it ever be empty.
    this.offlineStoreUri = pulumi
      .all([this.featureGroup.offlineStoreConfig, offlineStoreS3Uri])
      .apply(([config, configured]) => config?.s3StorageConfig?.resolvedOutputS3Uri || configured);

    // ---- model registry ---------------------------------------------------------------------------------------------
    this.modelPackageGroup = new aws.sagemaker.ModelPackageGroup(
      `${name}-models`,
      { modelPackageGroupName: s.modelPackageGroupName, modelPackageGroupDescription: "Abalone rings regressors trained by the training workflow" },
      { parent: this, protect: s.protect },
    );
    this.modelPackageGroupName = this.modelPackageGroup.modelPackageGroupName;

    // ---- SageMaker execution role -----------------------------------------------------------------------------------
    const image = aws.sagemaker.getPrebuiltEcrImageOutput(
      { repositoryName: SKLEARN_REPOSITORY, imageTag: `${s.sklearnVersion}-cpu-py3` },
      { parent: this },
    );
    this.sagemakerRole = new aws.iam.Role(
      `${name}-sagemaker-role`,
      { description: `Processing and training jobs of ${s.pipelineName}`, assumeRolePolicy: trustedBy("sagemaker.amazonaws.com") },
      { parent: this },
    );
    const sagemakerRolePolicy = new aws.iam.RolePolicy(
      `${name}-sagemaker-policy`,
      {
        role: this.sagemakerRole.id,
        policy: pulumi
          .all([scope, this.dataBucketArn, image.registryId])
          .apply(([sc, bucketArn, imageRegistryId]) => JSON.stringify(sagemakerExecutionPolicy({ ...sc, bucketArn, imageRegistryId, kmsKeyArn }))),
      },
      { parent: this },
    );

    // ---- Lambdas ----------------------------------------------------------------------------------------------------
    const lambda = (suffix: string, description: string, statements: pulumi.Input<PolicyStatement[]>, environment?: Record<string, string>) =>
      new LambdaFunction(
        `${name}-${suffix}`,
        {
          folder: suffix,
          description,
          statements,
          environment,
          reservedConcurrency: s.lambdaReservedConcurrency,
          timeoutSeconds: LAMBDA_TIMEOUT_SECONDS,
          logRetentionDays: s.logRetentionDays,
        },
        { parent: this },
      );
    this.lambdas = {
      createExperiment: lambda(
        "create-experiment",
        `Names each run of ${s.stateMachineName} (SageMaker experiment and trial)`,
        scope.apply((sc) => createExperimentStatements(sc, s.pipelineName)),
      ),
      evaluateResults: lambda(
        "evaluate-results",
        `Decides whether a model trained by ${s.stateMachineName} is registered`,
        scope.apply((sc) => evaluateResultsStatements(sc, s.modelPackageGroupName)),
      ),
      registerModel: lambda(
        "register-model",
        `Registers models trained by ${s.stateMachineName} in ${s.modelPackageGroupName}`,
        scope.apply((sc) => registerModelStatements(sc, s.modelPackageGroupName)),
        { MODEL_APPROVAL_STATUS: s.modelApproval },
      ),
    };
    const functionArns = [this.lambdas.createExperiment, this.lambdas.evaluateResults, this.lambdas.registerModel].map((l) => l.function.arn);

    // ---- state machine ----------------------------------------------------------------------------------------------
    this.stateMachineLogGroup = new aws.cloudwatch.LogGroup(
      `${name}-sfn-logs`,
      // Under /aws/vendedlogs/ so the log delivery's resource policy does not grow with every log group.
      { namePrefix: `/aws/vendedlogs/states/${s.stateMachineName}-`, retentionInDays: s.logRetentionDays },
      { parent: this },
    );
    const stateMachineRole = new aws.iam.Role(
      `${name}-sfn-role`,
      { description: `State machine ${s.stateMachineName}`, assumeRolePolicy: trustedBy("states.amazonaws.com") },
      { parent: this },
    );
    const stateMachineRolePolicy = new aws.iam.RolePolicy(
      `${name}-sfn-policy`,
      {
        role: stateMachineRole.id,
        policy: pulumi
          .all([scope, this.sagemakerRole.arn, this.dataBucketArn, pulumi.all(functionArns)])
          .apply(([sc, sagemakerRoleArn, bucketArn, fns]) =>
            JSON.stringify(stateMachinePolicy({ ...sc, jobNamePrefix: s.pipelineName, sagemakerRoleArn, functionArns: fns, bucketArn, kmsKeyArn })),
          ),
      },
      { parent: this },
    );
    const job = (instanceType: string) => ({ instanceType, maxRuntimeSeconds: s.maxRuntimeSeconds });
    const definition = pulumi
      .all([...functionArns, this.sagemakerRole.arn, image.registryPath, args.inferenceImageUri, this.offlineStoreUri, bucket])
      .apply(([createExperimentArn, evaluateResultsArn, registerModelArn, sagemakerRoleArn, sklearnImage, inferenceImageUri, dataS3Uri, bucketName]) => {
        try {
          return JSON.stringify(
            buildTrainingDefinition({
              createExperimentFunctionArn: createExperimentArn,
              evaluateResultsFunctionArn: evaluateResultsArn,
              registerModelFunctionArn: registerModelArn,
              sagemakerRoleArn,
              processingImageUri: sklearnImage,
              trainingImageUri: sklearnImage,
              inferenceImageUri,
              dataS3Uri,
              outputS3Uri: `s3://${bucketName}/${PREFIXES.training}`,
              codeS3Uri: `s3://${bucketName}/${PREFIXES.code}`,
              jobNamePrefix: s.pipelineName,
              modelPackageGroupName: s.modelPackageGroupName,
              qualityThresholdRmse: s.qualityThresholdRmse,
              preprocessing: job(s.processingInstanceType),
              training: job(s.trainingInstanceType),
              evaluation: job(s.processingInstanceType),
              ...(kmsKeyArn ? { kmsKeyArn } : {}),
            }),
          );
        } catch (err) {
          throw new pulumi.ResourceError(`TrainingWorkflow ${name}: ${(err as Error).message}`, this);
        }
      });
    this.stateMachine = new aws.sfn.StateMachine(
      `${name}-state-machine`,
      {
        name: s.stateMachineName,
        type: "STANDARD",
        roleArn: stateMachineRole.arn,
        definition,
        loggingConfiguration: {
          level: "ALL",
          includeExecutionData: s.includeExecutionData,
          logDestination: pulumi.interpolate`${this.stateMachineLogGroup.arn}:*`,
        },
        tracingConfiguration: { enabled: true },
      },
      // Step Functions checks at creation that the role may deliver logs; the scripts must be in place before a run.
      { parent: this, dependsOn: [stateMachineRolePolicy, sagemakerRolePolicy, ...this.scripts] },
    );
    this.stateMachineArn = this.stateMachine.arn;
    this.stateMachineName = this.stateMachine.name;

    // ---- scheduled trigger ------------------------------------------------------------------------------------------
    if (s.schedule.enabled) {
      const scheduleRole = new aws.iam.Role(
        `${name}-schedule-role`,
        { description: `Starts ${s.stateMachineName} on a schedule`, assumeRolePolicy: trustedBy("scheduler.amazonaws.com") },
        { parent: this },
      );
      const scheduleRolePolicy = new aws.iam.RolePolicy(
        `${name}-schedule-policy`,
        { role: scheduleRole.id, policy: this.stateMachineArn.apply((arn) => JSON.stringify(schedulerPolicy(arn))) },
        { parent: this },
      );
      this.schedule = new aws.scheduler.Schedule(
        `${name}-schedule`,
        {
          description: `Starts the training workflow ${s.stateMachineName}`,
          scheduleExpression: s.schedule.expression,
          flexibleTimeWindow: { mode: "OFF" },
          state: "ENABLED",
          target: {
            arn: this.stateMachineArn,
            roleArn: scheduleRole.arn,
            input: JSON.stringify({ trigger: "schedule" }),
            retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 3 },
          },
        },
        { parent: this, dependsOn: [scheduleRolePolicy] },
      );
    }

    // ---- SSM parameters ---------------------------------------------------------------------------------------------
    // Plain String parameters: names, an ARN and an S3 location, none of them secret. `insecureValue` keeps them
    // readable in preview diffs (`value` would be shown as [secret]).
    const parameter = (key: ParameterKey, description: string, value: pulumi.Input<string>) =>
      new aws.ssm.Parameter(
        `${name}-param-${PARAMETER_NAMES[key]}`,
        { name: `/${PROJECT}/${s.stack}/${PARAMETER_NAMES[key]}`, type: "String", description, insecureValue: value },
        { parent: this },
      );
    this.parameters = {
      dataBucket: parameter("dataBucket", "Data bucket of the training workflow", bucket),
      featureGroup: parameter("featureGroup", "Feature group of the abalone features", this.featureGroupName),
      modelPackageGroup: parameter("modelPackageGroup", "Model package group of the abalone models", this.modelPackageGroupName),
      stateMachineArn: parameter("stateMachineArn", "State machine of the training workflow", this.stateMachineArn),
      monitoringBaselineUri: parameter("monitoringBaselineUri", "S3 location of the model monitoring baseline", s3Uri(PREFIXES.monitoringBaseline)),
    };

    // ---- alarms and dashboard widgets ------------------------------------------------------------------------------
    const functionNames: Record<WorkflowLambda, pulumi.Output<string>> = {
      "create-experiment": this.lambdas.createExperiment.function.name,
      "evaluate-results": this.lambdas.evaluateResults.function.name,
      "register-model": this.lambdas.registerModel.function.name,
    };
    const metricRefs: TrainingMetricRefs<pulumi.Output<string>> = { stateMachineName: s.stateMachineName, stateMachineArn: this.stateMachineArn, functionNames };
    const monitoring = s.monitoring;
    if (monitoring) {
      for (const [suffix, spec] of Object.entries(trainingAlarmSpecs(metricRefs, monitoring.thresholds))) {
        this.alarms.push(createAlarm(`${name}-${suffix}`, spec, monitoring.alarmTopicArn, { parent: this }));
      }
    }
    this.widgets = pulumi
      .all([this.stateMachineArn, pulumi.all(functionNames), pulumi.all(this.alarms.map((a) => a.arn))])
      .apply(([stateMachineArn, names, alarmArns]) =>
        trainingWidgets(
          { stateMachineName: s.stateMachineName, stateMachineArn, functionNames: names as Record<WorkflowLambda, string> },
          monitoring?.thresholds,
          LAMBDA_TIMEOUT_SECONDS,
          alarmArns,
        ),
      );

    this.registerOutputs({
      dataBucketName: this.dataBucketName,
      featureGroupName: this.featureGroupName,
      modelPackageGroupName: this.modelPackageGroupName,
      stateMachineArn: this.stateMachineArn,
    });
  }
}
