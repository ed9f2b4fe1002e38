// The fleet provisioning pre-provisioning hook against moto's AWS IoT on 127.0.0.1: thing groups, things (in this
// stack's groups, blocked, in another fleet's group, with another serial number or none) and certificates are seeded
// through the real AWS SDK, and the hook decides from what DescribeThing and ListThingGroupsForThing answer. The hook only reads: afterwards the
// registry is as it was seeded.
import {
  AddThingToThingGroupCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  DescribeThingCommand,
  IoTClient,
  ListThingsCommand,
} from "@aws-sdk/client-iot";
import { afterEach, beforeAll, describe, expect, it, vi, type MockInstance } from "vitest";
import type { PreProvisioningHookResponse } from "../../lambda/provisioning-hook/index";
import { clientConfig, motoServerForFile } from "../support/moto";

const STACK_GROUP = "edge-mlops-test";
const CHILD_GROUP = "edge-mlops-test-site-berlin";
const CANARY_GROUP = "edge-mlops-test-canary";
const FLEET_GROUP = "edge-mlops-test-fleet";
const FOREIGN_GROUP = "other-fleet";
const TEMPLATE_ARN = "arn:aws:iot:eu-west-1:123456789012:provisioningtemplate/edge-mlops-test";
/** Thing name -> [groups, attributes] seeded before the hook runs. */
const THINGS: Record<string, [string[], Record<string, string>]> = {
  "hub-000001": [[STACK_GROUP], { serialNumber: "HBS-000001" }],
  "hub-000002": [[CHILD_GROUP, FLEET_GROUP], { site: "berlin", serialNumber: "HBS-000002" }],
  // Moved to the canary group by an operator.
  "hub-000007": [[STACK_GROUP, CANARY_GROUP], { serialNumber: "HBS-000007" }],
  "hub-000003": [[STACK_GROUP], { blocked: "true", serialNumber: "HBS-000003" }],
  "hub-000004": [[FOREIGN_GROUP], { serialNumber: "HBS-000004" }],
  "hub-000005": [[STACK_GROUP, FOREIGN_GROUP], { serialNumber: "HBS-000005" }],
  // Made by hand (a static device), never provisioned by claim: no serial number recorded.
  "hub-000006": [[STACK_GROUP], {}],
};

const moto = motoServerForFile();
let iot: IoTClient;
let hook: (event: unknown) => Promise<PreProvisioningHookResponse>;
let claim: { certificateId: string };
let device: { certificateId: string; certificatePem: string };
let logSpy: MockInstance<typeof console.log>;

function event(thingName: string, serialNumber: string) {
  return {
    claimCertificateId: claim.certificateId,
    certificateId: device.certificateId,
    certificatePem: device.certificatePem,
    templateArn: TEMPLATE_ARN,
    clientId: `edge-mlops-claim-${serialNumber}`,
    parameters: { ThingName: thingName, SerialNumber: serialNumber },
  };
}

async function seed(): Promise<void> {
  for (const groupName of [STACK_GROUP, FOREIGN_GROUP]) await iot.send(new CreateThingGroupCommand({ thingGroupName: groupName }));
  for (const thingGroupName of [CHILD_GROUP, CANARY_GROUP, FLEET_GROUP]) await iot.send(new CreateThingGroupCommand({ thingGroupName, parentGroupName: STACK_GROUP }));
  for (const [thingName, [groups, attributes]] of Object.entries(THINGS)) {
    await iot.send(new CreateThingCommand({ thingName, attributePayload: { attributes } }));
    for (const thingGroupName of groups) await iot.send(new AddThingToThingGroupCommand({ thingName, thingGroupName }));
  }
  const claimCert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  const deviceCert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  claim = { certificateId: claimCert.certificateId! };
  device = { certificateId: deviceCert.certificateId!, certificatePem: deviceCert.certificatePem! };
}

beforeAll(async () => {
  Object.assign(process.env, {
    SERIAL_NUMBER_PATTERN: "HBS-[0-9]{6}",
    THING_GROUP_NAME: STACK_GROUP,
    CANARY_THING_GROUP_NAME: CANARY_GROUP,
    FLEET_THING_GROUP_NAME: FLEET_GROUP,
    CHILD_THING_GROUP_NAMES: CHILD_GROUP,
    BLOCKED_ATTRIBUTE: "blocked=true",
  });
  ({ handler: hook } = await import("../../lambda/provisioning-hook/index"));
  iot = new IoTClient(clientConfig(moto()));
  await seed();
});

afterEach(() => logSpy?.mockRestore());

describe("provisioning-hook against moto", () => {
  it.each([
    ["hub-000009", "HBS-000009", FLEET_GROUP, "new thing; serial number matches"],
    ["hub-000001", "HBS-000001", FLEET_GROUP, "existing thing has this serial number, is in this stack's thing groups only and not blocked"],
    ["hub-000002", "HBS-000002", FLEET_GROUP, "existing thing has this serial number, is in this stack's thing groups only and not blocked"],
    ["hub-000007", "HBS-000007", CANARY_GROUP, "existing thing has this serial number, is in this stack's thing groups only and not blocked; stays a canary"],
    ["hub-000001", "HBS-000077", undefined, "existing thing has a different serialNumber; it is not taken over"],
    ["hub-000006", "HBS-000006", undefined, "existing thing has no serialNumber attribute; it was not provisioned by claim and is not taken over"],
    ["hub-000003", "HBS-000003", undefined, "existing thing is blocked (attribute blocked=true)"],
    ["hub-000004", "HBS-000004", undefined, "existing thing is in another thing group: other-fleet"],
    ["hub-000005", "HBS-000005", undefined, "existing thing is in another thing group: other-fleet"],
    ["hub-000009", "XYZ-000009", undefined, "serial number does not match SERIAL_NUMBER_PATTERN"],
  ])("%s with serial %s: model group %s (%s)", async (thingName, serial, modelGroup, reason) => {
    logSpy = vi.spyOn(console, "log").mockImplementation(() => undefined);

    const answer = await hook(event(thingName, serial));

    const allow = modelGroup !== undefined;
    expect(answer).toEqual(allow ? { allowProvisioning: true, parameterOverrides: { ModelGroup: modelGroup } } : { allowProvisioning: false });
    const logged = logSpy.mock.calls.map((args) => JSON.parse(String(args[0])));
    expect(logged).toEqual([expect.objectContaining({ allowProvisioning: allow, reason, thingName, certificateId: device.certificateId })]);
  });

  it("only reads: the thing registry is as seeded afterwards", async () => {
    const things = await iot.send(new ListThingsCommand({}));
    expect(things.things?.map((t) => t.thingName).sort()).toEqual(Object.keys(THINGS).sort());
    await expect(iot.send(new DescribeThingCommand({ thingName: "hub-000009" }))).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    const blocked = await iot.send(new DescribeThingCommand({ thingName: "hub-000003" }));
    expect(blocked.attributes).toEqual({ blocked: "true", serialNumber: "HBS-000003" });
    const taken = await iot.send(new DescribeThingCommand({ thingName: "hub-000001" }));
    expect(taken.attributes).toEqual({ serialNumber: "HBS-000001" });
  });
});
