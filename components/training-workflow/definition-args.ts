/**
 * The arguments of the training workflow's definition (definition.ts) and their check. The builder takes resolved
 * values (ARNs, image references, S3 URIs) because the component calls it inside `apply`; the check names every bad
 * argument at once, judging values by the patterns of contracts/patterns.ts and the limits SageMaker states.
 */
import {
  ECR_IMAGE,
  IAM_ROLE_ARN,
  KMS_KEY_OR_ALIAS_ARN,
  LAMBDA_FUNCTION_ARN,
  S3_URI,
  SAGEMAKER_INSTANCE_TYPE,
  SAGEMAKER_NAME,
} from "../../contracts/patterns";
import { MAX_PIPELINE_NAME_LENGTH, PIPELINE_NAME } from "../../contracts/training-run";

/** Compute for one SageMaker job. */
export interface JobResources {
  /** ML instance type, e.g. `ml.m5.large`. */
  readonly instanceType: string;
  /** Number of instances, 1-100. @default 1 */
  readonly instanceCount?: number;
  /** Size of each instance's ML storage volume in GB, 1-16384. @default 30 */
  readonly volumeSizeGb?: number;
  /**
   * StoppingCondition.MaxRuntimeInSeconds: the job is stopped after this long. At most 604800 (7 days) for
   * processing and 2419200 (28 days) for training, SageMaker's limits.
   */
  readonly maxRuntimeSeconds: number;
}

/** Options of training/train.py; each left out keeps the trainer's own default. */
export interface TrainerHyperparameters {
  /** Boosting rounds, 1-5000. @default the trainer's (100) */
  readonly nEstimators?: number;
  /** Tree depth, 1-32. @default the trainer's (3) */
  readonly maxDepth?: number;
  /** Learning rate, in (0, 1]. @default the trainer's (0.1) */
  readonly learningRate?: number;
  /** Random seed, 0-4294967295. @default the trainer's (0) */
  readonly randomState?: number;
}

export interface TrainingDefinitionArgs {
  /** ARN of the create-experiment Lambda. */
  readonly createExperimentFunctionArn: string;
  /** ARN of the evaluate-results Lambda. */
  readonly evaluateResultsFunctionArn: string;
  /** ARN of the register-model Lambda. */
  readonly registerModelFunctionArn: string;
  /** Execution role of the SageMaker jobs (passed to SageMaker by the state machine). */
  readonly sagemakerRoleArn: string;
  /** Image of the two processing jobs (SageMaker's prebuilt scikit-learn image of the region). */
  readonly processingImageUri: string;
  /** Image of the training job (the same prebuilt scikit-learn image). */
  readonly trainingImageUri: string;
  /** Image recorded in registered model packages (the inference service's image). */
  readonly inferenceImageUri: string;
  /** Prefix the preprocessing job reads: the feature group's offline store (or plain CSV). */
  readonly dataS3Uri: string;
  /** Prefix under which every run writes `<jobPrefix>/...`. */
  readonly outputS3Uri: string;
  /** Prefix holding preprocess.py, train.py, evaluate.py and model_format.py. */
  readonly codeS3Uri: string;
  /** Fixed start of every job name (the pipeline name); IAM policies scope SageMaker access to it. */
  readonly jobNamePrefix: string;
  /** Model package group that register-model adds versions to. */
  readonly modelPackageGroupName: string;
  /** Largest test RMSE a model may have to be registered, > 0. */
  readonly qualityThresholdRmse: number;
  readonly preprocessing: JobResources;
  readonly training: JobResources;
  readonly evaluation: JobResources;
  /** Trainer options. @default {} (the trainer's defaults) */
  readonly hyperparameters?: TrainerHyperparameters;
  /** Run the jobs without network access (their S3 inputs and outputs still work). @default true */
  readonly networkIsolation?: boolean;
  /** KMS key (or alias) for the jobs' storage volumes and outputs. @default SageMaker's default encryption */
  readonly kmsKeyArn?: string;
  /** TimeoutSeconds of each Lambda task, 1-3600; keep it above the functions' own timeout. @default 120 */
  readonly lambdaTaskTimeoutSeconds?: number;
}

/** Longest MaxRuntimeInSeconds SageMaker accepts: 7 days for processing, 28 days for training. */
export const MAX_RUNTIME_SECONDS = { processing: 7 * 24 * 3600, training: 28 * 24 * 3600 } as const;

/** Longest SageMaker model package group name. */
const MAX_GROUP_NAME_LENGTH = 63;

export function isInt(value: unknown, min: number, max: number): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

/**
 * Every problem with the arguments, each `<arg>: <value> <rule>` (e.g. `training.instanceType: "m5" is not a
 * SageMaker instance type (ml.<family>.<size>)`); empty when they are valid.
 */
