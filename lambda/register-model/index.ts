/**
 * Registers a trained model as a new version in the model package group.
 *
 * Event (from Step Functions): RegisterModelEvent of contracts/training-payloads.ts,
 *   { modelPackageGroupName, modelDataUrl, imageUri, evaluationS3Uri, rmse, modelVersion, executionName }
 * Environment (RegisterModelEnvironment): MODEL_APPROVAL_STATUS, `Approved` or `PendingManualApproval` (prod).
 *
 * First it extracts model.json from the top of model.tar.gz (zlib + nanotar, in memory: the archive
 * holds one small JSON file) and puts it beside the archive (`<same prefix>/model.json`), so a release
 * reads the model directly. The package gets the inference image and artifact, the evaluation report
 * as its model-quality statistics, and CustomerMetadataProperties { rmse, modelVersion, executionName,
 * ModelJsonUri, ModelJsonSha256 } (evaluate-results reads `rmse` back to find the baseline; the
 * release reads the model.json and checks its SHA-256). The ClientToken is derived from the execution
 * and the artifact, so a retried invocation does not create a second version. Returns a Registration
 *   { modelPackageArn, approvalStatus, modelVersion, modelJsonUri, modelJsonSha256 }.
 * Errors: `ModelArchiveError` when the archive is not a gzip tarball or has no top-level model.json.
 */
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateModelPackageCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { parseTar } from "nanotar";
import * as z from "zod/mini";
import { parseS3Uri } from "../../contracts/patterns";
import {
  MODEL_APPROVAL_STATUSES,
  MODEL_JSON_FILE,
  MODEL_JSON_METADATA,
  type RegisterModelEnvironment,
  type RegisterModelEvent,
  type Registration,
} from "../../contracts/training-payloads";
import { ECR_IMAGE, nonNegative, parseEnv, parseEvent, S3_URI, SAGEMAKER_NAME } from "../shared/validation";

const sagemaker = new SageMakerClient({});
const s3 = new S3Client({});

/** The model archive cannot be read, or holds no model.json at its top. */
export class ModelArchiveError extends Error {
  override readonly name = "ModelArchiveError";
}

/** model.json's bytes from a gzip-compressed tarball (entry `model.json` or `./model.json`). */
export function modelJsonFromArchive(archive: Uint8Array, where: string): Uint8Array {
  let entries;
  try {
    entries = parseTar(gunzipSync(archive));
  } catch (err) {
    throw new ModelArchiveError(`${where}: not a gzip-compressed tar archive (${(err as Error).message})`);
  }
  const entry = entries.find((e) => (e.type === "file" || e.type === undefined) && e.name.replace(/^\.\//, "") === MODEL_JSON_FILE);
  if (!entry?.data) {
    const names = entries.map((e) => e.name).join(", ") || "nothing";
    throw new ModelArchiveError(`${where}: no ${MODEL_JSON_FILE} at the top of the archive (found: ${names})`);
  }
  return entry.data;
}

/** Put the archive's model.json beside it; returns its URI and SHA-256 (hex). */
async function putModelJsonBeside(modelDataUrl: string): Promise<{ uri: string; sha256: string }> {
  const archive = parseS3Uri(modelDataUrl);
  if (!archive) throw new ModelArchiveError(`${modelDataUrl}: not an s3:// URI`);
  const got = await s3.send(new GetObjectCommand({ Bucket: archive.bucket, Key: archive.key }));
  if (!got.Body) throw new ModelArchiveError(`${modelDataUrl}: GetObject returned no body`);
  const body = modelJsonFromArchive(await got.Body.transformToByteArray(), modelDataUrl);
  const key = `${archive.key.slice(0, archive.key.lastIndexOf("/") + 1)}${MODEL_JSON_FILE}`;
  const sha256 = createHash("sha256").update(body).digest("hex");
  await s3.send(
    new PutObjectCommand({
      Bucket: archive.bucket,
      Key: key,
      Body: body,
      ContentType: "application/json",
      ChecksumSHA256: Buffer.from(sha256, "hex").toString("base64"),
    }),
  );
  return { uri: `s3://${archive.bucket}/${key}`, sha256 };
}

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
  const modelJson = await putModelJsonBeside(input.modelDataUrl);

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
        [MODEL_JSON_METADATA.uri]: modelJson.uri,
        [MODEL_JSON_METADATA.sha256]: modelJson.sha256,
      },
      ModelApprovalStatus: approvalStatus,
      ClientToken: clientToken,
    }),
  );
  if (!created.ModelPackageArn) throw new Error("CreateModelPackage returned no ModelPackageArn");
  return {
    modelPackageArn: created.ModelPackageArn,
    approvalStatus,
    modelVersion: input.modelVersion,
    modelJsonUri: modelJson.uri,
    modelJsonSha256: modelJson.sha256,
  };
};
