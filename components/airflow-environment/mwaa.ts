/**
 * Amazon MWAA's offer: the Airflow versions and environment classes an environment can be created with (Amazon MWAA
 * User Guide, "Apache Airflow versions on Amazon MWAA" and "Amazon MWAA environment class"), and Airflow's log levels
 * (MWAA `LoggingConfiguration`).
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
