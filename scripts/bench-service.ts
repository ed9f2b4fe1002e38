/**
 * Benchmark of the inference service: `npm run bench:service [-- --duration 10 --connections 10 --tool wrk|autocannon]`.
 *
 * Builds the bundle, starts it on 127.0.0.1 at a free port with the shipped model (pinned to CPU 0
 * with taskset when the machine has two or more CPUs, the load generator then runs on CPU 1),
 * checks one 100-instance answer against the scikit-learn fixture, then drives POST /forecast with
 * 1-instance and 100-instance bodies and prints requests/s, p50/p99 latency and the server's peak
 * RSS (VmHWM). The load generator is wrk when /usr/bin/wrk exists (microsecond latencies), else
 * autocannon (millisecond latencies). The server's log and EMF lines go to /dev/null.
 * Target: >= 10,000 single-instance requests/s with p99 < 5 ms on one core.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";

interface Options {
  durationS: number;
  connections: number;
  tool: "wrk" | "autocannon";
}

interface Measured {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
}

const ROOT = resolve(__dirname, "..");
const BUNDLE = join(ROOT, "service", "dist", "server.js");
const FIXTURE = join(ROOT, "service", "model", "fixtures", "predictions.json");
const WRK = "/usr/bin/wrk";
const TASKSET = "/usr/bin/taskset";

class BenchError extends Error {}

/** Aborts the run; the server child is still stopped by main's finally block. */
function fail(message: string): never {
  throw new BenchError(message);
}

function parseOptions(argv: string[]): Options {
  const options: Options = { durationS: 10, connections: 10, tool: existsSync(WRK) ? "wrk" : "autocannon" };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) fail(`${flag} needs a value`);
    if (flag === "--duration" && /^\d+$/.test(value) && +value >= 1 && +value <= 300) options.durationS = +value;
    else if (flag === "--connections" && /^\d+$/.test(value) && +value >= 1 && +value <= 1000) options.connections = +value;
    else if (flag === "--tool" && (value === "wrk" || value === "autocannon")) options.tool = value;
    else fail(`bad option ${flag} ${value}; use --duration 1-300, --connections 1-1000, --tool wrk|autocannon`);
  }
  if (options.tool === "wrk" && !existsSync(WRK)) fail(`${WRK} not found; use --tool autocannon`);
  return options;
}

function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });
}

async function waitHealthy(url: string, server: { exitCode: number | null }): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) fail(`server exited with ${server.exitCode} before becoming healthy`);
    try {
      if ((await fetch(`${url}/health`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  fail("server not healthy after 15 s");
}

async function runWrk(url: string, body: string, durationS: number, connections: number, pin: boolean): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), "bench-service-"));
  const script = join(dir, "post.lua");
  writeFileSync(
    script,
    [
      'wrk.method = "POST"',
      'wrk.headers["Content-Type"] = "application/json"',
      `wrk.body = [==[${body}]==]`,
      "function done(summary, latency, requests)",
      "  local e = summary.errors",
      '  io.write(string.format(\'{"requests":%d,"duration_us":%d,"failed":%d,"p50_us":%d,"p99_us":%d}\\n\',',
      "    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,",
      "    latency:percentile(50), latency:percentile(99)))",
      "end",
    ].join("\n"),
  );
  const args = ["-t1", `-c${connections}`, `-d${durationS}s`, "-s", script, `${url}/forecast`];
  const run = spawnSync(pin ? TASKSET : WRK, pin ? ["-c", "1", WRK, ...args] : args, { encoding: "utf8" });
  rmSync(dir, { recursive: true, force: true });
  const line = run.stdout.split("\n").find((l) => l.startsWith('{"requests"'));
  if (run.status !== 0 || !line) fail(`wrk failed: ${run.stderr || run.stdout}`);
  const r = JSON.parse(line) as { requests: number; duration_us: number; failed: number; p50_us: number; p99_us: number };
  return {
    requestsPerSecond: r.requests / (r.duration_us / 1e6),
    p50Ms: r.p50_us / 1000,
    p99Ms: r.p99_us / 1000,
    failed: r.failed,
  };
}

interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

async function runAutocannon(url: string, body: string, durationS: number, connections: number): Promise<Measured> {
  // autocannon ships no type declarations; the result fields used are listed in AutocannonResult.
  const autocannon = require("autocannon") as Autocannon;
  const r = await autocannon({
    url: `${url}/forecast`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    connections,
    duration: durationS,
  });
  return { requestsPerSecond: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, failed: r.non2xx + r.errors + r.timeouts };
}

function memory(pid: number): { hwm: string; rss: string } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { hwm: (kb("VmHWM") / 1024).toFixed(1), rss: (kb("VmRSS") / 1024).toFixed(1) };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const build = spawnSync(process.execPath, [join(ROOT, "service", "build.mjs")], { stdio: "inherit" });
  if (build.status !== 0) fail("bundle build failed");

  const fixture = JSON.parse(readFileSync(FIXTURE, "utf8")) as { instances: object[]; predictions: number[] };
  const bodies = [1, 100].map((n) => ({ n, body: JSON.stringify({ instances: fixture.instances.slice(0, n) }) }));
  const pin = existsSync(TASKSET) && availableParallelism() >= 2;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const command = pin ? [TASKSET, "-c", "0", process.execPath, BUNDLE] : [process.execPath, BUNDLE];
  const server = spawn(command[0]!, command.slice(1), {
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", MODEL_URI: "" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise<number | null>((done) => server.once("exit", (code) => done(code)));
  try {
    await waitHealthy(url, server);
    const check = (await (
      await fetch(`${url}/forecast`, { method: "POST", headers: { "content-type": "application/json" }, body: bodies[1]!.body })
    ).json()) as { predictions: number[] };
    const worst = Math.max(...check.predictions.map((p, i) => Math.abs(p - fixture.predictions[i]!)));
    if (!(worst < 1e-6)) fail(`predictions differ from the scikit-learn fixture by ${worst}`);
    if (pin && options.tool === "autocannon") spawnSync(TASKSET, ["-pc", "1", String(process.pid)], { stdio: "ignore" });

    console.log(
      `server pid ${server.pid}${pin ? " on CPU 0" : ""}; load: ${options.tool}${pin ? " on CPU 1" : ""}, ` +
        `${options.connections} connections, ${options.durationS} s per scenario after a 2 s warm-up`,
    );
    // autocannon records latencies in whole milliseconds; wrk in microseconds.
    const digits = options.tool === "wrk" ? 3 : 0;
    console.log("instances/request   requests/s   p50 ms   p99 ms   failed");
    const results: Measured[] = [];
    for (const { n, body } of bodies) {
      const drive = (seconds: number) =>
        options.tool === "wrk"
          ? runWrk(url, body, seconds, options.connections, pin)
          : runAutocannon(url, body, seconds, options.connections);
      await drive(2);
      const m = await drive(options.durationS);
      results.push(m);
      console.log(
        `${String(n).padStart(17)}   ${m.requestsPerSecond.toFixed(0).padStart(10)}   ${m.p50Ms.toFixed(digits).padStart(6)}   ` +
          `${m.p99Ms.toFixed(digits).padStart(6)}   ${String(m.failed).padStart(6)}`,
      );
    }
    const mem = memory(server.pid!);
    console.log(`server memory: peak RSS (VmHWM) ${mem.hwm} MiB, RSS now ${mem.rss} MiB`);
    const single = results[0]!;
    const met = single.requestsPerSecond >= 10_000 && single.p99Ms < 5 && single.failed === 0;
    console.log(`target (1 instance: >= 10000 req/s, p99 < 5 ms, no failures): ${met ? "met" : "NOT met"}`);
  } finally {
    server.kill("SIGTERM");
    const code = await exited;
    console.log(`server stopped with exit code ${code}`);
  }
}

main().catch((err: unknown) => {
  console.error(`bench-service: ${err instanceof BenchError ? err.message : err instanceof Error ? err.stack : String(err)}`);
  process.exitCode = 1;
});
