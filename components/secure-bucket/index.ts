// A private S3 bucket with the platform's secure defaults: versioned, encrypted by default (SSE-KMS with the given key,
// else SSE-S3), public access blocked, reachable only over TLS (plus any statements the caller appends to its policy),
// and an optional lifecycle rule expiring objects and noncurrent versions.
//
// Only the bucket holds data: `protect` applies to it alone; its settings can be replaced without losing anything.
// Writers of objects depend on `versioning` and `encryption` (or on all of `settings`) so that no object is written
// unversioned or unencrypted; whoever needs the policy in place (a load balancer checks it may write) depends on `policy`.
import * as pulumi from "@pulumi/pulumi";
import { resolveArgs } from "../args";
import { POLICY_VERSION, denyInsecureTransport, type PolicyStatement } from "../iam";
import { ABORT_INCOMPLETE_UPLOAD_DAYS, secureBucketSettings, type SecureBucketSettingsInput } from "./args";
import * as s3 from "@pulumi/aws/s3";
export { ABORT_INCOMPLETE_UPLOAD_DAYS, secureBucketSettings, type SecureBucketSettingsInput } from "./args";

export interface SecureBucketArgs extends SecureBucketSettingsInput {
  /**
   * Statements appended to the bucket policy after the TLS-only deny, built from the bucket's ARN (e.g. log delivery
   * by a service). @default none
   */
  readonly extraStatements?: (bucketArn: string) => pulumi.Input<PolicyStatement[]>;
  /**
   * The resource these children were registered under before they moved into a SecureBucket of the same name: the
   * bucket as `<name>`, its settings as `<name>-versioning`, `<name>-encryption` and so on. Every child gets an alias
   * to its former URN, so the existing bucket is kept, not replaced. @default none
   */
  readonly formerParent?: pulumi.Resource;
}

/** The settings a SecureBucket is built from, defaults applied. @throws ArgError naming the first bad arg. */
export function resolveSecureBucketArgs(args: SecureBucketArgs) {
  const s = resolveArgs("SecureBucket", secureBucketSettings, args);
  const hasRule = s.noncurrentVersionDays !== undefined || s.expirationDays !== undefined;
  return {
    bucketPrefix: s.bucketPrefix,
    kmsKeyArn: s.kmsKeyArn,
    protect: s.protect,
    forceDestroy: s.forceDestroy,
    lifecycle: hasRule
      ? {
          ruleId: s.lifecycleRuleId ?? (s.expirationDays !== undefined ? "expire-objects" : "expire-noncurrent-versions"),
          expirationDays: s.expirationDays,
          noncurrentVersionDays: s.noncurrentVersionDays,
          abortIncompleteUploadDays: s.abortIncompleteUploadDays ?? ABORT_INCOMPLETE_UPLOAD_DAYS,
        }
      : undefined,
  };
}

export class SecureBucket extends pulumi.ComponentResource {
  public readonly bucket: s3.Bucket;
  public readonly bucketName: pulumi.Output<string>;
  public readonly bucketArn: pulumi.Output<string>;
  public readonly versioning: s3.BucketVersioning;
  public readonly encryption: s3.BucketServerSideEncryptionConfiguration;
  public readonly publicAccessBlock: s3.BucketPublicAccessBlock;
  public readonly policy: s3.BucketPolicy;
  /** The lifecycle rule, when `noncurrentVersionDays` or `expirationDays` is set. */
  public readonly lifecycle?: s3.BucketLifecycleConfiguration;
  /** The bucket's settings (versioning, encryption, public access block, policy, lifecycle): depend on these before writing. */
  public readonly settings: pulumi.Resource[];

  constructor(name: string, args: SecureBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    const s = resolveSecureBucketArgs(args);
    super("edge-mlops:storage:SecureBucket", name, {}, opts);
    const former = args.formerParent;
    const child = (formerName: string): pulumi.CustomResourceOptions =>
      former ? { parent: this, aliases: [{ name: formerName, parent: former }] } : { parent: this };

    this.bucket = new s3.Bucket(
      `${name}-bucket`,
      { bucketPrefix: s.bucketPrefix, forceDestroy: s.forceDestroy },
      { ...child(name), protect: s.protect },
    );
    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;
    const bucket = this.bucket.bucket;

    this.versioning = new s3.BucketVersioning(
      `${name}-versioning`,
      { bucket, versioningConfiguration: { status: "Enabled" } },
      child(`${name}-versioning`),
    );
    this.encryption = new s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket,
        rules: [
          s.kmsKeyArn
            ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: s.kmsKeyArn }, bucketKeyEnabled: true }
            : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        ],
      },
      child(`${name}-encryption`),
    );
    this.publicAccessBlock = new s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      child(`${name}-public-access`),
    );
    const extraStatements = args.extraStatements;
    this.policy = new s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket,
        policy: this.bucket.arn.apply((arn) =>
          pulumi
            .output(extraStatements ? extraStatements(arn) : [])
            .apply((extra) => JSON.stringify({ Version: POLICY_VERSION, Statement: [denyInsecureTransport(arn), ...(extra as PolicyStatement[])] })),
        ),
      },
      // With public access blocked first, a mistaken public statement is refused instead of briefly applied.
      { ...child(`${name}-policy`), dependsOn: [this.publicAccessBlock] },
    );
    const rule = s.lifecycle;
    if (rule) {
      this.lifecycle = new s3.BucketLifecycleConfiguration(
        `${name}-lifecycle`,
        {
          bucket,
          rules: [
            {
              id: rule.ruleId,
              status: "Enabled",
              filter: {},
              expiration: rule.expirationDays !== undefined ? { days: rule.expirationDays } : undefined,
              noncurrentVersionExpiration: rule.noncurrentVersionDays !== undefined ? { noncurrentDays: rule.noncurrentVersionDays } : undefined,
              abortIncompleteMultipartUpload: { daysAfterInitiation: rule.abortIncompleteUploadDays },
            },
          ],
        },
        // Noncurrent-version rules are applied once versioning is on (the provider's advice for versioned buckets).
        { ...child(`${name}-lifecycle`), dependsOn: [this.versioning] },
      );
    }
    this.settings = [this.versioning, this.encryption, this.publicAccessBlock, this.policy, ...(this.lifecycle ? [this.lifecycle] : [])];
    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
  }
}
