import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { readConfig } from "../../service/src/config";
import { forecastResponseSchema } from "../../service/src/schemas";
import { ClientError, MAX_INSTANCES, RequestValidator } from "../../service/src/validate";
import { shippedModel } from "./support";

const validator = new RequestValidator(shippedModel());
const good = { sex: "F", length: 0.53, diameter: 0.42, height: 0.135, whole_weight: 0.677, shucked_weight: 0.2565, viscera_weight: 0.1415, shell_weight: 0.21 };

function rejection(body: unknown): { status: number; message: string; field: string | null } {
  try {
    validator.validate(body);
  } catch (err) {
    if (err instanceof ClientError) return { status: err.status, message: err.message, field: err.field };
    throw err;
  }
  throw new Error("expected a ClientError");
}

describe("RequestValidator", () => {
  it("encodes instances in the model's feature order and keeps the raw number values field by field", () => {
    const input = validator.validate({ instances: [good, { ...good, sex: "I", length: 0.25 }] });
    expect(input.count).toBe(2);
    expect(Array.from(input.rows)).toEqual(
      [0, 1, 0, 0.53, 0.42, 0.135, 0.677, 0.2565, 0.1415, 0.21, 0, 0, 1, 0.25, 0.42, 0.135, 0.677, 0.2565, 0.1415, 0.21].map(Math.fround),
    );
    expect(validator.numberFields).toEqual(["length", "diameter", "height", "whole_weight", "shucked_weight", "viscera_weight", "shell_weight"]);
    // Not rounded to float32: the drift z values use the values as sent.
    expect(Array.from(input.numbers)).toEqual([0.53, 0.25, 0.42, 0.42, 0.135, 0.135, 0.677, 0.677, 0.2565, 0.2565, 0.1415, 0.1415, 0.21, 0.21]);
  });

  it("accepts zero sizes and exactly the instance limit", () => {
    expect(validator.validate({ instances: [{ ...good, height: 0 }] }).count).toBe(1);
    expect(validator.validate({ instances: Array(MAX_INSTANCES).fill(good) }).count).toBe(1000);
  });

  it("checks bodies against the schema generated from the model's input fields", () => {
    const model = shippedModel();
    const items = validator.schema.properties.instances.items;
    expect(items.required).toEqual(model.input_fields.map((f) => f.name));
    expect(items.properties.sex).toMatchObject({ type: "string", enum: ["M", "F", "I"] });
    expect(items.properties.height).toMatchObject({ type: "number", minimum: 0 });
    expect(forecastResponseSchema(model).properties!.model_version).toEqual({ type: "string", const: model.model_version });

    // Another model, another contract: one more number field, with its own minimum.
    const aged = new RequestValidator({
      ...model,
      input_fields: [...model.input_fields, { name: "age", type: "number", minimum: 1 }],
      features: [...model.features, "age"],
    });
    expect(aged.problem({ instances: [good] })?.message).toBe("instances[0].age: is required");
    expect(aged.problem({ instances: [{ ...good, age: 0 }] })?.message).toBe("instances[0].age: must be >= 1, got 0");
    expect(Array.from(aged.validate({ instances: [{ ...good, age: 3 }] }).rows).at(-1)).toBe(3);
  });

  const deep = (depth: number) => JSON.parse("[".repeat(depth) + "]".repeat(depth));
  const cases: Array<[string, unknown, string | null, string]> = [
    ["a non-object body", [good], null, "request body must be a JSON object, got array"],
    ["null", null, null, "request body must be a JSON object, got null"],
    ["an extra top-level field", { instances: [good], model: "x" }, "model", 'model: unknown field; the body holds only "instances"'],
    ["a top-level field that is not an identifier", { instances: [good], "a b": 1 }, '["a b"]', "unknown field"],
    ["missing instances", {}, "instances", "instances: is required"],
    ["instances not an array", { instances: good }, "instances", "instances: must be an array, got object"],
    ["zero instances", { instances: [] }, "instances", "instances: must hold 1 to 1000 instances, got 0"],
    ["too many instances", { instances: Array(1001).fill(good) }, "instances", "instances: must hold 1 to 1000 instances, got 1001"],
    ["an instance that is not an object", { instances: [good, 3] }, "instances[1]", "instances[1]: must be an object, got number"],
    ["a missing field", { instances: [good, good, good, { ...good, height: undefined }] }, "instances[3].height", "instances[3].height: is required"],
    ["an extra field", { instances: [{ ...good, colour: "red" }] }, "instances[0].colour", "instances[0].colour: unknown field; allowed: sex, length, diameter"],
    ["a string for a number", { instances: [{ ...good, length: "0.5" }] }, "instances[0].length", "instances[0].length: must be a number, got string"],
    ["null for a number", { instances: [{ ...good, diameter: null }] }, "instances[0].diameter", "instances[0].diameter: must be a number, got null"],
    ["Infinity (1e999)", JSON.parse(`{"instances":[${JSON.stringify(good).replace("0.677", "1e999")}]}`), "instances[0].whole_weight", "instances[0].whole_weight: must be a finite number"],
    ["-Infinity", JSON.parse(`{"instances":[${JSON.stringify(good).replace("0.21", "-1e999")}]}`), "instances[0].shell_weight", "instances[0].shell_weight: must be a finite number"],
    ["NaN", { instances: [{ ...good, height: Number.NaN }] }, "instances[0].height", "instances[0].height: must be a finite number"],
    ["a negative size", { instances: [{ ...good, height: -0.01 }] }, "instances[0].height", "instances[0].height: must be >= 0, got -0.01"],
    ["an unknown sex", { instances: [{ ...good, sex: "X" }] }, "instances[0].sex", 'instances[0].sex: must be one of M, F, I, got "X"'],
    ["a lower-case sex", { instances: [{ ...good, sex: "m" }] }, "instances[0].sex", 'must be one of M, F, I, got "m"'],
    ["a number for sex", { instances: [{ ...good, sex: 1 }] }, "instances[0].sex", "instances[0].sex: must be one of M, F, I, got number"],
    ["a missing sex", { instances: [{ ...good, sex: undefined }] }, "instances[0].sex", "instances[0].sex: is required"],
    ["deep nesting in a field", { instances: [{ ...good, length: deep(10_000) }] }, "instances[0].length", "instances[0].length: must be a number, got array"],
    ["deep nesting as an instance", { instances: [deep(10_000)] }, "instances[0]", "instances[0]: must be an object, got array"],
    ["an inherited name", { instances: [{ ...good, constructor: 1 }] }, "instances[0].constructor", "unknown field"],
  ];
  it.each(cases)("rejects %s", (_name, body, field, message) => {
    const r = rejection(body);
    expect(r.status).toBe(400);
    expect(r.field).toBe(field);
    expect(r.message).toContain(message);
  });
});

