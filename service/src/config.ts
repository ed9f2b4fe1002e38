/**
 * Service settings from the environment. An empty variable counts as unset.
 *
 *   PORT                 listening port, 0-65535 (0 picks a free port)   default 5000
 *   HOST                 listening address (IP or host name)             default 0.0.0.0
 *   MODEL_POINTER        SSM parameter holding the model's s3:// URI (the cloud service), read once at start
 *   MODEL_PATH           model file served and watched: a new valid file replaces the served model (devices)
 *   MODEL_URI            s3://bucket/key, file:///path or a file path    default: the shipped model (local use)
 *                        (at most one of MODEL_POINTER, MODEL_PATH and MODEL_URI)
 *   METRICS_SERVICE      value of the drift metrics' Service dimension   default local
 *                        (contracts/drift.ts SERVICE_DIMENSION_ENV; CloudWatch dimension value: 1-1024 ASCII
 *                        characters, at least one not white space)
 *   LOG_LEVEL            debug | info | warn | error                     default info
 *   SHUTDOWN_TIMEOUT_MS  longest wait for in-flight requests on SIGTERM  default 10000 (1-120000)
 *
 * Device telemetry (publisher.ts), on only when IOT_DATA_ENDPOINT, AWS_IOT_THING_NAME and TELEMETRY_TOPIC_ROOT are
 * all set (some but not all is an error):
 *   IOT_DATA_ENDPOINT         AWS IoT Core data endpoint host, <id>-ats.iot.<region>.amazonaws.com (no https://)
 *   AWS_IOT_THING_NAME        the core device's thing name (set by Greengrass; AWS IoT: 1-128 of a-z A-Z 0-9 : _ -)
 *   TELEMETRY_TOPIC_ROOT      topic prefix edge-mlops/<stack> (no wildcards + #, no leading $ or /, no trailing /)
 *   TELEMETRY_SAMPLE_RATE     share of forecast instances published as samples, 0-1   default 0.01
 *   TELEMETRY_HEALTH_SECONDS  seconds between health messages, 10-86400             default 300
 *   AWS_REGION                region of the endpoint                      default: read from the endpoint host
 */
import { resolve } from "node:path";
import { SERVICE_DIMENSION_ENV } from "../../contracts/drift";
import { LEVELS, type Level } from "./log";
import { ModelError, parseModelUri } from "./model";
import type { PublisherConfig } from "./publisher";

