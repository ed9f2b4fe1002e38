/**
 * Decides what a model package state change releases.
 *
 * Event: the EventBridge event (ModelPackageStateChangeEvent of contracts/release-payloads.ts), as the release
 * state machine receives it. Environment (ResolveEnvironment): MODEL_PACKAGE_GROUP_NAME, RELEASED_VERSION_PARAMETER.
 *
 * - Approved → that package.
 * - Rejected, and it is the released one (the released-version parameter holds its version) → the newest other
 *   Approved package of the group (ListModelPackages, newest first); none → nothing.
 * - Rejected, and not the released one → nothing.
 * Returns a ReleaseDecision. An event of another group is an InvalidEvent (the rule should never send one).
 */
import { ListModelPackagesCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import * as z from "zod/mini";
import {
  RELEASE_TRIGGER_STATUSES,
  type ModelPackageStateChangeEvent,
  type ReleaseDecision,
  type ResolveEnvironment,
} from "../../contracts/release-payloads";
import { InvalidEvent, parseEnv, parseEvent, SAGEMAKER_NAME } from "../shared/validation";

const sagemaker = new SageMakerClient({});
const ssm = new SSMClient({});

/** ListModelPackages page size (AWS maximum: 100); a release looks at most this many Approved versions. */
export const APPROVED_PAGE_SIZE = 100;

const Event: z.ZodMiniType<ModelPackageStateChangeEvent> = z.object({
  "detail-type": z.literal("SageMaker Model Package State Change"),
  source: z.literal("aws.sagemaker"),
  detail: z.object({
    ModelPackageGroupName: z.string().check(z.maxLength(63), z.regex(SAGEMAKER_NAME)),
    ModelPackageVersion: z.number().check(z.int(), z.gte(1)),
    ModelPackageArn: z.string().check(z.regex(/^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/[A-Za-z0-9-]+\/\d+$/)),
    ModelApprovalStatus: z.enum(RELEASE_TRIGGER_STATUSES),
  }),
});

const Env: z.ZodMiniType<ResolveEnvironment> = z.object({
  MODEL_PACKAGE_GROUP_NAME: z.string().check(z.maxLength(63), z.regex(SAGEMAKER_NAME)),
  RELEASED_VERSION_PARAMETER: z.string().check(z.regex(/^\/[A-Za-z0-9_.\/-]{1,2047}$/)),
});

/** The released version the parameter holds, or undefined when it holds none (e.g. before the first release). */
async function releasedVersion(name: string): Promise<number | undefined> {
  const got = await ssm.send(new GetParameterCommand({ Name: name }));
  const value = got.Parameter?.Value ?? "";
  return /^[1-9]\d*$/.test(value) ? Number(value) : undefined;
}

export const handler = async (event: unknown): Promise<ReleaseDecision> => {
  const { detail } = parseEvent(Event, event);
  const env = parseEnv(Env, process.env);
  if (detail.ModelPackageGroupName !== env.MODEL_PACKAGE_GROUP_NAME) {
    throw new InvalidEvent(
      `invalid event: event.detail.ModelPackageGroupName: ${JSON.stringify(detail.ModelPackageGroupName)} is not this stack's group ${JSON.stringify(env.MODEL_PACKAGE_GROUP_NAME)}`,
    );
  }
  const version = detail.ModelPackageVersion;
  if (detail.ModelApprovalStatus === "Approved") {
    return { release: true, modelPackageArn: detail.ModelPackageArn, version, reason: `version ${version} approved` };
  }
  const released = await releasedVersion(env.RELEASED_VERSION_PARAMETER);
  if (released !== version) {
    return { release: false, reason: `version ${version} rejected; released is ${released ?? "none"}: nothing to do` };
  }
  const listed = await sagemaker.send(
    new ListModelPackagesCommand({
      ModelPackageGroupName: env.MODEL_PACKAGE_GROUP_NAME,
      ModelApprovalStatus: "Approved",
      ModelPackageType: "Versioned",
      SortBy: "CreationTime",
      SortOrder: "Descending",
      MaxResults: APPROVED_PAGE_SIZE,
    }),
  );
  const previous = (listed.ModelPackageSummaryList ?? [])
    .filter((p) => p.ModelPackageArn && p.ModelPackageVersion !== undefined && p.ModelPackageVersion !== version)
    .sort((a, b) => (b.ModelPackageVersion ?? 0) - (a.ModelPackageVersion ?? 0))[0];
  if (!previous?.ModelPackageArn || previous.ModelPackageVersion === undefined) {
    return { release: false, reason: `released version ${version} rejected; no other Approved version to release` };
  }
  return {
    release: true,
    modelPackageArn: previous.ModelPackageArn,
    version: previous.ModelPackageVersion,
    reason: `released version ${version} rejected; re-releasing version ${previous.ModelPackageVersion}`,
  };
};
