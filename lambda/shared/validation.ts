/**
 * Event and environment validation shared by the training Lambdas.
 *
 * Every handler parses its event and its environment before any AWS call; a bad value throws an
 * error whose `name` Step Functions sees as the error type (`InvalidEvent` or
 * `InvalidConfiguration`, neither of which the state machine retries) and whose message names each
 * field at fault. `zod/mini` keeps the bundles small; its issues carry no English text, so
 * `describeIssue` words them.
 */
import * as z from "zod/mini";

/** The event a handler was invoked with does not have the documented shape. */
export class InvalidEvent extends Error {
  override readonly name = "InvalidEvent";
}

/** The function's environment variables are missing or malformed (a deployment error). */
export class InvalidConfiguration extends Error {
  override readonly name = "InvalidConfiguration";
}

export { ECR_IMAGE, S3_URI, SAGEMAKER_NAME } from "../../contracts/patterns";

type Issue = z.core.$ZodIssue;

/** A received value as shown in messages: JSON, `NaN`/`Infinity` for such numbers, `nothing` when absent. */
function shown(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return JSON.stringify(value) ?? typeof value;
}

/** One issue in words, e.g. `expected string, got nothing`. */
export function describeIssue(issue: Issue, value: unknown): string {
  switch (issue.code) {
    case "invalid_type":
      return `expected ${issue.expected}, got ${shown(value)}`;
    case "too_small":
      return issue.origin === "string"
        ? `must be at least ${String(issue.minimum)} character(s) long`
        : `must be ${issue.inclusive ? ">=" : ">"} ${String(issue.minimum)}`;
    case "too_big":
      return issue.origin === "string"
        ? `must be at most ${String(issue.maximum)} characters long`
        : `must be ${issue.inclusive ? "<=" : "<"} ${String(issue.maximum)}`;
    case "invalid_format":
      return `${shown(value)} does not match ${"pattern" in issue ? String(issue.pattern) : issue.format}`;
    case "invalid_value":
      return `must be one of ${issue.values.map(shown).join(", ")}, got ${shown(value)}`;
    case "unrecognized_keys":
      return `unknown field(s) ${issue.keys.join(", ")}`;
    default:
      return issue.message;
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function problems(issues: readonly Issue[], root: unknown, prefix: string): string {
  return issues
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].join(".");
      return `${path}: ${describeIssue(issue, valueAt(root, issue.path))}`;
    })
    .join("; ");
}

/** Parse a handler's event; throws InvalidEvent naming every bad field (`event.<field>: <problem>`). */
export function parseEvent<S extends z.ZodMiniType>(schema: S, event: unknown): z.output<S> {
  const result = schema.safeParse(event);
  if (!result.success) throw new InvalidEvent(`invalid event: ${problems(result.error.issues, event, "event")}`);
  return result.data as z.output<S>;
}

/** Parse the environment; throws InvalidConfiguration naming every bad variable. */
export function parseEnv<S extends z.ZodMiniType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new InvalidConfiguration(`invalid environment: ${problems(result.error.issues, env, "env")}`);
  }
  return result.data as z.output<S>;
}

/** A finite number >= 0 (metrics such as RMSE). */
export const nonNegative = () => z.number().check(z.gte(0));

/** A decimal string holding a finite number > 0, as environment variables carry numbers. */
export const positiveDecimal = () =>
  z.string().check(z.regex(/^(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/), z.refine((s) => Number(s) > 0, "must be > 0"));
