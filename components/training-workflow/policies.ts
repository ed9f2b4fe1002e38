// The training workflow's IAM facts and the state machine's policy, built as typed objects by pure functions from plain
// strings: the data bucket's prefixes, the actions that may be granted on `*` and why, the helpers every document of
// the workflow uses, and the state machine role's document. Each other role's document lives beside the builder of
// what assumes it (feature-store.ts, jobs.ts, functions.ts, schedule.ts). The builders call them inside
// `pulumi.all(...).apply(...)` and pass `JSON.stringify(doc)` on.
//
// Least privilege: every Allow names its actions (never `*` or `<service>:*`) and its resources. A `*` resource
// appears only for the actions in WILDCARD_RESOURCE_ACTIONS, which have no resource-level permissions.
import { EVALUATION_REPORT } from "../../contracts/training-payloads";
import { POLICY_VERSION, stateMachineObservabilityStatements, type PolicyDocument, type PolicyStatement } from "../iam";

/** Prefixes of the data bucket (each ends in `/`). `incoming/` and `archive/` belong to the Airflow DAG. */
export const PREFIXES = {
  /** The feature group's offline store. */
  featureStore: "feature-store/",
  /** Every run of the workflow writes `training/<jobPrefix>/...` (splits, model, evaluation). */
  training: "training/",
  /** The job scripts of `training/`. */
  code: "code/training/",
  /** Model artifacts promoted for serving. */
  models: "models/",
  /** Where a model monitoring baseline is kept. */
  monitoringBaseline: "monitoring/baseline/",
} as const;

/** Glue database SageMaker Feature Store creates the offline store tables in. */
export const FEATURE_STORE_GLUE_DATABASE = "sagemaker_featurestore";

/** Repository of SageMaker's prebuilt scikit-learn images (in a registry account AWS owns, one per region). */
export const SKLEARN_REPOSITORY = "sagemaker-scikit-learn";

/**
 * Actions granted on `*`, and why:
 * - `ecr:GetAuthorizationToken` returns a registry login; it has no resource type.
 * - `cloudwatch:PutMetricData` has no resource type; a condition limits it to SageMaker's `/aws/sagemaker/*` namespaces.
 * - `sagemaker:ListModelPackages`: SageMaker List* calls (other than ListTags) have no resource-level permissions.
 * - `logs:CreateLogDelivery`, `GetLogDelivery`, `UpdateLogDelivery`, `DeleteLogDelivery`, `ListLogDeliveries`,
 *   `PutResourcePolicy`, `DescribeResourcePolicies`, `DescribeLogGroups`: how Step Functions sets up vended log
 *   delivery to CloudWatch Logs; AWS requires `*` for them.
 * - `xray:PutTraceSegments`, `PutTelemetryRecords`, `GetSamplingRules`, `GetSamplingTargets`: X-Ray has no
 *   resource-level permissions.
 */
export const WILDCARD_RESOURCE_ACTIONS = [
  "ecr:GetAuthorizationToken",
  "cloudwatch:PutMetricData",
  "sagemaker:ListModelPackages",
  "logs:CreateLogDelivery",
  "logs:GetLogDelivery",
  "logs:UpdateLogDelivery",
  "logs:DeleteLogDelivery",
  "logs:ListLogDeliveries",
  "logs:PutResourcePolicy",
  "logs:DescribeResourcePolicies",
  "logs:DescribeLogGroups",
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
  "xray:GetSamplingRules",
  "xray:GetSamplingTargets",
] as const;

/** Where the documents are evaluated: partition, region and account of the stack. */
export interface Scope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

export function scopedArn(s: Scope, service: string, resource: string): string {
  return `arn:${s.partition}:${service}:${s.region}:${s.accountId}:${resource}`;
}

/** Use of a customer-managed key through S3 only. */
export function s3KeyStatement(sid: string, s: Scope, kmsKeyArn: string, actions: readonly string[]): PolicyStatement {
  return {
    Sid: sid,
    Effect: "Allow",
    Action: actions,
    Resource: kmsKeyArn,
    Condition: { StringEquals: { "kms:ViaService": `s3.${s.region}.amazonaws.com` } },
  };
}

