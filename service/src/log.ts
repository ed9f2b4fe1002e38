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
 * Standard output through pino's synchronous destination (sonic-boom on fd 1): each line is one
 * write(2) before the call returns, so nothing is lost or reordered when the process exits at once.
 */
export const stdoutSink: Sink = (text) => {
  stdout ??= pino.destination({ dest: 1, sync: true });
  stdout.write(text);
};

export class Logger {
  /** The pino logger fastify logs through (`loggerInstance`). */
  readonly pino: PinoLogger;

  constructor(
    readonly level: Level = "info",
    private readonly sink: Sink = stdoutSink,
  ) {
    this.pino = pino(
      {
        level,
        base: null,
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      { write: sink },
    );
  }

  log(level: Level, msg: string, fields?: Record<string, unknown>): void {
    this.pino[level](fields ?? {}, msg);
  }

  /** Writes preformatted lines (EMF metric documents) to the log's sink. */
  write(text: string): void {
    if (text) this.sink(text);
  }
}
