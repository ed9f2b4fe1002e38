// Amazon MWAA for the continuous-training DAG: a versioned, private, encrypted DAG bucket holding `airflow/`, and —
// only when enabled, because MWAA cannot be paused and bills every hour — the environment itself with its execution
// role and security group.
//
// Cost control: `enabled: false` keeps the DAG bucket and its uploads (a few cents a month; CI can keep syncing DAGs
// and the protected bucket survives switching the environment off and on) and creates no environment, no role and no
// security group, so nothing bills by the hour.
//
// DAG settings reach the DAG as Airflow configuration options of the section `edge_mlops` (DAG_SETTINGS): MWAA exports
// each option `edge_mlops.<key>` to its containers as the environment variable `AIRFLOW__EDGE_MLOPS__<KEY>`, and the
// DAG reads them with `conf.get("edge_mlops", "<key>")` when a task runs.
//
// Monitoring (components/observability/contract.ts): an enabled environment given `monitoring` alarms on a missing
// scheduler heartbeat and on a queued-task backlog (AmazonMWAA namespace); `widgets` is its part of the dashboard.
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AIRFLOW_LOG_LEVELS, MWAA_AIRFLOW_VERSIONS, MWAA_ENVIRONMENT_CLASSES, type AirflowLogLevel, type AirflowVersion, type EnvironmentClass } from "./mwaa";
export type { AirflowLogLevel, AirflowVersion, EnvironmentClass } from "./mwaa";
import { createAlarm, type AlarmSpec } from "../observability/alarms";
import { validateThresholds, type AlarmThresholds, type Monitored, type MonitoringArgs } from "../observability/contract";
import { alarmStatusWidget, graphWidget, headerWidget, metricLine, type Widget } from "../observability/widgets";
import { estimateMwaaMonthlyCost, type CostEstimate } from "../pricing";
import { SecureBucket } from "../secure-bucket";
import { executionRolePolicy, executionTrustPolicy } from "./policy";
import { collectAirflowSources, DAG_FOLDER, SUPPORT_FILES, type SourceFile } from "./sources";

export { collectAirflowSources } from "./sources";
export { executionRolePolicy, executionTrustPolicy, WILDCARD_RESOURCE_ACTIONS } from "./policy";


/** The section of the Airflow configuration options that carries the DAG's settings. */
export const DAG_SETTINGS_SECTION = "edge_mlops";
/** Configuration option (`section.key`) of each DAG setting; the DAG reads `conf.get("edge_mlops", key)`. */
export const DAG_SETTINGS = {
  dataBucket: `${DAG_SETTINGS_SECTION}.data_bucket`,
  newDataPrefix: `${DAG_SETTINGS_SECTION}.new_data_prefix`,
  archivePrefix: `${DAG_SETTINGS_SECTION}.archive_prefix`,
  featureGroupName: `${DAG_SETTINGS_SECTION}.feature_group_name`,
  stateMachineArn: `${DAG_SETTINGS_SECTION}.state_machine_arn`,
} as const;

/** The repository's `airflow/` folder. */
export const DEFAULT_SOURCE_DIR = path.resolve(__dirname, "..", "..", "airflow");

export interface AirflowLogLevels {
  /** @default "WARNING" */
  readonly dagProcessing?: AirflowLogLevel;
  /** @default "WARNING" */
  readonly scheduler?: AirflowLogLevel;
  /** @default "INFO" */
  readonly task?: AirflowLogLevel;
  /** @default "WARNING" */
  readonly webserver?: AirflowLogLevel;
  /** @default "WARNING" */
  readonly worker?: AirflowLogLevel;
}

