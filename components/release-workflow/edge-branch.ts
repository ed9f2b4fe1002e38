/**
 * The release's edge branch (Amazon States Language, JSONPath): a `{ StartAt, States }` for one of the release's
 * Parallel branches, built as typed objects from plain strings and numbers. It rolls a model out to the core devices,
 * canary first, with lambda/release-edge doing each step:
 *
 *   StartEdge (counters) → CountComponentCheck → PublishComponent → ComponentDeployable?
 *       DEPLOYABLE → DeployCanary;  checks spent → ComponentNotDeployable (Fail);  else WaitForComponent → Count...
 *   DeployCanary → WaitForCanary → CountCanaryCheck → CheckCanary → CanaryDone?
 *       SUCCEEDED → DeployFleet;  FAILED → CanaryFailed (Fail);  checks spent → CanaryTimedOut (Fail);  else Wait...
 *   DeployFleet → WaitForFleet → CountFleetCheck → CheckFleet → FleetDone?
 *       SUCCEEDED → EdgeReleased (Succeed);  FAILED → FleetFailed;  checks spent → FleetTimedOut;  else Wait...
 *   any Task's error, once its retries are spent → EdgeFailed (Fail, error and cause of the failure)
 *
 * A canary that fails, or does not succeed within its checks, ends the branch before anything is deployed to the
 * fleet, and the branch's failure fails the release's Parallel state. Every loop is bounded by a count kept in the
 * execution's state (`$.edgeChecks.<loop>.count`, States.MathAdd), and the bounds together keep the execution's history
 * within Step Functions' quota. Devices whose update fails roll back on their own (the deployment's ROLLBACK policy).
 *
 * The branch's input is contracts/release-edge-payloads.ts's EdgeBranchInput (`$.version`, `$.modelUri`, `$.sha256`);
 * the Lambda payloads are typed by the function's events there, so this definition and the handler cannot disagree on
 * a field name. The Wait, Pass, rule-based Choice and named Fail state types are declared here because the training
 * workflow's asl.ts does not have them; they belong in a shared ASL module once the release workflow also needs them.
 */
import { LAMBDA_FUNCTION_ARN } from "../../contracts/patterns";
import {
  COMPONENT_NAME,
  THING_GROUP_ARN,
  type CheckEvent,
  type CheckResult,
  type DeployEvent,
  type DeployResult,
  type EdgeTarget,
  type PublishEvent,
  type PublishResult,
} from "../../contracts/release-edge-payloads";
import { argError } from "../args";
import {
  fromPath,
  payload,
  selectPayloadFields,
  type Catcher,
  type PayloadTemplate,
  type Retrier,
  type TaskState,
} from "../training-workflow/asl";
import { isInt } from "../training-workflow/definition-args";
import { LAMBDA_RETRY } from "../training-workflow/definition-tasks";
import type { Branch, State } from "./asl";

/** The branch's states: the release workflow's ASL subset (asl.ts). */
export type EdgeBranchState = State;

/** One branch of a Parallel state. */
export type EdgeBranch = Branch;

// ---- arguments ------------------------------------------------------------------------------------------------------

/** How often a deployment to one thing group is checked, and when it counts as succeeded. */
export interface RolloutChecks {
  /** Share of the group's devices that must succeed, greater than 0 and at most 1 (1: every device). */
  readonly successThreshold: number;
  /** Seconds between deploying (or the previous check) and the next check, 10 to 3600. */
  readonly waitSeconds: number;
  /**
   * Checks before the rollout counts as timed out and the branch fails, 1 to 1000; the three loops' checks together
   * at most EDGE_HISTORY_BUDGET / EVENTS_PER_CHECK (1500).
   */
  readonly maxChecks: number;
}

