// Mutation testing of the policy pack, the IAM / IoT policy builders and the config schemas: runs StrykerJS
// (stryker.config.mjs; the vitest suites of vitest.mutation.config.mts), then prints the mutation score per folder,
// for the config schemas together (they span several folders), and every surviving or uncovered mutant with its place
// and change. It prints figures and asserts nothing; not part of `npm test`.
//
//   npm run bench:mutation                 # run Stryker, then report
//   npm run bench:mutation -- --report-only # report the last run (.reports/mutation/mutation.json)
//   npm run bench:mutation -- --report-only a.json b.json  # report runs of separate files together
//                                                          # (`npx stryker run --mutate <file>`, one report each;
//                                                          # a file in several counts once, from the last given)
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const REPORT = path.join(ROOT, ".reports/mutation/mutation.json");

/** The parts of Stryker's JSON report (mutation-testing-report-schema) read here. */
export interface MutationReport {
  readonly files: Record<string, { readonly source: string; readonly mutants: readonly Mutant[] }>;
}
export interface Mutant {
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly status: "Killed" | "Survived" | "NoCoverage" | "Timeout" | "CompileError" | "RuntimeError" | "Ignored" | "Pending";
  readonly location: { readonly start: { readonly line: number; readonly column: number }; readonly end: { readonly line: number; readonly column: number } };
}

/** Detected (killed or timed out) and undetected (survived or not covered) counts; other statuses do not count. */
export interface Tally {
  detected: number;
  undetected: number;
}

/** Stryker's mutation score: detected / (detected + undetected), in percent; NaN when nothing counted. */
export function score(t: Tally): number {
  return (100 * t.detected) / (t.detected + t.undetected);
}

/**
 * The config schemas: each component's args schema, components/args.ts, the stack config and the region and CSR
 * checks it calls (stryker.config.mjs's mutate list).
 */
export const CONFIG_SCHEMAS = /^components\/((args|config|regions|csr)\.ts|[^/]+\/args\.ts)$/;

/**
 * Tallies per folder (the file's directory), per top-level folder and for the config schemas together, keyed
 * `policy/rules`, `policy/**` and `config schemas`.
 */
export function tallyByFolder(report: MutationReport): Map<string, Tally> {
  const tallies = new Map<string, Tally>();
  const add = (key: string, m: Mutant) => {
    const t = tallies.get(key) ?? { detected: 0, undetected: 0 };
    if (m.status === "Killed" || m.status === "Timeout") t.detected++;
    else if (m.status === "Survived" || m.status === "NoCoverage") t.undetected++;
    tallies.set(key, t);
  };
  for (const [file, { mutants }] of Object.entries(report.files)) {
    const posix = file.split(path.sep).join("/");
    const dir = path.posix.dirname(posix);
    for (const m of mutants) {
      add(dir, m);
      add(`${dir.split("/")[0]}/**`, m);
      if (CONFIG_SCHEMAS.test(posix)) add("config schemas", m);
    }
  }
  return tallies;
}

/**
 * The score table, one line per folder in name order: `  <folder>  <score>%  (<detected> of <counted>)`, the
 * folders padded to the longest name. A folder whose mutants all went uncounted (static mutants ignored, compile
 * errors) says so instead of a score, which would be 0 / 0.
 */
export function scoreLines(tallies: ReadonlyMap<string, Tally>): string[] {
  const rows = [...tallies].sort(([a], [b]) => a.localeCompare(b));
  const width = Math.max(0, ...rows.map(([folder]) => folder.length));
  return rows.map(([folder, t]) => {
    const counted = t.detected + t.undetected;
    return `  ${folder.padEnd(width)}  ${counted === 0 ? "no mutant counted" : `${score(t).toFixed(1).padStart(5)}%  (${t.detected} of ${counted})`}`;
  });
}

/**
 * Reports of separate runs read as one. A file may be in several (measured again after a test was added): the last
 * report given that holds it counts, once, and `superseded` names each earlier report it was left out of.
 */
export function mergeReports(reports: readonly { readonly name: string; readonly report: MutationReport }[]): { report: MutationReport; superseded: string[] } {
  const files: Record<string, MutationReport["files"][string]> = {};
  const from = new Map<string, string>();
  const superseded: string[] = [];
  for (const { name, report } of reports) {
    for (const [file, result] of Object.entries(report.files)) {
      const earlier = from.get(file);
      if (earlier !== undefined) superseded.push(`${file}: ${name} counts, not ${earlier}`);
      files[file] = result;
      from.set(file, name);
    }
  }
  return { report: { files }, superseded };
}

/** One line per undetected mutant: `file:line:col  Mutator  (status)  original -> replacement`. */
export function survivors(report: MutationReport): string[] {
  const lines: string[] = [];
  for (const [file, { source, mutants }] of Object.entries(report.files)) {
    const text = source.split("\n");
    for (const m of mutants) {
      if (m.status !== "Survived" && m.status !== "NoCoverage") continue;
      const { start, end } = m.location;
      const original = start.line === end.line ? text[start.line - 1].slice(start.column - 1, end.column - 1) : `${text[start.line - 1].slice(start.column - 1)}…`;
      const clip = (s: string) => (s.length > 70 ? `${s.slice(0, 67)}...` : s).replace(/\s+/g, " ");
      lines.push(`${file}:${start.line}:${start.column}  ${m.mutatorName}${m.status === "NoCoverage" ? " (no coverage)" : ""}  ${clip(original)} -> ${clip(m.replacement ?? "")}`);
    }
  }
  return lines;
}

function main(argv: string[]): number {
  if (!argv.includes("--report-only")) {
    const started = Date.now();
    const run = spawnSync(path.join(ROOT, "node_modules/.bin/stryker"), ["run"], { cwd: ROOT, stdio: "inherit" });
    process.stdout.write(`\nStryker exited ${run.status} after ${((Date.now() - started) / 60000).toFixed(1)} min\n`);
    if (run.status !== 0) return run.status ?? 1;
  }
  const given = argv.filter((a) => a !== "--report-only");
  const files = given.length > 0 ? given.map((f) => path.resolve(f)) : [REPORT];
  const missing = files.find((f) => !fs.existsSync(f));
  if (missing) {
    process.stderr.write(`bench:mutation: no report at ${path.relative(ROOT, missing)}; run without --report-only first\n`);
    return 1;
  }
  const { report, superseded } = mergeReports(files.map((f) => ({ name: path.relative(ROOT, f), report: JSON.parse(fs.readFileSync(f, "utf8")) as MutationReport })));
  if (superseded.length > 0) process.stdout.write(`\nFiles in more than one report (the last given counts):\n${superseded.map((l) => `  ${l}`).join("\n")}\n`);
  process.stdout.write(`\nMutation score per folder (killed or timed out / all that count):\n${scoreLines(tallyByFolder(report)).join("\n")}\n`);
  const left = survivors(report);
  process.stdout.write(`\nSurviving and uncovered mutants: ${left.length}\n${left.map((l) => `  ${l}`).join("\n")}\n`);
  return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
