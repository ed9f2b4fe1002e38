/**
 * Images in use: what the image-references Lambda (lambda/image-references) and the inference service that deploys it
 * (components/inference-service/image-references.ts) agree on. No Pulumi here.
 *
 * An ECR lifecycle policy counts and dates images; it cannot see which task definition or Greengrass component names
 * one. So the Lambda looks: every digest of the service's repository that an ACTIVE task definition of the service's
 * family, a task definition of one of the service's deployments, or a recipe of a version of one of the stack's
 * Greengrass components names gets the tag `in-use-<hex of its digest>`, and an `in-use-` tag whose digest nothing
 * names any more is removed (the image keeps its other tags). The lifecycle policy's first rule selects `in-use-*`
 * images and expires none of them (ECR: "An image that matches the tagging requirements of a rule cannot be expired
 * by a rule with a lower priority"; Amazon ECR User Guide, lifecycle policy evaluation rules).
 */

/** Prefix of the tags that mark an image in use. */
export const IN_USE_TAG_PREFIX = "in-use-";

/** The tag marking the image of `digest` (`sha256:<64 hex>`) in use: `in-use-<64 hex>` (71 characters; ECR allows 300). */
export function inUseTag(digest: string): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!m) throw new Error(`inUseTag: ${JSON.stringify(digest)} is not an image digest (sha256:<64 lowercase hex digits>)`);
  return `${IN_USE_TAG_PREFIX}${m[1]}`;
}

/** The digest an `in-use-` tag marks, or undefined for any other tag. */
export function digestOfInUseTag(tag: string): string | undefined {
  const m = /^in-use-([0-9a-f]{64})$/.exec(tag);
  return m ? `sha256:${m[1]}` : undefined;
}

/** The Lambda's environment. */
export interface ImageReferencesEnvironment {
  /** The repository's URI, `<account>.dkr.ecr.<region>.amazonaws.com/<name>`: image references are matched against it. */
  readonly REPOSITORY_URI: string;
  /** The ECS cluster (ARN) and service (name) whose deployments' task definitions count. */
  readonly CLUSTER_ARN: string;
  readonly SERVICE_NAME: string;
  /** The task definition family whose ACTIVE revisions count. */
  readonly TASK_DEFINITION_FAMILY: string;
  /** Private Greengrass components whose names start with this count, every version (empty: none). */
  readonly COMPONENT_NAME_PREFIX: string;
}

/** What one run did. */
export interface ImageReferencesResult {
  /** Digests of the repository named somewhere, sorted. */
  readonly inUse: readonly string[];
  /** `in-use-` tags added and removed in this run. */
  readonly tagged: readonly string[];
  readonly untagged: readonly string[];
  /**
   * `in-use-` tags left on images nothing names any more because they are those images' only tag: removing an image's
   * last tag deletes the image (BatchDeleteImage), which is the lifecycle policy's call, not this function's.
   */
  readonly onlyTag: readonly string[];
  /** References to images of the repository that are not in it (already gone): `<where>: <image>`. */
  readonly missing: readonly string[];
}
