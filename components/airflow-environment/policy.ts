// The MWAA execution role's documents, built from plain strings by pure functions. The component calls them inside
// `pulumi.all(...).apply(...)`.
//
// Least privilege, after the execution role page of the Amazon MWAA User Guide ("Amazon MWAA execution role"), narrowed
// to what this platform's environment and its continuous-training DAG do. No `*` action and no `*FullAccess` policy.
// A `*` resource appears only for the actions in WILDCARD_RESOURCE_ACTIONS, which have no narrower resource.
import { arnPattern } from "../../contracts/patterns";
import { argError } from "../args";
import { POLICY_VERSION, serviceTrustPolicy, type PolicyDocument, type PolicyStatement, type TrustPolicy } from "../iam";
import { MWAA_METRIC_NAMESPACE } from "./mwaa";

/**
 * Actions granted on `*`, and why:
 * - `logs:DescribeLogGroups` lists log groups; it cannot be scoped to a log group.
 * - `cloudwatch:PutMetricData` has no resource type; it is limited to the `AmazonMWAA` namespace by a condition.
 * - `s3:GetAccountPublicAccessBlock` reads the account-level setting; it has no resource type.
 */
export const WILDCARD_RESOURCE_ACTIONS = ["logs:DescribeLogGroups", "cloudwatch:PutMetricData", "s3:GetAccountPublicAccessBlock"] as const;

/** Trust policy: MWAA assumes the role both as `airflow.amazonaws.com` and as `airflow-env.amazonaws.com`. */
export function executionTrustPolicy(): TrustPolicy {
  return serviceTrustPolicy(["airflow.amazonaws.com", "airflow-env.amazonaws.com"]);
}

export interface ExecutionPolicyInputs {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly environmentName: string;
  readonly dagBucketArn: string;
  /** Customer-managed key of the environment; AWS-owned keys when unset. */
  readonly kmsKeyArn?: string;
  readonly dataBucketArn: string;
  /** Key that encrypts the data bucket, when it is a customer-managed KMS key. */
  readonly dataKmsKeyArn?: string;
  readonly newDataPrefix: string;
  readonly archivePrefix: string;
  readonly stateMachineArn: string;
  readonly featureGroupArn: string;
}

/** A Step Functions state machine ARN (state machine names: 1-80 of `[A-Za-z0-9_-]`). */
export const STATE_MACHINE_ARN = /* @__PURE__ */ arnPattern("states", "stateMachine:[A-Za-z0-9_-]{1,80}");

/**
 * `arn:...:execution:<state machine name>:*`, the executions of a state machine.
 * @throws ArgError naming `stateMachineArn` when it is not a state machine ARN.
 */
export function executionsOf(stateMachineArn: string): string {
  if (!STATE_MACHINE_ARN.test(stateMachineArn)) {
    argError("AirflowEnvironment", "stateMachineArn", `must be a Step Functions state machine ARN (arn:aws:states:<region>:<account>:stateMachine:<name>), got '${stateMachineArn}'`);
  }
  const [, partition, , region, account, , name] = stateMachineArn.split(":");
  return `arn:${partition}:states:${region}:${account}:execution:${name}:*`;
}

/**
 * The execution role's permissions:
 * - run the environment: publish its health metrics, write its `airflow-<name>-*` log groups, use its Celery queues
 *   (`airflow-celery-*`, SQS encrypted with the environment's key), read the DAG bucket;
 * - run the continuous-training DAG: list and read new files under the new-data prefix, copy them under the archive
 *   prefix and delete the originals, write records to the feature group, start the training state machine and
 *   follow its executions.
 */
