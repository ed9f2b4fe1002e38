// Monitoring of the training workflow (components/observability/contract.ts): alarms on the state machine's failed,
// timed-out and aborted executions (AWS/States) and on each workflow Lambda's errors and throttles (AWS/Lambda), and
// the workflow's part of the dashboard.
//
// All of these count events, not levels: a training run happens a few times a week, so a failure rarely repeats in
// consecutive periods. One breaching period among the evaluation window raises the alarm (datapointsToAlarm 1), and
// the alarm returns to OK only after a whole window without one, so a single failure is reported once, not flapping.
//
// `buildMonitoring` creates the alarms (only when the stack gives `monitoring`) and the widgets, whose alarm-status
// panel lists the alarms' ARNs.
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createAlarm, type AlarmSpec } from "../observability/alarms";
import type { AlarmThresholds } from "../observability/contract";
import { alarmStatusWidget, graphWidget, headerWidget, metricLine, type Widget } from "../observability/widgets";
import type { WorkflowContext } from "./context";

export const STATES_NAMESPACE = "AWS/States";
export const LAMBDA_NAMESPACE = "AWS/Lambda";

/** The workflow Lambdas, by the resource name suffix (and `lambda/` folder) of each. */
export const WORKFLOW_LAMBDAS = ["create-experiment", "evaluate-results", "register-model"] as const;
export type WorkflowLambda = (typeof WORKFLOW_LAMBDAS)[number];

/** What each workflow Lambda does, for alarm descriptions and graph labels. */
const LAMBDA_ROLES: Readonly<Record<WorkflowLambda, string>> = {
  "create-experiment": "names each run (SageMaker experiment and trial)",
  "evaluate-results": "decides whether a trained model is registered",
  "register-model": "registers approved models in the model package group",
};

/** Execution outcomes that raise an alarm: the AWS/States metric and what it means. */
const FAILED_OUTCOMES = [
  { key: "failed", metricName: "ExecutionsFailed", what: "failed (a job, a Lambda or a state ran out of retries)" },
  { key: "timed-out", metricName: "ExecutionsTimedOut", what: "timed out" },
  { key: "aborted", metricName: "ExecutionsAborted", what: "was stopped before it finished" },
] as const;

/** The CloudWatch dimension values of the workflow's metrics. */
export interface TrainingMetricRefs<T = string> {
  /** Name of the state machine, for descriptions and titles. */
  readonly stateMachineName: string;
  /** `StateMachineArn` of AWS/States. */
  readonly stateMachineArn: T;
  /** `FunctionName` of AWS/Lambda, per workflow Lambda. */
  readonly functionNames: Readonly<Record<WorkflowLambda, T>>;
}

/**
 * The workflow's alarms, keyed by resource name suffix: `alarm-executions-{failed,timed-out,aborted}` (Sum > 0) and,
 * per Lambda, `alarm-<lambda>-errors` (Sum > thresholds.lambdaErrors: that many errors per period are tolerated, so 0
 * alarms on the first error) and `alarm-<lambda>-throttles` (Sum > 0: the reserved concurrency is too small for the
 * runs in flight). No data means no executions or invocations, which is not a failure.
 */
export function trainingAlarmSpecs(r: TrainingMetricRefs<pulumi.Input<string>>, t: AlarmThresholds): Record<string, AlarmSpec> {
  const window = { periodSeconds: t.periodSeconds, evaluationPeriods: t.evaluationPeriods, datapointsToAlarm: 1, treatMissingData: "notBreaching" } as const;
  const specs: Record<string, AlarmSpec> = {};
  for (const outcome of FAILED_OUTCOMES) {
    specs[`alarm-executions-${outcome.key}`] = {
      description: `An execution of the training workflow ${r.stateMachineName} ${outcome.what}. See the execution's events in the Step Functions console.`,
      metric: { namespace: STATES_NAMESPACE, metricName: outcome.metricName, dimensions: { StateMachineArn: r.stateMachineArn } },
      statistic: "Sum",
      comparison: "GreaterThanThreshold",
      threshold: 0,
      ...window,
    };
  }
  for (const fn of WORKFLOW_LAMBDAS) {
    const dimensions = { FunctionName: r.functionNames[fn] };
    specs[`alarm-${fn}-errors`] = {
      description:
        `More than ${t.lambdaErrors} error${t.lambdaErrors === 1 ? "" : "s"} in ${t.periodSeconds} s from the ${fn} Lambda of ${r.stateMachineName}, ` +
        `which ${LAMBDA_ROLES[fn]}. See its log group.`,
      metric: { namespace: LAMBDA_NAMESPACE, metricName: "Errors", dimensions },
      statistic: "Sum",
      comparison: "GreaterThanThreshold",
      threshold: t.lambdaErrors,
      ...window,
    };
    specs[`alarm-${fn}-throttles`] = {
      description: `The ${fn} Lambda of ${r.stateMachineName} was throttled: its reserved concurrency is too small for the runs in flight.`,
      metric: { namespace: LAMBDA_NAMESPACE, metricName: "Throttles", dimensions },
      statistic: "Sum",
      comparison: "GreaterThanThreshold",
      threshold: 0,
      ...window,
    };
  }
  return specs;
}

