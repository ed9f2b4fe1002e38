/**
 * The release workflow's Step Functions definition (Amazon States Language, JSONPath), built as typed objects from
 * plain strings and numbers; serialise it with `JSON.stringify`. Started by EventBridge with the "SageMaker Model
 * Package State Change" event of the stack's group (Approved or Rejected):
 *
 *   Resolve (release-resolve) → ShouldRelease (Choice on `release`)
 *     ├─ false → NothingToRelease (Succeed; its output is the decision and its reason)
 *     └─ true  → Stage (release-stage: releases/v<N>/model.json, digest and schema checked)
 *              → Rollout (Parallel)
 *                  ├─ cloud: ReadPointer → Point → StartChecks → WaitForRollout → CheckRollout → RolloutDone
 *                  │         (IN_PROGRESS → wait again; COMPLETED → CloudReleased; else → Rollback → RolledBack, a Fail)
 *                  └─ edge:  the branch given as `edge` (edge-branch.ts; when the stack has an edge fleet):
 *                            publish the model component, canary group, then the fleet group
 *              → RecordVersion (SSM PutParameter released-version) → TagPackage (SageMaker AddTags
 *                `edge-mlops:released-<stack>` = the time) → Notify (SNS) → Released (Succeed)
 *   any Task's error after its retries, or a failed branch → NotifyFailure (SNS) → Failed (Fail, the error and cause)
 *
 * The cloud branch keeps the pointer's value from before the release (ReadPointer, a read of its own, so a retried
 * Point never remembers its own write) and puts it back when the rollout fails, its check fails, another deployment
 * takes over, a health alarm goes to ALARM or the checks run out; the branch then fails, and so does the release.
 * The checks are bounded: at most `rollout.maxChecks`, `rollout.checkIntervalSeconds` apart.
 */
import { argError } from "../args";
import type {
  CheckEvent,
  CheckResult,
  PointEvent,
  PointResult,
  RollbackEvent,
  RollbackResult,
  StagedModel,
  StageEvent,
} from "../../contracts/release-payloads";
import { fromPath, payload, selectPayloadFields, type AnyBranch, type Branch, type Catcher, type PayloadTemplate, type Retrier, type State, type StateMachineDefinition, type TaskState } from "./asl";
// The release functions are idempotent too (release-stage writes with If-None-Match; point and rollback put a value
// and force a deployment), so they share the training tasks' retrier.
import { LAMBDA_RETRY } from "../training-workflow/definition-tasks";
import { releaseDefinitionArgProblems, type ReleaseDefinitionArgs } from "./definition-args";

export const STATE_NAMES = {
  resolve: "Resolve",
  shouldRelease: "ShouldRelease",
  nothingToRelease: "NothingToRelease",
  stage: "Stage",
  rollout: "Rollout",
  recordVersion: "RecordVersion",
  tagPackage: "TagPackage",
  notify: "Notify",
  released: "Released",
  notifyFailure: "NotifyFailure",
  failed: "Failed",
} as const;

export const CLOUD_STATE_NAMES = {
  readPointer: "ReadPointer",
  point: "Point",
  pointFailed: "PointFailed",
  startChecks: "StartChecks",
  wait: "WaitForRollout",
  check: "CheckRollout",
  checkErrored: "CheckErrored",
  done: "RolloutDone",
  released: "CloudReleased",
  rollback: "Rollback",
  rolledBack: "RolledBack",
  rollbackFailed: "RollbackFailed",
} as const;

/** The error of a cloud branch that rolled back (and so of the release): the cause is the last check's reason. */
export const ROLLED_BACK_ERROR = "RolloutFailed";

/**
 * Retries of the AWS SDK and SNS tasks (read the pointer, put the released version, tag the package, publish): each
 * call is safe to repeat (a repeated publish sends the message twice), so any error is retried a few times.
 */
export const SDK_RETRY: Retrier = {
  ErrorEquals: ["States.ALL"],
  IntervalSeconds: 2,
  MaxAttempts: 3,
  BackoffRate: 2,
  MaxDelaySeconds: 20,
  JitterStrategy: "FULL",
};

