// release-cloud with aws-sdk-client-mock: point moves the pointer and forces a deployment (and puts the pointer back
// when ECS refuses), check reads the PRIMARY deployment and the health alarms, rollback restores the pointer; bad
// events and environments are refused before any AWS call.
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand, type Deployment } from "@aws-sdk/client-ecs";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { handler } from "../../lambda/release-cloud/index";

const ssm = mockClient(SSMClient);
const ecs = mockClient(ECSClient);
const cloudwatch = mockClient(CloudWatchClient);
const ENV = { CLUSTER_NAME: "dev-cluster", SERVICE_NAME: "dev-service", POINTER_PARAMETER: "/edge-mlops/dev/inference/current-model" };
const OLD = "s3://edge-mlops-dev-models-0a1b2c3/releases/v6/model.json";
const NEW = "s3://edge-mlops-dev-models-0a1b2c3/releases/v7/model.json";
const TASK_DEF = "arn:aws:ecs:eu-west-1:123456789012:task-definition/dev-task:12";
const ALARMS = ["dev-alarm-5xx-rate", "dev-alarm-p99-latency"];

const deployment = (id: string, status: string, rolloutState?: string, taskDefinition = TASK_DEF): Deployment =>
  ({ id, status, rolloutState, taskDefinition, rolloutStateReason: rolloutState === "FAILED" ? "ECS deployment circuit breaker: tasks failed to start." : undefined }) as Deployment;
const services = (...deployments: Deployment[]) => ({ services: [{ serviceName: ENV.SERVICE_NAME, deployments }] });
const alarms = (...states: string[]) => ({ MetricAlarms: states.map((StateValue, i) => ({ AlarmName: ALARMS[i], StateValue: StateValue as "OK" })) });
const check = (attempt = 0, maxAttempts = 10) => ({ action: "check", deploymentId: "ecs-svc/222", taskDefinitionArn: TASK_DEF, alarmNames: ALARMS, attempt, maxAttempts });

beforeEach(() => {
  ssm.reset();
  ecs.reset();
  cloudwatch.reset();
  Object.assign(process.env, ENV);
});
afterEach(() => {
  for (const k of Object.keys(ENV)) delete process.env[k];
});

describe("release-cloud point", () => {
  it("puts the staged URI, then forces a new deployment", async () => {
    ecs.on(UpdateServiceCommand).resolves({ service: { deployments: [deployment("ecs-svc/222", "PRIMARY", "IN_PROGRESS"), deployment("ecs-svc/111", "ACTIVE", "COMPLETED")] } });
    expect(await handler({ action: "point", modelUri: NEW, previousModelUri: OLD })).toEqual({ previousModelUri: OLD, modelUri: NEW, deploymentId: "ecs-svc/222", taskDefinitionArn: TASK_DEF });
    expect(ssm.calls().map((c) => c.args[0].input)).toEqual([{ Name: ENV.POINTER_PARAMETER, Value: NEW, Type: "String", Overwrite: true }]);
    expect(ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input)).toEqual([{ cluster: "dev-cluster", service: "dev-service", forceNewDeployment: true }]);
  });

  it("puts the pointer back when ECS refuses the deployment, and fails", async () => {
    ecs.on(UpdateServiceCommand).rejects(Object.assign(new Error("service dev-service is not ACTIVE"), { name: "ServiceNotActiveException" }));
    await expect(handler({ action: "point", modelUri: NEW, previousModelUri: OLD })).rejects.toMatchObject({ name: "ServiceNotActiveException" });
    expect(ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input.Value)).toEqual([NEW, OLD]);
  });

});

