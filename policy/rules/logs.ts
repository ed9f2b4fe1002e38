/** CloudWatch Logs and SSM Parameter Store rules. */
import { ALWAYS_MANDATORY, type ResourceRule } from "./types";
import { isUnknown, str } from "./util";
import { LOG_GROUP_TYPES } from "./lambda";

/** The setting holding a tier's shortest accepted log retention. */
export const MINIMUM_RETENTION_DAYS = "minimumRetentionDays";

export const logGroupRetention: ResourceRule = {
  kind: "resource",
  name: "log-group-retention",
  description:
    "CloudWatch log groups keep their logs for at least the tier's minimum (minimumRetentionDays in the policy config: " +
    "1 day in dev, 30 in staging, 365 in prod) and no longer than a set period: retentionInDays is set and not 0 " +
    "(0 or unset keeps logs forever).",
  mapsTo: { checkov: ["CKV_AWS_66", "CKV_AWS_338"] },
  severity: ALWAYS_MANDATORY,
  settings: {
    [MINIMUM_RETENTION_DAYS]: {
      description: "shortest retentionInDays accepted, in days",
      minimum: 1,
      perEnvironment: { dev: 1, staging: 30, prod: 365 },
    },
  },
  awsDefaults: [
    {
      setting: "retentionInDays",
      whenAbsent: "the log group never expires its events",
      compliant: false,
      source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html#SettingLogRetention",
    },
  ],
  resourceTypes: LOG_GROUP_TYPES,
  checkResource: (r, settings) => {
    const days = r.inputs.retentionInDays;
    const minimum = settings[MINIMUM_RETENTION_DAYS];
    if (isUnknown(days)) return [];
    if (days === undefined || days === 0) {
      return [`log group "${r.name}" keeps its logs forever (retentionInDays ${days === undefined ? "unset" : "0"}): set a retention of at least ${minimum} days`];
    }
    if (typeof days === "number" && days >= minimum) return [];
    return [`log group "${r.name}" has retentionInDays ${JSON.stringify(days)}, below this tier's minimum of ${minimum} days (log-group-retention.${MINIMUM_RETENTION_DAYS}): keep logs at least ${minimum} days`];
  },
};

/** Words that mark a parameter as holding a secret. */
const SECRET_WORD = /^(.*(password|passwd|passphrase|secret|token|credential).*|(api|private|access|secret|signing|encryption|ssh)?keys?)$/;

/** Whether a parameter's name or description suggests it holds a secret (password, secret, token, key, ...). */
export function looksSecret(text: string): boolean {
  const words = text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return words.some((w) => SECRET_WORD.test(w));
}

export const ssmSecureStringForSecrets: ResourceRule = {
  kind: "resource",
  name: "ssm-secure-string-for-secrets",
  description:
    "SSM parameters whose name or description suggests a secret (password, secret, token, credential, key, api key, " +
    "...) are SecureString, so the value is encrypted with KMS and hidden from reads without decrypt permission.",
  mapsTo: { checkov: ["CKV2_AWS_34"] },
  severity: ALWAYS_MANDATORY,
  resourceTypes: ["aws:ssm/parameter:Parameter"],
  checkResource: (r) => {
    const { name, description, type } = r.inputs;
    if (isUnknown(type) || type === "SecureString") return [];
    const hints = [name, description].map(str).filter((t): t is string => t !== undefined && looksSecret(t));
    if (hints.length === 0) return [];
    return [`parameter "${r.name}" looks like a secret (${hints.map((h) => JSON.stringify(h)).join(", ")}) but has type ${JSON.stringify(type ?? "String")}: use SecureString`];
  },
};

export const LOG_RULES = [logGroupRetention, ssmSecureStringForSecrets];
