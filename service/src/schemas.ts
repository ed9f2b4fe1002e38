/**
 * The JSON Schemas of the service's HTTP contract.
 *
 * The request schema of POST /forecast is generated from the served model's input fields
 * (model.json `input_fields`, whose format service/model/model.schema.json documents): every field
 * is required and no other is allowed, a number field is a finite JSON number at or above its
 * `minimum`, a category field one of its `categories`. ajv compiles it once per model (validate.ts).
 * The 200 answer's schema is generated from the model too (its version is a constant there);
 * fast-json-stringify compiles it and the fixed error schema into the functions that write answers.
 */
import type { SchemaObject } from "ajv";
import type { ObjectSchema } from "fast-json-stringify";
import type { InputField, ModelFile } from "./model";

/** Most instances one POST /forecast may carry. */
export const MAX_INSTANCES = 1000;

function fieldSchema(field: InputField): SchemaObject {
  if (field.type === "category") {
    return { description: `one of ${field.categories.join(", ")} (case-sensitive)`, type: "string", enum: field.categories };
  }
  if (field.minimum === undefined) return { description: "a finite number", type: "number" };
  return { description: `a finite number >= ${field.minimum}`, type: "number", minimum: field.minimum };
}

/** JSON Schema (draft-07) of a POST /forecast body for `model`: `{"instances": [{<every input field>}, ...]}`. */
export function forecastRequestSchema(model: Pick<ModelFile, "input_fields">): SchemaObject {
  const fields = model.input_fields;
  return {
    type: "object",
    additionalProperties: false,
    required: ["instances"],
    properties: {
      instances: {
        description: `1 to ${MAX_INSTANCES} instances to predict, each with exactly the model's input fields`,
        type: "array",
        minItems: 1,
        maxItems: MAX_INSTANCES,
        items: {
          type: "object",
          additionalProperties: false,
          required: fields.map((f) => f.name),
          properties: Object.fromEntries(fields.map((f) => [f.name, fieldSchema(f)])),
        },
      },
    },
  };
}

/** JSON Schema of a POST /forecast 200 body for `model`: one prediction per instance, in request order, and the model's version. */
export function forecastResponseSchema(model: Pick<ModelFile, "model_version" | "target">): SchemaObject {
  return {
    type: "object",
    required: ["predictions", "model_version"],
    properties: {
      predictions: { description: `predicted ${model.target}, one per instance`, type: "array", maxItems: MAX_INSTANCES, items: { type: "number" } },
      model_version: { type: "string", const: model.model_version },
    },
  };
}

/** Every 4xx and 5xx body: a one-line message and the offending field (`instances[3].height`) or null. */
export const ERROR_RESPONSE_SCHEMA: ObjectSchema = {
  type: "object",
  required: ["error", "field"],
  properties: {
    error: { type: "string" },
    field: { type: "string", nullable: true },
  },
};
