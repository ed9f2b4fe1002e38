import { beforeAll, describe, expect, it } from "vitest";
import {
  AUDIT_CHECK_PROPERTIES,
  auditCheckConfigurations,
  FleetAudit,
  FLEET_AUDIT_CHECKS,
  resolveFleetAuditArgs,
  type FleetAuditArgs,
} from "../../components/edge-fleet/audit";
import { one, ofType, parseJson, planProgram, type Plan } from "../support/offline";

const T = {
  component: "edge-mlops:edge:FleetAudit",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  audit: "aws-native:iot:AccountAuditConfiguration",
  scheduled: "aws-native:iot:ScheduledAudit",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  logging: "aws:iot/loggingOptions:LoggingOptions",
};
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:edge-mlops-dev-alarms";
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const LOG_GROUP_ARN = "arn:aws:logs:eu-west-1:123456789012:log-group:AWSIotLogsV2";
const TRUST = [
  { Effect: "Allow", Principal: { Service: "iot.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } } },
];
const FLEET_CHECKS = [
  "IOT_POLICY_OVERLY_PERMISSIVE_CHECK",
  "IOT_ROLE_ALIAS_OVERLY_PERMISSIVE_CHECK",
  "IOT_ROLE_ALIAS_ALLOWS_ACCESS_TO_UNUSED_SERVICES_CHECK",
  "DEVICE_CERTIFICATE_SHARED_CHECK",
  "DEVICE_CERTIFICATE_EXPIRING_CHECK",
  "REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK",
  "CA_CERTIFICATE_EXPIRING_CHECK",
  "LOGGING_DISABLED_CHECK",
];

let plan: Plan;

beforeAll(async () => {
  plan = await planProgram(
    () => {
      new FleetAudit("dev", { alarmTopicArn: TOPIC, alarmTopicKmsKeyArn: KEY, logLevel: "INFO" });
      new FleetAudit("prod", { alarmTopicArn: TOPIC, frequency: "DAILY", createLogGroup: false, scheduledAuditName: "edge-mlops-prod-daily" });
      new FleetAudit("monthly", {
        alarmTopicArn: TOPIC,
        frequency: "MONTHLY",
        dayOfMonth: "LAST",
        checks: ["DEVICE_CERTIFICATE_EXPIRING_CHECK", "CA_CERTIFICATE_EXPIRING_CHECK"],
        logLevel: "DISABLED",
        logRetentionDays: 7,
      });
    },
    { stack: "dev" },
  );
});

describe("resolveFleetAuditArgs", () => {
  const base: FleetAuditArgs = { alarmTopicArn: TOPIC };
  const resolve = (extra: Partial<FleetAuditArgs>) => resolveFleetAuditArgs({ ...base, ...extra }, "edge-mlops-dev-audit");

  it("defaults to a weekly Monday audit of the fleet's checks and ERROR logging kept 30 days", () => {
    expect(resolve({})).toEqual({
      frequency: "WEEKLY",
      dayOfWeek: "MON",
      dayOfMonth: undefined,
      checks: FLEET_CHECKS,
      scheduledAuditName: "edge-mlops-dev-audit",
      logLevel: "ERROR",
      createLogGroup: true,
      logRetentionDays: 30,
    });
    expect(resolve({ frequency: "BIWEEKLY", dayOfWeek: "FRI" })).toMatchObject({ dayOfWeek: "FRI", dayOfMonth: undefined });
    expect(resolve({ frequency: "MONTHLY" })).toMatchObject({ dayOfWeek: undefined, dayOfMonth: "1" });
    expect(resolve({ frequency: "DAILY" })).toMatchObject({ dayOfWeek: undefined, dayOfMonth: undefined });
  });

  it("leaves out the Cognito checks: the platform has no identity pools", () => {
    expect(FLEET_AUDIT_CHECKS.filter((c) => c.includes("COGNITO"))).toEqual([]);
    expect(Object.keys(AUDIT_CHECK_PROPERTIES).filter((c) => c.includes("COGNITO"))).toHaveLength(2);
  });

  it("rejects impossible schedules, checks and settings, naming the arg", () => {
    expect(() => resolve({ frequency: "DAILY", dayOfWeek: "MON" })).toThrow("FleetAudit: dayOfWeek applies to WEEKLY and BIWEEKLY audits only, not DAILY");
    expect(() => resolve({ dayOfMonth: "3" })).toThrow("FleetAudit: dayOfMonth applies to MONTHLY audits only, not WEEKLY");
    expect(() => resolve({ frequency: "MONTHLY", dayOfMonth: "32" })).toThrow("FleetAudit: dayOfMonth '32' must be 1 to 31 or LAST");
    expect(() => resolve({ frequency: "HOURLY" as "DAILY" })).toThrow("FleetAudit: frequency 'HOURLY' must be one of DAILY, WEEKLY, BIWEEKLY, MONTHLY");
    expect(() => resolve({ dayOfWeek: "MONDAY" as "MON" })).toThrow("FleetAudit: dayOfWeek 'MONDAY' must be one of SUN, MON, TUE, WED, THU, FRI, SAT");
    expect(() => resolve({ checks: [] })).toThrow("FleetAudit: checks must name at least one audit check");
    expect(() => resolve({ checks: ["DEVICE_CERT_CHECK" as "LOGGING_DISABLED_CHECK"] })).toThrow(/FleetAudit: checks: 'DEVICE_CERT_CHECK' is not a known audit check/);
    expect(() => resolve({ checks: ["LOGGING_DISABLED_CHECK", "LOGGING_DISABLED_CHECK"] })).toThrow("FleetAudit: checks: 'LOGGING_DISABLED_CHECK' is listed twice");
    expect(() => resolve({ scheduledAuditName: "weekly audit" })).toThrow(/FleetAudit: scheduledAuditName 'weekly audit' must be 1-128 characters/);
    expect(() => resolve({ logLevel: "TRACE" as "INFO" })).toThrow("FleetAudit: logLevel 'TRACE' must be one of DEBUG, INFO, WARN, ERROR, DISABLED");
    expect(() => resolve({ logRetentionDays: 10 })).toThrow(/FleetAudit: logRetentionDays 10 is not a CloudWatch Logs retention/);
    expect(() => resolve({ alarmTopicKmsKeyArn: "alias/aws/sns" })).toThrow(/FleetAudit: alarmTopicKmsKeyArn 'alias\/aws\/sns' must be a KMS key ARN/);
  });

  it("switches every known check explicitly: the chosen ones on, the rest off", () => {
    const config = auditCheckConfigurations(["LOGGING_DISABLED_CHECK"]);
    expect(Object.keys(config)).toHaveLength(14);
    expect(Object.entries(config).filter(([, v]) => v.enabled)).toEqual([["loggingDisabledCheck", { enabled: true }]]);
  });
});

describe("FleetAudit under mocks", () => {
  it("lets Device Defender audit through a role with the AWS managed audit policy", () => {
    const role = one(plan, T.role, "dev-audit-role");
    expect(parseJson(role.inputs.assumeRolePolicy).Statement).toEqual(TRUST);
    expect(one(plan, T.attachment, "dev-audit-policy").inputs).toEqual({
      role: role.arn!.split("/").pop(),
      policyArn: "arn:aws:iam::aws:policy/service-role/AWSIoTDeviceDefenderAudit",
    });
    // no other permissions on the audit role
    expect(ofType(plan, T.rolePolicy, "dev-audit")).toHaveLength(0);
  });

  it("sends findings to the alarm topic through a role that may only publish there (and use its key)", () => {
    expect(parseJson(one(plan, T.role, "dev-notify-role").inputs.assumeRolePolicy).Statement).toEqual(TRUST);
    expect(parseJson(one(plan, T.rolePolicy, "dev-notify-policy").inputs.policy).Statement).toEqual([
      { Sid: "PublishFindings", Effect: "Allow", Action: "sns:Publish", Resource: TOPIC },
      { Sid: "EncryptForTopic", Effect: "Allow", Action: ["kms:GenerateDataKey*", "kms:Decrypt"], Resource: KEY },
    ]);
    expect(parseJson(one(plan, T.rolePolicy, "prod-notify-policy").inputs.policy).Statement).toEqual([
      { Sid: "PublishFindings", Effect: "Allow", Action: "sns:Publish", Resource: TOPIC },
    ]);
  });

  it("enables the fleet's checks for the account and notifies the topic", () => {
    const audit = one(plan, T.audit, "dev-audit-configuration");
    expect(audit.inputs.accountId).toBe("123456789012");
    expect(audit.inputs.roleArn).toBe(one(plan, T.role, "dev-audit-role").arn);
    expect(audit.inputs.auditNotificationTargetConfigurations).toEqual({
      sns: { enabled: true, targetArn: TOPIC, roleArn: one(plan, T.role, "dev-notify-role").arn },
    });
    const checks = audit.inputs.auditCheckConfigurations as Record<string, { enabled: boolean }>;
    expect(Object.entries(checks).filter(([, v]) => v.enabled).map(([k]) => k).sort()).toEqual(
      [
        "iotPolicyOverlyPermissiveCheck",
        "iotRoleAliasOverlyPermissiveCheck",
        "iotRoleAliasAllowsAccessToUnusedServicesCheck",
        "deviceCertificateSharedCheck",
        "deviceCertificateExpiringCheck",
        "revokedDeviceCertificateStillActiveCheck",
        "caCertificateExpiringCheck",
        "loggingDisabledCheck",
      ].sort(),
    );
    expect(Object.entries(checks).filter(([, v]) => !v.enabled).map(([k]) => k).sort()).toEqual(
      [
        "authenticatedCognitoRoleOverlyPermissiveCheck",
        "caCertificateKeyQualityCheck",
        "conflictingClientIdsCheck",
        "deviceCertificateKeyQualityCheck",
        "revokedCaCertificateStillActiveCheck",
        "unauthenticatedCognitoRoleOverlyPermissiveCheck",
      ].sort(),
    );
    // Device Defender verifies the roles when the configuration is written: their permissions come first.
    expect(audit.dependsOn).toEqual(expect.arrayContaining([one(plan, T.attachment, "dev-audit-policy").urn, one(plan, T.rolePolicy, "dev-notify-policy").urn]));
  });

  it("schedules the audit weekly on Monday in dev, daily in prod, monthly when asked, after the checks are enabled", () => {
    const dev = one(plan, T.scheduled, "dev-scheduled-audit");
    expect(dev.inputs).toEqual({ scheduledAuditName: "edge-mlops-dev-dev", frequency: "WEEKLY", dayOfWeek: "MON", targetCheckNames: FLEET_CHECKS });
    expect(dev.dependsOn).toContain(one(plan, T.audit, "dev-audit-configuration").urn);
    expect(one(plan, T.scheduled, "prod-scheduled-audit").inputs).toEqual({ scheduledAuditName: "edge-mlops-prod-daily", frequency: "DAILY", targetCheckNames: FLEET_CHECKS });
    expect(one(plan, T.scheduled, "monthly-scheduled-audit").inputs).toEqual({
      scheduledAuditName: "edge-mlops-dev-monthly",
      frequency: "MONTHLY",
      dayOfMonth: "LAST",
      targetCheckNames: ["DEVICE_CERTIFICATE_EXPIRING_CHECK", "CA_CERTIFICATE_EXPIRING_CHECK"],
    });
    const monthlyChecks = one(plan, T.audit, "monthly-audit-configuration").inputs.auditCheckConfigurations as Record<string, { enabled: boolean }>;
    expect(Object.entries(monthlyChecks).filter(([, v]) => v.enabled).map(([k]) => k).sort()).toEqual(["caCertificateExpiringCheck", "deviceCertificateExpiringCheck"]);
  });

  it("turns IoT logging on at the chosen level into a log group with retention, through a least-privilege role", () => {
    const group = one(plan, T.logGroup, "dev-iot-logs");
    expect(group.inputs).toEqual({ name: "AWSIotLogsV2", retentionInDays: 30 });
    const role = one(plan, T.role, "dev-logging-role");
    expect(parseJson(role.inputs.assumeRolePolicy).Statement).toEqual(TRUST);
    const policy = one(plan, T.rolePolicy, "dev-logging-policy");
    expect(parseJson(policy.inputs.policy).Statement).toEqual([
      { Sid: "WriteIotLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [LOG_GROUP_ARN, `${LOG_GROUP_ARN}:*`] },
    ]);
    const logging = one(plan, T.logging, "dev-logging");
    expect(logging.inputs).toEqual({ defaultLogLevel: "INFO", disableAllLogs: false, roleArn: role.arn });
    expect(logging.dependsOn).toEqual(expect.arrayContaining([group.urn, policy.urn]));
  });

  it("lets IoT create the log group itself when the stack does not, and can switch logging off", () => {
    expect(ofType(plan, T.logGroup, "prod-")).toHaveLength(0);
    expect(parseJson(one(plan, T.rolePolicy, "prod-logging-policy").inputs.policy).Statement).toEqual([
      { Sid: "CreateIotLogGroup", Effect: "Allow", Action: "logs:CreateLogGroup", Resource: LOG_GROUP_ARN },
      { Sid: "WriteIotLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [LOG_GROUP_ARN, `${LOG_GROUP_ARN}:*`] },
    ]);
    expect(one(plan, T.logging, "prod-logging").inputs).toMatchObject({ defaultLogLevel: "ERROR", disableAllLogs: false });
    expect(one(plan, T.logging, "monthly-logging").inputs).toMatchObject({ defaultLogLevel: "DISABLED", disableAllLogs: true });
    expect(one(plan, T.logGroup, "monthly-iot-logs").inputs.retentionInDays).toBe(7);
  });

  it("parents every child to its component", () => {
    const component = one(plan, T.component, "dev");
    const children = plan.resources.filter((r) => r.name.startsWith("dev-"));
    expect(children.length).toBe(10);
    for (const r of children) expect(r.parent).toBe(component.urn);
  });
});
