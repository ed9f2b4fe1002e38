/**
 * S3 rules. In @pulumi/aws v7 a bucket's encryption, versioning, public access block and policy
 * are separate resources whose `bucket` input is the bucket's name (its id), so these are stack
 * rules that pair every bucket with its companions. The deprecated inline `versioning` and
 * `serverSideEncryptionConfiguration` inputs of `aws.s3.Bucket` are accepted too.
 */
import { escapeRegExp } from "../../contracts/patterns";
import { ALWAYS_MANDATORY, type CheckedResource, type StackFinding, type StackRule } from "./types";
import { asList, companionsOf, deniesEveryoneWithoutTls, get, isUnknown, keysOf, ofTypes, readDocument, statementsOf, str, type Statement } from "./util";

export const BUCKET_TYPES = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
const ENCRYPTION_TYPES = [
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
];
const VERSIONING_TYPES = ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"];
const PUBLIC_ACCESS_BLOCK_TYPES = ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"];
const POLICY_TYPES = ["aws:s3/bucketPolicy:BucketPolicy"];

/** Server-side encryption algorithms S3 accepts as a bucket default. */
export const SSE_ALGORITHMS = ["AES256", "aws:kms", "aws:kms:dsse"];

/** The names a companion's `bucket` input may hold for this bucket: its explicit name and its id. */
function bucketKeys(b: CheckedResource): string[] {
  return keysOf(b.inputs.bucket, b.id);
}

/**
 * Runs `check` for every bucket with its companions of `types`; `check` returns a message or
 * undefined. A bucket whose companions cannot be told apart (references unknown) is skipped.
 */
function perBucket(
  resources: readonly CheckedResource[],
  types: readonly string[],
  check: (bucket: CheckedResource, companions: CheckedResource[]) => string | undefined,
): StackFinding[] {
  const candidates = ofTypes(resources, types);
  const findings: StackFinding[] = [];
  for (const bucket of ofTypes(resources, BUCKET_TYPES)) {
    const { found, undecided } = companionsOf(bucket, candidates, "bucket", bucketKeys(bucket));
    if (found.length === 0 && undecided) continue;
    const message = check(bucket, found);
    if (message) findings.push({ urn: bucket.urn, message });
  }
  return findings;
}

export const s3Encryption: StackRule = {
  kind: "stack",
  subjectTypes: BUCKET_TYPES,
  name: "s3-encryption",
  description:
    "Every S3 bucket declares its default encryption (a BucketServerSideEncryptionConfiguration with SSE-S3 " +
    "AES256 or SSE-KMS). S3 has applied SSE-S3 to new objects by default since January 2023, so an undeclared " +
    "bucket is not plaintext; the declaration is required so the key in use is visible in every preview diff and " +
    "cannot change unseen. SSE-S3 is accepted because ALB access logs can only be delivered to SSE-S3 buckets.",
  mapsTo: { checkov: ["CKV_AWS_19"], trivy: ["AVD-AWS-0088"], awsFsbp: ["S3.4"] },
  severity: ALWAYS_MANDATORY,
  awsDefaults: [
    {
      setting: "BucketServerSideEncryptionConfiguration",
      whenAbsent: "SSE-S3 for buckets created since 2023-01-05, but nothing the preview shows: a bucket imported into the stack may predate it, and the key in use is invisible in diffs",
      compliant: false,
      source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-encryption-faq.html",
    },
    {
      setting: "BucketServerSideEncryptionConfiguration.rules[].applyServerSideEncryptionByDefault.sseAlgorithm",
      whenAbsent: "required by the S3 API; a rule without it sets no default encryption",
      compliant: false,
      source: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_ServerSideEncryptionByDefault.html",
    },
  ],
  checkStack: (resources) =>
    perBucket(resources, ENCRYPTION_TYPES, (bucket, companions) => {
      const inline = get(bucket.inputs, "serverSideEncryptionConfiguration", "rule", "applyServerSideEncryptionByDefault", "sseAlgorithm");
      if (isUnknown(inline) || (typeof inline === "string" && SSE_ALGORITHMS.includes(inline))) return undefined;
      if (companions.length === 0) {
        return `bucket "${bucket.name}" has no BucketServerSideEncryptionConfiguration: declare SSE-S3 (AES256) or SSE-KMS explicitly`;
      }
      const problems: string[] = [];
      for (const c of companions) {
        // Rules unknown in preview read as one unknown algorithm.
        const algorithms = asList(c.inputs.rules).map((r) => get(r, "applyServerSideEncryptionByDefault", "sseAlgorithm"));
        if (algorithms.some(isUnknown)) return undefined;
        if (algorithms.some((a) => typeof a === "string" && SSE_ALGORITHMS.includes(a))) return undefined;
        problems.push(`"${c.name}" sets no default sseAlgorithm of ${SSE_ALGORITHMS.join(", ")} (got ${JSON.stringify(algorithms)})`);
      }
      return `bucket "${bucket.name}" has no default encryption: ${problems.join("; ")}`;
    }),
};

