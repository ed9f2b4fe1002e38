/**
 * Amazon States Language (JSONPath) as types: the subset the training workflow uses, typed Lambda payloads built
 * against the event types of contracts/training-payloads.ts, and inspection helpers that policy checks also run on a
 * parsed definition. Pure: no Pulumi, no AWS calls.
 */

// ---- the language ---------------------------------------------------------------------------------------------------

/** A Parameters / ResultSelector payload template: keys ending in `.$` hold paths or intrinsics. */
export interface PayloadTemplate {
  readonly [key: string]: PayloadValue;
}
export type PayloadValue = string | number | boolean | null | readonly PayloadValue[] | PayloadTemplate;

export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds: number;
  readonly MaxAttempts: number;
  readonly BackoffRate: number;
  readonly MaxDelaySeconds: number;
  readonly JitterStrategy: "FULL" | "NONE";
}

export interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly ResultPath: string;
  readonly Next: string;
}

export interface TaskState {
  readonly Type: "Task";
  readonly Comment?: string;
  readonly Resource: string;
  readonly Parameters: PayloadTemplate;
  readonly ResultSelector?: PayloadTemplate;
  readonly ResultPath: string;
  readonly TimeoutSeconds: number;
  readonly Retry: readonly Retrier[];
  readonly Catch: readonly Catcher[];
  readonly Next: string;
}

export interface ChoiceState {
  readonly Type: "Choice";
  readonly Comment?: string;
  readonly Choices: readonly { readonly Variable: string; readonly BooleanEquals: boolean; readonly Next: string }[];
  readonly Default: string;
}

export interface SucceedState {
  readonly Type: "Succeed";
  readonly Comment?: string;
}

export interface FailState {
  readonly Type: "Fail";
  readonly Comment?: string;
  readonly ErrorPath: string;
  readonly CausePath: string;
}

export type State = TaskState | ChoiceState | SucceedState | FailState;

export interface StateMachineDefinition {
  readonly Comment: string;
  readonly StartAt: string;
  readonly States: Readonly<Record<string, State>>;
}

// ---- typed payloads -------------------------------------------------------------------------------------------------

/** A field taken from the execution's state or context when the state runs: a JSONPath or an intrinsic function. */
export class FromPath {
  constructor(public readonly path: string) {}
}

/** `$.a.b`, `$$.Execution.Name` or `States.Format(...)`, evaluated by Step Functions. */
export const fromPath = (path: string): FromPath => new FromPath(path);

/** Every field of the event type E (optional ones too), each a fixed value or a FromPath; objects field by field. */
export type PayloadFields<E> = {
  readonly [K in keyof E]-?: FromPath | (Exclude<E[K], undefined> extends object ? PayloadFields<Exclude<E[K], undefined>> : Exclude<E[K], undefined>);
};

/** The Payload template of an event of type E, in the order the fields are given: `{ a: fromPath("$.x") }` → `{ "a.$": "$.x" }`. */
export function payload<E>(fields: PayloadFields<E>): PayloadTemplate {
  const out: Record<string, PayloadValue> = {};
  for (const [key, value] of Object.entries(fields as Record<string, unknown>)) {
    if (value instanceof FromPath) out[`${key}.$`] = value.path;
    else if (value !== null && typeof value === "object") out[key] = payload(value);
    else out[key] = value as PayloadValue;
  }
  return out;
}

/** A ResultSelector keeping `fields` of a Lambda invocation's Payload, in that order. */
export function selectPayloadFields(fields: readonly string[]): PayloadTemplate {
  return Object.fromEntries(fields.map((f) => [`${f}.$`, `$.Payload.${f}`]));
}

// ---- inspection (also for policy checks on a parsed definition) -----------------------------------------------------

/** Upper bound for MaxAttempts of any retrier. */
export const MAX_RETRY_ATTEMPTS = 6;

/** A state found by walking a definition; `path` names nested states as `Outer/Inner`. */
export interface FoundTask {
  readonly path: string;
  readonly state: Readonly<Record<string, unknown>>;
}

function statesOf(container: unknown): Record<string, unknown> | undefined {
  if (container === null || typeof container !== "object") return undefined;
  const states = (container as { States?: unknown }).States;
  return states !== null && typeof states === "object" ? (states as Record<string, unknown>) : undefined;
}

/**
 * Every Task state of a definition (an object or its JSON text), including those nested in
 * Parallel branches and Map processors, in definition order.
 */
export function listTaskStates(definition: unknown): FoundTask[] {
  const root = typeof definition === "string" ? (JSON.parse(definition) as unknown) : definition;
  const found: FoundTask[] = [];
  const walk = (container: unknown, prefix: string) => {
    for (const [name, raw] of Object.entries(statesOf(container) ?? {})) {
      if (raw === null || typeof raw !== "object") continue;
      const state = raw as Record<string, unknown>;
      const path = prefix === "" ? name : `${prefix}/${name}`;
      if (state.Type === "Task") found.push({ path, state });
      for (const branch of Array.isArray(state.Branches) ? state.Branches : []) walk(branch, path);
      if (state.ItemProcessor !== undefined) walk(state.ItemProcessor, path);
      if (state.Iterator !== undefined) walk(state.Iterator, path);
    }
  };
  walk(root, "");
  return found;
}

const isAttempts = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= MAX_RETRY_ATTEMPTS;

/**
 * Task states that lack a Retry with at least one bounded retrier (MaxAttempts 1-6) or a Catch;
 * each entry is `<path>: <what is missing>`. Empty when every Task is covered.
 */
export function tasksWithoutRetryOrCatch(definition: unknown): string[] {
  const problems: string[] = [];
  for (const { path, state } of listTaskStates(definition)) {
    const retry = Array.isArray(state.Retry) ? (state.Retry as Record<string, unknown>[]) : [];
    if (retry.length === 0) problems.push(`${path}: no Retry`);
    else if (!retry.every((r) => isAttempts(r.MaxAttempts))) problems.push(`${path}: a retrier without MaxAttempts from 1 to ${MAX_RETRY_ATTEMPTS}`);
    if (!Array.isArray(state.Catch) || state.Catch.length === 0) problems.push(`${path}: no Catch`);
  }
  return problems;
}