/** TimeoutSeconds of the SDK and SNS tasks. */
export const SDK_TIMEOUT_SECONDS = 60;

const catchTo = (next: string, resultPath = "$.error"): Catcher[] => [{ ErrorEquals: ["States.ALL"], ResultPath: resultPath, Next: next }];

function lambdaTask(functionArn: string, body: PayloadTemplate, fields: readonly string[], resultPath: string, next: string, timeout: number, onError: string, comment: string): TaskState {
  return {
    Type: "Task",
    Comment: comment,
    Resource: "arn:aws:states:::lambda:invoke",
    Parameters: { FunctionName: functionArn, Payload: body },
    ResultSelector: selectPayloadFields(fields),
    ResultPath: resultPath,
    TimeoutSeconds: timeout,
    Retry: [LAMBDA_RETRY],
    Catch: catchTo(onError),
    Next: next,
  };
}

function sdkTask(resource: string, parameters: PayloadTemplate, resultSelector: PayloadTemplate, resultPath: string, next: string, onError: string, comment: string): TaskState {
  return {
    Type: "Task",
    Comment: comment,
    Resource: resource,
    Parameters: parameters,
    ResultSelector: resultSelector,
    ResultPath: resultPath,
    TimeoutSeconds: SDK_TIMEOUT_SECONDS,
    Retry: [SDK_RETRY],
    Catch: catchTo(onError),
    Next: next,
  };
}

const POINT_FIELDS = ["previousModelUri", "modelUri", "deploymentId", "taskDefinitionArn"] as const satisfies readonly (keyof PointResult)[];
const CHECK_FIELDS = ["state", "reason", "attempt", "alarmsInAlarm"] as const satisfies readonly (keyof CheckResult)[];
const ROLLBACK_FIELDS = ["restoredModelUri", "deploymentId"] as const satisfies readonly (keyof RollbackResult)[];
const STAGE_FIELDS = ["modelUri", "key", "sha256", "version", "alreadyStaged"] as const satisfies readonly (keyof StagedModel)[];

