// The service's log lines (service/src/log.ts): pino JSON with `time` as Date's own ISO-8601 text at every millisecond.
import { afterEach, describe, expect, it, vi } from "vitest";
import { Logger } from "../../service/src/log";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("Logger", () => {
  it("writes `time` as Date's toISOString at every millisecond of a second, across seconds, days and years", () => {
    const starts = [Date.UTC(2024, 4, 1, 12, 0, 0), Date.UTC(2024, 11, 31, 23, 59, 59), Date.UTC(2028, 1, 29, 0, 0, 0)];
    const times = starts.flatMap((start) => Array.from({ length: 2500 }, (_, i) => start + i));
    const lines: string[] = [];
    const log = new Logger("info", (text) => lines.push(text));
    const now = vi.spyOn(Date, "now");
    for (const t of times) {
      now.mockReturnValue(t);
      log.log("info", "tick");
      log.log("info", "same millisecond");
    }
    const written = lines.map((l) => (JSON.parse(l) as { time: string }).time);
    expect(written).toEqual(times.flatMap((t) => [new Date(t).toISOString(), new Date(t).toISOString()]));
  });
});
