// IAM documents of the training workflow, built as typed objects by pure functions from plain strings. The
// component calls them inside `pulumi.all(...).apply(...)` and passes `JSON.stringify(doc)` on.
//
// Least privilege: every Allow names its actions (never `*` or `<service>:*`) and its resources. A `*` resource
// appears only for the actions in WILDCARD_RESOURCE_ACTIONS, which have no resource-level permissions.
import { POLICY_VERSION, type PolicyDocument, type PolicyStatement } from "../iam";

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

function arn(s: Scope, service: string, resource: string): string {
  return `arn:${s.partition}:${service}:${s.region}:${s.accountId}:${resource}`;
}

/** Use of a customer-managed key through S3 only. */
function s3KeyStatement(sid: string, s: Scope, kmsKeyArn: string, actions: readonly string[]): PolicyStatement {
  return {
    Sid: sid,
    Effect: "Allow",
    Action: actions,
    Resource: kmsKeyArn,
    Condition: { StringEquals: { "kms:ViaService": `s3.${s.region}.amazonaws.com` } },
  };
}

/** SageMaker attaches the key to the jobs' storage volumes through a grant, made only for AWS resources. */
function grantJobVolumes(kmsKeyArn: string): PolicyStatement {
  return { Sid: "GrantJobVolumes", Effect: "Allow", Action: ["kms:CreateGrant"], Resource: kmsKeyArn, Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } } };
}

export interface FeatureStorePolicyInputs extends Scope {
  readonly bucketArn: string;
  /** Key of the data bucket and the offline store, when customer-managed. */
  readonly kmsKeyArn?: string;
}

/**
 * The feature store role: SageMaker Feature Store writes the offline store's Parquet files under `feature-store/`
 * (with the bucket-owner-full-control ACL, hence PutObjectAcl and GetBucketAcl) and keeps the offline store's Glue
 * table in this account's `sagemaker_featurestore` database.
 */
export function featureStorePolicy(p: FeatureStorePolicyInputs): PolicyDocument {
  const glue = (resource: string) => arn(p, "glue", resource);
  const statements: PolicyStatement[] = [
    {
      Sid: "WriteOfflineStore",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:PutObjectAcl", "s3:GetObject"],
      Resource: `${p.bucketArn}/${PREFIXES.featureStore}*`,
    },
    { Sid: "ReadBucketSettings", Effect: "Allow", Action: ["s3:GetBucketAcl", "s3:GetBucketLocation"], Resource: p.bucketArn },
    {
      Sid: "KeepOfflineStoreTable",
      Effect: "Allow",
      Action: ["glue:GetDatabase", "glue:CreateDatabase", "glue:GetTable", "glue:CreateTable", "glue:UpdateTable"],
      Resource: [glue("catalog"), glue(`database/${FEATURE_STORE_GLUE_DATABASE}`), glue(`table/${FEATURE_STORE_GLUE_DATABASE}/*`)],
    },
  ];
  if (p.kmsKeyArn) statements.push(s3KeyStatement("UseDataKey", p, p.kmsKeyArn, ["kms:GenerateDataKey", "kms:Decrypt"]));
  return { Version: POLICY_VERSION, Statement: statements };
}

export interface ExecutionPolicyInputs extends Scope {
  readonly bucketArn: string;
  /** Registry account of SageMaker's prebuilt scikit-learn image in this region. */
  readonly imageRegistryId: string;
  /** Key of the data bucket and the jobs' volumes and outputs, when customer-managed. */
  readonly kmsKeyArn?: string;
}

/**
 * The SageMaker execution role of the workflow's processing and training jobs: read the offline store, the scripts
 * and earlier outputs of the run; write the run's outputs under `training/`; pull the prebuilt image; write the jobs'
 * logs and metrics.
 */
