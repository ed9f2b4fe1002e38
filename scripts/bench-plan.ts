// `npm run bench:plan`: wall time and peak RSS of the offline plan of each stack as `npm run plan` runs it (the
// compiled program, scripts/program.js), next to the floor every Pulumi TypeScript program pays (loading @pulumi/aws
// and @pulumi/aws-native), with the ratios against the targets (≤ 2.0 x floor), then dev with 0, 50 and 200 static
// devices and what one device costs (targets: ≤ 0.5 % of the 0-device time and ≤ 0.5 MB). Prints figures; asserts
// nothing.
//
// The machine is shared, so runs are interleaved (one run of every row per round, the order rotated each round): a
// burst of other work lands on every row alike instead of on one of them. The per-device cost is the slope of a
// least-squares line through every fleet run (wall time, CPU time and peak RSS alike, with its standard error), not the
// difference of two medians; its base is the line's value at 0 devices.
//
//   npm run bench:plan [-- --runs N]
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { parse, stringify } from "yaml";
import { fitLine, type LineFit } from "./bench/fit";

const ROOT = path.resolve(__dirname, "..");
const PRELOAD = path.join(__dirname, "bench", "usage.cjs");
/** The offline plan as `npm run plan` runs it: the compiled program, rebuilt first when a source changed. */
const PLAN = ["scripts/program.js", "plan"];
/** Static device counts the per-device cost is fitted over. */
const FLEET_SIZES = [0, 50, 200] as const;

interface Run {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly rssMiB: number;
}

interface Row {
  readonly label: string;
  readonly args: string[];
  /** Static devices, for the fleet rows. */
  readonly devices?: number;
  readonly runs: Run[];
}

/** How a child that did not succeed ended: its exit code, or the signal that stopped it (an interrupted run). */
function ended(r: { status: number | null; signal: NodeJS.Signals | null; error?: Error }): string {
  if (r.error) return `did not run (${r.error.message})`;
  return r.signal ? `stopped by ${r.signal}` : `exited ${r.status}`;
}