/** SageMaker attaches the key to the jobs' storage volumes through a grant, made only for AWS resources. */
export function grantJobVolumes(kmsKeyArn: string): PolicyStatement {
  return { Sid: "GrantJobVolumes", Effect: "Allow", Action: ["kms:CreateGrant"], Resource: kmsKeyArn, Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } } };
}

export interface StateMachinePolicyInputs extends Scope {
  /** Start of every job name (the pipeline name). */
  readonly jobNamePrefix: string;
  readonly sagemakerRoleArn: string;
  /** The three workflow functions. */
  readonly functionArns: readonly string[];
  readonly bucketArn: string;
  readonly kmsKeyArn?: string;
}

/**
 * The state machine role: run (create, describe, stop) only its own processing and training jobs, pass only the
 * SageMaker execution role and only to SageMaker, invoke only its three functions, read the runs' evaluation
 * reports, keep the EventBridge rules the `.sync` integrations wait on, and deliver its logs and traces.
 */
export function stateMachinePolicy(p: StateMachinePolicyInputs): PolicyDocument {
  // SageMaker lowercases job names in ARNs; jobNamePrefix is lowercase, so the patterns match as written.
  const processingJobs = scopedArn(p, "sagemaker", `processing-job/${p.jobNamePrefix}-*`);
  const trainingJobs = scopedArn(p, "sagemaker", `training-job/${p.jobNamePrefix}-*`);
  const statements: PolicyStatement[] = [
    {
      Sid: "RunProcessingJobs",
      Effect: "Allow",
      Action: ["sagemaker:CreateProcessingJob", "sagemaker:DescribeProcessingJob", "sagemaker:StopProcessingJob"],
      Resource: processingJobs,
    },
    {
      Sid: "RunTrainingJobs",
      Effect: "Allow",
      Action: ["sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob", "sagemaker:StopTrainingJob"],
      Resource: trainingJobs,
    },
    // The SageMaker integrations read the tags of the jobs they start (AWS's generated policies grant this on "*";
    // ListTags supports resource-level permissions, so it is limited to this workflow's jobs).
    { Sid: "ReadJobTags", Effect: "Allow", Action: ["sagemaker:ListTags"], Resource: [processingJobs, trainingJobs] },
    {
      Sid: "PassExecutionRole",
      Effect: "Allow",
      Action: ["iam:PassRole"],
      Resource: p.sagemakerRoleArn,
      Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
    },
    {
      Sid: "InvokeWorkflowFunctions",
      Effect: "Allow",
      Action: ["lambda:InvokeFunction"],
      Resource: p.functionArns.flatMap((fn) => [fn, `${fn}:*`]),
    },
    {
      Sid: "ReadEvaluationReports",
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: `${p.bucketArn}/${PREFIXES.training}*/${EVALUATION_REPORT.folder}/${EVALUATION_REPORT.file}`,
    },
    {
      // `.sync` integrations learn that a job finished through these rules, which Step Functions manages.
      Sid: "ManageSyncRules",
      Effect: "Allow",
      Action: ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
      Resource: [
        scopedArn(p, "events", "rule/StepFunctionsGetEventsForSageMakerProcessingJobsRule"),
        scopedArn(p, "events", "rule/StepFunctionsGetEventsForSageMakerTrainingJobsRule"),
      ],
    },
    ...stateMachineObservabilityStatements(),
  ];
  if (p.kmsKeyArn) {
    statements.push(
      s3KeyStatement("DecryptEvaluationReports", p, p.kmsKeyArn, ["kms:Decrypt"]),
      // Jobs started with VolumeKmsKeyId need a grant on the key for their volumes, made with the caller's rights.
      { Sid: "DescribeJobKey", Effect: "Allow", Action: ["kms:DescribeKey"], Resource: p.kmsKeyArn },
      grantJobVolumes(p.kmsKeyArn),
    );
  }
  return { Version: POLICY_VERSION, Statement: statements };
}
