// Fleet audit: AWS IoT Device Defender audits the account's IoT configuration on a schedule (overly permissive
// policies and role aliases, shared, expiring or revoked-but-active certificates, logging switched off) and sends its
// findings to the stack's alarm topic; AWS IoT logging is switched on at a chosen level so the audit (and people) have
// logs to look at.
//
// Account-wide: the audit configuration, the scheduled audit's checks and the IoT logging options belong to the AWS
// account and region, not to a stack. Create one FleetAudit per account and region (the stack config's
// `accountSettings.owner`; stacks in separate accounts each have their own). IoT writes its logs to the log group
// `AWSIotLogsV2`, which the component creates, adopts (Pulumi `import`) or leaves alone (`logGroup`, ./audit-args.ts).
// The logging role holds what AWS's own AWSIoTLogging managed policy grants, scoped to that one group.
import * as pulumi from "@pulumi/pulumi";
import { Sleep } from "@pulumiverse/time/sleep";
import { KMS_KEY_ARN } from "../../contracts/patterns";
import { PROJECT } from "../../contracts/project";
import { argError, resolveArgs } from "../args";
import { IAM_PROPAGATION_WAIT, POLICY_VERSION, serviceTrustPolicy, sourceAccountCondition, type PolicyDocument, type TrustPolicy } from "../iam";
import { AUDIT_CHECK_PROPERTIES, auditDays, fleetAuditSettings, type AuditCheckName, type FleetAuditSettingsInput } from "./audit-args";
import { getPartitionOutput } from "@pulumi/aws/getPartition";
import { getRegionOutput } from "@pulumi/aws/getRegion";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import * as awsIam from "@pulumi/aws/iam";
import * as awsIot from "@pulumi/aws/iot";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as nativeIot from "@pulumi/aws-native/iot";

export {
  AUDIT_CHECK_PROPERTIES,
  AUDIT_FREQUENCIES,
  DAYS_OF_WEEK,
  IOT_LOG_GROUP_MODES,
  type IotLogGroupMode,
  FLEET_AUDIT_CHECKS,
  fleetAuditSettings,
  IOT_LOG_LEVELS,
  type AuditCheckName,
  type AuditFrequency,
  type DayOfWeek,
  type FleetAuditSettings,
  type FleetAuditSettingsInput,
  type IotLogLevel,
} from "./audit-args";

/** Log group AWS IoT (v2 logging) writes to. */
export const IOT_LOG_GROUP = "AWSIotLogsV2";
/** AWS managed policy that lets Device Defender read the IoT configuration it audits. */
export const AUDIT_MANAGED_POLICY = "service-role/AWSIoTDeviceDefenderAudit";

/** What a FleetAudit takes besides its settings (./audit-args.ts). */
export interface FleetAuditWiring {
  /** Stack name; names the default scheduled audit. */
  readonly stack: string;
  /** SNS topic that receives audit findings (the stack's alarm topic). */
  readonly alarmTopicArn: pulumi.Input<string>;
  /** KMS key encrypting the topic; the notification role may use it. @default undefined (topic without a customer-managed key) */
  readonly alarmTopicKmsKeyArn?: pulumi.Input<string>;
}

export type FleetAuditArgs = FleetAuditSettingsInput & FleetAuditWiring;

/**
 * The settings a FleetAudit named `name` is built from, defaults applied.
 * @throws ArgError `FleetAudit: <arg>: ...` naming the first bad arg.
 */
export function resolveFleetAuditArgs(name: string, args: FleetAuditArgs) {
  if (typeof args.stack !== "string" || args.stack === "") argError("FleetAudit", "stack", "must be the stack's name");
  const { dayOfWeek, dayOfMonth, ...settings } = resolveArgs("FleetAudit", fleetAuditSettings, args);
  if (typeof args.alarmTopicKmsKeyArn === "string" && !KMS_KEY_ARN.test(args.alarmTopicKmsKeyArn)) {
    argError("FleetAudit", "alarmTopicKmsKeyArn", `'${args.alarmTopicKmsKeyArn}' must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)`);
  }
  return {
    ...settings,
    ...auditDays({ ...settings, dayOfWeek, dayOfMonth }),
    scheduledAuditName: settings.scheduledAuditName ?? `${PROJECT}-${args.stack}-${name}`,
  };
}

