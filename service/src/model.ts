/**
 * The model file (model.json): validation and loading. The format is documented field by field in
 * service/model/model.schema.json and written by training/train.py; this module checks the schema's
 * rules plus the ones a JSON Schema cannot express (tree shape, feature names).
 */
import { readFile, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";

/** Model files larger than this are refused (the default model is about 70 KB). */
export const MAX_MODEL_BYTES = 64 * 1024 * 1024;

const name = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, "must be a name of letters, digits and _");
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lower-case hex digits");
const summary = z.strictObject({ mean: z.number(), std: z.number().min(0), min: z.number(), max: z.number() });
const metrics = z.strictObject({
  rows: z.number().int().min(1),
  rmse: z.number().min(0),
  mae: z.number().min(0),
  r2: z.number(),
});
const nodeIndex = z.array(z.number().int().min(-1)).min(1);
const tree = z.strictObject({
  feature: nodeIndex,
  threshold: z.array(z.number()).min(1),
  left: nodeIndex,
  right: nodeIndex,
  value: z.array(z.number()).min(1),
});
const inputField = z.discriminatedUnion("type", [
  z.strictObject({ name, type: z.literal("category"), categories: z.array(z.string().min(1)).min(1) }),
  z.strictObject({ name, type: z.literal("number"), minimum: z.number().optional() }),
]);

const modelSchema = z.strictObject({
  format: z.literal("edge-mlops/gradient-boosted-trees"),
  format_version: z.literal(1),
  model_version: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "must be 1-64 characters of A-Z a-z 0-9 . _ -"),
  target: z.string().min(1),
  input_fields: z.array(inputField).min(1),
  encoding: z.record(z.string(), z.strictObject({ type: z.literal("one_hot"), columns: z.record(z.string(), name) })),
  features: z.array(name).min(1),
  hyperparameters: z.strictObject({
    loss: z.literal("squared_error"),
    n_estimators: z.number().int().min(1),
    max_depth: z.number().int().min(1),
    learning_rate: z.number().gt(0).max(1),
    random_state: z.number().int().min(0),
  }),
  trainer: z.strictObject({ library: z.string(), version: z.string(), estimator: z.literal("GradientBoostingRegressor") }),
  created_from: z.strictObject({ train_sha256: sha256, validation_sha256: sha256.nullable() }),
  metrics: z.strictObject({ train: metrics, validation: metrics.nullable() }),
  training_statistics: z.strictObject({
    rows: z.number().int().min(1),
    features: z.record(z.string(), summary),
    categories: z.record(z.string(), z.record(z.string(), z.number().min(0).max(1))),
    target: summary,
    prediction: summary,
  }),
  init: z.number(),
  trees: z.array(tree).min(1),
});

export type ModelFile = z.infer<typeof modelSchema>;
export type InputField = ModelFile["input_fields"][number];
export type Tree = ModelFile["trees"][number];

/** A model file that cannot be used; the message names the source and the offending field. */
export class ModelError extends Error {
  override name = "ModelError";
}

function pathText(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : `${out ? "." : ""}${String(part)}`;
  return out || "(root)";
}

/** Parses and validates model text; throws ModelError naming `source` and the first problem found. */
export function parseModel(text: string, source: string): ModelFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelError(`model ${source}: not valid JSON: ${(err as Error).message}`);
  }
  const parsed = modelSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ModelError(`model ${source}: ${pathText(issue.path)}: ${issue.message}`);
  }
  const problem = structuralProblem(parsed.data);
  if (problem) throw new ModelError(`model ${source}: ${problem}`);
  return parsed.data;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && new Set(a).size === a.length && b.every((x) => a.includes(x));
}

/** The rules the JSON Schema cannot express; returns the first violation, or undefined. */
export function structuralProblem(model: ModelFile): string | undefined {
  const names = model.input_fields.map((f) => f.name);
  if (new Set(names).size !== names.length) return "input_fields: field names must be unique";
  const numeric = model.input_fields.filter((f) => f.type === "number").map((f) => f.name);
  const expected = [...numeric];
  for (const field of model.input_fields) {
    if (field.type !== "category") continue;
    const enc = model.encoding[field.name];
    if (!enc) return `encoding: missing the encoding of category field ${field.name}`;
    if (!sameSet(Object.keys(enc.columns), field.categories)) {
      return `encoding.${field.name}.columns: must have exactly one column per category (${field.categories.join(", ")})`;
    }
    expected.push(...Object.values(enc.columns));
  }
  const categories = model.input_fields.filter((f) => f.type === "category").map((f) => f.name);
  if (!sameSet(Object.keys(model.encoding), categories)) {
    return `encoding: must have exactly the category fields (${categories.join(", ") || "none"})`;
  }
  if (!sameSet(model.features, expected)) {
    return `features: must be exactly the number fields and one-hot columns (${expected.join(", ")})`;
  }
  if (!sameSet(Object.keys(model.training_statistics.features), numeric)) {
    return `training_statistics.features: must have exactly the number fields (${numeric.join(", ")})`;
  }
  if (!sameSet(Object.keys(model.training_statistics.categories), categories)) {
    return `training_statistics.categories: must have exactly the category fields (${categories.join(", ") || "none"})`;
  }
  for (let t = 0; t < model.trees.length; t++) {
    const problem = treeProblem(model.trees[t]!, model.features.length);
    if (problem) return `trees[${t}].${problem}`;
  }
  return undefined;
}

