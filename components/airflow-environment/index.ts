// Amazon MWAA for the continuous-training DAG: a versioned, private, encrypted DAG bucket holding `airflow/`, and —
// only when enabled, because MWAA cannot be paused and bills every hour — the environment itself with its execution
// role, security group, alarms and dashboard widgets.
//
// Cost control (the args convention's `enabled`): `enabled: false` keeps only the DAG bucket and its uploads (a few
// cents a month; CI can keep syncing DAGs and the protected bucket survives switching the environment off and on) and
// creates no environment, role, security group or alarm, so nothing bills by the hour.
//
// This class only wires the parts together; each is built by a named function in a file of its own, with its own
// design note: dag-bucket.ts (bucket and uploads), environment.ts (security group, execution role, MWAA) and
// monitoring.ts (alarms and widgets). Settings and their rules live in args.ts, the wiring and its rules in resolve.ts,
// MWAA's facts in mwaa.ts, the role's documents in policy.ts, the source folder in sources.ts. Every child is
// registered with the component as its parent, under the name it has always had.
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Monitored } from "../observability/contract";
import type { Widget } from "../observability/widgets";
import { estimateMwaaMonthlyCost, type CostEstimate } from "../pricing";
import { dagBucket, type ObjectVersions } from "./dag-bucket";
import { mwaaEnvironment } from "./environment";
import { airflowAlarms, airflowDashboardSection } from "./monitoring";
import { resolveAirflowEnvironmentArgs, type AirflowEnvironmentArgs } from "./resolve";

export { airflowSettings, classDefaults, type AirflowSettings, type AirflowSettingsInput } from "./args";
export { dagBucketPrefix, type ObjectVersions } from "./dag-bucket";
export { DAG_SETTINGS, DAG_SETTINGS_SECTION } from "./environment";
export { airflowAlarmSpecs, airflowWidgets } from "./monitoring";
export { MWAA_METRIC_NAMESPACE, type AirflowLogLevel, type AirflowVersion, type EnvironmentClass } from "./mwaa";
export { executionRolePolicy, executionTrustPolicy, WILDCARD_RESOURCE_ACTIONS } from "./policy";
export {
  environmentSubnets,
  resolveAirflowEnvironmentArgs,
  type AirflowEnvironmentArgs,
  type AirflowEnvironmentSettings,
  type AirflowEnvironmentWiring,
  type EnvironmentWiring,
} from "./resolve";
export { collectAirflowSources } from "./sources";

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
  public readonly alarms: aws.cloudwatch.MetricAlarm[];
  /** The environment's dashboard section; empty when disabled. */
  public readonly widgets: pulumi.Output<Widget[]>;

  constructor(name: string, args: AirflowEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    // Impossible args fail here, before anything is registered.
    const s = resolveAirflowEnvironmentArgs(name, args);
    super("edge-mlops:airflow:AirflowEnvironment", name, {}, opts);
    this.environmentName = s.environmentName;

    const dags = dagBucket(this, name, s);
    this.dagBucket = dags.bucket;
    this.objects = dags.objects;
    this.objectVersions = dags.objectVersions;

    this.monthlyCostEstimate = s.enabled
      ? estimateMwaaMonthlyCost({ region: s.region, environmentClass: s.environmentClass, minWorkers: s.minWorkers, schedulers: s.schedulers })
      : { usd: 0, breakdown: [] };

    if (s.environment) {
      const mwaa = mwaaEnvironment(this, name, s, s.environment, dags);
      this.securityGroup = mwaa.securityGroup;
      this.executionRole = mwaa.executionRole;
      this.environment = mwaa.environment;
      this.configurationOptions = mwaa.configurationOptions;
      this.webserverUrl = mwaa.environment.webserverUrl;
    }
    this.alarms = airflowAlarms(this, name, s);
    this.widgets = airflowDashboardSection(s, this.alarms);

    this.registerOutputs({
      dagBucketName: dags.bucketName,
      environmentArn: this.environment?.arn,
      webserverUrl: this.webserverUrl,
      executionRoleArn: this.executionRole?.arn,
    });
  }
}