export const s3Versioning: StackRule = {
  kind: "stack",
  subjectTypes: BUCKET_TYPES,
  name: "s3-versioning",
  description:
    "Every S3 bucket has versioning Enabled (a BucketVersioning resource), so an overwritten or deleted object " +
    "can be recovered.",
  mapsTo: { checkov: ["CKV_AWS_21"], trivy: ["AVD-AWS-0090"] },
  severity: ALWAYS_MANDATORY,
  awsDefaults: [
    {
      setting: "BucketVersioning",
      whenAbsent: "unversioned: an overwritten or deleted object is gone",
      compliant: false,
      source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html",
    },
  ],
  checkStack: (resources) =>
    perBucket(resources, VERSIONING_TYPES, (bucket, companions) => {
      const inline = get(bucket.inputs, "versioning", "enabled");
      if (isUnknown(inline) || inline === true) return undefined;
      if (companions.length === 0) return `bucket "${bucket.name}" has no BucketVersioning: enable versioning`;
      const statuses = companions.map((c) => get(c.inputs, "versioningConfiguration", "status"));
      if (statuses.some((s) => isUnknown(s) || s === "Enabled")) return undefined;
      return `bucket "${bucket.name}" has versioning ${statuses.map((s) => JSON.stringify(s ?? null)).join(", ")}; it must be "Enabled"`;
    }),
};

export const PUBLIC_ACCESS_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

export const s3PublicAccessBlock: StackRule = {
  kind: "stack",
  subjectTypes: BUCKET_TYPES,
  name: "s3-public-access-block",
  description: "Every S3 bucket has a BucketPublicAccessBlock with all four flags true (block and ignore public ACLs, block and restrict public policies).",
  mapsTo: { checkov: ["CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56", "CKV2_AWS_6"], trivy: ["AVD-AWS-0086", "AVD-AWS-0087", "AVD-AWS-0091", "AVD-AWS-0093", "AVD-AWS-0094"] },
  severity: ALWAYS_MANDATORY,
  awsDefaults: [
    {
      setting: "BucketPublicAccessBlock",
      whenAbsent: "all four settings on for buckets created since April 2023, but a bucket imported into the stack may predate that and keep none; the preview cannot tell",
      compliant: false,
      source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
    },
    {
      setting: "BucketPublicAccessBlock.<blockPublicAcls|blockPublicPolicy|ignorePublicAcls|restrictPublicBuckets>",
      whenAbsent: "false: that protection is off",
      compliant: false,
      source: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PublicAccessBlockConfiguration.html",
    },
  ],
  checkStack: (resources) =>
    perBucket(resources, PUBLIC_ACCESS_BLOCK_TYPES, (bucket, companions) => {
      if (companions.length === 0) return `bucket "${bucket.name}" has no BucketPublicAccessBlock`;
      let best: string[] | undefined;
      for (const c of companions) {
        if (PUBLIC_ACCESS_FLAGS.some((f) => isUnknown(c.inputs[f]))) return undefined;
        const off = PUBLIC_ACCESS_FLAGS.filter((f) => c.inputs[f] !== true);
        if (off.length === 0) return undefined;
        if (!best || off.length < best.length) best = off;
      }
      return `bucket "${bucket.name}" public access block leaves ${best!.join(", ")} off; all four flags must be true`;
    }),
};

/** Whether a Deny statement refuses every request to the bucket and its objects made without TLS. */
function deniesInsecureTransport(st: Statement, bucketName: string | undefined): boolean {
  if (!deniesEveryoneWithoutTls(st)) return false;
  if (!asList(st.Action).some((a) => a === "*" || a === "s3:*")) return false;
  const resources = asList(st.Resource);
  if (resources.includes("*") || bucketName === undefined) return true;
  // With the bucket's name known, the statement must cover the bucket and its objects (any partition).
  const arn = `arn:aws[a-z-]*:s3:::${escapeRegExp(bucketName)}`;
  const covers = (re: RegExp) => resources.some((r) => typeof r === "string" && re.test(r));
  return covers(new RegExp(`^${arn}$`)) && covers(new RegExp(`^${arn}/\\*$`));
}

export const s3TlsOnly: StackRule = {
  kind: "stack",
  subjectTypes: BUCKET_TYPES,
  name: "s3-tls-only",
  description:
    "Every S3 bucket has a BucketPolicy that denies all S3 actions (s3:*) to every principal on the bucket and its " +
    "objects when aws:SecureTransport is false, so no request reaches it over plain HTTP.",
  mapsTo: { awsFsbp: ["S3.5"] },
  severity: ALWAYS_MANDATORY,
  awsDefaults: [
    {
      setting: "BucketPolicy",
      whenAbsent: "no bucket policy: S3 answers requests over plain HTTP",
      compliant: false,
      source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html#transit",
    },
  ],
  checkStack: (resources) =>
    perBucket(resources, POLICY_TYPES, (bucket, companions) => {
      if (companions.length === 0) return `bucket "${bucket.name}" has no BucketPolicy denying requests without TLS`;
      const bucketName = str(bucket.inputs.bucket) ?? bucket.id;
      const problems: string[] = [];
      for (const c of companions) {
        const read = readDocument(c.inputs.policy, `policy of "${c.name}"`);
        if (isUnknown(read)) return undefined;
        if ("error" in read) {
          problems.push(read.error);
          continue;
        }
        const { statements } = statementsOf(read.doc);
        if (statements.some((st) => deniesInsecureTransport(st, bucketName))) return undefined;
        problems.push(`"${c.name}" has no Deny of s3:* for Principal "*" on the bucket and its objects when aws:SecureTransport is "false"`);
      }
      return `bucket "${bucket.name}" accepts requests without TLS: ${problems.join("; ")}`;
    }),
};

export const S3_RULES = [s3Encryption, s3Versioning, s3PublicAccessBlock, s3TlsOnly];
