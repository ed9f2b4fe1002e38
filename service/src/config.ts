/**
 * Service settings from the environment. An empty variable counts as unset.
 *
 *   PORT                 listening port, 0-65535 (0 picks a free port)   default 5000
 *   HOST                 listening address (IP or host name)             default 0.0.0.0
 *   MODEL_POINTER        SSM parameter holding the model's s3:// URI (the cloud service)
 *   MODEL_URI            s3://bucket/key, file:///path or a file path    default: the shipped model (local use)
 *                        (at most one of MODEL_POINTER and MODEL_URI)
 *   LOG_LEVEL            debug | info | warn | error                     default info
 *   SHUTDOWN_TIMEOUT_MS  longest wait for in-flight requests on SIGTERM  default 10000 (1-120000)
 */
import { LEVELS, type Level } from "./log";
import { ModelError, parseModelUri } from "./model";

export interface ServiceConfig {
  readonly port: number;
  readonly host: string;
  readonly modelUri: string | undefined;
  readonly modelPointer: string | undefined;
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
  if (modelPointer !== undefined && modelUri !== undefined) {
    throw new ConfigError("MODEL_POINTER and MODEL_URI are both set: set one (MODEL_POINTER in the cloud, MODEL_URI for local use)");
  }
  const level = (env.LOG_LEVEL || "info").toLowerCase();
  if (!(LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(`LOG_LEVEL=${JSON.stringify(env.LOG_LEVEL)}: must be one of ${LEVELS.join(", ")}`);
  }
  const shutdownTimeoutMs = integer(env, "SHUTDOWN_TIMEOUT_MS", 10_000, 1, 120_000);
  return { port, host: host.replace(/^\[(.*)\]$/, "$1"), modelUri, modelPointer, logLevel: level as Level, shutdownTimeoutMs };
}
