import { beforeAll, describe, expect, it } from "vitest";
import { dashboardBody, validateDashboardBody, type AlarmThresholds, type Widget } from "../../components/observability";
import {
  LAMBDA_TIMEOUT_SECONDS,
  resolveTrainingWorkflowArgs,
  trainingAlarmSpecs,
  TrainingWorkflow,
  WORKFLOW_LAMBDAS,
  type TrainingWorkflowArgs,
} from "../../components/training-workflow";
import { one, ofType, planProgram, type Plan } from "../support/offline";
import { inputsOf } from "../support/resources";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm" as const;
const FN = "aws:lambda/function:Function" as const;
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:edge-mlops-prod-alarms";
const IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/edge-mlops-prod-forecast@sha256:${"c".repeat(64)}`;
/** Thresholds unlike the config defaults, so every value seen below comes from these args. */
const THRESHOLDS: AlarmThresholds = {
  evaluationPeriods: 4,
  periodSeconds: 900,
  alb5xxPercent: 2,
  p99LatencyMs: 250,
  cpuPercent: 75,
  memoryPercent: 75,
  lambdaErrors: 3,
  airflowQueuedTasks: 40,
  driftCriticalZ: 4,
  driftMinEffectSize: 0.2,
};
const base = (stack: string): TrainingWorkflowArgs => ({ stack, region: "eu-west-1", inferenceImageUri: IMAGE, protect: false });

let plan: Plan;
let widgets: { watched: Widget[]; plain: Widget[] };

beforeAll(async () => {
  plan = await planProgram(() => {
    const watched = new TrainingWorkflow("watched", { ...base("prod"), monitoring: { alarmTopicArn: TOPIC, thresholds: THRESHOLDS } });
    const plain = new TrainingWorkflow("plain", base("dev"));
    return { watched: watched.widgets, plain: plain.widgets };
  });
  widgets = plan.outputs as typeof widgets;
}, 120_000);

/** The dimension values the mocks gave the `watched` workflow: its state machine ARN and function names. */
function refs() {
  const functionName = (key: string) => one(plan, FN, `watched-${key}-fn`).id!;
  return {
    stateMachineArn: one(plan, "aws:sfn/stateMachine:StateMachine", "watched-state-machine").arn!,
    createExperiment: functionName("create-experiment"),
    evaluateResults: functionName("evaluate-results"),
    registerModel: functionName("register-model"),
  };
}
const actions = { actionsEnabled: true, alarmActions: [TOPIC], okActions: [TOPIC] };
/** One breaching 15-minute period among the last four raises an alarm; four clean ones clear it. */
const window = { period: 900, evaluationPeriods: 4, datapointsToAlarm: 1, treatMissingData: "notBreaching" };

describe("TrainingWorkflow alarms", () => {
  it("alarm on every failed, timed-out and aborted execution of the state machine", () => {
    const { stateMachineArn } = refs();
    expect(stateMachineArn).toBe("arn:aws:states:eu-west-1:123456789012:stateMachine:edge-mlops-prod-training");
    const expected = {
      "watched-alarm-executions-failed": [
        "ExecutionsFailed",
        "An execution of the training workflow edge-mlops-prod-training failed (a job, a Lambda or a state ran out of retries). See the execution's events in the Step Functions console.",
      ],
      "watched-alarm-executions-timed-out": [
        "ExecutionsTimedOut",
        "An execution of the training workflow edge-mlops-prod-training timed out. See the execution's events in the Step Functions console.",
      ],
      "watched-alarm-executions-aborted": [
        "ExecutionsAborted",
        "An execution of the training workflow edge-mlops-prod-training was stopped before it finished. See the execution's events in the Step Functions console.",
      ],
    };
    for (const [name, [metricName, description]] of Object.entries(expected)) {
      expect(inputsOf(plan, ALARM, name)).toEqual({
        alarmDescription: description,
        namespace: "AWS/States",
        metricName,
        dimensions: { StateMachineArn: stateMachineArn },
        statistic: "Sum",
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
        ...window,
        ...actions,
      });
    }
  });

  it("alarm when a Lambda has more errors in a period than thresholds.lambdaErrors tolerates", () => {
    const r = refs();
    expect(inputsOf(plan, ALARM, "watched-alarm-evaluate-results-errors")).toEqual({
      alarmDescription:
        "More than 3 errors in 900 s from the evaluate-results Lambda of edge-mlops-prod-training, which decides whether a trained model is registered. See its log group.",
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: r.evaluateResults },
      statistic: "Sum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 3,
      ...window,
      ...actions,
    });
    for (const [key, fn] of [["create-experiment", r.createExperiment], ["register-model", r.registerModel]] as const) {
      expect(inputsOf(plan, ALARM, `watched-alarm-${key}-errors`)).toMatchObject({
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions: { FunctionName: fn },
        statistic: "Sum",
        comparisonOperator: "GreaterThanThreshold",
        threshold: 3,
        ...window,
        ...actions,
      });
    }
  });

  it("alarm on any throttle of each Lambda", () => {
    const r = refs();
    for (const [key, fn] of [["create-experiment", r.createExperiment], ["evaluate-results", r.evaluateResults], ["register-model", r.registerModel]] as const) {
      expect(inputsOf(plan, ALARM, `watched-alarm-${key}-throttles`)).toEqual({
        alarmDescription: `The ${key} Lambda of edge-mlops-prod-training was throttled: its reserved concurrency is too small for the runs in flight.`,
        namespace: "AWS/Lambda",
        metricName: "Throttles",
        dimensions: { FunctionName: fn },
        statistic: "Sum",
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
        ...window,
        ...actions,
      });
    }
  });

  it("are these nine, parented to the workflow, and absent without monitoring", () => {
    const watched = ofType(plan, ALARM, "watched-");
    expect(watched.map((a) => a.name).sort()).toEqual(
      [
        "watched-alarm-executions-aborted",
        "watched-alarm-executions-failed",
        "watched-alarm-executions-timed-out",
        ...WORKFLOW_LAMBDAS.flatMap((fn) => [`watched-alarm-${fn}-errors`, `watched-alarm-${fn}-throttles`]),
      ].sort(),
    );
    const workflow = one(plan, "edge-mlops:training:TrainingWorkflow", "watched").urn;
    for (const a of watched) expect(a.parent).toBe(workflow);
    expect(ofType(plan, ALARM, "plain-")).toHaveLength(0);
  });

  it("tolerate no error at all when thresholds.lambdaErrors is 0", () => {
    const specs = trainingAlarmSpecs(
      { stateMachineName: "sm", stateMachineArn: "arn", functionNames: { "create-experiment": "a", "evaluate-results": "b", "register-model": "c" } },
      { ...THRESHOLDS, lambdaErrors: 0 },
    );
    expect(specs["alarm-register-model-errors"]).toMatchObject({ comparison: "GreaterThanThreshold", threshold: 0, metric: { dimensions: { FunctionName: "c" } } });
    expect(specs["alarm-register-model-errors"].description).toMatch(/^More than 0 errors in 900 s from the register-model Lambda of sm,/);
  });
});

describe("resolveTrainingWorkflowArgs with monitoring", () => {
  it("keeps the topic and thresholds, and names a bad threshold", () => {
    expect(resolveTrainingWorkflowArgs(base("dev")).monitoring).toBeUndefined();
    expect(resolveTrainingWorkflowArgs({ ...base("dev"), monitoring: { alarmTopicArn: TOPIC, thresholds: THRESHOLDS } }).monitoring).toEqual({
      alarmTopicArn: TOPIC,
      thresholds: THRESHOLDS,
    });
    expect(() => resolveTrainingWorkflowArgs({ ...base("dev"), monitoring: { alarmTopicArn: TOPIC, thresholds: { ...THRESHOLDS, lambdaErrors: -1 } } })).toThrow(
      "TrainingWorkflow: monitoring.thresholds.lambdaErrors: must be >= 0, got -1",
    );
    expect(() => resolveTrainingWorkflowArgs({ ...base("dev"), monitoring: { alarmTopicArn: TOPIC, thresholds: { ...THRESHOLDS, evaluationPeriods: 0 } } })).toThrow(
      "TrainingWorkflow: monitoring.thresholds.evaluationPeriods: must be >= 1, got 0",
    );
  });
});

describe("TrainingWorkflow widgets", () => {
  it("graph executions by outcome, Lambda errors, throttles and durations, and list the alarms", () => {
    const r = refs();
    expect(validateDashboardBody(JSON.parse(JSON.stringify(dashboardBody([widgets.watched], { region: "eu-west-1" }))))).toEqual([]);
    expect(widgets.watched.map((w) => w.type)).toEqual(["text", "metric", "metric", "metric", "alarm"]);
    const [header, executions, errors, duration, alarms] = widgets.watched;
    expect(header.type === "text" && header.properties.markdown).toBe("## Training workflow edge-mlops-prod-training");
    const machine = ["StateMachineArn", r.stateMachineArn];
    expect(executions.type === "metric" && executions.properties).toMatchObject({
      title: "Executions",
      period: 900,
      metrics: [
        ["AWS/States", "ExecutionsStarted", ...machine, { stat: "Sum", label: "started" }],
        ["AWS/States", "ExecutionsSucceeded", ...machine, { stat: "Sum", label: "succeeded" }],
        ["AWS/States", "ExecutionsFailed", ...machine, { stat: "Sum", label: "failed" }],
        ["AWS/States", "ExecutionsTimedOut", ...machine, { stat: "Sum", label: "timed out" }],
        ["AWS/States", "ExecutionsAborted", ...machine, { stat: "Sum", label: "aborted" }],
      ],
    });
    expect(errors.type === "metric" && errors.properties).toMatchObject({
      title: "Lambda errors and throttles",
      metrics: [
        ["AWS/Lambda", "Errors", "FunctionName", r.createExperiment, { stat: "Sum", label: "create-experiment errors" }],
        ["AWS/Lambda", "Throttles", "FunctionName", r.createExperiment, { stat: "Sum", label: "create-experiment throttles" }],
        ["AWS/Lambda", "Errors", "FunctionName", r.evaluateResults, { stat: "Sum", label: "evaluate-results errors" }],
        ["AWS/Lambda", "Throttles", "FunctionName", r.evaluateResults, { stat: "Sum", label: "evaluate-results throttles" }],
        ["AWS/Lambda", "Errors", "FunctionName", r.registerModel, { stat: "Sum", label: "register-model errors" }],
        ["AWS/Lambda", "Throttles", "FunctionName", r.registerModel, { stat: "Sum", label: "register-model throttles" }],
      ],
      annotations: { horizontal: [{ value: 3, label: "errors alarm above" }] },
    });
    expect(duration.type === "metric" && duration.properties).toMatchObject({
      title: "Lambda duration (ms)",
      metrics: [
        ["AWS/Lambda", "Duration", "FunctionName", r.createExperiment, { stat: "Average", label: "create-experiment average" }],
        ["AWS/Lambda", "Duration", "FunctionName", r.createExperiment, { stat: "Maximum", label: "create-experiment max" }],
        ["AWS/Lambda", "Duration", "FunctionName", r.evaluateResults, { stat: "Average", label: "evaluate-results average" }],
        ["AWS/Lambda", "Duration", "FunctionName", r.evaluateResults, { stat: "Maximum", label: "evaluate-results max" }],
        ["AWS/Lambda", "Duration", "FunctionName", r.registerModel, { stat: "Average", label: "register-model average" }],
        ["AWS/Lambda", "Duration", "FunctionName", r.registerModel, { stat: "Maximum", label: "register-model max" }],
      ],
      annotations: { horizontal: [{ value: LAMBDA_TIMEOUT_SECONDS * 1000, label: "timeout" }] },
    });
    expect(alarms.type === "alarm" && [...alarms.properties.alarms].sort()).toEqual(ofType(plan, ALARM, "watched-").map((a) => a.arn).sort());
  });

  it("keep the graphs without thresholds or alarms when unmonitored", () => {
    expect(widgets.plain.map((w) => w.type)).toEqual(["text", "metric", "metric", "metric"]);
    const errors = widgets.plain[2];
    expect(errors.type === "metric" && errors.properties.period).toBe(300);
    expect(errors.type === "metric" && errors.properties.annotations).toBeUndefined();
    expect(validateDashboardBody(JSON.parse(JSON.stringify(dashboardBody([widgets.plain], { region: "eu-west-1" }))))).toEqual([]);
  });
});
