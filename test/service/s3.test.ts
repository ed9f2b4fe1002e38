import { Readable } from "node:stream";
import { GetObjectCommand, NoSuchKey, S3Client, type GetObjectCommandOutput } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { readConfig } from "../../service/src/config";
import { loadModel, MAX_MODEL_BYTES } from "../../service/src/model";
import { fixture, modelText, post, startService } from "./support";

const s3 = mockClient(S3Client);
afterEach(() => s3.reset());

/** A GetObject answer whose body is a Node stream, as the SDK returns in Node. */
function object(text: string, chunkSize = 8192): GetObjectCommandOutput {
  const bytes = Buffer.from(text);
  const chunks = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  return { Body: Readable.from(chunks) as unknown as GetObjectCommandOutput["Body"], ContentLength: bytes.length, $metadata: {} };
}

describe("MODEL_URI=s3://…", () => {
  it("loads the model with GetObject and serves it", async () => {
    s3.on(GetObjectCommand, { Bucket: "edge-mlops-models", Key: "prod/78f050bdef83/model.json" }).resolves(object(modelText()));
    const config = readConfig({ MODEL_URI: "s3://edge-mlops-models/prod/78f050bdef83/model.json" });
    const model = await loadModel(config.modelUri!);
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: "edge-mlops-models", Key: "prod/78f050bdef83/model.json" },
    ]);
    const { instances, predictions, model_version } = fixture();
    expect(model.model_version).toBe(model_version);

    const ctx = await startService(model);
    try {
      const reply = await post(ctx.port, { instances: instances.slice(0, 10) });
      expect(reply.json()).toEqual({ predictions: predictions.slice(0, 10), model_version });
    } finally {
      await ctx.service.shutdown(1_000);
    }
  });

  it("names the object and the S3 error when it cannot be read", async () => {
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: "The specified key does not exist.", $metadata: {} }));
    await expect(loadModel("s3://edge-mlops-models/missing.json")).rejects.toThrow(
      "model s3://edge-mlops-models/missing.json: cannot read: NoSuchKey: The specified key does not exist.",
    );
  });

  it("refuses an object larger than the model size limit without reading it", async () => {
    s3.on(GetObjectCommand).resolves({ ...object("{}"), ContentLength: MAX_MODEL_BYTES + 1 });
    await expect(loadModel("s3://edge-mlops-models/huge.json")).rejects.toThrow(
      `model s3://edge-mlops-models/huge.json: cannot read: object is ${MAX_MODEL_BYTES + 1} bytes, more than ${MAX_MODEL_BYTES}`,
    );
  });

  it("validates what it downloaded", async () => {
    const broken = JSON.parse(modelText());
    broken.trees[7].feature[0] = 42;
    s3.on(GetObjectCommand).resolves(object(JSON.stringify(broken)));
    await expect(loadModel("s3://edge-mlops-models/broken.json")).rejects.toThrow(
      "model s3://edge-mlops-models/broken.json: trees[7].feature[0]: 42 is not a feature index (0..9)",
    );
  });
});

describe("MODEL_URI as a file", () => {
  it("names the path when the file is missing", async () => {
    await expect(loadModel("/nonexistent/model.json")).rejects.toThrow(
      "model /nonexistent/model.json: cannot read: ENOENT: no such file or directory, stat '/nonexistent/model.json'",
    );
  });
});
