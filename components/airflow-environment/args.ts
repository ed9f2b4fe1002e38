// The Airflow environment's settings as one schema: every default, range and cross-field rule of an AirflowEnvironment
// is stated here once. The component resolves its args with it (resolve.ts) and the stack config composes it as
// `edge-mlops:airflow`. AWS's own limits come from mwaa.ts, each with its source.
//
// Two defaults depend on the environment class, so they are filled in after the fields are read (`classDefaults`):
// `maxWorkers` is 2, or 1 on mw1.micro, and `schedulers` is the class's minimum, as MWAA itself defaults it (2, or 1 on
// mw1.micro). The class rules are then checked on the values as resolved.
import { z } from "zod";
import { KMS_KEY_ARN } from "../../contracts/patterns";
import { int, s3Prefix } from "../args";
import {
  AIRFLOW_LOG_LEVELS,
  classLimits,
  MWAA_AIRFLOW_VERSIONS,
  MWAA_ENVIRONMENT_CLASSES,
  MWAA_ENVIRONMENT_NAME,
  MWAA_LIMITS,
  MWAA_MAINTENANCE_WINDOW,
  type EnvironmentClass,
  type Range,
} from "./mwaa";

const logLevel = (level: (typeof AIRFLOW_LOG_LEVELS)[number]) => z.enum(AIRFLOW_LOG_LEVELS).default(level);

/**
 * A key prefix in the data bucket: an S3 prefix ending in '/', without wildcards, not starting with '/'. Drift decision:
 * the old stack config admitted a leading '/', the component did not; kept out, since it would make every key the DAG
 * lists, and every IAM resource built from the prefix, start with an empty path segment.
 */
const dataPrefix = s3Prefix.refine((prefix) => !prefix.startsWith("/"), { message: "must not start with '/'" });

const workers = int(MWAA_LIMITS.workers.min, MWAA_LIMITS.workers.max);

const fields = z.strictObject({
  /**
   * Create the MWAA environment, with its execution role, security group, alarms and dashboard widgets. When false
   * only the DAG bucket and its uploads exist (a few cents a month): MWAA cannot be paused and bills every hour, so a
   * stack turns it on deliberately. @default false
   */
  enabled: z.boolean().default(false),
  /**
   * Name of the MWAA environment, also in its `airflow-<name>-*` log groups and metric dimensions: a letter, then up
   * to 79 letters, digits, '-' or '_' (CreateEnvironment `Name`). A new name replaces the environment.
   * @default "<project>-<stack>-<component name>", e.g. "edge-mlops-prod-prod"
   */
  environmentName: z
    .string()
    .regex(MWAA_ENVIRONMENT_NAME, "must start with a letter and hold 1-80 letters, digits, '-' or '_' (MWAA's rule)")
    .optional(),
  /** Apache Airflow version, one MWAA offers (mwaa.ts). Keep airflow/requirements.txt's constraints in step. @default "2.10.3" */
  airflowVersion: z.enum(MWAA_AIRFLOW_VERSIONS).default("2.10.3"),
  /** Size of the scheduler, worker, web server and database containers (mwaa.ts; priced in components/pricing.ts). @default "mw1.small" */
  environmentClass: z.enum(MWAA_ENVIRONMENT_CLASSES).default("mw1.small"),
  /** Workers always running (`MinWorkers`): 1 to 25, and 1 on mw1.micro; at most maxWorkers. @default 1 */
  minWorkers: workers.default(1),
  /**
   * Upper bound of worker autoscaling (`MaxWorkers`): 1 to 25 (MWAA's per-environment quota), and 1 on mw1.micro,
   * which does not autoscale. Drift decision: the old stack config defaulted to 2 for every class, so mw1.micro
   * without maxWorkers was refused; the default now follows the class, as the component's did.
   * @default 2 (1 on mw1.micro)
   */
  maxWorkers: workers.optional(),
  /**
   * Apache Airflow schedulers (`Schedulers`): 2 to 5, and 1 on mw1.micro (CreateEnvironment). Drift decision as for
   * maxWorkers: the default is the class's minimum, MWAA's own default. @default 2 (1 on mw1.micro)
   */
  schedulers: int(MWAA_LIMITS.schedulers.min, MWAA_LIMITS.schedulers.max).optional(),
  /**
   * Web server reachable only from inside the VPC, or from the internet (still behind IAM sign-in). Prod requires
   * PRIVATE_ONLY (components/config.ts). @default "PRIVATE_ONLY"
   */
  webserverAccessMode: z.enum(["PRIVATE_ONLY", "PUBLIC_ONLY"]).default("PRIVATE_ONLY"),
  /** Level of each of the five log types; all five are always sent to CloudWatch Logs. */
  logLevels: z
    .strictObject({
      /** @default "WARNING" */
      dagProcessing: logLevel("WARNING"),
      /** @default "WARNING" */
      scheduler: logLevel("WARNING"),
      /** @default "INFO" */
      task: logLevel("INFO"),
      /** @default "WARNING" */
      webserver: logLevel("WARNING"),
      /** @default "WARNING" */
      worker: logLevel("WARNING"),
    })
    .prefault({}),
  /** Retries of every task unless the task says otherwise (Airflow's `core.default_task_retries`), 0 to 10. @default 2 */
  defaultTaskRetries: int(0, 10).default(2),
  /**
   * Customer-managed KMS key (key ARN) for the environment and the DAG bucket. Drift decision: the old stack config
   * admitted any KMS ARN, aliases included; only a key ARN works for the bucket's encryption and in the execution
   * role's key statement, so only a key ARN is accepted. @default an AWS-owned key (AES256 on the DAG bucket)
   */
  kmsKeyArn: z.string().regex(KMS_KEY_ARN, "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)").optional(),
  /** Weekly maintenance start, `DDD:HH:MM` UTC on a half hour (CreateEnvironment). @default "SUN:03:00" */
  weeklyMaintenanceWindowStart: z.string().regex(MWAA_MAINTENANCE_WINDOW, "must be DDD:HH:MM on a half hour, e.g. SUN:03:00").default("SUN:03:00"),
  /** Prefix of the data bucket the DAG watches for new files. @default "incoming/" */
  newDataPrefix: dataPrefix.default("incoming/"),
  /** Prefix processed files move to; neither prefix may contain the other. @default "archive/" */
  archivePrefix: dataPrefix.default("archive/"),
  /**
   * Folder laid out like the repository's `airflow/` (`dags/**`, and when present `requirements.txt`, `plugins.zip`,
   * `startup.sh`), relative to the project directory, where Pulumi runs the program. Read when the program runs.
   * @default "airflow"
   */
  sourceDir: z.string().min(1).default("airflow"),
});

