/** CloudWatch Logs and SSM Parameter Store rules. */
import { ALWAYS_MANDATORY, type ResourceRule } from "./types";
import { isUnknown, str } from "./util";
import { LOG_GROUP_TYPES } from "./lambda";

export const logGroupRetention: ResourceRule = {
  kind: "resource",
  name: "log-group-retention",
  description:
    "CloudWatch log groups expire their logs: retentionInDays is set and not 0 (0 or unset keeps logs forever). " +
    "The period is the stack's choice (dev keeps days, prod a year or more), so the one-year minimum of CKV_AWS_338 is not enforced.",
  mapsTo: { checkov: ["CKV_AWS_66"] },
  severity: ALWAYS_MANDATORY,
  resourceTypes: LOG_GROUP_TYPES,
  checkResource: (r) => {
    const days = r.inputs.retentionInDays;
    if (isUnknown(days) || (typeof days === "number" && days > 0)) return [];
    return [`log group "${r.name}" keeps its logs forever (retentionInDays ${days === undefined ? "unset" : JSON.stringify(days)}): set a retention`];
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
