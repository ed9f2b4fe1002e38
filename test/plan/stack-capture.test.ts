// The offline run captures no stack traces unless PULUMI_DEBUG_PROMISE_LEAKS asks for them: @pulumi/pulumi's
// debuggable promises would otherwise format one per output and resource promise, and every resource's constructor
// would take an unlimited stack for its source position (scripts/offline/run.ts).
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it } from "vitest";
import { runOffline, STALLED_HINT, STALLED_MESSAGE, withoutStackCapture } from "../../scripts/offline/run";

const frames = (stack: string | undefined) => (stack ?? "").split("\n").filter((line) => line.trim().startsWith("at ")).length;
const saved = process.env.PULUMI_DEBUG_PROMISE_LEAKS;
/** The SDK's debuggable promise wrapper (runtime/debuggable.js): a new promise around the one given. */
const debuggable = createRequire(__filename)("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: (p: Promise<unknown>, ctx: string) => Promise<unknown> };
const wrapped = (p: Promise<unknown>) => debuggable.debuggablePromise(p, "test") !== p;
/** The SDK's call-site capture of a resource's constructor (resource.js). */
const callsites = () => (pulumi.Resource as unknown as { callsites: () => unknown[] }).callsites();

afterEach(() => {
  if (saved === undefined) delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
  else process.env.PULUMI_DEBUG_PROMISE_LEAKS = saved;
});

describe("stack capture during the offline run", () => {
  it("captures no frames inside, keeps the message, and restores the limit after a throw", async () => {
    delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
    const before = Error.stackTraceLimit;
    expect(before).toBeGreaterThan(0);
    const inside = await withoutStackCapture(async () => new Error("edge-mlops:network.cidrBlock is not a CIDR"));
    expect(frames(inside.stack)).toBe(0);
    expect(inside.stack).toBe("Error: edge-mlops:network.cidrBlock is not a CIDR");
    await expect(withoutStackCapture(async () => { throw new Error("boom"); })).rejects.toThrow("boom");
    expect(Error.stackTraceLimit).toBe(before);
    expect(frames(new Error("after").stack)).toBeGreaterThan(0);
  });

  it("takes no call sites for resources and wraps no promise inside, and restores the SDK's aids after a throw", async () => {
    delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
    const done = Promise.resolve(1);
    expect([callsites().length > 0, wrapped(done)]).toEqual([true, true]);
    expect(await withoutStackCapture(async () => [callsites(), wrapped(done)])).toEqual([[], false]);
    await expect(withoutStackCapture(async () => { throw new Error("boom"); })).rejects.toThrow("boom");
    expect([callsites().length > 0, wrapped(done)]).toEqual([true, true]);
  });

  it("keeps stacks when PULUMI_DEBUG_PROMISE_LEAKS is set", async () => {
    process.env.PULUMI_DEBUG_PROMISE_LEAKS = "1";
    const inside = await withoutStackCapture(async () => new Error("x"));
    expect(frames(inside.stack)).toBeGreaterThan(0);
    expect(await withoutStackCapture(async () => [callsites().length > 0, wrapped(Promise.resolve(1))])).toEqual([true, true]);
  });

  it("runOffline runs the program without stack capture", async () => {
    delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
    let stack: string | undefined;
    await runOffline({ project: "p", stack: "s", config: {}, program: () => { stack = new Error("in program").stack; return {}; } });
    expect(stack).toBe("Error: in program");
  });

  /** A process that runs `program` (JavaScript source of a function) offline and prints "resolved" when the run ends. */
  const runInProcess = (program: string, env: Record<string, string> = {}) => {
    const code = `require("./scripts/offline/run.ts").runOffline({ project: "p", stack: "s", config: {}, program: ${program} }).then(() => console.log("resolved"));`;
    const { PULUMI_DEBUG_PROMISE_LEAKS: _, ...rest } = process.env;
    return spawnSync(process.execPath, ["--import", "tsx", "-e", code], { cwd: join(__dirname, "..", ".."), env: { ...rest, ...env }, encoding: "utf8", timeout: 60_000 });
  };

  it("fails, with one line, a program that never resolves (exit 1 instead of a quiet exit 0)", () => {
    const stuck = runInProcess("() => new Promise(() => {})");
    expect([stuck.status, stuck.stdout, stuck.stderr.trim()]).toEqual([1, "", `${STALLED_MESSAGE}${STALLED_HINT}`]);
    const done = runInProcess("() => ({})");
    expect([done.status, done.stdout, done.stderr]).toEqual([0, "resolved\n", ""]);
    // The SDK's own report (with the variable set) counts only its promises: this program has none pending.
    const debug = runInProcess("() => new Promise(() => {})", { PULUMI_DEBUG_PROMISE_LEAKS: "1" });
    expect([debug.status, debug.stdout, debug.stderr.trim()]).toEqual([1, "", STALLED_MESSAGE]);
  }, 120_000);
});
