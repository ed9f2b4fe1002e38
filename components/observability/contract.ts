// The monitoring contract every component follows. A component that owns resources worth watching takes an optional
// `monitoring` arg (the stack's alarm topic and thresholds); with it, the component creates its own CloudWatch alarms,
// each notifying the topic. Every such component exposes:
//   - `alarms: aws.cloudwatch.MetricAlarm[]`  (empty without `monitoring`; callers may add their own alarms beside)
//   - `widgets: pulumi.Output<Widget[]>`       (its part of the stack's dashboard; the Dashboard places the lists)
// The Dashboard knows no component: `index.ts` hands it `[inference.widgets, airflow.widgets, ...]`.
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { argError, firstIssue } from "../args";
import { alarmThresholds, type AlarmThresholds } from "./args";
import type { Widget } from "./widgets";

export type { AlarmThresholds };

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
 * Checks thresholds given to a component with the one schema (they usually come from the validated stack config, but
 * a component does not rely on that). @throws ArgError `<component>: monitoring.thresholds.<key>: <problem>`.
 */
export function validateThresholds(component: string, t: AlarmThresholds): AlarmThresholds {
  const result = alarmThresholds.safeParse(t);
  if (result.success) return result.data;
  const [path, problem] = firstIssue(result.error, t);
  return argError(component, `monitoring.thresholds.${path}`, problem);
}