function treeProblem(tree: Tree, featureCount: number): string | undefined {
  const n = tree.feature.length;
  for (const key of ["threshold", "left", "right", "value"] as const) {
    if (tree[key].length !== n) return `${key}: has ${tree[key].length} nodes, feature has ${n}`;
  }
  const parents = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const left = tree.left[i]!;
    const right = tree.right[i]!;
    if (left === -1 || right === -1) {
      if (left !== right) return `left[${i}]/right[${i}]: a leaf has both children -1`;
      continue;
    }
    const feature = tree.feature[i]!;
    if (feature < 0 || feature >= featureCount) return `feature[${i}]: ${feature} is not a feature index (0..${featureCount - 1})`;
    for (const [side, child] of [["left", left], ["right", right]] as const) {
      if (child <= i || child >= n) return `${side}[${i}]: child ${child} must be after node ${i} and below ${n}`;
      if (parents[child]++) return `${side}[${i}]: node ${child} already has a parent`;
    }
  }
  for (let i = 1; i < n; i++) if (!parents[i]) return `node ${i} is not reachable from the root`;
  return undefined;
}

export type ModelLocation = { kind: "s3"; bucket: string; key: string } | { kind: "file"; path: string };

/** Parses MODEL_URI: `s3://bucket/key`, `file:///path` or a file path (relative to the working directory). */
export function parseModelUri(uri: string): ModelLocation {
  const s3 = /^s3:\/\/([^/]*)\/(.*)$/.exec(uri);
  if (uri.startsWith("s3://")) {
    if (!s3 || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s3[1]!) || !s3[2]) {
      throw new ModelError(`MODEL_URI ${JSON.stringify(uri)}: expected s3://<bucket>/<key> with a valid bucket name and a key`);
    }
    return { kind: "s3", bucket: s3[1]!, key: s3[2]! };
  }
  if (uri.startsWith("file://")) {
    try {
      return { kind: "file", path: fileURLToPath(uri) };
    } catch (err) {
      throw new ModelError(`MODEL_URI ${JSON.stringify(uri)}: ${(err as Error).message}`);
    }
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(uri)) {
    throw new ModelError(`MODEL_URI ${JSON.stringify(uri)}: unsupported scheme; use s3://bucket/key or a file path`);
  }
  if (!uri) throw new ModelError("MODEL_URI: must not be empty");
  return { kind: "file", path: resolve(uri) };
}

/** The shipped model, relative to the directory holding the code (service/src, service/dist or /app/dist). */
export function defaultModelPath(codeDir: string): string {
  return resolve(codeDir, "..", "model", "model.json");
}

/** The SDK's S3 client module, loaded only for an s3:// model (a device or a local run never needs it). */
const s3Sdk = () => import("@aws-sdk/client-s3");

async function readS3(bucket: string, key: string, client: S3Client): Promise<string> {
  const { GetObjectCommand } = await s3Sdk();
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (out.ContentLength !== undefined && out.ContentLength > MAX_MODEL_BYTES) {
    throw new Error(`object is ${out.ContentLength} bytes, more than ${MAX_MODEL_BYTES}`);
  }
  const body = out.Body as AsyncIterable<Uint8Array> | undefined;
  if (!body || typeof body[Symbol.asyncIterator] !== "function") throw new Error("response has no readable body");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_MODEL_BYTES) throw new Error(`object is larger than ${MAX_MODEL_BYTES} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The text of a local model file; throws the file system's error (code ENOENT when missing), or "not a file" / "file is N bytes, more than MAX_MODEL_BYTES". */
export async function readLocalModel(path: string): Promise<string> {
  const info = await stat(path);
  if (!info.isFile()) throw new Error("not a file");
  if (info.size > MAX_MODEL_BYTES) throw new Error(`file is ${info.size} bytes, more than ${MAX_MODEL_BYTES}`);
  return readFile(path, "utf8");
}

/**
 * Reads and validates the model at `uri` (see parseModelUri); every failure is a ModelError. `s3` makes the S3 client
 * (tests pass one); by default one of the SDK's default configuration, loaded only for an s3:// URI.
 */
export async function loadModel(uri: string, s3?: () => S3Client): Promise<ModelFile> {
  const location = parseModelUri(uri);
  const source = location.kind === "s3" ? `s3://${location.bucket}/${location.key}` : location.path;
  let text: string;
  try {
    text =
      location.kind === "s3"
        ? await readS3(location.bucket, location.key, s3 ? s3() : new (await s3Sdk()).S3Client({}))
        : await readLocalModel(location.path);
  } catch (err) {
    const e = err as Error & { code?: string };
    const what = e.code ?? (e.name && e.name !== "Error" ? e.name : undefined);
    const prefix = what && !e.message.startsWith(what) ? `${what}: ` : "";
    throw new ModelError(`model ${source}: cannot read: ${prefix}${e.message}`);
  }
  return parseModel(text, source);
}

/** What GET /model returns: everything but the trees. */
export function modelMetadata(model: ModelFile): Record<string, unknown> {
  const { trees, ...rest } = model;
  return { ...rest, tree_count: trees.length };
}
