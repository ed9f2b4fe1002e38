/**
 * Amazon MWAA's offer and limits, as AWS states them; the settings schema (args.ts) and the price table read them here.
 *
 * - Airflow versions and environment classes: Amazon MWAA User Guide, "Apache Airflow versions on Amazon MWAA" and
 *   "Amazon MWAA environment class" (mw1.micro runs one combined worker and scheduler and does not autoscale).
 * - MWAA API Reference, CreateEnvironment (https://docs.aws.amazon.com/mwaa/latest/API/API_CreateEnvironment.html):
 *   `Name` is 1 to 80 characters matching `[a-zA-Z][0-9a-zA-Z-_]*`; `MinWorkers` is at least 1; `Schedulers` is at most
 *   5, and accepts 2 to 5 for classes larger than mw1.micro (default 2) and 1 for mw1.micro (its default);
 *   `NetworkConfiguration.SubnetIds` holds exactly 2 subnets; `WeeklyMaintenanceWindowStart` is `DAY:HH:MM` UTC in
 *   30-minute steps; `LoggingConfiguration` log levels are CRITICAL, ERROR, WARNING, INFO or DEBUG.
 * - `MaxWorkers`: at most 25, MWAA's per-environment worker quota (the AWS provider's `aws.mwaa.Environment.maxWorkers`:
 *   "between 1 and 25"; the MWAA FAQ, "Can I specify more than 25 Apache Airflow workers?": only by a quota increase).
 */

/** Airflow versions Amazon MWAA offers in the 2.x line. */
export const MWAA_AIRFLOW_VERSIONS = ["2.8.1", "2.9.2", "2.10.1", "2.10.3"] as const;
export type AirflowVersion = (typeof MWAA_AIRFLOW_VERSIONS)[number];

/** MWAA environment classes, smallest first. */
export const MWAA_ENVIRONMENT_CLASSES = ["mw1.micro", "mw1.small", "mw1.medium", "mw1.large", "mw1.xlarge", "mw1.2xlarge"] as const;
export type EnvironmentClass = (typeof MWAA_ENVIRONMENT_CLASSES)[number];

/** Log levels MWAA accepts for each of its five log types. */
export const AIRFLOW_LOG_LEVELS = ["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"] as const;
export type AirflowLogLevel = (typeof AIRFLOW_LOG_LEVELS)[number];

/** An environment name: a letter, then letters, digits, '-' or '_', 80 characters at most (CreateEnvironment `Name`). */
export const MWAA_ENVIRONMENT_NAME = /^[a-zA-Z][0-9a-zA-Z_-]{0,79}$/;

/** Weekly maintenance start, `DDD:HH:MM` UTC on a half hour (CreateEnvironment `WeeklyMaintenanceWindowStart`). */
export const MWAA_MAINTENANCE_WINDOW = /^(MON|TUE|WED|THU|FRI|SAT|SUN):([01]\d|2[0-3]):(00|30)$/;

/** Subnets an environment runs in: exactly two private subnets in different availability zones. */
export const MWAA_SUBNETS = 2;

/** Workers (`MinWorkers`, `MaxWorkers`) and schedulers any class accepts, inclusive. */
export const MWAA_LIMITS = { workers: { min: 1, max: 25 }, schedulers: { min: 1, max: 5 } } as const;

export interface Range {
  readonly min: number;
  readonly max: number;
}

/** What one environment class accepts: mw1.micro exactly one worker and one scheduler, the others 1-25 and 2-5. */
export function classLimits(environmentClass: EnvironmentClass): { readonly workers: Range; readonly schedulers: Range } {
  return environmentClass === "mw1.micro"
    ? { workers: { min: 1, max: 1 }, schedulers: { min: 1, max: 1 } }
    : { workers: MWAA_LIMITS.workers, schedulers: { min: 2, max: MWAA_LIMITS.schedulers.max } };
}

/** The CloudWatch namespace MWAA publishes environment metrics in. */
export const MWAA_METRIC_NAMESPACE = "AmazonMWAA";