export interface EdgeBranchArgs {
  /** ARN of the release-edge Lambda. */
  readonly functionArn: string;
  /** ARN of the canary model group (EdgeFleet.canaryGroup). */
  readonly canaryGroupArn: string;
  /** ARN of the fleet model group (EdgeFleet.fleetGroup); not the canary's. */
  readonly fleetGroupArn: string;
  /** The model component's name, `[A-Za-z0-9._-]{1,128}`. */
  readonly componentName: string;
  /** Polling the component version until it is DEPLOYABLE (waitSeconds and maxChecks; no threshold). */
  readonly component: Omit<RolloutChecks, "successThreshold">;
  readonly canary: RolloutChecks;
  readonly fleet: RolloutChecks;
  /** TimeoutSeconds of each Lambda task, 1 to 900 (Lambda's longest timeout); keep it above the function's. @default 120 */
  readonly lambdaTaskTimeoutSeconds?: number;
}

/**
 * History events one loop iteration adds: Wait (2), Pass (2), a Lambda Task (5: entered, scheduled, started,
 * succeeded, exited) and a Choice (2), rounded up.
 */
export const EVENTS_PER_CHECK = 12;
/**
 * History events the three loops may use together: Step Functions' quota is 25,000 events per Standard execution
 * ("Quotas related to state machine executions"); the rest is left to the release's other states.
 */
export const EDGE_HISTORY_BUDGET = 18_000;

/** Every problem with the arguments, each `<arg>: <value> <rule>`; empty when they are valid. */
export function edgeBranchArgProblems(args: EdgeBranchArgs): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, name: string, value: unknown, rule: string) => {
    if (!ok) problems.push(`${name}: ${JSON.stringify(value) ?? String(value)} ${rule}`);
  };
  const matches = (re: RegExp, v: unknown) => typeof v === "string" && re.test(v);
  check(matches(LAMBDA_FUNCTION_ARN, args.functionArn), "functionArn", args.functionArn, "is not a Lambda function ARN");
  check(matches(THING_GROUP_ARN, args.canaryGroupArn), "canaryGroupArn", args.canaryGroupArn, "is not an IoT thing group ARN");
  check(matches(THING_GROUP_ARN, args.fleetGroupArn), "fleetGroupArn", args.fleetGroupArn, "is not an IoT thing group ARN");
  check(args.canaryGroupArn !== args.fleetGroupArn, "fleetGroupArn", args.fleetGroupArn, "is the canary's group; the fleet needs its own");
  check(matches(COMPONENT_NAME, args.componentName), "componentName", args.componentName, `does not match ${String(COMPONENT_NAME)}`);
  const loops = [
    ["component", args.component],
    ["canary", args.canary],
    ["fleet", args.fleet],
  ] as const;
  for (const [name, loop] of loops) {
    check(isInt(loop?.waitSeconds, 10, 3600), `${name}.waitSeconds`, loop?.waitSeconds, "must be an integer from 10 to 3600");
    check(isInt(loop?.maxChecks, 1, 1000), `${name}.maxChecks`, loop?.maxChecks, "must be an integer from 1 to 1000");
  }
  for (const [name, loop] of [["canary", args.canary], ["fleet", args.fleet]] as const) {
    const t = loop?.successThreshold;
    check(typeof t === "number" && t > 0 && t <= 1, `${name}.successThreshold`, t, "must be a number greater than 0 and at most 1");
  }
  const checks = loops.reduce((sum, [, loop]) => sum + (isInt(loop?.maxChecks, 1, 1000) ? loop.maxChecks : 0), 0);
  check(
    checks * EVENTS_PER_CHECK <= EDGE_HISTORY_BUDGET,
    "maxChecks",
    checks,
    `(component + canary + fleet) must be at most ${Math.floor(EDGE_HISTORY_BUDGET / EVENTS_PER_CHECK)}: each check adds about ${EVENTS_PER_CHECK} history events and an execution holds 25,000`,
  );
  const timeout = args.lambdaTaskTimeoutSeconds;
  check(timeout === undefined || isInt(timeout, 1, 900), "lambdaTaskTimeoutSeconds", timeout, "must be an integer from 1 to 900");
  return problems;
}

// ---- the branch -----------------------------------------------------------------------------------------------------

