/**
 * Benchmark of the inference service beside a plain fastify peer, a fastify floor and a bare node:http ceiling:
 * `npm run bench:service [-- --duration 5 --rounds 5 --connections 10 --tool wrk|autocannon --peer-logger info|off]`
 * (`--help` prints the options; a bad option exits 2 with them).
 *
 * One run bundles the service (service/build.mjs), the peer (scripts/bench/fastify-peer.ts: same
 * model, encoding and predictor, fastify's defaults, its logger at info like the service unless
 * `--peer-logger off`), the floor (scripts/bench/fastify-floor.ts: fastify alone, its logger off,
 * parses the body, answers a constant JSON document) and the ceiling (scripts/bench/ceiling.ts:
 * node:http alone, reads the body, answers the same document) with esbuild, starts all four on 127.0.0.1 at free ports with their
 * stdout on /dev/null, pinned to CPU 0 with taskset when the machine has two or more CPUs (the
 * load generator then runs on CPU 1), and checks that the service and the peer answer the
 * scikit-learn fixture. Then, in each round, for 1 and for 100 instances per request, the servers
 * take turns under POST /forecast for `--duration` seconds, in an order turned by one each round (the first
 * round starts each with a 2 s warm-up; the floor runs at 1 instance only). Per window it records requests/s, p50 and p99 latency, failed requests, the
 * server process's CPU time per request (utime + stime of /proc/<pid>/stat, every thread of the
 * process, over the window, divided by the requests completed in it), that CPU time in % of one
 * core, and the time its main thread was runnable but not running (/proc/<pid>/schedstat: other
 * work on its CPU). One table prints the medians side by side, then the ratios the targets need,
 * each the median of the per-round ratios (the servers of a round run back to back, so a slow
 * drift of the machine's load hits both sides of a ratio alike):
 *
 *   service CPU ms/request <= peer's, at 1 and at 100 instances per request
 *   service requests/s at 1 instance >= 70 % of the ceiling's
 *
 * and, beside the last, the floor's requests/s over the ceiling's: the most any fastify server that
 * reads a JSON body reaches of the ceiling on this machine (no target; a floor below 0.70 puts the
 * 70 % target out of fastify's reach here, whatever the server does).
 *
 * A server whose CPU % plus wait % stays under 90 was idle part of the time: the load generator
 * set the pace, so its requests/s is a lower bound (marked *). The load generator is wrk when
 * /usr/bin/wrk exists (microsecond latencies), else autocannon in this process (millisecond
 * latencies; its own CPU use is printed). Every server is stopped at the end, also when a step
 * fails; the whole run takes about 7 × rounds × duration + 20 seconds.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";

interface Options {
  durationS: number;
  connections: number;
  tool: "wrk" | "autocannon";
  peerLogger: "info" | "off";
  rounds: number;
}

interface Measured {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
  /** CPU time of the load generator's process in % of one core (autocannon only). */
  generatorCpu?: number;
}

interface Server {
  readonly name: string;
  readonly url: string;
  readonly proc: ChildProcess;
  /** How the process ended: "exit code N" or "stopped by SIGNAL". */
  readonly exited: Promise<string>;
}

interface Sample {
  round: number;
  server: Server;
  instances: number;
  m: Measured;
  cpuMsPerRequest: number;
  /** CPU time of the server process (all threads) over the window, in % of one core. */
  cpuPercent: number;
  /** Time its main thread was runnable but not running, in % of the window. */
  waitPercent: number;
}

const ROOT = resolve(__dirname, "..");
const MODEL = join(ROOT, "service", "model", "model.json");
const FIXTURE = join(ROOT, "service", "model", "fixtures", "predictions.json");
const WRK = "/usr/bin/wrk";
const TASKSET = "/usr/bin/taskset";
const WARM_UP_S = 2;
/** Below this CPU use a server was not what limited the run. */
const SATURATED_PERCENT = 90;

