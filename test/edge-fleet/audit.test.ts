import { beforeAll, describe, expect, it } from "vitest";
import {
  AUDIT_CHECK_PROPERTIES,
  auditCheckConfigurations,
  FleetAudit,
  FLEET_AUDIT_CHECKS,
  resolveFleetAuditArgs,
  type FleetAuditArgs,
} from "../../components/edge-fleet/audit";
import * as pulumi from "@pulumi/pulumi";
import { ArgError } from "../../components/args";
import { one, ofType, planProgram, type Plan } from "../support/offline";
import { inputsOf, policyDocument } from "../support/resources";

/** The message, optionally followed by the value refused (`, got …`), as components/args.ts words it. */
const said = (message: string) => new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(, got .+)?$`);

const T = {
  component: "edge-mlops:edge:FleetAudit",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  audit: "aws-native:iot:AccountAuditConfiguration",
  scheduled: "aws-native:iot:ScheduledAudit",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  logging: "aws:iot/loggingOptions:LoggingOptions",
} as const;
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
/** The options each log group was registered with, by name (the plan records no `import`). */
const logGroupOptions = new Map<string, pulumi.CustomResourceOptions>();
/** AWS's managed policy service-role/AWSIoTLogging (v1), as published in the AWS Managed Policy reference. */
const AWS_IOT_LOGGING_ACTIONS = [
  "logs:CreateLogGroup",
  "logs:CreateLogStream",
  "logs:PutLogEvents",
  "logs:PutMetricFilter",
  "logs:PutRetentionPolicy",
  "logs:GetLogEvents",
  "logs:DeleteLogStream",
];

/** What `fn` throws; fails the test when it returns. */
function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected an error, none was thrown");
}

beforeAll(async () => {
  plan = await planProgram(
    () => {
      pulumi.runtime.registerStackTransformation((a) => {
        if (a.type === T.logGroup) logGroupOptions.set(a.name, a.opts);
        return undefined;
      });
      new FleetAudit("shared", { stack: "dev", alarmTopicArn: TOPIC, logGroup: "import", logRetentionDays: 365 });
      new FleetAudit("dev", { stack: "dev", alarmTopicArn: TOPIC, alarmTopicKmsKeyArn: KEY, logLevel: "INFO" });
      new FleetAudit("prod", { stack: "dev", alarmTopicArn: TOPIC, frequency: "DAILY", logGroup: "unmanaged", scheduledAuditName: "edge-mlops-prod-daily" });
      new FleetAudit("monthly", {
        stack: "dev",
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
  const base: FleetAuditArgs = { stack: "dev", alarmTopicArn: TOPIC };
  const resolve = (extra: Partial<FleetAuditArgs>) => resolveFleetAuditArgs("audit", { ...base, ...extra });

  it("defaults to a weekly Monday audit of the fleet's checks and ERROR logging kept 30 days", () => {
    expect(resolve({})).toEqual({
      frequency: "WEEKLY",
      dayOfWeek: "MON",
      checks: FLEET_CHECKS,
      scheduledAuditName: "edge-mlops-dev-audit",
      logLevel: "ERROR",
      logGroup: "create",
      logRetentionDays: 30,
    });
    const days = (extra: Partial<FleetAuditArgs>) => {
      const r = resolve(extra);
      return [r.dayOfWeek, r.dayOfMonth];
    };
    expect(days({ frequency: "BIWEEKLY", dayOfWeek: "FRI" })).toEqual(["FRI", undefined]);
    expect(days({ frequency: "MONTHLY" })).toEqual([undefined, "1"]);
    expect(days({ frequency: "MONTHLY", dayOfMonth: "LAST" })).toEqual([undefined, "LAST"]);
    expect(days({ frequency: "DAILY" })).toEqual([undefined, undefined]);
    expect(resolve({ scheduledAuditName: "weekly_audit" }).scheduledAuditName).toBe("weekly_audit");
  });

  it("leaves out the Cognito checks: the platform has no identity pools", () => {
    expect(FLEET_AUDIT_CHECKS.filter((c) => c.includes("COGNITO"))).toEqual([]);
    expect(Object.keys(AUDIT_CHECK_PROPERTIES).filter((c) => c.includes("COGNITO"))).toHaveLength(2);
  });

  it.each<[string, Partial<FleetAuditArgs>, string]>([
    ["a day of the week for a daily audit", { frequency: "DAILY", dayOfWeek: "MON" }, "FleetAudit: dayOfWeek: applies to WEEKLY and BIWEEKLY audits only, not DAILY"],
    ["a day of the month for a weekly audit", { dayOfMonth: "3" }, "FleetAudit: dayOfMonth: applies to MONTHLY audits only, not WEEKLY"],
    ["day 32", { frequency: "MONTHLY", dayOfMonth: "32" }, 'FleetAudit: dayOfMonth: must be "1" to "31" or "LAST"'],
    ["day 0", { frequency: "MONTHLY", dayOfMonth: "0" }, 'FleetAudit: dayOfMonth: must be "1" to "31" or "LAST"'],
    ["an unknown frequency", { frequency: "HOURLY" as "DAILY" }, 'FleetAudit: frequency: must be one of "DAILY", "WEEKLY", "BIWEEKLY", "MONTHLY", got "HOURLY"'],
    ["an unknown day", { dayOfWeek: "MONDAY" as "MON" }, 'FleetAudit: dayOfWeek: must be one of "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", got "MONDAY"'],
    ["no checks", { checks: [] }, "FleetAudit: checks: must name at least one audit check"],
    ["an unknown check", { checks: ["DEVICE_CERT_CHECK" as "LOGGING_DISABLED_CHECK"] }, `FleetAudit: checks[0]: must be one of ${Object.keys(AUDIT_CHECK_PROPERTIES).map((c) => JSON.stringify(c)).join(", ")}, got "DEVICE_CERT_CHECK"`],
    ["a check listed twice", { checks: ["LOGGING_DISABLED_CHECK", "LOGGING_DISABLED_CHECK"] }, "FleetAudit: checks[1]: 'LOGGING_DISABLED_CHECK' is listed twice"],
    ["a scheduled audit name with a space", { scheduledAuditName: "weekly audit" }, "FleetAudit: scheduledAuditName: must be 1-128 characters of a-z, A-Z, 0-9, '_' and '-'"],
    ["a scheduled audit name of 129 characters", { scheduledAuditName: "a".repeat(129) }, "FleetAudit: scheduledAuditName: must be 1-128 characters of a-z, A-Z, 0-9, '_' and '-'"],
    ["an unknown log level", { logLevel: "TRACE" as "INFO" }, 'FleetAudit: logLevel: must be one of "DEBUG", "INFO", "WARN", "ERROR", "DISABLED", got "TRACE"'],
    ["a retention CloudWatch does not offer", { logRetentionDays: 10 }, "FleetAudit: logRetentionDays: must be one of CloudWatch Logs' retention values: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653"],
    ["a key alias for a key ARN", { alarmTopicKmsKeyArn: "alias/aws/sns" }, "FleetAudit: alarmTopicKmsKeyArn: 'alias/aws/sns' must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)"],
    ["no stack", { stack: "" }, "FleetAudit: stack: must be the stack's name"],
  ])("rejects %s, naming the arg", (_, extra, message) => {
    const error = thrownBy(() => resolve(extra));
    expect(error).toBeInstanceOf(ArgError);
    expect(error.message).toMatch(said(message));
  });

  it("takes a scheduled audit name of 128 characters and any CloudWatch retention", () => {
    expect(resolve({ scheduledAuditName: "a".repeat(128) }).scheduledAuditName).toHaveLength(128);
    expect(resolve({ logRetentionDays: 3653 }).logRetentionDays).toBe(3653);
    expect(resolve({ frequency: "MONTHLY", dayOfMonth: "31" }).dayOfMonth).toBe("31");
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
    expect(policyDocument(inputsOf(plan, T.role, "dev-audit-role").assumeRolePolicy).Statement).toEqual(TRUST);
    expect(inputsOf(plan, T.attachment, "dev-audit-policy")).toEqual({
      role: role.arn!.split("/").pop(),
      policyArn: "arn:aws:iam::aws:policy/service-role/AWSIoTDeviceDefenderAudit",
    });
    // no other permissions on the audit role
    expect(ofType(plan, T.rolePolicy, "dev-audit")).toHaveLength(0);
  });

  it("sends findings to the alarm topic through a role that may only publish there (and use its key)", () => {
    expect(policyDocument(inputsOf(plan, T.role, "dev-notify-role").assumeRolePolicy).Statement).toEqual(TRUST);
    expect(policyDocument(inputsOf(plan, T.rolePolicy, "dev-notify-policy").policy).Statement).toEqual([
      { Sid: "PublishFindings", Effect: "Allow", Action: "sns:Publish", Resource: TOPIC },
      { Sid: "EncryptForTopic", Effect: "Allow", Action: ["kms:GenerateDataKey*", "kms:Decrypt"], Resource: KEY },
    ]);
    expect(policyDocument(inputsOf(plan, T.rolePolicy, "prod-notify-policy").policy).Statement).toEqual([
      { Sid: "PublishFindings", Effect: "Allow", Action: "sns:Publish", Resource: TOPIC },
    ]);
  });

  it("enables the fleet's checks for the account and notifies the topic", () => {
    const audit = one(plan, T.audit, "dev-audit-configuration");
    const auditInputs = inputsOf(plan, T.audit, "dev-audit-configuration");
    expect(auditInputs.accountId).toBe("123456789012");
    expect(auditInputs.roleArn).toBe(one(plan, T.role, "dev-audit-role").arn);
    expect(auditInputs.auditNotificationTargetConfigurations).toEqual({
      sns: { enabled: true, targetArn: TOPIC, roleArn: one(plan, T.role, "dev-notify-role").arn },
    });
    const checks = auditInputs.auditCheckConfigurations ?? {};
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
    // Device Defender verifies the roles when the configuration is written, and nothing retries it: their permissions
    // come first, then a wait for IAM to propagate them, which runs again when a role is replaced.
    const wait = one(plan, "time:index/sleep:Sleep", "dev-audit-roles-propagated");
    expect(audit.dependsOn).toEqual([wait.urn]);
    expect(wait.dependsOn).toEqual([one(plan, T.attachment, "dev-audit-policy").urn, one(plan, T.rolePolicy, "dev-notify-policy").urn]);
    expect(inputsOf(plan, "time:index/sleep:Sleep", "dev-audit-roles-propagated")).toEqual({
      createDuration: "30s",
      triggers: {
        auditRole: auditInputs.roleArn,
        auditPolicy: inputsOf(plan, T.attachment, "dev-audit-policy").policyArn,
        notificationRole: auditInputs.auditNotificationTargetConfigurations?.sns?.roleArn,
        notificationPolicy: inputsOf(plan, T.rolePolicy, "dev-notify-policy").policy,
      },
    });
  });

  it("schedules the audit weekly on Monday in dev, daily in prod, monthly when asked, after the checks are enabled", () => {
    const dev = one(plan, T.scheduled, "dev-scheduled-audit");
    expect(inputsOf(plan, T.scheduled, "dev-scheduled-audit")).toEqual({ scheduledAuditName: "edge-mlops-dev-dev", frequency: "WEEKLY", dayOfWeek: "MON", targetCheckNames: FLEET_CHECKS });
    expect(dev.dependsOn).toContain(one(plan, T.audit, "dev-audit-configuration").urn);
    expect(inputsOf(plan, T.scheduled, "prod-scheduled-audit")).toEqual({ scheduledAuditName: "edge-mlops-prod-daily", frequency: "DAILY", targetCheckNames: FLEET_CHECKS });
    expect(inputsOf(plan, T.scheduled, "monthly-scheduled-audit")).toEqual({
      scheduledAuditName: "edge-mlops-dev-monthly",
      frequency: "MONTHLY",
      dayOfMonth: "LAST",
      targetCheckNames: ["DEVICE_CERTIFICATE_EXPIRING_CHECK", "CA_CERTIFICATE_EXPIRING_CHECK"],
    });
    const monthlyChecks = inputsOf(plan, T.audit, "monthly-audit-configuration").auditCheckConfigurations ?? {};
    expect(Object.entries(monthlyChecks).filter(([, v]) => v.enabled).map(([k]) => k).sort()).toEqual(["caCertificateExpiringCheck", "deviceCertificateExpiringCheck"]);
  });

  it("turns IoT logging on at the chosen level into a log group with retention, through a least-privilege role", () => {
    const group = one(plan, T.logGroup, "dev-iot-logs");
    expect(inputsOf(plan, T.logGroup, "dev-iot-logs")).toEqual({ name: "AWSIotLogsV2", retentionInDays: 30 });
    const role = one(plan, T.role, "dev-logging-role");
    expect(policyDocument(inputsOf(plan, T.role, "dev-logging-role").assumeRolePolicy).Statement).toEqual(TRUST);
    const policy = one(plan, T.rolePolicy, "dev-logging-policy");
    expect(policyDocument(inputsOf(plan, T.rolePolicy, "dev-logging-policy").policy).Statement).toEqual([
      { Sid: "WriteIotLogs", Effect: "Allow", Action: AWS_IOT_LOGGING_ACTIONS, Resource: [LOG_GROUP_ARN, `${LOG_GROUP_ARN}:*`] },
    ]);
    const logging = one(plan, T.logging, "dev-logging");
    expect(inputsOf(plan, T.logging, "dev-logging")).toEqual({ defaultLogLevel: "INFO", disableAllLogs: false, roleArn: role.arn });
    expect(logging.dependsOn).toEqual(expect.arrayContaining([group.urn, policy.urn]));
  });

  it("lets IoT create the log group itself when the stack leaves it unmanaged, and can switch logging off", () => {
    expect(ofType(plan, T.logGroup, "prod-")).toHaveLength(0);
    // Every permission of AWS's own logging policy, on the one group, whether or not the stack holds the group.
    for (const audit of ["dev", "prod", "shared"]) {
      expect(policyDocument(inputsOf(plan, T.rolePolicy, `${audit}-logging-policy`).policy).Statement).toEqual([
        { Sid: "WriteIotLogs", Effect: "Allow", Action: AWS_IOT_LOGGING_ACTIONS, Resource: [LOG_GROUP_ARN, `${LOG_GROUP_ARN}:*`] },
      ]);
    }
    expect(inputsOf(plan, T.logging, "prod-logging")).toMatchObject({ defaultLogLevel: "ERROR", disableAllLogs: false });
    expect(inputsOf(plan, T.logging, "monthly-logging")).toMatchObject({ defaultLogLevel: "DISABLED", disableAllLogs: true });
    expect(inputsOf(plan, T.logGroup, "monthly-iot-logs").retentionInDays).toBe(7);
  });

  it("adopts an existing AWSIotLogsV2 with Pulumi's import instead of creating it, and creates it otherwise", () => {
    expect(inputsOf(plan, T.logGroup, "shared-iot-logs")).toEqual({ name: "AWSIotLogsV2", retentionInDays: 365 });
    expect(logGroupOptions.get("shared-iot-logs")?.import).toBe("AWSIotLogsV2");
    expect(logGroupOptions.get("dev-iot-logs")?.import).toBeUndefined();
    expect(logGroupOptions.has("prod-iot-logs")).toBe(false);
    expect(one(plan, T.logging, "shared-logging").dependsOn).toContain(one(plan, T.logGroup, "shared-iot-logs").urn);
  });

  it("parents every child to its component", () => {
    const component = one(plan, T.component, "dev");
    const children = plan.resources.filter((r) => r.name.startsWith("dev-"));
    expect(children.length).toBe(11);
    for (const r of children) expect(r.parent).toBe(component.urn);
  });
});
