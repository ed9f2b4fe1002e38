/**
 * IAM rules over every identity policy document in the stack — inline policies of roles, role,
 * user and group policies, customer managed policies — and over managed policy attachments.
 * Documents arrive as JSON strings (or objects); Statement may be one object or a list, Action
 * and Resource a string or a list. Deny statements grant nothing and are not judged.
 */
import { ALWAYS_MANDATORY, type ResourceRule, type ResourceView } from "./types";
import { actionMatches, asList, get, isObject, isUnknown, readDocument, statementsOf, str, where, type Statement } from "./util";

export const ROLE_TYPE = "aws:iam/role:Role";
const POLICY_DOCUMENT_TYPES = ["aws:iam/rolePolicy:RolePolicy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy", "aws:iam/policy:Policy"];
export const IAM_DOCUMENT_TYPES = [ROLE_TYPE, ...POLICY_DOCUMENT_TYPES];

/** Resources that attach managed policies, and the input holding the ARN(s). */
export const ATTACHMENT_INPUTS: Readonly<Record<string, string>> = {
  [ROLE_TYPE]: "managedPolicyArns",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "policyArn",
  "aws:iam/policyAttachment:PolicyAttachment": "policyArn",
  "aws:iam/userPolicyAttachment:UserPolicyAttachment": "policyArn",
  "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": "policyArn",
  "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "policyArns",
};

/** A policy document a resource carries, with a label for messages. */
export interface LabelledDocument {
  readonly label: string;
  readonly value: unknown;
}

/** The identity policy documents of a resource (not a role's trust policy, which grants sts:AssumeRole only). */
export function policyDocuments(r: ResourceView): LabelledDocument[] {
  if (r.type === ROLE_TYPE) {
    const inline = r.inputs.inlinePolicies;
    if (isUnknown(inline)) return [{ label: `inline policies of role "${r.name}"`, value: inline }];
    // `inlinePolicies: [{}]` is how a role declares it has none: entries without a policy are skipped.
    return asList(inline)
      .map((p, i) => ({ label: `inline policy "${str(get(p, "name")) ?? i}" of role "${r.name}"`, value: get(p, "policy") }))
      .filter((d) => d.value !== undefined);
  }
  if (POLICY_DOCUMENT_TYPES.includes(r.type)) return [{ label: `policy of "${r.name}"`, value: r.inputs.policy }];
  return [];
}

/** The statements of each readable document; unknown documents are skipped, unreadable ones reported via `onError`. */
function statementsIn(r: ResourceView, onError?: (message: string) => void): { label: string; statements: Statement[] }[] {
  const out: { label: string; statements: Statement[] }[] = [];
  for (const { label, value } of policyDocuments(r)) {
    const read = readDocument(value, label);
    if (isUnknown(read)) continue;
    if ("error" in read) {
      onError?.(read.error);
      continue;
    }
    const { statements, error } = statementsOf(read.doc);
    if (error) onError?.(`${label}: ${error}`);
    out.push({ label, statements });
  }
  return out;
}

const isAllow = (st: Statement) => st.Effect === "Allow";

/** Findings about wildcard actions in one statement. */
function wildcardActionFindings(st: Statement, at: string): string[] {
  if (!isAllow(st)) return [];
  const findings: string[] = [];
  if (st.NotAction !== undefined) findings.push(`${at} allows with NotAction, which grants every action not listed`);
  for (const action of asList(st.Action)) {
    if (action === "*" || action === "*:*") findings.push(`${at} allows action "${action}": every action of every service`);
    else if (typeof action === "string" && /^[a-z0-9-]+:\*$/i.test(action)) findings.push(`${at} allows action "${action}": every ${action.split(":")[0]} action`);
  }
  return findings;
}

export const iamNoWildcardActions: ResourceRule = {
  kind: "resource",
  name: "iam-no-wildcard-actions",
  description:
    "IAM policies grant named actions only: no Allow of \"*\", \"*:*\" or a whole service (\"s3:*\"), and no Allow " +
    "with NotAction. Unreadable policy documents are reported too.",
  mapsTo: { checkov: ["CKV_AWS_62"], trivy: ["AVD-AWS-0057"], awsFsbp: ["IAM.1", "IAM.21"] },
  severity: ALWAYS_MANDATORY,
  resourceTypes: IAM_DOCUMENT_TYPES,
  checkResource: (r) => {
    const messages: string[] = [];
    for (const { label, statements } of statementsIn(r, (m) => messages.push(m))) {
      statements.forEach((st, i) => messages.push(...wildcardActionFindings(st, `${label}: ${where(st, i)}`)));
    }
    return messages;
  },
};

/** Whether a managed policy ARN names AdministratorAccess or a *FullAccess policy. */
export function isAdminPolicyArn(arn: string): boolean {
  const name = arn.split("/").pop() ?? "";
  return /^arn:aws[a-z-]*:iam::/.test(arn) && (name === "AdministratorAccess" || name.includes("FullAccess"));
}

