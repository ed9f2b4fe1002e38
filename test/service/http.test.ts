import pino from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Predictor } from "../../service/src/predictor";
import { Logger } from "../../service/src/log";
import { InferenceService, MAX_BODY_BYTES } from "../../service/src/server";
import { emfProblems } from "./emf-spec";
import { call, fixture, parseRaw, post, rawConnect, shippedModel, startService, waitFor, writtenZ } from "./support";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const { instances, predictions, model_version } = fixture();
const good = instances[0]!;

describe("inference service over loopback HTTP", () => {
  let ctx: Awaited<ReturnType<typeof startService>>;
  beforeAll(async () => {
    ctx = await startService();
  });
  afterAll(async () => {
    await ctx.service.shutdown(1_000);
  });

  it("POST /forecast returns scikit-learn's predictions within 1e-6 and the model version", async () => {
    const reply = await post(ctx.port, { instances });
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toBe("application/json; charset=utf-8");
    const body = reply.json();
    expect(Object.keys(body)).toEqual(["predictions", "model_version"]);
    expect(body.model_version).toBe(model_version);
    expect(body.predictions).toHaveLength(200);
    body.predictions.forEach((p: number, i: number) => expect(Math.abs(p - predictions[i]!)).toBeLessThan(1e-6));
  });

  it("accepts a charset parameter and a query string", async () => {
    const reply = await call(ctx.port, "POST", "/forecast?debug=1", JSON.stringify({ instances: [good] }), {
      "content-type": "Application/JSON; charset=UTF-8",
    });
    expect(reply.status).toBe(200);
    expect(reply.json().predictions[0]).toBeCloseTo(predictions[0]!, 12);
  });

  it("GET /health is 200 with a loaded model, GET /model gives metadata without trees", async () => {
    expect((await call(ctx.port, "GET", "/health")).json()).toEqual({ status: "ok", model_version });
    const head = await call(ctx.port, "HEAD", "/health");
    expect([head.status, head.text]).toEqual([200, ""]);
    const meta = (await call(ctx.port, "GET", "/model")).json();
    expect(meta.model_version).toBe(model_version);
    expect(meta.trees).toBeUndefined();
    expect(meta.tree_count).toBe(100);
    expect(meta.features).toHaveLength(10);
    expect(Object.keys(meta.training_statistics.features)).toEqual([
      "length", "diameter", "height", "whole_weight", "shucked_weight", "viscera_weight", "shell_weight",
    ]);
    expect(meta.metrics.train.rows).toBe(4177);
  });

  it("returns a request id: the caller's when sane, a fresh UUID otherwise", async () => {
    const own = await call(ctx.port, "GET", "/health", undefined, { "x-request-id": "trace-42.a_b:c" });
    expect(own.headers["x-request-id"]).toBe("trace-42.a_b:c");
    const bad = await call(ctx.port, "GET", "/health", undefined, { "x-request-id": "x".repeat(200) });
    expect(bad.headers["x-request-id"]).toMatch(UUID);
    const none = await call(ctx.port, "GET", "/health");
    expect(none.headers["x-request-id"]).toMatch(UUID);
  });

  it("logs each request under its id: the caller's when well-formed, else the fresh UUID it answers with", async () => {
    ctx.lines.length = 0;
    const replies = [
      await call(ctx.port, "GET", "/health", undefined, { "x-request-id": "lb-7f3a.1:2_b" }),
      await call(ctx.port, "GET", "/health", undefined, { "x-request-id": "has space" }),
      await post(ctx.port, { instances: [good] }),
      await call(ctx.port, "GET", "/nowhere", undefined, { "x-request-id": "not-found-1" }),
      await call(ctx.port, "GET", "/%zz", undefined, { "x-request-id": "bad-url-1" }),
      await post(ctx.port, "{", { "content-type": "application/json", "x-request-id": "x".repeat(129) }),
    ];
    const ids = replies.map((r) => r.headers["x-request-id"] as string);
    expect(ids.filter((id) => !UUID.test(id))).toEqual(["lb-7f3a.1:2_b", "not-found-1", "bad-url-1"]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 404, 400, 400]);
    expect(ctx.parsed().filter((l) => l.msg === "request").map((l) => l.request_id)).toEqual(ids);
  });

  it("logs through fastify's logger: pino JSON lines, request lines from the request's child logger", async () => {
    ctx.service.flushMetrics();
    ctx.lines.length = 0;
    expect((ctx.service.app.log as unknown as { version: string }).version).toBe(pino.version);
    ctx.service.app.log.warn({ probe: 1 }, "probe");
    await call(ctx.port, "GET", "/model", undefined, { "x-request-id": "log-check" });
    const [probe, request, ...rest] = ctx.parsed();
    expect(rest).toEqual([]);
    expect(probe).toEqual({ level: "warn", time: expect.any(String), probe: 1, msg: "probe" });
    // pino's layout: level, time, the child logger's bindings (fastify binds the request id), the fields, msg.
    expect(Object.keys(request!)).toEqual(["level", "time", "request_id", "method", "path", "status", "duration_ms", "instances", "msg"]);
    expect(request).toMatchObject({ level: "info", request_id: "log-check", path: "/model", status: 200, msg: "request" });
  });

  it("writes one JSON log line per request, and a forecast's drift metrics as an EMF line once flushed", async () => {
    ctx.service.flushMetrics();
    ctx.lines.length = 0;
    const body = { instances: instances.slice(0, 3) };
    const reply = await call(ctx.port, "POST", "/forecast", JSON.stringify(body), {
      "content-type": "application/json",
      "x-request-id": "emf-check",
    });
    await call(ctx.port, "GET", "/nowhere", undefined, { "x-request-id": "missing-route" });
    ctx.service.flushMetrics();
    const [log, notFound, emf, ...rest] = ctx.parsed();
    expect(rest).toEqual([]);
    expect(log).toMatchObject({ level: "info", msg: "request", request_id: "emf-check", method: "POST", path: "/forecast", status: 200, instances: 3 });
    expect(typeof log!.duration_ms).toBe("number");
    expect(new Date(log!.time).toISOString()).toBe(log!.time);
    expect(notFound).toMatchObject({ request_id: "missing-route", method: "GET", path: "/nowhere", status: 404, instances: 0 });
    expect(notFound!.error).toContain("no route for /nowhere");

    const got = reply.json().predictions as number[];
    const stats = shippedModel().training_statistics;
    expect(log!.model_version).toBe(model_version);
    expect(emf!._aws).toEqual({
      Timestamp: 1_700_000_000_000,
      CloudWatchMetrics: [{ Namespace: "EdgeMlops/Inference", Dimensions: [["Service"]], Metrics: expect.any(Array) }],
    });
    expect(emf!._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name)).toEqual([
      "RequestCount", "Prediction_Z", "Feature_length_Z", "Feature_diameter_Z", "Feature_height_Z",
      "Feature_whole_weight_Z", "Feature_shucked_weight_Z", "Feature_viscera_weight_Z", "Feature_shell_weight_Z",
    ]);
    expect([emf!.Service, emf!.RequestCount, emf!.ModelVersion]).toEqual(["local", 1, undefined]);
    expect(emf!.Prediction_Z).toEqual(got.map((p) => writtenZ(p, stats.prediction.mean, stats.prediction.std)));
    for (const field of ["length", "height", "shell_weight"]) {
      const { mean, std } = stats.features[field]!;
      expect(emf![`Feature_${field}_Z`]).toEqual(body.instances.map((i) => writtenZ(i[field] as number, mean, std)));
    }
    expect(emfProblems(emf!)).toEqual([]);
  });

  it("writes a request of more than 100 instances as several EMF lines: the full one after its log line, the rest once flushed", async () => {
    ctx.service.flushMetrics();
    ctx.lines.length = 0;
    const reply = await post(ctx.port, { instances: instances.slice(0, 150) });
    expect(reply.status).toBe(200);
    const [log, ...full] = ctx.parsed();
    expect(log).toMatchObject({ msg: "request", instances: 150, status: 200 });
    ctx.service.flushMetrics();
    const docs = ctx.parsed().slice(1);
    expect(docs.slice(0, full.length)).toEqual(full);
    expect(docs.map((d) => [d.RequestCount, d.Prediction_Z.length, emfProblems(d)])).toEqual([[1, 100, []], [undefined, 50, []]]);
  });

  it("gathers the drift metrics of many forecasts into few documents within the flush interval: every z value and request exactly once", async () => {
    const ctx = await startService(undefined, undefined, undefined, 50);
    const stats = shippedModel().training_statistics;
    const sizes = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 1, 1];
    const answered: number[][] = [];
    const sent: Array<Record<string, string | number>> = [];
    try {
      for (const [r, size] of sizes.entries()) {
        const body = instances.slice(r, r + size);
        sent.push(...body);
        answered.push((await post(ctx.port, { instances: body })).json().predictions);
      }
      await waitFor("the last EMF line", () => ctx.parsed().filter((l) => l._aws).flatMap((d) => d.Prediction_Z).length === sent.length, 2_000);
    } finally {
      await ctx.service.shutdown(1_000);
    }
    const docs = ctx.parsed().filter((l) => l._aws);
    expect(docs.length).toBeLessThanOrEqual(4);
    for (const doc of docs) expect([emfProblems(doc), doc._aws.Timestamp]).toEqual([[], 1_700_000_000_000]);
    expect(docs.reduce((n, d) => n + (d.RequestCount ?? 0), 0)).toBe(sizes.length);
    expect(docs.flatMap((d) => d.Prediction_Z)).toEqual(answered.flat().map((p) => writtenZ(p, stats.prediction.mean, stats.prediction.std)));
    for (const field of ["length", "whole_weight", "shell_weight"]) {
      const { mean, std } = stats.features[field]!;
      expect(docs.flatMap((d) => d[`Feature_${field}_Z`])).toEqual(sent.map((i) => writtenZ(i[field] as number, mean, std)));
    }
  });

  it("writes the old model's buffered drift metrics, standardised with its statistics, before serving a new model", async () => {
    const ctx = await startService();
    const old = shippedModel();
    const next = structuredClone(old);
    next.model_version = "0123456789ab";
    next.training_statistics.prediction = { ...old.training_statistics.prediction, mean: old.training_statistics.prediction.mean + 1 };
    try {
      const before = (await post(ctx.port, { instances: [good] })).json();
      ctx.service.setModel(next);
      const swapped = ctx.parsed().filter((l) => l._aws);
      const after = (await post(ctx.port, { instances: [good] })).json();
      expect([before.model_version, after.model_version]).toEqual([model_version, "0123456789ab"]);
      ctx.service.flushMetrics();
      const docs = ctx.parsed().filter((l) => l._aws);
      expect(docs.slice(0, swapped.length)).toEqual(swapped);
      const z = (p: number, stats: { mean: number; std: number }) => writtenZ(p, stats.mean, stats.std);
      expect(docs.map((d) => [d.RequestCount, d.Prediction_Z])).toEqual([
        [1, [z(before.predictions[0], old.training_statistics.prediction)]],
        [1, [z(after.predictions[0], next.training_statistics.prediction)]],
      ]);
      expect(swapped).toHaveLength(1);
    } finally {
      await ctx.service.shutdown(1_000);
    }
  });

  const bigValid = JSON.stringify({ instances: [good] }).replace("}]}", `}]${" ".repeat(MAX_BODY_BYTES)}}`);
  const oneInf = JSON.stringify({ instances: [good] }).replace(`"height":${good.height}`, '"height":1e999');
  const nested = (depth: number) => `{"instances":[${JSON.stringify(good).replace(`"length":${good.length}`, `"length":${"[".repeat(depth)}${"]".repeat(depth)}`)}]}`;
  const badInputs: Array<[string, () => ReturnType<typeof call>, number, string | null, string]> = [
    ["malformed JSON", () => post(ctx.port, '{"instances": ['), 400, null, "request body is not valid JSON"],
    ["NaN literal", () => post(ctx.port, '{"instances": [{"length": NaN}]}'), 400, null, "request body is not valid JSON"],
    ["an empty body", () => post(ctx.port, ""), 400, null, "request body is empty"],
    ["invalid UTF-8", () => post(ctx.port, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), 400, null, "request body is not valid UTF-8"],
    ["text/plain", () => post(ctx.port, JSON.stringify({ instances: [good] }), { "content-type": "text/plain" }), 415, null, 'content-type must be application/json (utf-8), got "text/plain"'],
    ["no content type", () => post(ctx.port, JSON.stringify({ instances: [good] }), {}), 415, null, "none given"],
    ["a gzip transfer coding", () => post(ctx.port, "{}", { "content-type": "application/json", "transfer-encoding": "gzip, chunked" }), 400, null, 'transfer-encoding must be chunked or absent, got "gzip, chunked"'],
    ["a body of a byte order mark alone", () => post(ctx.port, Buffer.from([0xef, 0xbb, 0xbf])), 400, null, "request body is empty"],
    ["a gzip-encoded body", () => post(ctx.port, "{}", { "content-type": "application/json", "content-encoding": "gzip" }), 415, null, 'content-encoding must be identity (an uncompressed body), got "gzip"'],
    ["a latin-1 charset", () => post(ctx.port, JSON.stringify({ instances: [good] }), { "content-type": "application/json; charset=iso-8859-1" }), 415, null, "content-type must be application/json"],
    ["a missing field", () => post(ctx.port, { instances: [good, good, good, { ...good, height: undefined }] }), 400, "instances[3].height", "is required"],
    ["an extra field", () => post(ctx.port, { instances: [{ ...good, colour: "red" }] }), 400, "instances[0].colour", "unknown field"],
    ["an extra top-level field", () => post(ctx.port, { instances: [good], debug: true }), 400, "debug", "unknown field"],
    ["a string for a number", () => post(ctx.port, { instances: [{ ...good, diameter: "0.4" }] }), 400, "instances[0].diameter", "must be a number, got string"],
    ["Infinity via 1e999", () => post(ctx.port, oneInf), 400, "instances[0].height", "must be a finite number"],
    ["a negative size", () => post(ctx.port, { instances: [{ ...good, length: -1 }] }), 400, "instances[0].length", "must be >= 0, got -1"],
    ["an unknown sex", () => post(ctx.port, { instances: [good, { ...good, sex: "U" }] }), 400, "instances[1].sex", 'must be one of M, F, I, got "U"'],
    ["zero instances", () => post(ctx.port, { instances: [] }), 400, "instances", "must hold 1 to 1000 instances, got 0"],
    ["1001 instances", () => post(ctx.port, { instances: Array(1001).fill(good) }), 400, "instances", "got 1001"],
    ["deeply nested JSON", () => post(ctx.port, nested(200_000)), 400, "instances[0].length", "must be a number, got array"],
    ["a declared body over 1 MiB", () => post(ctx.port, bigValid, { "content-type": "application/json", "content-length": bigValid.length }), 413, null, "request body exceeds 1048576 bytes"],
    ["a chunked body over 1 MiB", () => post(ctx.port, bigValid, { "content-type": "application/json", "transfer-encoding": "chunked" }), 413, null, "request body exceeds 1048576 bytes"],
    ["GET /forecast", () => call(ctx.port, "GET", "/forecast"), 405, null, "method GET not allowed on /forecast; allowed: POST"],
    ["POST /health", () => call(ctx.port, "POST", "/health", "{}"), 405, null, "allowed: GET, HEAD"],
    ["DELETE /model", () => call(ctx.port, "DELETE", "/model"), 405, null, "allowed: GET, HEAD"],
    ["an unknown path", () => call(ctx.port, "GET", "/predict"), 404, null, "no route for /predict"],
  ];

  it.each(badInputs)("answers %s with a 4xx JSON error and the field at fault", async (_name, send, status, field, message) => {
    const reply = await send();
    expect(reply.status).toBe(status);
    expect(reply.headers["content-type"]).toBe("application/json; charset=utf-8");
    const body = reply.json();
    expect(Object.keys(body)).toEqual(["error", "field"]);
    expect(body.field).toBe(field);
    expect(body.error).toContain(message);
  });

  it("names the allowed methods in a 405's Allow header", async () => {
    expect((await call(ctx.port, "PUT", "/forecast", "{}")).headers.allow).toBe("POST");
    expect((await call(ctx.port, "POST", "/model", "{}")).headers.allow).toBe("GET, HEAD");
  });

  it.each([
    ["an unknown method", "BREW /pot HTCPCP/1.0\r\n\r\n", "unknown method; this service answers GET, HEAD and POST"],
    ["HTTP/1.2", "GET /health HTTP/1.2\r\nHost: x\r\n\r\n", "the HTTP version must be HTTP/1.0 or HTTP/1.1"],
    ["a space in a header name", "GET /health HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n", "a header name or value holds a character HTTP does not allow (RFC 9110, 5.5-5.6)"],
    ["a content-length that is not a number", "POST /forecast HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", "content-length must be one whole number of bytes, and not come with transfer-encoding"],
    ["content-length after a gzip transfer coding", "POST /forecast HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}",
      "content-length must be one whole number of bytes, and not come with transfer-encoding"],
    ["content-length beside chunked", "POST /forecast HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
      "transfer-encoding must end in chunked, and not come with content-length"],
    ["two content-lengths", "POST /forecast HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n", "send content-length once, and not with transfer-encoding"],
  ])("answers a request Node cannot parse (%s) with 400 JSON saying what is wrong", async (_name, raw, problem) => {
    const conn = await rawConnect(ctx.port);
    conn.socket.write(raw);
    await conn.closed;
    const reply = parseRaw(conn.received());
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body)).toEqual({ error: `malformed HTTP request: ${problem}`, field: null });
  });

  it("accepts a body that starts with a UTF-8 byte order mark (RFC 8259, 8.1) and an identity content-encoding", async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ instances: [good] }))]);
    const reply = await post(ctx.port, body, { "content-type": "application/json", "content-encoding": "identity" });
    expect(reply.status).toBe(200);
    expect(reply.json().predictions[0]).toBeCloseTo(predictions[0]!, 12);
  });

  it("answers a body whose transfer coding does not end in chunked with one 400 and closes the connection", async () => {
    const conn = await rawConnect(ctx.port);
    conn.socket.write("POST /forecast HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
    await conn.closed;
    const text = conn.received();
    expect(text.match(/^HTTP\/1\.1 /gm)).toHaveLength(1);
    const reply = parseRaw(text);
    expect([reply.status, reply.headers.connection, JSON.parse(reply.body).error]).toEqual([400, "close", 'transfer-encoding must be chunked or absent, got "gzip"']);
  });

  it("answers an HTTP/1.1 request without a Host header with 400 JSON; HTTP/1.0 needs none", async () => {
    const conn = await rawConnect(ctx.port);
    conn.socket.write("GET /health HTTP/1.1\r\n\r\n");
    await waitFor("the answer", () => conn.received().includes("}"));
    const reply = parseRaw(conn.received());
    expect([reply.status, reply.headers["content-type"]]).toEqual([400, "application/json; charset=utf-8"]);
    expect(JSON.parse(reply.body)).toEqual({ error: "an HTTP/1.1 request needs a Host header (RFC 9112, 3.2)", field: null });
    conn.socket.destroy();
    const old = await rawConnect(ctx.port);
    old.socket.write("GET /health HTTP/1.0\r\n\r\n");
    await old.closed;
    expect(parseRaw(old.received()).status).toBe(200);
  });

  it("answers oversized headers with 431 JSON", async () => {
    const conn = await rawConnect(ctx.port);
    conn.socket.write(`GET /health HTTP/1.1\r\nHost: x\r\nx-big: ${"a".repeat(20_000)}\r\n\r\n`);
    await conn.closed;
    const reply = parseRaw(conn.received());
    expect([reply.status, JSON.parse(reply.body).error]).toEqual([431, "malformed HTTP request: the request's headers exceed 16 KiB (Node's limit)"]);
  });

  it("turns an unexpected internal error into a 500 JSON answer and keeps serving", async () => {
    ctx.service.flushMetrics();
    ctx.lines.length = 0;
    const spy = vi.spyOn(Predictor.prototype, "predict").mockImplementationOnce(() => {
      throw new Error("tree table corrupted");
    });
    try {
      const reply = await post(ctx.port, { instances: [good] });
      expect(reply.status).toBe(500);
      expect(reply.json()).toEqual({ error: "internal error", field: null });
      const [log] = ctx.parsed();
      expect(log).toMatchObject({ level: "error", msg: "request", status: 500 });
      expect(log!.error).toContain("Error: tree table corrupted");
    } finally {
      spy.mockRestore();
    }
    expect((await post(ctx.port, { instances: [good] })).status).toBe(200);
  });

  it("is still healthy and correct after all the bad input", async () => {
    expect((await call(ctx.port, "GET", "/health")).status).toBe(200);
    const reply = await post(ctx.port, { instances: instances.slice(0, 5) });
    expect(reply.json()).toEqual({ predictions: predictions.slice(0, 5), model_version });
  });
});

