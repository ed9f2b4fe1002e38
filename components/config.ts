// The stack config: its type, its schema and its validation. This is the only module that knows config keys.
//
// Every key lives in the `edge-mlops:` namespace of a stack file (Pulumi.<stack>.yaml). Sections are objects;
// their fields, defaults and ranges are declared once below. A bad value raises a ConfigError whose message is the
// single line `config error: edge-mlops:<key>.<path>: <what is wrong, what is allowed>`.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  IOT_NAME_MAX_LENGTH,
  IOT_NAME_PATTERN,
  isSemver,
  PROVISIONING_TEMPLATE_NAME_MAX_LENGTH,
  PROVISIONING_TEMPLATE_NAME_PATTERN,
} from "./edge-fleet/names";

export const PROJECT = "edge-mlops";

/** Raised for any invalid stack config. A `pulumi.RunError`, so `pulumi up` prints the message without a stack trace. */
export class ConfigError extends pulumi.RunError {
  constructor(
    /** Full key path, e.g. `edge-mlops:airflow.minWorkers`. */
    public readonly key: string,
    public readonly problem: string,
  ) {
    super(`config error: ${key}: ${problem}`);
    this.name = "ConfigError";
  }
}

export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** The values CloudWatch Logs accepts for a log group's retention. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Fargate's valid task CPU units and, for each, the memory sizes (MiB) it accepts. */
export const FARGATE_MEMORY: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

/** Airflow versions Amazon MWAA offers in the 2.x line. */
export const MWAA_AIRFLOW_VERSIONS = ["2.8.1", "2.9.2", "2.10.1", "2.10.3"] as const;
/** MWAA environment classes, smallest first. */
export const MWAA_ENVIRONMENT_CLASSES = [
  "mw1.micro",
  "mw1.small",
  "mw1.medium",
  "mw1.large",
  "mw1.xlarge",
  "mw1.2xlarge",
] as const;
export const AIRFLOW_LOG_LEVELS = ["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"] as const;

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

// ---- field types ------------------------------------------------------------------------------------------------

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const retention = z
  .number()
  .refine((v) => (LOG_RETENTION_DAYS as readonly number[]).includes(v), {
    message: `must be one of CloudWatch Logs' retention values: ${LOG_RETENTION_DAYS.join(", ")}`,
  });
// Names and versions follow the edge fleet's own rules (components/edge-fleet/names.ts).
const semver = z.string().refine(isSemver, { message: "must be a semantic version such as 1.2.3" });
/** IoT thing and thing group names: `[a-zA-Z0-9:_-]`, 1 to 128 characters. */
const iotName = z
  .string()
  .refine((v) => v.length >= 1 && v.length <= IOT_NAME_MAX_LENGTH && IOT_NAME_PATTERN.test(v), {
    message: `must be 1-${IOT_NAME_MAX_LENGTH} characters of a-z, A-Z, 0-9, ':', '_' or '-' (AWS IoT's rule)`,
  });
