/**
 * Lambda bundle benchmark: `npm run bench:lambda [-- --runs N]`.
 *
 * For every function in lambda/ (a folder with an index.ts) this bundles it exactly as the
 * program deploys it (components/lambda-bundle.ts), writes the bundle to a temporary folder and
 * `require`s it in a fresh `node` process N times (default 15), then prints:
 *  - the bundle size in bytes and KB, and the verdict against the 50 KB target;
 *  - the median module-load time of a cold process, AWS SDK included (the SDK the bundle leaves
 *    external is resolved from this repository's node_modules, as the Lambda runtime provides it);
 *  - the median load time of the bundle alone, with its SDK clients loaded beforehand.
 * Exits with status 1 when a bundle is over the size target.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { availableLambdas, BUNDLE_SIZE_TARGET_BYTES, bundleLambda } from "../components/lambda-bundle";

const ROOT = path.resolve(__dirname, "..");

/** Runs in the child: optionally preloads the SDK packages, then times `require` of the bundle. */
const PROBE = `
const [file, preload] = process.argv.slice(1);
for (const pkg of JSON.parse(preload)) require(pkg);
const start = process.hrtime.bigint();
const mod = require(file);
const elapsed = process.hrtime.bigint() - start;
if (typeof mod.handler !== "function") { console.error("no handler export"); process.exit(2); }
process.stdout.write(String(Number(elapsed) / 1e6));
`;

function parseRuns(argv: readonly string[]): number {
  const at = argv.indexOf("--runs");
  if (at === -1) return 15;
  const runs = Number(argv[at + 1]);
  if (!Number.isInteger(runs) || runs < 1 || runs > 1000) {
    throw new Error(`--runs must be an integer from 1 to 1000, got ${JSON.stringify(argv[at + 1])}`);
  }
  return runs;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Milliseconds to require `file` in a fresh node process, `runs` times. */
function loadTimes(file: string, preload: readonly string[], runs: number): number[] {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const child = spawnSync(process.execPath, ["-e", PROBE, file, JSON.stringify(preload)], {
      env: { ...process.env, NODE_PATH: path.join(ROOT, "node_modules"), NODE_NO_WARNINGS: "1" },
      encoding: "utf8",
    });
    if (child.status !== 0) throw new Error(`loading ${file} failed (status ${child.status}): ${child.stderr}`);
    times.push(Number(child.stdout));
  }
  return times;
}

function main(): void {
  const runs = parseRuns(process.argv.slice(2));
  const names = availableLambdas();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-lambda-"));
  let over = 0;
  try {
    console.log(`node ${process.version}, ${runs} cold processes per figure, target <= ${BUNDLE_SIZE_TARGET_BYTES / 1024} KB\n`);
    const header = ["function", "bytes", "KB", "target", "load ms (with SDK)", "load ms (bundle only)"];
    const rows: string[][] = [];
    for (const name of names) {
      const bundle = bundleLambda(name);
      const file = path.join(dir, name, "index.js");
      fs.mkdirSync(path.dirname(file));
      fs.writeFileSync(file, bundle.code);
      const sdk = [...new Set([...bundle.code.matchAll(/require\("(@aws-sdk\/[^"]+)"\)/g)].map((m) => m[1]))];
      const cold = median(loadTimes(file, [], runs));
      const own = median(loadTimes(file, sdk, runs));
      const fits = bundle.bytes <= BUNDLE_SIZE_TARGET_BYTES;
      if (!fits) over++;
      rows.push([name, String(bundle.bytes), (bundle.bytes / 1024).toFixed(1), fits ? "ok" : "OVER", cold.toFixed(2), own.toFixed(2)]);
    }
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
    console.log(line(header));
    for (const row of rows) console.log(line(row));
    console.log(over === 0 ? "\nall bundles within the size target" : `\n${over} bundle(s) over the size target`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (over > 0) process.exitCode = 1;
}

main();
