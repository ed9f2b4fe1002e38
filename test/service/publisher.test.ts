// The device telemetry publisher (service/src/publisher.ts) against a mocked IoT data plane: off without its settings,
// samples at the configured rate, the metrics lines and health reports on the contract's topics, a bounded queue that
// drops its oldest messages, and a failing Publish that leaves the HTTP answers untouched (a real server on 127.0.0.1).
import { IoTDataPlaneClient, PublishCommand, type PublishCommandInput } from "@aws-sdk/client-iot-data-plane";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { DEVICE_TOPICS } from "../../contracts/model-release";
import { PROJECT } from "../../contracts/project";
import { readConfig } from "../../service/src/config";
import { Logger } from "../../service/src/log";
import { InferenceService } from "../../service/src/server";
import { TelemetryPublisher, type PublisherConfig } from "../../service/src/publisher";
import { fixture, post, shippedModel } from "./support";

const iot = mockClient(IoTDataPlaneClient);
afterEach(() => iot.reset());

const ENV = {
  IOT_DATA_ENDPOINT: "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com",
  AWS_IOT_THING_NAME: "hub-1",
  TELEMETRY_TOPIC_ROOT: `${PROJECT}/prod`,
};

function publisher(overrides: Partial<PublisherConfig> = {}, options: { random?: () => number; queueLimit?: number; now?: () => number } = {}) {
  const lines: Array<Record<string, any>> = [];
  const log = new Logger("info", (text) => lines.push(...text.split("\n").filter(Boolean).map((l) => JSON.parse(l))));
  const config = { ...readConfig({ ...ENV, TELEMETRY_SAMPLE_RATE: "0.5" }).telemetry!, ...overrides };
  const pub = new TelemetryPublisher(config, { log, client: new IoTDataPlaneClient({ region: config.region }), ...options });
  return { pub, lines, log };
}

const sent = (): PublishCommandInput[] => iot.commandCalls(PublishCommand).map((c) => c.args[0].input);
const text = (input: PublishCommandInput): string => Buffer.from(input.payload as Uint8Array).toString("utf8");

/** A service on 127.0.0.1 whose successful forecasts go to `pub`. */
async function serve(pub: TelemetryPublisher, log: Logger) {
  const service = new InferenceService({ log, now: () => 1_700_000_000_000, metricsService: "edge-mlops-prod", telemetry: pub });
  service.setModel(shippedModel());
  const { port } = await service.listen(0, "127.0.0.1");
  return { service, port };
}

describe("telemetry settings", () => {
  it("are off without IOT_DATA_ENDPOINT, AWS_IOT_THING_NAME and TELEMETRY_TOPIC_ROOT", () => {
    expect(readConfig({}).telemetry).toBeUndefined();
    expect(readConfig({ TELEMETRY_SAMPLE_RATE: "0.5" }).telemetry).toBeUndefined();
  });

  it("read the three switches, the rate, the interval and the endpoint's region", () => {
    expect(readConfig(ENV).telemetry).toEqual({
      endpoint: ENV.IOT_DATA_ENDPOINT,
      region: "eu-west-1",
      thingName: "hub-1",
      topicRoot: "edge-mlops/prod",
      sampleRate: 0.01,
      healthSeconds: 300,
    });
    expect(readConfig({ ...ENV, AWS_REGION: "eu-west-1", TELEMETRY_SAMPLE_RATE: "1", TELEMETRY_HEALTH_SECONDS: "60" }).telemetry).toMatchObject({ sampleRate: 1, healthSeconds: 60 });
  });

  it.each([
    [{ IOT_DATA_ENDPOINT: ENV.IOT_DATA_ENDPOINT }, "IOT_DATA_ENDPOINT set without AWS_IOT_THING_NAME and TELEMETRY_TOPIC_ROOT: device telemetry needs all of IOT_DATA_ENDPOINT, AWS_IOT_THING_NAME, TELEMETRY_TOPIC_ROOT"],
    [{ ...ENV, IOT_DATA_ENDPOINT: `https://${ENV.IOT_DATA_ENDPOINT}` }, "IOT_DATA_ENDPOINT=\"https://a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com\": must be an AWS IoT data endpoint host (<id>-ats.iot.<region>.amazonaws.com, no https://)"],
    [{ ...ENV, AWS_IOT_THING_NAME: "hub 1" }, "AWS_IOT_THING_NAME=\"hub 1\": must be 1-128 characters of a-z A-Z 0-9 : _ - (an AWS IoT thing name)"],
    [{ ...ENV, TELEMETRY_TOPIC_ROOT: "edge-mlops/+" }, "TELEMETRY_TOPIC_ROOT=\"edge-mlops/+\": must be a topic prefix such as edge-mlops/prod (at most 200 characters, no + or #, not starting with $ or /, not ending with /)"],
    [{ ...ENV, TELEMETRY_SAMPLE_RATE: "1.5" }, "TELEMETRY_SAMPLE_RATE=\"1.5\": must be a number from 0 to 1 (the share of forecast instances published)"],
    [{ ...ENV, TELEMETRY_SAMPLE_RATE: "-0" }, "TELEMETRY_SAMPLE_RATE=\"-0\": must be a number from 0 to 1 (the share of forecast instances published)"],
    [{ ...ENV, TELEMETRY_HEALTH_SECONDS: "5" }, "TELEMETRY_HEALTH_SECONDS=\"5\": must be an integer from 10 to 86400"],
  ])("refuse %j with one line", (env, message) => {
    expect(() => readConfig(env)).toThrow(message);
  });

  it("name the contract's topics", () => {
    const { pub } = publisher();
    expect([pub.topic("samples"), pub.topic("metrics"), pub.topic("health")]).toEqual([
      DEVICE_TOPICS.samples("prod", "hub-1"),
      DEVICE_TOPICS.metrics("prod", "hub-1"),
      DEVICE_TOPICS.health("prod", "hub-1"),
    ]);
  });
});

