/**
 * The inference HTTP service on fastify 5.
 *
 *   POST /forecast  {"instances": [{...}, ...]} (1-1000) -> {"predictions": [...], "model_version": "..."}
 *   GET  /health    200 {"status":"ok","model_version":"..."} once a model is loaded; 503 before that
 *                   ({"status":"loading"}, or {"status":"waiting for model","model_path":...} while the
 *                   model file a device serves is missing or refused) and while draining
 *   GET  /model     the model's metadata (everything in model.json but the trees)
 *
 * The served model can be replaced at any time (`setModel`, from the MODEL_PATH watcher): a request
 * takes the model served when it arrives and keeps it to the end, so its validation, predictions,
 * answer, version and metrics all come from one model, and a swap lands between requests.
 * Bodies are checked by ajv against the JSON Schema generated from the request's model, and answers
 * written by fast-json-stringify from the answer schema generated from it, both compiled once per
 * model at `setModel`. Every client mistake, whoever finds it (the HTTP parser, fastify's router and
 * body reader, the JSON parser, ajv), is a 4xx JSON body {"error": "...", "field": "instances[3].height" | null}: among them
 * an HTTP/1.1 request without a Host header (400), a compressed body (415: content-encoding other than identity; 400:
 * transfer-encoding other than chunked), a request Node's parser refuses (400 or 431 saying why) and one that has not
 * arrived whole within the request timeout (408); an unexpected failure is a
 * 500 JSON body and the server keeps serving. Each request has an id (the caller's x-request-id
 * when it is 1-128 characters of A-Z a-z 0-9 . _ : -, else a new UUID) echoed in the x-request-id
 * header, and writes one JSON log line through fastify's logger (pino) with that id. A successful
 * forecast's drift metrics go to its model's buffer (emf.ts), which comes out as EMF lines once full, each
 * second and when the model is swapped or the service drains; those lines, and the request's instances and
 * predictions, also go to `telemetry` when given (a device's publisher.ts), after the answer is sent.
 *
 * Draining (`shutdown`): the listener stays open and /health answers 503 {"status":"draining"}, so
 * a load balancer's health check sees the service leave instead of a refused connection; every
 * answer closes its connection; once no request is in flight the listener closes. Connections
 * still open after the timeout are cut.
 */
