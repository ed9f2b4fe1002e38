import {
  DescribeThingCommand,
  IoTClient,
  ListThingGroupsForThingCommand,
  ResourceNotFoundException,
  ThrottlingException,
} from "@aws-sdk/client-iot";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { createHandler, handler, loadConfig } from "../../lambda/provisioning-hook/index";

const iotMock = mockClient(IoTClient);

const PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUSECRET\n-----END CERTIFICATE-----\n";
const ENV = {
  SERIAL_NUMBER_PATTERN: "HBS-[0-9]{6}",
  THING_GROUP_NAME: "edge-mlops-dev",
  CANARY_THING_GROUP_NAME: "edge-mlops-dev-canary",
  FLEET_THING_GROUP_NAME: "edge-mlops-dev-fleet",
  CHILD_THING_GROUP_NAMES: "edge-mlops-dev-site-berlin, edge-mlops-dev-rev-b",
  BLOCKED_ATTRIBUTE: "blocked=true",
};

function event(parameters: Record<string, unknown> = { ThingName: "hub-000123", SerialNumber: "HBS-000123" }) {
  return {
    claimCertificateId: "a".repeat(64),
    certificateId: "b".repeat(64),
    certificatePem: PEM,
    templateArn: "arn:aws:iot:eu-west-1:123456789012:provisioningtemplate/edge-mlops-dev",
    clientId: "edge-mlops-claim-HBS-000123",
    parameters,
  };
}

/** The answers that admit a device: the hook always names its model group. */
const FLEET = { allowProvisioning: true, parameterOverrides: { ModelGroup: "edge-mlops-dev-fleet" } };
const CANARY = { allowProvisioning: true, parameterOverrides: { ModelGroup: "edge-mlops-dev-canary" } };

const notFound = () => new ResourceNotFoundException({ message: "Thing hub-000123 cannot be found.", $metadata: {} });

let logSpy: MockInstance<typeof console.log>;
let hook: (event: unknown) => Promise<unknown>;

function logLines(): Record<string, unknown>[] {
  return logSpy.mock.calls.map((args) => JSON.parse(String(args[0])) as Record<string, unknown>);
}

beforeEach(() => {
  iotMock.reset();
  logSpy = vi.spyOn(console, "log").mockImplementation(() => undefined);
  hook = createHandler(loadConfig(ENV), new IoTClient({ region: "eu-west-1" }));
});

afterEach(() => {
  logSpy.mockRestore();
});

describe("loadConfig", () => {
  it("anchors the serial pattern and collects the stack's groups", () => {
    const config = loadConfig(ENV);
    expect(config.serialNumberPattern.test("HBS-000123")).toBe(true);
    expect(config.serialNumberPattern.test("XHBS-000123")).toBe(false);
    expect(config.serialNumberPattern.test("HBS-0001234")).toBe(false);
    expect([...config.allowedGroups]).toEqual(["edge-mlops-dev", "edge-mlops-dev-canary", "edge-mlops-dev-fleet", "edge-mlops-dev-site-berlin", "edge-mlops-dev-rev-b"]);
    expect([config.canaryGroup, config.fleetGroup]).toEqual(["edge-mlops-dev-canary", "edge-mlops-dev-fleet"]);
    expect(config.blockedAttributeName).toBe("blocked");
    expect(config.blockedAttributeValue).toBe("true");
  });

  it("defaults the blocked attribute to blocked=true and reads a bare name as name=true", () => {
    expect(loadConfig({ ...ENV, BLOCKED_ATTRIBUTE: undefined })).toMatchObject({ blockedAttributeName: "blocked", blockedAttributeValue: "true" });
    expect(loadConfig({ ...ENV, BLOCKED_ATTRIBUTE: "quarantine" })).toMatchObject({ blockedAttributeName: "quarantine", blockedAttributeValue: "true" });
    expect(loadConfig({ ...ENV, BLOCKED_ATTRIBUTE: "status=revoked" })).toMatchObject({ blockedAttributeName: "status", blockedAttributeValue: "revoked" });
  });

  it("names the bad variable", () => {
    expect(() => loadConfig({ ...ENV, SERIAL_NUMBER_PATTERN: undefined })).toThrow("SERIAL_NUMBER_PATTERN is not set");
    expect(() => loadConfig({ ...ENV, SERIAL_NUMBER_PATTERN: "HBS-[0-9" })).toThrow(
      /^SERIAL_NUMBER_PATTERN is not a valid regular expression: /,
    );
    expect(() => loadConfig({ ...ENV, THING_GROUP_NAME: "edge mlops" })).toThrow(
      `THING_GROUP_NAME: thing group name "edge mlops" may contain only letters, digits, ':', '_' and '-' (AWS IoT rule [a-zA-Z0-9:_-]+)`,
    );
    expect(() => loadConfig({ ...ENV, THING_GROUP_NAME: undefined })).toThrow(
      "THING_GROUP_NAME: thing group name must be a string, got undefined",
    );
    expect(() => loadConfig({ ...ENV, CANARY_THING_GROUP_NAME: undefined })).toThrow("CANARY_THING_GROUP_NAME: thing group name must be a string, got undefined");
    expect(() => loadConfig({ ...ENV, FLEET_THING_GROUP_NAME: "a fleet" })).toThrow(/^FLEET_THING_GROUP_NAME: thing group name "a fleet"/);
    expect(() => loadConfig({ ...ENV, FLEET_THING_GROUP_NAME: "edge-mlops-dev-canary" })).toThrow(
      'CANARY_THING_GROUP_NAME and FLEET_THING_GROUP_NAME must differ, both are "edge-mlops-dev-canary"',
    );
    expect(() => loadConfig({ ...ENV, CHILD_THING_GROUP_NAMES: "ok,not ok" })).toThrow(/^CHILD_THING_GROUP_NAMES: thing group name "not ok"/);
    expect(() => loadConfig({ ...ENV, BLOCKED_ATTRIBUTE: "=true" })).toThrow(
      'BLOCKED_ATTRIBUTE "=true" must be "name=value" or "name" with an AWS IoT attribute name',
    );
  });
});

