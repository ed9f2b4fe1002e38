/**
 * AWS IoT rules. Device policies and the role that devices reach through a role alias follow the
 * edge fleet's least-privilege check (`findPolicyViolations` of components/edge-fleet/policies):
 * no `iot:*`, no `*:*` or whole-service actions, no NotAction/NotResource, and no `*` resource
 * except the documented WILDCARD_RESOURCE_EXCEPTIONS. IoT policies also grant each device only its
 * own thing, topics and client id: every thing, client, topic and topic-filter ARN is scoped by
 * `${iot:Connection.Thing.ThingName}`, except what the fleet-provisioning claim certificate needs
 * ({@link THING_SCOPE_EXCEPTIONS}), and no other IoT ARN has a wildcard.
 */
import { IOT_NAME_PATTERN, validateProvisioningTemplateName } from "../../contracts/iot-names";
import { CLAIM_CLIENT_ID_PREFIX, findPolicyViolations, THING_NAME_VARIABLE, WILDCARD_RESOURCE_EXCEPTIONS } from "../../components/edge-fleet/policies";
import { ALWAYS_ADVISORY, ALWAYS_MANDATORY, type CheckedResource, type ResourceRule, type StackFinding, type StackRule } from "./types";
import { asList, companionsOf, isUnknown, keysOf, ofTypes, readDocument, statementsOf, where } from "./util";
import { ATTACHMENT_INPUTS, isAdminPolicyArn, policyDocuments, ROLE_TYPE } from "./iam";

/** Credential lifetime a role alias hands out when none is set, and the most this pack accepts. */
export const MAX_CREDENTIAL_DURATION_SECONDS = 3600;

/** IoT resource types that belong to one device: its thing (shadows, job executions), client ids and MQTT topics. */
export const DEVICE_RESOURCE_TYPES = ["thing", "client", "topic", "topicfilter"] as const;
type DeviceResourceType = (typeof DEVICE_RESOURCE_TYPES)[number];

/** A device resource an IoT policy may grant beyond the connecting thing's own, and why. */
export interface ThingScopeException {
  readonly resourceType: DeviceResourceType;
  /** The resource name (after `<type>/`) as written, `<template name>` standing for a valid template name. */
  readonly pattern: string;
  readonly reason: string;
}

const CLAIM_REASON =
  "fleet provisioning by claim: the device connects with the shared claim certificate, which belongs to no thing, so " +
  "there is no thing name to scope by; AWS IoT's fleet-provisioning MQTT API answers on these reserved topics";
const TEMPLATE = "<template name>";

/**
 * The only device resources any IoT policy may grant without the connecting thing's name: what the claim policy of
 * components/edge-fleet/policies (`claimPolicy`) grants, client ids by its CLAIM_CLIENT_ID_PREFIX.
 */
export const THING_SCOPE_EXCEPTIONS: readonly ThingScopeException[] = [
  { resourceType: "client", pattern: `${CLAIM_CLIENT_ID_PREFIX}*`, reason: CLAIM_REASON },
  ...(["topic", "topicfilter"] as const).flatMap((resourceType) =>
    ["$aws/certificates/create/*", "$aws/certificates/create-from-csr/*", `$aws/provisioning-templates/${TEMPLATE}/provision/*`].map((pattern) => ({
      resourceType,
      pattern,
      reason: CLAIM_REASON,
    })),
  ),
];

/** Whether a resource name matches an exception's pattern (`<template name>` matching one valid template name). */
function matchesException(e: ThingScopeException, resourceType: string, name: string): boolean {
  if (e.resourceType !== resourceType) return false;
  const at = e.pattern.indexOf(TEMPLATE);
  if (at < 0) return name === e.pattern;
  const head = e.pattern.slice(0, at);
  const tail = e.pattern.slice(at + TEMPLATE.length);
  if (!name.startsWith(head) || !name.endsWith(tail)) return false;
  // Where head and tail leave nothing between them (or overlap) the slice is empty, which no template name is.
  return validateProvisioningTemplateName(name.slice(head.length, name.length - tail.length)) === undefined;
}

/**
 * Why a device resource name (`resourceType` thing, client, topic or topicfilter; `name` what follows `<type>/` in
 * its ARN) reaches beyond the connecting thing's own, or undefined when it does not. The thing-name variable must
 * stand alone: a thing or client id is exactly the thing's name (a client id may go on after a character thing names
 * cannot hold, as in `<thing>#*`); in a topic it is a whole topic level after a literal prefix; and nothing before it
 * is a wildcard.
 */
