// `npm run bench:plan`: wall time and peak RSS of the offline plan of each stack as `npm run plan` runs it (the
// compiled program, scripts/program.js), next to the floor every Pulumi TypeScript program pays (loading @pulumi/aws
// and @pulumi/aws-native), with the ratios against the targets (≤ 2.0 x floor), then dev with 0, 50 and 200 static
// devices and what one device costs (targets: ≤ 0.5 % of the 0-device time and ≤ 0.5 MB). Prints figures; asserts
// nothing.
//
//   npm run bench:plan [-- --runs N]
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { parse, stringify } from "yaml";

const ROOT = path.resolve(__dirname, "..");
const PRELOAD = path.join(__dirname, "bench", "peak-rss.cjs");
/** The offline plan as `npm run plan` runs it: the compiled program, rebuilt first when a source changed. */
const PLAN = ["scripts/program.js", "plan"];

interface Figures {
  readonly label: string;
  readonly wallMs: number[];
  readonly rssKiB: number[];
}

function measure(label: string, args: string[], runs: number, extraEnv: Record<string, string> = {}): Figures {
  const rssFile = path.join(os.tmpdir(), `bench-rss-${process.pid}-${label.replace(/\W/g, "_")}`);
  fs.rmSync(rssFile, { force: true });
  const wallMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ["--require", PRELOAD, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...extraEnv, BENCH_RSS_FILE: rssFile },
      encoding: "utf8",
    });
    wallMs.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (r.status !== 0) throw new Error(`${label}: exited ${r.status}: ${r.stderr.trim()}`);
  }
  const rssKiB = fs.readFileSync(rssFile, "utf8").trim().split("\n").map(Number);
  fs.rmSync(rssFile, { force: true });
  return { label, wallMs, rssKiB };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Pulumi.dev.yaml with `count` prototype devices (generated keys, as dev allows), written to a temp file. */
function devWithDevices(count: number): string {
  const file = parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, any> };
  const fleet = file.config["edge-mlops:edgeFleet"];
  fleet.allowGeneratedKeys = true;
  fleet.devices = Array.from({ length: count }, (_, i) => ({ name: `bench-hub-${String(i).padStart(4, "0")}` }));
  const out = path.join(os.tmpdir(), `bench-plan-dev-${count}-devices.yaml`);
  fs.writeFileSync(out, stringify(file));
  return out;
}

function resourceCount(configFile: string): number {
  const json = `${configFile}.json`;
  const r = spawnSync(process.execPath, [...PLAN, "--stack", "dev", "--config-file", configFile, "--json", json], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`plan with ${configFile} exited ${r.status}: ${r.stderr.trim()}`);
  return (JSON.parse(fs.readFileSync(json, "utf8")) as { resources: unknown[] }).resources.length;
}

function main() {
  const { values } = parseArgs({ options: { runs: { type: "string", default: "3" } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 50) throw new Error("--runs must be an integer from 1 to 50");
  const rows: Figures[] = [
    measure("floor: require @pulumi/aws + @pulumi/aws-native", ["-e", "require('@pulumi/aws'); require('@pulumi/aws-native')"], runs),
    ...["dev", "staging", "prod"].map((stack) => measure(`plan --stack ${stack}`, [...PLAN, "--stack", stack], runs)),
  ];
  const fleets = [0, 50, 200].map((n) => ({ n, file: devWithDevices(n) }));
  const counts = new Map(fleets.map(({ n, file }) => [n, resourceCount(file)]));
  const fleetRows = fleets.map(({ n, file }) => measure(`plan dev with ${n} static things (${counts.get(n)} resources)`, [...PLAN, "--stack", "dev", "--config-file", file], runs));
  const wall = (r: Figures) => median(r.wallMs);
  const rssMiB = (r: Figures) => Math.max(...r.rssKiB) / 1024;
  const floor = rows[0];
  console.log(`offline plan benchmark: ${runs} run(s) each, median wall time, peak RSS (max over runs); node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  console.log("");
  console.log(`${"what".padEnd(56)} ${"wall ms".padStart(9)} ${"peak RSS MiB".padStart(13)} ${"x floor (time / RSS)".padStart(22)}  target ≤ 2.0`);
  for (const r of [...rows, ...fleetRows]) {
    const time = wall(r) / wall(floor);
    const rss = rssMiB(r) / rssMiB(floor);
    const verdict = !rows.includes(r) || r === floor ? "" : time <= 2 && rss <= 2 ? "  met" : "  MISSED";
    console.log(`${r.label.padEnd(56)} ${wall(r).toFixed(0).padStart(9)} ${rssMiB(r).toFixed(1).padStart(13)} ${`${time.toFixed(2)} / ${rss.toFixed(2)}`.padStart(22)}${verdict}`);
  }
  console.log("");
  console.log(`per static device, against dev with 0 devices (targets: ≤ 0.5 % of its time, ≤ 0.5 MB)`);
  const base = fleetRows[0];
  for (const [i, { n }] of fleets.entries()) {
    if (n === 0) continue;
    const pct = ((wall(fleetRows[i]) - wall(base)) / n / wall(base)) * 100;
    const mb = ((rssMiB(fleetRows[i]) - rssMiB(base)) * 1.048576) / n;
    const verdict = pct <= 0.5 && mb <= 0.5 ? "met" : "MISSED";
    console.log(`  ${String(n).padStart(3)} devices: ${pct.toFixed(3)} % of the time and ${mb.toFixed(3)} MB each  ${verdict}`);
  }
}

try {
  main();
} catch (e) {
  console.error(`bench:plan failed: ${(e as Error).message}`);
  process.exit(1);
}