import { isUtf8 } from "node:buffer";
import { randomUUID } from "node:crypto";
import { STATUS_CODES, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import Fastify, { LogController, type FastifyReply, type FastifyRequest } from "fastify";
import fastJson from "fast-json-stringify";
import { DriftMetrics, DriftMetricsWriter } from "./emf";
import type { Logger } from "./log";
import { modelMetadata, type ModelFile } from "./model";
import { Predictor } from "./predictor";
import type { Instance, SampleColumns } from "./telemetry";
import { ERROR_RESPONSE_SCHEMA, forecastResponseSchema } from "./schemas";
import { ClientError, RequestValidator, type ForecastBody } from "./validate";

/** Largest accepted request body; larger bodies get 413 without being read to the end. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Longer than the ALB's default 60 s idle timeout, so the load balancer closes idle connections first. */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** Longest wait, after the shutdown timeout cut the connections left, for their requests' log lines. */
const CUT_LOG_WAIT_MS = 100;
/** Longest time to receive one whole request, headers and body (ms); Node checks it every CONNECTIONS_CHECK_MS. */
export const REQUEST_TIMEOUT_MS = 70_000;
/** How often Node's HTTP server looks for requests past their timeout (ms; its default is 30 s). */
const CONNECTIONS_CHECK_MS = 5_000;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const JSON_TYPE = "application/json; charset=utf-8";
/** Allowed methods per route, for 405 answers and their Allow header. */
const ROUTES: Readonly<Record<string, string>> = { "/forecast": "POST", "/health": "GET, HEAD", "/model": "GET, HEAD" };
const ROUTE_LIST = "routes: POST /forecast, GET /health, GET /model";
const HEALTH = { loading: '{"status":"loading"}', draining: '{"status":"draining"}' };
const INTERNAL_ERROR = '{"error":"internal error","field":null}';
const errorBody = fastJson(ERROR_RESPONSE_SCHEMA);

declare module "fastify" {
  interface FastifyRequest {
    /** Instances of a valid forecast body (0 otherwise), for the request's log line. */
    instances: number;
    /** The model serving this request (POST /forecast), taken when it arrives. */
    model: LoadedModel | null;
    /** A successful forecast, for the EMF lines written once the answer is sent. */
    forecast: { predictions: number[]; numbers: Float64Array } | null;
    /** Why the request failed (the message; the stack for a 500), for its log line. */
    failure: string | null;
  }
}

export interface ServiceOptions {
  readonly log: Logger;
  /** Clock for EMF timestamps (ms since the epoch). */
  readonly now?: () => number;
  /** Longest wait of buffered drift metrics for their EMF document, 1-1000 ms (default METRICS_FLUSH_MS, emf.ts). */
  readonly metricsFlushMs?: number;
  /** Request body limit in bytes (default MAX_BODY_BYTES). */
  readonly maxBodyBytes?: number;
  /** Longest time to receive one whole request, in ms (default REQUEST_TIMEOUT_MS); 408 after it. */
  readonly requestTimeoutMs?: number;
  /** Value of the drift metrics' Service dimension (default "local"; contracts/drift.ts). */
  readonly metricsService?: string;
  /** Told of every successful forecast once answered, and given every EMF line (a device's TelemetryPublisher); must not throw. */
  readonly telemetry?: Telemetry;
}

/** Where a device's telemetry goes (publisher.ts). */
export interface Telemetry {
  /** A forecast was answered: its model's columns, its instances and predictions. */
  served(columns: SampleColumns, instances: readonly Instance[], predictions: readonly number[]): void;
  /** EMF lines the service wrote (newline-separated documents). */
  metrics(lines: string): void;
}

interface LoadedModel {
  readonly version: string;
  readonly predictor: Predictor;
  readonly validator: RequestValidator;
  readonly metrics: DriftMetrics;
  /** The model's input fields and target, the columns of a samples message. */
  readonly columns: SampleColumns;
  /** fast-json-stringify's writer of the 200 answer, from the schema generated for the model. */
  readonly answer: (body: { predictions: number[]; model_version: string }) => string;
  readonly metadata: string;
  /** The 200 body of GET /health. */
  readonly health: string;
}

/** The model file a device serves (MODEL_PATH) while no valid model is loaded from it. */
interface Waiting {
  readonly path: string;
  /** Why the last file seen was refused. */
  readonly problem?: string;
}

/** The 503 body of GET /health while waiting: `{"status":"waiting for model","model_path":...,"refused"?:...}`. */
function waitingBody(waiting: Waiting): string {
  const refused = waiting.problem === undefined ? {} : { refused: waiting.problem };
  return JSON.stringify({ status: "waiting for model", model_path: waiting.path, ...refused });
}

/** What fastify hands its error handler: its own errors carry a code and a status. */
type FrameworkError = Error & { code?: string; statusCode?: number };

function requestId(header: string | string[] | undefined): string {
  return typeof header === "string" && REQUEST_ID.test(header) ? header : randomUUID();
}

function pathOf(url: string): string {
  const query = url.indexOf("?");
  return (query === -1 ? url : url.slice(0, query)).slice(0, 256);
}

/** Undefined for application/json in UTF-8 (charset absent or utf-8), else the 415 to answer. */
function contentTypeProblem(header: string | undefined): ClientError | undefined {
  if (header === "application/json") return undefined;
  if (header) {
    const [type, ...params] = header.split(";");
    const utf8 = params.every((p) => {
      const [key, value] = p.split("=").map((s) => s.trim().toLowerCase());
      return key !== "charset" || value === "utf-8" || value === '"utf-8"';
    });
    if (type!.trim().toLowerCase() === "application/json" && utf8) return undefined;
  }
  const got = header ? `got ${JSON.stringify(header.slice(0, 100))}` : "none given";
  return new ClientError(415, `content-type must be application/json (utf-8), ${got}`);
}

/**
 * Undefined for a body sent as it is (no content-encoding, or identity; transfer-encoding absent or chunked alone),
 * else the 415 or 400 to answer (RFC 9110, 8.4; RFC 9112, 6.1: Node reads a chunked body but decodes no other coding).
 */
function encodingProblem(content: string | undefined, transfer: string | undefined): ClientError | undefined {
  if (content !== undefined && content.trim().toLowerCase() !== "identity") {
    return new ClientError(415, `content-encoding must be identity (an uncompressed body), got ${JSON.stringify(content.slice(0, 100))}`);
  }
  if (transfer !== undefined && transfer.trim().toLowerCase() !== "chunked") {
    return new ClientError(400, `transfer-encoding must be chunked or absent, got ${JSON.stringify(transfer.slice(0, 100))}`);
  }
  return undefined;
}

/** What a code of Node's HTTP parser (llhttp) means for the client, for the error of a request it refuses. */
const PARSER_PROBLEMS: Readonly<Record<string, string>> = {
  HPE_INVALID_METHOD: "unknown method; this service answers GET, HEAD and POST",
  HPE_INVALID_URL: "the request target is not a valid path",
  HPE_INVALID_VERSION: "the HTTP version must be HTTP/1.0 or HTTP/1.1",
  HPE_INVALID_HEADER_TOKEN: "a header name or value holds a character HTTP does not allow (RFC 9110, 5.5-5.6)",
  HPE_INVALID_CONTENT_LENGTH: "content-length must be one whole number of bytes, and not come with transfer-encoding",
  HPE_UNEXPECTED_CONTENT_LENGTH: "send content-length once, and not with transfer-encoding",
  HPE_INVALID_TRANSFER_ENCODING: "transfer-encoding must end in chunked, and not come with content-length",
  HPE_INVALID_CHUNK_SIZE: "a chunk size of the chunked body is not a hexadecimal number",
  HPE_HEADER_OVERFLOW: "the request's headers exceed 16 KiB (Node's limit)",
};

/** The JSON body parser: UTF-8 text holding one JSON value, after a byte order mark if there is one (RFC 8259, 8.1). */
function parseJson(body: Buffer): unknown {
  const bom = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  if (body.length === bom) throw new ClientError(400, "request body is empty; expected a JSON object");
  if (!isUtf8(body)) throw new ClientError(400, "request body is not valid UTF-8");
  try {
    return JSON.parse(body.toString("utf8", bom));
  } catch (err) {
    throw new ClientError(400, `request body is not valid JSON: ${(err as Error).message.slice(0, 200)}`);
  }
}

export class InferenceService {
  readonly app;
  private loaded: LoadedModel | undefined;
  private waiting: Waiting | undefined;
  private draining = false;
  /** Responses of the requests in flight. */
  private readonly active = new Set<ServerResponse>();
  /** Connections answered with `connection: close` whose remaining bytes are not requests: Node's parser gets no answer. */
  private readonly closingSockets = new WeakSet<Duplex>();
  /** Requests in flight that Node answered itself (a 408 on their socket): the status and error of their log line. */
  private readonly answeredByNode = new WeakMap<ServerResponse, { status: number; error: string }>();
  private closing: Promise<boolean> | undefined;
  /** Set when draining timed out and the remaining connections were cut: the timeout, in ms. */
  private cutAfterMs: number | undefined;
  private closed: Promise<void> | undefined;
  private whenIdle: (() => void) | undefined;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly maxBodyBytes: number;
  private readonly requestTimeoutMs: number;
  private readonly metricsService: string;
  private readonly telemetry: Telemetry | undefined;
  private readonly metrics: DriftMetricsWriter;

  constructor(options: ServiceOptions) {
    this.log = options.log;
    this.now = options.now ?? Date.now;
    this.maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
    this.requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    this.metricsService = options.metricsService ?? "local";
    this.telemetry = options.telemetry;
    this.metrics = new DriftMetricsWriter((lines) => {
      this.log.write(lines);
      this.telemetry?.metrics(lines);
    }, options.metricsFlushMs);
    const app = Fastify({
      loggerInstance: options.log.pino,
      // One line per request, written by `end`; pino labels the request id request_id.
      logController: new LogController({ requestIdLogLabel: "request_id", disableRequestLogging: true }),
      genReqId: (req) => requestId(req.headers["x-request-id"]),
      bodyLimit: this.maxBodyBytes,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      requestTimeout: this.requestTimeoutMs,
      // Node refuses a headers timeout above the request timeout. Without a Host header Node itself would answer an
      // empty 400: the onRequest hook answers it in JSON instead.
      http: {
        headersTimeout: Math.min(KEEP_ALIVE_TIMEOUT_MS + 1_000, this.requestTimeoutMs),
        connectionsCheckingInterval: Math.min(CONNECTIONS_CHECK_MS, this.requestTimeoutMs),
        requireHostHeader: false,
      },
      // Draining is this class's job: fastify would answer its own 503 body once closing.
      return503OnClosing: false,
      clientErrorHandler: (err, socket) => this.malformed(err, socket),
      frameworkErrors: (err, request, reply) => {
        // fastify builds this request outside the routes, without the decorations below.
        Object.assign(request, { instances: 0, model: null, forecast: null, failure: null });
        this.begin(request, reply);
        this.fail(request, reply, new ClientError(400, `malformed request URL: ${err.message}`));
      },
    });
    this.app = app;
    app.decorateRequest("instances", 0);
    app.decorateRequest("model", null);
    app.decorateRequest("forecast", null);
    app.decorateRequest("failure", null);
    app.addHook("onRequest", (request, reply, done) => {
      this.begin(request, reply);
      // Answered here, before any body is read: no Host header is 400, an unknown route 404, a known one 405.
      if (request.headers.host === undefined && request.raw.httpVersion === "1.1") {
        return void this.fail(request, reply, new ClientError(400, "an HTTP/1.1 request needs a Host header (RFC 9112, 3.2)"));
      }
      if (request.is404) return void this.notFound(request, reply);
      done();
    });
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, done) => done(null, parseJson(body as Buffer)));
    app.setErrorHandler((error, request, reply) => this.failed(error as FrameworkError, request, reply));

    app.route({
      method: "POST",
      url: "/forecast",
      onRequest: (request, reply, done) => {
        request.model = this.loaded ?? null;
        const problem = this.loaded
          ? (contentTypeProblem(request.headers["content-type"]) ??
            encodingProblem(request.headers["content-encoding"], request.headers["transfer-encoding"]))
          : this.notLoaded();
        if (problem) return void this.fail(request, reply, problem);
        done();
      },
      handler: (request, reply) => {
        const loaded = request.model!;
        const problem = loaded.validator.problem(request.body);
        if (problem) return this.fail(request, reply, problem);
        const input = loaded.validator.encode(request.body as ForecastBody);
        const predictions = loaded.predictor.predict(input.rows, input.count);
        request.instances = input.count;
        request.forecast = { predictions, numbers: input.numbers };
        return reply.type(JSON_TYPE).send(loaded.answer({ predictions, model_version: loaded.version }));
      },
    });
    app.get("/health", (_request, reply) => {
      if (this.ready) return reply.type(JSON_TYPE).send(this.loaded!.health);
      return reply.code(503).type(JSON_TYPE).send(this.draining ? HEALTH.draining : this.waiting ? waitingBody(this.waiting) : HEALTH.loading);
    });
    app.get("/model", (request, reply) => {
      if (!this.loaded) return this.fail(request, reply, this.notLoaded());
      return reply.type(JSON_TYPE).send(this.loaded.metadata);
    });
  }

  get server(): Server {
    return this.app.server;
  }

  /** True once a model is loaded and until draining starts. */
  get ready(): boolean {
    return this.loaded !== undefined && !this.draining;
  }

  /** Requests received and not yet answered (or abandoned by their client). */
  get inFlight(): number {
    return this.active.size;
  }

  get modelVersion(): string | undefined {
    return this.loaded?.version;
  }

  /**
   * Makes `model` (already validated by parseModel/loadModel) the one served: requests arriving from
   * now on use it, requests in flight finish with the model they started with. Returns the number
   * fields whose training σ is 0, which get no drift metric (emf.ts).
   */
  setModel(model: ModelFile): readonly string[] {
    const validator = new RequestValidator(model);
    const metrics = new DriftMetrics(model, this.metricsService);
    // The values buffered so far were standardised with the old model's statistics: out they go first.
    this.metrics.flush();
    this.loaded = {
      version: model.model_version,
      predictor: new Predictor(model),
      validator,
      metrics,
      columns: { inputs: model.input_fields.map((f) => f.name), target: model.target },
      // fast-json-stringify writes a `const` as given; its typings know neither const nor maxItems.
      answer: fastJson(forecastResponseSchema(model) as Parameters<typeof fastJson>[0]),
      metadata: JSON.stringify(modelMetadata(model)),
      health: JSON.stringify({ status: "ok", model_version: model.model_version }),
    };
    this.waiting = undefined;
    return metrics.unstandardisable;
  }

  /**
   * No model yet: the service waits for the model file at `path` (MODEL_PATH on a device). /health
   * and POST /forecast answer 503 naming the file until `setModel`. `problem` says why the last
   * file seen there was refused. Ignored once a model is served (the old model keeps serving).
   */
  waitForModel(path: string, problem?: string): void {
    if (!this.loaded) this.waiting = problem === undefined ? { path } : { path, problem };
  }

  /** The 503 of a request that needs a model while none is loaded. */
  private notLoaded(): ClientError {
    if (!this.waiting) return new ClientError(503, "model not loaded yet");
    const refused = this.waiting.problem ? ` (the last one was refused: ${this.waiting.problem})` : "";
    return new ClientError(503, `waiting for model: no valid model file at ${this.waiting.path} yet${refused}`);
  }

  async listen(port: number, host: string): Promise<AddressInfo> {
    await this.app.listen({ port, host });
    return this.app.server.address() as AddressInfo;
  }

  /**
   * Drains: /health turns 503, every answer from now on closes its connection, idle connections are
   * closed, and once no request is in flight the listener closes. Resolves true when all is closed,
   * or false after `timeoutMs`, when the remaining connections are cut.
   */
  shutdown(timeoutMs: number): Promise<boolean> {
    if (this.closing) return this.closing;
    this.draining = true;
    for (const res of this.active) if (!res.headersSent) res.setHeader("connection", "close");
    this.closing = new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.cutAfterMs = timeoutMs;
        // The process may exit as soon as this resolves: first the cut requests' log lines (their connections'
        // 'close' events, once the sockets are closed; at most CUT_LOG_WAIT_MS), then the metrics buffered so far.
        const finish = () => {
          this.metrics.flush();
          resolve(false);
        };
        this.whenIdle = finish;
        setTimeout(finish, CUT_LOG_WAIT_MS);
        void this.close();
        this.app.server.closeAllConnections();
      }, timeoutMs);
      this.whenIdle = () => {
        this.whenIdle = undefined;
        void this.close().then(() => {
          clearTimeout(timer);
          // A connection the timeout cut (a request still arriving) is not a clean stop.
          resolve(this.cutAfterMs === undefined);
        });
      };
      this.app.server.closeIdleConnections();
      if (this.active.size === 0) this.whenIdle();
    });
    return this.closing;
  }

  /** Writes the drift metrics buffered so far as EMF lines now (they are otherwise written within METRICS_FLUSH_MS). */
  flushMetrics(): void {
    this.metrics.flush();
  }

  /** Closes the listener; then, with every request ended, writes the buffered drift metrics. */
  private close(): Promise<void> {
    this.closed ??= this.app.close().then(() => this.metrics.flush());
    return this.closed;
  }

  /** Start of every routed request: id and cache headers, in-flight tracking, the log line at the end. */
  private begin(request: FastifyRequest, reply: FastifyReply): void {
    const res = reply.raw;
    this.active.add(res);
    reply.header("x-request-id", request.id).header("cache-control", "no-store");
    if (this.draining) reply.header("connection", "close");
    // 'finish': the answer is handed to the OS (so lines keep the order of the answers); 'close'
    // without 'finish': the client left first. `end` acts on whichever comes first.
    const end = () => this.end(request, reply);
    res.on("finish", end);
    res.on("close", end);
  }

  /** The response is sent or its connection closed: log line, EMF line, drain bookkeeping. */
  private end(request: FastifyRequest, reply: FastifyReply): void {
    if (!this.active.delete(reply.raw)) return;
    const sent = reply.raw.writableFinished;
    const byNode = sent ? undefined : this.answeredByNode.get(reply.raw);
    const status = sent ? reply.statusCode : (byNode?.status ?? 499);
    const path = pathOf(request.url);
    const fields: Record<string, unknown> = {
      method: request.method,
      path,
      status,
      duration_ms: Math.round(reply.elapsedTime * 1000) / 1000,
      instances: request.instances,
    };
    const error = sent
      ? request.failure
      : byNode
        ? byNode.error
        : this.cutAfterMs !== undefined
        ? `connection cut at shutdown: the request did not finish within ${this.cutAfterMs} ms`
        : "client closed the connection before the response";
    if (error !== null) fields.error = error;
    const { forecast, model } = request;
    if (model) fields.model_version = model.version;
    // /health's 503 (loading, waiting, draining) is a state the load balancer reads, not a failure of the service.
    request.log[status >= 500 && path !== "/health" ? "error" : "info"](fields, "request");
    if (forecast && sent) {
      this.metrics.add(model!.metrics, this.now(), forecast.predictions, forecast.numbers);
      this.telemetry?.served(model!.columns, (request.body as ForecastBody).instances, forecast.predictions);
    }
    if (this.active.size === 0) this.whenIdle?.();
  }

  private notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const path = pathOf(request.url);
    const allowed = ROUTES[path];
    if (allowed === undefined) return this.fail(request, reply, new ClientError(404, `no route for ${path}; ${ROUTE_LIST}`));
    reply.header("allow", allowed);
    return this.fail(request, reply, new ClientError(405, `method ${request.method} not allowed on ${path}; allowed: ${allowed}`));
  }

  private fail(request: FastifyRequest, reply: FastifyReply, error: ClientError): FastifyReply {
    request.failure = error.message;
    // A body too large is not read to its end, and one whose transfer coding does not end in chunked has no end to find
    // (RFC 9112, 6.3): close the connection rather than read on, or the rest would be parsed as the next request.
    const te = request.headers["transfer-encoding"];
    if (error.status === 413 || (te !== undefined && !/(^|,)\s*chunked\s*$/i.test(te))) {
      reply.header("connection", "close");
      this.closingSockets.add(request.raw.socket);
    }
    return reply.code(error.status).type(JSON_TYPE).send(errorBody({ error: error.message, field: error.field }));
  }

  /** fastify's error handler: what fastify, the parser or the validator threw, as the {error, field} contract. */
  private failed(error: FrameworkError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const client = this.clientErrorOf(error);
    if (client) return this.fail(request, reply, client);
    request.failure = error.stack ?? error.message;
    return reply.code(500).header("connection", "close").type(JSON_TYPE).send(INTERNAL_ERROR);
  }

  /** The client's mistake an error stands for, or undefined for a failure of the service. */
  private clientErrorOf(error: FrameworkError): ClientError | undefined {
    if (error instanceof ClientError) return error;
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") return new ClientError(413, `request body exceeds ${this.maxBodyBytes} bytes`);
    // Any other 4xx of fastify's (such as a body stream the client aborted) keeps its status.
    const status = error.statusCode;
    return status !== undefined && status >= 400 && status < 500 ? new ClientError(status, `bad request: ${error.message}`) : undefined;
  }

  /** Requests the HTTP parser rejects never become requests; answer them in the same JSON shape. */
  private malformed(err: Error & { code?: string }, socket: Duplex): void {
    if (err.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    // What follows a body this service refused unread is the rest of that body: its answer, already sent, closes.
    if (this.closingSockets.has(socket)) return;
    const status = err.code === "HPE_HEADER_OVERFLOW" ? 431 : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
    const error =
      status === 408
        ? `request timeout: the whole request (headers and body) must arrive within ${this.requestTimeoutMs} ms`
        : `malformed HTTP request: ${(err.code && PARSER_PROBLEMS[err.code]) ?? STATUS_CODES[status]}`;
    const body = errorBody({ error, field: null });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: ${JSON_TYPE}\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
    // A request whose headers had arrived (its body did not) is in flight: its own line, at its end, says what happened.
    for (const res of this.active) {
      if (res.req.socket === socket) return void this.answeredByNode.set(res, { status, error });
    }
    this.log.log("info", "malformed request", { status, error: err.code ?? err.message });
  }
}
