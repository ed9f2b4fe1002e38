/**
 * What the release's edge branch (components/release-workflow/edge-branch.ts) and its function (lambda/release-edge)
 * hand each other: the branch's input, the three actions' events and results, and the function's environment. Both
 * sides are typed against these declarations, so a renamed field fails to compile on the other side. Pure types and
 * data, no Pulumi.
 *
 * The deployment policies and IoT job configuration are the shapes of Greengrass V2 CreateDeployment's
 * `deploymentPolicies` and `iotJobConfiguration` (the same as AWS::GreengrassV2::Deployment's); the stack builds them
 * with components/edge-fleet/deployment.ts's deploymentPolicies / iotJobConfiguration, so a release rolls out with
 * the same rollout, abort, timeout and failure handling settings as Pulumi's platform deployment.
 */

import { arnPattern } from "./patterns";
import { PROJECT } from "./project";

/** A thing group's ARN, `arn:<partition>:iot:<region>:<account>:thinggroup/<name>`; group 1 is the name (AWS IoT's rule). */
export const THING_GROUP_ARN = /* @__PURE__ */ arnPattern("iot", "thinggroup/([a-zA-Z0-9:_-]{1,128})");

/** A Greengrass component name as the model recipe takes it (contracts/model-component.ts): `[A-Za-z0-9._-]{1,128}`. */
export const COMPONENT_NAME = /^[A-Za-z0-9._-]{1,128}$/;

/** The thing groups a release deploys the model to, in this order: `<root>-canary`, then `<root>-fleet`. */
export const EDGE_TARGETS = ["canary", "fleet"] as const;
export type EdgeTarget = (typeof EDGE_TARGETS)[number];

/** Greengrass V2 component version states (DescribeComponent `status.componentState`). */
export const COMPONENT_STATES = ["REQUESTED", "INITIATED", "DEPLOYABLE", "FAILED", "DEPRECATED"] as const;
export type ComponentState = (typeof COMPONENT_STATES)[number];

/** What a check concludes about a deployment to one thing group. */
export const ROLLOUT_STATES = ["IN_PROGRESS", "SUCCEEDED", "FAILED"] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];

/**
 * The edge branch's input (the release's Parallel state builds it): the model package version being released and
 * its staged model.json (contracts/model-release.ts, releasedModelKey).
 */
export interface EdgeBranchInput {
  /** Model package version, integer >= 1; the component version is `<version>.0.0`. */
  readonly version: number;
  /** `s3://<model bucket>/releases/v<version>/model.json`. */
  readonly modelUri: string;
  /** Lowercase hex SHA-256 of that model.json (64 characters). */
  readonly sha256: string;
}

/** Publish the model's component version (idempotent); returns its state, which the branch polls until DEPLOYABLE. */
export interface PublishEvent extends EdgeBranchInput {
  readonly action: "publish";
  /** The model component's name, `[A-Za-z0-9._-]{1,128}`. */
  readonly componentName: string;
}

export interface PublishResult {
  readonly componentVersion: string;
  readonly componentVersionArn: string;
  readonly componentState: ComponentState;
  /** True when this call created the version, false when it existed with the same recipe. */
  readonly created: boolean;
}

/** Deploy the model component (and nothing else) to the canary or fleet thing group. */
export interface DeployEvent {
  readonly action: "deploy";
  readonly target: EdgeTarget;
  /** ARN of that thing group: `arn:<partition>:iot:<region>:<account>:thinggroup/<name>`. */
  readonly thingGroupArn: string;
  readonly componentName: string;
  readonly version: number;
  /**
   * Names this release (the execution's name, `$$.Execution.Name`, 1 to 80 characters); with the target and version it
   * makes CreateDeployment's client token, so a retried call does not deploy twice while a later re-release does.
   */
  readonly releaseId: string;
}

export interface DeployResult {
  readonly deploymentId: string;
  readonly deploymentName: string;
  readonly iotJobId: string;
}

/** Judge a deployment: done, succeeded (enough devices did) or failed. */
export interface CheckEvent {
  readonly action: "check";
  readonly deploymentId: string;
  /** ARN of the deployment's thing group (to tell an empty group from a job that has not reached its devices yet). */
  readonly thingGroupArn: string;
  /** Share of the group's devices that must succeed, greater than 0 and at most 1. */
  readonly successThreshold: number;
}

export interface CheckResult {
  readonly state: RolloutState;
  /** Devices whose execution SUCCEEDED. */
  readonly succeeded: number;
  /** Devices whose execution FAILED, was REJECTED, TIMED_OUT or CANCELED. */
  readonly failed: number;
  /** Devices still QUEUED or IN_PROGRESS. */
  readonly inProgress: number;
  /** Devices targeted: succeeded + failed + inProgress (devices REMOVED from the group no longer count). */
  readonly total: number;
  /** One line for the execution's history, e.g. `3 of 4 devices succeeded (threshold 0.75): SUCCEEDED`. */
  readonly summary: string;
}

export type ReleaseEdgeEvent = PublishEvent | DeployEvent | CheckEvent;

/** CreateDeployment `deploymentPolicies`: a device whose update fails restores its previous components. */
export interface ModelDeploymentPolicies {
  readonly failureHandlingPolicy: "ROLLBACK";
  readonly componentUpdatePolicy: { readonly action: "NOTIFY_COMPONENTS"; readonly timeoutInSeconds: number };
  readonly configurationValidationPolicy: { readonly timeoutInSeconds: number };
}

/** CreateDeployment `iotJobConfiguration`: rollout rate, abort criteria, per-device timeout. */
export interface ModelIotJobConfiguration {
  readonly jobExecutionsRolloutConfig: {
    readonly maximumPerMinute: number;
    readonly exponentialRate?: {
      readonly baseRatePerMinute: number;
      readonly incrementFactor: number;
      readonly rateIncreaseCriteria: { readonly numberOfSucceededThings: number };
    };
  };
  readonly abortConfig: {
    readonly criteriaList: {
      readonly action: "CANCEL";
      readonly failureType: "ALL";
      readonly minNumberOfExecutedThings: number;
      readonly thresholdPercentage: number;
    }[];
  };
  readonly timeoutConfig: { readonly inProgressTimeoutInMinutes: number };
}

/** release-edge's environment. */
export interface ReleaseEdgeEnvironment {
  /** The Pulumi stack (`[A-Za-z0-9._-]`, 1 to 100, Pulumi's stack name rule), part of each deployment's name. */
  readonly STACK: string;
  /** JSON of ModelDeploymentPolicies. */
  readonly DEPLOYMENT_POLICIES: string;
  /** JSON of ModelIotJobConfiguration. */
  readonly IOT_JOB_CONFIGURATION: string;
}

/** The deployment's name: `edge-mlops-<stack>-model-v<version>-<canary|fleet>`. */
export function modelDeploymentName(stack: string, version: number, target: EdgeTarget): string {
  return `${PROJECT}-${stack}-model-v${version}-${target}`;
}
