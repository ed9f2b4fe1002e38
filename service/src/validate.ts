/**
 * Validation of POST /forecast bodies with ajv against the schema generated from the model's input
 * fields (schemas.ts), and the encoding of a valid body into feature vectors in one pass.
 *
 * ajv stops at the first problem; `problem` turns that error into a ClientError naming the
 * offending field as a path such as `instances[3].height`, with a message that says what is wrong
 * and what is allowed. The server runs the same compiled function as fastify's body validator.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import type { ModelFile } from "./model";
import { forecastRequestSchema, MAX_INSTANCES } from "./schemas";

export { MAX_INSTANCES };

/** A request the client must fix: HTTP status, message and the offending field (null for the whole body). */
export class ClientError extends Error {
  override name = "ClientError";

  constructor(
    readonly status: number,
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

/** A body that passed validation. */
export interface ForecastBody {
  readonly instances: ReadonlyArray<Readonly<Record<string, number | string>>>;
}

export interface ForecastInput {
  /** Number of instances. */
  readonly count: number;
  /** Feature vectors, `count` × the model's feature count, in the model's feature order. */
  readonly rows: Float32Array;
  /**
   * The raw number values field by field: `numbers[slot * count + i]` is number field `slot`
   * (RequestValidator.numberFields order) of instance `i`, as sent (not rounded to float32).
   */
  readonly numbers: Float64Array;
}

type Encoded =
  | { kind: "number"; name: string; column: number; slot: number }
  | { kind: "category"; name: string; columns: ReadonlyMap<string, number> };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function keyPath(parent: string, key: string): string {
  const shown = key.length > 64 ? `${key.slice(0, 64)}…` : key;
  return IDENTIFIER.test(shown) ? `${parent}${parent ? "." : ""}${shown}` : `${parent}[${JSON.stringify(shown)}]`;
}

/** ajv's instancePath (a JSON pointer such as /instances/3/height) as instances[3].height. */
function fieldPath(pointer: string): string {
  let out = "";
  for (const part of pointer.split("/").slice(1)) {
    const key = part.replace(/~1/g, "/").replace(/~0/g, "~");
    out = /^\d+$/.test(key) ? `${out}[${key}]` : keyPath(out, key);
  }
  return out;
}

/** A JSON Schema type as the messages name it. */
const EXPECTED: Readonly<Record<string, string>> = { object: "an object", array: "an array", number: "a number", string: "a string" };

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

export class RequestValidator {
  /** Names of the model's number fields, in input-field order. */
  readonly numberFields: readonly string[];
  /** The JSON Schema bodies are checked against (generated from the model's input fields). */
  readonly schema: ReturnType<typeof forecastRequestSchema>;
  /** ajv's compiled check: true for a valid body; on false, `check.errors[0]` is the first problem. */
  readonly check: ValidateFunction<ForecastBody>;
  private readonly fields: readonly Encoded[];
  private readonly featureCount: number;
  private readonly allowedFields: string;

  constructor(model: ModelFile) {
    this.schema = forecastRequestSchema(model);
    // verbose: errors carry the offending value, which the messages quote; messages: ajv's own
    // English is not used. Numbers must be finite (strictNumbers, on by default).
    this.check = new Ajv({ allErrors: false, verbose: true, messages: false }).compile<ForecastBody>(this.schema);
    const column = new Map(model.features.map((f, i) => [f, i]));
    const numbers: string[] = [];
    this.fields = model.input_fields.map((field): Encoded => {
      if (field.type === "number") {
        numbers.push(field.name);
        return { kind: "number", name: field.name, column: column.get(field.name)!, slot: numbers.length - 1 };
      }
      const columns = model.encoding[field.name]!.columns;
      return { kind: "category", name: field.name, columns: new Map(field.categories.map((c) => [c, column.get(columns[c]!)!])) };
    });
    this.numberFields = numbers;
    this.featureCount = model.features.length;
    this.allowedFields = model.input_fields.map((f) => f.name).join(", ");
  }

  /** The ClientError (400) for the body's first problem, or undefined when the body is valid. */
  problem(body: unknown): ClientError | undefined {
    return this.check(body) ? undefined : this.describe(this.check.errors![0]!);
  }

  /** Validates a parsed JSON body and encodes it; throws ClientError (400) on any problem. */
  validate(body: unknown): ForecastInput {
    const problem = this.problem(body);
    if (problem) throw problem;
    return this.encode(body as ForecastBody);
  }

  /** Feature vectors and raw number values of a body that passed `check`. */
  encode(body: ForecastBody): ForecastInput {
    const { instances } = body;
    const count = instances.length;
    const rows = new Float32Array(count * this.featureCount);
    const numbers = new Float64Array(this.numberFields.length * count);
    for (let i = 0; i < count; i++) {
      const record = instances[i]!;
      const offset = i * this.featureCount;
      for (const field of this.fields) {
        if (field.kind === "number") {
          const value = record[field.name] as number;
          rows[offset + field.column] = value;
          numbers[field.slot * count + i] = value;
        } else {
          rows[offset + field.columns.get(record[field.name] as string)!] = 1;
        }
      }
    }
    return { count, rows, numbers };
  }

  private describe(error: ErrorObject): ClientError {
    const at = fieldPath(error.instancePath);
    const fail = (field: string | null, message: string) => new ClientError(400, `${field ?? "request body"}: ${message}`, field);
    const { params, data } = error;
    switch (error.keyword) {
      case "required": {
        return fail(keyPath(at, params.missingProperty as string), "is required");
      }
      case "additionalProperties": {
        const allowed = at ? `allowed: ${this.allowedFields}` : 'the body holds only "instances"';
        return fail(keyPath(at, params.additionalProperty as string), `unknown field; ${allowed}`);
      }
      case "minItems":
      case "maxItems":
        return fail(at, `must hold 1 to ${MAX_INSTANCES} instances, got ${(data as unknown[]).length}`);
      case "minimum":
        return fail(at, `must be >= ${params.limit as number}, got ${data as number}`);
      case "enum":
        return fail(at, `must be one of ${(params.allowedValues as string[]).join(", ")}, got ${JSON.stringify(String(data).slice(0, 32))}`);
      case "type": {
        if (!at) return new ClientError(400, `request body must be a JSON object, got ${typeName(data)}`);
        if (params.type === "number" && typeof data === "number") return fail(at, "must be a finite number");
        const categories = (error.parentSchema as { enum?: string[] } | undefined)?.enum;
        const expected = categories ? `one of ${categories.join(", ")}` : EXPECTED[params.type as string] ?? String(params.type);
        return fail(at, `must be ${expected}, got ${typeName(data)}`);
      }
      default:
        return fail(at || null, `fails the request schema's ${error.keyword} rule`);
    }
  }
}