describe("readConfig", () => {
  it("has defaults and treats empty variables as unset", () => {
    expect(readConfig({})).toEqual({
      port: 5000, host: "0.0.0.0", modelUri: undefined, modelPointer: undefined, modelPath: undefined, metricsService: "local", logLevel: "info", shutdownTimeoutMs: 10_000,
    });
    expect(readConfig({ MODEL_PATH: "", METRICS_SERVICE: "" })).toMatchObject({ modelPath: undefined, metricsService: "local" });
    expect(readConfig({ PORT: "", HOST: "", MODEL_URI: "", LOG_LEVEL: "" }).port).toBe(5000);
  });

  it("reads every setting", () => {
    expect(
      readConfig({ PORT: "0", HOST: "[::1]", MODEL_URI: "s3://edge-models/prod/model.json", LOG_LEVEL: "WARN", SHUTDOWN_TIMEOUT_MS: "25000" }),
    ).toEqual({
      port: 0, host: "::1", modelUri: "s3://edge-models/prod/model.json", modelPointer: undefined, modelPath: undefined, metricsService: "local", logLevel: "warn", shutdownTimeoutMs: 25_000,
    });
  });

  it("reads MODEL_PATH as an absolute path and the Service dimension from METRICS_SERVICE", () => {
    expect(readConfig({ MODEL_PATH: "/opt/edge-mlops/model/model.json", METRICS_SERVICE: "hbs-fleet" })).toMatchObject({
      modelPath: "/opt/edge-mlops/model/model.json", modelUri: undefined, modelPointer: undefined, metricsService: "hbs-fleet",
    });
    expect(readConfig({ MODEL_PATH: "model/model.json" }).modelPath).toBe(resolve("model/model.json"));
  });

  it.each([
    [{ PORT: "http" }, 'PORT="http": must be an integer from 0 to 65535'],
    [{ PORT: "65536" }, 'PORT="65536": must be an integer from 0 to 65535'],
    [{ PORT: "-1" }, 'PORT="-1": must be an integer from 0 to 65535'],
    [{ HOST: "0.0.0.0 evil" }, 'HOST="0.0.0.0 evil": must be an IP address or host name'],
    [{ LOG_LEVEL: "verbose" }, 'LOG_LEVEL="verbose": must be one of debug, info, warn, error'],
    [{ MODEL_URI: "gs://bucket/model.json" }, 'MODEL_URI "gs://bucket/model.json": unsupported scheme'],
    [{ MODEL_URI: "s3://bucket" }, 'MODEL_URI "s3://bucket": expected s3://<bucket>/<key>'],
    [{ MODEL_POINTER: "/edge-mlops/dev/inference/current-model", MODEL_URI: "s3://edge-models/m.json" }, "MODEL_POINTER and MODEL_URI are both set: set at most one"],
    [{ MODEL_PATH: "/m/model.json", MODEL_URI: "s3://edge-models/m.json" }, "MODEL_PATH and MODEL_URI are both set: set at most one (MODEL_POINTER in the cloud, MODEL_PATH on devices, MODEL_URI for local use)"],
    [{ MODEL_POINTER: "/p", MODEL_PATH: "/m/model.json", MODEL_URI: "s3://edge-models/m.json" }, "MODEL_POINTER and MODEL_PATH and MODEL_URI are all set: set at most one"],
    [{ MODEL_PATH: "s3://edge-models/m.json" }, 'MODEL_PATH="s3://edge-models/m.json": must be a file path (the model file to serve and watch), not a URI'],
    [{ METRICS_SERVICE: "   " }, 'METRICS_SERVICE="   ": must be 1-1024 printable ASCII characters, at least one not white space (a CloudWatch dimension value)'],
    [{ METRICS_SERVICE: "flotte-é" }, 'METRICS_SERVICE="flotte-é": must be 1-1024 printable ASCII'],
    [{ METRICS_SERVICE: "x".repeat(1025) }, "METRICS_SERVICE=\"xxxx"],
    [{ SHUTDOWN_TIMEOUT_MS: "0" }, 'SHUTDOWN_TIMEOUT_MS="0": must be an integer from 1 to 120000'],
  ])("rejects %o", (env, message) => {
    expect(() => readConfig(env)).toThrow(message);
  });
});
