// Fleet audit: AWS IoT Device Defender audits the account's IoT configuration on a schedule (overly permissive
// policies and role aliases, shared, expiring or revoked-but-active certificates, logging switched off) and sends its
// findings to the stack's alarm topic; AWS IoT logging is switched on at a chosen level so the audit (and people) have
// logs to look at.
//
// Account-wide: the audit configuration, the scheduled audit's checks and the IoT logging options belong to the AWS
// account and region, not to a stack. Create one FleetAudit per account and region (stacks in separate accounts each
// have their own). IoT writes its logs to the log group `AWSIotLogsV2`; the component creates it with a retention
// unless `createLogGroup` is false (an account whose IoT logging was on before already has it: import it, or pass
// false and IoT's logging role may create it).
import * as aws from "@pulumi/aws";
import * as awsNative from "@pulumi/aws-native";
import * as pulumi from "@pulumi/pulumi";
import { LOG_RETENTION_DAYS } from "../../contracts/log-retention";
import { POLICY_VERSION, serviceTrustPolicy, sourceAccountCondition, type PolicyDocument, type TrustPolicy } from "../iam";

/** Device Defender check names (API) and the AccountAuditConfiguration property that switches each on or off. */
export const AUDIT_CHECK_PROPERTIES = {
  AUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK: "authenticatedCognitoRoleOverlyPermissiveCheck",
  CA_CERTIFICATE_EXPIRING_CHECK: "caCertificateExpiringCheck",
  CA_CERTIFICATE_KEY_QUALITY_CHECK: "caCertificateKeyQualityCheck",
  CONFLICTING_CLIENT_IDS_CHECK: "conflictingClientIdsCheck",
  DEVICE_CERTIFICATE_EXPIRING_CHECK: "deviceCertificateExpiringCheck",
  DEVICE_CERTIFICATE_KEY_QUALITY_CHECK: "deviceCertificateKeyQualityCheck",
  DEVICE_CERTIFICATE_SHARED_CHECK: "deviceCertificateSharedCheck",
  IOT_POLICY_OVERLY_PERMISSIVE_CHECK: "iotPolicyOverlyPermissiveCheck",
  IOT_ROLE_ALIAS_ALLOWS_ACCESS_TO_UNUSED_SERVICES_CHECK: "iotRoleAliasAllowsAccessToUnusedServicesCheck",
  IOT_ROLE_ALIAS_OVERLY_PERMISSIVE_CHECK: "iotRoleAliasOverlyPermissiveCheck",
  LOGGING_DISABLED_CHECK: "loggingDisabledCheck",
  REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK: "revokedCaCertificateStillActiveCheck",
  REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK: "revokedDeviceCertificateStillActiveCheck",
  UNAUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK: "unauthenticatedCognitoRoleOverlyPermissiveCheck",
} as const satisfies Record<string, keyof awsNative.types.input.iot.AccountAuditConfigurationAuditCheckConfigurationsArgs>;
export type AuditCheckName = keyof typeof AUDIT_CHECK_PROPERTIES;

/**
 * The checks that apply to this fleet: IoT policies and the token exchange role alias, device and CA certificates
 * (shared between devices, expiring, revoked but still active) and IoT logging. The Cognito checks are left out: the
 * platform has no Cognito identity pools.
 */
export const FLEET_AUDIT_CHECKS: readonly AuditCheckName[] = [
  "IOT_POLICY_OVERLY_PERMISSIVE_CHECK",
  "IOT_ROLE_ALIAS_OVERLY_PERMISSIVE_CHECK",
  "IOT_ROLE_ALIAS_ALLOWS_ACCESS_TO_UNUSED_SERVICES_CHECK",
  "DEVICE_CERTIFICATE_SHARED_CHECK",
  "DEVICE_CERTIFICATE_EXPIRING_CHECK",
  "REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK",
  "CA_CERTIFICATE_EXPIRING_CHECK",
  "LOGGING_DISABLED_CHECK",
];

/** Log group AWS IoT (v2 logging) writes to. */
export const IOT_LOG_GROUP = "AWSIotLogsV2";
/** AWS managed policy that lets Device Defender read the IoT configuration it audits. */
export const AUDIT_MANAGED_POLICY = "service-role/AWSIoTDeviceDefenderAudit";

export const IOT_LOG_LEVELS = ["DEBUG", "INFO", "WARN", "ERROR", "DISABLED"] as const;
export type IotLogLevel = (typeof IOT_LOG_LEVELS)[number];
export const AUDIT_FREQUENCIES = ["DAILY", "WEEKLY", "BIWEEKLY", "MONTHLY"] as const;
export type AuditFrequency = (typeof AUDIT_FREQUENCIES)[number];
export const DAYS_OF_WEEK = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;
export type DayOfWeek = (typeof DAYS_OF_WEEK)[number];

