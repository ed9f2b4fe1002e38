// Every rule fires on a resource that breaks it (with a message naming the problem) and passes one that complies.
import { describe, expect, it } from "vitest";
import { evaluate } from "../../policy/engine";
import { RULES } from "../../policy/rules";
import { CASES } from "./fixtures";

describe("rule cases", () => {
  it("has a failing and a passing case for every rule, and no case without a rule", () => {
    expect(Object.keys(CASES).sort()).toEqual(RULES.map((r) => r.name).sort());
  });

  for (const rule of RULES) {
    describe(rule.name, () => {
      const c = CASES[rule.name];
      it("fires on the bad resources, naming the problem", () => {
        const violations = evaluate(c.bad, "prod", [rule]);
        expect(violations.length).toBeGreaterThan(0);
        for (const v of violations) {
          expect(v.policy).toBe(rule.name);
          expect(v.severity).toBe(rule.severity.prod);
          expect(c.bad.map((r) => r.urn)).toContain(v.urn);
        }
        expect(violations.map((v) => v.message).join("\n")).toContain(c.fires);
      });
      it("passes the good resources", () => {
        expect(evaluate(c.good, "prod", [rule])).toEqual([]);
      });
      it("reports nothing for resources it does not cover", () => {
        const other = { urn: "urn:pulumi:test::edge-mlops::aws:sns/topic:Topic::t", type: "aws:sns/topic:Topic", name: "t", inputs: {}, options: { protect: false } };
        expect(evaluate([other], "prod", [rule])).toEqual([]);
      });
    });
  }
});