export function trainingDefinitionArgProblems(args: TrainingDefinitionArgs): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, name: string, value: unknown, rule: string) => {
    if (!ok) problems.push(`${name}: ${JSON.stringify(value) ?? String(value)} ${rule}`);
  };
  const matches = (re: RegExp, v: unknown) => typeof v === "string" && re.test(v);

  for (const key of ["createExperimentFunctionArn", "evaluateResultsFunctionArn", "registerModelFunctionArn"] as const) {
    check(matches(LAMBDA_FUNCTION_ARN, args[key]), key, args[key], "is not a Lambda function ARN");
  }
  check(matches(IAM_ROLE_ARN, args.sagemakerRoleArn), "sagemakerRoleArn", args.sagemakerRoleArn, "is not an IAM role ARN");
  for (const key of ["processingImageUri", "trainingImageUri", "inferenceImageUri"] as const) {
    check(matches(ECR_IMAGE, args[key]), key, args[key], "is not an ECR image reference (<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>)");
  }
  for (const key of ["dataS3Uri", "outputS3Uri", "codeS3Uri"] as const) {
    check(matches(S3_URI, args[key]), key, args[key], "is not an s3://bucket/prefix URI (letters, digits and _ . / = + @ - only)");
  }
  check(
    matches(PIPELINE_NAME, args.jobNamePrefix),
    "jobNamePrefix",
    args.jobNamePrefix,
    `must be 1-${MAX_PIPELINE_NAME_LENGTH} letters, digits and hyphens, starting and ending with a letter or digit`,
  );
  check(
    matches(SAGEMAKER_NAME, args.modelPackageGroupName) && args.modelPackageGroupName.length <= MAX_GROUP_NAME_LENGTH,
    "modelPackageGroupName",
    args.modelPackageGroupName,
    `must be 1-${MAX_GROUP_NAME_LENGTH} letters, digits and hyphens, starting and ending with a letter or digit`,
  );
  check(
    typeof args.qualityThresholdRmse === "number" && Number.isFinite(args.qualityThresholdRmse) && args.qualityThresholdRmse > 0,
    "qualityThresholdRmse",
    args.qualityThresholdRmse,
    "must be a finite number > 0",
  );
  for (const [key, kind] of [["preprocessing", "processing"], ["training", "training"], ["evaluation", "processing"]] as const) {
    const job = args[key];
    if (job === undefined || job === null || typeof job !== "object") {
      problems.push(`${key}: missing (instanceType and maxRuntimeSeconds are required)`);
      continue;
    }
    check(matches(SAGEMAKER_INSTANCE_TYPE, job.instanceType), `${key}.instanceType`, job.instanceType, "is not a SageMaker instance type (ml.<family>.<size>)");
    check(job.instanceCount === undefined || isInt(job.instanceCount, 1, 100), `${key}.instanceCount`, job.instanceCount, "must be an integer from 1 to 100");
    check(job.volumeSizeGb === undefined || isInt(job.volumeSizeGb, 1, 16384), `${key}.volumeSizeGb`, job.volumeSizeGb, "must be an integer from 1 to 16384");
    const max = MAX_RUNTIME_SECONDS[kind];
    check(isInt(job.maxRuntimeSeconds, 1, max), `${key}.maxRuntimeSeconds`, job.maxRuntimeSeconds, `must be an integer from 1 to ${max}`);
  }
  const hp = args.hyperparameters ?? {};
  check(hp.nEstimators === undefined || isInt(hp.nEstimators, 1, 5000), "hyperparameters.nEstimators", hp.nEstimators, "must be an integer from 1 to 5000");
  check(hp.maxDepth === undefined || isInt(hp.maxDepth, 1, 32), "hyperparameters.maxDepth", hp.maxDepth, "must be an integer from 1 to 32");
  check(
    hp.learningRate === undefined || (Number.isFinite(hp.learningRate) && hp.learningRate > 0 && hp.learningRate <= 1),
    "hyperparameters.learningRate",
    hp.learningRate,
    "must be a number in (0, 1]",
  );
  check(hp.randomState === undefined || isInt(hp.randomState, 0, 2 ** 32 - 1), "hyperparameters.randomState", hp.randomState, "must be an integer from 0 to 4294967295");
  check(args.kmsKeyArn === undefined || matches(KMS_KEY_OR_ALIAS_ARN, args.kmsKeyArn), "kmsKeyArn", args.kmsKeyArn, "is not a KMS key or alias ARN");
  check(
    args.lambdaTaskTimeoutSeconds === undefined || isInt(args.lambdaTaskTimeoutSeconds, 1, 3600),
    "lambdaTaskTimeoutSeconds",
    args.lambdaTaskTimeoutSeconds,
    "must be an integer from 1 to 3600",
  );
  return problems;
}