describe("service lifecycle", () => {
  it("answers 503 until a model is loaded", async () => {
    const ctx = await startService(null);
    try {
      const health = await call(ctx.port, "GET", "/health");
      expect([health.status, health.json()]).toEqual([503, { status: "loading" }]);
      const forecast = await post(ctx.port, { instances: [good] });
      expect([forecast.status, forecast.json()]).toEqual([503, { error: "model not loaded yet", field: null }]);
      expect((await call(ctx.port, "GET", "/model")).status).toBe(503);
    } finally {
      await ctx.service.shutdown(1_000);
    }
  });

  it("on shutdown reports 503 draining, finishes in-flight requests, then refuses connections", async () => {
    const ctx = await startService();
    const body = JSON.stringify({ instances: [good] });
    const inFlight = await rawConnect(ctx.port);
    inFlight.socket.write(
      `POST /forecast HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 20)}`,
    );
    const healthCheck = await rawConnect(ctx.port);
    healthCheck.socket.write("GET /health HTTP/1.1\r\nHost: x\r\n");
    await new Promise((r) => setTimeout(r, 50));

    const drained = ctx.service.shutdown(5_000);
    expect(ctx.service.ready).toBe(false);
    healthCheck.socket.write("\r\n");
    await healthCheck.closed;
    const health = parseRaw(healthCheck.received());
    expect([health.status, JSON.parse(health.body), health.headers.connection]).toEqual([503, { status: "draining" }, "close"]);

    inFlight.socket.write(body.slice(20));
    await inFlight.closed;
    const answer = parseRaw(inFlight.received());
    expect(answer.status).toBe(200);
    expect(answer.headers.connection).toBe("close");
    expect(JSON.parse(answer.body)).toEqual({ predictions: [predictions[0]], model_version });
    await expect(drained).resolves.toBe(true);
    // Drained: the buffered drift metrics were written before shutdown resolved.
    expect(ctx.parsed().filter((l) => l._aws).map((d) => [d.RequestCount, d.Prediction_Z.length])).toEqual([[1, 1]]);
    await expect(call(ctx.port, "GET", "/health")).rejects.toThrow(/ECONNREFUSED/);
  });

  it("while draining keeps listening: /health is 503 on new connections until the request in flight is answered", async () => {
    const ctx = await startService();
    const body = JSON.stringify({ instances: [good] });
    const inFlight = await rawConnect(ctx.port);
    inFlight.socket.write(
      `POST /forecast HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 20)}`,
    );
    await waitFor("the request in flight", () => ctx.service.inFlight === 1);

    let drained: boolean | undefined;
    const draining = ctx.service.shutdown(5_000).then((d) => (drained = d));
    for (let i = 0; i < 3; i++) {
      const health = await call(ctx.port, "GET", "/health");
      expect([health.status, health.json(), health.headers.connection]).toEqual([503, { status: "draining" }, "close"]);
    }
    expect([drained, ctx.service.inFlight]).toEqual([undefined, 1]);

    inFlight.socket.write(body.slice(20));
    await inFlight.closed;
    const answer = parseRaw(inFlight.received());
    expect([answer.status, answer.headers.connection, JSON.parse(answer.body)]).toEqual([200, "close", { predictions: [predictions[0]], model_version }]);
    await draining;
    expect(drained).toBe(true);
    await expect(call(ctx.port, "GET", "/health")).rejects.toThrow(/ECONNREFUSED/);
    const answered = ctx.parsed().filter((l) => l.msg === "request").map((l) => `${l.path} ${l.status}`);
    expect(answered).toEqual(["/health 503", "/health 503", "/health 503", "/forecast 200"]);
  });

  it("at LOG_LEVEL=warn writes no request lines but still every EMF line", async () => {
    const ctx = await startService(undefined, undefined, "warn");
    try {
      expect((await call(ctx.port, "GET", "/nowhere")).status).toBe(404);
      expect((await post(ctx.port, { instances: [good] })).status).toBe(200);
      ctx.service.flushMetrics();
      expect(ctx.parsed().map((l) => Object.keys(l)[0])).toEqual(["_aws"]);
    } finally {
      await ctx.service.shutdown(1_000);
    }
  });

  it("answers a request whose body does not arrive within the request timeout with 408 JSON, and logs it as 408", async () => {
    const lines: string[] = [];
    const service = new InferenceService({ log: new Logger("info", (text) => lines.push(...text.split("\n").filter(Boolean))), requestTimeoutMs: 300 });
    service.setModel(shippedModel());
    const { port } = await service.listen(0, "127.0.0.1");
    try {
      const slow = await rawConnect(port);
      slow.socket.write("POST /forecast HTTP/1.1\r\nHost: x\r\nx-request-id: slow-1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{");
      await slow.closed;
      const reply = parseRaw(slow.received());
      expect(reply.status).toBe(408);
      expect(JSON.parse(reply.body)).toEqual({ error: "request timeout: the whole request (headers and body) must arrive within 300 ms", field: null });
      await waitFor("the request's log line", () => lines.some((l) => l.includes('"slow-1"')));
      const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(logged.find((l) => l.request_id === "slow-1")).toMatchObject({ msg: "request", status: 408, error: expect.stringContaining("request timeout") });
      expect(logged.filter((l) => l.msg === "malformed request")).toEqual([]);
    } finally {
      await service.shutdown(1_000);
    }
  });

  it("cuts connections that outlive the shutdown timeout", async () => {
    const ctx = await startService();
    const stuck = await rawConnect(ctx.port);
    stuck.socket.write("POST /forecast HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{");
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await expect(ctx.service.shutdown(200)).resolves.toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    await stuck.closed;
  });
});
