// A SecureBucket's settings as one schema: every default, range and rule stated once. Components that own a bucket
// pass these settings through; the secure parts (versioning, encryption, public access block, TLS only) are not
// settings: every SecureBucket has them.
import { z } from "zod";
import { KMS_KEY_ARN } from "../../contracts/patterns";
import { int } from "../args";

/** Days for lifecycle rules: 1 to 3650 (S3 accepts any positive integer; ten years is this project's ceiling). */
const days = int(1, 3650);

export const secureBucketSettings = z
  .object({
    /**
     * Start of the bucket's name (S3 appends a 26-character unique suffix, and names are at most 63 characters):
     * 1 to 37 characters of a-z, 0-9 and '-', starting with a letter or digit.
     * @default Pulumi's auto-name from the bucket's resource name
     */
    bucketPrefix: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,36}$/, "must be 1-37 characters of a-z, 0-9 and '-', starting with a letter or digit")
      .optional(),
    /** Customer-managed KMS key (key ARN) for default encryption, with an S3 Bucket Key. @default SSE-S3 (AES256) */
    kmsKeyArn: z.string().regex(KMS_KEY_ARN, "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)").optional(),
    /** Protect the bucket (and only the bucket) from deletion and replacement. @default false */
    protect: z.boolean().default(false),
    /** Let a delete remove the bucket together with its objects and versions. @default false (the provider's default, not sent) */
    forceDestroy: z.boolean().optional(),
    /** Days a noncurrent object version is kept before it expires. @default kept for ever */
    noncurrentVersionDays: days.optional(),
    /** Days after which every object expires (e.g. access logs). @default never */
    expirationDays: days.optional(),
    /**
     * Days after which an unfinished multipart upload is removed. Part of the lifecycle rule, so it needs
     * `noncurrentVersionDays` or `expirationDays`. @default 7 when there is a lifecycle rule
     */
    abortIncompleteUploadDays: days.optional(),
    /**
     * Id of the lifecycle rule, 1 to 255 characters (S3's limit); needs `noncurrentVersionDays` or `expirationDays`.
     * @default "expire-objects" with `expirationDays`, else "expire-noncurrent-versions"
     */
    lifecycleRuleId: z.string().min(1).max(255).optional(),
  })
  .superRefine((s, ctx) => {
    const hasRule = s.noncurrentVersionDays !== undefined || s.expirationDays !== undefined;
    for (const key of ["abortIncompleteUploadDays", "lifecycleRuleId"] as const) {
      if (!hasRule && s[key] !== undefined) {
        ctx.addIssue({ code: "custom", path: [key], message: "needs noncurrentVersionDays or expirationDays (a lifecycle rule)" });
      }
    }
  });

/** Default days after which an unfinished multipart upload is removed. */
export const ABORT_INCOMPLETE_UPLOAD_DAYS = 7;

/** A SecureBucket's settings as given (defaults optional). */
export type SecureBucketSettingsInput = z.input<typeof secureBucketSettings>;
