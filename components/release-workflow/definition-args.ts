/**
 * What the release workflow's definition is built from (definition.ts), with every rule checked at once: ARNs and
 * names of the functions, parameters and topic it uses, the rollout's check interval and bound, and the edge branch.
 * Pure: the component resolves its Outputs and calls buildReleaseDefinition inside `apply`.
 */
import { arnPattern } from "../../contracts/patterns";
import type { EdgeBranch } from "./edge-branch";

/** The cloud rollout's checks: how far apart and how many. */
export interface RolloutChecks {
  /** Seconds between checks (a Wait state), 5-3600. */
  readonly checkIntervalSeconds: number;
  /** Checks before the rollout counts as timed out and is rolled back, 1-1000. */
  readonly maxChecks: number;
}

export interface ReleaseDefinitionArgs {
  /** The stack: names the released tag and the notifications. */
  readonly stack: string;
  readonly resolveFunctionArn: string;
  readonly stageFunctionArn: string;
  readonly cloudFunctionArn: string;
  /** `/edge-mlops/<stack>/inference/current-model`. */
  readonly pointerParameterName: string;
  /** `/edge-mlops/<stack>/release/released-version`. */
  readonly releasedVersionParameterName: string;
  /** The stack's alarm topic: success and failure notifications. */
  readonly alarmTopicArn: string;
  /** The inference service's health alarms (0-100 names, DescribeAlarms' limit): any in ALARM fails the rollout. */
  readonly healthAlarmNames: readonly string[];
  readonly rollout: RolloutChecks;
  /** TimeoutSeconds of each Lambda task, 1-3600, above the functions' own timeout. */
  readonly lambdaTaskTimeoutSeconds: number;
  /**
   * The edge branch of the Rollout (edge-branch.ts, buildEdgeBranch); absent without an edge fleet. Its input is
   * EdgeBranchInput (contracts/release-edge-payloads.ts), which the Rollout's Parameters give every branch.
   */
  readonly edge?: EdgeBranch;
}

const LAMBDA_ARN = arnPattern("lambda", "function:[A-Za-z0-9_-]{1,64}");
const SNS_ARN = arnPattern("sns", "[A-Za-z0-9_-]{1,256}");
const PARAMETER_NAME = /^\/[A-Za-z0-9_.\/-]{1,2047}$/;
const STACK = /^[A-Za-z0-9_-]{1,64}$/;
const isInt = (v: unknown, min: number, max: number) => typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;

/** Every problem with the arguments, each `<arg>: <value> <rule>`; empty when they are valid. */
export function releaseDefinitionArgProblems(args: ReleaseDefinitionArgs): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, name: string, value: unknown, rule: string) => {
    if (!ok) problems.push(`${name}: ${JSON.stringify(value) ?? String(value)} ${rule}`);
  };
  const matches = (re: RegExp, v: unknown) => typeof v === "string" && re.test(v);
  check(matches(STACK, args.stack), "stack", args.stack, "must be 1-64 letters, digits, '-' and '_'");
  for (const key of ["resolveFunctionArn", "stageFunctionArn", "cloudFunctionArn"] as const) {
    check(matches(LAMBDA_ARN, args[key]), key, args[key], "is not a Lambda function ARN");
  }
  for (const key of ["pointerParameterName", "releasedVersionParameterName"] as const) {
    check(matches(PARAMETER_NAME, args[key]), key, args[key], "is not an SSM parameter name (/path/name)");
  }
  check(matches(SNS_ARN, args.alarmTopicArn), "alarmTopicArn", args.alarmTopicArn, "is not an SNS topic ARN");
  check(
    Array.isArray(args.healthAlarmNames) && args.healthAlarmNames.length <= 100 && args.healthAlarmNames.every((n) => typeof n === "string" && n.length >= 1 && n.length <= 255),
    "healthAlarmNames",
    args.healthAlarmNames,
    "must be at most 100 alarm names of 1-255 characters (CloudWatch DescribeAlarms)",
  );
  check(isInt(args.rollout?.checkIntervalSeconds, 5, 3600), "rollout.checkIntervalSeconds", args.rollout?.checkIntervalSeconds, "must be an integer from 5 to 3600");
  check(isInt(args.rollout?.maxChecks, 1, 1000), "rollout.maxChecks", args.rollout?.maxChecks, "must be an integer from 1 to 1000");
  check(isInt(args.lambdaTaskTimeoutSeconds, 1, 3600), "lambdaTaskTimeoutSeconds", args.lambdaTaskTimeoutSeconds, "must be an integer from 1 to 3600");
  if (args.edge !== undefined) {
    check(typeof args.edge.StartAt === "string" && args.edge.StartAt in (args.edge.States ?? {}), "edge.StartAt", args.edge.StartAt, "must name one of the branch's states");
  }
  return problems;
}
