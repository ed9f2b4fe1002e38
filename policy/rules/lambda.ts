/** Lambda rules: traced, bounded in concurrency where the account allows (advisory), and logging to a group that expires its logs. */
import { ALWAYS_ADVISORY, ALWAYS_MANDATORY, type CheckedResource, type ResourceRule, type StackFinding, type StackRule } from "./types";
import { get, isUnknown, ofTypes, physicalName, str } from "./util";

const FUNCTION_TYPES = ["aws:lambda/function:Function"];
export const LOG_GROUP_TYPES = ["aws:cloudwatch/logGroup:LogGroup"];

export const lambdaTracing: ResourceRule = {
  kind: "resource",
  name: "lambda-tracing",
  description: "Lambda functions trace every invocation with X-Ray (tracingConfig.mode Active).",
  mapsTo: { checkov: ["CKV_AWS_50"], trivy: ["AVD-AWS-0066"] },
  severity: ALWAYS_MANDATORY,
  awsDefaults: [
    {
      setting: "tracingConfig.mode",
      whenAbsent: "PassThrough: the function traces only requests that arrive already sampled",
      compliant: false,
      source: "https://docs.aws.amazon.com/lambda/latest/api/API_TracingConfig.html",
    },
  ],
  resourceTypes: FUNCTION_TYPES,
  checkResource: (r) => {
    const mode = get(r.inputs, "tracingConfig", "mode");
    if (isUnknown(mode) || mode === "Active") return [];
    return [`function "${r.name}" has tracing ${mode === undefined ? "off" : JSON.stringify(mode)}: set tracingConfig.mode to "Active"`];
  },
};

export const lambdaReservedConcurrency: ResourceRule = {
  kind: "resource",
  name: "lambda-reserved-concurrency",
  description:
    "Lambda functions may reserve (and so cap) their concurrency: reservedConcurrentExecutions, when set, is a whole " +
    "number of at least 1 (0 disables the function, an operational switch, not a deployed configuration). Advisory: " +
    "a reservation must leave the account's UnreservedConcurrentExecutions at 10 or more, so in a new account whose " +
    "concurrency quota is 10 every reservation fails; unset (unreserved) is the components' default.",
  mapsTo: { checkov: ["CKV_AWS_115"] },
  severity: ALWAYS_ADVISORY,
  awsDefaults: [
    {
      setting: "reservedConcurrentExecutions",
      whenAbsent: "unreserved: the function draws on, and can exhaust, the account's shared concurrency pool",
      compliant: false,
      source: "https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html",
    },
  ],
  resourceTypes: FUNCTION_TYPES,
  checkResource: (r) => {
    const reserved = r.inputs.reservedConcurrentExecutions;
    if (isUnknown(reserved) || (typeof reserved === "number" && Number.isInteger(reserved) && reserved >= 1)) return [];
    const current = reserved === undefined ? "unset" : JSON.stringify(reserved);
    return [`function "${r.name}" has reservedConcurrentExecutions ${current}: reserve a whole number of at least 1 where the account's quota leaves room`];
  },
};

export const lambdaLogRetention: StackRule = {
  kind: "stack",
  subjectTypes: FUNCTION_TYPES,
  name: "lambda-log-retention",
  description:
    "Every Lambda function logs to a log group this stack manages with a retention: the group named by " +
    "loggingConfig.logGroup, or else /aws/lambda/<function name>. Lambda otherwise creates that group itself, " +
    "outside the stack, and keeps its logs forever.",
  mapsTo: { checkov: ["CKV_AWS_66"] },
  severity: ALWAYS_MANDATORY,
  awsDefaults: [
    {
      setting: "loggingConfig.logGroup",
      whenAbsent: "/aws/lambda/<function name>, which Lambda creates on first invocation, outside the stack, without a retention (logs kept forever)",
      compliant: false,
      source: "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-loggroups.html",
    },
  ],
  checkStack: (resources) => {
    const groups = ofTypes(resources, LOG_GROUP_TYPES);
    // A group whose name is not known yet could be the one a function writes to.
    const someNameUnknown = groups.some((g) => physicalName(g) === undefined);
    const findings: StackFinding[] = [];
    for (const fn of ofTypes(resources, FUNCTION_TYPES)) {
      const configured = get(fn.inputs, "loggingConfig", "logGroup");
      let group: CheckedResource | undefined;
      let target: string | undefined;
      if (isUnknown(configured)) {
        // Unknown in preview: the group it comes from is among the property's dependencies.
        group = groups.find((g) => fn.propertyDependencies?.loggingConfig?.includes(g.urn));
        if (!group) continue;
      } else {
        if (isUnknown(fn.inputs.name)) continue;
        const functionName = physicalName(fn);
        target = str(configured) ?? (functionName && `/aws/lambda/${functionName}`);
        if (!target) continue;
        group = groups.find((g) => physicalName(g) === target);
      }
      if (!group) {
        if (!someNameUnknown) {
          findings.push({ urn: fn.urn, message: `function "${fn.name}" logs to ${target}, which no log group of this stack manages: its logs would never expire` });
        }
        continue;
      }
      const retention = group.inputs.retentionInDays;
      if (isUnknown(retention) || (typeof retention === "number" && retention > 0)) continue;
      findings.push({ urn: fn.urn, message: `function "${fn.name}" logs to log group "${group.name}", which has no retentionInDays` });
    }
    return findings;
  },
};

export const LAMBDA_RULES = [lambdaTracing, lambdaReservedConcurrency, lambdaLogRetention];
