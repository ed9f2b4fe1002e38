// Model drift: the inference service emits, per request and model version, the mean of each number input field and
// of the predictions (CloudWatch embedded metric format, see service/src/emf.ts). The training statistics recorded in
// model.json say where those means sat in training. A drift alarm fires when a period's mean leaves
// `training mean ± k · training std`: metric math `ABS(m - mean) / std` compared with k, one alarm per number field and
// one for the prediction mean. This is the signal that starts retraining.
import * as fs from "node:fs";
import * as path from "node:path";
import { EMF_DIMENSION, EMF_NAMESPACE, featureMetricName } from "../../service/src/emf";
import type { AlarmSpec } from "./alarms";
import type { AlarmThresholds } from "./contract";
import { expressionLine, graphWidget, metricLine, type MetricWidget } from "./widgets";

export { EMF_DIMENSION, EMF_NAMESPACE, featureMetricName };

/** The model the service image carries: the default baseline. */
export const DEFAULT_DRIFT_BASELINE = path.resolve(__dirname, "..", "..", "service", "model", "model.json");
/** Metric of the mean prediction per request. */
export const PREDICTION_METRIC = "PredictionMean";
/** Metric counting requests per model version. */
export const REQUEST_METRIC = "RequestCount";

export interface BandStatistics {
  readonly mean: number;
  readonly std: number;
}

/** What drift alarms need from a model.json. */
export interface DriftBaseline {
  readonly modelVersion: string;
  /** Number input fields in model order, each with its training mean and standard deviation. */
  readonly features: readonly (BandStatistics & { readonly name: string })[];
  /** Mean and standard deviation of the model's predictions on its training data. */
  readonly prediction: BandStatistics;
}

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

function band(value: unknown, at: string, source: string): BandStatistics {
  const v = value as { mean?: unknown; std?: unknown } | undefined;
  if (typeof v !== "object" || v === null) throw new Error(`${source}: ${at} is missing`);
  if (typeof v.mean !== "number" || !Number.isFinite(v.mean)) throw new Error(`${source}: ${at}.mean must be a finite number`);
  if (typeof v.std !== "number" || !Number.isFinite(v.std) || v.std <= 0) {
    throw new Error(`${source}: ${at}.std must be a positive number (a drift band needs a spread), got ${JSON.stringify(v.std)}`);
  }
  return { mean: v.mean, std: v.std };
}

/** Reads the drift baseline out of a parsed model.json; throws `<source>: <field> ...` naming the first bad field. */
export function parseDriftBaseline(doc: unknown, source: string): DriftBaseline {
  const m = doc as { model_version?: unknown; input_fields?: unknown; training_statistics?: { features?: unknown; prediction?: unknown } };
  if (typeof m !== "object" || m === null || Array.isArray(m)) throw new Error(`${source}: must be a JSON object (a model.json)`);
  if (typeof m.model_version !== "string" || m.model_version.trim() === "") throw new Error(`${source}: model_version must be a non-empty string`);
  if (!Array.isArray(m.input_fields) || m.input_fields.length === 0) throw new Error(`${source}: input_fields must be a non-empty list`);
  const stats = m.training_statistics;
  if (typeof stats !== "object" || stats === null) throw new Error(`${source}: training_statistics is missing`);
  const featureStats = (stats.features ?? {}) as Record<string, unknown>;
  const features = m.input_fields
    .map((f: unknown, i: number) => {
      const field = f as { name?: unknown; type?: unknown };
      if (typeof field?.name !== "string" || !FIELD_NAME.test(field.name)) throw new Error(`${source}: input_fields[${i}].name must be a name of letters, digits and _`);
      return field;
    })
    .filter((f) => f.type === "number")
    .map((f) => ({ name: f.name as string, ...band(featureStats[f.name as string], `training_statistics.features.${String(f.name)}`, source) }));
  if (features.length === 0) throw new Error(`${source}: input_fields has no number field to watch`);
  return { modelVersion: m.model_version, features, prediction: band(stats.prediction, "training_statistics.prediction", source) };
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

/** Metric math of a band: how many training standard deviations `id`'s value is from the training mean. */
export function bandExpression(id: string, b: BandStatistics): string {
  return `ABS(${id} - (${b.mean})) / ${b.std}`;
}

/** One watched metric: the feature (or "prediction"), its EMF metric name and its band. */
export interface DriftTarget extends BandStatistics {
  /** Field name, or "prediction". */
  readonly watch: string;
  readonly metricName: string;
}

/** Every metric the drift alarms watch: each number field's mean, then the prediction mean. */
export function driftTargets(b: DriftBaseline): DriftTarget[] {
  return [
    ...b.features.map((f) => ({ watch: f.name, metricName: featureMetricName(f.name), mean: f.mean, std: f.std })),
    { watch: "prediction", metricName: PREDICTION_METRIC, mean: b.prediction.mean, std: b.prediction.std },
  ];
}

/** Alarm specs keyed by resource name suffix: `drift-feature-<field>` per number field and `drift-prediction`. */
export function driftAlarmSpecs(b: DriftBaseline, t: AlarmThresholds): Record<string, AlarmSpec> {
  const specs: Record<string, AlarmSpec> = {};
  for (const target of driftTargets(b)) {
    const what = target.watch === "prediction" ? "the mean prediction" : `the mean of input field '${target.watch}'`;
    specs[target.watch === "prediction" ? "drift-prediction" : `drift-feature-${target.watch}`] = {
      description:
        `Model drift: ${what} served by model ${b.modelVersion} left its training band ` +
        `${target.mean} ± ${t.driftStdDevs} × ${target.std}. Check the incoming data; retrain if the shift is real.`,
      queries: [
        {
          id: "m",
          label: target.metricName,
          metric: { namespace: EMF_NAMESPACE, metricName: target.metricName, dimensions: { [EMF_DIMENSION]: b.modelVersion }, stat: "Average" },
        },
        { id: "z", label: `|${target.metricName} - training mean| / training std`, expression: bandExpression("m", target), returnData: true },
      ],
      comparison: "GreaterThanThreshold",
      threshold: t.driftStdDevs,
      periodSeconds: t.periodSeconds,
      evaluationPeriods: t.evaluationPeriods,
      // No requests, no evidence of drift.
      treatMissingData: "notBreaching",
    };
  }
  return specs;
}

/** Dashboard widgets of drift: requests per model version and every watched mean in standard deviations. */
export function driftWidgets(b: DriftBaseline, t: Pick<AlarmThresholds, "driftStdDevs" | "periodSeconds">): MetricWidget[] {
  const targets = driftTargets(b);
  const dims = { [EMF_DIMENSION]: b.modelVersion };
  return [
    graphWidget(`Requests served by model ${b.modelVersion}`, [metricLine(EMF_NAMESPACE, REQUEST_METRIC, dims, { stat: "Sum" })], {
      period: t.periodSeconds,
      width: 8,
    }),
    graphWidget(
      `Drift of model ${b.modelVersion}: |mean - training mean| / training std`,
      [
        ...targets.map((target, i) => metricLine(EMF_NAMESPACE, target.metricName, dims, { id: `m${i}`, stat: "Average", visible: false })),
        ...targets.map((target, i) => expressionLine(bandExpression(`m${i}`, target), `z${i}`, target.watch)),
      ],
      { period: t.periodSeconds, width: 16, annotations: { horizontal: [{ value: t.driftStdDevs, label: `alarm at ${t.driftStdDevs} std`, fill: "above" }] } },
    ),
  ];
}