function runOnce(row: Row): Run {
  const usageFile = path.join(os.tmpdir(), `bench-usage-${process.pid}`);
  fs.rmSync(usageFile, { force: true });
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ["--require", PRELOAD, ...row.args], {
    cwd: ROOT,
    env: { ...process.env, BENCH_USAGE_FILE: usageFile },
    encoding: "utf8",
  });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${row.label}: ${ended(r)}: ${r.stderr.trim()}`);
  const [rssKiB, cpuMs] = fs.readFileSync(usageFile, "utf8").trim().split(" ").map(Number);
  fs.rmSync(usageFile, { force: true });
  return { wallMs, cpuMs, rssMiB: rssKiB / 1024 };
}

/** `runs` rounds; each round runs every row once, starting one row later than the round before. */
function measureInterleaved(rows: Row[], runs: number): void {
  for (let round = 0; round < runs; round++) {
    for (let i = 0; i < rows.length; i++) {
      const row = rows[(i + round) % rows.length];
      row.runs.push(runOnce(row));
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Pulumi.dev.yaml with `count` prototype devices (generated keys, as dev allows), written into `dir`. */
function devWithDevices(count: number, dir: string): string {
  const file = parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, any> };
  const fleet = file.config["edge-mlops:edgeFleet"];
  fleet.allowGeneratedKeys = true;
  fleet.devices = Array.from({ length: count }, (_, i) => ({ name: `bench-hub-${String(i).padStart(4, "0")}` }));
  const out = path.join(dir, `dev-${count}-devices.yaml`);
  fs.writeFileSync(out, stringify(file));
  return out;
}

function resourceCount(configFile: string): number {
  const json = `${configFile}.json`;
  const r = spawnSync(process.execPath, [...PLAN, "--stack", "dev", "--config-file", configFile, "--json", json], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`plan with ${configFile}: ${ended(r)}: ${r.stderr.trim()}`);
  return (JSON.parse(fs.readFileSync(json, "utf8")) as { resources: unknown[] }).resources.length;
}

/** The line through every fleet run of one figure. */
function fitFleet(rows: Row[], figure: (r: Run) => number): LineFit {
  return fitLine(rows.flatMap((row) => row.runs.map((run) => ({ x: row.devices!, y: figure(run) }))));
}

/** The run's own temporary folder (its stack files and plans), removed at the end. */
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), "bench-plan-"));

function main() {
  const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 2 || runs > 50) throw new Error(`--runs must be an integer from 2 to 50, got ${JSON.stringify(values.runs)}`);
  const floor: Row = { label: "floor: require @pulumi/aws + @pulumi/aws-native", args: ["-e", "require('@pulumi/aws'); require('@pulumi/aws-native')"], runs: [] };
  const stacks: Row[] = ["dev", "staging", "prod"].map((stack) => ({ label: `plan --stack ${stack}`, args: [...PLAN, "--stack", stack], runs: [] }));
  const fleets: Row[] = FLEET_SIZES.map((n) => {
    const file = devWithDevices(n, WORK);
    return { label: `plan dev with ${n} static things (${resourceCount(file)} resources)`, args: [...PLAN, "--stack", "dev", "--config-file", file], devices: n, runs: [] };
  });
  measureInterleaved([floor, ...stacks, ...fleets], runs);

  const wall = (r: Row) => median(r.runs.map((x) => x.wallMs));
  const rss = (r: Row) => median(r.runs.map((x) => x.rssMiB));
  console.log(
    `offline plan benchmark: ${runs} interleaved run(s) each, median wall time and median peak RSS; node ${process.version}, ${os.cpus().length} cores, ` +
      `load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`,
  );
  console.log("");
  console.log(`${"what".padEnd(56)} ${"wall ms".padStart(9)} ${"peak RSS MiB".padStart(13)} ${"x floor (time / RSS)".padStart(22)}  target ≤ 2.0`);
  for (const r of [floor, ...stacks, ...fleets]) {
    const time = wall(r) / wall(floor);
    const mem = rss(r) / rss(floor);
    const verdict = stacks.includes(r) ? (time <= 2 && mem <= 2 ? "  met" : "  MISSED") : "";
    console.log(`${r.label.padEnd(56)} ${wall(r).toFixed(0).padStart(9)} ${rss(r).toFixed(1).padStart(13)} ${`${time.toFixed(2)} / ${mem.toFixed(2)}`.padStart(22)}${verdict}`);
  }

  const time = fitFleet(fleets, (r) => r.wallMs);
  const cpu = fitFleet(fleets, (r) => r.cpuMs);
  const mem = fitFleet(fleets, (r) => r.rssMiB * 1.048576);
  const pct = (f: LineFit, x: number) => (x / f.intercept) * 100;
  console.log("");
  console.log(`per static device: least-squares slope over ${time.points} runs of ${FLEET_SIZES.join(", ")} devices, ± one standard error`);
  console.log(
    `  wall time  ${time.slope.toFixed(2)} ± ${time.slopeStdError.toFixed(2)} ms = ${pct(time, time.slope).toFixed(3)} ± ${pct(time, time.slopeStdError).toFixed(3)} % of the ` +
      `0-device plan's ${time.intercept.toFixed(0)} ms   target ≤ 0.5 %  ${pct(time, time.slope) <= 0.5 ? "met" : "MISSED"}`,
  );
  console.log(
    `  CPU time   ${cpu.slope.toFixed(2)} ± ${cpu.slopeStdError.toFixed(2)} ms = ${pct(cpu, cpu.slope).toFixed(3)} ± ${pct(cpu, cpu.slopeStdError).toFixed(3)} % of the ` +
      `0-device plan's ${cpu.intercept.toFixed(0)} ms (user + system: other work moves it least)`,
  );
  console.log(`  peak RSS   ${mem.slope.toFixed(3)} ± ${mem.slopeStdError.toFixed(3)} MB   target ≤ 0.5 MB  ${mem.slope <= 0.5 ? "met" : "MISSED"}`);
}

try {
  main();
} catch (e) {
  console.error(`bench:plan failed: ${(e as Error).message}`);
  process.exitCode = 1;
} finally {
  fs.rmSync(WORK, { recursive: true, force: true });
}
