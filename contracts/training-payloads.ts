/**
 * What the training state machine (components/training-workflow/definition.ts) and its three Lambdas
 * (lambda/create-experiment, lambda/evaluate-results, lambda/register-model) hand each other: the event each
 * function is invoked with, what it returns, which of those fields the state machine keeps and where in the
 * execution's state it keeps them. Both sides are typed against these declarations, so renaming a field on one
 * side fails to compile on the other. Pure types and data, no Pulumi.
 *
 * The execution's state after a run (also its output, which operators and the release workflow read):
 *   { experiment: { experimentName, trialName, jobPrefix },          from create-experiment
 *     decision: { rmse, baselineRmse, passesThreshold, improves, register, reason },   from evaluate-results
 *     registration: { modelPackageArn, approvalStatus } }           from register-model, when registered
 */

// ---- create-experiment ---------------------------------------------------------------------------------------------

/** The event of create-experiment. */
export interface CreateExperimentEvent {
  /** `$$.Execution.Name`: 1-80 characters. */
  readonly executionName: string;
  /** `$$.Execution.StartTime` (ISO-8601); makes job names unique when an execution name is reused. */
  readonly executionStartTime?: string;
  /** `$$.Execution.Id`: recorded as the trial's GeneratedBy. */
  readonly executionArn?: string;
  /** The pipeline name (contracts/training-run.ts); the function's PIPELINE_NAME when absent. */
  readonly pipelineName?: string;
  /** Where the run reads its data (`s3://...`); recorded as a tag of the trial. */
  readonly dataPrefix?: string;
}

/** What create-experiment returns: the run's SageMaker experiment and trial, and the prefix of its job names. */
export interface ExperimentNames {
  readonly experimentName: string;
  readonly trialName: string;
  readonly jobPrefix: string;
}

// ---- evaluate-results ----------------------------------------------------------------------------------------------

/** The event of evaluate-results. */
export interface EvaluateResultsEvent {
  /** The candidate's figures from its evaluation report. */
  readonly evaluation: { readonly rmse: number };
  readonly modelPackageGroupName: string;
  /** Largest RMSE a model may have to be registered; the function's QUALITY_THRESHOLD_RMSE when absent. */
  readonly qualityThresholdRmse?: number;
}

/** What evaluate-results returns. register = passesThreshold && improves. */
export interface Decision {
  readonly rmse: number;
  readonly thresholdRmse: number;
  /** RMSE of the best Approved model package, null when there is none with a recorded RMSE. */
  readonly baselineRmse: number | null;
  readonly baselineModelPackageArn: string | null;
  /** rmse <= thresholdRmse */
  readonly passesThreshold: boolean;
  /** No baseline, or rmse < baselineRmse. */
  readonly improves: boolean;
  readonly register: boolean;
  /** Why, in words. */
  readonly reason: string;
}

// ---- register-model ------------------------------------------------------------------------------------------------

/** Approval statuses a new model package may be created with (SageMaker's ModelApprovalStatus, minus Rejected). */
export const MODEL_APPROVAL_STATUSES = ["Approved", "PendingManualApproval"] as const;
export type ModelApprovalStatus = (typeof MODEL_APPROVAL_STATUSES)[number];

/** The event of register-model. */
export interface RegisterModelEvent {
  readonly modelPackageGroupName: string;
  /** The training job's model.tar.gz (`s3://...`). */
  readonly modelDataUrl: string;
  /** The inference image recorded in the package. */
  readonly imageUri: string;
  /** The run's evaluation report (`s3://.../evaluation.json`), attached as model-quality statistics. */
  readonly evaluationS3Uri: string;
  readonly rmse: number;
  /** model.json's model_version. */
  readonly modelVersion: string;
  readonly executionName: string;
}

/** The environment of register-model, set by the component. */
export interface RegisterModelEnvironment {
  readonly MODEL_APPROVAL_STATUS: ModelApprovalStatus;
}

/**
 * The CustomerMetadataProperties keys under which register-model records the model.json it put beside the
 * model.tar.gz (extracted from it), so a release reads the model without unpacking the archive:
 * `ModelJsonUri` (`s3://…/model.json`) and `ModelJsonSha256` (lowercase hex SHA-256 of its bytes).
 */
export const MODEL_JSON_METADATA = { uri: "ModelJsonUri", sha256: "ModelJsonSha256" } as const;

/** File name of the model contract inside the training job's model.tar.gz (at the archive's top). */
export const MODEL_JSON_FILE = "model.json";

/** What register-model returns. */
export interface Registration {
  readonly modelPackageArn: string;
  readonly approvalStatus: ModelApprovalStatus;
  readonly modelVersion: string;
  /** Where register-model put the model.json (beside model.tar.gz), and its SHA-256 (hex). */
  readonly modelJsonUri: string;
  readonly modelJsonSha256: string;
}

// ---- the execution's state -----------------------------------------------------------------------------------------

/**
 * The fields of each function's result the state machine keeps, by where it keeps them (`$.<key>`, its ResultPath).
 * Everything later states read from a function comes from here.
 */
export const KEPT_RESULTS = {
  experiment: ["experimentName", "trialName", "jobPrefix"],
  decision: ["rmse", "baselineRmse", "passesThreshold", "improves", "register", "reason"],
  registration: ["modelPackageArn", "approvalStatus"],
} as const satisfies {
  readonly experiment: readonly (keyof ExperimentNames)[];
  readonly decision: readonly (keyof Decision)[];
  readonly registration: readonly (keyof Registration)[];
};

/** The function results in the execution's state, as KEPT_RESULTS keeps them. */
export interface TrainingRunState {
  readonly experiment: Pick<ExperimentNames, (typeof KEPT_RESULTS.experiment)[number]>;
  readonly decision: Pick<Decision, (typeof KEPT_RESULTS.decision)[number]>;
  readonly registration: Pick<Registration, (typeof KEPT_RESULTS.registration)[number]>;
}

// ---- the evaluation report (written by training/evaluate.py, read by the state machine) ----------------------------

/**
 * The evaluation job's report: its file name under the run's `evaluation/` output and the fields the state machine
 * reads from it (SageMaker's model-quality statistics layout, see training/evaluate.py).
 */
export const EVALUATION_REPORT = {
  /** The evaluation job's output under the run's folder: `<run>/<folder>/`. */
  folder: "evaluation",
  /** `<run>/<folder>/<file>` */
  file: "evaluation.json",
  /** JSONPath (below the report) of the test RMSE. */
  rmse: "regression_metrics.rmse.value",
  /** JSONPath (below the report) of model.json's model_version. */
  modelVersion: "model_version",
} as const;
