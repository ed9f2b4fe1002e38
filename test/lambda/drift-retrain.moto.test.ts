// drift-retrain against moto's Step Functions on 127.0.0.1: several drift alarms in one cool-down window leave one
// execution (the later ones get ExecutionAlreadyExists and answer started: false), the next window gets its own, and
// an identical event delivered again while its run is RUNNING is answered as Step Functions answers a repeated
// StartExecution with the same name and input: the same execution, no new one.
import { CreateStateMachineCommand, ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DriftRetrainResult } from "../../contracts/drift-retrain";
import { clientConfig, motoServerForFile } from "../support/moto";
import { alarmEvent, clearEnvironment, PREFIX, setEnvironment } from "./drift-retrain-support";

const moto = motoServerForFile();
let sfn: SFNClient;
let handler: (event: unknown) => Promise<DriftRetrainResult>;
let machineArn: string;

const event = (alarmName: string, time: string, id: string) => alarmEvent(alarmName, time, { id });

beforeAll(async () => {
  ({ handler } = await import("../../lambda/drift-retrain/index"));
  sfn = new SFNClient(clientConfig(moto()));
});

beforeEach(async () => {
  await moto().reset();
  const created = await sfn.send(
    new CreateStateMachineCommand({
      name: "edge-mlops-test-training",
      definition: JSON.stringify({ StartAt: "Done", States: { Done: { Type: "Succeed" } } }),
      roleArn: "arn:aws:iam::123456789012:role/edge-mlops-test-training",
    }),
  );
  machineArn = created.stateMachineArn!;
  setEnvironment(machineArn);
});

afterAll(clearEnvironment);

const executions = async () => ((await sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn }))).executions ?? []).map((e) => e.name).sort();

describe("drift-retrain against moto", () => {
  it("starts one execution per window however many alarms fire in it", async () => {
    const first = await handler(event(`${PREFIX}feature-length`, "2026-12-01T01:00:00Z", "e1"));
    const second = await handler(event(`${PREFIX}feature-height`, "2026-12-01T02:00:00Z", "e2"));
    const third = await handler(event(`${PREFIX}prediction`, "2026-12-01T23:00:00Z", "e3"));
    const nextDay = await handler(event(`${PREFIX}feature-length`, "2026-12-02T00:30:00Z", "e4"));
    expect(first).toMatchObject({ started: true, executionName: "drift-20261201T0000Z-24h" });
    expect(first.executionArn).toMatch(/:execution:edge-mlops-test-training:drift-20261201T0000Z-24h$/);
    expect([second, third].map((r) => [r.started, r.executionName])).toEqual([
      [false, "drift-20261201T0000Z-24h"],
      [false, "drift-20261201T0000Z-24h"],
    ]);
    expect(nextDay).toMatchObject({ started: true, executionName: "drift-20261202T0000Z-24h" });
    expect(await executions()).toEqual(["drift-20261201T0000Z-24h", "drift-20261202T0000Z-24h"]);
  });

  it("answers an identical redelivered event with the same execution while it runs", async () => {
    const once = await handler(event(`${PREFIX}feature-length`, "2026-12-01T01:00:00Z", "same"));
    const again = await handler(event(`${PREFIX}feature-length`, "2026-12-01T01:00:00Z", "same"));
    expect(again.executionArn).toBe(once.executionArn);
    expect(await executions()).toEqual(["drift-20261201T0000Z-24h"]);
  });
});
