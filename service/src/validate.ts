/**
 * Validation of POST /forecast bodies against the model's input fields, producing the encoded
 * feature vectors in one pass. Every rejection is a ClientError naming the offending field as a
 * path such as `instances[3].height`.
 */
import type { ModelFile } from "./model";

export const MAX_INSTANCES = 1000;

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

export interface ForecastInput {
  /** Number of instances. */
  readonly count: number;
  /** Feature vectors, `count` × the model's feature count, in the model's feature order. */
  readonly rows: Float32Array;
  /** Per number field (RequestValidator.numberFields order): the mean over the instances of the raw value. */
  readonly numberMeans: Float64Array;
}

type Compiled =
  | { kind: "number"; name: string; column: number; minimum: number; slot: number }
  | { kind: "category"; name: string; columns: Map<string, number>; allowed: string };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function keyPath(parent: string, key: string): string {
  const shown = key.length > 64 ? `${key.slice(0, 64)}…` : key;
  return IDENTIFIER.test(shown) ? `${parent}${parent ? "." : ""}${shown}` : `${parent}[${JSON.stringify(shown)}]`;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

export class RequestValidator {
  /** Names of the model's number fields, in input-field order. */
  readonly numberFields: readonly string[];
  private readonly fields: readonly Compiled[];
  private readonly featureCount: number;
  private readonly allowedFields: string;

  constructor(model: ModelFile) {
    const column = new Map(model.features.map((f, i) => [f, i]));
    const numbers: string[] = [];
    this.fields = model.input_fields.map((field): Compiled => {
      if (field.type === "number") {
        numbers.push(field.name);
        const minimum = field.minimum ?? -Infinity;
        return { kind: "number", name: field.name, column: column.get(field.name)!, minimum, slot: numbers.length - 1 };
      }
      const columns = model.encoding[field.name]!.columns;
      return {
        kind: "category",
        name: field.name,
        columns: new Map(field.categories.map((c) => [c, column.get(columns[c]!)!])),
        allowed: field.categories.join(", "),
      };
    });
    this.numberFields = numbers;
    this.featureCount = model.features.length;
    this.allowedFields = model.input_fields.map((f) => f.name).join(", ");
  }

  /** Validates a parsed JSON body `{"instances": [...]}`; throws ClientError (400) on any problem. */
  validate(body: unknown): ForecastInput {
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new ClientError(400, `request body must be a JSON object, got ${typeName(body)}`);
    }
    for (const key in body) {
      if (key !== "instances") {
        throw new ClientError(400, `${keyPath("", key)}: unknown field; the body holds only "instances"`, keyPath("", key));
      }
    }
    const instances = (body as { instances?: unknown }).instances;
    if (instances === undefined) throw new ClientError(400, "instances: is required", "instances");
    if (!Array.isArray(instances)) {
      throw new ClientError(400, `instances: must be an array, got ${typeName(instances)}`, "instances");
    }
    const count = instances.length;
    if (count < 1 || count > MAX_INSTANCES) {
      throw new ClientError(400, `instances: must hold 1 to ${MAX_INSTANCES} instances, got ${count}`, "instances");
    }
    const rows = new Float32Array(count * this.featureCount);
    const sums = new Float64Array(this.numberFields.length);
    for (let i = 0; i < count; i++) this.encode(instances[i], i, rows, sums);
    for (let s = 0; s < sums.length; s++) sums[s]! /= count;
    return { count, rows, numberMeans: sums };
  }

  private encode(instance: unknown, index: number, rows: Float32Array, sums: Float64Array): void {
    if (typeof instance !== "object" || instance === null || Array.isArray(instance)) {
      const at = `instances[${index}]`;
      throw new ClientError(400, `${at}: must be an object, got ${typeName(instance)}`, at);
    }
    const record = instance as Record<string, unknown>;
    const offset = index * this.featureCount;
    for (const field of this.fields) {
      const value = record[field.name];
      if (field.kind === "number") {
        if (typeof value !== "number" || !(value >= field.minimum) || !Number.isFinite(value)) {
          this.rejectNumber(record, index, field, value);
        }
        rows[offset + field.column] = value as number;
        sums[field.slot]! += value as number;
      } else {
        const column = typeof value === "string" ? field.columns.get(value) : undefined;
        if (column === undefined) this.rejectCategory(record, index, field, value);
        rows[offset + column!] = 1;
      }
    }
    let keys = 0;
    for (const _ in record) keys++;
    if (keys !== this.fields.length) {
      const unknown = Object.keys(record).find((k) => !this.fields.some((f) => f.name === k))!;
      const at = keyPath(`instances[${index}]`, unknown);
      throw new ClientError(400, `${at}: unknown field; allowed: ${this.allowedFields}`, at);
    }
  }

  private missingOrType(record: Record<string, unknown>, name: string, at: string, expected: string, value: unknown): never {
    if (value === undefined || !Object.prototype.hasOwnProperty.call(record, name)) {
      throw new ClientError(400, `${at}: is required`, at);
    }
    throw new ClientError(400, `${at}: must be ${expected}, got ${typeName(value)}`, at);
  }

  private rejectNumber(record: Record<string, unknown>, index: number, field: { name: string; minimum: number }, value: unknown): never {
    const at = `instances[${index}].${field.name}`;
    if (typeof value !== "number") this.missingOrType(record, field.name, at, "a number", value);
    if (!Number.isFinite(value)) throw new ClientError(400, `${at}: must be a finite number`, at);
    throw new ClientError(400, `${at}: must be >= ${field.minimum}, got ${value}`, at);
  }

  private rejectCategory(record: Record<string, unknown>, index: number, field: { name: string; allowed: string }, value: unknown): never {
    const at = `instances[${index}].${field.name}`;
    if (typeof value !== "string") this.missingOrType(record, field.name, at, `one of ${field.allowed}`, value);
    throw new ClientError(400, `${at}: must be one of ${field.allowed}, got ${JSON.stringify((value as string).slice(0, 32))}`, at);
  }
}
