// The MWAA environment of an enabled AirflowEnvironment and what it runs with: a security group (MWAA's containers
// and its VPC endpoints talk to each other; everything else goes out through the NAT to AWS APIs, the metadata
// database and the package index), an execution role with least privilege (its documents in policy.ts), and the
// environment itself: in the first two private subnets, pinned to the uploaded object versions, all five log types
// sent to CloudWatch Logs.
//
// DAG settings reach the DAG as Airflow configuration options of the section `edge_mlops` (DAG_SETTINGS): MWAA exports
// each option `edge_mlops.<key>` to its containers as the environment variable `AIRFLOW__EDGE_MLOPS__<KEY>`, and the
// DAG reads them with `conf.get("edge_mlops", "<key>")` when a task runs.
import * as pulumi from "@pulumi/pulumi";
import type { DagBucket } from "./dag-bucket";
import type { AirflowLogLevel } from "./mwaa";
import { executionRolePolicy, executionTrustPolicy } from "./policy";
import { checkResolved, environmentSubnets, type AirflowEnvironmentSettings, type EnvironmentWiring } from "./resolve";
import { DAG_FOLDER, SUPPORT_FILES } from "./sources";
import { getPartitionOutput } from "@pulumi/aws/getPartition";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import * as ec2 from "@pulumi/aws/ec2";
import * as iam from "@pulumi/aws/iam";
import * as mwaa from "@pulumi/aws/mwaa";

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

export interface MwaaEnvironment {
  readonly securityGroup: ec2.SecurityGroup;
  readonly executionRole: iam.Role;
  readonly environment: mwaa.Environment;
  /** The environment's Airflow configuration options: `core.default_task_retries` and the DAG_SETTINGS. */
  readonly configurationOptions: pulumi.Output<Record<string, string>>;
}

/**
 * Registers `<name>-sg`, `<name>-execution-role`, `<name>-execution-policy` and `<name>-environment` under `parent`.
 * The environment waits for the role's permissions (MWAA checks them when it creates the environment) and for every
 * upload (it reads the DAGs as it starts).
 */
export function mwaaEnvironment(parent: pulumi.Resource, name: string, s: AirflowEnvironmentSettings, w: EnvironmentWiring, dags: DagBucket): MwaaEnvironment {
  const securityGroup = new ec2.SecurityGroup(
    `${name}-sg`,
    {
      vpcId: w.vpcId,
      description: `MWAA environment ${s.environmentName}: its containers talk to each other, reach AWS through the NAT`,
      ingress: [{ description: "MWAA containers and VPC endpoints of this environment", protocol: "-1", fromPort: 0, toPort: 0, self: true }],
      egress: [{ description: "AWS APIs, metadata database, package index", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
    },
    { parent },
  );
  // Known only at deployment time when they come from the network: checked when they resolve.
  const subnetIds = pulumi.output(w.privateSubnetIds).apply((ids) => checkResolved(parent, () => environmentSubnets(ids)));
  const { role, policy } = executionRole(parent, name, s, w, dags.bucket.arn);

  // The provider stores these as a secret, so previews show them as [secret]; `configurationOptions` keeps them readable.
  const configurationOptions = pulumi.output<Record<string, pulumi.Input<string>>>({
    "core.default_task_retries": String(s.defaultTaskRetries),
    [DAG_SETTINGS.dataBucket]: w.dataBucketName,
    [DAG_SETTINGS.newDataPrefix]: s.newDataPrefix,
    [DAG_SETTINGS.archivePrefix]: s.archivePrefix,
    [DAG_SETTINGS.featureGroupName]: w.featureGroupName,
    [DAG_SETTINGS.stateMachineArn]: w.stateMachineArn,
  });
  const log = (level: AirflowLogLevel) => ({ enabled: true, logLevel: level });
  const versions = dags.objectVersions;
  const environment = new mwaa.Environment(
    `${name}-environment`,
    {
      name: s.environmentName,
      airflowVersion: s.airflowVersion,
      environmentClass: s.environmentClass,
      minWorkers: s.minWorkers,
      maxWorkers: s.maxWorkers,
      schedulers: s.schedulers,
      webserverAccessMode: s.webserverAccessMode,
      executionRoleArn: role.arn,
      kmsKey: s.kmsKeyArn,
      weeklyMaintenanceWindowStart: s.weeklyMaintenanceWindowStart,
      sourceBucketArn: dags.bucket.arn,
      dagS3Path: DAG_FOLDER,
      requirementsS3Path: versions.requirements ? SUPPORT_FILES.requirements : undefined,
      requirementsS3ObjectVersion: versions.requirements,
      pluginsS3Path: versions.plugins ? SUPPORT_FILES.plugins : undefined,
      pluginsS3ObjectVersion: versions.plugins,
      startupScriptS3Path: versions.startupScript ? SUPPORT_FILES.startupScript : undefined,
      startupScriptS3ObjectVersion: versions.startupScript,
      loggingConfiguration: {
        dagProcessingLogs: log(s.logLevels.dagProcessing),
        schedulerLogs: log(s.logLevels.scheduler),
        taskLogs: log(s.logLevels.task),
        webserverLogs: log(s.logLevels.webserver),
        workerLogs: log(s.logLevels.worker),
      },
      airflowConfigurationOptions: configurationOptions,
      networkConfiguration: { securityGroupIds: [securityGroup.id], subnetIds },
    },
    { parent, dependsOn: [policy, ...dags.objects] },
  );
  return { securityGroup, executionRole: role, environment, configurationOptions };
}

/** The execution role, trusted by MWAA, and its inline policy, built from plain strings once the ARNs resolve. */
function executionRole(parent: pulumi.Resource, name: string, s: AirflowEnvironmentSettings, w: EnvironmentWiring, dagBucketArn: pulumi.Output<string>) {
  const role = new iam.Role(
    `${name}-execution-role`,
    { description: `Execution role of the MWAA environment ${s.environmentName}`, assumeRolePolicy: JSON.stringify(executionTrustPolicy()) },
    { parent },
  );
  const partition = getPartitionOutput({}, { parent }).partition;
  const accountId = getCallerIdentityOutput({}, { parent }).accountId;
  const document = pulumi
    .all([partition, accountId, dagBucketArn, w.dataBucketArn, w.dataKmsKeyArn, w.stateMachineArn, w.featureGroupArn])
    .apply(([partition, accountId, dagBucketArn, dataBucketArn, dataKmsKeyArn, stateMachineArn, featureGroupArn]) =>
      checkResolved(parent, () =>
        JSON.stringify(
          executionRolePolicy({
            partition,
            region: s.region,
            accountId,
            environmentName: s.environmentName,
            dagBucketArn,
            kmsKeyArn: s.kmsKeyArn,
            dataBucketArn,
            dataKmsKeyArn,
            newDataPrefix: s.newDataPrefix,
            archivePrefix: s.archivePrefix,
            stateMachineArn,
            featureGroupArn,
          }),
        ),
      ),
    );
  const policy = new iam.RolePolicy(`${name}-execution-policy`, { role: role.id, policy: document }, { parent });
  return { role, policy };
}
