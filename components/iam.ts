// The IAM document model every component builds its policies with: identity, resource and trust policies as typed
// objects, built by pure functions from plain strings. Components call the builders inside `pulumi.all(...).apply(...)`
// (or `apply`) and pass `JSON.stringify(doc)` on. IoT policies (attached to certificates) are a different language
// and stay with the edge fleet.

export const POLICY_VERSION = "2012-10-17";

/** `{ operator: { key: value(s) } }`, e.g. `{ Bool: { "aws:SecureTransport": "false" } }`. */
export type Condition = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

/** Whom a statement of a resource or trust policy applies to. Identity policies have none. */
export type Principal = "*" | { readonly Service: string | readonly string[] } | { readonly AWS: string | readonly string[] };

/** One statement of an IAM identity or resource policy. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  /** Resource policies (bucket, topic and key policies) only. */
  readonly Principal?: Principal;
  readonly Action: string | readonly string[];
  /** Set exactly one of Resource and NotResource. */
  readonly Resource?: string | readonly string[];
  /** Every resource except these. */
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Condition;
}

/** An IAM identity or resource policy document. */
export interface PolicyDocument {
  readonly Version: typeof POLICY_VERSION;
  readonly Statement: readonly PolicyStatement[];
}

/** One statement of a role's trust (assume-role) policy. */
export interface TrustStatement {
  readonly Effect: "Allow";
  readonly Principal: { readonly Service: string | readonly string[] };
  readonly Action: string | readonly string[];
  readonly Condition?: Condition;
}

/** A role's trust (assume-role) policy document. */
export interface TrustPolicy {
  readonly Version: typeof POLICY_VERSION;
  readonly Statement: readonly TrustStatement[];
}

/**
 * Trust policy letting one AWS service (or several, as an array) assume a role, with `conditions` when given — e.g.
 * {@link sourceAccountCondition}, which keeps another account from having the service act with the role (confused
 * deputy).
 */
export function serviceTrustPolicy(service: string | readonly string[], conditions?: Condition): TrustPolicy {
  return {
    Version: POLICY_VERSION,
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole", ...(conditions ? { Condition: conditions } : {}) }],
  };
}

/** Condition: the service acts on behalf of this account only (`aws:SourceAccount`). */
export function sourceAccountCondition(accountId: string): Condition {
  return { StringEquals: { "aws:SourceAccount": accountId } };
}

/** The bucket-policy statement that denies every request made without TLS, to the bucket and its objects. */
export function denyInsecureTransport(bucketArn: string): PolicyStatement {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/** Bucket policy of a bucket reachable only over TLS: {@link denyInsecureTransport} and nothing else. */
export function tlsOnlyBucketPolicy(bucketArn: string): PolicyDocument {
  return { Version: POLICY_VERSION, Statement: [denyInsecureTransport(bucketArn)] };
}

/**
 * What a state machine needs to log and trace: vended log delivery to CloudWatch Logs (Step Functions' "IAM policies
 * for CloudWatch Logs": these actions need `*`) and X-Ray trace segments (X-Ray has no resource-level permissions).
 */
export function stateMachineObservabilityStatements(): PolicyStatement[] {
  return [
    {
      Sid: "DeliverLogs",
      Effect: "Allow",
      Action: [
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
      ],
      Resource: "*",
    },
    { Sid: "WriteTraces", Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"], Resource: "*" },
  ];
}

/**
 * How long to wait after creating a role and its policies before a service that checks them at create time uses them,
 * where the provider does not retry that service's "cannot assume the role" error itself (a `@pulumiverse/time` Sleep's
 * createDuration). IAM is eventually consistent: "changes ... take time to become visible" (IAM User Guide,
 * "Troubleshooting IAM: changes that I make are not always immediately visible"); the AWS provider waits up to two
 * minutes where it retries.
 */
export const IAM_PROPAGATION_WAIT = "30s";

