/**
 * Pre-provisioning hook of the fleet provisioning template.
 *
 * AWS IoT calls this function on every `RegisterThing` request made with the claim
 * certificate, before it creates anything. A device is allowed only when
 *  - `parameters.SerialNumber` matches `SERIAL_NUMBER_PATTERN` (the whole string),
 *  - `parameters.ThingName` is a valid AWS IoT thing name, and
 *  - if a thing of that name already exists: it is not marked blocked (thing attribute
 *    `BLOCKED_ATTRIBUTE`, e.g. `blocked=true`), its `serialNumber` attribute (set by the
 *    provisioning template when it was provisioned) equals the request's serial number — a
 *    thing without one, or with another, is not taken over by whoever holds the claim
 *    certificate — and it belongs to no thing group other than this stack's
 *    (`THING_GROUP_NAME`, or one of `CHILD_THING_GROUP_NAMES`).
 *
 * An admitted request always gets `parameterOverrides.ModelGroup`, the model group the template puts
 * the thing in: `CANARY_THING_GROUP_NAME` for a thing that is already in it (a canary that provisions
 * again stays a canary), `FLEET_THING_GROUP_NAME` for every other thing. The override replaces any
 * `ModelGroup` the device sent, so no device chooses its own group.
 *
 * The function never throws: malformed payloads, bad configuration and AWS errors all end in
 * `{ allowProvisioning: false }` (fail closed). Each invocation writes one JSON log line with
 * the decision and its reason; the certificate PEM is never logged.
 *
 * Environment:
 *  - `SERIAL_NUMBER_PATTERN` (required): regular expression source, matched anchored.
 *  - `THING_GROUP_NAME` (required): the stack's root thing group.
 *  - `CANARY_THING_GROUP_NAME`, `FLEET_THING_GROUP_NAME` (required): the stack's two model groups.
 *  - `CHILD_THING_GROUP_NAMES` (optional): comma-separated other groups of the stack.
 *  - `BLOCKED_ATTRIBUTE` (optional, default `blocked=true`): `name=value` of the attribute that
 *    marks a thing blocked; a bare `name` means `name=true`.
 */
import {
  DescribeThingCommand,
  IoTClient,
  ListThingGroupsForThingCommand,
  type DescribeThingCommandOutput,
} from "@aws-sdk/client-iot";
import { describeValue, validateThingGroupName, validateThingName } from "../../contracts/iot-names";
import { MODEL_GROUP_PARAMETER, SERIAL_NUMBER_ATTRIBUTE } from "../../contracts/provisioning";

/** Input AWS IoT sends to a pre-provisioning hook. */
export interface PreProvisioningHookEvent {
  readonly claimCertificateId: string;
  readonly certificateId: string;
  readonly certificatePem: string;
  readonly templateArn: string;
  readonly clientId: string;
  readonly parameters: Readonly<Record<string, string>>;
}

/** Answer AWS IoT expects from a pre-provisioning hook. */
export interface PreProvisioningHookResponse {
  readonly allowProvisioning: boolean;
  readonly parameterOverrides?: Readonly<Record<string, string>>;
}

export interface HookConfig {
  /** Anchored serial number pattern. */
  readonly serialNumberPattern: RegExp;
  /** The stack's thing group and its child groups: the only groups an existing thing may be in. */
  readonly allowedGroups: ReadonlySet<string>;
  /** The model group a thing already in it keeps. */
  readonly canaryGroup: string;
  /** The model group every other thing joins. */
  readonly fleetGroup: string;
  readonly blockedAttributeName: string;
  readonly blockedAttributeValue: string;
}

export { MODEL_GROUP_PARAMETER, SERIAL_NUMBER_ATTRIBUTE };

/** Longest serial number accepted. */
export const MAX_SERIAL_NUMBER_LENGTH = 64;
/** Longest value accepted for the other string fields of the event (ids, ARNs). */
export const MAX_FIELD_LENGTH = 2048;
/** Longest certificate PEM accepted. */
export const MAX_CERTIFICATE_PEM_LENGTH = 16_384;
/** Upper bound on pages read from ListThingGroupsForThing (a thing is in at most 10 groups). */
const MAX_GROUP_PAGES = 5;

const DENY: PreProvisioningHookResponse = Object.freeze({ allowProvisioning: false });

