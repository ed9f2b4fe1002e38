/**
 * MODEL_PATH: the model file a core device serves, watched for new models. The release's model
 * component (contracts/model-component.ts) installs a model by renaming a complete new model.json over
 * the old one, so the file's inode changes with every release: the watcher watches the directory
 * (fs.watch, inotify on Linux; the directory is bind-mounted into the container, so events on the
 * host reach it) and reacts to events naming the file.
 *
 * Events come in bursts (a rename is several), so a check runs once the events have been quiet for
 * `debounceMs`, and at the latest `maxDelayMs` after the first event of a burst. A check reads the file
 * (at most MAX_MODEL_BYTES), skips it when its SHA-256 is the one last seen, and validates it
 * (parseModel, service/model/model.schema.json): a valid model goes to `onModel`, which swaps it in;
 * an invalid one to `onRefused` with the problem (naming the file), and the served model stays. Only
 * one check runs at a time; events during a check schedule one more. A missing file is no error: a
 * device waits for its first release. If the watch itself fails, that is logged and the served model
 * stays (the directory is the container's mount point: it outlives the process).
 */
import { createHash } from "node:crypto";
import { watch, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";
import type { Logger } from "./log";
import { parseModel, readLocalModel, ModelError, type ModelFile } from "./model";
import type { InferenceService } from "./server";

/**
 * Serves `model` and logs it: one "model loaded" line (its version, `fields` saying where it came
 * from, the version it replaces) and a warning naming the number fields that get no drift metric.
 */
export function serveModel(service: InferenceService, log: Logger, model: ModelFile, fields: Record<string, unknown>): void {
  const previous = service.modelVersion;
  const unstandardised = service.setModel(model);
  log.log("info", "model loaded", { model_version: model.model_version, ...fields, previous_model_version: previous, trees: model.trees.length });
  if (unstandardised.length > 0) {
    log.log("warn", `no drift metric for ${unstandardised.join(", ")}: training standard deviation is 0`, { model_version: model.model_version });
  }
}

/**
 * MODEL_PATH: makes `service` wait for the model file at `path`, then serve each valid version of it.
 * A refused file is one "model refused" error line naming the file and the problem; the served model
 * (if any) stays. Resolves once the file has been checked a first time.
 * @throws Error when the file's directory cannot be watched.
 */
export async function watchModelFile(
  service: InferenceService,
  log: Logger,
  path: string,
  timing: Pick<ModelWatcherOptions, "debounceMs" | "maxDelayMs"> = {},
): Promise<ModelWatcher> {
  service.waitForModel(path);
  const watcher = new ModelWatcher({
    ...timing,
    path,
    onModel: (model, sha256) => serveModel(service, log, model, { model_path: path, sha256 }),
    onRefused: (problem) => {
      service.waitForModel(path, problem);
      log.log("error", "model refused", { model_path: path, error: problem, serving: service.modelVersion ?? null });
    },
    onWatchProblem: (message) => log.log("warn", message, { model_path: path }),
  });
  await watcher.start();
  if (service.modelVersion === undefined) log.log("info", "waiting for model", { model_path: path });
  return watcher;
}

export interface ModelWatcherOptions {
  /** Absolute path of the model file. */
  readonly path: string;
  /** A valid new model: serve it. `sha256` is the file's SHA-256 (hex). */
  readonly onModel: (model: ModelFile, sha256: string) => void;
  /** The file was refused (`problem` names the file and the first problem), or cannot be watched. */
  readonly onRefused: (problem: string) => void;
  /** The watch failed (a message for the log). */
  readonly onWatchProblem?: (message: string) => void;
  /** Quiet time after the last event before a check, in ms. @default 100 */
  readonly debounceMs?: number;
  /** Longest wait from the first event of a burst to its check, in ms. @default 1000 */
  readonly maxDelayMs?: number;
}

export class ModelWatcher {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private burstStart = 0;
  private checking: Promise<void> | undefined;
  private again = false;
  private lastSha: string | undefined;
  private closed = false;
  private readonly name: string;
  private readonly debounceMs: number;
  private readonly maxDelayMs: number;

  constructor(private readonly options: ModelWatcherOptions) {
    this.name = basename(options.path);
    this.debounceMs = options.debounceMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 1000;
  }

  /**
   * Starts watching the file's directory and checks the file once. Resolves after that first check.
   * @throws Error when the directory cannot be watched (it does not exist, or is not readable).
   */
  async start(): Promise<void> {
    this.watchDirectory();
    await this.check();
  }

  /** Stops watching; a check under way finishes, no other starts. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
  }

  private watchDirectory(): void {
    const watcher = watch(dirname(this.options.path), { persistent: false }, (_event, file) => {
      // Some platforms give no name; then any event in the directory may be the file.
      if (file === null || file === this.name) this.schedule();
    });
    // Without a listener an error would end the process; the served model stays, new files are not seen.
    watcher.on("error", (err) => {
      watcher.close();
      this.options.onWatchProblem?.(`stopped watching ${dirname(this.options.path)}: ${err.message}; the served model stays until a restart`);
    });
    this.watcher = watcher;
  }

  private schedule(): void {
    if (this.closed) return;
    const now = Date.now();
    if (this.timer === undefined) this.burstStart = now;
    clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.debounceMs, this.burstStart + this.maxDelayMs - now));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.check();
    }, wait);
    this.timer.unref();
  }

  private check(): Promise<void> {
    if (this.checking) {
      this.again = true;
      return this.checking;
    }
    this.checking = this.read().finally(() => {
      this.checking = undefined;
      if (this.again && !this.closed) {
        this.again = false;
        this.schedule();
      }
    });
    return this.checking;
  }

  private async read(): Promise<void> {
    const { path } = this.options;
    let text: string;
    try {
      text = await readLocalModel(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return; // not released yet, or between releases
      return this.options.onRefused(`model ${path}: cannot read: ${(err as Error).message}`);
    }
    const sha = createHash("sha256").update(text).digest("hex");
    if (sha === this.lastSha) return;
    this.lastSha = sha;
    let model: ModelFile;
    try {
      model = parseModel(text, path);
    } catch (err) {
      if (!(err instanceof ModelError)) throw err;
      return this.options.onRefused(err.message);
    }
    this.options.onModel(model, sha);
  }
}
