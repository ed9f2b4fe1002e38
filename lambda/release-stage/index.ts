/**
 * Stages a model package's model.json in the model store, at its immutable release key.
 *
 * Event: StageEvent { modelPackageArn, version } (contracts/release-payloads.ts). Environment (StageEnvironment):
 * MODEL_BUCKET, MODEL_PACKAGE_GROUP_NAME, MODEL_SCHEMA_KEY, MODEL_SCHEMA_VERSION_ID. Both are validated before any AWS
 * call.
 *
 * 1. DescribeModelPackage: the package must belong to the stack's group and have that version; its
 *    CustomerMetadataProperties name the model.json register-model wrote (ModelJsonUri, ModelJsonSha256).
 * 2. GetObject of that model.json (at most MAX_MODEL_BYTES); its SHA-256 must equal ModelJsonSha256
 *    (ModelIntegrityError), and it must be valid against service/model/model.schema.json, the schema the model
 *    server and training/train.py document (InvalidModel, naming the first field at fault). The release workflow
 *    uploads that schema beside the models (MODEL_SCHEMA_KEY, read at the exact S3 version Pulumi wrote, once per
 *    cold start): bundled, its descriptions alone would push this function past the 50 KB bundle target.
 * 3. PutObject at releasedModelKey(version) with `If-None-Match: *` (S3 conditional write: never overwrites) and the
 *    SHA-256 as S3's checksum. If the key exists, its bytes are read back: the same digest is a re-release (nothing
 *    written, alreadyStaged), another digest is a StagedModelConflict — a released key is never rewritten.
 * Returns StagedModel. None of the named errors is retried by the state machine: they would fail again.
 */
import { DescribeModelPackageCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Validator, type Schema } from "@cfworker/json-schema";
import { createHash } from "node:crypto";
import * as z from "zod/mini";
import { releasedModelKey } from "../../contracts/model-release";
import type { StagedModel, StageEnvironment, StageEvent } from "../../contracts/release-payloads";
import { MODEL_JSON_METADATA } from "../../contracts/training-payloads";
import { parseS3Uri } from "../../contracts/patterns";
import { parseEnv, parseEvent, SAGEMAKER_NAME } from "../shared/validation";

const sagemaker = new SageMakerClient({});
const s3 = new S3Client({});

/** Largest model.json staged, in bytes (the model server refuses larger files: service/src/model.ts). */
export const MAX_MODEL_BYTES = 64 * 1024 * 1024;

/** The model.json's bytes do not have the digest the model package records. */
export class ModelIntegrityError extends Error {
  override readonly name = "ModelIntegrityError";
}
/** The model.json is not a model the server can load (model.schema.json). */
export class InvalidModel extends Error {
  override readonly name = "InvalidModel";
}
/** The release key already holds a different model: released keys are immutable. */
export class StagedModelConflict extends Error {
  override readonly name = "StagedModelConflict";
}
/** The model package does not say where its model.json is. */
export class ModelPackageMetadataError extends Error {
  override readonly name = "ModelPackageMetadataError";
}

const MODEL_PACKAGE_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/[A-Za-z0-9-]+\/\d+$/;

const Event: z.ZodMiniType<StageEvent> = z.object({
  modelPackageArn: z.string().check(z.regex(MODEL_PACKAGE_ARN)),
  version: z.number().check(z.int(), z.gte(1)),
});

const Env: z.ZodMiniType<StageEnvironment> = z.object({
  MODEL_BUCKET: z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/)),
  MODEL_PACKAGE_GROUP_NAME: z.string().check(z.maxLength(63), z.regex(SAGEMAKER_NAME)),
  MODEL_SCHEMA_KEY: z.string().check(z.regex(/^[A-Za-z0-9_.\/-]{1,1024}$/)),
  MODEL_SCHEMA_VERSION_ID: z.string().check(z.minLength(1), z.maxLength(1024)),
});

/** The model schema's validator, made once per execution environment (the version read never changes). */
let validator: Promise<Validator> | undefined;

function modelValidator(env: StageEnvironment): Promise<Validator> {
  validator ??= (async () => {
    const location = { Bucket: env.MODEL_BUCKET, Key: env.MODEL_SCHEMA_KEY, VersionId: env.MODEL_SCHEMA_VERSION_ID };
    const text = Buffer.from(await readObject(location)).toString("utf8");
    return new Validator(JSON.parse(text) as Schema, "2020-12", true);
  })().catch((err: unknown) => {
    validator = undefined;
    throw err;
  });
  return validator;
}

