/**
 * The inference HTTP service on node:http.
 *
 *   POST /forecast  {"instances": [{...}, ...]} (1-1000) -> {"predictions": [...], "model_version": "..."}
 *   GET  /health    200 once a model is loaded; 503 before that and while draining
 *   GET  /model     the model's metadata (everything in model.json but the trees)
 *
 * Every client mistake is a 4xx JSON body {"error": "...", "field": "instances[3].height" | null};
 * an unexpected failure is a 500 JSON body and the server keeps serving. Each request writes one
 * JSON log line (and, for a successful forecast, one EMF metrics line) and echoes its request id in
 * the x-request-id header.
 */
import { randomUUID } from "node:crypto";
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { isUtf8 } from "node:buffer";
import { forecastMetrics } from "./emf";
import type { Logger } from "./log";
import { modelMetadata, type ModelFile } from "./model";
import { Predictor } from "./predictor";
import { ClientError, RequestValidator } from "./validate";

/** Largest accepted request body; larger bodies get 413 without being read to the end. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Longer than the ALB's default 60 s idle timeout, so the load balancer closes idle connections first. */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const JSON_TYPE = "application/json; charset=utf-8";

export interface ServiceOptions {
  readonly log: Logger;
  /** Clock for EMF timestamps (ms since the epoch). */
  readonly now?: () => number;
  /** Request body limit in bytes (default MAX_BODY_BYTES). */
  readonly maxBodyBytes?: number;
}

interface LoadedModel {
  readonly version: string;
  readonly predictor: Predictor;
  readonly validator: RequestValidator;
  readonly metadata: string;
}

interface Exchange {
  readonly id: string;
  readonly started: number;
  readonly method: string;
  readonly path: string;
  instances: number;
  logged: boolean;
}

function requestId(header: string | string[] | undefined): string {
  return typeof header === "string" && REQUEST_ID.test(header) ? header : randomUUID();
}

function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const [type, ...params] = header.split(";");
  if (type!.trim().toLowerCase() !== "application/json") return false;
  return params.every((p) => {
    const [key, value] = p.split("=").map((s) => s.trim().toLowerCase());
    return key !== "charset" || value === "utf-8" || value === '"utf-8"';
  });
}

export class InferenceService {
  readonly server: Server;
  private loaded: LoadedModel | undefined;
  private draining = false;
  private closing: Promise<boolean> | undefined;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly maxBodyBytes: number;

  constructor(options: ServiceOptions) {
    this.log = options.log;
    this.now = options.now ?? Date.now;
    this.maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
    this.server = createServer(
      { keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, headersTimeout: KEEP_ALIVE_TIMEOUT_MS + 1_000, requestTimeout: 70_000 },
      (req, res) => this.handle(req, res),
    );
    this.server.on("clientError", (err, socket) => this.clientError(err, socket));
  }

  /** True once a model is loaded and until draining starts. */
  get ready(): boolean {
    return this.loaded !== undefined && !this.draining;
  }

  get modelVersion(): string | undefined {
    return this.loaded?.version;
  }

