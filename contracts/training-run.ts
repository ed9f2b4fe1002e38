/**
 * Names of a training run, shared by the create-experiment Lambda (which makes them) and the
 * state machine definition (which appends the job suffixes).
 *
 * SageMaker job names are at most 63 characters of `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}` and must be
 * unique in the account and region for good. A run's job prefix is therefore
 * `<pipeline>-<readable part of the execution name>-<10 hex digits>`, where the hex digits hash the
 * execution name and start time (Step Functions reuses an execution name only after 90 days, and
 * the start time tells those runs apart); the longest job suffix still fits in 63 characters. Every
 * job name starts with `<pipeline>-`, which is what IAM policies scope the state machine's
 * SageMaker permissions to.
 */
import { createHash } from "node:crypto";

/** Longest accepted pipeline name (the fixed job-name prefix). */
export const MAX_PIPELINE_NAME_LENGTH = 32;
/** Pipeline names: SageMaker name characters, at most MAX_PIPELINE_NAME_LENGTH long. */
export const PIPELINE_NAME = new RegExp(`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,${MAX_PIPELINE_NAME_LENGTH - 1}}$`);
/** Longest SageMaker processing/training job name. */
export const MAX_JOB_NAME_LENGTH = 63;
/** Suffix appended to a run's job prefix for each job. */
export const JOB_SUFFIXES = { preprocess: "prep", train: "train", evaluate: "eval" } as const;
/** Longest job prefix, so that `<prefix>-<longest suffix>` is a valid job name. */
export const MAX_JOB_PREFIX_LENGTH =
  MAX_JOB_NAME_LENGTH - 1 - Math.max(...Object.values(JOB_SUFFIXES).map((s) => s.length));

const HASH_LENGTH = 10;

/**
 * The job prefix of one execution (also its trial name): unique per (execution name, start time),
 * at most MAX_JOB_PREFIX_LENGTH characters, valid as the start of a SageMaker name.
 */
export function jobPrefix(pipelineName: string, executionName: string, executionStartTime?: string): string {
  if (!PIPELINE_NAME.test(pipelineName)) {
    throw new RangeError(
      `pipeline name ${JSON.stringify(pipelineName)} must be 1-${MAX_PIPELINE_NAME_LENGTH} letters, digits and hyphens, ` +
        "starting and ending with a letter or digit",
    );
  }
  const hash = createHash("sha256")
    .update(`${executionName}\n${executionStartTime ?? ""}`)
    .digest("hex")
    .slice(0, HASH_LENGTH);
  const room = MAX_JOB_PREFIX_LENGTH - pipelineName.length - HASH_LENGTH - 2;
  const readable = executionName
    .replace(/[^a-zA-Z0-9]+/g, "-")
    .slice(0, Math.max(room, 0))
    .replace(/^-+|-+$/g, "");
  return [pipelineName, readable, hash].filter((part) => part.length > 0).join("-");
}

/** The name of one job of a run. */
export function jobName(prefix: string, job: keyof typeof JOB_SUFFIXES): string {
  return `${prefix}-${JOB_SUFFIXES[job]}`;
}
