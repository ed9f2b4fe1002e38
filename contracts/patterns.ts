/**
 * Value patterns of AWS names, URIs and ARNs: the one copy that the stack config, the components, the Lambda
 * handlers, the model server and the policy pack all judge values by. Pure data and functions, no Pulumi.
 *
 * Each pattern states the AWS rule it follows; where our rule is narrower than AWS's, the comment says why.
 */

/** ARN partitions: `aws`, `aws-cn`, `aws-us-gov`, and the isolated ones. */
const PARTITION = "arn:aws[a-z-]*";
/** An AWS region code, as it appears inside an ARN. */
const ARN_REGION = "[a-z0-9-]+";
/** A 12-digit AWS account id. */
const ACCOUNT = "\\d{12}";

/**
 * An ARN of `service` in some region and account whose resource part matches `resource` (a regex source;
 * anything when omitted), e.g. `arnPattern("acm", "certificate/.+")`.
 */
export function arnPattern(service: string, resource = ".+"): RegExp {
  return new RegExp(`^${PARTITION}:${service}:${ARN_REGION}:${ACCOUNT}:${resource}$`);
}

/**
 * S3 bucket names (general purpose buckets): 3 to 63 characters of lower-case letters, digits, dots and hyphens,
 * beginning and ending with a letter or digit (Amazon S3 User Guide, "Bucket naming rules").
 */
export const S3_BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * `s3://bucket[/key...]` with a valid bucket name and a key of characters that are safe everywhere the URI
 * travels: resource tags, Step Functions format strings, IAM resource ARNs, Greengrass recipes. S3 allows more in
 * keys; this project never writes any other.
 */
export const S3_URI = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9_.\/=+@-]*)?$/;

/** The bucket and key of an `s3://` URI that matches S3_URI, or undefined. The key may be empty. */
export function parseS3Uri(uri: string): { bucket: string; key: string } | undefined {
  if (!S3_URI.test(uri)) return undefined;
  const rest = uri.slice("s3://".length);
  const slash = rest.indexOf("/");
  return slash < 0 ? { bucket: rest, key: "" } : { bucket: rest.slice(0, slash), key: rest.slice(slash + 1) };
}

/** An S3 key prefix as this project writes them: safe characters, ending in `/`, no wildcards. */
export const S3_PREFIX = /^[a-zA-Z0-9!_.'()\/-]+\/$/;

/** A KMS key ARN (`…:key/<id>`): what grants, bucket encryption and log groups require. */
export const KMS_KEY_ARN = /* @__PURE__ */ arnPattern("kms", "key/[A-Za-z0-9-]+");
/** A KMS key or alias ARN (`…:key/<id>` or `…:alias/<name>`): what services that resolve aliases accept. */
export const KMS_KEY_OR_ALIAS_ARN = /* @__PURE__ */ arnPattern("kms", "(key/[A-Za-z0-9-]+|alias/[A-Za-z0-9/_-]+)");
/** An ACM certificate ARN. */
export const ACM_CERTIFICATE_ARN = /* @__PURE__ */ arnPattern("acm", "certificate/[A-Za-z0-9-]+");
/** A Lambda function ARN, optionally with a version or alias qualifier (function names: 1-64 of `[A-Za-z0-9_-]`). */
export const LAMBDA_FUNCTION_ARN = /* @__PURE__ */ arnPattern("lambda", "function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?");
/** An IAM role ARN (IAM is global: the region part is empty). */
export const IAM_ROLE_ARN = new RegExp(`^${PARTITION}:iam::${ACCOUNT}:role\\/[\\w+=,.@\\/-]{1,512}$`);
/** A CloudWatch alarm ARN. */
export const CLOUDWATCH_ALARM_ARN = /* @__PURE__ */ arnPattern("cloudwatch", "alarm:.+");
/** A Step Functions execution ARN. */
export const STATES_EXECUTION_ARN = /* @__PURE__ */ arnPattern("states", "execution:[^\\s]+");

/** An Amazon ECR image reference, by tag or by digest. */
export const ECR_IMAGE =
  /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[a-z0-9][a-z0-9._\/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$/;

/** SageMaker resource names (experiments, trials, jobs, model package groups): `^[a-zA-Z0-9](-*[a-zA-Z0-9])*$`. */
export const SAGEMAKER_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;

/** SageMaker ML instance types, e.g. `ml.m5.large`. */
export const SAGEMAKER_INSTANCE_TYPE = /^ml\.[a-z0-9]+\.[a-z0-9]+$/;

/**
 * AWS region codes, e.g. `eu-west-1`, `us-gov-west-1`, `cn-north-1`: the shape only; whether the region exists
 * is a separate question (see components/config.ts).
 */
export const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

/** `text` with every regular-expression metacharacter escaped, to match it literally inside a RegExp. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