/** The cloud branch: move the pointer, roll the service, watch it, roll back on failure. */
export function cloudBranch(args: ReleaseDefinitionArgs): Branch {
  const C = CLOUD_STATE_NAMES;
  const timeout = args.lambdaTaskTimeoutSeconds;
  const states: Record<string, State> = {
    [C.readPointer]: sdkTask(
      "arn:aws:states:::aws-sdk:ssm:getParameter",
      { Name: args.pointerParameterName },
      { "value.$": "$.Parameter.Value" },
      "$.pointer",
      C.point,
      C.pointFailed,
      "Remembers the model the service serves now, to put it back if the rollout fails.",
    ),
    [C.point]: lambdaTask(
      args.cloudFunctionArn,
      payload<PointEvent>({ action: "point", modelUri: fromPath("$.staged.modelUri"), previousModelUri: fromPath("$.pointer.value") }),
      POINT_FIELDS,
      "$.point",
      C.startChecks,
      timeout,
      C.pointFailed,
      "Points the service at the staged model and forces a new deployment (puts the pointer back itself if ECS refuses).",
    ),
    [C.pointFailed]: { Type: "Fail", Comment: "The pointer was not moved (or was put back).", ErrorPath: "$.error.Error", CausePath: "$.error.Cause" },
    [C.startChecks]: {
      Type: "Pass",
      Comment: "No check made yet.",
      Parameters: { state: "IN_PROGRESS", reason: "not checked yet", attempt: 0, alarmsInAlarm: [] },
      ResultPath: "$.check",
      Next: C.wait,
    },
    [C.wait]: { Type: "Wait", Comment: "Gives the deployment time between checks.", Seconds: args.rollout.checkIntervalSeconds, Next: C.check },
    [C.check]: {
      ...lambdaTask(
        args.cloudFunctionArn,
        {
          ...payload<Omit<CheckEvent, "alarmNames">>({
            action: "check",
            deploymentId: fromPath("$.point.deploymentId"),
            taskDefinitionArn: fromPath("$.point.taskDefinitionArn"),
            attempt: fromPath("$.check.attempt"),
            maxAttempts: args.rollout.maxChecks,
          }),
          // payload() walks objects key by key and would turn an array into an object: the list is set as it is.
          alarmNames: [...args.healthAlarmNames],
        },
        CHECK_FIELDS,
        "$.check",
        C.done,
        timeout,
        C.checkErrored,
        "Reads the PRIMARY deployment's rollout state and the service's health alarms.",
      ),
      Catch: catchTo(C.checkErrored, "$.checkError"),
    },
    [C.checkErrored]: {
      Type: "Pass",
      Comment: "A check that cannot be made counts as a failed rollout.",
      Parameters: { state: "FAILED", "reason.$": "$.checkError.Cause", "attempt.$": "$.check.attempt", alarmsInAlarm: [] },
      ResultPath: "$.check",
      Next: C.rollback,
    },
    [C.done]: {
      Type: "Choice",
      Comment: "COMPLETED with every health alarm out of ALARM is done; IN_PROGRESS checks again; anything else rolls back.",
      Choices: [
        { Variable: "$.check.state", StringEquals: "COMPLETED", Next: C.released },
        { Variable: "$.check.state", StringEquals: "IN_PROGRESS", Next: C.wait },
      ],
      Default: C.rollback,
    },
    [C.released]: { Type: "Succeed", Comment: "The service runs the staged model." },
    [C.rollback]: lambdaTask(
      args.cloudFunctionArn,
      payload<RollbackEvent>({ action: "rollback", previousModelUri: fromPath("$.point.previousModelUri") }),
      ROLLBACK_FIELDS,
      "$.rollback",
      C.rolledBack,
      timeout,
      C.rollbackFailed,
      "Puts the previous model back in the pointer and forces a new deployment.",
    ),
    [C.rolledBack]: { Type: "Fail", Comment: "The previous model is back; the cause is the last check's reason.", Error: ROLLED_BACK_ERROR, CausePath: "$.check.reason" },
    [C.rollbackFailed]: { Type: "Fail", Comment: "The rollback itself failed: the pointer may still name the new model.", ErrorPath: "$.error.Error", CausePath: "$.error.Cause" },
  };
  return { StartAt: C.readPointer, States: states };
}

/**
 * The release workflow definition; `args.edge` adds the edge branch to the Rollout.
 * @throws ArgError (`ReleaseDefinition: args: <every problem>`, see releaseDefinitionArgProblems) on bad arguments.
 */