export interface FleetAuditArgs {
  /** SNS topic that receives audit findings (the stack's alarm topic). */
  readonly alarmTopicArn: pulumi.Input<string>;
  /** KMS key encrypting the topic; the notification role may use it. @default undefined (topic without a customer-managed key) */
  readonly alarmTopicKmsKeyArn?: pulumi.Input<string>;
  /** How often the scheduled audit runs. @default "WEEKLY" */
  readonly frequency?: AuditFrequency;
  /** Day of WEEKLY and BIWEEKLY audits (not allowed with DAILY or MONTHLY). @default "MON" */
  readonly dayOfWeek?: DayOfWeek;
  /** Day of MONTHLY audits: "1" to "31" or "LAST" (not allowed otherwise). @default "1" */
  readonly dayOfMonth?: string;
  /** Checks enabled for the account and run by the scheduled audit; every other known check is disabled. @default FLEET_AUDIT_CHECKS */
  readonly checks?: readonly AuditCheckName[];
  /** @default "<project>-<stack>-<component name>" */
  readonly scheduledAuditName?: string;
  /** Default level of AWS IoT logging. @default "ERROR" */
  readonly logLevel?: IotLogLevel;
  /** Create the `AWSIotLogsV2` log group with a retention. @default true */
  readonly createLogGroup?: boolean;
  /** Days the IoT log group keeps logs (a CloudWatch Logs retention value). @default 30 */
  readonly logRetentionDays?: number;
}

function fail(problem: string): never {
  throw new Error(`FleetAudit: ${problem}`);
}

const SCHEDULED_AUDIT_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

/** The settings a FleetAudit is built from, defaults applied. Throws on impossible args, naming the arg. */
export function resolveFleetAuditArgs(args: FleetAuditArgs, defaultName: string) {
  const frequency = args.frequency ?? "WEEKLY";
  if (!(AUDIT_FREQUENCIES as readonly string[]).includes(frequency)) fail(`frequency '${frequency}' must be one of ${AUDIT_FREQUENCIES.join(", ")}`);
  const weekly = frequency === "WEEKLY" || frequency === "BIWEEKLY";
  if (args.dayOfWeek !== undefined && !weekly) fail(`dayOfWeek applies to WEEKLY and BIWEEKLY audits only, not ${frequency}`);
  if (args.dayOfMonth !== undefined && frequency !== "MONTHLY") fail(`dayOfMonth applies to MONTHLY audits only, not ${frequency}`);
  const dayOfWeek = weekly ? (args.dayOfWeek ?? "MON") : undefined;
  if (dayOfWeek !== undefined && !(DAYS_OF_WEEK as readonly string[]).includes(dayOfWeek)) fail(`dayOfWeek '${dayOfWeek}' must be one of ${DAYS_OF_WEEK.join(", ")}`);
  const dayOfMonth = frequency === "MONTHLY" ? (args.dayOfMonth ?? "1") : undefined;
  if (dayOfMonth !== undefined && !/^([1-9]|[12]\d|3[01]|LAST)$/.test(dayOfMonth)) fail(`dayOfMonth '${dayOfMonth}' must be 1 to 31 or LAST`);

  const checks = [...(args.checks ?? FLEET_AUDIT_CHECKS)];
  if (checks.length === 0) fail("checks must name at least one audit check");
  const unknown = checks.find((c) => !(c in AUDIT_CHECK_PROPERTIES));
  if (unknown !== undefined) fail(`checks: '${unknown}' is not a known audit check; use ${Object.keys(AUDIT_CHECK_PROPERTIES).join(", ")}`);
  const dup = checks.find((c, i) => checks.indexOf(c) !== i);
  if (dup !== undefined) fail(`checks: '${dup}' is listed twice`);

  const scheduledAuditName = args.scheduledAuditName ?? defaultName;
  if (!SCHEDULED_AUDIT_NAME.test(scheduledAuditName)) fail(`scheduledAuditName '${scheduledAuditName}' must be 1-128 characters of a-z, A-Z, 0-9, '_' and '-'`);
  const logLevel = args.logLevel ?? "ERROR";
  if (!(IOT_LOG_LEVELS as readonly string[]).includes(logLevel)) fail(`logLevel '${logLevel}' must be one of ${IOT_LOG_LEVELS.join(", ")}`);
  const logRetentionDays = args.logRetentionDays ?? 30;
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    fail(`logRetentionDays ${logRetentionDays} is not a CloudWatch Logs retention; use one of ${LOG_RETENTION_DAYS.join(", ")}`);
  }
  if (typeof args.alarmTopicKmsKeyArn === "string" && !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/.test(args.alarmTopicKmsKeyArn)) {
    fail(`alarmTopicKmsKeyArn '${args.alarmTopicKmsKeyArn}' must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)`);
  }
  return { frequency, dayOfWeek, dayOfMonth, checks, scheduledAuditName, logLevel, createLogGroup: args.createLogGroup ?? true, logRetentionDays };
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

