// release-edge's check against moto's AWS IoT on 127.0.0.1: the thing groups, things and the deployment's IoT job are
// made through the real AWS SDK, and the handler reads DescribeJob and ListThingsInThingGroup from the emulator over
// HTTP. moto has no Greengrass V2, so GetDeployment (which names the job) is answered by aws-sdk-client-mock. moto keeps
// a job's counts fixed at one queued device, so the counts' arithmetic is covered by release-edge.test.ts; here the
// wire shapes, the cancelled job and the empty-group look-up are.
import { GetDeploymentCommand, GreengrassV2Client } from "@aws-sdk/client-greengrassv2";
import { AddThingToThingGroupCommand, CancelJobCommand, CreateJobCommand, CreateThingCommand, CreateThingGroupCommand, IoTClient } from "@aws-sdk/client-iot";
import { mockClient } from "aws-sdk-client-mock";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CheckResult } from "../../contracts/release-edge-payloads";
import { clientConfig, motoServerForFile } from "../support/moto";

const CANARY = "edge-mlops-moto-canary";
const FLEET = "edge-mlops-moto-fleet";

const moto = motoServerForFile();
const greengrass = mockClient(GreengrassV2Client);
let iot: IoTClient;
let handler: (event: unknown) => Promise<unknown>;
const arns: Record<string, string> = {};

beforeAll(async () => {
  ({ handler } = await import("../../lambda/release-edge/index"));
  iot = new IoTClient(clientConfig(moto()));
  for (const thingGroupName of [CANARY, FLEET]) {
    arns[thingGroupName] = (await iot.send(new CreateThingGroupCommand({ thingGroupName }))).thingGroupArn!;
  }
  for (const thingName of ["core-1", "core-2"]) {
    await iot.send(new CreateThingCommand({ thingName }));
    await iot.send(new AddThingToThingGroupCommand({ thingName, thingGroupName: CANARY }));
  }
  // What Greengrass makes of a deployment to a thing group: a continuous job targeting the group.
  await iot.send(new CreateJobCommand({ jobId: "gg-canary", targets: [arns[CANARY]], targetSelection: "CONTINUOUS", document: "{}" }));
});

beforeEach(() => greengrass.reset());

const check = (deploymentId: string, group: string) =>
  handler({ action: "check", deploymentId, thingGroupArn: arns[group], successThreshold: 1 }) as Promise<CheckResult>;

describe("release-edge check against moto's IoT", () => {
  it("reads the job's counts: a queued device keeps the rollout IN_PROGRESS", async () => {
    greengrass.on(GetDeploymentCommand).resolves({ deploymentId: "d-canary", deploymentStatus: "ACTIVE", iotJobId: "gg-canary" });
    expect(await check("d-canary", CANARY)).toEqual({
      state: "IN_PROGRESS",
      succeeded: 0,
      failed: 0,
      inProgress: 1,
      total: 1,
      summary: "0 of 1 devices succeeded, 0 failed, 1 in progress (threshold 1: 1)",
    });
  });

  it("tells a group with devices the job has not reached from an empty group", async () => {
    greengrass.on(GetDeploymentCommand).resolves({ deploymentId: "d-new", deploymentStatus: "ACTIVE" });
    expect(await check("d-new", CANARY)).toMatchObject({ state: "IN_PROGRESS", total: 0, summary: `the job has not reached the devices of ${CANARY} yet` });
    expect(await check("d-new", FLEET)).toMatchObject({ state: "SUCCEEDED", total: 0, summary: `no device in thing group ${FLEET}: nothing to deploy to` });
  });

  it("FAILS once the job is cancelled (its abort criteria met)", async () => {
    await iot.send(new CancelJobCommand({ jobId: "gg-canary", reasonCode: "FAILURE_THRESHOLD" }));
    greengrass.on(GetDeploymentCommand).resolves({ deploymentId: "d-canary", deploymentStatus: "ACTIVE", iotJobId: "gg-canary" });
    expect(await check("d-canary", CANARY)).toMatchObject({ state: "FAILED", summary: expect.stringMatching(/^deployment ACTIVE, job CANCELED: /) });
  });
});