/** `{ <property>: { enabled } }` for every known check: the chosen ones on, the others off. */
export function auditCheckConfigurations(checks: readonly AuditCheckName[]): Record<string, { enabled: boolean }> {
  const out: Record<string, { enabled: boolean }> = {};
  for (const [check, property] of Object.entries(AUDIT_CHECK_PROPERTIES)) out[property] = { enabled: checks.includes(check as AuditCheckName) };
  return out;
}

/** Trust policy of a role AWS IoT assumes for this account only. */
export function iotServiceTrustPolicy(accountId: string): TrustPolicy {
  return serviceTrustPolicy("iot.amazonaws.com", sourceAccountCondition(accountId));
}

/** What Device Defender's notification role may do: publish to the topic and, if it is encrypted, use its key. */
export function auditNotificationPolicy(topicArn: string, kmsKeyArn: string | undefined): PolicyDocument {
  return {
    Version: POLICY_VERSION,
    Statement: [
      { Sid: "PublishFindings", Effect: "Allow", Action: "sns:Publish", Resource: topicArn },
      ...(kmsKeyArn ? [{ Sid: "EncryptForTopic", Effect: "Allow" as const, Action: ["kms:GenerateDataKey*", "kms:Decrypt"], Resource: kmsKeyArn }] : []),
    ],
  };
}

/**
 * The actions of AWS's managed policy `service-role/AWSIoTLogging` (v1, the policy AWS IoT's documentation gives its
 * logging role; https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSIoTLogging.html). AWS grants them
 * on every resource; the logging role here holds them on the IoT log group and its streams only.
 */
export const IOT_LOGGING_ACTIONS = [
  "logs:CreateLogGroup",
  "logs:CreateLogStream",
  "logs:PutLogEvents",
  "logs:PutMetricFilter",
  "logs:PutRetentionPolicy",
  "logs:GetLogEvents",
  "logs:DeleteLogStream",
] as const;

/**
 * What AWS IoT's logging role may do: everything AWSIoTLogging allows, on the `AWSIotLogsV2` group and its streams.
 * CreateLogGroup stays even where the stack creates the group: IoT recreates it should it be deleted.
 */
export function iotLoggingPolicy(logGroupArn: string): PolicyDocument {
  return {
    Version: POLICY_VERSION,
    Statement: [{ Sid: "WriteIotLogs", Effect: "Allow", Action: [...IOT_LOGGING_ACTIONS], Resource: [logGroupArn, `${logGroupArn}:*`] }],
  };
}

export class FleetAudit extends pulumi.ComponentResource {
  public readonly auditRole: awsIam.Role;
  public readonly notificationRole: awsIam.Role;
  public readonly loggingRole: awsIam.Role;
  public readonly accountAuditConfiguration: nativeIot.AccountAuditConfiguration;
  public readonly scheduledAudit: nativeIot.ScheduledAudit;
  public readonly loggingOptions: awsIot.LoggingOptions;
  /** The IoT log group, when the component creates or imports it. */
  public readonly logGroup?: cloudwatch.LogGroup;
  /** Checks enabled and audited. */
  public readonly checks: readonly AuditCheckName[];

