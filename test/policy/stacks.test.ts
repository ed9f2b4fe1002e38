// The pack over the real prod stack: the offline plan of Pulumi.prod.yaml (the CLI, as users run it) has no mandatory
// violation, every rule judges resources of the stack (a clean verdict is not a vacuous one), and the violations the
// plan reports are the ones the engine finds in the plan's JSON. A component input that breaks a mandatory rule (a
// circuit breaker without rollback, a log group below prod's retention, a load balancer forwarding invalid headers)
// fails here.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { PlannedResource, Violation } from "../../contracts/plan";
import { evaluatePlan } from "../../policy/engine";
import { RULES } from "../../policy/rules";

const ROOT = path.resolve(__dirname, "../..");
const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "policy-prod-")), "prod.json");
const run = spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), ["scripts/plan.ts", "--stack", "prod", "--json", json], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
const plan = () => JSON.parse(fs.readFileSync(json, "utf8")) as { resources: PlannedResource[]; violations: Violation[] };

describe("the prod stack under the policy pack", () => {
  it("plans with no mandatory violation", () => {
    const mandatory = fs.existsSync(json) ? plan().violations.filter((v) => v.severity === "mandatory") : [];
    expect(mandatory.map((v) => `${v.policy}: ${v.message}`)).toEqual([]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  it("gives every rule resources of its types to judge", () => {
    const types = new Set(plan().resources.map((r) => r.type));
    const idle = RULES.filter((r) => !(r.kind === "resource" ? r.resourceTypes : r.subjectTypes).some((t) => types.has(t))).map((r) => r.name);
    expect(idle).toEqual([]);
  });

  it("reports in the plan exactly what the engine finds in the plan's resources", () => {
    const { resources, violations } = plan();
    expect(violations).toEqual(evaluatePlan(resources, "prod"));
  });
});