describe("TelemetryPublisher", () => {
  it("publishes the sampled instances as CSV and every EMF line, QoS 1, after the answer", async () => {
    iot.on(PublishCommand).resolves({});
    // Instances whose draw is below 0.5 are sampled: 0, 2 and 3 of the first five.
    const draws = [0.1, 0.9, 0.4, 0.49, 0.5];
    const { pub, log } = publisher({}, { random: () => draws.shift() ?? 1 });
    const { service, port } = await serve(pub, log);
    try {
      const { instances } = fixture();
      const reply = await post(port, { instances: instances.slice(0, 5) });
      expect(reply.status).toBe(200);
      service.flushMetrics();
      await pub.idle();
    } finally {
      await service.shutdown(1_000);
    }
    const { instances, predictions } = fixture();
    const samples = sent().filter((m) => m.topic === "edge-mlops/prod/hub-1/samples");
    expect(samples).toHaveLength(1);
    expect(samples[0]!.qos).toBe(1);
    const rows = text(samples[0]!).trimEnd().split("\n");
    expect(rows).toHaveLength(4);
    expect(rows[0]).toBe("sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight,rings");
    [0, 2, 3].forEach((i, row) => {
      expect(rows[row + 1]!.startsWith(`${instances[i]!.sex},${instances[i]!.length},`)).toBe(true);
      expect(rows[row + 1]!.endsWith(`,${Math.max(1, Math.round(predictions[i]!))}`)).toBe(true);
    });
    const metrics = sent().filter((m) => m.topic === "edge-mlops/prod/hub-1/metrics");
    expect(metrics).toHaveLength(1);
    expect(JSON.parse(text(metrics[0]!))).toMatchObject({ Service: "edge-mlops-prod", _aws: { Timestamp: 1_700_000_000_000 }, RequestCount: 1 });
    expect(JSON.parse(text(metrics[0]!)).Prediction_Z).toHaveLength(5);
    expect(pub.published).toBe(1 + metrics.length);
  });

  it("samples nothing at rate 0 and everything at rate 1", () => {
    iot.on(PublishCommand).resolves({});
    const columns = { inputs: ["a"], target: "t" };
    const none = publisher({ sampleRate: 0 }).pub;
    none.served(columns, [{ a: 1 }, { a: 2 }], [3, 4]);
    expect(none.queued + none.published).toBe(0);
    const all = publisher({ sampleRate: 1 }).pub;
    all.served(columns, [{ a: 1 }, { a: 2 }], [3.4, 0.2]);
    return all.idle().then(() => expect(sent().map(text)).toEqual(["a,t\n1,3\n2,1\n"]));
  });

  it("keeps at most queueLimit messages, dropping the oldest and counting them", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    iot.on(PublishCommand).callsFake(async () => {
      await gate;
      return {};
    });
    const { pub } = publisher({}, { queueLimit: 3 });
    for (let i = 0; i < 10; i++) pub.health({ status: `s${i}`, model_version: null });
    // s0 is in flight; s1..s9 went through a queue of 3, which keeps the newest.
    expect(pub.queued).toBe(3);
    expect(pub.dropped).toBe(6);
    release();
    await pub.idle();
    expect(sent().map((m) => JSON.parse(text(m)).status)).toEqual(["s0", "s7", "s8", "s9"]);
  });

  it("answers forecasts while every Publish fails, and logs each kind of failure once a minute", async () => {
    iot.on(PublishCommand).rejects(Object.assign(new Error("User is not authorized to perform: iot:Publish"), { name: "ForbiddenException" }));
    let clock = 0;
    const { pub, lines, log } = publisher({ sampleRate: 1 }, { now: () => clock });
    const { service, port } = await serve(pub, log);
    const { instances, predictions, model_version } = fixture();
    try {
      for (let i = 0; i < 3; i++) {
        const reply = await post(port, { instances: instances.slice(0, 4) });
        expect(reply.json()).toEqual({ predictions: predictions.slice(0, 4), model_version });
        service.flushMetrics();
        await pub.idle();
      }
      clock = 60_000;
      await post(port, { instances: instances.slice(0, 1) });
      service.flushMetrics();
      await pub.idle();
    } finally {
      await service.shutdown(1_000);
    }
    expect(pub.published).toBe(0);
    expect(pub.failed).toBe(sent().length);
    const warnings = lines.filter((l) => l.level === "warn");
    expect(warnings.map((w) => w.msg)).toEqual([
      "telemetry publish failed: User is not authorized to perform: iot:Publish",
      "telemetry publish failed: User is not authorized to perform: iot:Publish",
    ]);
    expect(warnings[0]).toMatchObject({ error: "ForbiddenException", failed: 1 });
    expect(warnings[1]!.repeats).toBe(sent().length - 3);
  });

  it("reports health as {status, model_version, uptime_s} and stops its timer", async () => {
    iot.on(PublishCommand).resolves({});
    let clock = 1_000_000;
    const { pub } = publisher({ healthSeconds: 10 }, { now: () => clock });
    clock += 42_700;
    pub.startHealth(() => ({ status: "ok", model_version: "78f050bdef83" }));
    pub.stop();
    await pub.idle();
    expect(sent()).toEqual([{ topic: "edge-mlops/prod/hub-1/health", qos: 1, payload: expect.anything() }]);
    expect(JSON.parse(text(sent()[0]!))).toEqual({ status: "ok", model_version: "78f050bdef83", uptime_s: 42 });
  });
});