export interface AirflowEnvironmentArgs {
  /** Region of the stack; names ARNs in the execution role policy. */
  readonly region: string;
  /** Create the MWAA environment (with its execution role and security group). @default false */
  readonly enabled?: boolean;
  /** Name of the MWAA environment (and of its `airflow-<name>-*` log groups). @default "<project>-<stack>-<component name>" */
  readonly environmentName?: string;
  /** @default "2.10.3" */
  readonly airflowVersion?: AirflowVersion;
  /** @default "mw1.small" */
  readonly environmentClass?: EnvironmentClass;
  /** Workers always running, 1 to 25. @default 1 */
  readonly minWorkers?: number;
  /** Upper bound of worker autoscaling, 1 to 25 (1 for mw1.micro). @default 2 (1 for mw1.micro) */
  readonly maxWorkers?: number;
  /** Schedulers: 2 to 5, or 1 for mw1.micro. @default 2 (1 for mw1.micro) */
  readonly schedulers?: number;
  /** Web server reachable only from the VPC, or from the internet (still behind IAM sign-in). @default "PRIVATE_ONLY" */
  readonly webserverAccessMode?: "PRIVATE_ONLY" | "PUBLIC_ONLY";
  /** Level of each of the five log types; all five are always sent to CloudWatch Logs. @default see AirflowLogLevels */
  readonly logLevels?: AirflowLogLevels;
  /** Airflow's `core.default_task_retries`, 0 to 10. @default 2 */
  readonly defaultTaskRetries?: number;
  /** Customer-managed KMS key (ARN) for the environment and the DAG bucket. @default AWS-owned key; AES256 on the bucket */
  readonly kmsKeyArn?: string;
  /** Weekly maintenance start, `DDD:HH:MM` UTC on a half hour. @default "SUN:03:00" */
  readonly weeklyMaintenanceWindowStart?: string;
  /** Prefix of the data bucket the DAG watches for new files. @default "incoming/" */
  readonly newDataPrefix?: string;
  /** Prefix processed files move to. @default "archive/" */
  readonly archivePrefix?: string;
  /** VPC of the security group. Required when enabled. */
  readonly vpcId?: pulumi.Input<string>;
  /**
   * Private subnets, one per availability zone (the shared network's `privateSubnetIds`); the first two are used, so
   * they are in different zones. At least 2. Required when enabled.
   */
  readonly privateSubnetIds?: pulumi.Input<pulumi.Input<string>[]>;
  /** Data bucket of the training workflow. Required when enabled. */
  readonly dataBucketName?: pulumi.Input<string>;
  /** Required when enabled. */
  readonly dataBucketArn?: pulumi.Input<string>;
  /** Customer-managed KMS key of the data bucket, if it has one. @default none (SSE-S3 or an AWS-managed key) */
  readonly dataKmsKeyArn?: pulumi.Input<string>;
  /** Feature group the DAG writes new rows to. Required when enabled. */
  readonly featureGroupName?: pulumi.Input<string>;
  /** Required when enabled. */
  readonly featureGroupArn?: pulumi.Input<string>;
  /** Training state machine the DAG starts. Required when enabled. */
  readonly stateMachineArn?: pulumi.Input<string>;
  /** Protect the DAG bucket from deletion. When false the bucket is also force-destroyable (it holds only copies of `airflow/`). @default false */
  readonly protect?: boolean;
  /** Folder laid out like the repository's `airflow/` (dags/, requirements.txt, plugins.zip, startup.sh). @default the repository's airflow/ */
  readonly sourceDir?: string;
  /**
   * The stack's alarm topic and thresholds: with it an enabled environment gets alarms on a missing scheduler
   * heartbeat and on a queued-task backlog. A disabled environment has no alarms. @default undefined (no alarms)
   */
  readonly monitoring?: MonitoringArgs;
}

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const ENVIRONMENT_NAME = /^[a-zA-Z][0-9a-zA-Z_-]{0,79}$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const MAINTENANCE_WINDOW = /^(MON|TUE|WED|THU|FRI|SAT|SUN):([01]\d|2[0-3]):(00|30)$/;
const S3_PREFIX = /^[a-zA-Z0-9!_.'()\/-]+\/$/;
const LOG_TYPES: readonly string[] = ["dagProcessing", "scheduler", "task", "webserver", "worker"];
const REQUIRED_WHEN_ENABLED = ["vpcId", "privateSubnetIds", "dataBucketName", "dataBucketArn", "featureGroupName", "featureGroupArn", "stateMachineArn"] as const;

function fail(problem: string): never {
  throw new Error(`AirflowEnvironment: ${problem}`);
}

function integer(arg: string, value: number, min: number, max: number, why = ""): number {
  if (!Number.isInteger(value) || value < min || value > max) fail(`${arg} must be an integer from ${min} to ${max}${why}, got ${value}`);
  return value;
}

function prefix(arg: string, value: string): string {
  if (!S3_PREFIX.test(value) || value.startsWith("/")) fail(`${arg} '${value}' must be an S3 prefix ending in '/', not starting with '/', without wildcards`);
  return value;
}

/** The settings an AirflowEnvironment is built from, defaults applied. Throws on impossible args, naming the arg. */
export function resolveAirflowEnvironmentArgs(args: AirflowEnvironmentArgs) {
  if (!REGION.test(args.region ?? "")) fail(`region '${args.region}' is not an AWS region name such as eu-west-1`);
  const enabled = args.enabled ?? false;
  const airflowVersion = args.airflowVersion ?? "2.10.3";
  if (!(MWAA_AIRFLOW_VERSIONS as readonly string[]).includes(airflowVersion)) {
    fail(`airflowVersion '${airflowVersion}' is not offered by MWAA; use one of ${MWAA_AIRFLOW_VERSIONS.join(", ")}`);
  }
  const environmentClass = args.environmentClass ?? "mw1.small";
  if (!(MWAA_ENVIRONMENT_CLASSES as readonly string[]).includes(environmentClass)) {
    fail(`environmentClass '${environmentClass}' is not one of ${MWAA_ENVIRONMENT_CLASSES.join(", ")}`);
  }
  const micro = environmentClass === "mw1.micro";
  const minWorkers = integer("minWorkers", args.minWorkers ?? 1, 1, 25);
  const maxWorkers = micro
    ? integer("maxWorkers", args.maxWorkers ?? 1, 1, 1, " for mw1.micro")
    : integer("maxWorkers", args.maxWorkers ?? 2, 1, 25);
  if (minWorkers > maxWorkers) fail(`minWorkers (${minWorkers}) must be <= maxWorkers (${maxWorkers})`);
  const schedulers = micro
    ? integer("schedulers", args.schedulers ?? 1, 1, 1, " for mw1.micro")
    : integer("schedulers", args.schedulers ?? 2, 2, 5, ` for ${environmentClass}`);
  const webserverAccessMode = args.webserverAccessMode ?? "PRIVATE_ONLY";
  if (webserverAccessMode !== "PRIVATE_ONLY" && webserverAccessMode !== "PUBLIC_ONLY") {
    fail(`webserverAccessMode '${String(webserverAccessMode)}' must be PRIVATE_ONLY or PUBLIC_ONLY`);
  }
  const logLevels: Required<AirflowLogLevels> = { dagProcessing: "WARNING", scheduler: "WARNING", task: "INFO", webserver: "WARNING", worker: "WARNING", ...args.logLevels };
  const unknownLogType = Object.keys(logLevels).find((k) => !LOG_TYPES.includes(k));
  if (unknownLogType) fail(`logLevels.${unknownLogType} is not a log type; use ${LOG_TYPES.join(", ")}`);
  for (const [logType, level] of Object.entries(logLevels)) {
    if (!(AIRFLOW_LOG_LEVELS as readonly string[]).includes(level)) {
      fail(`logLevels.${logType} '${level}' is not one of ${AIRFLOW_LOG_LEVELS.join(", ")}`);
    }
  }
  const defaultTaskRetries = integer("defaultTaskRetries", args.defaultTaskRetries ?? 2, 0, 10);
  if (args.kmsKeyArn !== undefined && !KMS_KEY_ARN.test(args.kmsKeyArn)) fail(`kmsKeyArn '${args.kmsKeyArn}' must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)`);
  const weeklyMaintenanceWindowStart = args.weeklyMaintenanceWindowStart ?? "SUN:03:00";
  if (!MAINTENANCE_WINDOW.test(weeklyMaintenanceWindowStart)) {
    fail(`weeklyMaintenanceWindowStart '${weeklyMaintenanceWindowStart}' must be DDD:HH:MM on a half hour, e.g. SUN:03:00`);
  }
  const newDataPrefix = prefix("newDataPrefix", args.newDataPrefix ?? "incoming/");
  const archivePrefix = prefix("archivePrefix", args.archivePrefix ?? "archive/");
  if (newDataPrefix.startsWith(archivePrefix) || archivePrefix.startsWith(newDataPrefix)) {
    fail(`archivePrefix '${archivePrefix}' and newDataPrefix '${newDataPrefix}' must not contain each other (archived files would be ingested again)`);
  }
  if (args.environmentName !== undefined && !ENVIRONMENT_NAME.test(args.environmentName)) {
    fail(`environmentName '${args.environmentName}' must start with a letter and hold 1-80 letters, digits, '-' or '_'`);
  }
  if (enabled) {
    const missing = REQUIRED_WHEN_ENABLED.find((k) => args[k] === undefined);
    if (missing) fail(`${missing} is required when enabled is true`);
  }
  if (Array.isArray(args.privateSubnetIds) && args.privateSubnetIds.length < 2) {
    fail(`privateSubnetIds must hold at least 2 private subnets in different availability zones, got ${args.privateSubnetIds.length}`);
  }
  return {
    enabled,
    environmentName: args.environmentName,
    airflowVersion,
    environmentClass: environmentClass as EnvironmentClass,
    minWorkers,
    maxWorkers,
    schedulers,
    webserverAccessMode,
    logLevels,
    defaultTaskRetries,
    kmsKeyArn: args.kmsKeyArn,
    weeklyMaintenanceWindowStart,
    newDataPrefix,
    archivePrefix,
    protect: args.protect ?? false,
    sourceDir: args.sourceDir ?? DEFAULT_SOURCE_DIR,
    monitoring: args.monitoring && { alarmTopicArn: args.monitoring.alarmTopicArn, thresholds: validateThresholds("AirflowEnvironment", args.monitoring.thresholds) },
  };
}

/**
 * `bucketPrefix` of the DAG bucket: `airflow-` (MWAA requires it) plus the component name, lowercased, limited to
 * S3's characters and to the 37 characters a bucket prefix may have (S3 appends 26 for a unique name).
 */
export function dagBucketPrefix(name: string): string {
  const body = name.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 28).replace(/-+$/, "");
  return `airflow-${body || "dags"}-`;
}

