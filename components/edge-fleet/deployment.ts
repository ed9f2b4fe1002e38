/**
 * The Greengrass v2 deployment of the edge fleet: its policies and IoT job configuration as plain
 * data built by pure functions, and the `aws-native` `greengrassv2.Deployment` that carries them.
 *
 * A deployment stops itself before it reaches the whole fleet: devices are notified at a bounded
 * (optionally exponential) rate, the job is cancelled once failures pass a threshold after a
 * minimum number of devices ran it, a device that does not finish in time counts as failed, and a
 * device whose update fails rolls back to its previous components.
 */
import type { ModelDeploymentPolicies, ModelIotJobConfiguration } from "../../contracts/release-edge-payloads";
import * as pulumi from "@pulumi/pulumi";
import type { EdgeFleetSettings } from "./args";
import type { FleetComponents } from "./components";
import type { FleetContext } from "./context";
import { sha256Hex } from "./content-version";
import { canonicalJson, DOCKER_APPLICATION_MANAGER, TOKEN_EXCHANGE_SERVICE } from "./recipes";
import * as nativeGreengrassv2 from "@pulumi/aws-native/greengrassv2";

/** The Greengrass nucleus, pinned by the deployment like the other public components. */
export const NUCLEUS = "aws.greengrass.Nucleus";

/** The deployment's settings, already validated by the schema (./args.ts). */
export type DeploymentSettings = EdgeFleetSettings["deployment"];

/** Versions of the public Greengrass components. */
export type GreengrassVersions = EdgeFleetSettings["greengrass"];

/** CreateDeployment `deploymentPolicies`: the same shape for Pulumi's deployment and a release's (the contract's). */
export type DeploymentPolicies = ModelDeploymentPolicies;

/** CreateDeployment `iotJobConfiguration`: rollout rate, abort criteria, per-device timeout (the contract's shape). */
export type IotJobConfiguration = ModelIotJobConfiguration;

/** Hex digits of the content hash in a deployment's name. */
export const DEPLOYMENT_HASH_LENGTH = 16;

/** What a deployment is: every property but its target and name, all create-only. */
export interface DeploymentContent {
  readonly components: Record<string, { componentVersion: string }>;
  readonly deploymentPolicies: DeploymentPolicies;
  readonly iotJobConfiguration: IotJobConfiguration;
}

/**
 * Name of the deployment: `<prefix>-<first 16 hex digits of the SHA-256 of its content>` (canonical JSON of
 * {@link DeploymentContent}). Every property of a deployment is create-only, so any change is a replacement; the name
 * follows the content, so a replacement never carries the name of the deployment it supersedes, and the same content
 * keeps its name.
 */
export function deploymentName(prefix: string, content: DeploymentContent): string {
  return `${prefix}-${sha256Hex(canonicalJson(content)).slice(0, DEPLOYMENT_HASH_LENGTH)}`;
}

/**
 * Update policies: a device whose update fails restores its previous components (ROLLBACK);
 * running components are told about an update and may defer it for up to
 * `componentUpdateTimeoutSeconds` (NOTIFY_COMPONENTS); components get
 * `configurationValidationTimeoutSeconds` to validate a configuration change.
 */
export function deploymentPolicies(s: DeploymentSettings): DeploymentPolicies {
  return {
    failureHandlingPolicy: "ROLLBACK",
    componentUpdatePolicy: { action: "NOTIFY_COMPONENTS", timeoutInSeconds: s.componentUpdateTimeoutSeconds },
    configurationValidationPolicy: { timeoutInSeconds: s.configurationValidationTimeoutSeconds },
  };
}

/**
 * The IoT job that carries the deployment: notify at most `maximumPerMinute` devices a minute
 * (starting at `baseRatePerMinute` and growing by `incrementFactor` after every
 * `succeededThings` successes when exponential), cancel the job once the share of failed,
 * rejected or timed-out executions (failure type ALL, so mixed failures add up) reaches the
 * threshold after `minNumberOfExecutedThings` devices ran it, and time out a device that has
 * been in progress for `timeoutMinutes`.
 */
