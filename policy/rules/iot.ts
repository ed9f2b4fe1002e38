/**
 * AWS IoT rules. Device policies and the role that devices reach through a role alias follow the
 * edge fleet's least-privilege check (`findPolicyViolations` of components/edge-fleet/policies):
 * no `iot:*`, no `*:*` or whole-service actions, no NotAction/NotResource, and no `*` resource
 * except the documented WILDCARD_RESOURCE_EXCEPTIONS.
 */
import { findPolicyViolations, WILDCARD_RESOURCE_EXCEPTIONS } from "../../components/edge-fleet/policies";
import { ALWAYS_ADVISORY, ALWAYS_MANDATORY, type CheckedResource, type ResourceRule, type StackFinding, type StackRule } from "./types";
import { asList, companionsOf, isUnknown, keysOf, ofTypes, readDocument } from "./util";
import { ATTACHMENT_INPUTS, isAdminPolicyArn, policyDocuments, ROLE_TYPE } from "./iam";

/** Credential lifetime a role alias hands out when none is set, and the most this pack accepts. */
export const MAX_CREDENTIAL_DURATION_SECONDS = 3600;

export const iotPolicyLeastPrivilege: ResourceRule = {
  kind: "resource",
  name: "iot-policy-least-privilege",
  description:
    "IoT policies grant named actions on named resources: no iot:* or other whole-service or * action, no " +
    "NotAction/NotResource, and a \"*\" resource only for the documented exceptions (Greengrass data-plane calls, " +
    "ecr:GetAuthorizationToken).",
  mapsTo: { deviceDefender: ["IOT_POLICY_OVERLY_PERMISSIVE_CHECK"] },
  severity: ALWAYS_MANDATORY,
  resourceTypes: ["aws:iot/policy:Policy"],
  checkResource: (r) => {
    const read = readDocument(r.inputs.policy, `policy of IoT policy "${r.name}"`);
    if (isUnknown(read)) return [];
    if ("error" in read) return [read.error];
    return findPolicyViolations(read.doc, WILDCARD_RESOURCE_EXCEPTIONS).map((f) => `IoT policy "${r.name}": ${f}`);
  },
};

const ROLE_ALIAS_TYPES = ["aws:iot/roleAlias:RoleAlias"];

export const iotRoleAliasCredentialDuration: ResourceRule = {
  kind: "resource",
  name: "iot-role-alias-credential-duration",
  description: `Role aliases hand out credentials for at most ${MAX_CREDENTIAL_DURATION_SECONDS} seconds (credentialDuration, default 3600), so a credential taken from a device soon expires. Advisory: longer sessions may suit devices on poor links.`,
  mapsTo: { none: "Device Defender audits what a role alias's role may do, not how long its credentials last" },
  severity: ALWAYS_ADVISORY,
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

export const IOT_RULES = [iotPolicyLeastPrivilege, iotRoleAliasCredentialDuration, iotRoleAliasRolePolicies];
