import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const SCRIPT = path.resolve(__dirname, "../../edge/device-csr.sh");

function run(args: string[]) {
  // /bin/sh is dash on Debian: the script must be plain POSIX shell.
  const result = spawnSync("sh", [SCRIPT, ...args], { encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function openssl(args: string[]): string {
  const result = spawnSync("openssl", args, { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

describe("edge/device-csr.sh", () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "device-csr-"));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates a P-256 key that stays private and a CSR whose subject is the thing name", () => {
    const out = path.join(dir, "certs");
    const result = run(["-o", out, "hub-berlin-01"]);
    expect(result.status).toBe(0);
    const key = path.join(out, "hub-berlin-01.key.pem");
    const csr = path.join(out, "hub-berlin-01.csr.pem");
    expect(result.stdout).toBe(
      `private key: ${key} (keep it on this device)\nCSR:         ${csr} (register this file; it holds no secret)\n`,
    );
    expect(readdirSync(out).sort()).toEqual(["hub-berlin-01.csr.pem", "hub-berlin-01.key.pem"]);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(statSync(out).mode & 0o777).toBe(0o700);

    expect(openssl(["req", "-in", csr, "-noout", "-subject"]).trim()).toBe("subject=CN = hub-berlin-01");
    const text = openssl(["req", "-in", csr, "-noout", "-text"]);
    expect(text).toContain("NIST CURVE: P-256");
    expect(text).toContain("Signature Algorithm: ecdsa-with-SHA256");
    // The CSR carries the public half of exactly this key.
    expect(openssl(["req", "-in", csr, "-noout", "-pubkey"])).toBe(openssl(["pkey", "-in", key, "-pubout"]));
    expect(readFileSync(csr, "utf8")).not.toContain("PRIVATE KEY");
  });

  it("creates an RSA 2048 key with -k rsa and keeps ':' '_' '-' in the common name", () => {
    const result = run(["-k", "rsa", "-o", dir, "site:a_rev-2"]);
    expect(result.status).toBe(0);
    const csr = path.join(dir, "site:a_rev-2.csr.pem");
    expect(openssl(["req", "-in", csr, "-noout", "-subject"]).trim()).toBe("subject=CN = site:a_rev-2");
    expect(openssl(["req", "-in", csr, "-noout", "-text"])).toContain("Public-Key: (2048 bit)");
  });

  it.each([
    ["bad name", `thing name "bad name" may contain only letters, digits, ':', '_' and '-' (AWS IoT rule [a-zA-Z0-9:_-]+)`],
    ["../escape", `thing name "../escape" may contain only letters, digits, ':', '_' and '-' (AWS IoT rule [a-zA-Z0-9:_-]+)`],
    ["CN=x/O=evil", `thing name "CN=x/O=evil" may contain only letters, digits, ':', '_' and '-' (AWS IoT rule [a-zA-Z0-9:_-]+)`],
    ["", "thing name must be 1 to 128 characters long (AWS IoT limit), got 0"],
    ["x".repeat(129), "thing name must be 1 to 128 characters long (AWS IoT limit), got 129"],
  ])("rejects thing name %j with the rule it breaks, creating nothing", (name, message) => {
    const result = run(["-o", dir, name]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`device-csr.sh: error: ${message}\n`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("accepts a 64-character thing name and rejects longer ones, the X.509 common name limit", () => {
    const name = "n".repeat(64);
    expect(run(["-o", dir, name]).status).toBe(0);
    expect(openssl(["req", "-in", path.join(dir, `${name}.csr.pem`), "-noout", "-subject"]).trim()).toBe(
      `subject=CN = ${name}`,
    );
    const tooLong = run(["-o", dir, "m".repeat(65)]);
    expect(tooLong.status).toBe(1);
    expect(tooLong.stderr).toBe(
      "device-csr.sh: error: thing name is 65 characters long, but the certificate common name (CN) is limited to 64 characters (X.509 ub-common-name)\n",
    );
    expect(readdirSync(dir).sort()).toEqual([`${name}.csr.pem`, `${name}.key.pem`]);
  });

  it("never overwrites an existing private key", () => {
    const key = path.join(dir, "hub-02.key.pem");
    writeFileSync(key, "existing key material\n", { mode: 0o600 });
    const result = run(["-o", dir, "hub-02"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`device-csr.sh: error: ${key} already exists; refusing to overwrite a private key\n`);
    expect(readFileSync(key, "utf8")).toBe("existing key material\n");
    expect(existsSync(path.join(dir, "hub-02.csr.pem"))).toBe(false);
  });

  it("prints usage for missing arguments and rejects unknown key types", () => {
    const none = run([]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain("Usage: device-csr.sh [-k ec|rsa] [-o DIR] THING_NAME");
    const help = run(["-h"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("THING_NAME: 1 to 128 characters of letters, digits, ':', '_' and '-'");
    expect(help.stdout).toContain("and at most 64 characters, the X.509 limit of the common name it becomes.");
    const dsa = run(["-k", "dsa", "-o", dir, "hub-03"]);
    expect(dsa.status).toBe(1);
    expect(dsa.stderr).toBe(`device-csr.sh: error: key type "dsa" must be ec or rsa\n`);
    expect(readdirSync(dir)).toEqual([]);
  });
});
