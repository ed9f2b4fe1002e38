// The Airflow environment's settings as one schema: every default, range and cross-field rule of an
// AirflowEnvironment is stated here once. The component resolves its args with it and the stack config composes it as
// `edge-mlops:airflow`.
import { z } from "zod";
import { arn, int, s3Prefix } from "../args";
import { AIRFLOW_LOG_LEVELS, MWAA_AIRFLOW_VERSIONS, MWAA_ENVIRONMENT_CLASSES } from "./mwaa";

export const airflowSettings = z.strictObject({
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
  newDataPrefix: s3Prefix.default("incoming/"),
  /** Where processed files move to. @default "archive/" */
  archivePrefix: s3Prefix.default("archive/"),
}).superRefine((s, ctx) => {
  const issue = (path: string[], message: string) => ctx.addIssue({ code: "custom", path, message });
  if (s.minWorkers > s.maxWorkers) issue(["minWorkers"], `must be <= maxWorkers (${s.maxWorkers})`);
  const micro = s.environmentClass === "mw1.micro";
  if (micro && s.schedulers !== 1) issue(["schedulers"], "must be 1 for mw1.micro");
  else if (micro && s.maxWorkers !== 1) issue(["maxWorkers"], "must be 1 for mw1.micro");
  else if (!micro && s.schedulers < 2) issue(["schedulers"], `must be 2 to 5 for ${s.environmentClass}`);
  if (s.archivePrefix.startsWith(s.newDataPrefix) || s.newDataPrefix.startsWith(s.archivePrefix)) {
    issue(["archivePrefix"], `must not contain or lie inside newDataPrefix ('${s.newDataPrefix}'): archived files would be ingested again`);
  }
});

/** An AirflowEnvironment's settings as given (defaults optional). */
export type AirflowSettingsInput = z.input<typeof airflowSettings>;
/** An AirflowEnvironment's settings with every default applied. */
export type AirflowSettings = z.output<typeof airflowSettings>;