export const EDGE_STATE_NAMES = {
  start: "StartEdge",
  countComponentCheck: "CountComponentCheck",
  publish: "PublishComponent",
  deployable: "ComponentDeployable?",
  waitForComponent: "WaitForComponent",
  notDeployable: "ComponentNotDeployable",
  released: "EdgeReleased",
  failed: "EdgeFailed",
} as const;

/** The states of one target's rollout: deploy, wait, count, check, decide, and its two failures. */
export function rolloutStateNames(target: EdgeTarget) {
  const T = target === "canary" ? "Canary" : "Fleet";
  return {
    deploy: `Deploy${T}`,
    wait: `WaitFor${T}`,
    count: `Count${T}Check`,
    check: `Check${T}`,
    done: `${T}Done?`,
    failed: `${T}Failed`,
    timedOut: `${T}TimedOut`,
  } as const;
}

/**
 * The Lambda retrier, also on the errors release-edge throws when Greengrass or IoT fail past the SDK's own retries;
 * every action is idempotent (publish compares, deploy has a client token).
 */
const RELEASE_EDGE_RETRY: Retrier = { ...LAMBDA_RETRY, ErrorEquals: [...LAMBDA_RETRY.ErrorEquals, "InternalServerException", "InternalFailureException"] };

const CATCH_ALL: readonly Catcher[] = [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: EDGE_STATE_NAMES.failed }];

/** Where a loop's count lives in the execution's state. */
const countPath = (loop: "component" | EdgeTarget) => `$.edgeChecks.${loop}`;

/** Result fields of type R that a task keeps (typed, so a renamed field fails to compile). */
const kept = <R>(...fields: (keyof R & string)[]) => selectPayloadFields(fields);

function invoke(args: EdgeBranchArgs, comment: string, event: PayloadTemplate, keep: PayloadTemplate, resultPath: string, next: string): TaskState {
  return {
    Type: "Task",
    Comment: comment,
    Resource: "arn:aws:states:::lambda:invoke",
    Parameters: { FunctionName: args.functionArn, Payload: event },
    ResultSelector: keep,
    ResultPath: resultPath,
    TimeoutSeconds: args.lambdaTaskTimeoutSeconds ?? 120,
    Retry: [RELEASE_EDGE_RETRY],
    Catch: CATCH_ALL,
    Next: next,
  };
}

function waitAndCount(loop: "component" | EdgeTarget, seconds: number, waitName: string, countName: string, next: string): Record<string, EdgeBranchState> {
  return {
    [waitName]: { Type: "Wait", Seconds: seconds, Next: countName },
    [countName]: {
      Type: "Pass",
      Comment: `Count one more ${loop} check`,
      Parameters: { "count.$": `States.MathAdd(${countPath(loop)}.count, 1)` },
      ResultPath: countPath(loop),
      Next: next,
    },
  };
}

/** Deploy to one target, then wait, count, check and decide until it succeeded, failed or ran out of checks. */
function rollout(args: EdgeBranchArgs, target: EdgeTarget, groupArn: string, checks: RolloutChecks, onSuccess: string): Record<string, EdgeBranchState> {
  const N = rolloutStateNames(target);
  const deployment = `$.${target}`;
  const result = `$.${target}Check`;
  return {
    [N.deploy]: invoke(
      args,
      `Deploy the model component, and only it, to the ${target} thing group`,
      payload<DeployEvent>({
        action: "deploy",
        target,
        thingGroupArn: groupArn,
        componentName: args.componentName,
        version: fromPath("$.version"),
        releaseId: fromPath("$$.Execution.Name"),
      }),
      kept<DeployResult>("deploymentId", "deploymentName", "iotJobId"),
      deployment,
      N.wait,
    ),
    ...waitAndCount(target, checks.waitSeconds, N.wait, N.count, N.check),
    [N.check]: invoke(
      args,
      `Judge the ${target} deployment from its devices' results`,
      payload<CheckEvent>({
        action: "check",
        deploymentId: fromPath(`${deployment}.deploymentId`),
        thingGroupArn: groupArn,
        successThreshold: checks.successThreshold,
      }),
      kept<CheckResult>("state", "succeeded", "failed", "inProgress", "total", "summary"),
      result,
      N.done,
    ),
    [N.done]: {
      Type: "Choice",
      Choices: [
        { Variable: `${result}.state`, StringEquals: "SUCCEEDED", Next: onSuccess },
        { Variable: `${result}.state`, StringEquals: "FAILED", Next: N.failed },
        { Variable: `${countPath(target)}.count`, NumericGreaterThanEquals: checks.maxChecks, Next: N.timedOut },
      ],
      Default: N.wait,
    },
    [N.failed]: { Type: "Fail", Comment: `Too many ${target} devices failed`, Error: `${target === "canary" ? "Canary" : "Fleet"}Failed`, CausePath: `${result}.summary` },
    [N.timedOut]: {
      Type: "Fail",
      Comment: `The ${target} did not reach its threshold within ${checks.maxChecks} checks`,
      Error: `${target === "canary" ? "Canary" : "Fleet"}TimedOut`,
      CausePath: `${result}.summary`,
    },
  };
}

