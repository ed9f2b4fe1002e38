#!/usr/bin/env node
// `npm test`: every suite — vitest (TypeScript, including the Lambda handlers against moto's server from .venv/moto and
// the plan exports checked by Checkov and cfn-lint from .venv/tools)
// and pytest (training/ in .venv/training, airflow/ in .venv/airflow) — then one closing line
// `N passed, N failed[, N skipped]` summed from the runners' own reports (vitest's JSON reporter, pytest's JUnit XML).
// The Python environments are made or checked first (scripts/python-env.mjs): a missing interpreter or a failed pip
// install stops here with one line saying what is missing. Exits non-zero if any test failed or a runner broke.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ensureVenvsOrExit, venvPython } from "./python-env.mjs";

const root = path.resolve(import.meta.dirname, "..");
const reports = path.join(root, ".reports");
fs.mkdirSync(reports, { recursive: true });

/** pytest suites: the environment each runs in and the folder it collects. */
const PYTEST_SUITES = [
  { venv: "training", tests: "test/python/training" },
  { venv: "airflow", tests: "test/python/airflow" },
];
// moto: the AWS API emulator the Lambda suites run against; tools: Checkov and cfn-lint for the plan exports.
ensureVenvsOrExit([...new Set([...PYTEST_SUITES.map((s) => s.venv), "moto", "tools"])]);

function run(cmd, args) {
  process.stdout.write(`\n$ ${[path.relative(root, cmd) || cmd, ...args].join(" ")}\n`);
  return spawnSync(cmd, args, { cwd: root, stdio: "inherit" }).status;
}

const totals = { passed: 0, failed: 0, skipped: 0 };
let broken = false;

// vitest
const vitestJson = path.join(reports, "vitest.json");
fs.rmSync(vitestJson, { force: true });
const vitestCode = run(path.join(root, "node_modules/.bin/vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestJson}`]);
if (fs.existsSync(vitestJson)) {
  const r = JSON.parse(fs.readFileSync(vitestJson, "utf8"));
  totals.passed += r.numPassedTests;
  totals.failed += r.numFailedTests;
  totals.skipped += r.numPendingTests + r.numTodoTests;
  // A file that fails to load, or whose beforeAll fails (its tests then count as skipped), has no failed test in the
  // counts: count the file as a failure.
  const loadFailures = r.testResults.filter((f) => f.status === "failed" && !f.assertionResults.some((a) => a.status === "failed")).length;
  totals.failed += loadFailures;
  if (vitestCode !== 0 && r.numFailedTests + loadFailures === 0) broken = true;
} else {
  broken = true;
}

// pytest, one run per environment
for (const suite of PYTEST_SUITES) {
  const junit = path.join(reports, `pytest-${suite.venv}.xml`);
  fs.rmSync(junit, { force: true });
  const code = run(venvPython(suite.venv), ["-m", "pytest", "-q", `--junitxml=${junit}`, suite.tests]);
  // 5 = no tests collected: a suite folder without tests is a broken set-up, not a pass.
  if (code === 5) {
    process.stdout.write(`pytest collected no tests in ${suite.tests}\n`);
    broken = true;
    continue;
  }
  if (!fs.existsSync(junit)) {
    broken = true;
    continue;
  }
  const xml = fs.readFileSync(junit, "utf8");
  for (const m of xml.matchAll(/<testsuite\b([^>]*)>/g)) {
    const attr = (name) => Number((m[1].match(new RegExp(`\\b${name}="(\\d+)"`)) ?? [])[1] ?? 0);
    const failed = attr("failures") + attr("errors");
    totals.failed += failed;
    totals.skipped += attr("skipped");
    totals.passed += attr("tests") - failed - attr("skipped");
  }
  // 1 = some tests failed (counted above); anything else non-zero means pytest itself broke.
  if (code !== 0 && code !== 1) broken = true;
}

if (broken) process.stdout.write("\na test runner failed to run or to write its report\n");
process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ""}\n`);
process.exit(totals.failed > 0 || broken ? 1 : 0);
