/**
 * What the release state machine and its Lambdas (lambda/release-*) hand each other: the EventBridge event that
 * starts a release, each function's environment and result. Both sides are typed against these declarations, so a
 * renamed field fails to compile on the other side. Pure types and data, no Pulumi.
 */

/** Model package approval statuses a release reacts to (the EventBridge rule matches only these). */
export const RELEASE_TRIGGER_STATUSES = ["Approved", "Rejected"] as const;
export type ReleaseTriggerStatus = (typeof RELEASE_TRIGGER_STATUSES)[number];

/**
 * The fields of SageMaker's "SageMaker Model Package State Change" EventBridge event a release reads
 * (source `aws.sagemaker`; detail as documented in "Automating Amazon SageMaker with Amazon EventBridge").
 */
export interface ModelPackageStateChangeEvent {
  readonly "detail-type": "SageMaker Model Package State Change";
  readonly source: "aws.sagemaker";
  readonly detail: {
    readonly ModelPackageGroupName: string;
    readonly ModelPackageVersion: number;
    readonly ModelPackageArn: string;
    readonly ModelApprovalStatus: ReleaseTriggerStatus;
  };
}

/** release-resolve's environment. */
export interface ResolveEnvironment {
  /** The stack's model package group: events of any other group are refused. */
  readonly MODEL_PACKAGE_GROUP_NAME: string;
  /** Name of the released-version parameter (contracts/model-release.ts, releasedVersionParameterName). */
  readonly RELEASED_VERSION_PARAMETER: string;
}

/** What release-resolve decides: a package to release, or nothing (with the reason, for the execution's history). */
export type ReleaseDecision =
  | { readonly release: true; readonly modelPackageArn: string; readonly version: number; readonly reason: string }
  | { readonly release: false; readonly reason: string };

// ---- release-stage ---------------------------------------------------------------------------------------------

/** release-stage's event: the package ReleaseDecision chose. */
export interface StageEvent {
  readonly modelPackageArn: string;
  /** Model package version, integer >= 1: the model is staged at releasedModelKey(version). */
  readonly version: number;
}

/** release-stage's environment. */
export interface StageEnvironment {
  /** The model store's bucket (contracts/model-release.ts: releases/v<N>/model.json). */
  readonly MODEL_BUCKET: string;
  /** The stack's model package group: a package of any other group is refused. */
  readonly MODEL_PACKAGE_GROUP_NAME: string;
  /** Key, in MODEL_BUCKET, of service/model/model.schema.json as the release workflow uploaded it. */
  readonly MODEL_SCHEMA_KEY: string;
  /** The S3 version of that object the function reads (so a warm function never validates against an old one). */
  readonly MODEL_SCHEMA_VERSION_ID: string;
}

/** What release-stage returns: where the model now is, and its digest. */
export interface StagedModel {
  /** `s3://<model bucket>/releases/v<N>/model.json`. */
  readonly modelUri: string;
  readonly key: string;
  /** Lowercase hex SHA-256 of the staged bytes (equal to the package's ModelJsonSha256). */
  readonly sha256: string;
  readonly version: number;
  /** The key already held these exact bytes (a re-release): nothing was written. */
  readonly alreadyStaged: boolean;
}

// ---- release-cloud -------------------------------------------------------------------------------------------------

/** The actions of release-cloud, one per state of the cloud branch. */
export const CLOUD_ACTIONS = ["point", "check", "rollback"] as const;

/** point: put the staged URI in the pointer, force a new deployment of the service. */
export interface PointEvent {
  readonly action: "point";
  /** The staged model: `s3://<model bucket>/releases/v<N>/model.json`. */
  readonly modelUri: string;
  /** What the pointer held before the release (read by the state machine before point runs): a rollback restores it. */
  readonly previousModelUri: string;
}

/** check: how the deployment `point` started is doing. */
export interface CheckEvent {
  readonly action: "check";
  /** The deployment `point` started (ECS deployment id, `ecs-svc/<digits>`). */
  readonly deploymentId: string;
  /** The task definition the service ran when `point` started it: the new deployment must run the same one. */
  readonly taskDefinitionArn: string;
  /** The service's health alarms: any of them in ALARM fails the rollout. */
  readonly alarmNames: readonly string[];
  /** Checks made so far (0 for the first). */
  readonly attempt: number;
  /** Checks allowed: the check that reaches it while the rollout is still in progress returns TIMED_OUT. */
  readonly maxAttempts: number;
}

/** rollback: put the remembered pointer value back and force a new deployment. */
export interface RollbackEvent {
  readonly action: "rollback";
  /** What the pointer held before `point` moved it. */
  readonly previousModelUri: string;
}

export type CloudEvent = PointEvent | CheckEvent | RollbackEvent;

/** release-cloud's environment: the one service and pointer it may move. */
export interface CloudEnvironment {
  readonly CLUSTER_NAME: string;
  readonly SERVICE_NAME: string;
  /** Name of the current-model parameter (contracts/model-release.ts, currentModelParameterName). */
  readonly POINTER_PARAMETER: string;
}

export interface PointResult {
  readonly previousModelUri: string;
  readonly modelUri: string;
  readonly deploymentId: string;
  readonly taskDefinitionArn: string;
}

/** What a check found: COMPLETED and every alarm OK → done; FAILED or TIMED_OUT → roll back; else wait and check again. */
export const ROLLOUT_STATES = ["IN_PROGRESS", "COMPLETED", "FAILED", "TIMED_OUT"] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];

export interface CheckResult {
  readonly state: RolloutState;
  /** In words, for the execution's history and the notification. */
  readonly reason: string;
  /** attempt + 1. */
  readonly attempt: number;
  /** Health alarms found in ALARM. */
  readonly alarmsInAlarm: readonly string[];
}

export interface RollbackResult {
  readonly restoredModelUri: string;
  readonly deploymentId: string;
}
