// Every bound of the stack config at its edges, generated from the schemas themselves (components/<name>/args.ts,
// composed by components/config.ts), not from a hand-kept list: for each number range min−1, min, max, max+1 (a
// step of 1 for integers, 0.01 otherwise, and the bound itself where it is exclusive), for each enum and literal
// union every allowed value and one that is not. A value outside gives the one-line `config error:` naming its key;
// a value inside is never refused for its range. (Whether a bound is AWS's is asserted by each component's own
// args tests, which state the AWS limit independently.)
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { ConfigError, parseStackSettings, stackSchema } from "../../components/config";

type Bound =
  | { kind: "number"; path: string[]; min?: number; minInclusive: boolean; max?: number; maxInclusive: boolean; int: boolean }
  | { kind: "values"; path: string[]; values: readonly (string | number)[] };

type Def = { type: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType>; entries?: Record<string, string | number>; options?: z.ZodType[]; values?: unknown[]; checks?: z.ZodType[]; in?: z.ZodType };
const def = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Walks a schema and collects the bounds of its leaves (arrays and records are passed over: their items are checked by their own tests). */
function bounds(schema: z.ZodType, path: string[] = []): Bound[] {
  const d = def(schema);
  switch (d.type) {
    case "default":
    case "prefault":
    case "optional":
    case "nullable":
      return bounds(d.innerType!, path);
    case "pipe":
      return bounds(d.in!, path);
    case "object":
      return Object.entries(d.shape!).flatMap(([key, child]) => bounds(child, [...path, key]));
    case "enum":
      return [{ kind: "values", path, values: Object.values(d.entries!) }];
    case "union": {
      const literals = d.options!.map((o) => def(o));
      return literals.every((l) => l.type === "literal") ? [{ kind: "values", path, values: literals.flatMap((l) => l.values as (string | number)[]) }] : [];
    }
    case "number": {
      const b: Bound = { kind: "number", path, minInclusive: true, maxInclusive: true, int: false };
      for (const c of d.checks ?? []) {
        const cd = def(c) as Def & { check?: string; value?: number; inclusive?: boolean; format?: string };
        if (cd.check === "greater_than") Object.assign(b, { min: cd.value, minInclusive: cd.inclusive });
        if (cd.check === "less_than") Object.assign(b, { max: cd.value, maxInclusive: cd.inclusive });
        if (cd.check === "number_format" && (cd.format === "safeint" || cd.format === "int32")) b.int = true;
      }
      return b.min === undefined && b.max === undefined ? [] : [b];
    }
    default:
      return [];
  }
}

/** A valid value of a required leaf, for the siblings a value under test needs beside it (undefined: none known). */
function sample(schema: z.ZodType): unknown {
  const b = bounds(schema);
  const d = def(schema);
  if (d.type === "default" || d.type === "prefault" || d.type === "optional") return undefined;
  if (b.length === 1 && b[0].kind === "values") return b[0].values[0];
  if (b.length === 1 && b[0].kind === "number") return b[0].minInclusive ? b[0].min : (b[0].min ?? 0) + (b[0].int ? 1 : 0.1);
  return d.type === "boolean" ? false : undefined;
}

/**
 * A stack config with `value` at `path`: an otherwise empty staging stack (every other key defaulted), where each
 * object on the way also holds a valid value for each of its required siblings.
 */
function withValue(path: string[], value: unknown): Record<string, unknown> {
  const root: Record<string, unknown> = { environment: "staging" };
  let cur = root;
  let schema = stackSchema as unknown as z.ZodType;
  for (const k of path.slice(0, -1)) {
    schema = unwrap(schema);
    const child = unwrap(def(schema).shape![k]);
    const obj: Record<string, unknown> = {};
    for (const [sibling, s] of Object.entries(def(child).shape ?? {})) {
      const v = sample(s);
      if (v !== undefined) obj[sibling] = v;
    }
    cur = (cur[k] = obj) as Record<string, unknown>;
    schema = child;
  }
  cur[path[path.length - 1]] = value;
  return root;
}

function unwrap(schema: z.ZodType): z.ZodType {
  const d = def(schema);
  return ["default", "prefault", "optional", "nullable"].includes(d.type) ? unwrap(d.innerType!) : d.type === "pipe" ? unwrap(d.in!) : schema;
}

