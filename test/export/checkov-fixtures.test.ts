// The policy pack against Checkov: every rule that cites a Checkov check must agree with it on the rule's own
// fixtures (test/policy/fixtures.ts), exported through the same toTerraformPlan as the stacks. Checkov passes the
// check on the compliant case and fails it on the violating one (or on the CHECKOV_BAD case that breaks the part of
// the rule that check looks at). Checkov runs once, on every fixture plan.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "../../policy/engine";
import { RULES } from "../../policy/rules";
import type { CheckedResource, Rule } from "../../policy/rules/types";
import { toTerraformPlan } from "../../scripts/export/terraform";
import { CASES, CHECKOV_BAD } from "../policy/fixtures";
import { checkov, once } from "./tools";

/**
 * Cited checks that do not fail on the rule's violating fixture, and why: Checkov judges the same setting but accepts
 * what the rule refuses. The test holds Checkov to this (it must still pass the violating case), so a change in
 * Checkov shows up here.
 */
const DIVERGES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "s3-encryption": {
    CKV_AWS_19:
      "Checkov counts S3's default encryption (SSE-S3 on every new object since January 2023) as encrypted, so a bucket " +
      "without a declared BucketServerSideEncryptionConfiguration passes; the rule asks for the declaration",
  },
};

function checkovIds(rule: Rule): readonly string[] {
  return "checkov" in rule.mapsTo ? (rule.mapsTo.checkov ?? []) : [];
}

const cited = RULES.filter((r) => checkovIds(r).length > 0);
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "checkov-fixtures-"));
const fileOf = (rule: string, kind: string) => `${rule}.${kind}.json`;

function write(file: string, resources: CheckedResource[]): void {
  fs.writeFileSync(path.join(TMP, file), JSON.stringify(toTerraformPlan({ project: "edge-mlops", stack: "test", resources })));
}

/** Every fixture plan written, then Checkov once on all of them. */
const scanned = once(() => {
  const files: string[] = [];
  for (const rule of cited) {
    const c = CASES[rule.name];
    for (const [kind, resources] of [["good", c.good], ["bad", c.bad], ...Object.entries(CHECKOV_BAD[rule.name] ?? {}).map(([id, rs]) => [`bad-${id}`, rs] as const)] as const) {
      write(fileOf(rule.name, kind), resources);
      files.push(fileOf(rule.name, kind));
    }
  }
  return checkov(TMP, files);
});
beforeAll(() => scanned().then(() => undefined, () => undefined), 300_000);

/** Checkov's verdicts of one check on one fixture file: "passed", "failed", or nothing when it did not run. */
async function verdicts(id: string, file: string): Promise<string[]> {
  const report = await scanned();
  return [...new Set(report.results.filter((r) => r.id === id && r.file === file).map((r) => (r.passed ? "passed" : "failed")))].sort();
}

describe("Checkov ids cited by the policy rules", () => {
  it("are read from fixture plans Checkov parses", async () => {
    expect((await scanned()).parsingErrors).toBe(0);
    expect(cited.length).toBeGreaterThan(20);
  });

  it("name only rules whose extra violating cases break the rule too", () => {
    for (const [name, byId] of Object.entries(CHECKOV_BAD)) {
      const rule = RULES.find((r) => r.name === name);
      expect(rule, `CHECKOV_BAD names no rule ${name}`).toBeDefined();
      for (const [id, resources] of Object.entries(byId)) {
        expect(checkovIds(rule!), `${name}: CHECKOV_BAD has ${id}, which the rule does not cite`).toContain(id);
        expect(evaluate(resources, "prod", [rule!]).length, `${name} must fire on CHECKOV_BAD ${id}`).toBeGreaterThan(0);
      }
    }
  });

  for (const rule of cited) {
    for (const id of checkovIds(rule)) {
      const variant = CHECKOV_BAD[rule.name]?.[id] ? `bad-${id}` : "bad";
      it(`${rule.name} ~ ${id}: Checkov passes the compliant case and fails the violating one (${variant})`, async () => {
        expect(await verdicts(id, fileOf(rule.name, "good")), `${id} on ${rule.name} good`).toEqual(["passed"]);
        const bad = await verdicts(id, fileOf(rule.name, variant));
        const diverges = DIVERGES[rule.name]?.[id];
        if (diverges) expect(bad, `${id} on ${rule.name} ${variant}: expected to pass (${diverges})`).toEqual(["passed"]);
        else expect(bad, `${id} on ${rule.name} ${variant}`).toContain("failed");
      });
    }
  }
});
