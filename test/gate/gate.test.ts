// The deploy gate (scripts/gate.ts): ECS and CloudWatch answers recorded with aws-sdk-client-mock, the current-model
// pointer and model.json through mocked SSM and S3, and the HTTP check against the real model server on 127.0.0.1
// (test/service/support.ts), or a server that never answers. A fake clock makes the rollout deadline instant.
import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { Readable } from "node:stream";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeServicesCommand, ECSClient, type Deployment } from "@aws-sdk/client-ecs";
import { GetObjectCommand, S3Client, type GetObjectCommandOutput } from "@aws-sdk/client-s3";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_TIMING, HELP, parseGateArgs, wantsHelp, parseStackOutputs, runGate, stackRegion, type GateDeps, type GateOutputs, type GateTiming } from "../../scripts/gate";
import { fixture, modelText, shippedModel, startService } from "../service/support";

const ecs = mockClient(ECSClient);
const cloudwatch = mockClient(CloudWatchClient);
const ssm = mockClient(SSMClient);
const s3 = mockClient(S3Client);

const ROOT = path.resolve(__dirname, "../..");
const TD = "arn:aws:ecs:eu-west-1:123456789012:task-definition/dev-inference:8";
const OLD_TD = "arn:aws:ecs:eu-west-1:123456789012:task-definition/dev-inference:7";
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:dev-alarms-1a2b3c4";
const POINTER = "/edge-mlops/dev/inference/current-model";
// Generous per-request time for a loaded machine; the timeout test shortens it.
const TIMING: GateTiming = { rolloutTimeoutMs: 60_000, pollIntervalMs: 15_000, httpAttempts: 2, httpTimeoutMs: 5_000, httpRetryDelayMs: 10 };

/** A clock that moves only when the gate sleeps, and the mocked clients. */
function deps(): GateDeps & { slept: number[] } {
  let t = 1_000_000;
  const slept: number[] = [];
  return {
    ecs: new ECSClient({ region: "eu-west-1" }),
    cloudwatch: new CloudWatchClient({ region: "eu-west-1" }),
    ssm: new SSMClient({ region: "eu-west-1" }),
    s3: new S3Client({ region: "eu-west-1" }),
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
    slept,
  };
}

const deployment = (taskDefinition: string, status: string, rolloutState: Deployment["rolloutState"], rolloutStateReason?: string): Deployment => ({
  taskDefinition,
  status,
  rolloutState,
  rolloutStateReason,
});

function service(taskDefinition: string, deployments: Deployment[]) {
  return { services: [{ serviceName: "dev-service-abc1234", taskDefinition, deployments }], failures: [] };
}

const alarm = (name: string, state: string, reason = "") => ({ AlarmName: name, StateValue: state, StateReason: reason }) as never;

function modelObject(): GetObjectCommandOutput {
  const bytes = Buffer.from(modelText());
  return { Body: Readable.from([bytes]) as unknown as GetObjectCommandOutput["Body"], ContentLength: bytes.length, $metadata: {} };
}

let healthy: Awaited<ReturnType<typeof startService>>;
let outputs: GateOutputs;
beforeAll(async () => {
  healthy = await startService();
  outputs = {
    serviceUrl: `http://127.0.0.1:${healthy.port}`,
    inferenceClusterName: "dev-cluster-abc1234",
    inferenceServiceName: "dev-service-abc1234",
    inferenceTaskDefinitionArn: TD,
    alarmTopicArn: TOPIC,
    currentModelParameter: POINTER,
  };
});
afterAll(async () => {
  await healthy.service.shutdown(1_000);
});

afterEach(() => {
  ecs.reset();
  cloudwatch.reset();
  ssm.reset();
  s3.reset();
});

/** Everything as after a good update; each test breaks one thing. */
function allGood() {
  ecs.on(DescribeServicesCommand).resolves(service(TD, [deployment(TD, "PRIMARY", "COMPLETED", "ECS deployment ecs-svc/1 completed.")]));
  cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm("dev-5xx-1a2b3c4", "OK"), alarm("dev-latency-1a2b3c4", "INSUFFICIENT_DATA")], CompositeAlarms: [] });
  ssm.on(GetParameterCommand, { Name: POINTER }).resolves({ Parameter: { Value: "s3://dev-models-1a2b3c4/releases/bootstrap/model.json" } });
  s3.on(GetObjectCommand, { Bucket: "dev-models-1a2b3c4", Key: "releases/bootstrap/model.json" }).callsFake(() => modelObject());
}