export interface ServiceConfig {
  readonly port: number;
  readonly host: string;
  readonly modelUri: string | undefined;
  readonly modelPointer: string | undefined;
  /** Absolute path of the model file to serve and watch (MODEL_PATH resolved against the working directory). */
  readonly modelPath: string | undefined;
  /** Value of the drift metrics' Service dimension. */
  readonly metricsService: string;
  readonly logLevel: Level;
  readonly shutdownTimeoutMs: number;
  /** Device telemetry settings, or undefined when telemetry is off (the cloud service, local runs). */
  readonly telemetry: PublisherConfig | undefined;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

function integer(env: NodeJS.ProcessEnv, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key];
  if (!raw) return fallback;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${key}=${JSON.stringify(raw)}: must be an integer from ${min} to ${max}`);
  }
  return Number(raw);
}

/** Reads and checks the settings; throws ConfigError naming the variable on the first bad value. */
export function readConfig(env: NodeJS.ProcessEnv): ServiceConfig {
  const port = integer(env, "PORT", 5000, 0, 65535);
  const host = env.HOST || "0.0.0.0";
  if (host.length > 253 || !/^(\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:.%A-Za-z_-]+)$/.test(host)) {
    throw new ConfigError(`HOST=${JSON.stringify(host)}: must be an IP address or host name`);
  }
  const modelUri = env.MODEL_URI || undefined;
  if (modelUri !== undefined) {
    try {
      parseModelUri(modelUri);
    } catch (err) {
      throw new ConfigError((err as ModelError).message);
    }
  }
  const modelPointer = env.MODEL_POINTER || undefined;
  const modelPath = env.MODEL_PATH || undefined;
  const sources = (["MODEL_POINTER", "MODEL_PATH", "MODEL_URI"] as const).filter((key) => env[key]);
  if (sources.length > 1) {
    const which = sources.length === 2 ? "are both set" : "are all set";
    throw new ConfigError(`${sources.join(" and ")} ${which}: set at most one (MODEL_POINTER in the cloud, MODEL_PATH on devices, MODEL_URI for local use)`);
  }
  if (modelPath !== undefined && /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(modelPath)) {
    throw new ConfigError(`MODEL_PATH=${JSON.stringify(modelPath)}: must be a file path (the model file to serve and watch), not a URI`);
  }
  const metricsService = env[SERVICE_DIMENSION_ENV] || "local";
  if (metricsService.length > 1024 || !/^[\x20-\x7e]*[\x21-\x7e][\x20-\x7e]*$/.test(metricsService)) {
    throw new ConfigError(
      `${SERVICE_DIMENSION_ENV}=${JSON.stringify(metricsService.slice(0, 100))}: must be 1-1024 printable ASCII characters, at least one not white space (a CloudWatch dimension value)`,
    );
  }
  const level = (env.LOG_LEVEL || "info").toLowerCase();
  if (!(LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(`LOG_LEVEL=${JSON.stringify(env.LOG_LEVEL)}: must be one of ${LEVELS.join(", ")}`);
  }
  const shutdownTimeoutMs = integer(env, "SHUTDOWN_TIMEOUT_MS", 10_000, 1, 120_000);
  return {
    port,
    host: host.replace(/^\[(.*)\]$/, "$1"),
    modelUri,
    modelPointer,
    modelPath: modelPath === undefined ? undefined : resolve(modelPath),
    metricsService,
    logLevel: level as Level,
    shutdownTimeoutMs,
    telemetry: telemetryConfig(env),
  };
}

const TELEMETRY_SWITCHES = ["IOT_DATA_ENDPOINT", "AWS_IOT_THING_NAME", "TELEMETRY_TOPIC_ROOT"] as const;
const IOT_ENDPOINT = /^[a-z0-9-]+\.iot\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?$/;
const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
const TOPIC_ROOT = /^[^$/+#][^+#]*$/;

/** The telemetry settings: undefined when none of its three switches is set. */
function telemetryConfig(env: NodeJS.ProcessEnv): PublisherConfig | undefined {
  const set = TELEMETRY_SWITCHES.filter((key) => env[key]);
  if (set.length === 0) return undefined;
  if (set.length < TELEMETRY_SWITCHES.length) {
    const missing = TELEMETRY_SWITCHES.filter((key) => !env[key]);
    throw new ConfigError(`${set.join(" and ")} set without ${missing.join(" and ")}: device telemetry needs all of ${TELEMETRY_SWITCHES.join(", ")}`);
  }
  const endpoint = env.IOT_DATA_ENDPOINT!;
  const host = IOT_ENDPOINT.exec(endpoint);
  if (!host) {
    throw new ConfigError(`IOT_DATA_ENDPOINT=${JSON.stringify(endpoint.slice(0, 100))}: must be an AWS IoT data endpoint host (<id>-ats.iot.<region>.amazonaws.com, no https://)`);
  }
  const thingName = env.AWS_IOT_THING_NAME!;
  if (!THING_NAME.test(thingName)) {
    throw new ConfigError(`AWS_IOT_THING_NAME=${JSON.stringify(thingName.slice(0, 140))}: must be 1-128 characters of a-z A-Z 0-9 : _ - (an AWS IoT thing name)`);
  }
  const topicRoot = env.TELEMETRY_TOPIC_ROOT!;
  if (!TOPIC_ROOT.test(topicRoot) || topicRoot.endsWith("/") || topicRoot.length > 200) {
    throw new ConfigError(`TELEMETRY_TOPIC_ROOT=${JSON.stringify(topicRoot.slice(0, 100))}: must be a topic prefix such as edge-mlops/prod (at most 200 characters, no + or #, not starting with $ or /, not ending with /)`);
  }
  const rawRate = env.TELEMETRY_SAMPLE_RATE || "0.01";
  const sampleRate = Number(rawRate);
  if (!/^\d+(\.\d+)?(e-?\d+)?$/i.test(rawRate) || !(sampleRate >= 0 && sampleRate <= 1)) {
    throw new ConfigError(`TELEMETRY_SAMPLE_RATE=${JSON.stringify(rawRate.slice(0, 100))}: must be a number from 0 to 1 (the share of forecast instances published)`);
  }
  return {
    endpoint,
    region: env.AWS_REGION || host[1]!,
    thingName,
    topicRoot,
    sampleRate,
    healthSeconds: integer(env, "TELEMETRY_HEALTH_SECONDS", 300, 10, 86_400),
  };
}
