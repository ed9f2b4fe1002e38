// Certificate signing requests as the stack config names them (`edgeFleet.devices[].csrFile`,
// `edgeFleet.provisioning.claimCsrFile`): a file the device made (edge/device-csr.sh), read and judged before anything
// is planned, so a missing, unreadable or mangled file is one config error naming the key, not a failure deep inside
// the edge fleet. The CSR is parsed as PKCS #10 (RFC 2986) with @peculiar/asn1-csr, and its self-signature is checked
// with node:crypto: a CSR whose bytes were damaged on the way off the device fails here, not at AWS IoT.
import { createPublicKey, verify } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { CertificationRequest } from "@peculiar/asn1-csr";
import { AsnConvert } from "@peculiar/asn1-schema";

/** One PEM block of a CSR (RFC 7468 label `CERTIFICATE REQUEST`) and nothing else but white space. */
const PEM_CSR = /^-----BEGIN CERTIFICATE REQUEST-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END CERTIFICATE REQUEST-----$/;

/** Hash of the signature algorithms node:crypto verifies, by OID (RFC 4055, RFC 5758, RFC 8410: none for EdDSA). */
const SIGNATURE_HASH: Readonly<Record<string, string | null>> = {
  "1.2.840.113549.1.1.11": "sha256", // sha256WithRSAEncryption
  "1.2.840.113549.1.1.12": "sha384", // sha384WithRSAEncryption
  "1.2.840.113549.1.1.13": "sha512", // sha512WithRSAEncryption
  "1.2.840.10045.4.3.2": "sha256", // ecdsa-with-SHA256
  "1.2.840.10045.4.3.3": "sha384", // ecdsa-with-SHA384
  "1.2.840.10045.4.3.4": "sha512", // ecdsa-with-SHA512
  "1.3.101.112": null, // Ed25519
};

/** What is wrong with a CSR's text, in words, or undefined when it is one well-formed, correctly signed CSR. */
export function csrProblem(text: string): string | undefined {
  if (text.includes("PRIVATE KEY")) return "holds a private key; give only the CSR (the key stays on the device)";
  const body = PEM_CSR.exec(text.trim())?.[1];
  if (body === undefined) return "is not one PEM certificate signing request (-----BEGIN CERTIFICATE REQUEST----- … -----END CERTIFICATE REQUEST-----)";
  let csr: CertificationRequest;
  try {
    csr = AsnConvert.parse(Buffer.from(body.replace(/\s+/g, ""), "base64"), CertificationRequest);
  } catch (e) {
    return `is not a PKCS #10 certificate signing request (${(e as Error).message.split("\n")[0]})`;
  }
  const algorithm = csr.signatureAlgorithm.algorithm;
  const hash = SIGNATURE_HASH[algorithm];
  if (hash === undefined || csr.certificationRequestInfoRaw === undefined) return undefined; // parsed; signature not checkable here
  let valid: boolean;
  try {
    const key = createPublicKey({ key: Buffer.from(AsnConvert.serialize(csr.certificationRequestInfo.subjectPKInfo)), format: "der", type: "spki" });
    valid = verify(hash, Buffer.from(csr.certificationRequestInfoRaw), key, Buffer.from(csr.signature));
  } catch (e) {
    return `has a public key or signature that cannot be read (${(e as Error).message})`;
  }
  return valid ? undefined : "has a signature that does not match its content (the file was changed after the device signed it)";
}

/**
 * What is wrong with the CSR file at `file` (relative to `baseDir`), in words, or undefined when it reads as one
 * valid CSR.
 */
export function csrFileProblem(baseDir: string, file: string): string | undefined {
  const full = path.resolve(baseDir, file);
  let text: string;
  try {
    text = fs.readFileSync(full, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "a directory" : (code ?? (e as Error).message);
    return `cannot be read: ${why} (${full})`;
  }
  const problem = csrProblem(text);
  return problem && `${problem} (${full})`;
}