describe("stackRegion", () => {
  it("is the region of the stack's task definition, whatever AWS_REGION the shell has", () => {
    expect(stackRegion({ inferenceTaskDefinitionArn: TD })).toBe("eu-west-1");
    expect(stackRegion({ inferenceTaskDefinitionArn: "arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/x:1" })).toBe("cn-north-1");
  });
});

describe("runGate", () => {
  it("passes when the rollout COMPLETED on the new task definition, the service answers the known instance and no alarm is in ALARM", async () => {
    allGood();
    expect(await runGate(outputs, deps(), TIMING)).toEqual([]);
    expect(ecs.commandCalls(DescribeServicesCommand).map((c) => c.args[0].input)).toEqual([{ cluster: "dev-cluster-abc1234", services: ["dev-service-abc1234"] }]);
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)[0]!.args[0].input).toEqual({ ActionPrefix: TOPIC, AlarmTypes: ["MetricAlarm", "CompositeAlarm"] });
  });

  it("waits while the rollout is IN_PROGRESS, polling at the interval", async () => {
    allGood();
    ecs
      .on(DescribeServicesCommand)
      .resolvesOnce(service(TD, [deployment(TD, "PRIMARY", "IN_PROGRESS"), deployment(OLD_TD, "ACTIVE", "COMPLETED")]))
      .resolvesOnce(service(TD, [deployment(TD, "PRIMARY", "IN_PROGRESS")]))
      .resolves(service(TD, [deployment(TD, "PRIMARY", "COMPLETED")]));
    const d = deps();
    expect(await runGate(outputs, d, TIMING)).toEqual([]);
    expect(ecs.commandCalls(DescribeServicesCommand)).toHaveLength(3);
    expect(d.slept.slice(0, 2)).toEqual([15_000, 15_000]); // the rollout polls come first; any later sleep is an HTTP retry
  });

  it("fails when the rollout FAILED and there was no rollback", async () => {
    allGood();
    ecs.on(DescribeServicesCommand).resolves(service(TD, [deployment(TD, "PRIMARY", "FAILED", "ECS deployment circuit breaker: tasks failed to start.")]));
    expect(await runGate(outputs, deps(), TIMING)).toEqual([`rollout: the deployment of ${TD} FAILED: ECS deployment circuit breaker: tasks failed to start.`]);
  });

  it("fails when the circuit breaker rolled the service back to the previous task definition (a stable service)", async () => {
    allGood();
    ecs.on(DescribeServicesCommand).resolves(
      service(OLD_TD, [deployment(OLD_TD, "PRIMARY", "COMPLETED"), deployment(TD, "ACTIVE", "FAILED", "ECS deployment circuit breaker: tasks failed to start.")]),
    );
    expect(await runGate(outputs, deps(), TIMING)).toEqual([
      `rollout: the service runs ${OLD_TD} (COMPLETED), not ${TD}; the deployment of ${TD} FAILED: ECS deployment circuit breaker: tasks failed to start.`,
    ]);
  });

  it("fails when the service runs another task definition than the one this update registered", async () => {
    allGood();
    ecs.on(DescribeServicesCommand).resolves(service(OLD_TD, [deployment(OLD_TD, "PRIMARY", "COMPLETED")]));
    expect(await runGate(outputs, deps(), TIMING)).toEqual([`rollout: the service runs ${OLD_TD} (COMPLETED), not ${TD} (rolled back or replaced by another deployment)`]);
  });

  it("gives up at the deadline when the rollout never completes, after a bounded number of polls", async () => {
    allGood();
    ecs.on(DescribeServicesCommand).resolves(service(TD, [deployment(TD, "PRIMARY", "IN_PROGRESS", "ECS deployment ecs-svc/2 in progress.")]));
    const d = deps();
    expect(await runGate(outputs, d, TIMING)).toEqual([`rollout: the deployment of ${TD} is still IN_PROGRESS after 60 s (ECS deployment ecs-svc/2 in progress.)`]);
    expect(ecs.commandCalls(DescribeServicesCommand)).toHaveLength(5);
    expect(d.slept.filter((ms) => ms === TIMING.pollIntervalMs).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(TIMING.rolloutTimeoutMs);
  });

  it("fails when the service is gone", async () => {
    allGood();
    ecs.on(DescribeServicesCommand).resolves({ services: [], failures: [{ arn: "arn:aws:ecs:eu-west-1:123456789012:service/dev-cluster-abc1234/dev-service-abc1234", reason: "MISSING" }] });
    expect(await runGate(outputs, deps(), TIMING)).toEqual(["rollout: service dev-service-abc1234 not found in cluster dev-cluster-abc1234 (MISSING)"]);
  });

  it("an AWS call that fails fails its own check, and the other checks still run", async () => {
    allGood();
    const denied = (action: string) => Object.assign(new Error(`User: arn:aws:sts::123456789012:assumed-role/deploy/ci is not authorized to perform: ${action}`), { name: "AccessDeniedException" });
    ecs.on(DescribeServicesCommand).rejects(denied("ecs:DescribeServices"));
    cloudwatch.on(DescribeAlarmsCommand).rejects(denied("cloudwatch:DescribeAlarms"));
    expect(await runGate(outputs, deps(), TIMING)).toEqual([
      "rollout: ECS DescribeServices failed: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/deploy/ci is not authorized to perform: ecs:DescribeServices",
      "alarms: CloudWatch DescribeAlarms failed: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/deploy/ci is not authorized to perform: cloudwatch:DescribeAlarms",
    ]);
  });

  it("fails when a stack alarm is in ALARM, one line per alarm", async () => {
    allGood();
    cloudwatch
      .on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [alarm("dev-5xx-1a2b3c4", "ALARM", "Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0).")], NextToken: "page-2" })
      .resolves({ MetricAlarms: [alarm("dev-cpu-1a2b3c4", "OK")], CompositeAlarms: [alarm("dev-health-1a2b3c4", "ALARM", "child alarm in ALARM")] });
    expect(await runGate(outputs, deps(), TIMING)).toEqual([
      "alarms: dev-5xx-1a2b3c4 is in ALARM: Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0).",
      "alarms: dev-health-1a2b3c4 is in ALARM: child alarm in ALARM",
    ]);
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)[1]!.args[0].input.NextToken).toBe("page-2");
  });

  it("fails when no alarm notifies the stack's topic, rather than passing on nothing", async () => {
    allGood();
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [], CompositeAlarms: [] });
    expect(await runGate(outputs, deps(), TIMING)).toEqual([`alarms: no alarm notifies ${TOPIC}; expected the stack's alarms there`]);
  });
});

