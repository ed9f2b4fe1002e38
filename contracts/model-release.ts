/**
 * The model release contract: where a released model lives, which pointer names the one the cloud service serves,
 * how a model package version becomes a Greengrass component version, and the MQTT topics devices report on.
 * Shared by the training workflow (which registers model packages), the release workflow (which stages and rolls
 * models out), the inference service (which reads the pointer), the edge fleet (device policies, IoT rules, recipes)
 * and the model server. No Pulumi here.
 *
 * Ownership: Pulumi creates the pointer once, with the model the stack starts from, and never writes it again; the
 * release workflow owns its value from then on. So a `pulumi up` never moves a service or a device to another model.
 */
import { PROJECT } from "./project";

/**
 * Name of the SSM parameter (String) holding the `s3://` URI of the model.json the stack's cloud service serves:
 * `/edge-mlops/<stack>/inference/current-model`.
 */
export function currentModelParameterName(stack: string): string {
  return `/${PROJECT}/${stack}/inference/current-model`;
}

/**
 * Name of the SSM parameter (String) recording the model package version last released to the stack (cloud and
 * fleet): `/edge-mlops/<stack>/release/released-version`.
 */
export function releasedVersionParameterName(stack: string): string {
  return `/${PROJECT}/${stack}/release/released-version`;
}

/** Key prefix, in the stack's model artifact bucket, under which released models are staged. */
export const RELEASES_PREFIX = "releases/";

/**
 * The immutable key of a released model: `releases/v<modelPackageVersion>/model.json`. Written once; a different
 * model for the same version is refused, never overwritten.
 */
export function releasedModelKey(modelPackageVersion: number): string {
  if (!Number.isInteger(modelPackageVersion) || modelPackageVersion < 1) {
    throw new RangeError(`model package version must be a positive integer, got ${JSON.stringify(modelPackageVersion)}`);
  }
  return `${RELEASES_PREFIX}v${modelPackageVersion}/model.json`;
}

/** Key of the model a stack starts from (uploaded by Pulumi from service/model/model.json), before any release. */
export const BOOTSTRAP_MODEL_KEY = `${RELEASES_PREFIX}bootstrap/model.json`;

/**
 * The Greengrass component version of a model package version: `<version>.0.0`. Model package versions only grow
 * within a group, so a version is never reused for other content; a re-release of the same package reuses the same
 * component version, whose content is the same.
 */
export function modelComponentVersion(modelPackageVersion: number): string {
  if (!Number.isInteger(modelPackageVersion) || modelPackageVersion < 1) {
    throw new RangeError(`model package version must be a positive integer, got ${JSON.stringify(modelPackageVersion)}`);
  }
  return `${modelPackageVersion}.0.0`;
}

/** Where a core device keeps the model its inference container reads (mounted read-only into the container). */
export const DEVICE_MODEL_DIR = "/var/lib/edge-mlops/model";

/** MQTT topics a device publishes on, each scoped to its own thing name (its IoT policy allows nothing else). */
export const DEVICE_TOPICS = {
  /** Sampled inputs and predictions, as CSV lines in the format the continuous-training DAG ingests. */
  samples: (stack: string, thingName: string) => `${PROJECT}/${stack}/${thingName}/samples`,
  /** Inference metrics as CloudWatch embedded metric format (EMF) documents. */
  metrics: (stack: string, thingName: string) => `${PROJECT}/${stack}/${thingName}/metrics`,
  /** Health reports (JSON). */
  health: (stack: string, thingName: string) => `${PROJECT}/${stack}/${thingName}/health`,
} as const;