/**
 * The two subnets the environment uses: the first two of `privateSubnetIds`. The shared network lists one private
 * subnet per availability zone, in zone order, so these are in different zones as MWAA requires. Throws naming
 * `privateSubnetIds` when fewer than two different subnets are given.
 */
export function environmentSubnets(privateSubnetIds: readonly string[]): [string, string] {
  if (privateSubnetIds.length < 2 || privateSubnetIds[0] === privateSubnetIds[1]) {
    fail(`privateSubnetIds must hold at least 2 different private subnets in different availability zones, got ${JSON.stringify(privateSubnetIds)}`);
  }
  return [privateSubnetIds[0], privateSubnetIds[1]];
}

/** S3 object versions MWAA is pinned to; each is set only when that file exists in the source folder. */
export interface ObjectVersions {
  readonly requirements?: pulumi.Output<string>;
  readonly plugins?: pulumi.Output<string>;
  readonly startupScript?: pulumi.Output<string>;
}

export class AirflowEnvironment extends pulumi.ComponentResource implements Monitored {
  public readonly dagBucket: aws.s3.Bucket;
  /** Every uploaded object: DAG files first, then requirements.txt, plugins.zip and startup.sh when present. */
  public readonly objects: aws.s3.BucketObjectv2[];
  public readonly objectVersions: ObjectVersions;
  /** The environment's name (also when disabled: the name it would have). */
  public readonly environmentName: string;
  public readonly environment?: aws.mwaa.Environment;
  /** Host name of the Airflow UI (reachable from the VPC when PRIVATE_ONLY). */
  public readonly webserverUrl?: pulumi.Output<string>;
  public readonly executionRole?: aws.iam.Role;
  public readonly securityGroup?: aws.ec2.SecurityGroup;
  /** The environment's Airflow configuration options: `core.default_task_retries` and the DAG_SETTINGS. */
  public readonly configurationOptions?: pulumi.Output<Record<string, string>>;
  /**
   * Monthly cost of the environment at minWorkers (see components/pricing.ts): `{ usd: 0, breakdown: [] }` when
   * disabled, `undefined` when the price table has no prices for the region or class.
   */
  public readonly monthlyCostEstimate: CostEstimate | undefined;
  /** Scheduler heartbeat and queued-task alarms; empty when disabled or without `monitoring`. */
  public readonly alarms: aws.cloudwatch.MetricAlarm[] = [];
  /** The environment's dashboard section; empty when disabled. */
  public readonly widgets: pulumi.Output<Widget[]>;