describe("the HTTP check, against the model server on 127.0.0.1", () => {
  it("the known instance is the fixture's first, and the pointer's model predicts what scikit-learn did", async () => {
    const { instances, predictions } = fixture();
    const { KNOWN_INSTANCE, expectedAnswer } = await import("../../scripts/gate");
    expect(KNOWN_INSTANCE).toEqual(instances[0]);
    allGood();
    const expected = await expectedAnswer(POINTER, deps());
    expect(expected.modelVersion).toBe(shippedModel().model_version);
    expect(Math.abs(expected.prediction - predictions[0]!)).toBeLessThan(1e-6);
  });

  it("fails on a wrong prediction for the known instance (a server with another model under the same version)", async () => {
    allGood();
    const model = shippedModel();
    const wrong = await startService({ ...model, init: model.init + 1 });
    try {
      const failures = await runGate({ ...outputs, serviceUrl: `http://127.0.0.1:${wrong.port}` }, deps(), TIMING);
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatch(new RegExp(`^http: http://127\\.0\\.0\\.1:${wrong.port}: POST /forecast predicted [0-9.]+ for the known instance, model ${model.model_version} gives [0-9.]+ \\(after 2 attempts\\)$`));
    } finally {
      await wrong.service.shutdown(1_000);
    }
  });

  it("fails when the service serves another model than the pointer names", async () => {
    allGood();
    const old = await startService({ ...shippedModel(), model_version: "0ld0ne" });
    try {
      expect(await runGate({ ...outputs, serviceUrl: `http://127.0.0.1:${old.port}` }, deps(), TIMING)).toEqual([
        `http: http://127.0.0.1:${old.port}: POST /forecast served model 0ld0ne, but the current-model pointer names ${shippedModel().model_version} (after 2 attempts)`,
      ]);
    } finally {
      await old.service.shutdown(1_000);
    }
  });

  it("fails when /health is not 200 (a server still loading its model)", async () => {
    allGood();
    const loading = await startService(null);
    try {
      expect(await runGate({ ...outputs, serviceUrl: `http://127.0.0.1:${loading.port}` }, deps(), TIMING)).toEqual([
        `http: http://127.0.0.1:${loading.port}: GET /health answered 503, expected 200 (after 2 attempts)`,
      ]);
    } finally {
      await loading.service.shutdown(1_000);
    }
  });

  describe("a load balancer that never answers", () => {
    let silent: Server;
    let port: number;
    beforeAll(async () => {
      silent = createServer(() => undefined); // holds every request open
      await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
      port = (silent.address() as AddressInfo).port;
    });
    afterAll(async () => {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    });
    it("times out each request and gives up after the attempts", async () => {
      allGood();
      const started = Date.now();
      const timing = { ...TIMING, httpTimeoutMs: 300 };
      expect(await runGate({ ...outputs, serviceUrl: `http://127.0.0.1:${port}` }, deps(), timing)).toEqual([`http: http://127.0.0.1:${port}: no answer within 300 ms (after 2 attempts)`]);
      expect(Date.now() - started).toBeLessThan(5_000);
    });
  });

  it("reports a pointer it cannot read, and still checks the answer's shape", async () => {
    allGood();
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error("Parameter /edge-mlops/dev/inference/current-model not found."), { name: "ParameterNotFound" }));
    expect(await runGate(outputs, deps(), TIMING)).toEqual([
      "http: cannot tell the expected answer: MODEL_POINTER /edge-mlops/dev/inference/current-model: cannot read: ParameterNotFound: Parameter /edge-mlops/dev/inference/current-model not found.",
    ]);
  });
});