/** Reads and checks the hook's configuration; throws an Error naming the bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): HookConfig {
  const source = env.SERIAL_NUMBER_PATTERN;
  if (source === undefined || source === "") {
    throw new Error("SERIAL_NUMBER_PATTERN is not set");
  }
  let serialNumberPattern: RegExp;
  try {
    serialNumberPattern = new RegExp(`^(?:${source})$`);
  } catch (err) {
    throw new Error(`SERIAL_NUMBER_PATTERN is not a valid regular expression: ${(err as Error).message}`);
  }
  const group = env.THING_GROUP_NAME;
  const groupError = validateThingGroupName(group);
  if (groupError) throw new Error(`THING_GROUP_NAME: ${groupError}`);
  const modelGroups = (["CANARY_THING_GROUP_NAME", "FLEET_THING_GROUP_NAME"] as const).map((key) => {
    const error = validateThingGroupName(env[key]);
    if (error) throw new Error(`${key}: ${error}`);
    return env[key] as string;
  });
  const [canaryGroup, fleetGroup] = modelGroups;
  if (canaryGroup === fleetGroup) throw new Error(`CANARY_THING_GROUP_NAME and FLEET_THING_GROUP_NAME must differ, both are ${describeValue(canaryGroup)}`);
  const children = (env.CHILD_THING_GROUP_NAMES ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  for (const child of children) {
    const childError = validateThingGroupName(child);
    if (childError) throw new Error(`CHILD_THING_GROUP_NAMES: ${childError}`);
  }
  const blocked = env.BLOCKED_ATTRIBUTE === undefined || env.BLOCKED_ATTRIBUTE === "" ? "blocked=true" : env.BLOCKED_ATTRIBUTE;
  const eq = blocked.indexOf("=");
  const blockedAttributeName = eq === -1 ? blocked : blocked.slice(0, eq);
  const blockedAttributeValue = eq === -1 ? "true" : blocked.slice(eq + 1);
  if (!/^[a-zA-Z0-9_.,@/:#-]{1,128}$/.test(blockedAttributeName) || blockedAttributeValue === "") {
    throw new Error(`BLOCKED_ATTRIBUTE ${describeValue(blocked)} must be "name=value" or "name" with an AWS IoT attribute name`);
  }
  return {
    serialNumberPattern,
    allowedGroups: new Set([group as string, ...modelGroups, ...children]),
    canaryGroup,
    fleetGroup,
    blockedAttributeName,
    blockedAttributeValue,
  };
}

type Parsed =
  | { readonly ok: true; readonly thingName: string; readonly serialNumber: string; readonly event: PreProvisioningHookEvent }
  | { readonly ok: false; readonly reason: string };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Checks the shape of the event without trusting any of it. */
export function parseEvent(event: unknown): Parsed {
  if (!isPlainObject(event)) return { ok: false, reason: "event is not an object" };
  for (const field of ["claimCertificateId", "certificateId", "templateArn", "clientId"] as const) {
    const value = event[field];
    if (typeof value !== "string" || value === "") return { ok: false, reason: `${field} is missing or not a string` };
    if (value.length > MAX_FIELD_LENGTH) return { ok: false, reason: `${field} is longer than ${MAX_FIELD_LENGTH} characters` };
  }
  const pem = event.certificatePem;
  if (typeof pem !== "string" || pem === "") return { ok: false, reason: "certificatePem is missing or not a string" };
  if (pem.length > MAX_CERTIFICATE_PEM_LENGTH) {
    return { ok: false, reason: `certificatePem is longer than ${MAX_CERTIFICATE_PEM_LENGTH} characters` };
  }
  const parameters = event.parameters;
  if (!isPlainObject(parameters)) return { ok: false, reason: "parameters is missing or not an object" };
  for (const [key, value] of Object.entries(parameters)) {
    if (typeof value !== "string") return { ok: false, reason: `parameters.${key.slice(0, 64)} is not a string` };
    if (value.length > MAX_FIELD_LENGTH) {
      return { ok: false, reason: `parameters.${key.slice(0, 64)} is longer than ${MAX_FIELD_LENGTH} characters` };
    }
  }
  const serialNumber = parameters.SerialNumber;
  if (typeof serialNumber !== "string" || serialNumber === "") {
    return { ok: false, reason: "parameters.SerialNumber is missing" };
  }
  if (serialNumber.length > MAX_SERIAL_NUMBER_LENGTH) {
    return { ok: false, reason: `parameters.SerialNumber is longer than ${MAX_SERIAL_NUMBER_LENGTH} characters` };
  }
  const thingName = parameters.ThingName;
  const nameError = validateThingName(thingName);
  if (nameError) return { ok: false, reason: `parameters.ThingName: ${nameError}` };
  return { ok: true, thingName: thingName as string, serialNumber, event: event as unknown as PreProvisioningHookEvent };
}

function errorName(err: unknown): string {
  return isPlainObject(err) && typeof err.name === "string" ? err.name : "Error";
}

type Decision = { readonly allow: false; readonly reason: string } | { readonly allow: true; readonly reason: string; readonly modelGroup: string };

