/**
 * JSON log lines on stdout, one object per line, for CloudWatch Logs (awslogs driver on ECS, the
 * Greengrass log manager on devices). The lines are written by pino, the logger fastify is built
 * around: the service hands `Logger.pino` to fastify, so the framework's own lines, the per-request
 * line and the start-up lines share one format:
 *
 *   {"level":"info","time":"2024-05-01T12:00:00.000Z",...fields,"msg":"request"}
 *
 * `level` is the level's name, `time` an ISO-8601 UTC timestamp; pino's pid and hostname are left
 * out (CloudWatch records the stream and the task). Metric lines (EMF) are not log records: they go
 * through `write` to the same sink, unwrapped, so they stay in order with the log lines.
 */
import pino, { type Logger as PinoLogger } from "pino";

export const LEVELS = ["debug", "info", "warn", "error"] as const;
export type Level = (typeof LEVELS)[number];

/** Where log and metric lines go (each call gets whole lines, newline included). */
export type Sink = (text: string) => void;

let stdout: ReturnType<typeof pino.destination> | undefined;

/**
 * Standard output through pino's destination (sonic-boom on fd 1), synchronous: one write(2) per
 * call, in call order. Nothing is buffered in the process, so memory does not grow when lines come
 * faster than the reader takes them (a full pipe blocks the writer instead: the log driver's
 * back-pressure), and nothing is left to lose at exit. (An asynchronous destination gathers lines
 * while a write is under way, but writes at most 16 KiB per round trip: under a flood of large
 * requests its buffer grew by hundreds of MiB in `npm run bench:service`.)
 */
export const stdoutSink: Sink = (text) => {
  stdout ??= pino.destination({ dest: 1, sync: true });
  stdout.write(text);
};

let lastMs = NaN;
let lastTime = "";

/** pino's `time` member as ISO-8601 UTC, formatted once per millisecond however many lines share it. */
function isoTime(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

export class Logger {
  /** The pino logger fastify logs through (`loggerInstance`). */
  readonly pino: PinoLogger;

  constructor(
    readonly level: Level = "info",
    private readonly sink: Sink = stdoutSink,
  ) {
    this.pino = pino({ level, base: null, timestamp: isoTime, formatters: { level: (label) => ({ level: label }) } }, { write: sink });
  }

  log(level: Level, msg: string, fields?: Record<string, unknown>): void {
    this.pino[level](fields ?? {}, msg);
  }

  /** Writes preformatted lines (EMF metric documents) to the log's sink. */
  write(text: string): void {
    if (text) this.sink(text);
  }
}