const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

async function readObject(location: { Bucket: string; Key: string; VersionId?: string }): Promise<Uint8Array> {
  const got = await s3.send(new GetObjectCommand(location));
  if ((got.ContentLength ?? 0) > MAX_MODEL_BYTES) {
    throw new InvalidModel(`s3://${location.Bucket}/${location.Key}: ${got.ContentLength} bytes, more than the ${MAX_MODEL_BYTES} allowed`);
  }
  if (!got.Body) throw new InvalidModel(`s3://${location.Bucket}/${location.Key}: empty response body`);
  return got.Body.transformToByteArray();
}

/** Where the package's model.json is and its digest, from its CustomerMetadataProperties. */
async function packagedModel(event: StageEvent, group: string): Promise<{ uri: string; sha256: string; location: { Bucket: string; Key: string } }> {
  const described = await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: event.modelPackageArn }));
  if (described.ModelPackageGroupName !== group || described.ModelPackageVersion !== event.version) {
    throw new ModelPackageMetadataError(
      `${event.modelPackageArn}: is version ${described.ModelPackageVersion} of ${JSON.stringify(described.ModelPackageGroupName)}, expected version ${event.version} of ${JSON.stringify(group)}`,
    );
  }
  const metadata = described.CustomerMetadataProperties ?? {};
  const uri = metadata[MODEL_JSON_METADATA.uri] ?? "";
  const sha256 = metadata[MODEL_JSON_METADATA.sha256] ?? "";
  const parsed = parseS3Uri(uri);
  if (!parsed || parsed.key === "" || !/^[0-9a-f]{64}$/.test(sha256)) {
    throw new ModelPackageMetadataError(
      `${event.modelPackageArn}: CustomerMetadataProperties ${MODEL_JSON_METADATA.uri}=${JSON.stringify(uri)} and ${MODEL_JSON_METADATA.sha256}=${JSON.stringify(sha256)} must be an s3:// URI and 64 lowercase hex digits`,
    );
  }
  return { uri, sha256, location: { Bucket: parsed.bucket, Key: parsed.key } };
}

/** The bytes parse as JSON and are valid against model.schema.json; throws InvalidModel naming the first problem. */
export function checkModel(validator: Validator, bytes: Uint8Array, source: string): void {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (err) {
    throw new InvalidModel(`${source}: not JSON: ${(err as Error).message}`);
  }
  const result = validator.validate(json);
  if (!result.valid) {
    // The innermost error names the field; the outer ones only say that a parent failed.
    const error = result.errors[result.errors.length - 1]!;
    throw new InvalidModel(`${source}: ${error.instanceLocation.replace(/^#/, "") || "/"}: ${error.error} (service/model/model.schema.json)`);
  }
}

const isConditionFailure = (err: unknown) => {
  const name = (err as { name?: string }).name;
  return name === "PreconditionFailed" || name === "ConditionalRequestConflict";
};

export const handler = async (event: unknown): Promise<StagedModel> => {
  const input = parseEvent(Event, event);
  const env = parseEnv(Env, process.env);
  const source = await packagedModel(input, env.MODEL_PACKAGE_GROUP_NAME);
  const bytes = await readObject(source.location);
  const digest = sha256Hex(bytes);
  if (digest !== source.sha256) {
    throw new ModelIntegrityError(`${source.uri}: SHA-256 ${digest}, but the model package records ${source.sha256}`);
  }
  checkModel(await modelValidator(env), bytes, source.uri);

  const key = releasedModelKey(input.version);
  const target = { Bucket: env.MODEL_BUCKET, Key: key };
  const modelUri = `s3://${env.MODEL_BUCKET}/${key}`;
  const staged = { modelUri, key, sha256: digest, version: input.version };
  try {
    await s3.send(
      new PutObjectCommand({
        ...target,
        Body: bytes,
        ContentType: "application/json",
        IfNoneMatch: "*",
        ChecksumSHA256: Buffer.from(digest, "hex").toString("base64"),
      }),
    );
    return { ...staged, alreadyStaged: false };
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
  }
  const existing = sha256Hex(await readObject(target));
  if (existing !== digest) {
    throw new StagedModelConflict(`${modelUri}: already holds a model with SHA-256 ${existing}; version ${input.version} is ${digest} (released keys are never rewritten)`);
  }
  return { ...staged, alreadyStaged: true };
};