export const iamNoAdminManagedPolicies: ResourceRule = {
  kind: "resource",
  name: "iam-no-admin-managed-policies",
  description: "No role, user or group gets AdministratorAccess or a *FullAccess managed policy; permissions are written per component.",
  mapsTo: { checkov: ["CKV_AWS_274"] },
  severity: ALWAYS_MANDATORY,
  resourceTypes: Object.keys(ATTACHMENT_INPUTS),
  checkResource: (r) => {
    // A value unknown in preview is no ARN string, so it is passed over.
    return asList(r.inputs[ATTACHMENT_INPUTS[r.type]])
      .filter((arn): arn is string => typeof arn === "string" && isAdminPolicyArn(arn))
      .map((arn) => `"${r.name}" attaches managed policy ${arn}: write a least-privilege policy instead`);
  },
};

const PASS_ROLE = "iam:PassRole";

function grantsPassRole(st: Statement): boolean {
  return isAllow(st) && asList(st.Action).some((a) => typeof a === "string" && actionMatches(a, PASS_ROLE));
}

/** A resource that stands for every role: "*" or a role ARN whose name part is only "*". */
function anyRole(resource: unknown): boolean {
  return resource === "*" || (typeof resource === "string" && /^arn:aws[a-z-]*:iam::[^:]*:role\/\*$/.test(resource));
}

export const iamPassRoleScoped: ResourceRule = {
  kind: "resource",
  name: "iam-passrole-scoped",
  description: "iam:PassRole is granted on named role ARNs only, never on \"*\", on every role of an account, or with NotResource.",
  mapsTo: { checkov: ["CKV_AWS_355"] },
  severity: ALWAYS_MANDATORY,
  resourceTypes: IAM_DOCUMENT_TYPES,
  checkResource: (r) => {
    const messages: string[] = [];
    for (const { label, statements } of statementsIn(r)) {
      statements.forEach((st, i) => {
        if (!grantsPassRole(st)) return;
        const at = `${label}: ${where(st, i)}`;
        if (st.NotResource !== undefined) messages.push(`${at} grants iam:PassRole with NotResource: name the roles it may pass`);
        const wide = asList(st.Resource).filter(anyRole);
        if (wide.length > 0) messages.push(`${at} grants iam:PassRole on ${wide.map((w) => JSON.stringify(w)).join(", ")}: name the roles it may pass`);
      });
    }
    return messages;
  },
};

/** Condition operators that limit iam:PassedToService to the services listed (no IfExists, no negation). */
const PASSED_TO_SERVICE_OPERATORS = ["StringEquals", "StringLike"];
/** A service principal such as `sagemaker.amazonaws.com` (`.amazonaws.com.cn` in China), without wildcards. */
const SERVICE_PRINCIPAL = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com(\.cn)?$/;

/** Why a PassRole statement's iam:PassedToService condition does not limit the receiving service, or undefined if it does. */
export function passedToServiceProblem(st: Statement): string | undefined {
  const condition = isObject(st.Condition) ? st.Condition : {};
  const uses = Object.entries(condition).flatMap(([operator, keys]) =>
    isObject(keys) ? Object.entries(keys).filter(([k]) => k.toLowerCase() === "iam:passedtoservice").map(([, v]) => ({ operator, values: asList(v) })) : [],
  );
  if (uses.length === 0) return "without an iam:PassedToService condition, so the role can be passed to any service that accepts it";
  for (const { operator, values } of uses) {
    if (!PASSED_TO_SERVICE_OPERATORS.includes(operator)) {
      return `with iam:PassedToService under ${operator}, which does not limit the service to the ones named: use ${PASSED_TO_SERVICE_OPERATORS.join(" or ")}`;
    }
    const bad = values.filter((v) => typeof v !== "string" || !SERVICE_PRINCIPAL.test(v));
    if (values.length === 0 || bad.length > 0) {
      return `with iam:PassedToService ${JSON.stringify(values)}: name each service principal in full, e.g. "sagemaker.amazonaws.com", without wildcards`;
    }
  }
  return undefined;
}

export const iamPassRolePassedToService: ResourceRule = {
  kind: "resource",
  name: "iam-passrole-passed-to-service",
  description:
    "iam:PassRole statements carry an iam:PassedToService condition (StringEquals or StringLike) naming, in full, the " +
    "service principals the role may be passed to, so a principal that may pass a role cannot hand it to a service the " +
    "role was not made for.",
  mapsTo: { none: "Checkov, Trivy and Security Hub check where iam:PassRole applies (CKV_AWS_286), not to which service; the condition key is AWS's IAM guidance for PassRole" },
  severity: ALWAYS_MANDATORY,
  awsDefaults: [
    {
      setting: "Condition[iam:PassedToService]",
      whenAbsent: "no limit: the role may be passed to any service that accepts a role",
      compliant: false,
      source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_PassedToService",
    },
  ],
  resourceTypes: IAM_DOCUMENT_TYPES,
  checkResource: (r) => {
    const messages: string[] = [];
    for (const { label, statements } of statementsIn(r)) {
      statements.forEach((st, i) => {
        const problem = grantsPassRole(st) ? passedToServiceProblem(st) : undefined;
        if (problem) messages.push(`${label}: ${where(st, i)} grants iam:PassRole ${problem}`);
      });
    }
    return messages;
  },
};

export const IAM_RULES = [iamNoWildcardActions, iamNoAdminManagedPolicies, iamPassRoleScoped, iamPassRolePassedToService];
