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
