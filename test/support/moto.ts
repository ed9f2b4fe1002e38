// moto's AWS API emulator for handler tests: `moto_server` from .venv/moto (made by `npm test` from
// python/requirements-moto.txt) on 127.0.0.1, at a port the kernel picks, read from the server's own "Running on"
// line so no two test files can race for a port. Every wait is bounded; `stop()` ends the process. The AWS SDK
// reaches it through AWS_ENDPOINT_URL, which SDK v3 clients read when they resolve their endpoint.
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline";
import { afterAll, beforeAll } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
/** The emulator's entry point inside its virtual environment. */
export const MOTO_SERVER = path.join(ROOT, ".venv", "moto", "bin", "moto_server");
/** Longest wait for the server to listen and answer, in milliseconds. */
export const START_TIMEOUT_MS = 30_000;
/** Longest wait for the server to exit after SIGTERM before SIGKILL, in milliseconds. */
export const STOP_TIMEOUT_MS = 5_000;
/** Region and credentials every test uses; moto's default account is 123456789012. */
export const REGION = "eu-west-1";
export const CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

export interface MotoServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The server's last output lines, for failure messages. */
  readonly output: readonly string[];
  /** Clears all emulated state (POST /moto-api/reset). */
  reset(): Promise<void>;
  /** Stops the server; resolves once it has exited. */
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once("exit", () => r()));
}

async function stopProcess(child: ChildProcess): Promise<void> {
  const done = exited(child);
  child.kill("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((r) => (timer = setTimeout(() => r("late"), STOP_TIMEOUT_MS)));
  if ((await Promise.race([done, late])) === "late") {
    child.kill("SIGKILL");
    await done;
  }
  clearTimeout(timer);
}

/**
 * Starts `moto_server -H 127.0.0.1 -p 0` and waits (at most START_TIMEOUT_MS) until it answers. Throws with a message
 * telling to run `npm test` when .venv/moto does not exist, so a missing emulator fails the suite instead of skipping.
 */
export async function startMotoServer(): Promise<MotoServer> {
  if (!fs.existsSync(MOTO_SERVER)) {
    throw new Error(`${path.relative(ROOT, MOTO_SERVER)} is missing: run \`npm test\`, which creates .venv/moto from python/requirements-moto.txt`);
  }
  const child = spawn(MOTO_SERVER, ["-H", "127.0.0.1", "-p", "0"], { stdio: ["ignore", "ignore", "pipe"] });
  const output: string[] = [];
  // The server logs every request to stderr: keep reading it so it never blocks on a full pipe.
  const lines = readline.createInterface({ input: child.stderr! });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`moto_server did not start within ${START_TIMEOUT_MS} ms: ${output.join(" | ")}`)), START_TIMEOUT_MS);
    child.once("error", (err) => (clearTimeout(timer), reject(err)));
    child.once("exit", (code) => (clearTimeout(timer), reject(new Error(`moto_server exited with ${code}: ${output.join(" | ")}`))));
    lines.on("line", (line) => {
      output.push(line);
      if (output.length > 200) output.shift();
      const found = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (found) (clearTimeout(timer), resolve(found[1]));
    });
  }).catch(async (err: Error) => {
    await stopProcess(child);
    throw err;
  });
  child.removeAllListeners("exit");
  const server: MotoServer = {
    url,
    output,
    async reset() {
      const res = await fetch(`${url}/moto-api/reset`, { method: "POST", signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`moto reset failed: ${res.status}`);
    },
    stop: () => stopProcess(child),
  };
  try {
    const res = await fetch(`${url}/moto-api/data.json`, { signal: AbortSignal.timeout(START_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`moto_server answered ${res.status} on ${url}/moto-api/data.json`);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

/**
 * Points every AWS SDK v3 client made after this call at `url` (AWS_ENDPOINT_URL) with test credentials and region,
 * and removes any profile or credentials of the machine from this process's environment.
 */
export function useEndpoint(url: string): void {
  for (const name of Object.keys(process.env)) if (name.startsWith("AWS_")) delete process.env[name];
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: url,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  });
}

/** Client options for reading and seeding state in the emulator directly. */
export function clientConfig(server: MotoServer): { endpoint: string; region: string; credentials: typeof CREDENTIALS } {
  return { endpoint: server.url, region: REGION, credentials: CREDENTIALS };
}

/**
 * One moto server for the calling test file: started, with the SDK pointed at it (useEndpoint), before the file's own
 * beforeAll hooks, and stopped after its tests. Returns a getter for use inside hooks and tests.
 */
export function motoServerForFile(): () => MotoServer {
  let server: MotoServer | undefined;
  beforeAll(async () => {
    server = await startMotoServer();
    useEndpoint(server.url);
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (server === undefined) throw new Error("the moto server of this test file is not running");
    return server;
  };
}
