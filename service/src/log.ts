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
/** Lines given to stdoutSink in this event-loop turn, not yet written. */
let pending = "";
let flushScheduled = false;

function flushStdout(): void {
  flushScheduled = false;
  if (pending === "") return;
  const text = pending;
  pending = "";
  stdout!.write(text);
}

/**
 * Standard output through pino's destination (sonic-boom on fd 1), synchronously, once per event-loop turn: the lines
 * of a turn (of every request answered in it) are joined and written in one write(2) by a setImmediate callback, in
 * call order, and what is left when the process exits is written by its 'exit' handler. The process holds at most one
 * turn's lines, so memory does not grow when lines come faster than the reader takes them (a full pipe blocks the
 * write and with it the event loop: the log driver's back-pressure). One write per turn rather than per line saves
 * about a tenth of the CPU time of a 1-instance request (`npm run bench:service`); a process killed by SIGKILL loses
 * at most its last turn's lines. (An asynchronous destination gathers lines while a write is under way, but writes at
 * most 16 KiB per round trip: under a flood of large requests its buffer grew by hundreds of MiB in
 * `npm run bench:service`.)
 */
export const stdoutSink: Sink = (text) => {
  if (stdout === undefined) {
    stdout = pino.destination({ dest: 1, sync: true });
    process.on("exit", flushStdout);
  }
  pending += text;
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushStdout);
  }
};

let lastMs = NaN;
let lastTime = "";
let lastSecond = NaN;
/** `,"time":"YYYY-MM-DDTHH:MM:SS.` of lastSecond. */
let secondPrefix = "";

/**
 * pino's `time` member as ISO-8601 UTC (Date's toISOString), formatted once per millisecond however many lines share
 * it, and its date and time of day once per second (a busy server starts a new millisecond with most lines).
 */
function isoTime(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    const second = Math.floor(now / 1000);
    if (second !== lastSecond) {
      lastSecond = second;
      secondPrefix = `,"time":"${new Date(second * 1000).toISOString().slice(0, 20)}`;
    }
    const ms = now - second * 1000;
    lastTime = `${secondPrefix}${ms < 10 ? "00" : ms < 100 ? "0" : ""}${ms}Z"`;
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
