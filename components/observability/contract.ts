// The monitoring contract every component follows. A component that owns resources worth watching takes an optional
// `monitoring` arg (the stack's alarm topic and thresholds); with it, the component creates its own CloudWatch alarms,
// each notifying the topic. Every such component exposes:
//   - `alarms: aws.cloudwatch.MetricAlarm[]`  (empty without `monitoring`; callers may add their own alarms beside)
//   - `widgets: pulumi.Output<Widget[]>`       (its part of the stack's dashboard; the Dashboard places the lists)
// The Dashboard knows no component: `index.ts` hands it `[inference.widgets, airflow.widgets, ...]`.
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { ObservabilitySettings } from "./args";
import type { Widget } from "./widgets";

/** Alarm thresholds and evaluation windows of a stack: the `observability.alarms` section of the stack config. */
export type AlarmThresholds = ObservabilitySettings["alarms"];

/** The `monitoring` arg of a component. */
export interface MonitoringArgs {
  /** SNS topic every alarm notifies on ALARM and on OK (the Notifications component's `topicArn`). */
  readonly alarmTopicArn: pulumi.Input<string>;
  /** Thresholds and evaluation windows. */
  readonly thresholds: AlarmThresholds;
}

/** What a monitored component exposes. */
export interface Monitored {
  /** The component's alarms; empty when it was built without `monitoring`. */
  readonly alarms: aws.cloudwatch.MetricAlarm[];
  /** The component's dashboard widgets, in reading order (the Dashboard lays them out). */
  readonly widgets: pulumi.Output<Widget[]>;
}

/** Periods CloudWatch alarms accept for standard-resolution metrics (the stack config allows a subset). */
export function isAlarmPeriod(seconds: number): boolean {
  return Number.isInteger(seconds) && seconds >= 60 && seconds % 60 === 0 && seconds <= 86400;
}

/**
 * Checks thresholds given to a component (they usually come from the validated stack config, but a component does
 * not rely on that). Throws `<component>: monitoring.thresholds.<key> ...` naming the first bad value.
 */
export function validateThresholds(component: string, t: AlarmThresholds): AlarmThresholds {
  const fail = (key: keyof AlarmThresholds, what: string): never => {
    throw new Error(`${component}: monitoring.thresholds.${key} ${what}, got ${JSON.stringify(t[key])}`);
  };
  const num = (key: keyof AlarmThresholds) => typeof t[key] === "number" && Number.isFinite(t[key]);
  if (!num("evaluationPeriods") || !Number.isInteger(t.evaluationPeriods) || t.evaluationPeriods < 1 || t.evaluationPeriods > 100) {
    fail("evaluationPeriods", "must be an integer from 1 to 100");
  }
  if (!num("periodSeconds") || !isAlarmPeriod(t.periodSeconds)) fail("periodSeconds", "must be a multiple of 60 seconds, up to 86400");
  if (t.periodSeconds * t.evaluationPeriods > 86400) {
    fail("evaluationPeriods", `times periodSeconds (${t.periodSeconds}) must not exceed one day (CloudWatch's evaluation limit)`);
  }
  for (const key of ["alb5xxPercent", "cpuPercent", "memoryPercent"] as const) {
    if (!num(key) || t[key] < 0 || t[key] > 100) fail(key, "must be a percentage from 0 to 100");
  }
  if (!num("p99LatencyMs") || t.p99LatencyMs <= 0) fail("p99LatencyMs", "must be a positive number of milliseconds");
  for (const key of ["lambdaErrors", "airflowQueuedTasks"] as const) {
    if (!num(key) || !Number.isInteger(t[key]) || t[key] < 0) fail(key, "must be a non-negative integer");
  }
  if (!num("driftStdDevs") || t.driftStdDevs <= 0) fail("driftStdDevs", "must be a positive number of standard deviations");
  return t;
}