export function iotJobConfiguration(s: DeploymentSettings): IotJobConfiguration {
  const e = s.rollout.exponential;
  return {
    jobExecutionsRolloutConfig: {
      maximumPerMinute: s.rollout.maximumPerMinute,
      ...(e
        ? {
            exponentialRate: {
              baseRatePerMinute: e.baseRatePerMinute,
              incrementFactor: e.incrementFactor,
              rateIncreaseCriteria: { numberOfSucceededThings: e.succeededThings },
            },
          }
        : {}),
    },
    abortConfig: {
      criteriaList: [
        {
          action: "CANCEL",
          failureType: "ALL",
          minNumberOfExecutedThings: s.abort.minNumberOfExecutedThings,
          thresholdPercentage: s.abort.failureThresholdPercentage,
        },
      ],
    },
    timeoutConfig: { inProgressTimeoutInMinutes: s.timeoutMinutes },
  };
}

/** The components map of the deployment: the public components and ours, each at one version. */
export function deploymentComponents(
  greengrass: GreengrassVersions,
  own: readonly { readonly componentName: string; readonly componentVersion: string }[],
): Record<string, { componentVersion: string }> {
  const components: Record<string, { componentVersion: string }> = {
    [NUCLEUS]: { componentVersion: greengrass.nucleusVersion },
    [DOCKER_APPLICATION_MANAGER]: { componentVersion: greengrass.dockerApplicationManagerVersion },
    [TOKEN_EXCHANGE_SERVICE]: { componentVersion: greengrass.tokenExchangeServiceVersion },
  };
  for (const c of own) {
    if (components[c.componentName] !== undefined) {
      throw new Error(`deploymentComponents: component ${JSON.stringify(c.componentName)} appears twice`);
    }
    components[c.componentName] = { componentVersion: c.componentVersion };
  }
  return components;
}

/**
 * `<name>-deployment` of the fleet's components to its root group.
 *
 * Every property of a deployment is create-only, so any change replaces it. The replacement is created first
 * (deleteBeforeReplace: false) and, targeting the same thing group, supersedes the old deployment on the devices;
 * retainOnDelete then drops the old one from the stack without cancelling it, which would otherwise cancel its IoT job
 * mid-rollout. Old deployments stay listed (inactive) in Greengrass until removed there. Devices fetch artifacts with
 * the token exchange role, so the deployment waits for the role's policy (`dependsOn`).
 */
export function buildDeployment(
  { fleet, name, settings: s, build }: FleetContext,
  targetArn: pulumi.Input<string>,
  components: FleetComponents,
  dependsOn: pulumi.Resource[],
): nativeGreengrassv2.Deployment {
  const { hub, inference } = components;
  const content = pulumi
    .all([hub.componentName, hub.componentVersion, inference.componentName, inference.componentVersion])
    .apply(([hubName, hubVersion, inferenceName, inferenceVersion]) =>
      build(
        (): DeploymentContent => ({
          components: deploymentComponents(s.greengrass, [
            { componentName: hubName, componentVersion: hubVersion },
            { componentName: inferenceName, componentVersion: inferenceVersion },
          ]),
          deploymentPolicies: deploymentPolicies(s.deployment),
          iotJobConfiguration: iotJobConfiguration(s.deployment),
        }),
      ),
    );
  return new nativeGreengrassv2.Deployment(
    `${name}-deployment`,
    {
      targetArn,
      deploymentName: content.apply((c) => deploymentName(s.rootGroupName, c)),
      components: content.apply((c) => c.components),
      deploymentPolicies: deploymentPolicies(s.deployment),
      iotJobConfiguration: iotJobConfiguration(s.deployment),
    },
    { parent: fleet, dependsOn, retainOnDelete: true, deleteBeforeReplace: false, replaceOnChanges: ["*"] },
  );
}