describe("stack outputs and arguments", () => {
  const json = () => ({ ...outputs, stackTags: { stack: "dev", project: "edge-mlops" }, repositoryUrl: "ignored" });
  it("reads `pulumi stack output --json`, ignoring outputs the gate does not use", () => {
    expect(parseStackOutputs(JSON.stringify(json()), "dev", "stdin")).toMatchObject(outputs);
    // Secret tags print as [secret] without --show-secrets: nothing to compare, not an error.
    expect(parseStackOutputs(JSON.stringify({ ...json(), stackTags: "[secret]" }), "prod", "stdin")).toMatchObject(outputs);
  });
  it("names a missing or malformed output, outputs of another stack, and text that is not JSON", () => {
    const { inferenceTaskDefinitionArn: _, ...missing } = json();
    expect(() => parseStackOutputs(JSON.stringify(missing), "dev", "out.json")).toThrow("out.json: output inferenceTaskDefinitionArn: is missing");
    expect(() => parseStackOutputs(JSON.stringify({ ...json(), alarmTopicArn: "dev-alarms" }), "dev", "stdin")).toThrow("stdin: output alarmTopicArn: must be an SNS topic ARN");
    expect(() => parseStackOutputs(JSON.stringify(json()), "prod", "stdin")).toThrow("stdin: these are the outputs of stack 'dev', not 'prod'");
    expect(() => parseStackOutputs("error: no stack selected", "dev", "stdin")).toThrow(/^stdin: not JSON \(.*\); expected `pulumi stack output --json`$/);
  });
  it("parses the command line, with limits on the timings", () => {
    expect(parseGateArgs(["--stack", "prod", "--rollout-timeout", "900"])).toEqual({ stack: "prod", outputs: "-", serviceUrl: undefined, timing: { ...DEFAULT_TIMING, rolloutTimeoutMs: 900_000 } });
    expect(() => parseGateArgs(["--outputs", "x.json"])).toThrow("--stack: required, a stack name (letters, digits, _ . -)");
    expect(wantsHelp(["--stack", "dev", "--help"])).toBe(true);
    expect(wantsHelp(["-h"])).toBe(true);
    expect(wantsHelp(["--stack", "dev"])).toBe(false);
    // The help names every option parseGateArgs accepts, with the defaults it applies.
    for (const flag of ["--stack", "--outputs", "--service-url", "--rollout-timeout", "--http-attempts"]) expect(HELP).toContain(`  ${flag} `);
    expect(HELP).toContain("(default 600)");
    expect(() => parseGateArgs(["--stack", "dev", "--http-attempts", "0"])).toThrow("--http-attempts: must be a whole number from 1 to 100, got '0'");
  });
  it("`npm run gate` exits 2 with one line and the usage for outputs it cannot use, before any AWS call", () => {
    const run = spawnSync("npx", ["tsx", "scripts/gate.ts", "--stack", "prod"], { cwd: ROOT, input: JSON.stringify(json()), encoding: "utf8", timeout: 60_000 });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split("\n")).toEqual(["gate: stdin: these are the outputs of stack 'dev', not 'prod'", expect.stringMatching(/^usage: npm run gate -- --stack <name>/)]);
  });
});