class BenchError extends Error {}
/** A bad command line: exit 2 with the usage. */
class UsageError extends Error {}

const USAGE = [
  "usage: npm run bench:service [-- OPTIONS]",
  "  --duration S       seconds per measured run, 1-60 (default 5)",
  "  --rounds N         rounds of runs, 1-9 (default 5); the ratios are the median of the per-round ratios",
  "  --connections N    concurrent connections of the load generator, 1-256 (default 10)",
  `  --tool T           wrk (default when ${WRK} exists) or autocannon`,
  "  --peer-logger L    the fastify peer's logger: info (default, like the service) or off",
].join("\n");

/** Aborts the run; the servers are still stopped by main's finally block. */
function fail(message: string): never {
  throw new BenchError(message);
}

/** The options, or undefined for --help / -h. Throws UsageError for a bad command line. */
function parseOptions(argv: string[]): Options | undefined {
  const options: Options = { durationS: 5, connections: 10, tool: existsSync(WRK) ? "wrk" : "autocannon", peerLogger: "info", rounds: 5 };
  if (argv.includes("--help") || argv.includes("-h")) return undefined;
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    if (flag === "--duration" && /^\d+$/.test(value) && +value >= 1 && +value <= 60) options.durationS = +value;
    else if (flag === "--rounds" && /^\d+$/.test(value) && +value >= 1 && +value <= 9) options.rounds = +value;
    else if (flag === "--connections" && /^\d+$/.test(value) && +value >= 1 && +value <= 256) options.connections = +value;
    else if (flag === "--tool" && (value === "wrk" || value === "autocannon")) options.tool = value;
    else if (flag === "--peer-logger" && (value === "info" || value === "off")) options.peerLogger = value;
    else throw new UsageError(`bad option ${flag} ${value}`);
  }
  if (options.tool === "wrk" && !existsSync(WRK)) throw new UsageError(`${WRK} not found; use --tool autocannon`);
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

/** Ticks per second of /proc/<pid>/stat's utime and stime. */
function clockTicks(): number {
  const out = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  const ticks = Number(out.stdout?.trim());
  return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
}

/** utime + stime of a process (all its threads), in clock ticks. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** Time the process's main thread spent runnable but waiting for a CPU (/proc/<pid>/schedstat), in ms. */
function runQueueWaitMs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[1]) / 1e6;
}

function peakRssMiB(pid: number): string {
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return kb ? (Number(kb) / 1024).toFixed(1) : "?";
}

async function bundle(entry: string, outfile: string): Promise<void> {
  await build({ entryPoints: [entry], outfile, bundle: true, platform: "node", target: "node20", format: "cjs", minify: true, logLevel: "warning" });
}