/**
 * The edge branch. Its output is its input plus `component`, `canary`, `canaryCheck`, `fleet`, `fleetCheck` and
 * `edgeChecks` (the loops' counts).
 * @throws ArgError (`EdgeBranch: args: <every problem>`, see edgeBranchArgProblems) on bad arguments.
 */
export function buildEdgeBranch(args: EdgeBranchArgs): EdgeBranch {
  const problems = edgeBranchArgProblems(args);
  if (problems.length > 0) argError("EdgeBranch", "args", problems.join("; "));
  const S = EDGE_STATE_NAMES;
  const canary = rolloutStateNames("canary");
  const fleet = rolloutStateNames("fleet");
  const publish = invoke(
    args,
    "Publish the model's component version (idempotent) and read its state",
    payload<PublishEvent>({
      action: "publish",
      componentName: args.componentName,
      version: fromPath("$.version"),
      modelUri: fromPath("$.modelUri"),
      sha256: fromPath("$.sha256"),
    }),
    kept<PublishResult>("componentVersion", "componentVersionArn", "componentState", "created"),
    "$.component",
    S.deployable,
  );
  const { [S.waitForComponent]: waitForComponent, [S.countComponentCheck]: countComponentCheck } = waitAndCount(
    "component",
    args.component.waitSeconds,
    S.waitForComponent,
    S.countComponentCheck,
    S.publish,
  );
  return {
    StartAt: S.start,
    States: {
      [S.start]: {
        Type: "Pass",
        Comment: "Start every loop's count at 0",
        Result: { component: { count: 0 }, canary: { count: 0 }, fleet: { count: 0 } },
        ResultPath: "$.edgeChecks",
        Next: S.countComponentCheck,
      },
      [S.countComponentCheck]: countComponentCheck,
      [S.publish]: publish,
      [S.deployable]: {
        Type: "Choice",
        Choices: [
          { Variable: "$.component.componentState", StringEquals: "DEPLOYABLE", Next: canary.deploy },
          { Variable: `${countPath("component")}.count`, NumericGreaterThanEquals: args.component.maxChecks, Next: S.notDeployable },
        ],
        Default: S.waitForComponent,
      },
      [S.waitForComponent]: waitForComponent,
      [S.notDeployable]: {
        Type: "Fail",
        Comment: `The component version was not DEPLOYABLE after ${args.component.maxChecks} checks`,
        Error: "ComponentNotDeployable",
        CausePath: "$.component.componentState",
      },
      ...rollout(args, "canary", args.canaryGroupArn, args.canary, fleet.deploy),
      ...rollout(args, "fleet", args.fleetGroupArn, args.fleet, S.released),
      [S.released]: { Type: "Succeed", Comment: "The model runs on the canary and the fleet" },
      [S.failed]: { Type: "Fail", Comment: "A step failed after its retries", ErrorPath: "$.error.Error", CausePath: "$.error.Cause" },
    },
  };
}
