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
 */
import { resolve } from "node:path";
import { SERVICE_DIMENSION_ENV } from "../../contracts/drift";
import { LEVELS, type Level } from "./log";
import { ModelError, parseModelUri } from "./model";

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
  };
}
