/**
 * JSON log lines on stdout, one object per line, for CloudWatch Logs (awslogs driver on ECS,
 * the Greengrass log manager on devices).
 */

export const LEVELS = ["debug", "info", "warn", "error"] as const;
export type Level = (typeof LEVELS)[number];

/** Where log and metric lines go; the default writes to stdout. */
export type Sink = (text: string) => void;

export const stdoutSink: Sink = (text) => {
  process.stdout.write(text);
};

export class Logger {
  private readonly threshold: number;

  constructor(
    readonly level: Level = "info",
    private readonly sink: Sink = stdoutSink,
  ) {
    this.threshold = LEVELS.indexOf(level);
  }

  enabled(level: Level): boolean {
    return LEVELS.indexOf(level) >= this.threshold;
  }

  /** The line for a record (with a trailing newline), or "" when the level is below the threshold. */
  format(level: Level, msg: string, fields: Record<string, unknown> = {}): string {
    if (!this.enabled(level)) return "";
    return JSON.stringify({ level, time: new Date().toISOString(), msg, ...fields }) + "\n";
  }

  log(level: Level, msg: string, fields?: Record<string, unknown>): void {
    const line = this.format(level, msg, fields);
    if (line) this.sink(line);
  }

  /** Writes preformatted lines in one call (a request's log line together with its metric line). */
  write(text: string): void {
    if (text) this.sink(text);
  }
}