/**
 * The workflow's dashboard section: executions by outcome, Lambda errors and throttles, Lambda durations against
 * their timeout, and the alarm states. Threshold lines appear when monitoring thresholds are given.
 */
export function trainingWidgets(r: TrainingMetricRefs, t: AlarmThresholds | undefined, lambdaTimeoutSeconds: number, alarmArns: readonly string[]): Widget[] {
  const period = t?.periodSeconds ?? 300;
  const machine = { StateMachineArn: r.stateMachineArn };
  const fn = (key: WorkflowLambda) => ({ FunctionName: r.functionNames[key] });
  const widgets: Widget[] = [
    headerWidget(`## Training workflow ${r.stateMachineName}`),
    graphWidget(
      "Executions",
      [
        metricLine(STATES_NAMESPACE, "ExecutionsStarted", machine, { stat: "Sum", label: "started" }),
        metricLine(STATES_NAMESPACE, "ExecutionsSucceeded", machine, { stat: "Sum", label: "succeeded" }),
        ...FAILED_OUTCOMES.map((o) => metricLine(STATES_NAMESPACE, o.metricName, machine, { stat: "Sum", label: o.key.replace("-", " ") })),
      ],
      { period, width: 12 },
    ),
    graphWidget(
      "Lambda errors and throttles",
      WORKFLOW_LAMBDAS.flatMap((key) => [
        metricLine(LAMBDA_NAMESPACE, "Errors", fn(key), { stat: "Sum", label: `${key} errors` }),
        metricLine(LAMBDA_NAMESPACE, "Throttles", fn(key), { stat: "Sum", label: `${key} throttles` }),
      ]),
      { period, width: 12, ...(t ? { annotations: { horizontal: [{ value: t.lambdaErrors, label: "errors alarm above" }] } } : {}) },
    ),
    graphWidget(
      "Lambda duration (ms)",
      WORKFLOW_LAMBDAS.flatMap((key) => [
        metricLine(LAMBDA_NAMESPACE, "Duration", fn(key), { stat: "Average", label: `${key} average` }),
        metricLine(LAMBDA_NAMESPACE, "Duration", fn(key), { stat: "Maximum", label: `${key} max` }),
      ]),
      { period, width: 24, annotations: { horizontal: [{ value: lambdaTimeoutSeconds * 1000, label: "timeout" }] } },
    ),
  ];
  if (alarmArns.length > 0) widgets.push(alarmStatusWidget(`Alarms of training workflow ${r.stateMachineName}`, alarmArns));
  return widgets;
}

// ---- the builder --------------------------------------------------------------------------------------------------

export interface TrainingMonitoring {
  /** Execution and Lambda alarms; empty without `monitoring`. */
  readonly alarms: aws.cloudwatch.MetricAlarm[];
  readonly widgets: pulumi.Output<Widget[]>;
}

/** The workflow's alarms (when the stack gives `monitoring`) and its dashboard widgets. */
export function buildMonitoring(
  ctx: WorkflowContext,
  stateMachineArn: pulumi.Output<string>,
  functionNames: Readonly<Record<WorkflowLambda, pulumi.Output<string>>>,
  lambdaTimeoutSeconds: number,
): TrainingMonitoring {
  const { name, parent, settings: s } = ctx;
  const monitoring = s.monitoring;
  const refs: TrainingMetricRefs<pulumi.Output<string>> = { stateMachineName: s.stateMachineName, stateMachineArn, functionNames };
  const alarms = monitoring
    ? Object.entries(trainingAlarmSpecs(refs, monitoring.thresholds)).map(([suffix, spec]) => createAlarm(`${name}-${suffix}`, spec, monitoring.alarmTopicArn, { parent }))
    : [];
  const widgets = pulumi
    .all([stateMachineArn, pulumi.all(functionNames), pulumi.all(alarms.map((a) => a.arn))])
    .apply(([arn, names, alarmArns]) =>
      trainingWidgets({ stateMachineName: s.stateMachineName, stateMachineArn: arn, functionNames: names as Record<WorkflowLambda, string> }, monitoring?.thresholds, lambdaTimeoutSeconds, alarmArns),
    );
  return { alarms, widgets };
}
