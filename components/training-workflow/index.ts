// The SageMaker training workflow: a data bucket (or an existing one), the abalone feature group with its offline store
// in that bucket, the model package group, the job scripts of `training/`, a least-privilege SageMaker execution role,
// the three workflow Lambdas, the Step Functions state machine (logged and traced) that runs
//   create experiment → preprocess → train → evaluate → evaluate results → register
// an optional EventBridge Scheduler trigger, retraining when the inference service's drift alarms fire (retrain.ts), and
// SSM parameters naming all of it for the Airflow DAG and operators.
//
// Monitoring (components/observability/contract.ts): given `monitoring`, the workflow alarms on failed, timed-out and
// aborted executions and on each Lambda's errors and throttles (./monitoring.ts); `widgets` is its part of the dashboard.
//
// Names: every physical name starts with the pipeline name (`edge-mlops-<stack>` unless given), which is also the
// start of every SageMaker job, experiment and trial name, so IAM policies can scope SageMaker access to it.
//
// The class only wires the builders together, one AWS concept each: data.ts (bucket, model registry), feature-store.ts,
// jobs.ts (scripts, image, execution role), functions.ts, state-machine.ts (with definition.ts), schedule.ts,
// parameters.ts and monitoring.ts. Settings are resolved once, by args.ts.
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Monitored } from "../observability/contract";
import type { Widget } from "../observability/widgets";
import type { LambdaFunction } from "../lambda-function";
import type { SecureBucket } from "../secure-bucket";
import { resolveTrainingWorkflowArgs, type TrainingWorkflowArgs } from "./args";
import { workflowContext } from "./context";
import { buildDataBucket, buildModelPackageGroup } from "./data";
import { buildFeatureStore } from "./feature-store";
import { buildFunctions, functionsByFolder, LAMBDA_TIMEOUT_SECONDS, type WorkflowLambdas } from "./functions";
import { buildJobRuntime, uploadScripts } from "./jobs";
import { buildMonitoring, WORKFLOW_LAMBDAS, type WorkflowLambda } from "./monitoring";
import { buildParameters, type ParameterKey } from "./parameters";
import { PREFIXES } from "./policies";
import { buildRetrainOnDrift } from "./retrain";
import { buildSchedule } from "./schedule";
import { buildStateMachine } from "./state-machine";

export {
  resolveTrainingWorkflowArgs,
  SKLEARN_VERSIONS,
  trainingSettings,
  type ResolvedTrainingWorkflowArgs,
  type TrainingSettings,
  type TrainingSettingsInput,
  type TrainingWorkflowArgs,
  type TrainingWorkflowWiring,
} from "./args";
export { ABALONE_FEATURES, EVENT_TIME_FEATURE, RECORD_IDENTIFIER_FEATURE } from "./feature-store";
export { LAMBDA_TIMEOUT_SECONDS, type WorkflowLambdas } from "./functions";
export { TRAINING_DIR, TRAINING_SCRIPTS } from "./jobs";
export { trainingAlarmSpecs, trainingWidgets, WORKFLOW_LAMBDAS, type TrainingMetricRefs, type WorkflowLambda } from "./monitoring";
export { PARAMETER_NAMES, type ParameterKey } from "./parameters";
export { PREFIXES, WILDCARD_RESOURCE_ACTIONS } from "./policies";
export { driftAlarmEventPattern, driftRetrainStatements } from "./retrain";

export class TrainingWorkflow extends pulumi.ComponentResource implements Monitored {
  /** The created data bucket (undefined with `dataBucket.existing`). */
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
  /** The rule and Lambda that start a run when a drift alarm fires (with `driftAlarmPrefix` and retrainOnDrift.enabled). */
  public readonly retrainOnDrift?: { readonly function: LambdaFunction; readonly rule: aws.cloudwatch.EventRule };
  public readonly parameters: Readonly<Record<ParameterKey, aws.ssm.Parameter>>;
  /** Execution and Lambda alarms (see `trainingAlarmSpecs`); empty without `monitoring`. */
  public readonly alarms: aws.cloudwatch.MetricAlarm[];
  /** The workflow's dashboard widgets: executions, Lambda errors, throttles and durations, alarm states. */
  public readonly widgets: pulumi.Output<Widget[]>;

  constructor(name: string, args: TrainingWorkflowArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edge-mlops:training:TrainingWorkflow", name, {}, opts);
    const ctx = workflowContext(this, name, resolveTrainingWorkflowArgs(args));

    const data = buildDataBucket(ctx);
    this.dataBucket = data.bucket;
    this.dataBucketName = data.bucketName;
    this.dataBucketArn = data.bucketArn;
    this.scripts = uploadScripts(ctx, data);

    const featureStore = buildFeatureStore(ctx, data);
    this.featureGroup = featureStore.featureGroup;
    this.featureGroupName = this.featureGroup.featureGroupName;
    this.featureGroupArn = this.featureGroup.arn;
    this.offlineStoreUri = featureStore.offlineStoreUri;

    this.modelPackageGroup = buildModelPackageGroup(ctx);
    this.modelPackageGroupName = this.modelPackageGroup.modelPackageGroupName;

    const jobs = buildJobRuntime(ctx, data);
    this.sagemakerRole = jobs.role;
    this.lambdas = buildFunctions(ctx, data);

    const machine = buildStateMachine(ctx, { data, featureStore, jobs, scripts: this.scripts, functions: this.lambdas, inferenceImageUri: args.inferenceImageUri });
    this.stateMachine = machine.stateMachine;
    this.stateMachineLogGroup = machine.logGroup;
    this.stateMachineArn = this.stateMachine.arn;
    this.stateMachineName = this.stateMachine.name;
    this.schedule = buildSchedule(ctx, this.stateMachineArn);
    this.retrainOnDrift = buildRetrainOnDrift(ctx, this.stateMachineArn);

    this.parameters = buildParameters(ctx, {
      dataBucket: this.dataBucketName,
      featureGroup: this.featureGroupName,
      modelPackageGroup: this.modelPackageGroupName,
      stateMachineArn: this.stateMachineArn,
      monitoringBaselineUri: pulumi.interpolate`s3://${this.dataBucketName}/${PREFIXES.monitoringBaseline}`,
    });

    const functions = functionsByFolder(this.lambdas);
    const functionNames = Object.fromEntries(WORKFLOW_LAMBDAS.map((f) => [f, functions[f].function.name])) as Record<WorkflowLambda, pulumi.Output<string>>;
    ({ alarms: this.alarms, widgets: this.widgets } = buildMonitoring(ctx, this.stateMachineArn, functionNames, LAMBDA_TIMEOUT_SECONDS));

    this.registerOutputs({
      dataBucketName: this.dataBucketName,
      featureGroupName: this.featureGroupName,
      modelPackageGroupName: this.modelPackageGroupName,
      stateMachineArn: this.stateMachineArn,
    });
  }
}
