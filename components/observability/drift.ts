// Model drift as a z-test per period. The model server standardises every served number input and every prediction
// with the served model's own training statistics (contracts/drift.ts): under the training distribution each z value
// has mean 0 and standard deviation 1, whatever model is served. A period's Average of n such values, times √n, is
// the period mean's distance from the training mean in standard errors. One alarm per number input field of the
// baseline model and one for the prediction compares
//
//     IF(ABS(avg) >= e, ABS(avg) * (n ^ 0.5), 0)   >   k          (avg: Average, n: SampleCount of the period)
//
// k (`driftCriticalZ`, default 2.5) is the critical value of the two-sided test: a period breaches when its z is k or
// more. e (`driftMinEffectSize`, default 0.1 training standard deviations) keeps a huge sample count from alarming on a
// negligible shift; up to (k / e)² values a period (625 with the defaults) the z-test alone decides.
// Under the training distribution one alarm's datapoint breaches with probability at most P(|Z| ≥ 2.5) = 1.2% per
// period (with e it is P(|Z| ≥ max(k, e·√n)), never more), and the alarm fires only when all `evaluationPeriods`
// periods in a row breach: 1.9e-6 for the default 3. A period mean 3 standard errors away breaches, once it is also at
// least e standard deviations away; a population mean shifted by 3 standard errors breaches in 69% of the periods.
// These rates take the period mean as normal (the central limit theorem), which holds from a few dozen values a period;
// with fewer, a skewed input breaches more often than P(|Z| ≥ k) says.
// √n is written `n ^ 0.5`: metric math has the `^` operator but no square-root function.
// The baseline model.json only says which fields to watch: the statistics that set the test are in each z value.
// These alarms are what starts retraining (components/training-workflow/retrain.ts matches them by name prefix).
import * as fs from "node:fs";
import * as path from "node:path";
import { driftAlarmPrefix, featureZMetricName, METRICS_NAMESPACE, PREDICTION_Z_METRIC, REQUEST_METRIC, SERVICE_DIMENSION } from "../../contracts/drift";
import type { AlarmSpec } from "./alarms";
import type { AlarmThresholds } from "./contract";
import { expressionLine, graphWidget, metricLine, type MetricWidget } from "./widgets";

/** The model the service image carries: the default baseline. */
export const DEFAULT_DRIFT_BASELINE = path.resolve(__dirname, "..", "..", "service", "model", "model.json");
/** Longest CloudWatch alarm name (PutMetricAlarm: AlarmName, 1-255 characters). */
export const MAX_ALARM_NAME_LENGTH = 255;

/** What drift alarms need from a model.json: which fields are numbers. */
export interface DriftBaseline {
  readonly modelVersion: string;
  /** Number input fields, in model order. */
  readonly features: readonly string[];
}

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** Reads the drift baseline out of a parsed model.json; throws `<source>: <field> ...` naming the first bad field. */
export function parseDriftBaseline(doc: unknown, source: string): DriftBaseline {
  const m = doc as { model_version?: unknown; input_fields?: unknown };
  if (typeof m !== "object" || m === null || Array.isArray(m)) throw new Error(`${source}: must be a JSON object (a model.json)`);
  if (typeof m.model_version !== "string" || m.model_version.trim() === "") throw new Error(`${source}: model_version must be a non-empty string`);
  if (!Array.isArray(m.input_fields) || m.input_fields.length === 0) throw new Error(`${source}: input_fields must be a non-empty list`);
  const features = m.input_fields
    .map((f: unknown, i: number) => {
      const field = f as { name?: unknown; type?: unknown };
      if (typeof field?.name !== "string" || !FIELD_NAME.test(field.name)) throw new Error(`${source}: input_fields[${i}].name must be a name of letters, digits and _`);
      return field;
    })
    .filter((f) => f.type === "number")
    .map((f) => f.name as string);
  if (features.length === 0) throw new Error(`${source}: input_fields has no number field to watch`);
  return { modelVersion: m.model_version, features };
}

