/**
 * Device telemetry publisher: on a Greengrass core device the inference container publishes what it serves to AWS
 * IoT Core over HTTPS (the IoT data plane's Publish, QoS 1), so that the fleet's IoT rules
 * (components/edge-fleet/telemetry.ts) can land it in the cloud:
 *
 *   <TELEMETRY_TOPIC_ROOT>/<thing>/samples  a sampled share of each forecast's instances with their predictions, as
 *                                           the CSV the continuous-training DAG ingests (telemetry.ts samplesCsv)
 *   <TELEMETRY_TOPIC_ROOT>/<thing>/metrics  the EMF documents the server writes to stdout, one document per message
 *                                           (the metrics rule selects on the document's Service member)
 *   <TELEMETRY_TOPIC_ROOT>/<thing>/health   every TELEMETRY_HEALTH_SECONDS {"status","model_version","uptime_s"}
 *
 * (contracts/model-release.ts DEVICE_TOPICS with TELEMETRY_TOPIC_ROOT = `edge-mlops/<stack>`.) Credentials come from
 * the SDK's default chain, which reads the Greengrass token exchange service's AWS_CONTAINER_CREDENTIALS_FULL_URI and
 * AWS_CONTAINER_AUTHORIZATION_TOKEN. The publisher never delays or fails a forecast: messages wait in a bounded
 * in-memory queue (the oldest dropped on overflow, and counted), one Publish at a time drains it, and a failed
 * Publish loses its message and is logged once per kind of error per minute. Messages still queued when the process
 * stops are lost: telemetry is a sample, not a record.
 */
import type { IoTDataPlaneClient } from "@aws-sdk/client-iot-data-plane";
import type { Logger } from "./log";
import { MAX_SAMPLES_PER_MESSAGE, Sampler, samplesCsv, type Instance, type SampleColumns } from "./telemetry";

/** Settings of the publisher (config.ts reads them from the environment). */
export interface PublisherConfig {
  /** AWS IoT Core data endpoint host (`<id>-ats.iot.<region>.amazonaws.com`), env IOT_DATA_ENDPOINT. */
  readonly endpoint: string;
  /** AWS region of the endpoint (env AWS_REGION, else the endpoint's own `iot.<region>.` label). */
  readonly region: string;
  /** The core device's thing name, env AWS_IOT_THING_NAME (Greengrass sets it for its components). */
  readonly thingName: string;
  /** Topic prefix `edge-mlops/<stack>`, env TELEMETRY_TOPIC_ROOT. */
  readonly topicRoot: string;
  /** Share of forecast instances published as samples, 0 to 1, env TELEMETRY_SAMPLE_RATE. */
  readonly sampleRate: number;
  /** Seconds between health messages, env TELEMETRY_HEALTH_SECONDS. */
  readonly healthSeconds: number;
}

/** What the publisher reports in a health message. */
export interface HealthState {
  readonly status: string;
  readonly model_version: string | null;
}

export interface PublisherOptions {
  readonly log: Logger;
  /** The IoT data plane client (tests pass one; default: one for `https://<endpoint>` in `region`, made at the first publish). */
  readonly client?: IoTDataPlaneClient;
  /** Random numbers in [0, 1) for sampling (default Math.random). */
  readonly random?: () => number;
  /** Clock in ms (default Date.now), for uptime and the error log's rate limit. */
  readonly now?: () => number;
  /** Most messages waiting to be published (default {@link DEFAULT_QUEUE_LIMIT}). */
  readonly queueLimit?: number;
}

/** Default bound of the queue: at most this many messages (each at most 128 KB, AWS IoT Core's limit) wait. */
export const DEFAULT_QUEUE_LIMIT = 200;
/** An error of a kind already logged is logged again at most once per this many ms (with the count in between). */
export const ERROR_LOG_INTERVAL_MS = 60_000;

interface Message {
  readonly topic: string;
  readonly payload: string;
}

