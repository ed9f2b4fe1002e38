/**
 * The Greengrass v2 deployment of the edge fleet as plain data, built by pure functions.
 *
 * The edge-fleet component passes these to `aws-native` `greengrassv2.Deployment`. A deployment
 * stops itself before it reaches the whole fleet: devices are notified at a bounded (optionally
 * exponential) rate, the job is cancelled once failures pass a threshold after a minimum number
 * of devices ran it, a device that does not finish in time counts as failed, and a device whose
 * update fails rolls back to its previous components.
 */
import { DOCKER_APPLICATION_MANAGER, TOKEN_EXCHANGE_SERVICE } from "./recipes";

/** The Greengrass nucleus, pinned by the deployment like the other public components. */
export const NUCLEUS = "aws.greengrass.Nucleus";

export interface ExponentialRollout {
  /** Devices notified per minute when the rollout starts, 1 to 1000. */
  readonly baseRatePerMinute: number;
  /** Factor the rate grows by, 1.1 to 5 with at most one decimal. */
  readonly incrementFactor: number;
  /** Devices that must succeed before the rate grows, at least 1. */
  readonly succeededThings: number;
}

/** The deployment's settings, already validated (see `resolveEdgeFleetArgs`). */
export interface DeploymentSettings {
  readonly rollout: { readonly maximumPerMinute: number; readonly exponential?: ExponentialRollout };
  readonly abort: { readonly failureThresholdPercentage: number; readonly minNumberOfExecutedThings: number };
  readonly timeoutMinutes: number;
  readonly componentUpdateTimeoutSeconds: number;
  readonly configurationValidationTimeoutSeconds: number;
}

/** Versions of the public Greengrass components. */
export interface GreengrassVersions {
  readonly nucleusVersion: string;
  readonly dockerApplicationManagerVersion: string;
  readonly tokenExchangeServiceVersion: string;
}

export interface DeploymentPolicies {
  readonly failureHandlingPolicy: "ROLLBACK";
  readonly componentUpdatePolicy: { readonly action: "NOTIFY_COMPONENTS"; readonly timeoutInSeconds: number };
  readonly configurationValidationPolicy: { readonly timeoutInSeconds: number };
}

export interface IotJobConfiguration {
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

/**
 * Name of the deployment: `<prefix>-hub<composeVersion>-inf<inferenceVersion>`. Every property of
 * a deployment is create-only, so a new version is a replacement; with the versions in the name
 * the replacement reads as what it is in a preview diff.
 */
export function deploymentName(prefix: string, versions: { readonly composeVersion: string; readonly inferenceVersion: string }): string {
  return `${prefix}-hub${versions.composeVersion}-inf${versions.inferenceVersion}`;
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