export function executionRolePolicy(p: ExecutionPolicyInputs): PolicyDocument {
  const arn = (service: string, resource: string) => `arn:${p.partition}:${service}:${p.region}:${p.accountId}:${resource}`;
  const sqsEndpoint = `sqs.${p.region}.amazonaws.com`;
  const s3Endpoint = `s3.${p.region}.amazonaws.com`;
  const kmsActions = ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:Encrypt"];

  const statements: PolicyStatement[] = [
    { Sid: "PublishEnvironmentMetrics", Effect: "Allow", Action: ["airflow:PublishMetrics"], Resource: [arn("airflow", `environment/${p.environmentName}`)] },
    {
      Sid: "ReadDagBucket",
      Effect: "Allow",
      Action: ["s3:GetObject*", "s3:GetBucket*", "s3:List*"],
      Resource: [p.dagBucketArn, `${p.dagBucketArn}/*`],
    },
    { Sid: "CheckAccountPublicAccessBlock", Effect: "Allow", Action: ["s3:GetAccountPublicAccessBlock"], Resource: ["*"] },
    {
      Sid: "WriteEnvironmentLogs",
      Effect: "Allow",
      Action: [
        "logs:CreateLogStream",
        "logs:CreateLogGroup",
        "logs:PutLogEvents",
        "logs:GetLogEvents",
        "logs:GetLogRecord",
        "logs:GetLogGroupFields",
        "logs:GetQueryResults",
      ],
      Resource: [arn("logs", `log-group:airflow-${p.environmentName}-*`)],
    },
    { Sid: "DescribeLogGroups", Effect: "Allow", Action: ["logs:DescribeLogGroups"], Resource: ["*"] },
    {
      Sid: "PutEnvironmentMetrics",
      Effect: "Allow",
      Action: ["cloudwatch:PutMetricData"],
      Resource: ["*"],
      Condition: { StringEquals: { "cloudwatch:namespace": MWAA_METRIC_NAMESPACE } },
    },
    {
      Sid: "UseCeleryQueues",
      Effect: "Allow",
      Action: ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:SendMessage"],
      // The queues live in an account MWAA owns, hence the account wildcard (as in the MWAA User Guide).
      Resource: [`arn:${p.partition}:sqs:${p.region}:*:airflow-celery-*`],
    },
    p.kmsKeyArn
      ? {
          Sid: "UseEnvironmentKey",
          Effect: "Allow",
          Action: kmsActions,
          Resource: [p.kmsKeyArn],
          Condition: { StringLike: { "kms:ViaService": [sqsEndpoint, s3Endpoint] } },
        }
      : {
          // The Celery queues are encrypted with an AWS-owned key in an account MWAA owns: allow every key outside this
          // account, and only through SQS.
          Sid: "UseCeleryQueueKey",
          Effect: "Allow",
          Action: kmsActions,
          NotResource: [`arn:${p.partition}:kms:*:${p.accountId}:key/*`],
          Condition: { StringLike: { "kms:ViaService": [sqsEndpoint] } },
        },
    { Sid: "StartTraining", Effect: "Allow", Action: ["states:StartExecution"], Resource: [p.stateMachineArn] },
    { Sid: "FollowTraining", Effect: "Allow", Action: ["states:DescribeExecution"], Resource: [executionsOf(p.stateMachineArn)] },
    {
      Sid: "ListNewData",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: [p.dataBucketArn],
      Condition: { StringLike: { "s3:prefix": [p.newDataPrefix, `${p.newDataPrefix}*`] } },
    },
    // Archiving copies each file (read the original, write the copy) and then deletes the original.
    { Sid: "ReadAndRemoveNewData", Effect: "Allow", Action: ["s3:GetObject", "s3:DeleteObject"], Resource: [`${p.dataBucketArn}/${p.newDataPrefix}*`] },
    { Sid: "WriteArchive", Effect: "Allow", Action: ["s3:PutObject"], Resource: [`${p.dataBucketArn}/${p.archivePrefix}*`] },
    { Sid: "WriteFeatureGroup", Effect: "Allow", Action: ["sagemaker:PutRecord", "sagemaker:DescribeFeatureGroup"], Resource: [p.featureGroupArn] },
  ];
  if (p.dataKmsKeyArn) {
    statements.push({
      Sid: "UseDataBucketKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: [p.dataKmsKeyArn],
      Condition: { StringLike: { "kms:ViaService": [s3Endpoint] } },
    });
  }
  return { Version: POLICY_VERSION, Statement: statements };
}
