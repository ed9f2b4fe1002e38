#!/usr/bin/env node
// `npm test`: every suite — vitest (TypeScript) and pytest (Python job scripts and DAG, under /usr/bin/python3 with
// Debian's packages) — then one closing line `N passed, N failed[, N skipped]` summed from the runners' own
// reports (vitest's JSON reporter, pytest's JUnit XML). Exits non-zero if any test failed or a runner broke.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const reports = path.join(root, ".reports");
fs.mkdirSync(reports, { recursive: true });
const python = process.env.PYTHON ?? "/usr/bin/python3";

function run(cmd, args) {
  process.stdout.write(`\n$ ${[cmd, ...args].join(" ")}\n`);
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
  // A suite that fails to load has no tests in the counts: count it as a failure.
  const loadFailures = r.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
  totals.failed += loadFailures;
  if (vitestCode !== 0 && r.numFailedTests + loadFailures === 0) broken = true;
} else {
  broken = true;
}

// pytest
const junit = path.join(reports, "pytest.xml");
fs.rmSync(junit, { force: true });
const pytestCode = run(python, ["-m", "pytest", "-q", `--junitxml=${junit}`]);
if (fs.existsSync(junit)) {
  const xml = fs.readFileSync(junit, "utf8");
  for (const m of xml.matchAll(/<testsuite\b([^>]*)>/g)) {
    const attr = (name) => Number((m[1].match(new RegExp(`\\b${name}="(\\d+)"`)) ?? [])[1] ?? 0);
    const failed = attr("failures") + attr("errors");
    totals.failed += failed;
    totals.skipped += attr("skipped");
    totals.passed += attr("tests") - failed - attr("skipped");
  }
  // 5 = no tests collected; anything else non-zero without failures means pytest itself broke.
  if (pytestCode !== 0 && pytestCode !== 1 && pytestCode !== 5) broken = true;
} else {
  broken = true;
}

if (broken) process.stdout.write("\na test runner failed to run or to write its report\n");
process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ""}\n`);
process.exit(totals.failed > 0 || broken ? 1 : 0);
