/**
 * Value patterns shared by the training Lambdas and the state machine definition
 * (components/training-workflow/definition.ts), so both accept exactly the same values.
 */

/**
 * `s3://bucket/key...` with a DNS-style bucket name and a key of characters that are safe
 * everywhere the URI travels: resource tags, Step Functions format strings, IAM resource ARNs.
 */
export const S3_URI = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9_.\/=+@-]*)?$/;

/** An Amazon ECR image reference, by tag or by digest. */
export const ECR_IMAGE =
  /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[a-z0-9][a-z0-9._\/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$/;

/** SageMaker resource names (experiments, trials, jobs, model package groups). */
export const SAGEMAKER_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;
