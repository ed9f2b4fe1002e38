// The inference service's alarms, as the monitoring contract asks (components/observability/contract.ts). With
// `monitoring` the service alarms on its 5xx rate, p99 latency, unhealthy targets, CPU, memory, running tasks below
// desired, and on model drift: a z-test per period on the standardised inputs and predictions the tasks emit under
// their Service dimension, one alarm per number field of `driftBaseline` (components/observability/drift.ts). Each alarm notifies the stack's topic on ALARM and on OK.
// Missing data counts as fine where it means "no traffic", and as breaching for the task count.
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { createAlarm, type AlarmSpec } from "../observability/alarms";
import type { AlarmThresholds } from "../observability/contract";
import { driftAlarmSpecs } from "../observability/drift";
import { metricsServiceName } from "./task-definition";
import type { InferenceServiceSettings } from "./resolve";

/** The CloudWatch dimension values of the service's metrics. */
export interface InferenceMetricRefs<T = string> {
  /** `LoadBalancer` of AWS/ApplicationELB: the load balancer's ARN suffix. */
  readonly loadBalancer: T;
  /** `TargetGroup` of AWS/ApplicationELB: the target group's ARN suffix. */
  readonly targetGroup: T;
  /** `ClusterName` of AWS/ECS and ECS/ContainerInsights. */
  readonly cluster: T;
  /** `ServiceName` of AWS/ECS and ECS/ContainerInsights. */
  readonly service: T;
}

/** CloudWatch namespaces of the metrics the alarms and the dashboard read. */
export const ALB = "AWS/ApplicationELB";
export const ECS = "AWS/ECS";
export const CONTAINER_INSIGHTS = "ECS/ContainerInsights";

/**
 * The service's alarms (drift alarms come from `driftAlarmSpecs`), keyed by resource name suffix. Missing data counts
 * as fine where it means "no traffic" (5xx rate, latency, hosts, CPU, memory) and as breaching for the task count:
 * Container Insights reports it every minute while the service exists, so silence there is itself a failure.
 */
export function inferenceAlarmSpecs(r: InferenceMetricRefs<pulumi.Input<string>>, t: AlarmThresholds): Record<string, AlarmSpec> {
  const window = { periodSeconds: t.periodSeconds, evaluationPeriods: t.evaluationPeriods };
  const lb = { LoadBalancer: r.loadBalancer };
  const target = { LoadBalancer: r.loadBalancer, TargetGroup: r.targetGroup };
  const service = { ClusterName: r.cluster, ServiceName: r.service };
  return {
    "alarm-5xx-rate": {
      description: `More than ${t.alb5xxPercent}% of requests to the inference load balancer ended in a 5xx (from the tasks or the load balancer itself).`,
      queries: [
        { id: "target5xx", metric: { namespace: ALB, metricName: "HTTPCode_Target_5XX_Count", dimensions: lb, stat: "Sum" } },
        { id: "elb5xx", metric: { namespace: ALB, metricName: "HTTPCode_ELB_5XX_Count", dimensions: lb, stat: "Sum" } },
        { id: "requests", metric: { namespace: ALB, metricName: "RequestCount", dimensions: lb, stat: "Sum" } },
        { id: "rate", label: "5xx responses (% of requests)", expression: "100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests", returnData: true },
      ],
      comparison: "GreaterThanThreshold",
      threshold: t.alb5xxPercent,
      ...window,
      treatMissingData: "notBreaching",
    },
    "alarm-p99-latency": {
      description: `The tasks' p99 response time exceeded ${t.p99LatencyMs} ms.`,
      metric: { namespace: ALB, metricName: "TargetResponseTime", dimensions: target },
      extendedStatistic: "p99",
      comparison: "GreaterThanThreshold",
      threshold: t.p99LatencyMs / 1000,
      ...window,
      treatMissingData: "notBreaching",
    },
    "alarm-unhealthy-hosts": {
      description: "A task failed the load balancer's health checks (GET /health).",
      metric: { namespace: ALB, metricName: "UnHealthyHostCount", dimensions: target },
      statistic: "Maximum",
      comparison: "GreaterThanThreshold",
      threshold: 0,
      ...window,
      treatMissingData: "notBreaching",
    },
    "alarm-cpu": {
      description: `The service's average CPU utilisation exceeded ${t.cpuPercent}% (autoscaling may be at maxCount).`,
      metric: { namespace: ECS, metricName: "CPUUtilization", dimensions: service },
      statistic: "Average",
      comparison: "GreaterThanThreshold",
      threshold: t.cpuPercent,
      ...window,
      treatMissingData: "notBreaching",
    },
    "alarm-memory": {
      description: `The service's average memory utilisation exceeded ${t.memoryPercent}%.`,
      metric: { namespace: ECS, metricName: "MemoryUtilization", dimensions: service },
      statistic: "Average",
      comparison: "GreaterThanThreshold",
      threshold: t.memoryPercent,
      ...window,
      treatMissingData: "notBreaching",
    },
    "alarm-running-tasks": {
      description: "Fewer tasks are running than the service wants (tasks fail to start, crash, or cannot pull their image).",
      queries: [
        { id: "desired", metric: { namespace: CONTAINER_INSIGHTS, metricName: "DesiredTaskCount", dimensions: service, stat: "Minimum" } },
        { id: "running", metric: { namespace: CONTAINER_INSIGHTS, metricName: "RunningTaskCount", dimensions: service, stat: "Maximum" } },
        { id: "missing", label: "tasks missing (desired - running)", expression: "desired - running", returnData: true },
      ],
      comparison: "GreaterThanThreshold",
      threshold: 0,
      ...window,
      treatMissingData: "breaching",
    },
  };
}

/**
 * Registers the alarms (`<name>-alarm-*`, `<name>-drift-*`) under `parent`; none without `s.monitoring`. `health` are
 * the `<name>-alarm-*` ones (5xx rate, latency, targets, CPU, memory, tasks): what a release watches while it rolls
 * the service onto a new model. Drift alarms are not among them: they judge the inputs, not the rollout.
 */
export function inferenceAlarms(
  parent: pulumi.Resource,
  name: string,
  s: Pick<InferenceServiceSettings, "monitoring" | "baseline">,
  refs: InferenceMetricRefs<pulumi.Input<string>>,
): { all: aws.cloudwatch.MetricAlarm[]; health: aws.cloudwatch.MetricAlarm[] } {
  const { monitoring, baseline } = s;
  if (!monitoring || !baseline) return { all: [], health: [] };
  const create = (specs: Record<string, AlarmSpec>) =>
    Object.entries(specs).map(([suffix, spec]) => createAlarm(`${name}-${suffix}`, spec, monitoring.alarmTopicArn, { parent }));
  const health = create(inferenceAlarmSpecs(refs, monitoring.thresholds));
  return { all: [...health, ...create(driftAlarmSpecs(baseline, metricsServiceName(name), monitoring.thresholds))], health };
}
