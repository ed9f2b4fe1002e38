// A FleetAudit's settings as one schema: which Device Defender checks run, how often, and the account's IoT logging
// level, log group and log retention. Every default, range and rule of a FleetAudit is stated here once; the FleetAudit resolves
// its args with it (the stack config's `observability` section holds the stack's choice of frequency and log level).
import type * as awsNative from "@pulumi/aws-native";
import { z } from "zod";
import { retentionDays } from "../args";

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
const AUDIT_CHECK_NAMES = Object.keys(AUDIT_CHECK_PROPERTIES) as [AuditCheckName, ...AuditCheckName[]];

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

export const IOT_LOG_LEVELS = ["DEBUG", "INFO", "WARN", "ERROR", "DISABLED"] as const;
export type IotLogLevel = (typeof IOT_LOG_LEVELS)[number];
export const AUDIT_FREQUENCIES = ["DAILY", "WEEKLY", "BIWEEKLY", "MONTHLY"] as const;
export type AuditFrequency = (typeof AUDIT_FREQUENCIES)[number];
export const DAYS_OF_WEEK = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;
export type DayOfWeek = (typeof DAYS_OF_WEEK)[number];

/**
 * How a FleetAudit holds the log group AWS IoT v2 logging writes to, `AWSIotLogsV2`, fixed by AWS and one per account
 * and region:
 * - `create`: the stack creates it with its retention. For an account and region whose IoT v2 logging was never on:
 *   creating a group that exists fails (CreateLogGroup: ResourceAlreadyExistsException).
 * - `import`: the group exists (IoT logging was on before, and IoT's logging role created it): the stack adopts it with
 *   Pulumi's `import` resource option (id `AWSIotLogsV2`) and from then on manages its retention. Pulumi refuses an
 *   import whose inputs differ from the group as it is, and says which differ: the first `pulumi up` states the
 *   group's present retention (logRetentionDays), a later one may change it. Once imported the option changes nothing.
 * - `unmanaged`: the stack leaves the group alone; IoT's logging role may create it, without a retention (logs kept
 *   until someone sets one).
 * Adoption through `import` was chosen over a resource that writes the retention of whatever group exists: neither
 * provider has one (aws.cloudwatch.LogGroup and AWS::Logs::LogGroup both fail on an existing name), and an import keeps
 * the group in the state like any other, so its retention shows in previews and drifts are caught.
 */
export const IOT_LOG_GROUP_MODES = ["create", "import", "unmanaged"] as const;
export type IotLogGroupMode = (typeof IOT_LOG_GROUP_MODES)[number];

const isWeekly = (frequency: AuditFrequency) => frequency === "WEEKLY" || frequency === "BIWEEKLY";

export const fleetAuditSettings = z
  .strictObject({
    /** How often the scheduled audit runs (ScheduledAudit.Frequency). @default "WEEKLY" */
    frequency: z.enum(AUDIT_FREQUENCIES).default("WEEKLY"),
    /** Day of WEEKLY and BIWEEKLY audits; not allowed with DAILY or MONTHLY. @default "MON" with WEEKLY and BIWEEKLY */
    dayOfWeek: z.enum(DAYS_OF_WEEK).optional(),
    /** Day of MONTHLY audits, "1" to "31" or "LAST"; not allowed otherwise. @default "1" with MONTHLY */
    dayOfMonth: z
      .string()
      .regex(/^([1-9]|[12]\d|3[01]|LAST)$/, "must be \"1\" to \"31\" or \"LAST\"")
      .optional(),
    /** Checks enabled for the account and run by the scheduled audit, each once; every other known check is disabled. @default FLEET_AUDIT_CHECKS */
    checks: z
      .array(z.enum(AUDIT_CHECK_NAMES))
      .refine((checks) => checks.length > 0, { message: "must name at least one audit check" })
      .default(() => [...FLEET_AUDIT_CHECKS]),
    /** Scheduled audit name: 1 to 128 of `[a-zA-Z0-9_-]` (CreateScheduledAudit). @default "edge-mlops-<stack>-<component name>" */
    scheduledAuditName: z
      .string()
      .regex(/^[a-zA-Z0-9_-]{1,128}$/, "must be 1-128 characters of a-z, A-Z, 0-9, '_' and '-'")
      .optional(),
    /** Default level of AWS IoT logging (SetV2LoggingOptions); DISABLED turns all IoT logs off. @default "ERROR" */
    logLevel: z.enum(IOT_LOG_LEVELS).default("ERROR"),
    /**
     * How the stack holds the account's `AWSIotLogsV2` log group (IOT_LOG_GROUP_MODES). @default "create"
     */
    logGroup: z.enum(IOT_LOG_GROUP_MODES).default("create"),
    /** Days the IoT log group keeps logs (a CloudWatch Logs retention value). @default 30 */
    logRetentionDays: retentionDays.default(30),
  })
  .superRefine((s, ctx) => {
    if (s.dayOfWeek !== undefined && !isWeekly(s.frequency)) {
      ctx.addIssue({ code: "custom", path: ["dayOfWeek"], message: `applies to WEEKLY and BIWEEKLY audits only, not ${s.frequency}` });
    }
    if (s.dayOfMonth !== undefined && s.frequency !== "MONTHLY") {
      ctx.addIssue({ code: "custom", path: ["dayOfMonth"], message: `applies to MONTHLY audits only, not ${s.frequency}` });
    }
    const twice = s.checks.findIndex((c, i) => s.checks.indexOf(c) !== i);
    if (twice >= 0) ctx.addIssue({ code: "custom", path: ["checks", twice], message: `'${s.checks[twice]}' is listed twice` });
  });

/** A FleetAudit's settings as given (defaults optional). */
export type FleetAuditSettingsInput = z.input<typeof fleetAuditSettings>;
/** A FleetAudit's settings with every default applied. */
export type FleetAuditSettings = z.output<typeof fleetAuditSettings>;

/** The audit day of the settings' frequency: the day defaults above, and no day where the frequency takes none. */
export function auditDays(s: FleetAuditSettings): { dayOfWeek?: DayOfWeek; dayOfMonth?: string } {
  if (isWeekly(s.frequency)) return { dayOfWeek: s.dayOfWeek ?? "MON" };
  return s.frequency === "MONTHLY" ? { dayOfMonth: s.dayOfMonth ?? "1" } : {};
}