export function thingScopeProblem(resourceType: string, name: string): string | undefined {
  const at = name.indexOf(THING_NAME_VARIABLE);
  if (at < 0) return `does not name the connecting thing (${THING_NAME_VARIABLE})`;
  const before = name.slice(0, at);
  const next = name.charAt(at + THING_NAME_VARIABLE.length);
  if (/[*?]/.test(before) || (resourceType === "topicfilter" && /[+#]/.test(before))) return `has a wildcard before ${THING_NAME_VARIABLE}`;
  if ((resourceType === "thing" || resourceType === "client") && before !== "") return `names "${before}${THING_NAME_VARIABLE}", not the connecting thing itself`;
  if (before !== "" && !before.endsWith("/")) return `puts ${THING_NAME_VARIABLE} inside a topic level, so it names other things' topics`;
  if (IOT_NAME_PATTERN.test(next) || next === "*" || next === "?") {
    return `lets "${next}" follow ${THING_NAME_VARIABLE}, so it also covers things whose names begin with the connecting thing's`;
  }
  return undefined;
}

const IOT_ARN = /^arn:[^:]+:iot:[^:]*:[^:]*:([a-z]+)\/(.*)$/;

/** Findings for IoT resources of Allow statements that reach beyond the connecting thing's own (see {@link thingScopeProblem}). */
export function thingScopeFindings(doc: unknown): string[] {
  const findings: string[] = [];
  statementsOf(doc).statements.forEach((st, i) => {
    if (st.Effect !== "Allow") return;
    const actions = asList(st.Action).filter((a): a is string => typeof a === "string");
    for (const resource of asList(st.Resource)) {
      const arn = typeof resource === "string" ? IOT_ARN.exec(resource) : null;
      if (!arn) continue;
      const [, resourceType, name] = arn;
      let problem: string | undefined;
      if ((DEVICE_RESOURCE_TYPES as readonly string[]).includes(resourceType)) {
        if (THING_SCOPE_EXCEPTIONS.some((e) => matchesException(e, resourceType, name))) continue;
        problem = thingScopeProblem(resourceType, name);
      } else if (/[*?]/.test(name)) {
        problem = `covers every ${resourceType} it matches`;
      }
      if (problem) findings.push(`${where(st, i)} allows ${actions.map((a) => JSON.stringify(a)).join(", ")} on "${resource}", which ${problem}`);
    }
  });
  return findings;
}

export const iotPolicyLeastPrivilege: ResourceRule = {
  kind: "resource",
  name: "iot-policy-least-privilege",
  description:
    "IoT policies grant named actions on the connecting device's own resources: no iot:* or other whole-service or * " +
    "action, no NotAction/NotResource, a \"*\" resource only for the documented exceptions (Greengrass data-plane calls, " +
    "ecr:GetAuthorizationToken), every thing, client, topic and topic-filter ARN scoped to " +
    "${iot:Connection.Thing.ThingName} (the fleet-provisioning claim topics and client ids excepted), and no wildcard " +
    "in any other IoT ARN.",
  mapsTo: { deviceDefender: ["IOT_POLICY_OVERLY_PERMISSIVE_CHECK"] },
  severity: ALWAYS_MANDATORY,
  resourceTypes: ["aws:iot/policy:Policy"],
  checkResource: (r) => {
    const read = readDocument(r.inputs.policy, `policy of IoT policy "${r.name}"`);
    if (isUnknown(read)) return [];
    if ("error" in read) return [read.error];
    return [...findPolicyViolations(read.doc, WILDCARD_RESOURCE_EXCEPTIONS), ...thingScopeFindings(read.doc)].map((f) => `IoT policy "${r.name}": ${f}`);
  },
};

const ROLE_ALIAS_TYPES = ["aws:iot/roleAlias:RoleAlias"];

export const iotRoleAliasCredentialDuration: ResourceRule = {
  kind: "resource",
  name: "iot-role-alias-credential-duration",
  description: `Role aliases hand out credentials for at most ${MAX_CREDENTIAL_DURATION_SECONDS} seconds (credentialDuration, default 3600), so a credential taken from a device soon expires. Advisory: longer sessions may suit devices on poor links.`,
  mapsTo: { none: "Device Defender audits what a role alias's role may do, not how long its credentials last" },
  severity: ALWAYS_ADVISORY,
  awsDefaults: [
    {
      setting: "credentialDuration",
      whenAbsent: "3600 seconds",
      compliant: true,
      source: "https://docs.aws.amazon.com/iot/latest/apireference/API_CreateRoleAlias.html",
    },
  ],
  resourceTypes: ROLE_ALIAS_TYPES,
  checkResource: (r) => {
    const duration = r.inputs.credentialDuration;
    if (isUnknown(duration) || duration === undefined || (typeof duration === "number" && duration <= MAX_CREDENTIAL_DURATION_SECONDS)) return [];
    return [`role alias "${r.name}" hands out credentials for ${JSON.stringify(duration)} seconds: use at most ${MAX_CREDENTIAL_DURATION_SECONDS}`];
  },
};

/** The role a role alias points at, by ARN or (unknown in preview) by the property's dependencies. */
function roleOf(alias: CheckedResource, roles: readonly CheckedResource[]): CheckedResource | undefined | "unknown" {
  const arn = alias.inputs.roleArn;
  if (isUnknown(arn)) {
    const deps = alias.propertyDependencies?.roleArn;
    return roles.find((r) => deps?.includes(r.urn)) ?? "unknown";
  }
  return roles.find((r) => r.arn !== undefined && r.arn === arn);
}

export const iotRoleAliasRolePolicies: StackRule = {
  kind: "stack",
  subjectTypes: ROLE_ALIAS_TYPES,
  name: "iot-role-alias-role-policies",
  description:
    "The IAM role behind each IoT role alias — what any device certificate can act as — is managed by this stack and " +
    "passes the IoT least-privilege check on every policy it has (inline, role policies, attached customer managed " +
    "policies), with no AdministratorAccess or *FullAccess attachment.",
  mapsTo: { deviceDefender: ["IOT_ROLE_ALIAS_OVERLY_PERMISSIVE_CHECK", "IOT_ROLE_ALIAS_ALLOWS_ACCESS_TO_UNUSED_SERVICES_CHECK"] },
  severity: ALWAYS_MANDATORY,
  checkStack: (resources) => {
    const roles = ofTypes(resources, [ROLE_TYPE]);
    const rolePolicies = ofTypes(resources, ["aws:iam/rolePolicy:RolePolicy"]);
    const attachments = ofTypes(resources, ["aws:iam/rolePolicyAttachment:RolePolicyAttachment"]);
    const managed = ofTypes(resources, ["aws:iam/policy:Policy"]);
    const findings: StackFinding[] = [];
    for (const alias of ofTypes(resources, ROLE_ALIAS_TYPES)) {
      const role = roleOf(alias, roles);
      if (role === "unknown") continue;
      if (!role) {
        findings.push({ urn: alias.urn, message: `role alias "${alias.name}" points at ${JSON.stringify(alias.inputs.roleArn)}, a role this stack does not manage, so its policies cannot be checked` });
        continue;
      }
      const at = `role alias "${alias.name}" -> role "${role.name}"`;
      const keys = keysOf(role.inputs.name, role.id, role.arn);
      const documents = [...policyDocuments(role), ...companionsOf(role, rolePolicies, "role", keys).found.flatMap(policyDocuments)];
      const arns = [
        ...asList(role.inputs[ATTACHMENT_INPUTS[ROLE_TYPE]]),
        ...companionsOf(role, attachments, "role", keys).found.map((a) => a.inputs.policyArn),
      ];
      for (const arn of arns) {
        if (typeof arn === "string" && isAdminPolicyArn(arn)) findings.push({ urn: alias.urn, message: `${at} has managed policy ${arn} attached` });
        const policy = managed.find((p) => p.arn !== undefined && p.arn === arn);
        if (policy) documents.push(...policyDocuments(policy));
      }
      for (const { label, value } of documents) {
        const read = readDocument(value, label);
        if (isUnknown(read)) continue;
        if ("error" in read) findings.push({ urn: alias.urn, message: `${at}: ${read.error}` });
        else for (const f of findPolicyViolations(read.doc, WILDCARD_RESOURCE_EXCEPTIONS)) findings.push({ urn: alias.urn, message: `${at}: ${label}: ${f}` });
      }
    }
    return findings;
  },
};

/** IAM's MaxSessionDuration of a role that sets none (CreateRole), and AWS IoT's CredentialDurationSeconds default (CreateRoleAlias). */
export const DEFAULT_SESSION_SECONDS = 3600;

export const iotRoleAliasSessionFitsRole: StackRule = {
  kind: "stack",
  subjectTypes: ROLE_ALIAS_TYPES,
  name: "iot-role-alias-session-fits-role",
  description:
    "The role behind each IoT role alias allows sessions at least as long as the alias' credentials " +
    "(maxSessionDuration ≥ credentialDuration, both 3600 when unset): the credentials provider assumes the role for " +
    "the alias' duration, and STS refuses a longer session than the role's maximum, so devices would get no credentials.",
  mapsTo: { none: "no public check compares a role alias' credential duration with its role's maximum session" },
  severity: ALWAYS_MANDATORY,
  awsDefaults: [
    {
      setting: "maxSessionDuration",
      whenAbsent: "3600 seconds: too short for a role alias whose credentials last longer",
      compliant: false,
      source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html",
    },
  ],
  checkStack: (resources) => {
    const roles = ofTypes(resources, [ROLE_TYPE]);
    const findings: StackFinding[] = [];
    for (const alias of ofTypes(resources, ROLE_ALIAS_TYPES)) {
      const role = roleOf(alias, roles);
      if (role === "unknown" || !role) continue; // iot-role-alias-role-policies names a role this stack does not manage
      const duration = alias.inputs.credentialDuration ?? DEFAULT_SESSION_SECONDS;
      const maxSession = role.inputs.maxSessionDuration ?? DEFAULT_SESSION_SECONDS;
      // Only numbers are judged: a value unknown in preview is none.
      if (typeof duration !== "number" || typeof maxSession !== "number" || maxSession >= duration) continue;
      findings.push({
        urn: alias.urn,
        message: `role alias "${alias.name}" hands out credentials for ${duration} seconds but role "${role.name}" allows sessions of ${maxSession}: set its maxSessionDuration to at least ${duration}`,
      });
    }
    return findings;
  },
};

export const IOT_RULES = [iotPolicyLeastPrivilege, iotRoleAliasCredentialDuration, iotRoleAliasRolePolicies, iotRoleAliasSessionFitsRole];