export class TelemetryPublisher {
  /** Messages dropped because the queue was full. */
  dropped = 0;
  /** Messages whose Publish failed. */
  failed = 0;
  /** Messages published. */
  published = 0;
  private readonly queue: Message[] = [];
  private draining: Promise<void> | undefined;
  /** The client given, or made at the first publish from the SDK's module, loaded then (import() loads it once). */
  private client: IoTDataPlaneClient | undefined;
  private readonly sampler: Sampler;
  private readonly now: () => number;
  private readonly limit: number;
  private readonly started: number;
  private readonly errors = new Map<string, { at: number; since: number }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly config: PublisherConfig,
    private readonly options: PublisherOptions,
  ) {
    this.sampler = new Sampler(config.sampleRate, options.random);
    this.now = options.now ?? Date.now;
    this.limit = options.queueLimit ?? DEFAULT_QUEUE_LIMIT;
    this.started = this.now();
  }

  /** The topic of a kind of message: `<topicRoot>/<thingName>/<kind>`. */
  topic(kind: "samples" | "metrics" | "health"): string {
    return `${this.config.topicRoot}/${this.config.thingName}/${kind}`;
  }

  /** Messages waiting to be published. */
  get queued(): number {
    return this.queue.length;
  }

  /** A forecast was answered: queue its sampled instances. */
  served(columns: SampleColumns, instances: readonly Instance[], predictions: readonly number[]): void {
    try {
      const picked = this.sampler.pick(instances.length);
      for (let start = 0; start < picked.length; start += MAX_SAMPLES_PER_MESSAGE) {
        const slice = picked.slice(start, start + MAX_SAMPLES_PER_MESSAGE);
        this.enqueue(this.topic("samples"), samplesCsv(columns, slice.map((i) => instances[i]!), slice.map((i) => predictions[i]!)));
      }
    } catch (err) {
      this.report("telemetry", err as Error);
    }
  }

  /** The server wrote EMF lines (newline-separated documents): queue each document as one message. */
  metrics(lines: string): void {
    for (const line of lines.split("\n")) if (line) this.enqueue(this.topic("metrics"), line);
  }

  /** Queues one health message now. */
  health(state: HealthState): void {
    const uptime = Math.floor((this.now() - this.started) / 1000);
    this.enqueue(this.topic("health"), JSON.stringify({ status: state.status, model_version: state.model_version, uptime_s: uptime }));
  }

  /** Queues a health message now and then every `healthSeconds` (the timer does not keep the process alive). */
  startHealth(state: () => HealthState): void {
    this.stop();
    this.health(state());
    this.timer = setInterval(() => this.health(state()), this.config.healthSeconds * 1000).unref();
  }

  /** Stops the health timer; queued messages still go out while the process lives. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Resolves once the queue is empty and no Publish is in flight (for tests and a graceful stop). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private enqueue(topic: string, payload: string): void {
    if (this.queue.length >= this.limit) {
      this.queue.shift();
      this.dropped++;
    }
    this.queue.push({ topic, payload });
    this.draining ??= this.drain();
  }

  /** Publishes until the queue is empty; clears `draining` in the same step that finds it empty. */
  private async drain(): Promise<void> {
    for (let message = this.queue.shift(); message; message = this.queue.shift()) {
      try {
        const sdk = await import("@aws-sdk/client-iot-data-plane");
        this.client ??= this.options.client ?? new sdk.IoTDataPlaneClient({ endpoint: `https://${this.config.endpoint}`, region: this.config.region });
        await this.client.send(new sdk.PublishCommand({ topic: message.topic, qos: 1, payload: Buffer.from(message.payload) }));
        this.published++;
      } catch (err) {
        this.failed++;
        this.report("publish", err as Error);
      }
    }
    this.draining = undefined;
  }

  /** Logs an error at warn level: the first of its kind at once, then at most once per {@link ERROR_LOG_INTERVAL_MS}. */
  private report(what: string, err: Error): void {
    const kind = `${what}:${err.name}`;
    const now = this.now();
    const seen = this.errors.get(kind);
    if (seen && now - seen.at < ERROR_LOG_INTERVAL_MS) {
      seen.since++;
      return;
    }
    this.errors.set(kind, { at: now, since: 0 });
    const fields = { error: err.name, dropped: this.dropped, failed: this.failed, ...(seen ? { repeats: seen.since } : {}) };
    this.options.log.log("warn", `${what === "publish" ? "telemetry publish failed" : "telemetry message not built"}: ${err.message.slice(0, 300)}`, fields);
  }
}
