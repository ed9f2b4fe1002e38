// The training data bucket: versioned, encrypted by default (SSE-KMS with the given key, else SSE-S3), public access
// blocked, reachable only over TLS, noncurrent versions expired after a set number of days.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tlsOnlyBucketPolicy } from "./policies";

export interface DataBucketArgs {
  /** Start of the bucket's name (S3 appends a unique suffix); at most 37 characters of a-z, 0-9, '-'. */
  readonly bucketPrefix: string;
  /** Days a noncurrent object version is kept before it expires, 1 to 3650. @default 30 */
  readonly noncurrentVersionDays?: number;
  /** Customer-managed KMS key for default encryption. @default SSE-S3 (AES256) */
  readonly kmsKeyArn?: string;
  /** Protect the bucket from deletion and replacement. @default false */
  readonly protect?: boolean;
}

/** Days after which an unfinished multipart upload is cleaned up. */
export const ABORT_MULTIPART_DAYS = 7;

/** Validates the args; throws naming the bad arg. */
export function resolveDataBucketArgs(args: DataBucketArgs) {
  if (!/^[a-z0-9][a-z0-9-]{0,36}$/.test(args.bucketPrefix)) {
    throw new Error(`DataBucket: bucketPrefix '${args.bucketPrefix}' must be 1-37 characters of a-z, 0-9 and '-', starting with a letter or digit`);
  }
  const noncurrentVersionDays = args.noncurrentVersionDays ?? 30;
  if (!Number.isInteger(noncurrentVersionDays) || noncurrentVersionDays < 1 || noncurrentVersionDays > 3650) {
    throw new Error(`DataBucket: noncurrentVersionDays must be an integer from 1 to 3650, got ${noncurrentVersionDays}`);
  }
  return { bucketPrefix: args.bucketPrefix, noncurrentVersionDays, kmsKeyArn: args.kmsKeyArn, protect: args.protect ?? false };
}

export class DataBucket extends pulumi.ComponentResource {
  public readonly bucket: aws.s3.Bucket;
  public readonly bucketName: pulumi.Output<string>;
  public readonly bucketArn: pulumi.Output<string>;
  /** The bucket's settings (versioning, encryption, public access block, policy, lifecycle): depend on these before writing. */
  public readonly settings: pulumi.Resource[];

  constructor(name: string, args: DataBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edge-mlops:training:DataBucket", name, {}, opts);
    const s = resolveDataBucketArgs(args);

    // Only the bucket holds data; its settings can be replaced freely, so only the bucket is protected.
    this.bucket = new aws.s3.Bucket(`${name}-bucket`, { bucketPrefix: s.bucketPrefix }, { parent: this, protect: s.protect });
    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;
    const bucket = this.bucket.bucket;

    const versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket, versioningConfiguration: { status: "Enabled" } },
      { parent: this },
    );
    const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket,
        rules: [
          s.kmsKeyArn
            ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: s.kmsKeyArn }, bucketKeyEnabled: true }
            : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        ],
      },
      { parent: this },
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      { parent: this },
    );
    const policy = new aws.s3.BucketPolicy(
      `${name}-policy`,
      { bucket, policy: this.bucket.arn.apply((arn) => JSON.stringify(tlsOnlyBucketPolicy(arn))) },
      { parent: this, dependsOn: [publicAccess] },
    );
    const lifecycle = new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket,
        rules: [
          {
            id: "expire-noncurrent-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: s.noncurrentVersionDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_MULTIPART_DAYS },
          },
        ],
      },
      // Noncurrent-version rules are applied once versioning is on (the provider's advice for versioned buckets).
      { parent: this, dependsOn: [versioning] },
    );
    this.settings = [versioning, encryption, publicAccess, policy, lifecycle];
    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
  }
}
