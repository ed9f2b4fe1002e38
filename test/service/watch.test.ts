/**
 * MODEL_PATH in one process: the service waits for the model file, swaps in each valid new one renamed
 * over it (a real temporary directory, a real rename, as the model component installs a release),
 * refuses an invalid one and keeps serving, and answers a request with the model it arrived with.
 * Every wait is bounded (waitFor, 10 s).
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync, type FSWatcher } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ModelFile } from "../../service/src/model";
import { ModelWatcher, watchModelFile } from "../../service/src/watch";
import { call, fixture, modelText, parseRaw, post, rawConnect, shippedModel, startService, waitFor } from "./support";

const { instances, predictions, model_version } = fixture();
const good = instances[0]!;

/** The shipped model under another version, its predictions moved by `shift`. */
function variant(version: string, shift: number): ModelFile {
  const model = shippedModel();
  return { ...model, model_version: version, init: model.init + shift };
}

let dir: string;
let path: string;
let written = 0;

/** Installs `text` as the model component does: a temporary file in the directory, renamed over model.json. */
function install(text: string): void {
  const temporary = join(dir, `.model.json.${written++}`);
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "model-dir-"));
  path = join(dir, "model.json");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function watched(timing = { debounceMs: 50, maxDelayMs: 300 }) {
  const ctx = await startService(null);
  const watcher = await watchModelFile(ctx.service, ctx.log, path, timing);
  const health = async () => {
    const reply = await call(ctx.port, "GET", "/health");
    return { status: reply.status, body: reply.json() };
  };
  const stop = async () => {
    watcher.close();
    await ctx.service.shutdown(1_000);
  };
  return { ...ctx, watcher, health, stop };
}

/** Polls /health until it names `version` (bounded by waitFor's 10 s). */
async function servedVersion(ctx: Awaited<ReturnType<typeof watched>>, version: string): Promise<void> {
  let last: unknown;
  const deadline = Date.now() + 10_000;
  for (;;) {
    last = await ctx.health();
    if ((last as { body: { model_version?: string } }).body.model_version === version) return;
    if (Date.now() > deadline) throw new Error(`model ${version} not served within 10 s; /health: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("MODEL_PATH: the served model file, watched", () => {
  it("waits for the first model with 503s, then serves it once it is renamed into place", async () => {
    const ctx = await watched();
    try {
      expect(await ctx.health()).toEqual({ status: 503, body: { status: "waiting for model", model_path: path } });
      const forecast = await post(ctx.port, { instances: [good] });
      expect([forecast.status, forecast.json()]).toEqual([503, { error: `waiting for model: no valid model file at ${path} yet`, field: null }]);
      expect((await call(ctx.port, "GET", "/model")).status).toBe(503);
      expect(ctx.parsed().find((l) => l.msg === "waiting for model")).toMatchObject({ level: "info", model_path: path });

      install(modelText());
      await servedVersion(ctx, model_version);
      expect(await ctx.health()).toEqual({ status: 200, body: { status: "ok", model_version } });
      const reply = await post(ctx.port, { instances: instances.slice(0, 3) });
      expect(reply.json()).toEqual({ predictions: predictions.slice(0, 3), model_version });
      const loaded = ctx.parsed().find((l) => l.msg === "model loaded")!;
      expect(loaded).toMatchObject({ level: "info", model_version, model_path: path, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), trees: 100 });
    } finally {
      await ctx.stop();
    }
  });

  it("swaps a valid new model in, refuses an invalid one with one error line and keeps serving the old", async () => {
    install(modelText());
    const ctx = await watched();
    try {
      await servedVersion(ctx, model_version);
      install(JSON.stringify(variant("v2", 1)));
      await servedVersion(ctx, "v2");
      const moved = (await post(ctx.port, { instances: [good] })).json();
      expect(moved.model_version).toBe("v2");
      expect(moved.predictions[0]).toBeCloseTo(predictions[0]! + 1, 9);
      expect((await call(ctx.port, "GET", "/model")).json().model_version).toBe("v2");
      expect(ctx.parsed().filter((l) => l.msg === "model loaded").map((l) => [l.model_version, l.previous_model_version])).toEqual([
        [model_version, undefined],
        ["v2", model_version],
      ]);

      const broken = JSON.parse(modelText());
      broken.model_version = "v3";
      broken.trees[3].left[2] = 1;
      install(JSON.stringify(broken));
      await waitFor("the refusal", () => ctx.parsed().some((l) => l.msg === "model refused"));
      const refusals = ctx.parsed().filter((l) => l.msg === "model refused");
      expect(refusals).toEqual([
        {
          level: "error",
          time: expect.any(String),
          msg: "model refused",
          model_path: path,
          error: `model ${path}: trees[3].left[2]: child 1 must be after node 2 and below 15`,
          serving: "v2",
        },
      ]);
      expect(await ctx.health()).toEqual({ status: 200, body: { status: "ok", model_version: "v2" } });
      expect((await post(ctx.port, { instances: [good] })).json()).toEqual(moved);

      install("{ not json");
      await waitFor("the second refusal", () => ctx.parsed().filter((l) => l.msg === "model refused").length === 2);
      expect(ctx.parsed().filter((l) => l.msg === "model refused")[1]!.error).toMatch(new RegExp(`^model ${path}: not valid JSON: `));
      expect((await post(ctx.port, { instances: [good] })).json().model_version).toBe("v2");
    } finally {
      await ctx.stop();
    }
  });

  it("says why it still waits when the first file is refused", async () => {
    install('{"format": "edge-mlops/gradient-boosted-trees"}');
    const ctx = await watched();
    try {
      const health = await ctx.health();
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ status: "waiting for model", model_path: path });
      expect(health.body.refused).toContain(`model ${path}: `);
      const forecast = (await post(ctx.port, { instances: [good] })).json();
      expect(forecast.error).toBe(`waiting for model: no valid model file at ${path} yet (the last one was refused: ${health.body.refused})`);
      expect(ctx.parsed().filter((l) => l.msg === "model refused")).toHaveLength(1);
      install(modelText());
      await servedVersion(ctx, model_version);
    } finally {
      await ctx.stop();
    }
  });

  it("logs a failed watch and keeps serving", async () => {
    install(modelText());
    const ctx = await watched();
    try {
      await servedVersion(ctx, model_version);
      // What fs.watch reports when inotify gives up (such as EMFILE); there is no portable way to cause it.
      const fsWatcher = (ctx.watcher as unknown as { watcher: FSWatcher }).watcher;
      fsWatcher.emit("error", Object.assign(new Error("EMFILE: too many open files, watch"), { code: "EMFILE" }));
      expect(ctx.parsed().filter((l) => l.level === "warn")).toEqual([
        {
          level: "warn",
          time: expect.any(String),
          model_path: path,
          msg: `stopped watching ${dir}: EMFILE: too many open files, watch; the served model stays until a restart`,
        },
      ]);
      expect(await ctx.health()).toEqual({ status: 200, body: { status: "ok", model_version } });
    } finally {
      await ctx.stop();
    }
  });

  it("answers a request in flight with the model it arrived with, the next with the new one", async () => {
    install(modelText());
    const ctx = await watched();
    try {
      await servedVersion(ctx, model_version);
      const body = JSON.stringify({ instances: [good] });
      const conn = await rawConnect(ctx.port);
      conn.socket.write(`POST /forecast HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
      conn.socket.write(body.slice(0, 20));
      await waitFor("the request to arrive", () => ctx.service.inFlight === 1);
      install(JSON.stringify(variant("v2", 2)));
      await servedVersion(ctx, "v2");
      conn.socket.write(body.slice(20));
      await conn.closed;
      expect(JSON.parse(parseRaw(conn.received()).body)).toEqual({ predictions: [predictions[0]], model_version });
      const next = (await post(ctx.port, { instances: [good] })).json();
      expect([next.model_version, next.predictions[0]]).toEqual(["v2", predictions[0]! + 2]);
      // Each request's log line names the model that answered it.
      const forecasts = ctx.parsed().filter((l) => l.msg === "request" && l.path === "/forecast");
      expect(forecasts.map((l) => l.model_version)).toEqual([model_version, "v2"]);
    } finally {
      await ctx.stop();
    }
  });
});

