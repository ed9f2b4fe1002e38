// Output files (--json, --markdown, --terraform-plan, --cloudformation) that cannot be written are refused before the program runs: exit 2, one line naming the
// option and the path, nothing on standard output, and no folder created.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "output-paths-"));

function plan(...args: string[]) {
  const r = spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), ["scripts/plan.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
    // `npm run plan` runs in the repository's root and names the caller's folder in INIT_CWD.
    env: { ...process.env, INIT_CWD: TMP },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("plan output files", () => {
  const missing = path.join(TMP, "no-such-folder");
  const file = path.join(TMP, "a-file");
  fs.writeFileSync(file, "");
  const dangling = path.join(TMP, "dangling.json");
  fs.symlinkSync(path.join(missing, "target.json"), dangling);

  it.each([
    ["a --json file in a missing folder", ["--json", path.join(missing, "x.json")],
      `plan: --json ${missing}/x.json: its folder ${missing} does not exist; give a file path in an existing folder (none is created)`],
    ["a --json path that is a folder", ["--json", TMP], `plan: --json ${TMP}: is a folder; give a file path in an existing folder`],
    ["a --json file under a file", ["--json", path.join(file, "x.json")],
      `plan: --json ${file}/x.json: ${file} is not a folder; give a file path in an existing folder`],
    ["a --markdown file in a missing folder", ["--diff", path.join(TMP, "base.json"), "--markdown", path.join(missing, "x.md")],
      `plan: --markdown ${missing}/x.md: its folder ${missing} does not exist; give a file path in an existing folder (none is created)`],
    ["a --terraform-plan file in a missing folder", ["--terraform-plan", path.join(missing, "x.json")],
      `plan: --terraform-plan ${missing}/x.json: its folder ${missing} does not exist; give a file path in an existing folder (none is created)`],
    ["a --cloudformation path that is a folder", ["--cloudformation", TMP], `plan: --cloudformation ${TMP}: is a folder; give a file path in an existing folder`],
    ["a --terraform-plan path ending in '/'", ["--terraform-plan", `${missing}/`],
      `plan: --terraform-plan ${missing}/: ends in '/', a folder; give a file path in an existing folder`],
    ["a --json link to a missing path", ["--json", dangling], `plan: --json ${dangling}: is a symbolic link to a path that does not exist`],
    ["a relative --json path, read from the caller's folder (INIT_CWD)", ["--json", "no-such-folder/x.json"],
      `plan: --json no-such-folder/x.json: its folder ${missing} does not exist; give a file path in an existing folder (none is created)`],
  ])("exits 2 before the plan is printed on %s", (_, args, line) => {
    const r = plan("--stack", "dev", ...args);
    expect([r.code, r.stdout, r.stderr]).toEqual([2, "", `${line}\n`]);
    expect(fs.existsSync(missing)).toBe(false);
  });

  it("refuses an empty option value with the usage instead of ignoring it", () => {
    const r = plan("--stack", "dev", "--json", "");
    expect([r.code, r.stdout]).toEqual([2, ""]);
    expect(r.stderr).toMatch(/^plan: --json needs a value, got an empty one\nusage: npm run plan/);
  });
});