/** Reads and checks a model.json file; errors name the file. */
export function readDriftBaseline(file: string): DriftBaseline {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`driftBaseline '${file}' cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`driftBaseline '${file}' is not JSON: ${(e as Error).message}`);
  }
  return parseDriftBaseline(doc, `driftBaseline '${file}'`);
}

/**
 * Metric math of the z statistic of a period: `ABS(avg) * (n ^ 0.5)` (standard errors from the training mean), or 0 when
 * the period mean is less than `minEffectSize` training standard deviations away (0: no such gate). `avg` and `n` are
 * the ids of the metric's Average and SampleCount.
 */
export function zTestExpression(avg: string, n: string, minEffectSize: number): string {
  const z = `ABS(${avg}) * (${n} ^ 0.5)`;
  return minEffectSize > 0 ? `IF(ABS(${avg}) >= ${minEffectSize}, ${z}, 0)` : z;
}

/** One watched metric: the field (or "prediction"), its z metric and the alarm's name. */
export interface DriftTarget {
  /** Field name, or "prediction". */
  readonly watch: string;
  readonly metricName: string;
  /** `<driftAlarmPrefix(service)>feature-<field>` or `<driftAlarmPrefix(service)>prediction`. */
  readonly alarmName: string;
}

/** Every metric the drift alarms watch: each number field's z, then the prediction's. @throws when a name is too long. */
export function driftTargets(b: DriftBaseline, service: string): DriftTarget[] {
  const prefix = driftAlarmPrefix(service);
  const targets = [
    ...b.features.map((f) => ({ watch: f, metricName: featureZMetricName(f), alarmName: `${prefix}feature-${f}` })),
    { watch: "prediction", metricName: PREDICTION_Z_METRIC, alarmName: `${prefix}prediction` },
  ];
  const long = targets.find((t) => t.alarmName.length > MAX_ALARM_NAME_LENGTH);
  if (long) throw new Error(`drift alarm name '${long.alarmName}' is ${long.alarmName.length} characters; CloudWatch allows at most ${MAX_ALARM_NAME_LENGTH}`);
  return targets;
}

/**
 * Alarm specs keyed by resource name suffix (`drift-feature-<field>`, `drift-prediction`), each with its explicit
 * alarm name. `service` is the value of the Service dimension the tasks write (env SERVICE_DIMENSION_ENV).
 */
export function driftAlarmSpecs(b: DriftBaseline, service: string, t: AlarmThresholds): Record<string, AlarmSpec> {
  const specs: Record<string, AlarmSpec> = {};
  const effect = t.driftMinEffectSize > 0 ? ` and at least ${t.driftMinEffectSize} training standard deviations away` : "";
  for (const target of driftTargets(b, service)) {
    const what = target.watch === "prediction" ? "the predictions" : `input field '${target.watch}'`;
    const metric = { namespace: METRICS_NAMESPACE, metricName: target.metricName, dimensions: { [SERVICE_DIMENSION]: service } };
    specs[target.watch === "prediction" ? "drift-prediction" : `drift-feature-${target.watch}`] = {
      alarmName: target.alarmName,
      description:
        `Model drift: the mean of ${what} served by ${service} is ${t.driftCriticalZ} or more standard errors from the ` +
        `training mean${effect}. Check the incoming data; a retraining run starts unless one ran in this cool-down window.`,
      queries: [
        { id: "avg", label: `${target.metricName} Average`, metric: { ...metric, stat: "Average" } },
        { id: "n", label: `${target.metricName} SampleCount`, metric: { ...metric, stat: "SampleCount" } },
        { id: "z", label: "|period mean - training mean| in standard errors", expression: zTestExpression("avg", "n", t.driftMinEffectSize), returnData: true },
      ],
      comparison: "GreaterThanOrEqualToThreshold",
      threshold: t.driftCriticalZ,
      periodSeconds: t.periodSeconds,
      evaluationPeriods: t.evaluationPeriods,
      // No requests, no evidence of drift.
      treatMissingData: "notBreaching",
    };
  }
  return specs;
}

/** Dashboard widgets of drift: the service's requests and every watched z statistic with the alarm line. */
export function driftWidgets(b: DriftBaseline, service: string, t: Pick<AlarmThresholds, "driftCriticalZ" | "driftMinEffectSize" | "periodSeconds">): MetricWidget[] {
  const targets = driftTargets(b, service);
  const dims = { [SERVICE_DIMENSION]: service };
  return [
    graphWidget(`Requests served by ${service}`, [metricLine(METRICS_NAMESPACE, REQUEST_METRIC, dims, { stat: "Sum" })], { period: t.periodSeconds, width: 8 }),
    graphWidget(
      `Drift of ${service}: |period mean - training mean| in standard errors`,
      [
        ...targets.flatMap((target, i) => [
          metricLine(METRICS_NAMESPACE, target.metricName, dims, { id: `avg${i}`, stat: "Average", visible: false }),
          metricLine(METRICS_NAMESPACE, target.metricName, dims, { id: `n${i}`, stat: "SampleCount", visible: false }),
        ]),
        ...targets.map((target, i) => expressionLine(zTestExpression(`avg${i}`, `n${i}`, t.driftMinEffectSize), `z${i}`, target.watch)),
      ],
      { period: t.periodSeconds, width: 16, annotations: { horizontal: [{ value: t.driftCriticalZ, label: `alarm at z ≥ ${t.driftCriticalZ}`, fill: "above" }] } },
    ),
  ];
}