describe("provisioning hook", () => {
  it("allows a new device whose serial number matches into the fleet model group", async () => {
    iotMock.on(DescribeThingCommand).rejects(notFound());
    await expect(hook(event())).resolves.toEqual(FLEET);
    expect(iotMock.commandCalls(DescribeThingCommand).map((c) => c.args[0].input)).toEqual([{ thingName: "hub-000123" }]);
    expect(iotMock.commandCalls(ListThingGroupsForThingCommand)).toHaveLength(0);
    expect(logLines()).toEqual([
      {
        event: "provisioning-decision",
        allowProvisioning: true,
        reason: "new thing; serial number matches",
        modelGroup: "edge-mlops-dev-fleet",
        thingName: "hub-000123",
        serialNumber: "HBS-000123",
        certificateId: "b".repeat(64),
        claimCertificateId: "a".repeat(64),
        templateArn: "arn:aws:iot:eu-west-1:123456789012:provisioningtemplate/edge-mlops-dev",
      },
    ]);
  });

  it("allows re-provisioning a thing that is only in the stack's groups and not blocked", async () => {
    iotMock.on(DescribeThingCommand).resolves({ thingName: "hub-000123", attributes: { blocked: "false", site: "berlin", serialNumber: "HBS-000123" } });
    iotMock.on(ListThingGroupsForThingCommand).resolves({
      thingGroups: [{ groupName: "edge-mlops-dev" }, { groupName: "edge-mlops-dev-site-berlin" }],
    });
    await expect(hook(event())).resolves.toEqual(FLEET);
    expect(iotMock.commandCalls(ListThingGroupsForThingCommand).map((c) => c.args[0].input)).toEqual([
      { thingName: "hub-000123", nextToken: undefined, maxResults: 25 },
    ]);
    expect(logLines()[0].reason).toBe(
      "existing thing has this serial number, is in this stack's thing groups only and not blocked",
    );
  });

  it("keeps a canary a canary when it provisions again, and a fleet device in the fleet", async () => {
    iotMock.on(DescribeThingCommand).resolves({ thingName: "hub-000123", attributes: { serialNumber: "HBS-000123" } });
    iotMock.on(ListThingGroupsForThingCommand).resolves({ thingGroups: [{ groupName: "edge-mlops-dev" }, { groupName: "edge-mlops-dev-canary" }] });
    await expect(hook(event())).resolves.toEqual(CANARY);
    expect(logLines()[0]).toMatchObject({ modelGroup: "edge-mlops-dev-canary", reason: expect.stringMatching(/; stays a canary$/) });
    iotMock.on(ListThingGroupsForThingCommand).resolves({ thingGroups: [{ groupName: "edge-mlops-dev" }, { groupName: "edge-mlops-dev-fleet" }] });
    await expect(hook(event())).resolves.toEqual(FLEET);
  });

  it("decides the model group itself: a ModelGroup the device sends is overridden", async () => {
    iotMock.on(DescribeThingCommand).rejects(notFound());
    await expect(hook(event({ ThingName: "hub-000123", SerialNumber: "HBS-000123", ModelGroup: "edge-mlops-dev-canary" }))).resolves.toEqual(FLEET);
    await expect(hook(event({ ThingName: "hub-000123", SerialNumber: "HBS-000123", ModelGroup: "someone-elses-group" }))).resolves.toEqual(FLEET);
  });

  it("denies a serial number that does not match the whole pattern, without calling AWS IoT", async () => {
    for (const serial of ["HBS-12345", "XHBS-000123", "HBS-000123x", "hbs-000123"]) {
      await expect(hook(event({ ThingName: "hub-1", SerialNumber: serial }))).resolves.toEqual({ allowProvisioning: false });
    }
    expect(iotMock.calls()).toHaveLength(0);
    expect(logLines().map((l) => l.reason)).toEqual(Array(4).fill("serial number does not match SERIAL_NUMBER_PATTERN"));
  });

  it("denies a thing marked blocked", async () => {
    iotMock.on(DescribeThingCommand).resolves({ thingName: "hub-000123", attributes: { blocked: "true" } });
    await expect(hook(event())).resolves.toEqual({ allowProvisioning: false });
    expect(iotMock.commandCalls(ListThingGroupsForThingCommand)).toHaveLength(0);
    expect(logLines()[0]).toMatchObject({
      allowProvisioning: false,
      reason: "existing thing is blocked (attribute blocked=true)",
      thingName: "hub-000123",
    });
  });

  it("denies a thing that belongs to another thing group, reading every page", async () => {
    iotMock.on(DescribeThingCommand).resolves({ thingName: "hub-000123", attributes: { serialNumber: "HBS-000123" } });
    iotMock
      .on(ListThingGroupsForThingCommand)
      .resolvesOnce({ thingGroups: [{ groupName: "edge-mlops-dev" }], nextToken: "page-2" })
      .resolvesOnce({ thingGroups: [{ groupName: "edge-mlops-prod" }, { groupName: "edge-mlops-dev-rev-b" }] });
    await expect(hook(event())).resolves.toEqual({ allowProvisioning: false });
    expect(iotMock.commandCalls(ListThingGroupsForThingCommand).map((c) => c.args[0].input.nextToken)).toEqual([
      undefined,
      "page-2",
    ]);
    expect(logLines()[0].reason).toBe("existing thing is in another thing group: edge-mlops-prod");
  });

  it.each([
    ["null", null, "event is not an object"],
    ["a string", "ThingName=hub-1", "event is not an object"],
    ["an array", [event()], "event is not an object"],
    ["an empty object", {}, "claimCertificateId is missing or not a string"],
    ["no parameters", { ...event(), parameters: undefined }, "parameters is missing or not an object"],
    ["parameters as an array", { ...event(), parameters: [] }, "parameters is missing or not an object"],
    ["a numeric serial number", event({ ThingName: "hub-1", SerialNumber: 123456 }), "parameters.SerialNumber is not a string"],
    ["no serial number", event({ ThingName: "hub-1" }), "parameters.SerialNumber is missing"],
    ["no thing name", event({ SerialNumber: "HBS-000123" }), "parameters.ThingName: thing name must be a string, got undefined"],
    [
      "an invalid thing name",
      event({ ThingName: "hub 1; drop", SerialNumber: "HBS-000123" }),
      `parameters.ThingName: thing name "hub 1; drop" may contain only letters, digits, ':', '_' and '-' (AWS IoT rule [a-zA-Z0-9:_-]+)`,
    ],
    [
      "an oversize thing name",
      event({ ThingName: "h".repeat(129), SerialNumber: "HBS-000123" }),
      "parameters.ThingName: thing name must be 1 to 128 characters long (AWS IoT limit), got 129",
    ],
    ["an oversize serial number", event({ ThingName: "hub-1", SerialNumber: "9".repeat(65) }), "parameters.SerialNumber is longer than 64 characters"],
    [
      "an oversize extra parameter",
      event({ ThingName: "hub-1", SerialNumber: "HBS-000123", Note: "x".repeat(5000) }),
      "parameters.Note is longer than 2048 characters",
    ],
    ["a non-string certificate", { ...event(), certificatePem: { pem: PEM } }, "certificatePem is missing or not a string"],
    ["an oversize certificate", { ...event(), certificatePem: "A".repeat(20_000) }, "certificatePem is longer than 16384 characters"],
    ["a numeric clientId", { ...event(), clientId: 7 }, "clientId is missing or not a string"],
  ])("denies a malformed payload (%s) without calling AWS IoT", async (_label, payload, reason) => {
    await expect(hook(payload)).resolves.toEqual({ allowProvisioning: false });
    expect(iotMock.calls()).toHaveLength(0);
    expect(logLines()).toEqual([
      { event: "provisioning-decision", allowProvisioning: false, reason: `malformed payload: ${reason}` },
    ]);
  });

  it("fails closed when DescribeThing fails", async () => {
    iotMock.on(DescribeThingCommand).rejects(new ThrottlingException({ message: "Rate exceeded", $metadata: {} }));
    await expect(hook(event())).resolves.toEqual({ allowProvisioning: false });
    expect(logLines()[0]).toMatchObject({
      level: "error",
      allowProvisioning: false,
      reason: "AWS IoT call failed: ThrottlingException",
      error: "Rate exceeded",
      thingName: "hub-000123",
    });
  });

  it.each([
    ["another serial number", { serialNumber: "HBS-999999" }, "existing thing has a different serialNumber; it is not taken over"],
    ["no serial number attribute", { site: "berlin" }, "existing thing has no serialNumber attribute; it was not provisioned by claim and is not taken over"],
    ["no attributes at all", undefined, "existing thing has no serialNumber attribute; it was not provisioned by claim and is not taken over"],
    ["the serial number in another case", { serialNumber: "hbs-000123" }, "existing thing has a different serialNumber; it is not taken over"],
  ])("denies taking over an existing thing with %s, before reading its groups", async (_label, attributes, reason) => {
    iotMock.on(DescribeThingCommand).resolves({ thingName: "hub-000123", attributes });
    iotMock.on(ListThingGroupsForThingCommand).resolves({ thingGroups: [{ groupName: "edge-mlops-dev" }] });
    await expect(hook(event())).resolves.toEqual({ allowProvisioning: false });
    expect(iotMock.commandCalls(ListThingGroupsForThingCommand)).toHaveLength(0);
    expect(logLines()).toEqual([expect.objectContaining({ allowProvisioning: false, reason, thingName: "hub-000123", serialNumber: "HBS-000123" })]);
  });

  it("fails closed when ListThingGroupsForThing fails", async () => {
    iotMock.on(DescribeThingCommand).resolves({ thingName: "hub-000123", attributes: { serialNumber: "HBS-000123" } });
    iotMock.on(ListThingGroupsForThingCommand).rejects(new Error("socket hang up"));
    await expect(hook(event())).resolves.toEqual({ allowProvisioning: false });
    expect(logLines()[0]).toMatchObject({ level: "error", reason: "AWS IoT call failed: Error", error: "socket hang up" });
  });

  it("denies everything, without calling AWS IoT, when its configuration is invalid", async () => {
    const broken = createHandler(new Error("SERIAL_NUMBER_PATTERN is not set"), new IoTClient({ region: "eu-west-1" }));
    await expect(broken(event())).resolves.toEqual({ allowProvisioning: false });
    expect(iotMock.calls()).toHaveLength(0);
    expect(logLines()[0]).toMatchObject({ level: "error", reason: "configuration error: SERIAL_NUMBER_PATTERN is not set" });
  });

  it("never logs the certificate", async () => {
    iotMock.on(DescribeThingCommand).rejects(notFound());
    await hook(event());
    await hook(event({ ThingName: "hub-1", SerialNumber: "bad" }));
    await hook({ ...event(), clientId: 7 });
    iotMock.on(DescribeThingCommand).rejects(new Error(`unexpected certificate ${PEM} in request`));
    await hook(event());
    const output = logSpy.mock.calls.map((args) => String(args[0])).join("\n");
    expect(logSpy).toHaveBeenCalledTimes(4);
    expect(logLines()[3].error).toBe("unexpected certificate [PEM removed]\n in request");
    expect(output).not.toContain("BEGIN CERTIFICATE");
    expect(output).not.toContain("SECRET");
  });
});

describe("handler (Lambda entry point)", () => {
  it("reads its configuration from the environment", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, ENV);
    try {
      iotMock.on(DescribeThingCommand).rejects(notFound());
      await expect(handler(event())).resolves.toEqual(FLEET);
      await expect(handler(event({ ThingName: "hub-1", SerialNumber: "SN-1" }))).resolves.toEqual({ allowProvisioning: false });
      expect(iotMock.commandCalls(DescribeThingCommand)).toHaveLength(1);
    } finally {
      process.env = saved;
    }
  });
});
