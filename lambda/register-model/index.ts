/**
 * Registers a trained model as a new version in the model package group.
 *
 * Event (from Step Functions): RegisterModelEvent of contracts/training-payloads.ts,
 *   { modelPackageGroupName, modelDataUrl, imageUri, evaluationS3Uri, rmse, modelVersion, executionName }
 * Environment (RegisterModelEnvironment): MODEL_APPROVAL_STATUS, `Approved` or `PendingManualApproval` (prod).
 *
 * The package gets the inference image and artifact, the evaluation report as its model-quality
 * statistics, and CustomerMetadataProperties { rmse, modelVersion, executionName } (evaluate-results
 * reads `rmse` back to find the baseline). The ClientToken is derived from the execution and the
 * artifact, so a retried invocation does not create a second version. Returns a Registration
 *   { modelPackageArn, approvalStatus, modelVersion }.
 */
import { createHash } from "node:crypto";
import { CreateModelPackageCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import * as z from "zod/mini";
import {
  MODEL_APPROVAL_STATUSES,
  type RegisterModelEnvironment,
  type RegisterModelEvent,
  type Registration,
} from "../../contracts/training-payloads";
import { ECR_IMAGE, nonNegative, parseEnv, parseEvent, S3_URI, SAGEMAKER_NAME } from "../shared/validation";

const sagemaker = new SageMakerClient({});

/** The contract's event, checked: the handler reads only what the state machine sends. */
const Event: z.ZodMiniType<RegisterModelEvent> = z.object({
  modelPackageGroupName: z.string().check(z.maxLength(63), z.regex(SAGEMAKER_NAME)),
  modelDataUrl: z.string().check(z.maxLength(1024), z.regex(S3_URI)),
  imageUri: z.string().check(z.maxLength(255), z.regex(ECR_IMAGE)),
  evaluationS3Uri: z.string().check(z.maxLength(1024), z.regex(S3_URI)),
  rmse: nonNegative(),
  modelVersion: z.string().check(z.regex(/^[A-Za-z0-9._-]{1,64}$/)),
  executionName: z.string().check(z.minLength(1), z.maxLength(80)),
});

const Env: z.ZodMiniType<RegisterModelEnvironment> = z.object({
  MODEL_APPROVAL_STATUS: z.enum(MODEL_APPROVAL_STATUSES),
});

export type { Registration };

export const handler = async (event: unknown): Promise<Registration> => {
  const input = parseEvent(Event, event);
  const { MODEL_APPROVAL_STATUS: approvalStatus } = parseEnv(Env, process.env);
  const clientToken = createHash("sha256")
    .update(`${input.executionName}\n${input.modelDataUrl}`)
    .digest("hex")
    .slice(0, 32);

  const created = await sagemaker.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: input.modelPackageGroupName,
      ModelPackageDescription: `Abalone rings regressor ${input.modelVersion}, trained by execution ${input.executionName}`,
      InferenceSpecification: {
        Containers: [{ Image: input.imageUri, ModelDataUrl: input.modelDataUrl }],
        SupportedContentTypes: ["application/json"],
        SupportedResponseMIMETypes: ["application/json"],
      },
      ModelMetrics: {
        ModelQuality: { Statistics: { ContentType: "application/json", S3Uri: input.evaluationS3Uri } },
      },
      CustomerMetadataProperties: {
        rmse: String(input.rmse),
        modelVersion: input.modelVersion,
        executionName: input.executionName,
      },
      ModelApprovalStatus: approvalStatus,
      ClientToken: clientToken,
    }),
  );
  if (!created.ModelPackageArn) throw new Error("CreateModelPackage returned no ModelPackageArn");
  return { modelPackageArn: created.ModelPackageArn, approvalStatus, modelVersion: input.modelVersion };
};