export function sagemakerExecutionPolicy(p: ExecutionPolicyInputs): PolicyDocument {
  const readPrefixes = [PREFIXES.featureStore, PREFIXES.code, PREFIXES.training];
  const statements: PolicyStatement[] = [
    {
      Sid: "ListInputs",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: p.bucketArn,
      Condition: { StringLike: { "s3:prefix": readPrefixes.map((prefix) => `${prefix}*`) } },
    },
    { Sid: "ReadInputs", Effect: "Allow", Action: ["s3:GetObject"], Resource: readPrefixes.map((prefix) => `${p.bucketArn}/${prefix}*`) },
    { Sid: "WriteRunOutputs", Effect: "Allow", Action: ["s3:PutObject"], Resource: `${p.bucketArn}/${PREFIXES.training}*` },
    { Sid: "LogInToRegistry", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
    {
      Sid: "PullPrebuiltImage",
      Effect: "Allow",
      Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
      Resource: `arn:${p.partition}:ecr:${p.region}:${p.imageRegistryId}:repository/${SKLEARN_REPOSITORY}`,
    },
    {
      Sid: "WriteJobLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
      Resource: [arn(p, "logs", "log-group:/aws/sagemaker/ProcessingJobs*"), arn(p, "logs", "log-group:/aws/sagemaker/TrainingJobs*")],
    },
    {
      Sid: "PutJobMetrics",
      Effect: "Allow",
      Action: ["cloudwatch:PutMetricData"],
      Resource: "*",
      Condition: { StringLike: { "cloudwatch:namespace": "/aws/sagemaker/*" } },
    },
  ];
  if (p.kmsKeyArn) {
    statements.push(
      { Sid: "UseJobKey", Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], Resource: p.kmsKeyArn },
      grantJobVolumes(p.kmsKeyArn),
    );
  }
  return { Version: POLICY_VERSION, Statement: statements };
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
  const processingJobs = arn(p, "sagemaker", `processing-job/${p.jobNamePrefix}-*`);
  const trainingJobs = arn(p, "sagemaker", `training-job/${p.jobNamePrefix}-*`);
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
      Resource: `${p.bucketArn}/${PREFIXES.training}*/evaluation/evaluation.json`,
    },
    {
      // `.sync` integrations learn that a job finished through these rules, which Step Functions manages.
      Sid: "ManageSyncRules",
      Effect: "Allow",
      Action: ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
      Resource: [
        arn(p, "events", "rule/StepFunctionsGetEventsForSageMakerProcessingJobsRule"),
        arn(p, "events", "rule/StepFunctionsGetEventsForSageMakerTrainingJobsRule"),
      ],
    },
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
    {
      Sid: "WriteTraces",
      Effect: "Allow",
      Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"],
      Resource: "*",
    },
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

/** The schedule's role: start executions of the one state machine. */
export function schedulerPolicy(stateMachineArn: string): PolicyDocument {
  return {
    Version: POLICY_VERSION,
    Statement: [{ Sid: "StartTraining", Effect: "Allow", Action: ["states:StartExecution"], Resource: stateMachineArn }],
  };
}

// ---- the functions' statements (added to each LambdaFunction's own logs and traces) -------------------------------

/** create-experiment: the experiment `<pipeline>` and the trials `<pipeline>-*` (tagged with the data prefix). */
export function createExperimentStatements(s: Scope, pipelineName: string): PolicyStatement[] {
  return [
    { Sid: "CreateExperiment", Effect: "Allow", Action: ["sagemaker:CreateExperiment"], Resource: arn(s, "sagemaker", `experiment/${pipelineName}`) },
    {
      Sid: "CreateTrials",
      Effect: "Allow",
      Action: ["sagemaker:CreateTrial", "sagemaker:AddTags"],
      Resource: arn(s, "sagemaker", `experiment-trial/${pipelineName}-*`),
    },
  ];
}

/** evaluate-results: list the group's packages and describe them (reads only). */
export function evaluateResultsStatements(s: Scope, modelPackageGroupName: string): PolicyStatement[] {
  return [
    { Sid: "ListModelPackages", Effect: "Allow", Action: ["sagemaker:ListModelPackages"], Resource: "*" },
    {
      Sid: "DescribeModelPackages",
      Effect: "Allow",
      Action: ["sagemaker:DescribeModelPackage"],
      Resource: arn(s, "sagemaker", `model-package/${modelPackageGroupName}/*`),
    },
  ];
}

/** register-model: add versions to the one model package group. */
export function registerModelStatements(s: Scope, modelPackageGroupName: string): PolicyStatement[] {
  return [
    {
      Sid: "CreateModelPackages",
      Effect: "Allow",
      Action: ["sagemaker:CreateModelPackage"],
      Resource: [arn(s, "sagemaker", `model-package-group/${modelPackageGroupName}`), arn(s, "sagemaker", `model-package/${modelPackageGroupName}/*`)],
    },
  ];
}
