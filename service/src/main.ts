/**
 * Entry point of the inference service (bundled to service/dist/server.js; /app/dist/server.js in
 * the image). Starts listening at once (/health answers 503 until the model is loaded), loads the
 * model named by MODEL_POINTER (an SSM parameter), MODEL_URI or the shipped default, and drains on SIGTERM/SIGINT: /health answers 503
 * while in-flight requests finish, then the listener closes and the process exits 0 — or exits 1
 * after SHUTDOWN_TIMEOUT_MS. A second signal at least REPEAT_MS after the first kills at once (exit 128 +
 * the signal's number); one sooner is the same stop delivered twice (`npm run serve` forwards the signal its
 * process group already got) and is ignored.
 * On a device with IOT_DATA_ENDPOINT, AWS_IOT_THING_NAME and TELEMETRY_TOPIC_ROOT set, samples, metrics and health
 * are also published to AWS IoT Core (publisher.ts). A bad setting, an unusable model or a busy port ends the process with one error log line, exit 1.
 */
import { constants } from "node:os";
import { readConfig } from "./config";
import { Logger } from "./log";
import { defaultModelPath, loadModel } from "./model";
import { resolveModelPointer } from "./pointer";
import { TelemetryPublisher } from "./publisher";
import { InferenceService } from "./server";
import { serveModel, watchModelFile, type ModelWatcher } from "./watch";

/** A repeated stop signal within this many ms is the first one delivered twice, not a request to stop at once. */
const REPEAT_MS = 1000;

async function main(): Promise<void> {
  let config;
  try {
    config = readConfig(process.env);
  } catch (err) {
    new Logger().log("error", `config error: ${(err as Error).message}`);
    process.exit(1);
  }
  const log = new Logger(config.logLevel);
  const telemetry = config.telemetry && new TelemetryPublisher(config.telemetry, { log });
  const service = new InferenceService({ log, metricsService: config.metricsService, telemetry });
  telemetry?.startHealth(() => ({ status: service.ready ? "ok" : "unavailable", model_version: service.modelVersion ?? null }));
  let watcher: ModelWatcher | undefined;

  let stopping: number | undefined;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping !== undefined) {
      if (Date.now() - stopping < REPEAT_MS) return;
      log.log("error", `second ${signal}: stopping at once`);
      process.exit(128 + constants.signals[signal]);
    }
    stopping = Date.now();
    log.log("info", "draining", { signal, timeout_ms: config.shutdownTimeoutMs });
    watcher?.close();
    telemetry?.stop();
    void service.shutdown(config.shutdownTimeoutMs).then((drained) => {
      if (drained) log.log("info", "stopped");
      else log.log("error", `in-flight requests cut after ${config.shutdownTimeoutMs} ms`);
      process.exit(drained ? 0 : 1);
    });
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);

  try {
    const address = await service.listen(config.port, config.host);
    log.log("info", "listening", { address: address.address, port: address.port });
  } catch (err) {
    log.log("error", `cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`);
    process.exit(1);
  }

  if (config.modelPath !== undefined) {
    try {
      watcher = await watchModelFile(service, log, config.modelPath);
    } catch (err) {
      log.log("error", `MODEL_PATH ${config.modelPath}: cannot watch its directory: ${(err as Error).message}`);
      process.exit(1);
    }
    return;
  }

  let uri = config.modelUri ?? defaultModelPath(__dirname);
  try {
    if (config.modelPointer !== undefined) uri = await resolveModelPointer(config.modelPointer);
    serveModel(service, log, await loadModel(uri), { model_uri: uri, model_pointer: config.modelPointer });
  } catch (err) {
    log.log("error", (err as Error).message);
    process.exit(1);
  }
}

void main();
