/** The built bundle as a child process: default model path, MODEL_PATH watched, start-up failures, SIGTERM drain. */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, fixture, MODEL_PATH, modelText, parseRaw, rawConnect, ROOT, waitFor } from "./support";

interface Child {
  proc: ChildProcess;
  lines: () => Array<Record<string, any>>;
  exited: Promise<number | null>;
}

let app: string;
let bundle: string;

beforeAll(() => {
  // Same layout as the image: <app>/dist/server.js next to <app>/model/model.json.
  app = mkdtempSync(join(tmpdir(), "service-bundle-"));
  bundle = join(app, "dist", "server.js");
  const build = spawnSync(process.execPath, [join(ROOT, "service", "build.mjs"), "--outfile", bundle], { encoding: "utf8" });
  expect(build.status, build.stderr).toBe(0);
  mkdirSync(join(app, "model"));
  copyFileSync(MODEL_PATH, join(app, "model", "model.json"));
});

afterAll(() => rmSync(app, { recursive: true, force: true }));

function run(env: Record<string, string>): Child {
  const proc = spawn(process.execPath, [bundle], {
    cwd: app,
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout!.on("data", (c: Buffer) => (out += c.toString("utf8")));
  proc.stderr!.resume();
  const exited = new Promise<number | null>((done) => proc.once("exit", (code) => done(code)));
  const lines = () =>
    out
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, any>);
  return { proc, lines, exited };
}

async function ready(child: Child): Promise<number> {
  await waitFor("model loaded", () => child.lines().some((l) => l.msg === "model loaded" || l.level === "error"));
  const listening = child.lines().find((l) => l.msg === "listening");
  expect(child.lines().find((l) => l.msg === "model loaded")).toBeDefined();
  return listening!.port as number;
}

describe("service bundle", () => {
  it("loads the shipped model from ../model relative to the bundle", async () => {
    const child = run({});
    const port = await ready(child);
    const loaded = child.lines().find((l) => l.msg === "model loaded")!;
    expect(loaded).toMatchObject({ level: "info", model_version: fixture().model_version, model_uri: join(app, "model", "model.json"), trees: 100 });
    expect(port).toBeGreaterThan(0);
    child.proc.kill("SIGINT");
    expect(await child.exited).toBe(0);
  });

  it("drains an in-flight request on SIGTERM, then exits 0", async () => {
    const child = run({ SHUTDOWN_TIMEOUT_MS: "5000" });
    const port = await ready(child);
    const { instances, predictions, model_version } = fixture();
    const body = JSON.stringify({ instances: instances.slice(0, 2) });
    const conn = await rawConnect(port);
    conn.socket.write(`POST /forecast HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    conn.socket.write(body.slice(0, 30));
    await new Promise((r) => setTimeout(r, 100));

    child.proc.kill("SIGTERM");
    await waitFor("draining", () => child.lines().some((l) => l.msg === "draining"));
    expect(child.proc.exitCode).toBeNull();
    // While draining the listener stays open: a health check on a new connection sees 503.
    const health = await call(port, "GET", "/health");
    expect([health.status, health.json(), health.headers.connection]).toEqual([503, { status: "draining" }, "close"]);

    conn.socket.write(body.slice(30));
    await conn.closed;
    const reply = parseRaw(conn.received());
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ predictions: predictions.slice(0, 2), model_version });
    expect(await child.exited).toBe(0);
    const msgs = child.lines().map((l) => l.msg ?? (l._aws ? "(EMF metrics)" : "?"));
    // After "draining": the health check's line, the drained request's line, its metrics, then "stopped".
    const tail = child.lines().slice(-5);
    expect(msgs.slice(-5)).toEqual(["draining", "request", "request", "(EMF metrics)", "stopped"]);
    // /health's 503 while draining is what the load balancer should see, logged at info, not as an error.
    expect(tail.filter((l) => l.msg === "request").map((l) => [l.path, l.status, l.level])).toEqual([["/health", 503, "info"], ["/forecast", 200, "info"]]);
    expect(tail.find((l) => l._aws)).toMatchObject({ RequestCount: 1, Prediction_Z: [expect.any(Number), expect.any(Number)] });
    expect(child.lines().find((l) => l.msg === "draining")).toMatchObject({ signal: "SIGTERM", timeout_ms: 5000 });
  });

  it("treats a signal repeated within a second as the same stop, and one later as a stop at once", async () => {
    const child = run({ SHUTDOWN_TIMEOUT_MS: "10000" });
    const port = await ready(child);
    const conn = await rawConnect(port);
    conn.socket.write("POST /forecast HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{");
    await new Promise((r) => setTimeout(r, 100));
    // As `npm run serve` under Ctrl-C delivers it: once to the process group, once more forwarded by npm.
    child.proc.kill("SIGINT");
    await waitFor("draining", () => child.lines().some((l) => l.msg === "draining"));
    child.proc.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 300));
    expect(child.proc.exitCode).toBeNull();
    await new Promise((r) => setTimeout(r, 800));
    child.proc.kill("SIGTERM");
    expect(await child.exited).toBe(143);
    expect(child.lines().map((l) => l.msg).slice(-2)).toEqual(["draining", "second SIGTERM: stopping at once"]);
  });

  /** The server, a connection that sent `partial` and never more, then SIGTERM with a 300 ms timeout: the log lines. */
  async function cutAtShutdown(partial: string): Promise<Array<Record<string, any>>> {
    const child = run({ SHUTDOWN_TIMEOUT_MS: "300" });
    const conn = await rawConnect(await ready(child));
    conn.socket.write(partial);
    await new Promise((r) => setTimeout(r, 100));
    child.proc.kill("SIGTERM");
    expect(await child.exited).toBe(1);
    expect(child.lines().at(-1)).toMatchObject({ level: "error", msg: "in-flight requests cut after 300 ms" });
    return child.lines();
  }

  it("exits 1 after the shutdown timeout when a request never completes, logging the cut request", async () => {
    const lines = await cutAtShutdown("POST /forecast HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{");
    // The cut request still has its line, before the last one, saying it got no answer and why.
    expect(lines.at(-2)).toMatchObject({
      msg: "request",
      path: "/forecast",
      status: 499,
      error: "connection cut at shutdown: the request did not finish within 300 ms",
    });
  });

  it("exits 1 after the shutdown timeout when a client never finishes its request's headers", async () => {
    // Not yet a request (no line of its own), but its connection was cut: not a clean stop.
    expect((await cutAtShutdown("POST /forecast HTTP/1.1\r\nHost: x\r\nContent-Ty")).at(-2)).toMatchObject({ msg: "draining" });
  });

  it("stops with one error line when the model file fails validation", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bad-model-"));
    const bad = JSON.parse(modelText());
    bad.trees[3].left[2] = 1;
    writeFileSync(join(dir, "model.json"), JSON.stringify(bad));
    try {
      const child = run({ MODEL_URI: join(dir, "model.json") });
      expect(await child.exited).toBe(1);
      const errors = child.lines().filter((l) => l.level === "error");
      expect(errors).toHaveLength(1);
      expect(errors[0]!.msg).toBe(`model ${join(dir, "model.json")}: trees[3].left[2]: child 1 must be after node 2 and below 15`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("with MODEL_PATH waits for the model, serves each valid file renamed over it, logs one line for an invalid one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "device-model-"));
    const path = join(dir, "model.json");
    const install = (text: string, name: string) => {
      writeFileSync(join(dir, name), text);
      renameSync(join(dir, name), path);
    };
    try {
      const child = run({ MODEL_PATH: path, METRICS_SERVICE: "hbs-fleet" });
      await waitFor("waiting for model", () => child.lines().some((l) => l.msg === "waiting for model"));
      const port = child.lines().find((l) => l.msg === "listening")!.port as number;
      const waiting = await call(port, "GET", "/health");
      expect([waiting.status, waiting.json()]).toEqual([503, { status: "waiting for model", model_path: path }]);
      expect((await call(port, "POST", "/forecast", JSON.stringify({ instances: fixture().instances.slice(0, 1) }))).status).toBe(503);

      install(modelText(), ".model.json.1");
      await waitFor("model loaded", () => child.lines().some((l) => l.msg === "model loaded"));
      const { instances, predictions, model_version } = fixture();
      const reply = await call(port, "POST", "/forecast", JSON.stringify({ instances: instances.slice(0, 2) }));
      expect(reply.json()).toEqual({ predictions: predictions.slice(0, 2), model_version });
      await waitFor("the EMF line", () => child.lines().some((l) => l._aws));
      expect(child.lines().find((l) => l._aws)).toMatchObject({ Service: "hbs-fleet", RequestCount: 1, Prediction_Z: [expect.any(Number), expect.any(Number)] });

      const bad = JSON.parse(modelText());
      bad.input_fields[1].name = "9length";
      install(JSON.stringify(bad), ".model.json.2");
      await waitFor("model refused", () => child.lines().some((l) => l.msg === "model refused"));
      const refused = child.lines().filter((l) => l.msg === "model refused");
      expect(refused).toHaveLength(1);
      expect(refused[0]).toMatchObject({ level: "error", model_path: path, serving: model_version });
      expect(refused[0]!.error).toBe(`model ${path}: input_fields[1].name: must be a name of letters, digits and _`);
      expect((await call(port, "GET", "/health")).json()).toEqual({ status: "ok", model_version });

      child.proc.kill("SIGTERM");
      expect(await child.exited).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("stops with one line when MODEL_PATH's directory cannot be watched", async () => {
    const child = run({ MODEL_PATH: "/nonexistent-model-dir/model.json" });
    expect(await child.exited).toBe(1);
    const errors = child.lines().filter((l) => l.level === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toMatch(/^MODEL_PATH \/nonexistent-model-dir\/model\.json: cannot watch its directory: ENOENT/);
  });

  it("stops with one line when more than one model source is set", async () => {
    const child = run({ MODEL_PATH: "/m/model.json", MODEL_URI: "/m/model.json" });
    expect(await child.exited).toBe(1);
    expect(child.lines()).toEqual([
      {
        level: "error",
        time: expect.any(String),
        msg: "config error: MODEL_PATH and MODEL_URI are both set: set at most one (MODEL_POINTER in the cloud, MODEL_PATH on devices, MODEL_URI for local use)",
      },
    ]);
  });

  it("stops with one line for a bad setting", async () => {
    const child = run({ PORT: "5000x" });
    expect(await child.exited).toBe(1);
    expect(child.lines()).toEqual([
      { level: "error", time: expect.any(String), msg: 'config error: PORT="5000x": must be an integer from 0 to 65535' },
    ]);
  });

  it("stops with one line when the port is taken", async () => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, "127.0.0.1", () => r()));
    const port = (holder.address() as { port: number }).port;
    try {
      const child = run({ PORT: String(port) });
      expect(await child.exited).toBe(1);
      const [line] = child.lines();
      expect(line).toMatchObject({ level: "error" });
      expect(line!.msg).toContain(`cannot listen on 127.0.0.1:${port}: listen EADDRINUSE`);
    } finally {
      holder.close();
    }
  });
});