const arn = (service: string) =>
  z.string().regex(new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]+:\\d{12}:.+$`), `must be an ${service} ARN`);
const regexSource = z.string().refine(
  (s) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  },
  { message: "must be a valid regular expression" },
);
const tagKey = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u, "tag keys may use letters, digits, spaces and _ . : / = + - @")
  .refine((k) => !k.toLowerCase().startsWith("aws:"), { message: "tag keys must not start with 'aws:'" })
  .refine((k) => !["project", "stack", "managed-by"].includes(k), {
    message: "project, stack and managed-by are set by the program and cannot be overridden",
  });

// ---- sections ---------------------------------------------------------------------------------------------------

const network = z.strictObject({
  /** IPv4 range of the VPC, /16 to /20. @default "10.0.0.0/16" */
  cidrBlock: z
    .string()
    .regex(
      /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(1[6-9]|20)$/,
      "must be an IPv4 CIDR block with a prefix from /16 to /20",
    )
    .default("10.0.0.0/16"),
  /** Availability zones, each with a public and a private subnet. @default 2 */
  availabilityZones: z.union([z.literal(2), z.literal(3)], { message: "must be 2 or 3" }).default(2),
  /** NAT gateways: one shared ("single", cheap) or one per AZ ("onePerAz", survives an AZ outage). @default "single" */
  natGateways: z.enum(["single", "onePerAz"]).default("single"),
  flowLogs: z
    .strictObject({
      /** VPC flow logs to CloudWatch Logs. @default true */
      enabled: z.boolean().default(true),
      /** @default 30 */
      retentionDays: retention.default(30),
      /** @default "ALL" */
      trafficType: z.enum(["ALL", "ACCEPT", "REJECT"]).default("ALL"),
    })
    .prefault({}),
});

const edgeFleet = z.strictObject({
  /** Create the IoT / Greengrass fleet. @default true */
  enabled: z.boolean().default(true),
  /** Root thing group of the stack. @default "edge-mlops-<stack>" */
  rootGroupName: iotName.optional(),
  /** Child thing groups (sites, hardware revisions) under the root group. @default [] */
  childGroups: z
    .array(z.strictObject({ name: iotName, kind: z.enum(["site", "hardware"]), description: z.string().max(2028).optional() }))
    .max(100)
    .default([]),
  /** Retention of the fleet's log groups (provisioning hook). @default 30 */
  logRetentionDays: retention.default(30),
  /** Reserved concurrency of the provisioning hook. @default 5 */
  lambdaReservedConcurrency: int(1, 1000).default(5),
  /** Lifetime of the credentials the role alias hands to devices, 900 to 43200 s. @default 3600 */
  credentialDurationSeconds: int(900, 43200).default(3600),
  /** Allow certificates whose private key is generated into Pulumi state (prototypes only, never prod). @default false */
  allowGeneratedKeys: z.boolean().default(false),
  /** Statically registered prototype devices. Production devices join through fleet provisioning. @default [] */
  devices: z
    .array(
      z.strictObject({
        name: iotName,
        /** A child group to join besides the root group. */
        group: iotName.optional(),
        /** PEM CSR made on the device (edge/device-csr.sh); path relative to the project. Required unless allowGeneratedKeys. */
        csrFile: z.string().min(1).optional(),
      }),
    )
    .max(1000)
    .default([]),
  provisioning: z
    .strictObject({
      /** Fleet provisioning by claim with a pre-provisioning hook. @default true */
      enabled: z.boolean().default(true),
      /** Serial numbers the hook admits (anchored). @default "^[A-Z0-9]{8,20}$" */
      serialNumberPattern: regexSource.default("^[A-Z0-9]{8,20}$"),
      /** Provisioning template name. @default "<rootGroupName>-fleet" */
      templateName: z
        .string()
        .refine((v) => v.length >= 1 && v.length <= PROVISIONING_TEMPLATE_NAME_MAX_LENGTH && PROVISIONING_TEMPLATE_NAME_PATTERN.test(v), {
          message: `must be 1-${PROVISIONING_TEMPLATE_NAME_MAX_LENGTH} characters of 0-9, A-Z, a-z, '_' or '-'`,
        })
        .optional(),
      /** PEM CSR of the claim certificate (its key stays with the factory). No claim certificate is created when unset. */
      claimCsrFile: z.string().min(1).optional(),
      /** Devices send their own CSR (create-from-csr topics) instead of asking IoT to make keys. @default false */
      devicesUseCsr: z.boolean().default(false),
    })
    .prefault({}),
  components: z
    .strictObject({
      /** Version of the docker-compose app component. @default "1.0.0" */
      composeVersion: semver.default("1.0.0"),
      /** Version of the inference component. @default "1.0.0" */
      inferenceVersion: semver.default("1.0.0"),
    })
    .prefault({}),
  greengrass: z
    .strictObject({
      /** @default "2.14.3" */
      nucleusVersion: semver.default("2.14.3"),
      /** @default "2.0.13" */
      dockerApplicationManagerVersion: semver.default("2.0.13"),
      /** @default "2.0.3" */
      tokenExchangeServiceVersion: semver.default("2.0.3"),
    })
    .prefault({}),
  deployment: z
    .strictObject({
      rollout: z
        .strictObject({
          /** Devices notified per minute at most. @default 50 */
          maximumPerMinute: int(1, 1000).default(50),
          /** Exponential rollout: start slow, speed up as devices succeed. Off unless given. */
          exponential: z
            .strictObject({
              baseRatePerMinute: int(1, 1000),
              incrementFactor: z.number().min(1.1).max(5),
              /** Successful devices before the rate is raised. */
              succeededThings: int(1, 1000),
            })
            .optional(),
        })
        .prefault({}),
      abort: z
        .strictObject({
          /** Cancel the rollout when this share of executed devices failed. @default 10 */
          failureThresholdPercentage: z.number().min(0).max(100).default(10),
          /** Devices that must have run the deployment before the threshold applies. @default 10 */
          minNumberOfExecutedThings: int(1, 10000).default(10),
        })
        .prefault({}),
      /** A device that has not finished after this many minutes times out. @default 60 */
      timeoutMinutes: int(1, 10080).default(60),
      /** How long components may delay an update (NOTIFY_COMPONENTS). @default 60 */
      componentUpdateTimeoutSeconds: int(1, 3600).default(60),
      /** How long components may take to validate a new configuration. @default 30 */
      configurationValidationTimeoutSeconds: int(1, 3600).default(30),
    })
    .prefault({}),
});

const inference = z.strictObject({
  /** Task CPU units; Fargate accepts 256, 512, 1024, 2048, 4096, 8192, 16384. @default 256 */
  cpu: z
    .number()
    .refine((v) => v in FARGATE_MEMORY, { message: `must be one of Fargate's CPU sizes: ${Object.keys(FARGATE_MEMORY).join(", ")}` })
    .default(256),
  /** Task memory in MiB; must pair with cpu as Fargate allows. @default 512 */
  memory: z.number().int().positive().default(512),
  /** Tasks the service keeps running. @default 1 */
  desiredCount: int(1, 100).default(1),
  /** Autoscaling lower bound. @default 1 */
  minCount: int(1, 100).default(1),
  /** Autoscaling upper bound. @default 2 */
  maxCount: int(1, 100).default(2),
  /** @default 5000 */
  containerPort: int(1024, 65535).default(5000),
  /** @default "linux/amd64" */
  platform: z.enum(["linux/amd64", "linux/arm64"]).default("linux/amd64"),
  /** Target average CPU for autoscaling. @default 60 */
  cpuTargetPercent: int(10, 90).default(60),
  /** Target ALB requests per task for autoscaling. @default 1000 */
  requestsPerTarget: int(1, 100000).default(1000),
  /** @default 60 */
  healthCheckGracePeriodSeconds: int(0, 7200).default(60),
  /** @default 100 */
  minHealthyPercent: int(0, 100).default(100),
  /** @default 200 */
  maxPercent: int(100, 200).default(200),
  /** @default 30 */
  logRetentionDays: retention.default(30),
  /** Tagged images kept in ECR. @default 10 */
  keepImages: int(1, 1000).default(10),
  /** Model the service loads (`s3://bucket/key/model.json`); the image's built-in model when unset. */
  modelUri: z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+\.json$/, "must be s3://<bucket>/<key>.json").optional(),
  /** Local copy of the model.json that `modelUri` serves: its training statistics set the drift bands. @default the image's built-in model */
  driftBaseline: z.string().min(1).optional(),
  /** Customer-managed KMS key for the ECR repository; AES256 when unset. */
  kmsKeyArn: arn("kms").optional(),
  loadBalancer: z
    .strictObject({
      /** Internal (VPC-only) instead of internet-facing. @default false */
      internal: z.boolean().default(false),
      /** ACM certificate: adds HTTPS on 443 and redirects HTTP to it. */
      certificateArn: arn("acm").optional(),
      /** @default "ELBSecurityPolicy-TLS13-1-2-2021-06" */
      sslPolicy: z
        .enum(["ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-2-Res-2021-06", "ELBSecurityPolicy-TLS13-1-3-2021-06"])
        .default("ELBSecurityPolicy-TLS13-1-2-2021-06"),
      /** Access logs to an S3 bucket the component creates. @default false */
      accessLogs: z.boolean().default(false),
      /** @default false */
      deletionProtection: z.boolean().default(false),
      /** @default 30 */
      deregistrationDelaySeconds: int(0, 3600).default(30),
    })
    .prefault({}),
});

