import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import type { PolicyStatement } from "../../components/iam";
import { resolveSecureBucketArgs, SecureBucket, type SecureBucketArgs } from "../../components/secure-bucket";
import { one, parentAliases, planProgram, recordAliases, type Plan, type PlannedResource } from "../support/offline";
import { policyDocument } from "../support/resources";

const T = {
  component: "edge-mlops:storage:SecureBucket",
  bucket: "aws:s3/bucket:Bucket",
  versioning: "aws:s3/bucketVersioning:BucketVersioning",
  encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  publicAccess: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  policy: "aws:s3/bucketPolicy:BucketPolicy",
  lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
} as const;

const KMS = "arn:aws:kms:eu-west-1:123456789012:key/0b7f1c2e-1111-4222-8333-444455556666";

// ---- pure validation ------------------------------------------------------------------------------------------------

describe("resolveSecureBucketArgs", () => {
  it("defaults to an auto-named, SSE-S3, unprotected bucket without a lifecycle rule", () => {
    expect(resolveSecureBucketArgs({})).toEqual({
      bucketPrefix: undefined,
      kmsKeyArn: undefined,
      protect: false,
      forceDestroy: undefined,
      lifecycle: undefined,
    });
  });

  it("makes a lifecycle rule from the day counts, naming it after what it expires", () => {
    expect(resolveSecureBucketArgs({ bucketPrefix: "edge-mlops-dev-data-", noncurrentVersionDays: 30 }).lifecycle).toEqual({
      ruleId: "expire-noncurrent-versions",
      expirationDays: undefined,
      noncurrentVersionDays: 30,
      abortIncompleteUploadDays: 7,
    });
    expect(resolveSecureBucketArgs({ expirationDays: 90 }).lifecycle).toEqual({
      ruleId: "expire-objects",
      expirationDays: 90,
      noncurrentVersionDays: undefined,
      abortIncompleteUploadDays: 7,
    });
    expect(
      resolveSecureBucketArgs({ expirationDays: 90, noncurrentVersionDays: 1, abortIncompleteUploadDays: 1, lifecycleRuleId: "expire-access-logs" }).lifecycle,
    ).toEqual({ ruleId: "expire-access-logs", expirationDays: 90, noncurrentVersionDays: 1, abortIncompleteUploadDays: 1 });
  });

  it("accepts the longest prefix S3 allows and the bounds of every day count", () => {
    const prefix = `a${"-".repeat(35)}9`;
    expect(resolveSecureBucketArgs({ bucketPrefix: prefix, noncurrentVersionDays: 3650, expirationDays: 1, abortIncompleteUploadDays: 3650 })).toMatchObject({
      bucketPrefix: prefix,
      lifecycle: { noncurrentVersionDays: 3650, expirationDays: 1, abortIncompleteUploadDays: 3650 },
    });
  });

  const prefix = "must be 1-37 characters of a-z, 0-9 and '-', starting with a letter or digit";
  it.each<[SecureBucketArgs, string]>([
    [{ bucketPrefix: "x".repeat(38) }, `SecureBucket: bucketPrefix: ${prefix}, got "${"x".repeat(38)}"`],
    [{ bucketPrefix: "Data-" }, `SecureBucket: bucketPrefix: ${prefix}, got "Data-"`],
    [{ bucketPrefix: "-data" }, `SecureBucket: bucketPrefix: ${prefix}, got "-data"`],
    [{ bucketPrefix: "data.logs-" }, `SecureBucket: bucketPrefix: ${prefix}, got "data.logs-"`],
    [{ bucketPrefix: "" }, `SecureBucket: bucketPrefix: ${prefix}, got ""`],
    [{ kmsKeyArn: "alias/data" }, 'SecureBucket: kmsKeyArn: must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), got "alias/data"'],
    [{ noncurrentVersionDays: 0 }, "SecureBucket: noncurrentVersionDays: must be >= 1, got 0"],
    [{ noncurrentVersionDays: 1.5 }, "SecureBucket: noncurrentVersionDays: must be an integer, got 1.5"],
    [{ noncurrentVersionDays: 3651 }, "SecureBucket: noncurrentVersionDays: must be <= 3650, got 3651"],
    [{ expirationDays: 0 }, "SecureBucket: expirationDays: must be >= 1, got 0"],
    [{ expirationDays: 30, abortIncompleteUploadDays: -1 }, "SecureBucket: abortIncompleteUploadDays: must be >= 1, got -1"],
    [{ abortIncompleteUploadDays: 1 }, "SecureBucket: abortIncompleteUploadDays: needs noncurrentVersionDays or expirationDays (a lifecycle rule), got 1"],
    [{ lifecycleRuleId: "expire" }, 'SecureBucket: lifecycleRuleId: needs noncurrentVersionDays or expirationDays (a lifecycle rule), got "expire"'],
    [{ expirationDays: 30, lifecycleRuleId: "" }, "SecureBucket: lifecycleRuleId: must be at least 1 character(s) long, got 0"],
    [{ expirationDays: 30, lifecycleRuleId: "r".repeat(256) }, "SecureBucket: lifecycleRuleId: must be at most 255 characters long, got 256"],
  ])("rejects %j, naming the arg", (args, message) => {
    expect(() => resolveSecureBucketArgs(args)).toThrow(message);
  });

  it("throws the same error from the constructor", () => {
    expect(() => new SecureBucket("bad", { noncurrentVersionDays: 0 })).toThrow("SecureBucket: noncurrentVersionDays: must be >= 1, got 0");
  });
});