  constructor(name: string, args: FleetAuditArgs, opts?: pulumi.ComponentResourceOptions) {
    const s = resolveFleetAuditArgs(name, args);
    super("edge-mlops:edge:FleetAudit", name, {}, opts);
    const parent = { parent: this };
    const partition = getPartitionOutput({}, parent).partition;
    const region = getRegionOutput({}, parent).region;
    const accountId = getCallerIdentityOutput({}, parent).accountId;
    const trust = accountId.apply((a) => JSON.stringify(iotServiceTrustPolicy(a)));
    this.checks = s.checks;

    // ---- audit ------------------------------------------------------------------------------------------------------
    this.auditRole = new awsIam.Role(`${name}-audit-role`, { description: "Device Defender reads the IoT configuration it audits", assumeRolePolicy: trust }, parent);
    const auditPolicy = new awsIam.RolePolicyAttachment(
      `${name}-audit-policy`,
      { role: this.auditRole.name, policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/${AUDIT_MANAGED_POLICY}` },
      parent,
    );
    this.notificationRole = new awsIam.Role(`${name}-notify-role`, { description: "Device Defender publishes audit findings to the alarm topic", assumeRolePolicy: trust }, parent);
    const notifyPolicy = new awsIam.RolePolicy(
      `${name}-notify-policy`,
      {
        role: this.notificationRole.id,
        policy: pulumi
          .all([args.alarmTopicArn, args.alarmTopicKmsKeyArn])
          .apply(([topic, key]) => JSON.stringify(auditNotificationPolicy(topic, key))),
      },
      parent,
    );
    // New roles and policies take seconds to reach every AWS service (IAM is eventually consistent). The wait runs
    // again whenever a role is replaced or its permissions change.
    const rolesPropagated = new Sleep(
      `${name}-audit-roles-propagated`,
      {
        createDuration: IAM_PROPAGATION_WAIT,
        triggers: { auditRole: this.auditRole.arn, auditPolicy: auditPolicy.policyArn, notificationRole: this.notificationRole.arn, notificationPolicy: notifyPolicy.policy },
      },
      { parent: this, dependsOn: [auditPolicy, notifyPolicy] },
    );
    this.accountAuditConfiguration = new nativeIot.AccountAuditConfiguration(
      `${name}-audit-configuration`,
      {
        accountId,
        roleArn: this.auditRole.arn,
        auditCheckConfigurations: auditCheckConfigurations(s.checks),
        auditNotificationTargetConfigurations: { sns: { enabled: true, targetArn: args.alarmTopicArn, roleArn: this.notificationRole.arn } },
      },
      // Device Defender checks that it can assume the roles with their permissions in place, and neither Cloud
      // Control nor its IoT handler retries when IAM has not yet propagated them: wait first.
      { parent: this, dependsOn: [rolesPropagated] },
    );
    this.scheduledAudit = new nativeIot.ScheduledAudit(
      `${name}-scheduled-audit`,
      {
        scheduledAuditName: s.scheduledAuditName,
        frequency: s.frequency,
        ...(s.dayOfWeek !== undefined ? { dayOfWeek: s.dayOfWeek } : {}),
        ...(s.dayOfMonth !== undefined ? { dayOfMonth: s.dayOfMonth } : {}),
        targetCheckNames: [...s.checks],
      },
      // A scheduled audit may run only checks the account has enabled.
      { parent: this, dependsOn: [this.accountAuditConfiguration] },
    );

    // ---- IoT logging ------------------------------------------------------------------------------------------------
    const logGroupArn = pulumi.interpolate`arn:${partition}:logs:${region}:${accountId}:log-group:${IOT_LOG_GROUP}`;
    const loggingDependsOn: pulumi.Resource[] = [];
    if (s.logGroup !== "unmanaged") {
      this.logGroup = new cloudwatch.LogGroup(
        `${name}-iot-logs`,
        { name: IOT_LOG_GROUP, retentionInDays: s.logRetentionDays },
        s.logGroup === "import" ? { parent: this, import: IOT_LOG_GROUP } : parent,
      );
      loggingDependsOn.push(this.logGroup);
    }
    this.loggingRole = new awsIam.Role(`${name}-logging-role`, { description: "AWS IoT writes its logs to CloudWatch Logs", assumeRolePolicy: trust }, parent);
    loggingDependsOn.push(
      new awsIam.RolePolicy(
        `${name}-logging-policy`,
        { role: this.loggingRole.id, policy: logGroupArn.apply((arn) => JSON.stringify(iotLoggingPolicy(arn))) },
        parent,
      ),
    );
    this.loggingOptions = new awsIot.LoggingOptions(
      `${name}-logging`,
      { defaultLogLevel: s.logLevel, disableAllLogs: s.logLevel === "DISABLED", roleArn: this.loggingRole.arn },
      { parent: this, dependsOn: loggingDependsOn },
    );

    this.registerOutputs({ scheduledAuditName: s.scheduledAuditName, auditRoleArn: this.auditRole.arn });
  }
}