export function buildReleaseDefinition(args: ReleaseDefinitionArgs): StateMachineDefinition {
  const problems = releaseDefinitionArgProblems(args);
  if (problems.length > 0) argError("ReleaseDefinition", "args", problems.join("; "));
  const S = STATE_NAMES;
  const timeout = args.lambdaTaskTimeoutSeconds;
  const decision = (field: string) => fromPath(`$.resolved.decision.${field}`);
  const branches: AnyBranch[] = [cloudBranch(args), ...(args.edge ? [args.edge] : [])];
  const states: Record<string, State> = {
    [S.resolve]: {
      Type: "Task",
      Comment: "Decides what the state change releases (the event is the payload).",
      Resource: "arn:aws:states:::lambda:invoke",
      Parameters: { FunctionName: args.resolveFunctionArn, "Payload.$": "$" },
      // A decision to release nothing has no package fields: keep the whole result.
      ResultSelector: { "decision.$": "$.Payload" },
      ResultPath: "$.resolved",
      TimeoutSeconds: timeout,
      Retry: [LAMBDA_RETRY],
      Catch: catchTo(S.notifyFailure),
      Next: S.shouldRelease,
    },
    [S.shouldRelease]: {
      Type: "Choice",
      Comment: "Release only when the decision names a package.",
      Choices: [{ Variable: "$.resolved.decision.release", BooleanEquals: true, Next: S.stage }],
      Default: S.nothingToRelease,
    },
    [S.nothingToRelease]: { Type: "Succeed", Comment: "Nothing to release; the output is the decision and its reason.", OutputPath: "$.resolved.decision" },
    [S.stage]: lambdaTask(
      args.stageFunctionArn,
      payload<StageEvent>({ modelPackageArn: decision("modelPackageArn"), version: decision("version") }),
      STAGE_FIELDS,
      "$.staged",
      S.rollout,
      timeout,
      S.notifyFailure,
      "Checks the package's model.json and writes it once at releases/v<N>/model.json.",
    ),
    [S.rollout]: {
      Type: "Parallel",
      Comment: args.edge ? "The cloud service and the edge fleet, side by side; either failing fails the release." : "The cloud service (the stack has no edge fleet).",
      // Every branch gets the staged model as EdgeBranchInput (version, modelUri, sha256) and, for the cloud branch,
      // as `staged`.
      Parameters: { "version.$": "$.staged.version", "modelUri.$": "$.staged.modelUri", "sha256.$": "$.staged.sha256", "staged.$": "$.staged" },
      Branches: branches,
      ResultSelector: { "cloud.$": "$[0].check" },
      ResultPath: "$.rollout",
      Catch: catchTo(S.notifyFailure),
      Next: S.recordVersion,
    },
    [S.recordVersion]: sdkTask(
      "arn:aws:states:::aws-sdk:ssm:putParameter",
      { Name: args.releasedVersionParameterName, "Value.$": "States.Format('{}', $.resolved.decision.version)", Type: "String", Overwrite: true },
      { "parameterVersion.$": "$.Version" },
      "$.recorded",
      S.tagPackage,
      S.notifyFailure,
      "Records the released model package version.",
    ),
    [S.tagPackage]: sdkTask(
      "arn:aws:states:::aws-sdk:sagemaker:addTags",
      { "ResourceArn.$": "$.resolved.decision.modelPackageArn", Tags: [{ Key: releasedTagKey(args.stack), "Value.$": "$$.State.EnteredTime" }] },
      { "tags.$": "$.Tags" },
      "$.tagged",
      S.notify,
      S.notifyFailure,
      "Marks the package as released to this stack, with the time.",
    ),
    [S.notify]: sdkTask(
      "arn:aws:states:::sns:publish",
      {
        TopicArn: args.alarmTopicArn,
        Subject: `edge-mlops ${args.stack}: model released`,
        "Message.$": `States.Format('Model package version {} is released to ${args.stack} ({}). Model: {} (SHA-256 {}).', $.resolved.decision.version, $.resolved.decision.reason, $.staged.modelUri, $.staged.sha256)`,
      },
      { "messageId.$": "$.MessageId" },
      "$.notified",
      S.released,
      S.notifyFailure,
      "Tells the stack's alarm topic what was released.",
    ),
    [S.released]: { Type: "Succeed", Comment: "Released to every target of the stack." },
    [S.notifyFailure]: {
      ...sdkTask(
      "arn:aws:states:::sns:publish",
      {
        TopicArn: args.alarmTopicArn,
        Subject: `edge-mlops ${args.stack}: release failed`,
        "Message.$": `States.Format('The release started by model package version {} ({}) failed in ${args.stack}: {}: {}', $.detail.ModelPackageVersion, $.detail.ModelApprovalStatus, $.error.Error, $.error.Cause)`,
      },
      { "messageId.$": "$.MessageId" },
        "$.notified",
        S.failed,
        S.failed,
        "Tells the stack's alarm topic that the release failed, and why.",
      ),
      // The release's own error stays at $.error for Failed.
      Catch: catchTo(S.failed, "$.notifyError"),
    },
    [S.failed]: { Type: "Fail", Comment: "The release failed; error and cause are the failing state's.", ErrorPath: "$.error.Error", CausePath: "$.error.Cause" },
  };
  return { Comment: `Release workflow of ${args.stack}: stage the model, roll it out, record it.`, StartAt: S.resolve, States: states };
}

/** The tag a released model package carries, per stack: `edge-mlops:released-<stack>` = ISO time of the release. */
export function releasedTagKey(stack: string): string {
  return `edge-mlops:released-${stack}`;
}
