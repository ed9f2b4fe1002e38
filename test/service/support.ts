/** Shared helpers of the service suites: the shipped model and fixture, and raw HTTP on loopback. */
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { Z_DECIMALS, Z_LIMIT } from "../../contracts/drift";
import { Logger, type Level } from "../../service/src/log";
import { parseModel, type ModelFile } from "../../service/src/model";
import { InferenceService } from "../../service/src/server";

export const ROOT = join(__dirname, "..", "..");
export const MODEL_PATH = join(ROOT, "service", "model", "model.json");
export const FIXTURE_PATH = join(ROOT, "service", "model", "fixtures", "predictions.json");

export interface Fixture {
  model_version: string;
  instances: Array<Record<string, string | number>>;
  predictions: number[];
}

/** A z value as the service writes it (contracts/drift.ts): (x − mean) / std, clipped to ±Z_LIMIT, rounded to Z_DECIMALS places. */
export function writtenZ(x: number, mean: number, std: number): number {
  const z = Math.max(-Z_LIMIT, Math.min(Z_LIMIT, (x - mean) / std));
  return Math.round(z * 10 ** Z_DECIMALS) / 10 ** Z_DECIMALS + 0;
}

export const modelText = (): string => readFileSync(MODEL_PATH, "utf8");
export const shippedModel = (): ModelFile => parseModel(modelText(), MODEL_PATH);
export const fixture = (): Fixture => JSON.parse(readFileSync(FIXTURE_PATH, "utf8")) as Fixture;

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => any;
}

/**
 * One HTTP request with node:http. Resolves with the response even when the server answers before
 * the whole body was sent (the client's later write error is then ignored).
 */
export function call(
  port: number,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string | number> = body === undefined ? {} : { "content-type": "application/json" },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request({ host: "127.0.0.1", port, method, path, headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode!, headers: res.headers, text, json: () => JSON.parse(text) });
      });
      res.on("error", reject);
    });
    req.on("error", (err) => {
      if (!answered) reject(err);
    });
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

export const post = (port: number, body: unknown, headers?: Record<string, string | number>) =>
  call(port, "POST", "/forecast", typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body), headers);

/** A raw TCP connection collecting everything the server sends. */
export interface RawConnection {
  socket: Socket;
  received: () => string;
  closed: Promise<void>;
}

export function rawConnect(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let data = "";
    socket.on("data", (c) => (data += c.toString("utf8")));
    const closed = new Promise<void>((done) => socket.on("close", () => done()));
    socket.once("error", reject);
    socket.once("connect", () => resolve({ socket, received: () => data, closed }));
  });
}

/** Parses a raw HTTP/1.1 response with a content-length body. */
export function parseRaw(text: string): { status: number; headers: Record<string, string>; body: string } {
  const end = text.indexOf("\r\n\r\n");
  const [statusLine, ...lines] = text.slice(0, end).split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine!.split(" ")[1]), headers, body: text.slice(end + 4) };
}

/** A service on an ephemeral loopback port whose log lines are collected in `lines`. */
export async function startService(model: ModelFile | null = shippedModel(), now = () => 1_700_000_000_000, level: Level = "info", metricsFlushMs?: number) {
  const lines: string[] = [];
  const log = new Logger(level, (text) => lines.push(...text.split("\n").filter(Boolean)));
  const service = new InferenceService({ log, now, metricsFlushMs });
  if (model) service.setModel(model);
  const { port } = await service.listen(0, "127.0.0.1");
  return { service, port, log, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, any>) };
}

export const waitFor = async (what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};
