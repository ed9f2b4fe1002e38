// Every custom resource type a stack plans has a row in the tests' typed table (test/support/resources.ts), so a
// test reading inputs of a new type gets the provider's own args type instead of `any`.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { Plan } from "../../scripts/offline/run";
import { RESOURCE_TYPES } from "../support/resources";

const ROOT = path.resolve(__dirname, "../..");
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "resource-table-"));

describe.each(["dev", "staging", "prod"])("stack %s", (stack) => {
  it("plans only types the typed table knows", () => {
    const out = path.join(TMP, `${stack}.json`);
    const r = spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), ["scripts/plan.ts", "--stack", stack, "--json", out], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const plan = JSON.parse(fs.readFileSync(out, "utf8")) as Plan;
    const planned = new Set(plan.resources.filter((res) => res.custom && !res.type.startsWith("pulumi:providers:")).map((res) => res.type));
    expect([...planned].filter((t) => !(RESOURCE_TYPES as string[]).includes(t))).toEqual([]);
  });
});