/** The defaults that depend on the class: maxWorkers 2 (at most what the class allows), schedulers the class's minimum. */
export function classDefaults(environmentClass: EnvironmentClass): { maxWorkers: number; schedulers: number } {
  const limits = classLimits(environmentClass);
  return { maxWorkers: Math.min(2, limits.workers.max), schedulers: limits.schedulers.min };
}

const span = (r: Range) => (r.min === r.max ? String(r.min) : `${r.min} to ${r.max}`);

export const airflowSettings = fields
  .transform((s) => {
    const defaults = classDefaults(s.environmentClass);
    return { ...s, maxWorkers: s.maxWorkers ?? defaults.maxWorkers, schedulers: s.schedulers ?? defaults.schedulers };
  })
  .superRefine((s, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    const limits = classLimits(s.environmentClass);
    const why = s.environmentClass === "mw1.micro" ? " (one combined worker and scheduler, no autoscaling)" : "";
    const checks = [
      ["minWorkers", s.minWorkers, limits.workers],
      ["maxWorkers", s.maxWorkers, limits.workers],
      ["schedulers", s.schedulers, limits.schedulers],
    ] as const;
    const outside = checks.find(([, value, range]) => value < range.min || value > range.max);
    if (outside) issue(outside[0], `must be ${span(outside[2])} for ${s.environmentClass}${why}`);
    else if (s.minWorkers > s.maxWorkers) issue("minWorkers", `must be <= maxWorkers (${s.maxWorkers})`);
    if (s.archivePrefix.startsWith(s.newDataPrefix) || s.newDataPrefix.startsWith(s.archivePrefix)) {
      issue("archivePrefix", `must not contain or lie inside newDataPrefix ('${s.newDataPrefix}'): archived files would be ingested again`);
    }
  });

/** An AirflowEnvironment's settings as given (defaults optional). */
export type AirflowSettingsInput = z.input<typeof airflowSettings>;
/** An AirflowEnvironment's settings with every default applied. */
export type AirflowSettings = z.output<typeof airflowSettings>;