  /** Makes `model` (already validated by parseModel/loadModel) the one served. */
  setModel(model: ModelFile): void {
    this.loaded = {
      version: model.model_version,
      predictor: new Predictor(model),
      validator: new RequestValidator(model),
      metadata: JSON.stringify(modelMetadata(model)),
    };
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /**
   * Stops accepting connections, turns /health to 503, lets in-flight requests finish (their
   * responses close the connection) and resolves true once every connection is closed, or false
   * after `timeoutMs` when the remaining connections are cut.
   */
  shutdown(timeoutMs: number): Promise<boolean> {
    if (this.closing) return this.closing;
    this.draining = true;
    this.closing = new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.server.closeAllConnections();
        resolve(false);
      }, timeoutMs);
      this.server.close(() => {
        clearTimeout(timer);
        resolve(true);
      });
      this.server.closeIdleConnections();
    });
    return this.closing;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const ex: Exchange = {
      id: requestId(req.headers["x-request-id"]),
      started: performance.now(),
      method: req.method ?? "",
      path: (query === -1 ? url : url.slice(0, query)).slice(0, 256),
      instances: 0,
      logged: false,
    };
    try {
      switch (ex.path) {
        case "/forecast":
          if (req.method !== "POST") return this.methodNotAllowed(res, ex, "POST");
          return this.forecast(req, res, ex);
        case "/health":
          if (req.method !== "GET" && req.method !== "HEAD") return this.methodNotAllowed(res, ex, "GET, HEAD");
          if (this.ready) return this.send(res, ex, 200, '{"status":"ok"}');
          return this.send(res, ex, 503, JSON.stringify({ status: this.draining ? "draining" : "loading" }));
        case "/model":
          if (req.method !== "GET" && req.method !== "HEAD") return this.methodNotAllowed(res, ex, "GET, HEAD");
          if (!this.loaded) return this.fail(res, ex, new ClientError(503, "model not loaded yet"));
          return this.send(res, ex, 200, this.loaded.metadata);
        default:
          return this.fail(res, ex, new ClientError(404, `no route for ${ex.path}; routes: POST /forecast, GET /health, GET /model`));
      }
    } catch (err) {
      this.internalError(res, ex, err);
    }
  }

  private forecast(req: IncomingMessage, res: ServerResponse, ex: Exchange): void {
    const loaded = this.loaded;
    if (!loaded) return this.fail(res, ex, new ClientError(503, "model not loaded yet"));
    if (!isJsonContentType(req.headers["content-type"])) {
      const got = req.headers["content-type"] ? `got ${JSON.stringify(req.headers["content-type"].slice(0, 100))}` : "none given";
      return this.fail(res, ex, new ClientError(415, `content-type must be application/json (utf-8), ${got}`));
    }
    const limit = this.maxBodyBytes;
    const declared = Number(req.headers["content-length"]);
    if (declared > limit) return this.fail(res, ex, new ClientError(413, `request body exceeds ${limit} bytes`), true);

    const chunks: Buffer[] = [];
    let size = 0;
    let finished = false;
    req.on("data", (chunk: Buffer) => {
      if (finished) return;
      size += chunk.length;
      if (size > limit) {
        finished = true;
        chunks.length = 0;
        this.fail(res, ex, new ClientError(413, `request body exceeds ${limit} bytes`), true);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (finished) return;
      finished = true;
      try {
        this.respondForecast(res, ex, loaded, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      } catch (err) {
        this.internalError(res, ex, err);
      }
    });
    req.on("error", () => {
      finished = true;
    });
    req.on("close", () => {
      if (!ex.logged && !res.writableEnded) this.logExchange(ex, 499, "client closed the connection before the response");
    });
  }

  private respondForecast(res: ServerResponse, ex: Exchange, loaded: LoadedModel, body: Buffer): void {
    if (body.length === 0) return this.fail(res, ex, new ClientError(400, "request body is empty; expected a JSON object"));
    if (!isUtf8(body)) return this.fail(res, ex, new ClientError(400, "request body is not valid UTF-8"));
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch (err) {
      return this.fail(res, ex, new ClientError(400, `request body is not valid JSON: ${(err as Error).message.slice(0, 200)}`));
    }
    let input;
    try {
      input = loaded.validator.validate(parsed);
    } catch (err) {
      if (err instanceof ClientError) return this.fail(res, ex, err);
      throw err;
    }
    ex.instances = input.count;
    const predictions = loaded.predictor.predict(input.rows, input.count);
    const emf = forecastMetrics({
      modelVersion: loaded.version,
      timestamp: this.now(),
      predictions,
      numberFields: loaded.validator.numberFields,
      numberMeans: input.numberMeans,
    });
    this.send(res, ex, 200, JSON.stringify({ predictions, model_version: loaded.version }), false, JSON.stringify(emf) + "\n");
  }

  private methodNotAllowed(res: ServerResponse, ex: Exchange, allow: string): void {
    res.setHeader("allow", allow);
    this.fail(res, ex, new ClientError(405, `method ${ex.method} not allowed on ${ex.path}; allowed: ${allow}`));
  }

  private fail(res: ServerResponse, ex: Exchange, err: ClientError, close = false): void {
    this.send(res, ex, err.status, JSON.stringify({ error: err.message, field: err.field }), close, "", err.message);
  }

  private internalError(res: ServerResponse, ex: Exchange, err: unknown): void {
    const detail = err instanceof Error ? err.stack ?? err.message : String(err);
    if (res.headersSent) {
      this.log.log("error", "internal error after the response started", { request_id: ex.id, error: detail });
      res.destroy();
      return;
    }
    this.send(res, ex, 500, '{"error":"internal error","field":null}', true, "", detail);
  }

  private send(res: ServerResponse, ex: Exchange, status: number, body: string, close = false, extra = "", error?: string): void {
    const headers: Record<string, string | number> = {
      "content-type": JSON_TYPE,
      "content-length": Buffer.byteLength(body),
      "x-request-id": ex.id,
      "cache-control": "no-store",
    };
    if (close || this.draining) headers.connection = "close";
    res.writeHead(status, headers);
    res.end(body);
    this.logExchange(ex, status, error, extra);
  }

  private logExchange(ex: Exchange, status: number, error?: string, extra = ""): void {
    if (ex.logged) return;
    ex.logged = true;
    const fields: Record<string, unknown> = {
      request_id: ex.id,
      method: ex.method,
      path: ex.path,
      status,
      duration_ms: Math.round((performance.now() - ex.started) * 1000) / 1000,
      instances: ex.instances,
    };
    if (error !== undefined) fields.error = error;
    this.log.write(this.log.format(status >= 500 ? "error" : "info", "request", fields) + extra);
  }

  /** Requests Node cannot parse never reach handle(); answer them in the same JSON shape. */
  private clientError(err: Error & { code?: string }, socket: Duplex): void {
    if (err.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = err.code === "HPE_HEADER_OVERFLOW" ? 431 : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
    const body = JSON.stringify({ error: `malformed HTTP request: ${STATUS_CODES[status]}`, field: null });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: ${JSON_TYPE}\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
    this.log.log("info", "malformed request", { status, error: err.code ?? err.message });
  }
}
