// The observability settings as one schema: notification recipients, alarm thresholds and the level and frequency of
// the account-wide IoT logging and audit (which stack owns those: `accountSettings`, components/config.ts). Components read the thresholds through components/observability/contract.ts; the stack
// config composes the schema as `edge-mlops:observability`.
import { z } from "zod";
import { AWS_REGION, KMS_KEY_OR_ALIAS_ARN } from "../../contracts/patterns";
import { int } from "../args";

/** Who receives the stack's alarms: the Notifications component's subscribers. */
export const notificationSettings = z
  .strictObject({
    /** Email addresses subscribed to the stack's alarm topic (each confirms by email). @default [] */
    emails: z.array(z.email({ message: "must be an email address" })).max(20).default([]),
    /** HTTPS endpoints (chat webhooks, incident tools) subscribed to the topic. @default [] */
    httpsEndpoints: z.array(z.url({ protocol: /^https$/, message: "must be an https:// URL" })).max(20).default([]),
    /**
     * Customer-managed KMS key (key or alias ARN) that encrypts the topic. Its key policy must let
     * cloudwatch.amazonaws.com and events.amazonaws.com use kms:Decrypt and kms:GenerateDataKey* (alias/aws/sns cannot:
     * its policy admits neither, and alarm deliveries are dropped without an error).
     * @default a key the component creates, with that policy and yearly rotation
     */
    kmsKeyArn: z.string().regex(KMS_KEY_OR_ALIAS_ARN, "must be a KMS key or alias ARN of a customer-managed key").optional(),
    /** Display name of the topic (the sender name of emails), 1 to 100 characters (SNS limit). @default "edge-mlops <name> alarms" */
    displayName: z.string().min(1).max(100).optional(),
  })
  .superRefine((n, ctx) => {
    for (const [key, list] of [["emails", n.emails.map((e) => e.toLowerCase())], ["httpsEndpoints", n.httpsEndpoints]] as const) {
      const dup = list.findIndex((v, i) => list.indexOf(v) !== i);
      if (dup >= 0) ctx.addIssue({ code: "custom", path: [key, dup], message: `'${list[dup]}' is listed twice` });
    }
  });

/**
 * Alarm thresholds and evaluation windows, shared by every component's alarms (components/observability/contract.ts).
 * CloudWatch evaluates at most one day of periods per alarm (PutMetricAlarm: EvaluationPeriods × Period ≤ 86,400 s).
 */
export const alarmThresholds = z
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
    /**
     * Critical value k of the drift alarms' two-sided z-test (components/observability/drift.ts): a period's mean of a
     * standardised input or prediction breaches when it is k or more standard errors from the training mean, and the
     * alarm fires when every one of `evaluationPeriods` periods in a row breaches. From 2 (P(|Z| ≥ 2) = 4.6% per period
     * and alarm) to 8 (P(|Z| ≥ 8) ≈ 1e-15: stricter changes nothing but what a real shift needs).
     * @default 2.5 (P(|Z| ≥ 2.5) = 1.2% per period; 3 periods in a row on training data: 1.9e-6, about one false alarm
     * in 230 days for the 8 alarms of the shipped model at 5-minute periods; a shift of 3 standard errors breaches in
     * 69% of the periods)
     */
    driftCriticalZ: z.number().min(2).max(8).default(2.5),
    /**
     * Minimum effect size e of the drift alarms, in training standard deviations: a period mean closer than e to the
     * training mean never alarms, however many values the period holds (with 10,000 values a shift of 0.03 would pass
     * k = 2.5). Up to (k / e)² values a period (625 with the defaults) the z-test alone decides. 0 turns it off; at most 2
     * (a mean 2 standard deviations off already sits outside most training data: a larger e would hide shifts the
     * model cannot serve). @default 0.1
     */
    driftMinEffectSize: z.number().min(0).max(2).default(0.1),
  })
  .refine((t) => t.evaluationPeriods * t.periodSeconds <= 86400, {
    path: ["evaluationPeriods"],
    message: "times periodSeconds must not exceed one day (CloudWatch evaluates at most 86,400 s of periods)",
  });

/** A Dashboard's settings; its widget sections are wiring. */
export const dashboardSettings = z.object({
  /** Region of the metrics (filled into metric and log widgets that name none) and of the console link. */
  region: z.string().regex(AWS_REGION, "must be an AWS region name such as eu-west-1"),
  /** 1 to 255 characters of A-Z, a-z, 0-9, '-' and '_' (PutDashboard's rule). @default the component's name */
  dashboardName: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, "must be 1-255 characters of A-Z, a-z, 0-9, '-' and '_'").optional(),
  /** Time range when the dashboard opens: a negative ISO 8601 duration such as -PT3H or -P7D. @default "-PT3H" */
  start: z
    .string()
    .refine((v) => /^-P(\d+[WD])?(T(\d+H)?(\d+M)?)?$/.test(v) && v !== "-P" && !v.endsWith("T"), {
      message: "must be a negative ISO 8601 duration such as -PT3H or -P7D",
    })
    .default("-PT3H"),
  /** "inherit" keeps each graph's period, "auto" adapts periods to the time range. @default "inherit" */
  periodOverride: z.enum(["auto", "inherit"]).default("inherit"),
});

/** The `edge-mlops:observability` section of the stack config. */
export const observabilitySettings = z.strictObject({
  notifications: notificationSettings.prefault({}),
  alarms: alarmThresholds.prefault({}),
  /** AWS IoT logging level; applies where the stack owns the account's settings (accountSettings.owner). @default "ERROR" */
  iotLogLevel: z.enum(["DEBUG", "INFO", "WARN", "ERROR", "DISABLED"]).default("ERROR"),
  /** Device Defender scheduled audit frequency; applies where the stack owns the account's settings. @default "WEEKLY" */
  auditFrequency: z.enum(["DAILY", "WEEKLY", "BIWEEKLY", "MONTHLY"]).default("WEEKLY"),
});

/** The observability settings as given (defaults optional). */
export type ObservabilitySettingsInput = z.input<typeof observabilitySettings>;
/** The observability settings with every default applied. */
export type ObservabilitySettings = z.output<typeof observabilitySettings>;

/** Notifications' settings as given (defaults optional). */
export type NotificationSettingsInput = z.input<typeof notificationSettings>;
/** Alarm thresholds with every default applied. */
export type AlarmThresholds = z.output<typeof alarmThresholds>;
/** A Dashboard's settings as given (defaults optional). */
export type DashboardSettingsInput = z.input<typeof dashboardSettings>;