function outcome(path: string[], value: unknown): ConfigError | undefined {
  try {
    parseStackSettings(withValue(path, value));
    return undefined;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e;
  }
}

const ALL = bounds(stackSchema as unknown as z.ZodType).filter((b) => b.path[0] !== "environment");
const key = (b: Bound) => `edge-mlops:${b.path.join(".")}`;
/** True when `e` refuses the value at `b`'s key for being outside `bound` (describeIssue's wording), not for a cross-field rule. */
const refusedForRange = (e: ConfigError | undefined, b: Bound, bound?: number) =>
  e !== undefined && e.key === key(b) && (bound === undefined ? /must be one of/.test(e.problem) : new RegExp(`must be (>=|>|<=|<) ${bound}(,|$)`).test(e.problem));

describe("the generator finds the config's bounds", () => {
  it("covers every section and known fields", () => {
    const paths = ALL.map((b) => b.path.join("."));
    for (const p of ["airflow.maxWorkers", "airflow.minWorkers", "inference.desiredCount", "network.availabilityZones", "training.maxRuntimeSeconds", "observability.alarms.periodSeconds", "edgeFleet.deployment.abort.failureThresholdPercentage"]) {
      expect(paths).toContain(p);
    }
    expect(ALL.length).toBeGreaterThan(40);
  });
});

describe.each(ALL.filter((b): b is Extract<Bound, { kind: "number" }> => b.kind === "number").map((b) => [key(b), b] as const))("%s", (_, b) => {
  const step = b.int ? 1 : 0.01;
  if (b.min !== undefined) {
    const min = b.minInclusive ? b.min : b.min + step;
    it(`accepts its minimum ${min}`, () => {
      const e = outcome(b.path, min);
      expect(refusedForRange(e, b, b.min) ? e?.message : undefined).toBeUndefined();
    });
    const below = b.minInclusive ? b.min - step : b.min;
    it(`refuses ${below} with one line naming the key`, () => {
      const e = outcome(b.path, below);
      expect(e?.key).toBe(key(b));
      expect(e?.message).toMatch(new RegExp(`^config error: ${key(b).replace(/\./g, "\\.")}: must be >=? ?${b.min}`));
      expect(e?.message.split("\n")).toHaveLength(1);
    });
  }
  if (b.max !== undefined) {
    const max = b.maxInclusive ? b.max : b.max - step;
    it(`accepts its maximum ${max}`, () => {
      const e = outcome(b.path, max);
      expect(refusedForRange(e, b, b.max) ? e?.message : undefined).toBeUndefined();
    });
    const above = b.maxInclusive ? b.max + step : b.max;
    it(`refuses ${above} with one line naming the key`, () => {
      const e = outcome(b.path, above);
      expect(e?.key).toBe(key(b));
      expect(e?.message).toMatch(new RegExp(`^config error: ${key(b).replace(/\./g, "\\.")}: must be <=? ?${b.max}`));
      expect(e?.message.split("\n")).toHaveLength(1);
    });
  }
  if (b.int) {
    it("refuses a fraction", () => {
      const e = outcome(b.path, (b.min ?? 0) + 0.5);
      expect(e?.key).toBe(key(b));
    });
  }
});

describe.each(ALL.filter((b): b is Extract<Bound, { kind: "values" }> => b.kind === "values").map((b) => [key(b), b] as const))("%s", (_, b) => {
  it.each(b.values.map((v) => [v]))("accepts %j", (v) => {
    const e = outcome(b.path, v);
    expect(refusedForRange(e, b) ? e?.message : undefined).toBeUndefined();
  });
  it("refuses a value outside the set with one line naming the key and listing what is allowed", () => {
    const bad = typeof b.values[0] === "number" ? Math.max(...(b.values as number[])) + 1 : `${String(b.values[0])}-not-allowed`;
    const e = outcome(b.path, bad);
    expect(e?.key).toBe(key(b));
    for (const v of b.values) expect(e?.message).toContain(String(v));
    expect(e?.message.split("\n")).toHaveLength(1);
  });
});
