/**
 * Name and version rules of AWS IoT and AWS IoT Greengrass v2.
 *
 * Every validator is a pure function that returns `undefined` when the value is valid and
 * otherwise one sentence naming the rule that was broken. The stack config schema, the
 * recipe builders, the policy builders and the provisioning hook all use these, so a name
 * is judged by the same rule everywhere.
 */

/** Characters AWS IoT allows in thing and thing group names. */
export const IOT_NAME_PATTERN = /^[a-zA-Z0-9:_-]+$/;
/** Longest thing / thing group name AWS IoT accepts. */
export const IOT_NAME_MAX_LENGTH = 128;

/** Characters Greengrass allows in component names (they appear inside component ARNs). */
export const COMPONENT_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;
/** Longest component name Greengrass accepts. */
export const COMPONENT_NAME_MAX_LENGTH = 128;
/** Longest component version Greengrass accepts. */
export const COMPONENT_VERSION_MAX_LENGTH = 64;
/** Prefix reserved for AWS-provided components; a component of ours with it would replace one of theirs. */
export const RESERVED_COMPONENT_PREFIX = "aws.greengrass.";

/** Characters and length AWS IoT allows in fleet-provisioning template names. */
export const PROVISIONING_TEMPLATE_NAME_PATTERN = /^[0-9A-Za-z_-]+$/;
export const PROVISIONING_TEMPLATE_NAME_MAX_LENGTH = 36;

/**
 * Semantic Versioning 2.0.0 (https://semver.org): MAJOR.MINOR.PATCH, numeric identifiers
 * without leading zeros, optional dot-separated pre-release and build identifiers.
 */
const SEMVER_PATTERN =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** True when `value` is a strict Semantic Versioning 2.0.0 version string. */
export function isSemver(value: unknown): value is string {
  return typeof value === "string" && SEMVER_PATTERN.test(value);
}

function validateIotName(kind: string, value: unknown): string | undefined {
  if (typeof value !== "string") {
    return `${kind} must be a string, got ${describeValue(value)}`;
  }
  if (value.length < 1 || value.length > IOT_NAME_MAX_LENGTH) {
    return `${kind} must be 1 to ${IOT_NAME_MAX_LENGTH} characters long (AWS IoT limit), got ${value.length}`;
  }
  if (!IOT_NAME_PATTERN.test(value)) {
    return `${kind} "${value}" may contain only letters, digits, ':', '_' and '-' (AWS IoT rule [a-zA-Z0-9:_-]+)`;
  }
  return undefined;
}

/** AWS IoT thing name: `[a-zA-Z0-9:_-]+`, 1 to 128 characters. */
export function validateThingName(value: unknown): string | undefined {
  return validateIotName("thing name", value);
}

/** AWS IoT thing group name: `[a-zA-Z0-9:_-]+`, 1 to 128 characters. */
export function validateThingGroupName(value: unknown): string | undefined {
  return validateIotName("thing group name", value);
}

/**
 * Greengrass component name: 1 to 128 characters of letters, digits, '.', '_' and '-',
 * starting with a letter or digit, and not in the `aws.greengrass.` namespace.
 */
export function validateComponentName(value: unknown): string | undefined {
  if (typeof value !== "string") {
    return `component name must be a string, got ${describeValue(value)}`;
  }
  if (value.length < 1 || value.length > COMPONENT_NAME_MAX_LENGTH) {
    return `component name must be 1 to ${COMPONENT_NAME_MAX_LENGTH} characters long (Greengrass limit), got ${value.length}`;
  }
  if (!COMPONENT_NAME_PATTERN.test(value)) {
    return `component name "${value}" may contain only letters, digits, '.', '_' and '-' and must start with a letter or digit (Greengrass rule [a-zA-Z0-9][a-zA-Z0-9._-]*)`;
  }
  if (value.startsWith(RESERVED_COMPONENT_PREFIX)) {
    return `component name "${value}" must not start with "${RESERVED_COMPONENT_PREFIX}", which is reserved for AWS-provided components`;
  }
  return undefined;
}

/** Greengrass component version: strict semver 2.0.0, at most 64 characters. */
export function validateComponentVersion(value: unknown): string | undefined {
  if (!isSemver(value)) {
    return `component version ${describeValue(value)} is not a semantic version (MAJOR.MINOR.PATCH with optional -PRERELEASE and +BUILD, semver 2.0.0)`;
  }
  if (value.length > COMPONENT_VERSION_MAX_LENGTH) {
    return `component version must be at most ${COMPONENT_VERSION_MAX_LENGTH} characters long (Greengrass limit), got ${value.length}`;
  }
  return undefined;
}

/** AWS IoT provisioning template name: `[0-9A-Za-z_-]+`, 1 to 36 characters. */
export function validateProvisioningTemplateName(value: unknown): string | undefined {
  if (typeof value !== "string") {
    return `provisioning template name must be a string, got ${describeValue(value)}`;
  }
  if (value.length < 1 || value.length > PROVISIONING_TEMPLATE_NAME_MAX_LENGTH) {
    return `provisioning template name must be 1 to ${PROVISIONING_TEMPLATE_NAME_MAX_LENGTH} characters long (AWS IoT limit), got ${value.length}`;
  }
  if (!PROVISIONING_TEMPLATE_NAME_PATTERN.test(value)) {
    return `provisioning template name "${value}" may contain only letters, digits, '_' and '-' (AWS IoT rule [0-9A-Za-z_-]+)`;
  }
  return undefined;
}

/** Short, safe description of a value for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") {
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  }
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}