describe("ModelWatcher", () => {
  it("checks a burst of renames a bounded number of times and ends on the last file", async () => {
    const seen: string[] = [];
    const watcher = new ModelWatcher({ path, debounceMs: 50, maxDelayMs: 200, onModel: (m) => seen.push(m.model_version), onRefused: (p) => seen.push(p) });
    await watcher.start();
    try {
      const texts = Array.from({ length: 20 }, (_, i) => JSON.stringify(variant(`burst-${i}`, i)));
      for (const text of texts) install(text);
      await waitFor("the last model", () => seen.at(-1) === "burst-19");
      await new Promise((r) => setTimeout(r, 200));
      expect(seen.length).toBeLessThanOrEqual(3);
      expect(seen.at(-1)).toBe("burst-19");
    } finally {
      watcher.close();
    }
  });

  it("checks within maxDelayMs even while events keep coming", async () => {
    const seen: Array<[string, number]> = [];
    const watcher = new ModelWatcher({ path, debounceMs: 100, maxDelayMs: 250, onModel: (m) => seen.push([m.model_version, Date.now()]), onRefused: () => {} });
    await watcher.start();
    try {
      const started = Date.now();
      // A rename every 30 ms for 1.2 s: the quiet time of 100 ms never comes.
      for (let i = 0; Date.now() - started < 1_200; i++) {
        install(JSON.stringify(variant(`stream-${i}`, 0)));
        await new Promise((r) => setTimeout(r, 30));
      }
      const ended = Date.now();
      expect(seen.length).toBeGreaterThanOrEqual(2);
      expect(seen[0]![1] - started).toBeLessThan(1_000);
      expect(seen.every(([, at]) => at <= ended)).toBe(true);
    } finally {
      watcher.close();
    }
  });

  it("ignores other files in the directory and a file rewritten with the same content", async () => {
    let checks = 0;
    install(modelText());
    const watcher = new ModelWatcher({ path, debounceMs: 20, maxDelayMs: 100, onModel: () => checks++, onRefused: () => checks++ });
    await watcher.start();
    try {
      expect(checks).toBe(1);
      writeFileSync(join(dir, "other.json"), "{}");
      install(modelText());
      await new Promise((r) => setTimeout(r, 300));
      expect(checks).toBe(1);
      install(JSON.stringify(variant("v2", 0)));
      await waitFor("the new model", () => checks === 2);
    } finally {
      watcher.close();
    }
  });

  it("fails to start when the directory does not exist", async () => {
    const watcher = new ModelWatcher({ path: join(dir, "missing", "model.json"), onModel: () => {}, onRefused: () => {} });
    await expect(watcher.start()).rejects.toThrow(/ENOENT/);
  });
});
