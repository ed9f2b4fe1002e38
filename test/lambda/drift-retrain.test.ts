// drift-retrain with aws-sdk-client-mock: a drift alarm's state change starts one training run per cool-down window;
// a run of the window already existing is an answer, not an error; a bad event or environment is refused before any
// AWS call.
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { driftExecutionName } from "../../contracts/drift-retrain";
import { handler } from "../../lambda/drift-retrain/index";
import { alarmEvent as event, clearEnvironment, PREFIX, setEnvironment } from "./drift-retrain-support";

const sfn = mockClient(SFNClient);
const MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:edge-mlops-dev-training";

beforeEach(() => {
  sfn.reset();
  setEnvironment(MACHINE);
});
afterEach(clearEnvironment);

describe("drift-retrain", () => {
  it("starts the training state machine under the window's name, with a drift input", async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${MACHINE.replace(":stateMachine:", ":execution:")}:drift-20261201T0000Z-24h`, startDate: new Date() });
    const result = await handler(event(`${PREFIX}feature-length`, "2026-12-01T13:45:07Z"));
    expect(result).toEqual({
      started: true,
      executionName: "drift-20261201T0000Z-24h",
      executionArn: "arn:aws:states:eu-west-1:123456789012:execution:edge-mlops-dev-training:drift-20261201T0000Z-24h",
      reason: "edge-mlops-dev-drift-feature-length went to ALARM: started drift-20261201T0000Z-24h",
    });
    const [call] = sfn.commandCalls(StartExecutionCommand);
    expect(call.args[0].input.stateMachineArn).toBe(MACHINE);
    expect(call.args[0].input.name).toBe("drift-20261201T0000Z-24h");
    expect(JSON.parse(call.args[0].input.input!)).toEqual({
      trigger: "drift",
      alarmName: "edge-mlops-dev-drift-feature-length",
      eventId: "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
      eventTime: "2026-12-01T13:45:07Z",
      windowStart: "2026-12-01T00:00:00.000Z",
      coolDownHours: 24,
    });
  });

  it("gives several drifting features in one window one execution name; the next window another", async () => {
    sfn.on(StartExecutionCommand).resolvesOnce({ executionArn: "arn:first", startDate: new Date() }).rejects(
      new ExecutionAlreadyExists({ message: "Execution Already Exists: 'drift-20261201T0000Z-24h'", $metadata: {} }),
    );
    const first = await handler(event(`${PREFIX}feature-length`, "2026-12-01T00:00:00Z"));
    const second = await handler(event(`${PREFIX}feature-height`, "2026-12-01T23:59:59Z", { id: "other" }));
    const third = await handler(event(`${PREFIX}prediction`, "2026-12-01T09:00:00Z", { id: "third" }));
    expect(first.started).toBe(true);
    expect([second, third].map((r) => [r.started, r.executionArn])).toEqual([
      [false, undefined],
      [false, undefined],
    ]);
    expect(second.reason).toBe(
      "edge-mlops-dev-drift-feature-height went to ALARM, but drift-20261201T0000Z-24h already exists: one run per 24 h window from 2026-12-01T00:00:00.000Z",
    );
    expect(new Set(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name))).toEqual(new Set(["drift-20261201T0000Z-24h"]));
    expect(driftExecutionName(Date.parse("2026-12-02T00:00:00Z"), 24)).toBe("drift-20261202T0000Z-24h");
    expect(driftExecutionName(Date.parse("2026-12-01T13:45:07Z"), 6)).toBe("drift-20261201T1200Z-6h");
  });

  it("throws what is not ExecutionAlreadyExists, so that the invocation is retried", async () => {
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
    await expect(handler(event(`${PREFIX}feature-length`, "2026-12-01T13:45:07Z"))).rejects.toThrow("Rate exceeded");
  });

  it("refuses bad events before any AWS call, naming the field", async () => {
    const refused = async (e: unknown, message: string) => {
      await expect(handler(e)).rejects.toMatchObject({ name: "InvalidEvent", message });
    };
    await refused(event(`${PREFIX}feature-length`, "2026-12-01T13:45:07Z", { state: "OK" }), 'invalid event: event.detail.state.value: must be one of "ALARM", got "OK"');
    await refused(
      event("edge-mlops-dev-alarm-cpu", "2026-12-01T13:45:07Z"),
      'invalid event: event.detail.alarmName: "edge-mlops-dev-alarm-cpu" is not a drift alarm of this service (prefix "edge-mlops-dev-drift-")',
    );
    await refused({ ...event(`${PREFIX}x`, "yesterday") }, 'invalid event: event.time: "yesterday" does not match /^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$/');
    await refused({ ...event(`${PREFIX}x`, "2026-12-01T13:45:07Z"), source: "aws.events" }, 'invalid event: event.source: must be one of "aws.cloudwatch", got "aws.events"');
    await expect(handler({})).rejects.toThrow("invalid event: event.id: expected string, got nothing");
    expect(sfn.calls()).toHaveLength(0);
  });

  it("refuses a bad environment before any AWS call", async () => {
    process.env.COOL_DOWN_HOURS = "0";
    await expect(handler(event(`${PREFIX}feature-length`, "2026-12-01T13:45:07Z"))).rejects.toMatchObject({ name: "InvalidConfiguration" });
    process.env.COOL_DOWN_HOURS = "24";
    process.env.STATE_MACHINE_ARN = "edge-mlops-dev-training";
    await expect(handler(event(`${PREFIX}feature-length`, "2026-12-01T13:45:07Z"))).rejects.toThrow(/env\.STATE_MACHINE_ARN/);
    expect(sfn.calls()).toHaveLength(0);
  });
});
