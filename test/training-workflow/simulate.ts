// A small Step Functions (JSONPath) interpreter for tests: dotted paths, the intrinsics the training workflow uses
// (States.Format, States.StringToJson), Parameters, ResultSelector, one-level ResultPath and boolean Choice rules.
// Enough to run the workflow's definition state by state with each Task's result supplied by the test, so the data
// one state writes can be checked against what later states read.
import type { StateMachineDefinition } from "../../components/training-workflow/asl";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** The value at a JSONPath `$.a.b` (or `$` itself) inside `doc`; throws if it does not resolve. */
export function valueAtPath(doc: Json, path: string): Json {
  const [, ...keys] = path.split(".");
  let value: Json = doc;
  for (const key of keys) {
    if (value === null || typeof value !== "object" || Array.isArray(value) || !(key in value)) {
      throw new Error(`path ${path} does not resolve`);
    }
    value = value[key];
  }
  return value;
}

/** A path or intrinsic, evaluated against the state's input and the context object. */
export function evaluate(expression: string, input: Json, context: Json): Json {
  const ref = (p: string): Json => (p.startsWith("$$.") ? valueAtPath(context, p.slice(1)) : valueAtPath(input, p));
  const format = /^States\.Format\('([^']*)', (.+)\)$/.exec(expression);
  if (format) {
    const values = format[2].split(", ").map(ref);
    let i = 0;
    return format[1].replace(/\{\}/g, () => String(values[i++]));
  }
  const toJson = /^States\.StringToJson\((.+)\)$/.exec(expression);
  if (toJson) return JSON.parse(ref(toJson[1]) as string) as Json;
  return ref(expression);
}

/** A payload template with its `.$` fields evaluated. */
export function resolveTemplate(template: Json, input: Json, context: Json): Json {
  if (Array.isArray(template)) return template.map((t) => resolveTemplate(t, input, context));
  if (template === null || typeof template !== "object") return template;
  const out: { [k: string]: Json } = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith(".$")) out[key.slice(0, -2)] = evaluate(value as string, input, context);
    else out[key] = resolveTemplate(value, input, context);
  }
  return out;
}

/** What a run did: each Task's resolved Parameters, the state it ended in and its final state data. */
export interface Run {
  readonly end: string;
  readonly parameters: Record<string, Json>;
  readonly output: Json;
}

/**
 * Runs the definition from StartAt on the execution input `input` (default `{}`); `respond(state, parameters)` gives
 * each Task's raw result (for a Lambda task, `{ Payload: ... }`). At most 50 transitions.
 */
export async function simulate(
  definition: StateMachineDefinition,
  respond: (state: string, parameters: Json) => Json | Promise<Json>,
  context: Json,
  input: Json = {},
): Promise<Run> {
  const doc = JSON.parse(JSON.stringify(definition)) as { StartAt: string; States: Record<string, Record<string, Json>> };
  const parameters: Record<string, Json> = {};
  let name = doc.StartAt;
  let data: Json = input;
  for (let step = 0; step < 50; step++) {
    const state = doc.States[name];
    if (state.Type === "Succeed" || state.Type === "Fail") return { end: name, parameters, output: data };
    if (state.Type === "Choice") {
      const choices = state.Choices as { Variable: string; BooleanEquals: boolean; Next: string }[];
      name = choices.find((c) => valueAtPath(data, c.Variable) === c.BooleanEquals)?.Next ?? (state.Default as string);
      continue;
    }
    parameters[name] = resolveTemplate(state.Parameters, data, context);
    const selected = resolveTemplate(state.ResultSelector, await respond(name, parameters[name]), context);
    data = { ...(data as object), [(state.ResultPath as string).slice(2)]: selected };
    name = state.Next as string;
  }
  throw new Error("the run did not end within 50 transitions");
}
