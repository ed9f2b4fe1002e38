// A small Step Functions (JSONPath) interpreter for the release workflow's tests, in the style of
// test/training-workflow/simulate.ts and extended with what this definition uses: Parallel branches, Wait and Pass
// states, Choice rules on booleans and strings, Catch (a Task whose `respond` throws an error with a name), Fail
// states with a fixed or path error, Succeed's OutputPath, `$[n]` in paths and the States.Format intrinsic. Each
// Task's raw result comes from the test's `respond(state, resource, parameters)`; retries are not simulated.
import type { Branch } from "../../components/release-workflow/asl";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** An error a Task raised, as Step Functions sees it: its name is the error type. */
export class TaskError extends Error {
  constructor(
    readonly error: string,
    readonly cause: string,
  ) {
    super(`${error}: ${cause}`);
  }
}

/** The value at a JSONPath (`$`, `$.a.b`, `$[0].c`) inside `doc`; throws if it does not resolve. */
export function valueAtPath(doc: Json, path: string): Json {
  if (!path.startsWith("$")) throw new Error(`not a path: ${path}`);
  const keys = [...path.slice(1).matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)].map((m) => m[1] ?? Number(m[2]));
  let value: Json = doc;
  for (const key of keys) {
    const next: Json | undefined = value !== null && typeof value === "object" ? (value as Record<string | number, Json>)[key] : undefined;
    if (next === undefined) throw new Error(`path ${path} does not resolve`);
    value = next;
  }
  return value;
}

function evaluate(expression: string, input: Json, context: Json): Json {
  const ref = (p: string): Json => (p.startsWith("$$.") ? valueAtPath(context, p.slice(1)) : valueAtPath(input, p));
  const format = /^States\.Format\('([^']*)', (.+)\)$/.exec(expression);
  if (format) {
    const values = format[2].split(", ").map(ref);
    let i = 0;
    return format[1].replace(/\{\}/g, () => {
      const v = values[i++];
      return typeof v === "string" ? v : JSON.stringify(v);
    });
  }
  return ref(expression);
}

function resolveTemplate(template: Json | undefined, input: Json, context: Json): Json {
  if (template === undefined) return input;
  if (Array.isArray(template)) return template.map((t) => resolveTemplate(t, input, context));
  if (template === null || typeof template !== "object") return template;
  const out: { [k: string]: Json } = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith(".$")) out[key.slice(0, -2)] = evaluate(value as string, input, context);
    else out[key] = resolveTemplate(value, input, context);
  }
  return out;
}

function withResult(data: Json, resultPath: string, result: Json): Json {
  if (resultPath === "$") return result;
  return { ...(data as object), [resultPath.slice(2)]: result };
}

/** One Task as it ran: where (`Branch/State` inside a Parallel), what and with which resolved Parameters. */
export interface TaskCall {
  readonly state: string;
  readonly resource: string;
  readonly parameters: Json;
}

export interface Run {
  /** The state the run ended in (Succeed or Fail). */
  readonly end: string;
  readonly output: Json;
  /** For a Fail end: its error and cause. */
  readonly error?: { readonly Error: string; readonly Cause: string };
  /** The states entered, in order (Parallel branches run one after the other, prefixed with the Parallel's name). */
  readonly path: string[];
  readonly tasks: TaskCall[];
}

export type Respond = (state: string, resource: string, parameters: Json) => Json | Promise<Json>;

type RawState = Record<string, Json>;

/** Runs `branch` from its StartAt with `input`; at most 200 transitions. */
export async function simulate(branch: Branch, input: Json, respond: Respond, context: Json = {}, prefix = ""): Promise<Run> {
  const doc = JSON.parse(JSON.stringify(branch)) as { StartAt: string; States: Record<string, RawState> };
  const path: string[] = [];
  const tasks: TaskCall[] = [];
  let name = doc.StartAt;
  let data = input;
  const caught = (state: RawState, error: TaskError): string | undefined => {
    const catcher = ((state.Catch ?? []) as { ErrorEquals: string[]; ResultPath: string; Next: string }[]).find(
      (c) => c.ErrorEquals.includes("States.ALL") || c.ErrorEquals.includes(error.error),
    );
    if (!catcher) throw error;
    data = withResult(data, catcher.ResultPath, { Error: error.error, Cause: error.cause });
    return catcher.Next;
  };
  for (let step = 0; step < 200; step++) {
    const state = doc.States[name];
    if (!state) throw new Error(`no state ${name}`);
    path.push(`${prefix}${name}`);
    const ctx = { ...(context as object), State: { Name: name, EnteredTime: "2026-12-01T01:00:00.000Z" } };
    switch (state.Type) {
      case "Succeed":
        return { end: name, output: state.OutputPath ? valueAtPath(data, state.OutputPath as string) : data, path, tasks };
      case "Fail": {
        const error = {
          Error: (state.Error as string | undefined) ?? (valueAtPath(data, state.ErrorPath as string) as string),
          Cause: valueAtPath(data, state.CausePath as string) as string,
        };
        return { end: name, output: data, error, path, tasks };
      }
      case "Choice": {
        const rules = state.Choices as { Variable: string; BooleanEquals?: boolean; StringEquals?: string; Next: string }[];
        const hit = rules.find((r) => {
          const value = valueAtPath(data, r.Variable);
          return "BooleanEquals" in r ? value === r.BooleanEquals : value === r.StringEquals;
        });
        name = hit?.Next ?? (state.Default as string);
        continue;
      }
      case "Wait":
        name = state.Next as string;
        continue;
      case "Pass":
        data = withResult(data, state.ResultPath as string, resolveTemplate(state.Parameters, data, ctx));
        name = state.Next as string;
        continue;
      case "Parallel": {
        const outputs: Json[] = [];
        let failure: TaskError | undefined;
        for (const b of state.Branches as unknown as Branch[]) {
          const run = await simulate(b, data, respond, context, `${prefix}${name}/`);
          path.push(...run.path);
          tasks.push(...run.tasks);
          if (run.error) {
            failure ??= new TaskError(run.error.Error, run.error.Cause);
          }
          outputs.push(run.output);
        }
        if (failure) {
          name = caught(state, failure)!;
          continue;
        }
        data = withResult(data, state.ResultPath as string, resolveTemplate(state.ResultSelector, outputs, ctx));
        name = state.Next as string;
        continue;
      }
      case "Task": {
        const parameters = resolveTemplate(state.Parameters, data, ctx);
        tasks.push({ state: `${prefix}${name}`, resource: state.Resource as string, parameters });
        try {
          const result = await respond(name, state.Resource as string, parameters);
          data = withResult(data, state.ResultPath as string, resolveTemplate(state.ResultSelector, result, ctx));
          name = state.Next as string;
        } catch (err) {
          if (!(err instanceof TaskError)) throw err;
          name = caught(state, err)!;
        }
        continue;
      }
      default:
        throw new Error(`state type ${String(state.Type)} is not simulated`);
    }
  }
  throw new Error("the run did not end within 200 transitions");
}