  constructor(name: string, args: AirflowEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edge-mlops:airflow:AirflowEnvironment", name, {}, opts);
    const environmentName = args.environmentName ?? `${pulumi.getProject()}-${pulumi.getStack()}-${name}`;
    const s = resolveAirflowEnvironmentArgs({ ...args, environmentName });
    const sources = collectAirflowSources(s.sourceDir);
    this.environmentName = environmentName;

    // ---- DAG bucket ------------------------------------------------------------------------------------------------
    // MWAA requires versioning: the environment is pinned to object versions of requirements, plugins and start-up script.
    const dags = new SecureBucket(
      `${name}-dags`,
      { bucketPrefix: dagBucketPrefix(name), kmsKeyArn: s.kmsKeyArn, protect: s.protect, forceDestroy: !s.protect, formerParent: this },
      { parent: this },
    );
    this.dagBucket = dags.bucket;
    const bucket = dags.bucketName;

    // ---- uploads ---------------------------------------------------------------------------------------------------
    const upload = (resourceName: string, file: SourceFile) =>
      new aws.s3.BucketObjectv2(
        resourceName,
        { bucket, key: file.key, source: new pulumi.asset.FileAsset(file.path), sourceHash: file.sha256 },
        // Objects written before versioning is on would have the version "null", which MWAA cannot pin.
        { parent: this, dependsOn: [dags.versioning, dags.encryption] },
      );
    this.objects = sources.dags.map((f) => upload(`${name}-${f.key}`, f));
    const supportObject = (file: SourceFile | undefined) => {
      if (!file) return undefined;
      const object = upload(`${name}-${file.key}`, file);
      this.objects.push(object);
      return object;
    };
    const requirements = supportObject(sources.requirements);
    const plugins = supportObject(sources.plugins);
    const startupScript = supportObject(sources.startupScript);
    this.objectVersions = { requirements: requirements?.versionId, plugins: plugins?.versionId, startupScript: startupScript?.versionId };

    this.monthlyCostEstimate = s.enabled
      ? estimateMwaaMonthlyCost({ region: args.region, environmentClass: s.environmentClass, minWorkers: s.minWorkers, schedulers: s.schedulers })
      : { usd: 0, breakdown: [] };

    if (s.enabled) {
      // ---- network -------------------------------------------------------------------------------------------------
      this.securityGroup = new aws.ec2.SecurityGroup(
        `${name}-sg`,
        {
          vpcId: args.vpcId!,
          description: `MWAA environment ${environmentName}: its containers talk to each other, reach AWS through the NAT`,
          ingress: [{ description: "MWAA containers and VPC endpoints of this environment", protocol: "-1", fromPort: 0, toPort: 0, self: true }],
          egress: [{ description: "AWS APIs, metadata database, package index", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
        },
        { parent: this },
      );
      // Known only at deployment time when they come from the network: checked inside apply.
      const subnetIds = pulumi.output(args.privateSubnetIds!).apply((ids) => {
        try {
          return environmentSubnets(ids);
        } catch (e) {
          throw new pulumi.ResourceError((e as Error).message, this);
        }
      });

      // ---- execution role ------------------------------------------------------------------------------------------
      this.executionRole = new aws.iam.Role(
        `${name}-execution-role`,
        { description: `Execution role of the MWAA environment ${environmentName}`, assumeRolePolicy: JSON.stringify(executionTrustPolicy()) },
        { parent: this },
      );
      const partition = aws.getPartitionOutput({}, { parent: this }).partition;
      const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
      const rolePolicy = new aws.iam.RolePolicy(
        `${name}-execution-policy`,
        {
          role: this.executionRole.id,
          policy: pulumi
            .all([partition, accountId, this.dagBucket.arn, args.dataBucketArn!, args.dataKmsKeyArn, args.stateMachineArn!, args.featureGroupArn!])
            .apply(([partition, accountId, dagBucketArn, dataBucketArn, dataKmsKeyArn, stateMachineArn, featureGroupArn]) => {
              try {
                return JSON.stringify(
                  executionRolePolicy({
                    partition,
                    region: args.region,
                    accountId,
                    environmentName,
                    dagBucketArn,
                    kmsKeyArn: s.kmsKeyArn,
                    dataBucketArn,
                    dataKmsKeyArn,
                    newDataPrefix: s.newDataPrefix,
                    archivePrefix: s.archivePrefix,
                    stateMachineArn,
                    featureGroupArn,
                  }),
                );
              } catch (e) {
                throw new pulumi.ResourceError((e as Error).message, this);
              }
            }),
        },
        { parent: this },
      );

      // ---- environment ---------------------------------------------------------------------------------------------
      // The provider stores these as a secret, so previews show them as [secret]; the field below keeps them readable.
      const options: Record<string, pulumi.Input<string>> = {
        "core.default_task_retries": String(s.defaultTaskRetries),
        [DAG_SETTINGS.dataBucket]: args.dataBucketName!,
        [DAG_SETTINGS.newDataPrefix]: s.newDataPrefix,
        [DAG_SETTINGS.archivePrefix]: s.archivePrefix,
        [DAG_SETTINGS.featureGroupName]: args.featureGroupName!,
        [DAG_SETTINGS.stateMachineArn]: args.stateMachineArn!,
      };
      this.configurationOptions = pulumi.output(options);
      const log = (level: AirflowLogLevel) => ({ enabled: true, logLevel: level });
      this.environment = new aws.mwaa.Environment(
        `${name}-environment`,
        {
          name: environmentName,
          airflowVersion: s.airflowVersion,
          environmentClass: s.environmentClass,
          minWorkers: s.minWorkers,
          maxWorkers: s.maxWorkers,
          schedulers: s.schedulers,
          webserverAccessMode: s.webserverAccessMode,
          executionRoleArn: this.executionRole.arn,
          kmsKey: s.kmsKeyArn,
          weeklyMaintenanceWindowStart: s.weeklyMaintenanceWindowStart,
          sourceBucketArn: this.dagBucket.arn,
          dagS3Path: DAG_FOLDER,
          requirementsS3Path: requirements ? SUPPORT_FILES.requirements : undefined,
          requirementsS3ObjectVersion: requirements?.versionId,
          pluginsS3Path: plugins ? SUPPORT_FILES.plugins : undefined,
          pluginsS3ObjectVersion: plugins?.versionId,
          startupScriptS3Path: startupScript ? SUPPORT_FILES.startupScript : undefined,
          startupScriptS3ObjectVersion: startupScript?.versionId,
          loggingConfiguration: {
            dagProcessingLogs: log(s.logLevels.dagProcessing),
            schedulerLogs: log(s.logLevels.scheduler),
            taskLogs: log(s.logLevels.task),
            webserverLogs: log(s.logLevels.webserver),
            workerLogs: log(s.logLevels.worker),
          },
          airflowConfigurationOptions: this.configurationOptions,
          networkConfiguration: { securityGroupIds: [this.securityGroup.id], subnetIds },
        },
        // The role's permissions must exist before MWAA validates the environment, and the DAGs before it starts.
        { parent: this, dependsOn: [rolePolicy, ...this.objects] },
      );
      this.webserverUrl = this.environment.webserverUrl;
    }

    // ---- alarms and dashboard widgets ------------------------------------------------------------------------------
    const monitoring = s.monitoring;
    if (this.environment && monitoring) {
      for (const [suffix, spec] of Object.entries(airflowAlarmSpecs(environmentName, monitoring.thresholds))) {
        this.alarms.push(createAlarm(`${name}-${suffix}`, spec, monitoring.alarmTopicArn, { parent: this }));
      }
    }
    this.widgets = s.enabled
      ? pulumi.all(this.alarms.map((a) => a.arn)).apply((arns) => airflowWidgets(environmentName, monitoring?.thresholds, arns))
      : pulumi.output([]);

    this.registerOutputs({
      dagBucketName: bucket,
      environmentArn: this.environment?.arn,
      webserverUrl: this.webserverUrl,
      executionRoleArn: this.executionRole?.arn,
    });
  }
}

// ---- monitoring ---------------------------------------------------------------------------------------------------

/** CloudWatch namespace of MWAA's Apache Airflow metrics. */
export const MWAA_NAMESPACE = "AmazonMWAA";

/**
 * Alarms of an enabled environment, keyed by resource name suffix: the scheduler's heartbeat (a period with fewer than
 * one heartbeat, or none reported at all, means no scheduler is scheduling) and a queued-task backlog (tasks wait for
 * workers longer than the evaluation window: workers are at maxWorkers or failing).
 */
export function airflowAlarmSpecs(environmentName: string, t: AlarmThresholds): Record<string, AlarmSpec> {
  const window = { periodSeconds: t.periodSeconds, evaluationPeriods: t.evaluationPeriods };
  return {
    "alarm-scheduler-heartbeat": {
      description: `The Airflow scheduler of MWAA environment ${environmentName} sent no heartbeat: DAG runs are not being scheduled.`,
      metric: { namespace: MWAA_NAMESPACE, metricName: "SchedulerHeartbeat", dimensions: { Function: "Scheduler", Environment: environmentName } },
      statistic: "Sum",
      comparison: "LessThanThreshold",
      threshold: 1,
      ...window,
      treatMissingData: "breaching",
    },
    "alarm-queued-tasks": {
      description: `More than ${t.airflowQueuedTasks} tasks kept waiting for a worker in MWAA environment ${environmentName}.`,
      metric: { namespace: MWAA_NAMESPACE, metricName: "QueuedTasks", dimensions: { Function: "Executor", Environment: environmentName } },
      statistic: "Average",
      comparison: "GreaterThanThreshold",
      threshold: t.airflowQueuedTasks,
      ...window,
      treatMissingData: "notBreaching",
    },
  };
}

/** The environment's dashboard section: scheduler heartbeats, queued and running tasks, and alarm states. */
export function airflowWidgets(environmentName: string, t: AlarmThresholds | undefined, alarmArns: readonly string[]): Widget[] {
  const period = t?.periodSeconds ?? 300;
  const scheduler = { Function: "Scheduler", Environment: environmentName };
  const executor = { Function: "Executor", Environment: environmentName };
  const widgets: Widget[] = [
    headerWidget(`## Airflow (MWAA) ${environmentName}`),
    graphWidget("Scheduler heartbeats", [metricLine(MWAA_NAMESPACE, "SchedulerHeartbeat", scheduler, { stat: "Sum", label: "heartbeats" })], { period, width: 12 }),
    graphWidget(
      "Queued and running tasks",
      [
        metricLine(MWAA_NAMESPACE, "QueuedTasks", executor, { stat: "Average", label: "queued" }),
        metricLine(MWAA_NAMESPACE, "RunningTasks", executor, { stat: "Average", label: "running" }),
      ],
      { period, width: 12, ...(t ? { annotations: { horizontal: [{ value: t.airflowQueuedTasks, label: "queued alarm" }] } } : {}) },
    ),
  ];
  if (alarmArns.length > 0) widgets.push(alarmStatusWidget(`Alarms of Airflow ${environmentName}`, alarmArns));
  return widgets;
}
