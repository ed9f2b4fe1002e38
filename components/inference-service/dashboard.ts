// The inference service's section of the stack's dashboard: traffic and 5xx responses, response time, tasks, CPU and
// memory, and, with monitoring thresholds, their alarm lines, the drift z statistics of the service and the state of
// every alarm. Pure: the Dashboard component lays the widgets out.
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AlarmThresholds } from "../observability/contract";
import { driftWidgets, type DriftBaseline } from "../observability/drift";
import { alarmStatusWidget, graphWidget, headerWidget, metricLine, type Widget } from "../observability/widgets";
import { ALB, CONTAINER_INSIGHTS, ECS, type InferenceMetricRefs } from "./monitoring";
import type { InferenceServiceSettings } from "./resolve";
import { metricsServiceName } from "./task-definition";

/** The service's dashboard section. Threshold lines and drift graphs appear when monitoring thresholds are given. */
export function inferenceWidgets(
  name: string,
  r: InferenceMetricRefs,
  t: AlarmThresholds | undefined,
  baseline: DriftBaseline | undefined,
  alarmArns: readonly string[],
): Widget[] {
  const period = t?.periodSeconds ?? 300;
  const lb = { LoadBalancer: r.loadBalancer };
  const target = { LoadBalancer: r.loadBalancer, TargetGroup: r.targetGroup };
  const service = { ClusterName: r.cluster, ServiceName: r.service };
  const widgets: Widget[] = [
    headerWidget(`## Inference service ${name}`),
    graphWidget(
      "Requests and 5xx responses",
      [
        metricLine(ALB, "RequestCount", lb, { stat: "Sum", label: "requests" }),
        metricLine(ALB, "HTTPCode_Target_5XX_Count", lb, { stat: "Sum", label: "5xx from tasks" }),
        metricLine(ALB, "HTTPCode_ELB_5XX_Count", lb, { stat: "Sum", label: "5xx from load balancer" }),
      ],
      { period },
    ),
    graphWidget(
      "Target response time (s)",
      [metricLine(ALB, "TargetResponseTime", target, { stat: "p50", label: "p50" }), metricLine(ALB, "TargetResponseTime", target, { stat: "p99", label: "p99" })],
      { period, ...(t ? { annotations: { horizontal: [{ value: t.p99LatencyMs / 1000, label: "p99 alarm" }] } } : {}) },
    ),
    graphWidget(
      "Tasks",
      [
        metricLine(CONTAINER_INSIGHTS, "DesiredTaskCount", service, { stat: "Average", label: "desired" }),
        metricLine(CONTAINER_INSIGHTS, "RunningTaskCount", service, { stat: "Average", label: "running" }),
        metricLine(ALB, "UnHealthyHostCount", target, { stat: "Maximum", label: "unhealthy targets" }),
      ],
      { period },
    ),
    graphWidget(
      "CPU and memory utilisation (%)",
      [metricLine(ECS, "CPUUtilization", service, { stat: "Average", label: "CPU" }), metricLine(ECS, "MemoryUtilization", service, { stat: "Average", label: "memory" })],
      {
        period,
        width: 24,
        yAxis: { left: { min: 0, max: 100 } },
        ...(t ? { annotations: { horizontal: [{ value: t.cpuPercent, label: "CPU alarm" }, { value: t.memoryPercent, label: "memory alarm" }] } } : {}),
      },
    ),
  ];
  if (t && baseline) widgets.push(...driftWidgets(baseline, metricsServiceName(name), t));
  if (alarmArns.length > 0) widgets.push(alarmStatusWidget(`Alarms of inference service ${name}`, alarmArns));
  return widgets;
}

/** The widgets once the metric dimensions and the alarms' ARNs are known; without monitoring, no thresholds or alarms. */
export function inferenceDashboardSection(
  name: string,
  s: Pick<InferenceServiceSettings, "monitoring" | "baseline">,
  refs: InferenceMetricRefs<pulumi.Input<string>>,
  alarms: readonly aws.cloudwatch.MetricAlarm[],
): pulumi.Output<Widget[]> {
  return pulumi
    .all([pulumi.output(refs), pulumi.all(alarms.map((a) => a.arn))])
    .apply(([r, alarmArns]) => inferenceWidgets(name, r, s.monitoring?.thresholds, s.baseline, alarmArns));
}