async function waitHealthy(server: Server): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (server.proc.exitCode !== null || server.proc.signalCode !== null) fail(`${server.name} ended before becoming healthy: ${await server.exited}`);
    try {
      if ((await fetch(`${server.url}/health`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  fail(`${server.name} not healthy after 15 s`);
}

async function start(name: string, file: string, env: Record<string, string>, pin: boolean): Promise<Server> {
  const port = await freePort();
  const command = pin ? [TASKSET, "-c", "0", process.execPath, file] : [process.execPath, file];
  const proc = spawn(command[0]!, command.slice(1), {
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", PORT: String(port), HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise<string>((done) => proc.once("exit", (code, signal) => done(signal ? `stopped by ${signal}` : `exit code ${code}`)));
  return { name, url: `http://127.0.0.1:${port}`, proc, exited };
}

async function stop(server: Server): Promise<string> {
  if (server.proc.exitCode !== null || server.proc.signalCode !== null) return `ended earlier: ${await server.exited}`;
  server.proc.kill("SIGTERM");
  const timeout = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 15_000).unref());
  const ended = await Promise.race([server.exited, timeout]);
  if (ended === "timeout") {
    server.proc.kill("SIGKILL");
    return "killed after 15 s";
  }
  return ended;
}

function runWrk(url: string, body: string, durationS: number, connections: number, pin: boolean): Measured {
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
  const run = spawnSync(pin ? TASKSET : WRK, pin ? ["-c", "1", WRK, ...args] : args, { encoding: "utf8", timeout: (durationS + 30) * 1000 });
  rmSync(dir, { recursive: true, force: true });
  const line = run.stdout?.split("\n").find((l) => l.startsWith('{"requests"'));
  if (run.status !== 0 || !line) fail(`wrk failed: ${run.stderr || run.stdout}`);
  const r = JSON.parse(line) as { requests: number; duration_us: number; failed: number; p50_us: number; p99_us: number };
  return { requests: r.requests, requestsPerSecond: r.requests / (r.duration_us / 1e6), p50Ms: r.p50_us / 1000, p99Ms: r.p99_us / 1000, failed: r.failed };
}

interface AutocannonResult {
  requests: { total: number; average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

async function runAutocannon(url: string, body: string, durationS: number, connections: number): Promise<Measured> {
  // autocannon ships no type declarations; the result fields used are listed in AutocannonResult.
  const autocannon = require("autocannon") as Autocannon;
  const before = process.cpuUsage();
  const started = performance.now();
  const r = await autocannon({ url: `${url}/forecast`, method: "POST", headers: { "content-type": "application/json" }, body, connections, duration: durationS });
  const used = process.cpuUsage(before);
  return {
    requests: r.requests.total,
    requestsPerSecond: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    failed: r.non2xx + r.errors + r.timeouts,
    generatorCpu: ((used.user + used.system) / 1000 / (performance.now() - started)) * 100,
  };
}

async function checkAnswers(servers: Server[], body: string, expected: number[]): Promise<void> {
  for (const server of servers) {
    const reply = await fetch(`${server.url}/forecast`, { method: "POST", headers: { "content-type": "application/json" }, body });
    const got = ((await reply.json()) as { predictions?: number[] }).predictions ?? [];
    const worst = got.length === expected.length ? Math.max(...got.map((p, i) => Math.abs(p - expected[i]!))) : Infinity;
    if (!(worst < 1e-6)) fail(`${server.name}: predictions differ from the scikit-learn fixture (worst difference ${worst})`);
  }
}

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** One row per server and body size: the median over the rounds (failed: the sum). */
function printTable(samples: Sample[], servers: Server[], options: Options): void {
  // autocannon records latencies in whole milliseconds; wrk in microseconds.
  const digits = options.tool === "wrk" ? 3 : 0;
  const load = options.tool === "autocannon" ? "  load CPU %" : "";
  console.log(`instances  ${"server".padEnd(30)}  requests/s  p50 ms  p99 ms  failed  CPU ms/request (range)    CPU %  wait %${load}`);
  let idle = false;
  for (const n of [1, 100]) {
    for (const server of servers) {
      const own = samples.filter((x) => x.server === server && x.instances === n);
      if (own.length === 0) continue;
      const mid = (f: (x: Sample) => number) => median(own.map(f));
      const cpu = own.map((x) => x.cpuMsPerRequest);
      const busy = mid((x) => x.cpuPercent + x.waitPercent);
      idle ||= busy < SATURATED_PERCENT;
      const range = `(${Math.min(...cpu).toFixed(4)}-${Math.max(...cpu).toFixed(4)})`;
      const generator = own[0]!.m.generatorCpu === undefined ? "" : mid((x) => x.m.generatorCpu!).toFixed(0).padStart(12);
      console.log(
        `${String(n).padStart(9)}  ${server.name.padEnd(30)}  ${mid((x) => x.m.requestsPerSecond).toFixed(0).padStart(10)}  ` +
          `${mid((x) => x.m.p50Ms).toFixed(digits).padStart(6)}  ${mid((x) => x.m.p99Ms).toFixed(digits).padStart(6)}  ` +
          `${String(own.reduce((a, x) => a + x.m.failed, 0)).padStart(6)}  ${median(cpu).toFixed(4).padStart(7)} ${range.padEnd(15)}  ` +
          `${mid((x) => x.cpuPercent).toFixed(0).padStart(5)}  ${mid((x) => x.waitPercent).toFixed(0).padStart(5)}${busy < SATURATED_PERCENT ? "*" : " "}${generator}`,
      );
    }
  }
  console.log(
    "each figure is the median of the rounds; failed: non-2xx answers, errors and timeouts of all rounds; (range): the lowest and\n" +
      "highest round; CPU %: the server's CPU time over the window; wait %: its main thread runnable but not running (other work\n" +
      `on its CPU)${options.tool === "autocannon" ? "; load CPU %: autocannon's own (on the other CPU); p50/p99 in whole ms (autocannon's resolution)" : ""}`,
  );
  if (idle) console.log(`* CPU % + wait % under ${SATURATED_PERCENT}: the server sat idle part of the time (the load generator set the pace)`);
}

/** The target ratios, each the median of the per-round ratios (the servers of one round ran minutes apart at most). */
function printRatios(samples: Sample[], servers: Server[], rounds: number): void {
  const per = (metric: (x: Sample) => number, a: number, b: number, n: number) => {
    const ratios: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const at = (server: number) => samples.find((x) => x.round === round && x.server === servers[server] && x.instances === n)!;
      ratios.push(metric(at(a)) / metric(at(b)));
    }
    return { mid: median(ratios), text: rounds > 1 ? `(rounds ${ratios.map((r) => r.toFixed(3)).join(", ")})` : "" };
  };
  const cpu = (x: Sample) => x.cpuMsPerRequest;
  const rps = (x: Sample) => x.m.requestsPerSecond;
  const rows: Array<[string, { mid: number; text: string }, string, (r: number) => boolean]> = [
    ["CPU ms/request, service / peer, 1 instance", per(cpu, 0, 1, 1), "<= 1.000", (r) => r <= 1],
    ["CPU ms/request, service / peer, 100 instances", per(cpu, 0, 1, 100), "<= 1.000", (r) => r <= 1],
    ["requests/s, service / bare node:http, 1 instance", per(rps, 0, 2, 1), ">= 0.700", (r) => r >= 0.7],
  ];
  console.log("targets (median of the rounds)");
  for (const [label, ratio, target, met] of rows) {
    console.log(`  ${label.padEnd(50)} ${ratio.mid.toFixed(3).padStart(6)}  target ${target}  ${(met(ratio.mid) ? "met" : "NOT met").padEnd(7)} ${ratio.text}`);
  }
  const floor = per(rps, 3, 2, 1);
  console.log("no target");
  console.log(`  ${"requests/s, fastify floor / bare node:http, 1 inst.".padEnd(50)} ${floor.mid.toFixed(3).padStart(6)}  ${floor.text}`);
  console.log(
    `    (fastify alone: no logger, no validation, a constant answer; a server on fastify does at least this much per request${
      floor.mid < 0.7 ? ",\n    so no server on fastify reaches the 0.700 target on this machine)" : ")"
    }`,
  );
  console.log(`  ${"requests/s, service / peer, 1 | 100 instances".padEnd(50)} ${per(rps, 0, 1, 1).mid.toFixed(3).padStart(6)} | ${per(rps, 0, 1, 100).mid.toFixed(3)}`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (!options) return console.log(USAGE);
  const work = mkdtempSync(join(tmpdir(), "bench-service-bundles-"));
  const servers: Server[] = [];
  try {
    const ours = join(work, "service", "dist", "server.js");
    const service = spawnSync(process.execPath, [join(ROOT, "service", "build.mjs"), "--outfile", ours], { stdio: "inherit" });
    if (service.status !== 0) fail("service bundle build failed");
    await bundle(join(__dirname, "bench", "fastify-peer.ts"), join(work, "peer.js"));
    await bundle(join(__dirname, "bench", "ceiling.ts"), join(work, "ceiling.js"));
    await bundle(join(__dirname, "bench", "fastify-floor.ts"), join(work, "floor.js"));

    const fixture = JSON.parse(readFileSync(FIXTURE, "utf8")) as { instances: object[]; predictions: number[] };
    const bodies = [1, 100].map((n) => ({ n, body: JSON.stringify({ instances: fixture.instances.slice(0, n) }) }));
    const pin = existsSync(TASKSET) && availableParallelism() >= 2;
    servers.push(await start("service (ours)", ours, { MODEL_URI: MODEL }, pin));
    servers.push(await start(`fastify peer (logger ${options.peerLogger})`, join(work, "peer.js"), { MODEL_PATH: MODEL, PEER_LOGGER: options.peerLogger }, pin));
    servers.push(await start("bare node:http (ceiling)", join(work, "ceiling.js"), {}, pin));
    const floor = await start("fastify floor (no logger)", join(work, "floor.js"), {}, pin);
    servers.push(floor);
    for (const server of servers) await waitHealthy(server);
    await checkAnswers(servers.slice(0, 2), bodies[1]!.body, fixture.predictions.slice(0, 100));
    if (pin && options.tool === "autocannon") spawnSync(TASKSET, ["-pc", "1", String(process.pid)], { stdio: "ignore" });

    const ticks = clockTicks();
    console.log(
      `servers${pin ? " on CPU 0" : ""}; load: ${options.tool}${pin ? " on CPU 1" : ""}, ${options.connections} connections; loopback; ` +
        `${options.rounds} round(s) of ${options.durationS} s runs, servers taking turns in an order turned each round, after a ${WARM_UP_S} s warm-up each; CPU from /proc/<pid>/stat at ${ticks} ticks/s`,
    );
    const samples: Sample[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      for (const { n, body } of bodies) {
        // The order turns each round, so no server always runs first (after the other size's runs) or last.
        for (const server of [...servers.slice(round - 1), ...servers.slice(0, round - 1)]) {
          // The floor answers a constant document: only the 1-instance target reads it.
          if (server === floor && n !== 1) continue;
          const drive = (seconds: number) =>
            options.tool === "wrk" ? Promise.resolve(runWrk(server.url, body, seconds, options.connections, pin)) : runAutocannon(server.url, body, seconds, options.connections);
          if (round === 1) await drive(WARM_UP_S);
          const pid = server.proc.pid!;
          const [cpuBefore, waitBefore, wallBefore] = [cpuTicks(pid), runQueueWaitMs(pid), performance.now()];
          const m = await drive(options.durationS);
          const wallMs = performance.now() - wallBefore;
          const cpuMs = ((cpuTicks(pid) - cpuBefore) * 1000) / ticks;
          samples.push({ round, server, instances: n, m, cpuMsPerRequest: cpuMs / Math.max(m.requests, 1), cpuPercent: (cpuMs / wallMs) * 100, waitPercent: ((runQueueWaitMs(pid) - waitBefore) / wallMs) * 100 });
        }
      }
    }
    printTable(samples, servers, options);
    printRatios(samples, servers, options.rounds);
    console.log(`server memory, peak RSS (VmHWM): ${servers.map((s) => `${s.name} ${peakRssMiB(s.proc.pid!)} MiB`).join(", ")}`);
  } finally {
    if (servers.length > 0) console.log("SIGTERM to each server (the service drains and exits; the others have no handler, the signal ends them):");
    for (const server of servers) console.log(`  ${server.name}: ${await stop(server)}`);
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  if (err instanceof UsageError) {
    console.error(`bench-service: ${err.message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  console.error(`bench-service: ${err instanceof BenchError ? err.message : err instanceof Error ? err.stack : String(err)}`);
  process.exitCode = 1;
});
