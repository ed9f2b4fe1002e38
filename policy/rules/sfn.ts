/**
 * Step Functions rules: executions are logged and traced, and every Task state handles its own
 * failures. The definition arrives as a JSON string (Amazon States Language); Task states are
 * found at any depth: inside Parallel branches and inside Map iterators (Iterator or ItemProcessor).
 */
import { ALWAYS_MANDATORY, type ResourceRule } from "./types";
import { asList, get, isObject, isUnknown, readDocument, str } from "./util";

const STATE_MACHINE_TYPES = ["aws:sfn/stateMachine:StateMachine"];
/** Log levels that record failures. */
export const SFN_LOG_LEVELS = ["ALL", "ERROR", "FATAL"];

export const sfnLogging: ResourceRule = {
  kind: "resource",
  name: "sfn-logging",
  description: "State machines log executions: loggingConfiguration.level is ALL, ERROR or FATAL (not OFF) with a logDestination.",
  mapsTo: {
    none:
      "Checkov's CKV_AWS_285 asks for includeExecutionData (execution input and output in the logs), which prod turns " +
      "off on purpose; no public check looks at the log level",
  },
  severity: ALWAYS_MANDATORY,
  awsDefaults: [
    {
      setting: "loggingConfiguration.level",
      whenAbsent: "OFF: no execution history is sent to CloudWatch Logs",
      compliant: false,
      source: "https://docs.aws.amazon.com/step-functions/latest/apireference/API_LoggingConfiguration.html",
    },
  ],
  resourceTypes: STATE_MACHINE_TYPES,
  checkResource: (r) => {
    const logging = r.inputs.loggingConfiguration;
    if (isUnknown(logging)) return [];
    const level = get(logging, "level");
    const destination = get(logging, "logDestination");
    const messages: string[] = [];
    if (!isUnknown(level) && !(typeof level === "string" && SFN_LOG_LEVELS.includes(level))) {
      messages.push(`state machine "${r.name}" has logging level ${level === undefined ? "unset (OFF)" : JSON.stringify(level)}: use ALL, ERROR or FATAL`);
    }
    if (!isUnknown(destination) && !str(destination)) messages.push(`state machine "${r.name}" has no loggingConfiguration.logDestination`);
    return messages;
  },
};

export const sfnTracing: ResourceRule = {
  kind: "resource",
  name: "sfn-tracing",
  description: "State machines trace executions with X-Ray (tracingConfiguration.enabled true).",
  mapsTo: { checkov: ["CKV_AWS_284"] },
  severity: ALWAYS_MANDATORY,
  awsDefaults: [
    {
      setting: "tracingConfiguration.enabled",
      whenAbsent: "false: executions are not traced with X-Ray",
      compliant: false,
      source: "https://docs.aws.amazon.com/step-functions/latest/apireference/API_TracingConfiguration.html",
    },
  ],
  resourceTypes: STATE_MACHINE_TYPES,
  checkResource: (r) => {
    const enabled = get(r.inputs, "tracingConfiguration", "enabled");
    if (isUnknown(enabled) || enabled === true) return [];
    return [`state machine "${r.name}" is not traced: set tracingConfiguration.enabled to true`];
  },
};

/** Task states of a definition that lack a Retry or a Catch, as "<path>: no Retry" messages. */
export function unguardedTasks(definition: unknown): string[] {
  const problems: string[] = [];
  const walk = (machine: unknown, path: string) => {
    const states = get(machine, "States");
    if (!isObject(states)) {
      problems.push(`${path || "definition"} has no States`);
      return;
    }
    for (const [name, state] of Object.entries(states)) {
      const at = path ? `${path}.${name}` : name;
      if (!isObject(state)) continue;
      if (state.Type === "Task") {
        const missing = ["Retry", "Catch"].filter((k) => asList(state[k]).length === 0);
        if (missing.length > 0) problems.push(`Task state ${at} has no ${missing.join(" and no ")}`);
      } else if (state.Type === "Parallel") {
        asList(state.Branches).forEach((branch, i) => walk(branch, `${at}.Branches[${i}]`));
      } else if (state.Type === "Map") {
        if (state.ItemProcessor !== undefined) walk(state.ItemProcessor, `${at}.ItemProcessor`);
        if (state.Iterator !== undefined) walk(state.Iterator, `${at}.Iterator`);
      }
    }
  };
  walk(definition, "");
  return problems;
}

export const sfnTaskRetryCatch: ResourceRule = {
  kind: "resource",
  name: "sfn-task-retry-catch",
  description:
    "Every Task state of a state machine, including those inside Parallel branches and Map iterators, has a Retry " +
    "(transient errors are retried) and a Catch (a failure ends in a handled state, not an aborted execution).",
  mapsTo: { none: "Checkov and Trivy do not parse Amazon States Language definitions" },
  severity: ALWAYS_MANDATORY,
  resourceTypes: STATE_MACHINE_TYPES,
  checkResource: (r) => {
    const read = readDocument(r.inputs.definition, `definition of state machine "${r.name}"`);
    if (isUnknown(read)) return [];
    if ("error" in read) return [read.error];
    return unguardedTasks(read.doc).map((p) => `state machine "${r.name}": ${p}`);
  },
};

export const SFN_RULES = [sfnLogging, sfnTracing, sfnTaskRetryCatch];
