// policy/index.ts builds the PolicyPack from the rules. PolicyPack is replaced here by a recorder: the real one
// starts the analyzer's gRPC server (pack.test.ts runs that, the way the Pulumi CLI does).
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { RULES } from "../../policy/rules";

const constructed: { name: string; args: { policies: { name: string; enforcementLevel?: string }[]; enforcementLevel?: string }; cwd: string }[] = [];

vi.mock("@pulumi/policy", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@pulumi/policy")>()),
  PolicyPack: class {
    constructor(name: string, args: (typeof constructed)[number]["args"]) {
      constructed.push({ name, args, cwd: process.cwd() });
    }
  },
}));

const ROOT = path.resolve(__dirname, "..", "..");

describe("policy/index.ts", () => {
  it("constructs one PolicyPack named edge-mlops with a policy per rule, from the project root, then restores the working directory", async () => {
    const before = process.cwd();
    process.chdir(path.join(ROOT, "policy"));
    try {
      await import("../../policy/index");
      expect(process.cwd()).toBe(path.join(ROOT, "policy"));
    } finally {
      process.chdir(before);
    }
    expect(constructed).toHaveLength(1);
    const [{ name, args, cwd }] = constructed;
    expect(name).toBe("edge-mlops");
    expect(args.enforcementLevel).toBe("mandatory");
    expect(args.policies.map((p) => [p.name, p.enforcementLevel])).toEqual(RULES.map((r) => [r.name, r.severity.prod]));
    // PolicyPack reads its version from package.json in the working directory.
    expect(cwd).toBe(ROOT);
    expect(JSON.parse(fs.readFileSync(path.join(cwd, "package.json"), "utf8")).version).toMatch(/^\d+\.\d+\.\d+/);
  });
});