const airflow = z.strictObject({
  /** Create the MWAA environment. MWAA cannot be paused and bills every hour. @default false */
  enabled: z.boolean().default(false),
  /** @default "2.10.3" */
  airflowVersion: z.enum(MWAA_AIRFLOW_VERSIONS).default("2.10.3"),
  /** @default "mw1.small" */
  environmentClass: z.enum(MWAA_ENVIRONMENT_CLASSES).default("mw1.small"),
  /** @default 1 */
  minWorkers: int(1, 25).default(1),
  /** @default 2 */
  maxWorkers: int(1, 25).default(2),
  /** @default 2 */
  schedulers: int(1, 5).default(2),
  /** @default "PRIVATE_ONLY" */
  webserverAccessMode: z.enum(["PRIVATE_ONLY", "PUBLIC_ONLY"]).default("PRIVATE_ONLY"),
  logLevels: z
    .strictObject({
      dagProcessing: z.enum(AIRFLOW_LOG_LEVELS).default("WARNING"),
      scheduler: z.enum(AIRFLOW_LOG_LEVELS).default("WARNING"),
      task: z.enum(AIRFLOW_LOG_LEVELS).default("INFO"),
      webserver: z.enum(AIRFLOW_LOG_LEVELS).default("WARNING"),
      worker: z.enum(AIRFLOW_LOG_LEVELS).default("WARNING"),
    })
    .prefault({}),
  /** Default retries of every task. @default 2 */
  defaultTaskRetries: int(0, 10).default(2),
  /** Customer-managed KMS key; AWS-owned when unset. */
  kmsKeyArn: arn("kms").optional(),
  /** Weekly maintenance start, `DDD:HH:MM` UTC on a half hour. @default "SUN:03:00" */
  weeklyMaintenanceWindowStart: z
    .string()
    .regex(/^(MON|TUE|WED|THU|FRI|SAT|SUN):([01]\d|2[0-3]):(00|30)$/, "must be DDD:HH:MM on a half hour, e.g. SUN:03:00")
    .default("SUN:03:00"),
  /** Prefix of the data bucket the DAG watches. @default "incoming/" */
  newDataPrefix: z.string().regex(/^[a-zA-Z0-9!_.'()\/-]+\/$/, "must be an S3 prefix ending in '/' (no wildcards)").default("incoming/"),
  /** Where processed files move to. @default "archive/" */
  archivePrefix: z.string().regex(/^[a-zA-Z0-9!_.'()\/-]+\/$/, "must be an S3 prefix ending in '/' (no wildcards)").default("archive/"),
});

const training = z.strictObject({
  dataBucket: z
    .strictObject({
      /** Use this existing bucket instead of creating one. */
      existingBucketName: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be a valid S3 bucket name").optional(),
      /** Days noncurrent object versions are kept. @default 30 */
      noncurrentVersionDays: int(1, 3650).default(30),
    })
    .prefault({}),
  /** Feature group online store (low-latency reads; billed per request). @default false */
  onlineStore: z.boolean().default(false),
  /** @default "ml.m5.large" */
  processingInstanceType: z.string().regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/, "must be a SageMaker instance type such as ml.m5.large").default("ml.m5.large"),
  /** @default "ml.m5.large" */
  trainingInstanceType: z.string().regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/, "must be a SageMaker instance type such as ml.m5.large").default("ml.m5.large"),
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

const observability = z.strictObject({
  notifications: z
    .strictObject({
      /** Email addresses subscribed to the stack's alarm topic (each confirms by email). @default [] */
      emails: z.array(z.email({ message: "must be an email address" })).max(20).default([]),
      /** HTTPS endpoints (chat webhooks, incident tools) subscribed to the topic. @default [] */
      httpsEndpoints: z.array(z.url({ protocol: /^https$/, message: "must be an https:// URL" })).max(20).default([]),
    })
    .prefault({}),
  alarms: z
    .strictObject({
      /** Periods a metric must breach before an alarm fires. @default 3 */
      evaluationPeriods: int(1, 100).default(3),
      /** Length of one period in seconds. @default 300 */
      periodSeconds: z.union([z.literal(60), z.literal(300), z.literal(900), z.literal(3600)], { message: "must be 60, 300, 900 or 3600" }).default(300),
      /** ALB 5xx responses as a percentage of requests. @default 5 */
      alb5xxPercent: z.number().min(0).max(100).default(5),
      /** Target p99 response time in milliseconds. @default 500 */
      p99LatencyMs: z.number().positive().max(60000).default(500),
      /** ECS service CPU utilisation in percent. @default 80 */
      cpuPercent: z.number().min(1).max(100).default(80),
      /** ECS service memory utilisation in percent. @default 80 */
      memoryPercent: z.number().min(1).max(100).default(80),
      /** Lambda errors per period before alarming. @default 1 */
      lambdaErrors: int(0, 100000).default(1),
      /** Queued Airflow tasks before alarming. @default 50 */
      airflowQueuedTasks: int(0, 100000).default(50),
      /** Drift band: training mean ± this many standard deviations. @default 3 */
      driftStdDevs: z.number().positive().max(10).default(3),
    })
    .prefault({}),
  /** AWS IoT logging level. @default "ERROR" */
  iotLogLevel: z.enum(["DEBUG", "INFO", "WARN", "ERROR", "DISABLED"]).default("ERROR"),
  /** Device Defender scheduled audit frequency. @default "WEEKLY" */
  auditFrequency: z.enum(["DAILY", "WEEKLY", "BIWEEKLY", "MONTHLY"]).default("WEEKLY"),
  /**
   * Own the account-wide IoT settings (Device Defender audit configuration, scheduled audit, IoT logging). They exist
   * once per account and region: when stacks share an account, leave this on in exactly one of them. @default true
   */
  fleetAudit: z.boolean().default(true),
});

const stackSchema = z.strictObject({
  /** Environment tier; decides the mandatory safety rules. */
  environment: z.enum(ENVIRONMENTS, { message: `must be one of ${ENVIRONMENTS.join(", ")}` }),
  /** Protect stateful resources (data and DAG buckets, ECR, feature group, model registry). @default true */
  protect: z.boolean().default(true),
  /** Extra tags on every resource. @default {} */
  tags: z.record(tagKey, z.string().max(256)).default({}),
  network: network.prefault({}),
  edgeFleet: edgeFleet.prefault({}),
  inference: inference.prefault({}),
  airflow: airflow.prefault({}),
  training: training.prefault({}),
  observability: observability.prefault({}),
});

export type StackSettings = z.infer<typeof stackSchema>;
export type NetworkConfig = StackSettings["network"];
export type EdgeFleetConfig = StackSettings["edgeFleet"];
export type InferenceConfig = StackSettings["inference"];
export type AirflowConfig = StackSettings["airflow"];
export type TrainingConfig = StackSettings["training"];
export type ObservabilityConfig = StackSettings["observability"];

/** The validated config of one stack, plus what Pulumi itself knows about it. */
export interface StackConfig extends StackSettings {
  readonly project: string;
  readonly stack: string;
  readonly region: string;
}

/** Config keys this program reads (the top level of the `edge-mlops:` namespace). */
export const CONFIG_KEYS = Object.keys(stackSchema.shape) as readonly (keyof StackSettings)[];

// ---- cross-field rules --------------------------------------------------------------------------------------------

type Rule = (c: StackSettings) => [path: string, problem: string] | undefined;

const rules: Rule[] = [
  (c) =>
    c.environment === "prod" && !c.protect ? ["protect", "must be true when environment is prod"] : undefined,
  (c) =>
    c.environment === "prod" && c.network.natGateways !== "onePerAz"
      ? ["network.natGateways", "must be onePerAz when environment is prod (a single NAT gateway is a single point of failure)"]
      : undefined,
  (c) => {
    const allowed = FARGATE_MEMORY[c.inference.cpu] ?? [];
    return allowed.includes(c.inference.memory)
      ? undefined
      : ["inference.memory", `${c.inference.memory} MiB is not valid with cpu ${c.inference.cpu}; Fargate allows ${allowed.join(", ")}`];
  },
  (c) =>
    c.inference.minCount > c.inference.desiredCount
      ? ["inference.minCount", `must be <= desiredCount (${c.inference.desiredCount})`]
      : undefined,
  (c) =>
    c.inference.desiredCount > c.inference.maxCount
      ? ["inference.desiredCount", `must be <= maxCount (${c.inference.maxCount})`]
      : undefined,
  (c) =>
    c.environment === "prod" && c.inference.desiredCount < 2
      ? ["inference.desiredCount", "must be at least 2 when environment is prod"]
      : undefined,
  (c) =>
    c.environment === "prod" && !c.inference.loadBalancer.deletionProtection
      ? ["inference.loadBalancer.deletionProtection", "must be true when environment is prod"]
      : undefined,
  (c) =>
    c.airflow.minWorkers > c.airflow.maxWorkers
      ? ["airflow.minWorkers", `must be <= maxWorkers (${c.airflow.maxWorkers})`]
      : undefined,
  (c) => {
    const micro = c.airflow.environmentClass === "mw1.micro";
    if (micro && c.airflow.schedulers !== 1) return ["airflow.schedulers", "must be 1 for mw1.micro"];
    if (micro && c.airflow.maxWorkers !== 1) return ["airflow.maxWorkers", "must be 1 for mw1.micro"];
    if (!micro && c.airflow.schedulers < 2) return ["airflow.schedulers", `must be 2 to 5 for ${c.airflow.environmentClass}`];
    return undefined;
  },
  (c) =>
    c.airflow.archivePrefix.startsWith(c.airflow.newDataPrefix) || c.airflow.newDataPrefix.startsWith(c.airflow.archivePrefix)
      ? ["airflow.archivePrefix", `must not contain or lie inside newDataPrefix ('${c.airflow.newDataPrefix}'): archived files would be ingested again`]
      : undefined,
  (c) =>
    c.environment === "prod" && c.airflow.webserverAccessMode !== "PRIVATE_ONLY"
      ? ["airflow.webserverAccessMode", "must be PRIVATE_ONLY when environment is prod"]
      : undefined,
  (c) =>
    c.environment === "dev" && c.airflow.enabled && c.airflow.maxWorkers > 2
      ? ["airflow.maxWorkers", "must be at most 2 in dev (MWAA bills every hour)"]
      : undefined,
  (c) =>
    c.environment === "prod" && c.training.modelApproval !== "PendingManualApproval"
      ? ["training.modelApproval", "must be PendingManualApproval when environment is prod"]
      : undefined,
  (c) =>
    c.environment === "prod" && c.training.includeExecutionData
      ? ["training.includeExecutionData", "must be false when environment is prod (execution data may hold training data)"]
      : undefined,
  (c) =>
    c.environment === "prod" && c.edgeFleet.allowGeneratedKeys
      ? ["edgeFleet.allowGeneratedKeys", "must be false when environment is prod (private keys would be stored in state)"]
      : undefined,
  (c) =>
    c.environment === "prod" && c.observability.auditFrequency !== "DAILY"
      ? ["observability.auditFrequency", "must be DAILY when environment is prod"]
      : undefined,
  (c) =>
    c.environment === "prod" && c.observability.notifications.emails.length + c.observability.notifications.httpsEndpoints.length === 0
      ? ["observability.notifications", "must name at least one email or HTTPS endpoint when environment is prod (alarms nobody receives help no one)"]
      : undefined,
  (c) => duplicate(c.edgeFleet.childGroups.map((g) => g.name), "edgeFleet.childGroups"),
  (c) => duplicate(c.edgeFleet.devices.map((d) => d.name), "edgeFleet.devices"),
  (c) => {
    const groups = new Set(c.edgeFleet.childGroups.map((g) => g.name));
    const i = c.edgeFleet.devices.findIndex((d) => d.group !== undefined && !groups.has(d.group));
    return i < 0
      ? undefined
      : [`edgeFleet.devices[${i}].group`, `'${c.edgeFleet.devices[i].group}' is not one of edgeFleet.childGroups`];
  },
  (c) => {
    const i = c.edgeFleet.devices.findIndex((d) => d.csrFile === undefined);
    return i < 0 || c.edgeFleet.allowGeneratedKeys
      ? undefined
      : [`edgeFleet.devices[${i}].csrFile`, "is required unless edgeFleet.allowGeneratedKeys is true"];
  },
  (c) => {
    const e = c.edgeFleet.deployment.rollout.exponential;
    return e && Math.round(e.incrementFactor * 10) !== e.incrementFactor * 10
      ? ["edgeFleet.deployment.rollout.exponential.incrementFactor", "may have at most one decimal (IoT jobs' rule), e.g. 1.5"]
      : undefined;
  },
  (c) => {
    const t = c.edgeFleet.deployment.abort.failureThresholdPercentage;
    return Math.round(t * 100) !== t * 100
      ? ["edgeFleet.deployment.abort.failureThresholdPercentage", "may have at most two decimals (IoT jobs' rule)"]
      : undefined;
  },
  (c) => {
    const f = c.edgeFleet;
    return f.provisioning.enabled && f.provisioning.templateName === undefined && (f.rootGroupName ?? "").length > 30
      ? ["edgeFleet.rootGroupName", "must be at most 30 characters when provisioning is on without provisioning.templateName (the template is named <rootGroupName>-fleet, at most 36)"]
      : undefined;
  },
  (c) => {
    const i = c.edgeFleet.devices.findIndex((d) => d.csrFile === undefined && d.name.length > 64);
    return i < 0 ? undefined : [`edgeFleet.devices[${i}].name`, "must be at most 64 characters for a generated key (X.509 common name limit)"];
  },
  (c) => {
    const e = c.edgeFleet.deployment.rollout.exponential;
    return e && e.baseRatePerMinute > c.edgeFleet.deployment.rollout.maximumPerMinute
      ? ["edgeFleet.deployment.rollout.exponential.baseRatePerMinute", "must be <= rollout.maximumPerMinute"]
      : undefined;
  },
];

function duplicate(names: string[], path: string): [string, string] | undefined {
  const i = names.findIndex((n, k) => names.indexOf(n) !== k);
  return i < 0 ? undefined : [`${path}[${i}].name`, `'${names[i]}' is used twice; names must be unique`];
}

// ---- entry points -------------------------------------------------------------------------------------------------

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
    "",
  );
}

function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case "unrecognized_keys":
      return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${k}'`).join(", ")}; check the spelling against components/config.ts`;
    case "invalid_key":
      return issue.issues[0]?.message ?? issue.message;
    case "invalid_type": {
      const expected = ({ array: "a list", int: "an integer", object: "an object (a mapping of keys to values)" } as Record<string, string>)[issue.expected] ?? `a ${issue.expected}`;
      return value === undefined ? `is required (${expected})` : `must be ${expected}, got ${JSON.stringify(value)}`;
    }
    case "too_small":
      return `must be ${issue.inclusive === false ? ">" : ">="} ${String(issue.minimum)}${typeof value === "number" ? `, got ${value}` : ""}`;
    case "too_big":
      return `must be ${issue.inclusive === false ? "<" : "<="} ${String(issue.maximum)}${typeof value === "number" ? `, got ${value}` : ""}`;
    case "invalid_value": {
      const allowed = `one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
      return value === undefined ? `is required; must be ${allowed}` : `must be ${allowed}, got ${JSON.stringify(value)}`;
    }
    default:
      return issue.message;
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const p of path) v = v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/**
 * Validates a stack's `edge-mlops:` settings (keys without the namespace, values already parsed from YAML/JSON).
 * Returns the settings with defaults applied; throws a ConfigError naming the first bad key otherwise.
 */
export function parseStackSettings(raw: Record<string, unknown>): StackSettings {
  const result = stackSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]] : issue.path;
    throw new ConfigError(`${PROJECT}:${formatPath(path)}`, describeIssue(issue, valueAt(raw, issue.path)));
  }
  for (const rule of rules) {
    const broken = rule(result.data);
    if (broken) throw new ConfigError(`${PROJECT}:${broken[0]}`, broken[1]);
  }
  return result.data;
}

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

/**
 * Validates the whole config of a stack as Pulumi holds it: a flat map of `namespace:key` to string values, where
 * object values are JSON (the shape of `pulumi.runtime.allConfig()`).
 */
export function parseStackConfig(all: Record<string, string>, project: string, stack: string): StackConfig {
  const region = all["aws:region"];
  if (region === undefined) throw new ConfigError("aws:region", "is required; set it with `pulumi config set aws:region <region>`");
  if (!REGION.test(region)) throw new ConfigError("aws:region", `'${region}' is not an AWS region name such as eu-west-1`);
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(all)) {
    if (!fullKey.startsWith(`${PROJECT}:`)) continue;
    raw[fullKey.slice(PROJECT.length + 1)] = parseValue(value);
  }
  const settings = parseStackSettings(raw);
  const f = settings.edgeFleet;
  if (f.enabled && f.provisioning.enabled && !f.rootGroupName && !f.provisioning.templateName && `edge-mlops-${stack}`.length > 30) {
    throw new ConfigError(`${PROJECT}:edgeFleet.rootGroupName`, `the default 'edge-mlops-${stack}' is over 30 characters; set rootGroupName or provisioning.templateName`);
  }
  return { project, stack, region, ...settings };
}

/** Pulumi hands every config value over as a string; objects, numbers and booleans arrive as JSON. */
function parseValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Reads and validates the running stack's config. Throws ConfigError before anything else happens. */
export function loadStackConfig(): StackConfig {
  return parseStackConfig(pulumi.runtime.allConfig(), pulumi.getProject(), pulumi.getStack());
}
