// One way to make a CloudWatch alarm: a typed spec (a single metric, or metric math over several) checked before
// anything is registered, turned into an `cloudwatch.MetricAlarm` that notifies the stack's topic on ALARM and
// again on OK, so a recovery is reported as well as the incident.
import type * as pulumi from "@pulumi/pulumi";
import { isAlarmPeriod } from "./contract";
import * as cloudwatch from "@pulumi/aws/cloudwatch";

export type ComparisonOperator = "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" | "LessThanThreshold" | "LessThanOrEqualToThreshold";
/** How periods without data count: chosen per alarm (a missing heartbeat is bad news, missing traffic is not). */
export type TreatMissingData = "breaching" | "notBreaching" | "ignore" | "missing";
export type Statistic = "Average" | "Sum" | "Minimum" | "Maximum" | "SampleCount";

export interface AlarmMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, pulumi.Input<string>>>;
}

/** An alarm on one metric: exactly one of `statistic` or `extendedStatistic` (a percentile such as "p99"). */
export interface SingleMetricSource {
  readonly metric: AlarmMetric;
  readonly statistic?: Statistic;
  readonly extendedStatistic?: string;
}

/** One line of a metric math alarm: a metric (with its statistic) or an expression over the other ids. */
export interface AlarmQuery {
  /** Letters, digits and '_', starting with a lowercase letter. */
  readonly id: string;
  readonly label?: string;
  readonly metric?: AlarmMetric & { readonly stat: string };
  readonly expression?: string;
  /** The one query whose values the alarm compares with the threshold. */
  readonly returnData?: boolean;
}

export interface MetricMathSource {
  readonly queries: readonly AlarmQuery[];
}

export type AlarmSpec = (SingleMetricSource | MetricMathSource) & {
  /** The alarm's name, when others match it (1-255 characters, PutMetricAlarm). @default Pulumi's auto-name */
  readonly alarmName?: string;
  /** What breached and what to look at; shown in the notification. */
  readonly description: string;
  readonly comparison: ComparisonOperator;
  readonly threshold: number;
  /** Seconds per evaluated period (a multiple of 60). */
  readonly periodSeconds: number;
  /** Periods looked at. */
  readonly evaluationPeriods: number;
  /** Breaching periods among them that raise the alarm. @default evaluationPeriods */
  readonly datapointsToAlarm?: number;
  readonly treatMissingData: TreatMissingData;
};

const QUERY_ID = /^[a-z][a-zA-Z0-9_]*$/;
const PERCENTILE = /^p(100|\d{1,2}(\.\d{1,2})?)$/;
const STATISTICS: readonly string[] = ["Average", "Sum", "Minimum", "Maximum", "SampleCount"];

/** Checks a spec; throws `alarm <name>: ...` naming the first impossible field. */
export function validateAlarmSpec(name: string, spec: AlarmSpec): void {
  const fail = (what: string): never => {
    throw new Error(`alarm ${name}: ${what}`);
  };
  if (!spec.description?.trim()) fail("description must say what breached");
  if (spec.alarmName !== undefined && (spec.alarmName.length < 1 || spec.alarmName.length > 255)) fail(`alarmName must be 1-255 characters, got ${spec.alarmName.length}`);
  if (!Number.isFinite(spec.threshold)) fail(`threshold must be a finite number, got ${spec.threshold}`);
  if (!isAlarmPeriod(spec.periodSeconds)) fail(`periodSeconds must be a multiple of 60 up to 86400, got ${spec.periodSeconds}`);
  if (!Number.isInteger(spec.evaluationPeriods) || spec.evaluationPeriods < 1) fail(`evaluationPeriods must be a positive integer, got ${spec.evaluationPeriods}`);
  const datapoints = spec.datapointsToAlarm ?? spec.evaluationPeriods;
  if (!Number.isInteger(datapoints) || datapoints < 1 || datapoints > spec.evaluationPeriods) {
    fail(`datapointsToAlarm must be an integer from 1 to evaluationPeriods (${spec.evaluationPeriods}), got ${datapoints}`);
  }
  if ("queries" in spec && spec.queries !== undefined) {
    if ("metric" in spec) fail("give either metric or queries, not both");
    if (spec.queries.length === 0) fail("queries must not be empty");
    const ids = spec.queries.map((q) => q.id);
    const badId = ids.find((id) => !QUERY_ID.test(id));
    if (badId !== undefined) fail(`query id '${badId}' must start with a lowercase letter and hold only letters, digits and '_'`);
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    if (dup !== undefined) fail(`query id '${dup}' is used twice`);
    for (const q of spec.queries) {
      if ((q.metric === undefined) === (q.expression === undefined)) fail(`query '${q.id}' needs exactly one of metric or expression`);
    }
    const returned = spec.queries.filter((q) => q.returnData);
    if (returned.length !== 1) fail(`exactly one query must have returnData, got ${returned.length}`);
  } else {
    const s = spec as SingleMetricSource;
    if (!s.metric?.namespace || !s.metric.metricName) fail("metric needs a namespace and a metricName");
    if ((s.statistic === undefined) === (s.extendedStatistic === undefined)) fail("give exactly one of statistic or extendedStatistic");
    if (s.statistic !== undefined && !STATISTICS.includes(s.statistic)) fail(`statistic '${s.statistic}' must be one of ${STATISTICS.join(", ")}`);
    if (s.extendedStatistic !== undefined && !PERCENTILE.test(s.extendedStatistic)) fail(`extendedStatistic '${s.extendedStatistic}' must be a percentile such as p99`);
  }
}

/**
 * Creates a MetricAlarm from a spec, notifying `topicArn` on ALARM and on OK (no action on INSUFFICIENT_DATA: how
 * missing data counts is the spec's `treatMissingData`). Throws before registering anything when the spec is wrong.
 */
export function createAlarm(name: string, spec: AlarmSpec, topicArn: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): cloudwatch.MetricAlarm {
  validateAlarmSpec(name, spec);
  const source =
    "queries" in spec && spec.queries !== undefined
      ? {
          metricQueries: spec.queries.map((q) => ({
            id: q.id,
            label: q.label,
            returnData: q.returnData ?? false,
            ...(q.expression !== undefined
              ? { expression: q.expression }
              : {
                  metric: {
                    namespace: q.metric!.namespace,
                    metricName: q.metric!.metricName,
                    dimensions: { ...q.metric!.dimensions },
                    stat: q.metric!.stat,
                    period: spec.periodSeconds,
                  },
                }),
          })),
        }
      : {
          namespace: (spec as SingleMetricSource).metric.namespace,
          metricName: (spec as SingleMetricSource).metric.metricName,
          dimensions: { ...(spec as SingleMetricSource).metric.dimensions },
          ...((spec as SingleMetricSource).statistic !== undefined
            ? { statistic: (spec as SingleMetricSource).statistic }
            : { extendedStatistic: (spec as SingleMetricSource).extendedStatistic }),
          period: spec.periodSeconds,
        };
  return new cloudwatch.MetricAlarm(
    name,
    {
      ...(spec.alarmName !== undefined ? { name: spec.alarmName } : {}),
      alarmDescription: spec.description,
      ...source,
      comparisonOperator: spec.comparison,
      threshold: spec.threshold,
      evaluationPeriods: spec.evaluationPeriods,
      datapointsToAlarm: spec.datapointsToAlarm ?? spec.evaluationPeriods,
      treatMissingData: spec.treatMissingData,
      actionsEnabled: true,
      alarmActions: [topicArn],
      okActions: [topicArn],
    },
    opts,
  );
}
