// What the workflow's SageMaker jobs run: the job scripts of `training/` uploaded under `code/training/` (keyed by
// their content hash, so an edited script is uploaded again), SageMaker's prebuilt scikit-learn image of the region,
// and the least-privilege execution role the jobs run as.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { POLICY_VERSION, type PolicyDocument, type PolicyStatement } from "../iam";
import type { WorkflowContext } from "./context";
import type { DataBucket } from "./data";
import { grantJobVolumes, PREFIXES, scopedArn, SKLEARN_REPOSITORY, type Scope } from "./policies";
import * as s3 from "@pulumi/aws/s3";
import * as iam from "@pulumi/aws/iam";
import * as awsSagemaker from "@pulumi/aws/sagemaker";

/** The repository's `training/` folder. */
export const TRAINING_DIR = path.resolve(__dirname, "..", "..", "training");
/** The job scripts uploaded under PREFIXES.code; the state machine runs them from there. */
export const TRAINING_SCRIPTS = ["preprocess.py", "train.py", "evaluate.py", "model_format.py"] as const;

/** The job scripts, each written once the created bucket's encryption and policy are in place. */
export function uploadScripts(ctx: WorkflowContext, data: DataBucket): s3.BucketObjectv2[] {
  return TRAINING_SCRIPTS.map((file) => {
    const filePath = path.join(TRAINING_DIR, file);
    const sha256 = createHash("sha256").update(fs.readFileSync(filePath)).digest("hex");
    return new s3.BucketObjectv2(
      `${ctx.name}-code-${file.replace(/\.py$/, "").replace(/_/g, "-")}`,
      { bucket: data.bucketName, key: `${PREFIXES.code}${file}`, source: new pulumi.asset.FileAsset(filePath), sourceHash: sha256, contentType: "text/x-python" },
      { parent: ctx.parent, dependsOn: data.settings },
    );
  });
}

export interface JobRuntime {
  /** The prebuilt scikit-learn image of the stack's region (its registry path). */
  readonly imageUri: pulumi.Output<string>;
  /** Execution role of the processing and training jobs. */
  readonly role: iam.Role;
  readonly rolePolicy: iam.RolePolicy;
}

export function buildJobRuntime(ctx: WorkflowContext, data: DataBucket): JobRuntime {
  const { name, parent, settings: s } = ctx;
  const image = awsSagemaker.getPrebuiltEcrImageOutput({ repositoryName: SKLEARN_REPOSITORY, imageTag: `${s.sklearnVersion}-cpu-py3` }, { parent });
  const role = new iam.Role(
    `${name}-sagemaker-role`,
    { description: `Processing and training jobs of ${s.pipelineName}`, assumeRolePolicy: ctx.trustedBy("sagemaker.amazonaws.com") },
    { parent },
  );
  const rolePolicy = new iam.RolePolicy(
    `${name}-sagemaker-policy`,
    {
      role: role.id,
      policy: pulumi
        .all([ctx.scope, data.bucketArn, image.registryId])
        .apply(([sc, bucketArn, imageRegistryId]) => JSON.stringify(sagemakerExecutionPolicy({ ...sc, bucketArn, imageRegistryId, kmsKeyArn: s.kmsKeyArn }))),
    },
    { parent },
  );
  return { imageUri: image.registryPath, role, rolePolicy };
}

// ---- the role's document ---------------------------------------------------------------------------------------

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
      Resource: [scopedArn(p, "logs", "log-group:/aws/sagemaker/ProcessingJobs*"), scopedArn(p, "logs", "log-group:/aws/sagemaker/TrainingJobs*")],
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
