// The Airflow environment's alarms and dashboard section, as the monitoring contract asks
// (components/observability/contract.ts). An enabled environment given `monitoring` alarms on a missing scheduler
// heartbeat (nothing is being scheduled) and on a queued-task backlog (workers are at maxWorkers or failing), each
// notifying the stack's topic on ALARM and on OK; its widgets show heartbeats, queued and running tasks and the alarm
// states. A disabled environment has neither: there is nothing to watch.
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createAlarm, type AlarmSpec } from "../observability/alarms";
import type { AlarmThresholds } from "../observability/contract";
import { alarmStatusWidget, graphWidget, headerWidget, metricLine, type Widget } from "../observability/widgets";
import { MWAA_METRIC_NAMESPACE } from "./mwaa";
import type { AirflowEnvironmentSettings } from "./resolve";

/**
 * Alarms of an enabled environment, keyed by resource name suffix: the scheduler's heartbeat (a period with fewer than
 * one heartbeat, or none reported at all, means no scheduler is scheduling) and a queued-task backlog (tasks wait for
 * workers longer than the evaluation window: workers are at maxWorkers or failing).
 */
export function airflowAlarmSpecs(environmentName: string, t: AlarmThresholds): Record<string, AlarmSpec> {
  const window = { periodSeconds: t.periodSeconds, evaluationPeriods: t.evaluationPeriods };
  return {
    "alarm-scheduler-heartbeat": {
      description: `The Airflow scheduler of MWAA environment ${environmentName} sent no heartbeat: DAG runs are not being scheduled.`,
      metric: { namespace: MWAA_METRIC_NAMESPACE, metricName: "SchedulerHeartbeat", dimensions: { Function: "Scheduler", Environment: environmentName } },
      statistic: "Sum",
      comparison: "LessThanThreshold",
      threshold: 1,
      ...window,
      treatMissingData: "breaching",
    },
    "alarm-queued-tasks": {
      description: `More than ${t.airflowQueuedTasks} tasks kept waiting for a worker in MWAA environment ${environmentName}.`,
      metric: { namespace: MWAA_METRIC_NAMESPACE, metricName: "QueuedTasks", dimensions: { Function: "Executor", Environment: environmentName } },
      statistic: "Average",
      comparison: "GreaterThanThreshold",
      threshold: t.airflowQueuedTasks,
      ...window,
      treatMissingData: "notBreaching",
    },
  };
}

/** The environment's dashboard section: scheduler heartbeats, queued and running tasks, and alarm states. */
export function airflowWidgets(environmentName: string, t: AlarmThresholds | undefined, alarmArns: readonly string[]): Widget[] {
  const period = t?.periodSeconds ?? 300;
  const scheduler = { Function: "Scheduler", Environment: environmentName };
  const executor = { Function: "Executor", Environment: environmentName };
  const widgets: Widget[] = [
    headerWidget(`## Airflow (MWAA) ${environmentName}`),
    graphWidget("Scheduler heartbeats", [metricLine(MWAA_METRIC_NAMESPACE, "SchedulerHeartbeat", scheduler, { stat: "Sum", label: "heartbeats" })], { period, width: 12 }),
    graphWidget(
      "Queued and running tasks",
      [
        metricLine(MWAA_METRIC_NAMESPACE, "QueuedTasks", executor, { stat: "Average", label: "queued" }),
        metricLine(MWAA_METRIC_NAMESPACE, "RunningTasks", executor, { stat: "Average", label: "running" }),
      ],
      { period, width: 12, ...(t ? { annotations: { horizontal: [{ value: t.airflowQueuedTasks, label: "queued alarm" }] } } : {}) },
    ),
  ];
  if (alarmArns.length > 0) widgets.push(alarmStatusWidget(`Alarms of Airflow ${environmentName}`, alarmArns));
  return widgets;
}

type MonitoredSettings = Pick<AirflowEnvironmentSettings, "enabled" | "environmentName" | "monitoring">;

/** Registers `<name>-alarm-*` under `parent` for an enabled environment given `monitoring`; none otherwise. */
export function airflowAlarms(parent: pulumi.Resource, name: string, s: MonitoredSettings): aws.cloudwatch.MetricAlarm[] {
  const monitoring = s.monitoring;
  if (!s.enabled || !monitoring) return [];
  return Object.entries(airflowAlarmSpecs(s.environmentName, monitoring.thresholds)).map(([suffix, spec]) =>
    createAlarm(`${name}-${suffix}`, spec, monitoring.alarmTopicArn, { parent }),
  );
}

/** The dashboard section of an enabled environment, with its alarms' states; empty when disabled. */
export function airflowDashboardSection(s: MonitoredSettings, alarms: readonly aws.cloudwatch.MetricAlarm[]): pulumi.Output<Widget[]> {
  if (!s.enabled) return pulumi.output([]);
  return pulumi.all(alarms.map((a) => a.arn)).apply((arns) => airflowWidgets(s.environmentName, s.monitoring?.thresholds, arns));
}