/** What AWS IoT's logging role may do: write streams of its log group (and create the group when the stack does not). */
export function iotLoggingPolicy(logGroupArn: string, createLogGroup: boolean): PolicyDocument {
  return {
    Version: POLICY_VERSION,
    Statement: [
      ...(createLogGroup ? [] : [{ Sid: "CreateIotLogGroup", Effect: "Allow" as const, Action: "logs:CreateLogGroup", Resource: logGroupArn }]),
      { Sid: "WriteIotLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [logGroupArn, `${logGroupArn}:*`] },
    ],
  };
}

export class FleetAudit extends pulumi.ComponentResource {
  public readonly auditRole: aws.iam.Role;
  public readonly notificationRole: aws.iam.Role;
  public readonly loggingRole: aws.iam.Role;
  public readonly accountAuditConfiguration: awsNative.iot.AccountAuditConfiguration;
  public readonly scheduledAudit: awsNative.iot.ScheduledAudit;
  public readonly loggingOptions: aws.iot.LoggingOptions;
  /** The IoT log group, when the component creates it. */
  public readonly logGroup?: aws.cloudwatch.LogGroup;
  /** Checks enabled and audited. */
  public readonly checks: readonly AuditCheckName[];

  constructor(name: string, args: FleetAuditArgs, opts?: pulumi.ComponentResourceOptions) {
    const s = resolveFleetAuditArgs(args, `${pulumi.getProject()}-${pulumi.getStack()}-${name}`);
    super("edge-mlops:edge:FleetAudit", name, {}, opts);
    const parent = { parent: this };
    const partition = aws.getPartitionOutput({}, parent).partition;
    const region = aws.getRegionOutput({}, parent).region;
    const accountId = aws.getCallerIdentityOutput({}, parent).accountId;
    const trust = accountId.apply((a) => JSON.stringify(iotServiceTrustPolicy(a)));
    this.checks = s.checks;

    // ---- audit ------------------------------------------------------------------------------------------------------
    this.auditRole = new aws.iam.Role(`${name}-audit-role`, { description: "Device Defender reads the IoT configuration it audits", assumeRolePolicy: trust }, parent);
    const auditPolicy = new aws.iam.RolePolicyAttachment(
      `${name}-audit-policy`,
      { role: this.auditRole.name, policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/${AUDIT_MANAGED_POLICY}` },
      parent,
    );
    this.notificationRole = new aws.iam.Role(`${name}-notify-role`, { description: "Device Defender publishes audit findings to the alarm topic", assumeRolePolicy: trust }, parent);
    const notifyPolicy = new aws.iam.RolePolicy(
      `${name}-notify-policy`,
      {
        role: this.notificationRole.id,
        policy: pulumi
          .all([args.alarmTopicArn, args.alarmTopicKmsKeyArn])
          .apply(([topic, key]) => JSON.stringify(auditNotificationPolicy(topic, key))),
      },
      parent,
    );
    this.accountAuditConfiguration = new awsNative.iot.AccountAuditConfiguration(
      `${name}-audit-configuration`,
      {
        accountId,
        roleArn: this.auditRole.arn,
        auditCheckConfigurations: auditCheckConfigurations(s.checks),
        auditNotificationTargetConfigurations: { sns: { enabled: true, targetArn: args.alarmTopicArn, roleArn: this.notificationRole.arn } },
      },
      // Device Defender checks that it can assume the roles with their permissions in place.
      { parent: this, dependsOn: [auditPolicy, notifyPolicy] },
    );
    this.scheduledAudit = new awsNative.iot.ScheduledAudit(
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
    if (s.createLogGroup) {
      this.logGroup = new aws.cloudwatch.LogGroup(`${name}-iot-logs`, { name: IOT_LOG_GROUP, retentionInDays: s.logRetentionDays }, parent);
      loggingDependsOn.push(this.logGroup);
    }
    this.loggingRole = new aws.iam.Role(`${name}-logging-role`, { description: "AWS IoT writes its logs to CloudWatch Logs", assumeRolePolicy: trust }, parent);
    loggingDependsOn.push(
      new aws.iam.RolePolicy(
        `${name}-logging-policy`,
        { role: this.loggingRole.id, policy: logGroupArn.apply((arn) => JSON.stringify(iotLoggingPolicy(arn, s.createLogGroup))) },
        parent,
      ),
    );
    this.loggingOptions = new aws.iot.LoggingOptions(
      `${name}-logging`,
      { defaultLogLevel: s.logLevel, disableAllLogs: s.logLevel === "DISABLED", roleArn: this.loggingRole.arn },
      { parent: this, dependsOn: loggingDependsOn },
    );

    this.registerOutputs({ scheduledAuditName: s.scheduledAuditName, auditRoleArn: this.auditRole.arn });
  }
}
