// The observability settings as one schema: notification recipients, alarm thresholds and the account-wide IoT audit
// and logging switches. Components read the thresholds through components/observability/contract.ts; the stack
// config composes the schema as `edge-mlops:observability`.
import { z } from "zod";
import { int } from "../args";

export const observabilitySettings = z.strictObject({
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

/** The observability settings as given (defaults optional). */
export type ObservabilitySettingsInput = z.input<typeof observabilitySettings>;
/** The observability settings with every default applied. */
export type ObservabilitySettings = z.output<typeof observabilitySettings>;
