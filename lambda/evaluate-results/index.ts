/**
 * Decides whether a newly trained model is registered.
 *
 * Event (from Step Functions): EvaluateResultsEvent of contracts/training-payloads.ts,
 *   { evaluation: { rmse }, modelPackageGroupName, qualityThresholdRmse? }
 * `qualityThresholdRmse` falls back to the QUALITY_THRESHOLD_RMSE environment variable.
 *
 * The baseline is the best (lowest RMSE) Approved model package of the group; a package's RMSE is
 * read from its CustomerMetadataProperties.rmse, which register-model writes. Packages without a
 * readable RMSE (registered by other means) do not count. Reads only; returns a Decision
 *   { rmse, thresholdRmse, baselineRmse, baselineModelPackageArn, passesThreshold, improves, register, reason }
 * where register = passesThreshold && improves, passesThreshold = rmse <= threshold and
 * improves = there is no baseline or rmse < baselineRmse.
 */
import {
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  type ModelPackageSummary,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import * as z from "zod/mini";
import type { Decision, EvaluateResultsEvent } from "../../contracts/training-payloads";
import { InvalidEvent, nonNegative, parseEnv, parseEvent, positiveDecimal, SAGEMAKER_NAME } from "../shared/validation";

const sagemaker = new SageMakerClient({});

/** DescribeModelPackage calls in flight at once while looking for the baseline. */
const DESCRIBE_CONCURRENCY = 5;

/** The contract's event, checked: the handler reads only what the state machine sends. */
const Event: z.ZodMiniType<EvaluateResultsEvent> = z.object({
  evaluation: z.object({ rmse: nonNegative() }),
  modelPackageGroupName: z.string().check(z.maxLength(63), z.regex(SAGEMAKER_NAME)),
  qualityThresholdRmse: z.optional(z.number().check(z.gt(0))),
});

const Env = z.object({
  QUALITY_THRESHOLD_RMSE: z.optional(positiveDecimal()),
});

export interface Baseline {
  readonly rmse: number;
  readonly modelPackageArn: string;
}

export type { Decision };

async function approvedPackages(groupName: string): Promise<ModelPackageSummary[]> {
  const packages: ModelPackageSummary[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sagemaker.send(
      new ListModelPackagesCommand({
        ModelPackageGroupName: groupName,
        ModelApprovalStatus: "Approved",
        ModelPackageType: "Versioned",
        SortBy: "CreationTime",
        SortOrder: "Descending",
        MaxResults: 100,
        ...(nextToken === undefined ? {} : { NextToken: nextToken }),
      }),
    );
    packages.push(...(page.ModelPackageSummaryList ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return packages;
}

async function recordedRmse(modelPackageArn: string): Promise<number | undefined> {
  const described = await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: modelPackageArn }));
  const text = described.CustomerMetadataProperties?.rmse;
  const value = text === undefined || text.trim() === "" ? Number.NaN : Number(text);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** The Approved package with the lowest recorded RMSE (the most recent one on a tie), if any. */
export async function bestApproved(groupName: string): Promise<Baseline | undefined> {
  const arns = (await approvedPackages(groupName)).flatMap((p) => (p.ModelPackageArn ? [p.ModelPackageArn] : []));
  let best: Baseline | undefined;
  for (let i = 0; i < arns.length; i += DESCRIBE_CONCURRENCY) {
    const batch = arns.slice(i, i + DESCRIBE_CONCURRENCY);
    const values = await Promise.all(batch.map(recordedRmse));
    values.forEach((rmse, j) => {
      if (rmse !== undefined && (best === undefined || rmse < best.rmse)) best = { rmse, modelPackageArn: batch[j] };
    });
  }
  return best;
}

/** The decision for a candidate RMSE given the threshold and the baseline (pure). */
export function decide(rmse: number, thresholdRmse: number, baseline: Baseline | undefined): Decision {
  const passesThreshold = rmse <= thresholdRmse;
  const improves = baseline === undefined || rmse < baseline.rmse;
  const against =
    baseline === undefined
      ? "no approved model has a recorded RMSE yet"
      : `the best approved model ${baseline.modelPackageArn} has RMSE ${baseline.rmse}`;
  let reason: string;
  if (!passesThreshold) reason = `RMSE ${rmse} is above the quality threshold ${thresholdRmse}`;
  else if (!improves) reason = `RMSE ${rmse} does not improve on the baseline: ${against}`;
  else reason = `RMSE ${rmse} meets the quality threshold ${thresholdRmse} and ${against}`;
  return {
    rmse,
    thresholdRmse,
    baselineRmse: baseline?.rmse ?? null,
    baselineModelPackageArn: baseline?.modelPackageArn ?? null,
    passesThreshold,
    improves,
    register: passesThreshold && improves,
    reason,
  };
}

export const handler = async (event: unknown): Promise<Decision> => {
  const input = parseEvent(Event, event);
  const env = parseEnv(Env, process.env);
  const threshold =
    input.qualityThresholdRmse ??
    (env.QUALITY_THRESHOLD_RMSE === undefined ? undefined : Number(env.QUALITY_THRESHOLD_RMSE));
  if (threshold === undefined) {
    throw new InvalidEvent("invalid event: event.qualityThresholdRmse: missing, and QUALITY_THRESHOLD_RMSE is not set");
  }
  const baseline = await bestApproved(input.modelPackageGroupName);
  return decide(input.evaluation.rmse, threshold, baseline);
};