describe("release-cloud check", () => {
  it.each([
    ["COMPLETED", ["OK", "INSUFFICIENT_DATA"], 0, { state: "COMPLETED", reason: "deployment ecs-svc/222 completed; 2 health alarm(s) not in ALARM", attempt: 1, alarmsInAlarm: [] }],
    ["IN_PROGRESS", ["OK", "OK"], 3, { state: "IN_PROGRESS", reason: "deployment ecs-svc/222 IN_PROGRESS (check 4 of 10)", attempt: 4, alarmsInAlarm: [] }],
    ["IN_PROGRESS", ["OK", "OK"], 9, { state: "TIMED_OUT", reason: "deployment ecs-svc/222 still IN_PROGRESS after 10 check(s)", attempt: 10, alarmsInAlarm: [] }],
    ["COMPLETED", ["OK", "ALARM"], 0, { state: "FAILED", reason: "alarm(s) in ALARM: dev-alarm-p99-latency", attempt: 1, alarmsInAlarm: ["dev-alarm-p99-latency"] }],
  ])("rollout %s, alarms %j, attempt %i", async (rolloutState, states, attempt, expected) => {
    ecs.on(DescribeServicesCommand).resolves(services(deployment("ecs-svc/222", "PRIMARY", rolloutState), deployment("ecs-svc/111", "ACTIVE", "COMPLETED")));
    cloudwatch.on(DescribeAlarmsCommand).resolves(alarms(...states));
    expect(await handler(check(attempt))).toEqual(expected);
    expect(ecs.commandCalls(DescribeServicesCommand).map((c) => c.args[0].input)).toEqual([{ cluster: "dev-cluster", services: ["dev-service"] }]);
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input)).toEqual([{ AlarmNames: ALARMS, AlarmTypes: ["MetricAlarm"] }]);
  });

  it.each([
    [services(deployment("ecs-svc/222", "PRIMARY", "FAILED")), "deployment ecs-svc/222 failed: ECS deployment circuit breaker: tasks failed to start."],
    [services(deployment("ecs-svc/333", "PRIMARY", "IN_PROGRESS"), deployment("ecs-svc/222", "ACTIVE", "IN_PROGRESS")), "deployment ecs-svc/222 is no longer the PRIMARY one (now ecs-svc/333)"],
    [
      services(deployment("ecs-svc/222", "PRIMARY", "IN_PROGRESS", "arn:aws:ecs:eu-west-1:123456789012:task-definition/dev-task:13")),
      `deployment ecs-svc/222 runs arn:aws:ecs:eu-west-1:123456789012:task-definition/dev-task:13, not ${TASK_DEF}`,
    ],
  ])("fails the rollout (%#) without reading alarms", async (described, reason) => {
    ecs.on(DescribeServicesCommand).resolves(described);
    expect(await handler(check())).toEqual({ state: "FAILED", reason, attempt: 1, alarmsInAlarm: [] });
    expect(cloudwatch.calls()).toHaveLength(0);
  });
});

describe("release-cloud rollback", () => {
  it("puts the remembered URI back and forces a new deployment", async () => {
    ecs.on(UpdateServiceCommand).resolves({ service: { deployments: [deployment("ecs-svc/444", "PRIMARY", "IN_PROGRESS")] } });
    expect(await handler({ action: "rollback", previousModelUri: OLD })).toEqual({ restoredModelUri: OLD, deploymentId: "ecs-svc/444" });
    expect(ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input)).toEqual([{ Name: ENV.POINTER_PARAMETER, Value: OLD, Type: "String", Overwrite: true }]);
    expect(ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input)).toEqual([{ cluster: "dev-cluster", service: "dev-service", forceNewDeployment: true }]);
  });
});

describe("release-cloud validation", () => {
  it.each([
    [{ action: "deploy" }, expect.stringMatching(/^invalid event: event\.action: /)],
    [{ action: "point", modelUri: "https://example.com/model.json", previousModelUri: OLD }, expect.stringMatching(/^invalid event: event\.modelUri: "https:\/\/example\.com\/model\.json" does not match /)],
    [{ action: "point", modelUri: NEW }, "invalid event: event.previousModelUri: expected string, got nothing"],
    [{ ...check(), maxAttempts: 0 }, "invalid event: event.maxAttempts: must be >= 1"],
    [{ ...check(), alarmNames: Array.from({ length: 101 }, (_, i) => `a${i}`) }, "invalid event: event.alarmNames: must be <= 100"],
    [{ action: "rollback" }, "invalid event: event.previousModelUri: expected string, got nothing"],
  ])("refuses a bad event (%#) before any AWS call", async (bad, message) => {
    await expect(handler(bad)).rejects.toMatchObject({ name: "InvalidEvent", message });
    expect([...ssm.calls(), ...ecs.calls(), ...cloudwatch.calls()]).toHaveLength(0);
  });

  it("refuses a missing environment before any AWS call", async () => {
    delete process.env.SERVICE_NAME;
    await expect(handler({ action: "rollback", previousModelUri: OLD })).rejects.toMatchObject({
      name: "InvalidConfiguration",
      message: "invalid environment: env.SERVICE_NAME: expected string, got nothing",
    });
    expect(ssm.calls()).toHaveLength(0);
  });
});