// ---- the component under mocks --------------------------------------------------------------------------------------

let plan: Plan;
let outputs: Record<string, any>;
let aliases: ReturnType<typeof recordAliases>;
let owner: pulumi.ComponentResource;

beforeAll(async () => {
  plan = await planProgram(() => {
    aliases = recordAliases();
    // Everything defaulted.
    const minimal = new SecureBucket("minimal", {});
    // A data bucket: named by prefix, SSE-KMS, protected, noncurrent versions expire; the caller brings an alias too.
    const data = new SecureBucket(
      "data",
      { bucketPrefix: "edge-mlops-dev-data-", kmsKeyArn: KMS, protect: true, noncurrentVersionDays: 14 },
      { aliases: [{ name: "old-data" }] },
    );
    // An access-log bucket: objects expire, a service may write, and it moved in from directly under `owner`.
    owner = new pulumi.ComponentResource("test:index:Owner", "owner");
    const account = pulumi.output("123456789012");
    const logs = new SecureBucket(
      "logs",
      {
        forceDestroy: false,
        expirationDays: 30,
        noncurrentVersionDays: 2,
        abortIncompleteUploadDays: 3,
        lifecycleRuleId: "expire-old-logs",
        extraStatements: (bucketArn) =>
          account.apply((a): PolicyStatement[] => [
            { Sid: "LogDelivery", Effect: "Allow", Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" }, Action: "s3:PutObject", Resource: `${bucketArn}/AWSLogs/${a}/*` },
          ]),
        formerParent: owner,
      },
      { parent: owner },
    );
    new SecureBucket("dags", { bucketPrefix: "airflow-dev-", forceDestroy: true });
    // Current objects expire; noncurrent versions stay.
    new SecureBucket("expiring", { expirationDays: 365 });
    const urns = (b: SecureBucket) => pulumi.all(b.settings.map((r) => r.urn));
    return {
      minimal: { name: minimal.bucketName, arn: minimal.bucketArn, settings: urns(minimal), noLifecycle: minimal.lifecycle === undefined },
      data: { settings: urns(data) },
      logs: { settings: urns(logs), fields: pulumi.all([logs.versioning.urn, logs.encryption.urn, logs.publicAccessBlock.urn, logs.policy.urn, logs.lifecycle!.urn]) },
    };
  });
  outputs = plan.outputs;
}, 120_000);

const childrenOf = (name: string): PlannedResource[] => plan.resources.filter((r) => r.parent === one(plan, T.component, name).urn);
const bucketName = (name: string) => String(one(plan, T.bucket, `${name}-bucket`).id);

describe("SecureBucket under mocks", () => {
  it("registers its children, named after it, under itself", () => {
    expect(childrenOf("minimal").map((r) => `${r.type} ${r.name}`)).toEqual([
      `${T.bucket} minimal-bucket`,
      `${T.versioning} minimal-versioning`,
      `${T.encryption} minimal-encryption`,
      `${T.publicAccess} minimal-public-access`,
      `${T.policy} minimal-policy`,
    ]);
    expect(childrenOf("data").map((r) => r.name)).toEqual(["bucket", "versioning", "encryption", "public-access", "policy", "lifecycle"].map((c) => `data-${c}`));
    expect(one(plan, T.component, "logs").parent).toBe(one(plan, "test:index:Owner", "owner").urn);
  });

  it("auto-names the bucket unless given a prefix, and passes forceDestroy only when given", () => {
    expect(one(plan, T.bucket, "minimal-bucket").inputs).toEqual({});
    expect(bucketName("minimal")).toMatch(/^minimal-bucket-[0-9a-f]{7}$/);
    expect(outputs.minimal.name).toBe(bucketName("minimal"));
    expect(outputs.minimal.arn).toBe(`arn:aws:s3:::${bucketName("minimal")}`);
    expect(one(plan, T.bucket, "data-bucket").inputs).toEqual({ bucketPrefix: "edge-mlops-dev-data-" });
    expect(bucketName("data")).toMatch(/^edge-mlops-dev-data-[0-9a-f]{8}$/);
    expect(one(plan, T.bucket, "logs-bucket").inputs).toEqual({ forceDestroy: false });
    expect(one(plan, T.bucket, "dags-bucket").inputs).toEqual({ bucketPrefix: "airflow-dev-", forceDestroy: true });
  });

  it("versions the bucket and blocks every kind of public access", () => {
    for (const name of ["minimal", "data", "logs", "dags", "expiring"]) {
      expect(one(plan, T.versioning, `${name}-versioning`).inputs).toEqual({ bucket: bucketName(name), versioningConfiguration: { status: "Enabled" } });
      expect(one(plan, T.publicAccess, `${name}-public-access`).inputs).toEqual({
        bucket: bucketName(name),
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
    }
  });

  it("encrypts with SSE-S3 by default and with the given KMS key and a Bucket Key otherwise", () => {
    expect(one(plan, T.encryption, "minimal-encryption").inputs).toEqual({
      bucket: bucketName("minimal"),
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    expect(one(plan, T.encryption, "data-encryption").inputs).toEqual({
      bucket: bucketName("data"),
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KMS }, bucketKeyEnabled: true }],
    });
  });

  it("denies every request without TLS, once public access is blocked", () => {
    const arn = `arn:aws:s3:::${bucketName("minimal")}`;
    const policy = one(plan, T.policy, "minimal-policy");
    expect(policy.inputs.bucket).toBe(bucketName("minimal"));
    expect(policyDocument(policy.inputs.policy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [arn, `${arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } },
      ],
    });
    expect(policy.dependsOn).toEqual([one(plan, T.publicAccess, "minimal-public-access").urn]);
  });

  it("appends the caller's statements, built from the bucket's ARN, after the TLS-only deny", () => {
    const arn = `arn:aws:s3:::${bucketName("logs")}`;
    expect(policyDocument(one(plan, T.policy, "logs-policy").inputs.policy).Statement).toEqual([
      { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [arn, `${arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } },
      { Sid: "LogDelivery", Effect: "Allow", Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" }, Action: "s3:PutObject", Resource: `${arn}/AWSLogs/123456789012/*` },
    ]);
  });

  it.each([
    ["data", { id: "expire-noncurrent-versions", noncurrentVersionExpiration: { noncurrentDays: 14 }, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } }],
    ["expiring", { id: "expire-objects", expiration: { days: 365 }, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } }],
    [
      "logs",
      { id: "expire-old-logs", expiration: { days: 30 }, noncurrentVersionExpiration: { noncurrentDays: 2 }, abortIncompleteMultipartUpload: { daysAfterInitiation: 3 } },
    ],
  ])("gives %s one lifecycle rule for the whole bucket, applied once versioning is on", (name, rule) => {
    const lifecycle = one(plan, T.lifecycle, `${name}-lifecycle`);
    expect(lifecycle.inputs).toEqual({ bucket: bucketName(name), rules: [{ status: "Enabled", filter: {}, ...rule }] });
    expect(lifecycle.dependsOn).toEqual([one(plan, T.versioning, `${name}-versioning`).urn]);
  });

  it("has no lifecycle rule without day counts", () => {
    expect(plan.resources.filter((r) => r.type === T.lifecycle).map((r) => r.name)).toEqual(["data-lifecycle", "logs-lifecycle", "expiring-lifecycle"]);
    expect(outputs.minimal.noLifecycle).toBe(true);
  });

  it("orders nothing else: versioning, encryption and public access block depend on nothing", () => {
    for (const name of ["minimal", "data", "logs"]) {
      for (const type of [T.bucket, T.versioning, T.encryption, T.publicAccess]) {
        const r = childrenOf(name).find((c) => c.type === type)!;
        expect(r.dependsOn, r.name).toEqual([]);
      }
    }
  });

  it("protects the bucket only, and only when asked", () => {
    expect(plan.resources.filter((r) => r.options.protect).map((r) => r.name)).toEqual(["data-bucket"]);
  });

  it("lists its settings, in order, for writers to depend on", () => {
    const urnsOf = (name: string) => childrenOf(name).filter((r) => r.type !== T.bucket).map((r) => r.urn);
    expect(outputs.minimal.settings).toEqual(urnsOf("minimal"));
    expect(outputs.data.settings).toEqual(urnsOf("data"));
    expect(outputs.logs.settings).toEqual(urnsOf("logs"));
    expect(outputs.logs.fields).toEqual(urnsOf("logs"));
  });

  it("passes the caller's aliases through and adds none of its own", () => {
    expect(aliases.get(`${T.component}::data`)).toEqual([{ name: "old-data" }]);
    expect(aliases.get(`${T.component}::minimal`) ?? []).toEqual([]);
  });

  it("with formerParent, aliases each child to the name it had under that parent", () => {
    const moved = childrenOf("logs");
    expect(moved).toHaveLength(6);
    for (const r of moved) {
      const former = parentAliases(aliases, r.type, r.name);
      expect(former.map((a) => a.name), r.name).toEqual([r.name === "logs-bucket" ? "logs" : r.name]);
      expect(former[0].parent, r.name).toBe(owner);
    }
    // Without it, no child names a former parent.
    for (const r of [...childrenOf("minimal"), ...childrenOf("data")]) expect(parentAliases(aliases, r.type, r.name), r.name).toEqual([]);
  });
});
