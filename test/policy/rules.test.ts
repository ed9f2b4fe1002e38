// Every rule fires on a resource that breaks it (with a message naming the problem) and passes one that complies; every
// setting a rule requires is judged, when left out, as AWS's default for it.
import { describe, expect, it } from "vitest";
import { evaluate } from "../../policy/engine";
import { RULES } from "../../policy/rules";
import { ABSENT_CASES, CASES } from "./fixtures";

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
        const other = { urn: "urn:pulumi:test::edge-mlops::aws:kinesis/stream:Stream::s", type: "aws:kinesis/stream:Stream", name: "s", inputs: {}, options: { protect: false } };
        expect(evaluate([other], "prod", [rule])).toEqual([]);
      });
    });
  }
});

describe("settings left out are judged as AWS's default", () => {
  const documented = RULES.filter((r) => (r.awsDefaults ?? []).length > 0);

  it("has three cases for every documented default, and none for a setting no rule documents", () => {
    expect(Object.keys(ABSENT_CASES).sort()).toEqual(documented.map((r) => r.name).sort());
    for (const rule of documented) expect(Object.keys(ABSENT_CASES[rule.name]).sort(), rule.name).toEqual(rule.awsDefaults!.map((d) => d.setting).sort());
  });

  it("states each default and links the AWS (or provider) page that documents it", () => {
    for (const rule of documented) {
      for (const d of rule.awsDefaults!) {
        expect(d.whenAbsent.length, `${rule.name} ${d.setting}`).toBeGreaterThan(5);
        expect(d.source, `${rule.name} ${d.setting}`).toMatch(/^https:\/\/(docs\.aws\.amazon\.com|www\.pulumi\.com\/registry)\//);
      }
    }
  });

  for (const rule of documented) {
    for (const d of rule.awsDefaults!) {
      describe(`${rule.name}: ${d.setting}`, () => {
        const c = () => ABSENT_CASES[rule.name][d.setting];
        const count = (resources: Parameters<typeof evaluate>[0]) => evaluate(resources, "prod", [rule]).length;
        it(`left out, ${d.compliant ? "passes" : "fails"} (AWS: ${d.whenAbsent})`, () => {
          if (d.compliant) expect(count(c().omitted)).toBe(0);
          else expect(count(c().omitted)).toBeGreaterThan(0);
        });
        it("set to a rejected value, fails", () => expect(count(c().wrong)).toBeGreaterThan(0));
        it("set to an accepted value, passes", () => expect(count(c().passing)).toBe(0));
      });
    }
  }
});
