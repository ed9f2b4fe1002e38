// components/csr.ts on CSRs made by OpenSSL with each kind of key a device may hold (EC P-256, RSA, Ed25519) and
// each hash: a well-formed, correctly signed CSR passes, the same CSR changed after signing does not, and so does
// anything that is not exactly one PEM CSR. A signature algorithm node:crypto cannot check (RSASSA-PSS) is parsed
// only, as the module says.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CertificationRequest } from "@peculiar/asn1-csr";
import { AsnConvert } from "@peculiar/asn1-schema";
import { describe, expect, it } from "vitest";
import { csrFileProblem, csrProblem } from "../../components/csr";

const DIR = fs.mkdtempSync(path.join(os.tmpdir(), "csr-"));
const MISMATCH = "has a signature that does not match its content (the file was changed after the device signed it)";

function openssl(args: string[]): void {
  const result = spawnSync("openssl", args, { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${result.stderr}`);
}

/** A CSR for CN=hub-01 signed with a new key (openssl genpkey options) and the `req` options given. */
function makeCsr(name: string, keyOptions: string[], reqOptions: string[] = []): string {
  const key = path.join(DIR, `${name}.key.pem`);
  const csr = path.join(DIR, `${name}.csr.pem`);
  openssl(["genpkey", ...keyOptions, "-out", key]);
  openssl(["req", "-new", "-key", key, "-subj", "/CN=hub-01", ...reqOptions, "-out", csr]);
  return fs.readFileSync(csr, "utf8");
}

/** The CSR with its subject changed after signing (same length, so it still parses). */
function tamper(pem: string): string {
  const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ""), "base64");
  const changed = Buffer.from(der.toString("latin1").replace("hub-01", "hub-99"), "latin1");
  return `-----BEGIN CERTIFICATE REQUEST-----\n${changed.toString("base64")}\n-----END CERTIFICATE REQUEST-----\n`;
}

const CSRS: [string, string][] = [
  ["EC P-256, SHA-256", makeCsr("ec256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], ["-sha256"])],
  ["EC P-384, SHA-384", makeCsr("ec384", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"], ["-sha384"])],
  ["RSA 2048, SHA-256", makeCsr("rsa256", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], ["-sha256"])],
  ["RSA 2048, SHA-512", makeCsr("rsa512", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], ["-sha512"])],
  ["Ed25519", makeCsr("ed25519", ["-algorithm", "ED25519"])],
];

describe("csrProblem", () => {
  it.each(CSRS)("takes a CSR with %s", (_, pem) => {
    expect(csrProblem(pem)).toBeUndefined();
  });

  it.each(CSRS)("refuses a CSR with %s changed after signing", (_, pem) => {
    expect(csrProblem(tamper(pem))).toBe(MISMATCH);
  });

  it("takes CRLF line ends and white space around the block", () => {
    const [, pem] = CSRS[0];
    expect(csrProblem(`\n  ${pem.replace(/\n/g, "\r\n")}\n`)).toBeUndefined();
  });

  it("refuses anything but exactly one PEM CSR", () => {
    const [, pem] = CSRS[0];
    const notOne = "is not one PEM certificate signing request (-----BEGIN CERTIFICATE REQUEST----- … -----END CERTIFICATE REQUEST-----)";
    expect(csrProblem(`${pem}${pem}`)).toBe(notOne);
    expect(csrProblem(`garbage\n${pem}`)).toBe(notOne);
    expect(csrProblem("")).toBe(notOne);
    expect(csrProblem(`${pem}\n-----BEGIN PRIVATE KEY-----\nMC4=\n-----END PRIVATE KEY-----\n`)).toBe("holds a private key; give only the CSR (the key stays on the device)");
  });

  it("refuses base64 that is no CSR, giving the parser's reason on one line", () => {
    expect(csrProblem("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n")).toMatch(/^is not a PKCS #10 certificate signing request \([^\n]{10,}\)$/);
  });

  it("refuses a CSR whose key cannot check the signature algorithm it states (an Ed25519 key, sha256WithRSAEncryption stated)", () => {
    const der = Buffer.from(CSRS[4][1].replace(/-----[A-Z ]+-----|\s/g, ""), "base64");
    const csr = AsnConvert.parse(der, CertificationRequest);
    csr.signatureAlgorithm.algorithm = "1.2.840.113549.1.1.11";
    const pem = `-----BEGIN CERTIFICATE REQUEST-----\n${Buffer.from(AsnConvert.serialize(csr)).toString("base64")}\n-----END CERTIFICATE REQUEST-----\n`;
    expect(csrProblem(pem)).toMatch(/^has a public key or signature that cannot be read \([^\n]+\)$/);
  });

  it("parses a CSR whose signature algorithm node:crypto does not check (RSASSA-PSS), without judging its signature", () => {
    const pss = makeCsr("pss", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], ["-sha256", "-sigopt", "rsa_padding_mode:pss"]);
    expect(csrProblem(pss)).toBeUndefined();
    expect(csrProblem(tamper(pss))).toBeUndefined();
  });
});

describe("csrFileProblem", () => {
  it("reads the file relative to the base directory and names its full path with a problem", () => {
    fs.writeFileSync(path.join(DIR, "bad.csr.pem"), "not a csr");
    expect(csrFileProblem(DIR, "ec256.csr.pem")).toBeUndefined();
    expect(csrFileProblem(DIR, "bad.csr.pem")).toBe(
      `is not one PEM certificate signing request (-----BEGIN CERTIFICATE REQUEST----- … -----END CERTIFICATE REQUEST-----) (${path.join(DIR, "bad.csr.pem")})`,
    );
    expect(csrFileProblem(path.dirname(DIR), path.join(path.basename(DIR), "missing.pem"))).toBe(`cannot be read: no such file (${path.join(DIR, "missing.pem")})`);
    expect(csrFileProblem(DIR, ".")).toBe(`cannot be read: a directory (${DIR})`);
    // Any other failure is named by the system's error code (a file name over the file system's 255 bytes here).
    expect(csrFileProblem(DIR, "x".repeat(300))).toBe(`cannot be read: ENAMETOOLONG (${path.join(DIR, "x".repeat(300))})`);
  });
});