async function decideForExistingThing(client: IoTClient, config: HookConfig, thingName: string, serialNumber: string): Promise<Decision> {
  let thing: DescribeThingCommandOutput;
  try {
    thing = await client.send(new DescribeThingCommand({ thingName }));
  } catch (err) {
    if (errorName(err) === "ResourceNotFoundException") {
      return { allow: true, reason: "new thing; serial number matches", modelGroup: config.fleetGroup };
    }
    throw err;
  }
  const attribute = thing.attributes?.[config.blockedAttributeName];
  if (attribute === config.blockedAttributeValue) {
    return {
      allow: false,
      reason: `existing thing is blocked (attribute ${config.blockedAttributeName}=${config.blockedAttributeValue})`,
    };
  }
  const recorded = thing.attributes?.[SERIAL_NUMBER_ATTRIBUTE];
  if (recorded === undefined) {
    return { allow: false, reason: `existing thing has no ${SERIAL_NUMBER_ATTRIBUTE} attribute; it was not provisioned by claim and is not taken over` };
  }
  if (recorded !== serialNumber) {
    return { allow: false, reason: `existing thing has a different ${SERIAL_NUMBER_ATTRIBUTE}; it is not taken over` };
  }
  const foreign: string[] = [];
  let canary = false;
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await client.send(new ListThingGroupsForThingCommand({ thingName, nextToken, maxResults: 25 }));
    for (const group of page.thingGroups ?? []) {
      const name = group.groupName ?? "";
      if (!config.allowedGroups.has(name)) foreign.push(name);
      if (name === config.canaryGroup) canary = true;
    }
    nextToken = page.nextToken;
    pages += 1;
  } while (nextToken && pages < MAX_GROUP_PAGES);
  if (nextToken) {
    return { allow: false, reason: `existing thing is in more than ${MAX_GROUP_PAGES} pages of thing groups` };
  }
  if (foreign.length > 0) {
    return { allow: false, reason: `existing thing is in another thing group: ${foreign.slice(0, 10).join(", ")}` };
  }
  return {
    allow: true,
    reason: `existing thing has this serial number, is in this stack's thing groups only and not blocked${canary ? "; stays a canary" : ""}`,
    modelGroup: canary ? config.canaryGroup : config.fleetGroup,
  };
}

/** An error's message for the log: at most 300 characters, with any PEM block removed. */
function safeMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/-----BEGIN[\s\S]*?(-----END[^-]*-----|$)/g, "[PEM removed]").slice(0, 300);
}

function log(record: Record<string, unknown>): void {
  console.log(JSON.stringify({ event: "provisioning-decision", ...record }));
}

/** A hook bound to a configuration (or a configuration error) and an IoT client. */
export function createHandler(
  config: HookConfig | Error,
  client: IoTClient,
): (event: unknown) => Promise<PreProvisioningHookResponse> {
  return async (event: unknown) => {
    const parsed = parseEvent(event);
    if (!parsed.ok) {
      log({ allowProvisioning: false, reason: `malformed payload: ${parsed.reason}` });
      return DENY;
    }
    const context = {
      thingName: parsed.thingName,
      serialNumber: parsed.serialNumber,
      certificateId: parsed.event.certificateId,
      claimCertificateId: parsed.event.claimCertificateId,
      templateArn: parsed.event.templateArn,
    };
    if (config instanceof Error) {
      log({ level: "error", allowProvisioning: false, reason: `configuration error: ${config.message}`, ...context });
      return DENY;
    }
    if (!config.serialNumberPattern.test(parsed.serialNumber)) {
      log({ allowProvisioning: false, reason: "serial number does not match SERIAL_NUMBER_PATTERN", ...context });
      return DENY;
    }
    try {
      const decision = await decideForExistingThing(client, config, parsed.thingName, parsed.serialNumber);
      if (!decision.allow) {
        log({ allowProvisioning: false, reason: decision.reason, ...context });
        return DENY;
      }
      log({ allowProvisioning: true, reason: decision.reason, modelGroup: decision.modelGroup, ...context });
      return { allowProvisioning: true, parameterOverrides: { [MODEL_GROUP_PARAMETER]: decision.modelGroup } };
    } catch (err) {
      log({
        level: "error",
        allowProvisioning: false,
        reason: `AWS IoT call failed: ${errorName(err)}`,
        error: safeMessage(err),
        ...context,
      });
      return DENY;
    }
  };
}

/**
 * AWS IoT waits only a few seconds for the hook, so calls get short timeouts and a single
 * retry; anything slower is denied and the device retries provisioning later.
 */
const iot = new IoTClient({ maxAttempts: 2, requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 } });

let bound: ((event: unknown) => Promise<PreProvisioningHookResponse>) | undefined;

/** Lambda entry point. */
export async function handler(event: unknown): Promise<PreProvisioningHookResponse> {
  if (bound === undefined) {
    let config: HookConfig | Error;
    try {
      config = loadConfig(process.env);
    } catch (err) {
      config = err instanceof Error ? err : new Error(String(err));
    }
    bound = createHandler(config, iot);
  }
  return bound(event);
}
