/**
 * CloudWatch embedded metric format (EMF) for POST /forecast: the drift metrics of contracts/drift.ts.
 * Per successful request the server writes, to stdout, one document (one line; CloudWatch Logs extracts
 * the metrics from it) in namespace METRICS_NAMESPACE with the one dimension SERVICE_DIMENSION:
 *
 *   RequestCount              1 (first document of the request only)
 *   Prediction_Z              [(prediction − μ) / σ per instance]   μ, σ: training_statistics.prediction
 *   Feature_<field>_Z         [(x − μ) / σ per instance]            μ, σ: training_statistics.features.<field>
 *
 * The z values are standardised with the served model's own statistics, so the alarms need no model
 * version. EMF allows at most MAX_EMF_VALUES values per metric array, so a request of more instances
 * is written as several documents of up to 100 instances each (RequestCount only in the first).
 * What is the same for every request of a model (the directives, the dimension value, the member
 * names, each field's μ and σ) is prepared once when the model is loaded (DriftMetrics); each
 * request adds its timestamp and z values.
 *
 * A field whose training σ is 0 has no z (its whole training column was one value): its metric is left
 * out of the documents and DriftMetrics.unstandardisable names it, for the server's warning at load.
 * CloudWatch refuses values whose magnitude is above 2^360 or below 2^-360 (PutMetricData,
 * MetricDatum.Value); a z beyond that is written as ±2^360 and a z closer to 0 than 2^-360 as 0.
 */
import {
  featureZMetricName,
  MAX_EMF_VALUES,
  METRICS_NAMESPACE,
  PREDICTION_Z_METRIC,
  REQUEST_METRIC,
  SERVICE_DIMENSION,
  Z_LIMIT,
} from "../../contracts/drift";
import type { ModelFile } from "./model";

export interface EmfMetric {
  readonly Name: string;
  readonly Unit: "Count" | "None";
}

export interface EmfDocument {
  readonly _aws: {
    readonly Timestamp: number;
    readonly CloudWatchMetrics: ReadonlyArray<{
      readonly Namespace: string;
      readonly Dimensions: ReadonlyArray<ReadonlyArray<string>>;
      readonly Metrics: ReadonlyArray<EmfMetric>;
    }>;
  };
  readonly [member: string]: unknown;
}

/** Largest magnitude CloudWatch accepts for a metric value (2^360; PutMetricData, MetricDatum.Value). */
export const CLOUDWATCH_MAX_VALUE = 2 ** 360;
/** Smallest non-zero magnitude CloudWatch accepts (2^-360). */
export const CLOUDWATCH_MIN_VALUE = 2 ** -360;

/** A z value as written: clipped to ±Z_LIMIT (contracts/drift.ts), and 0 below CloudWatch's smallest magnitude. */
function zText(z: number): string {
  const magnitude = Math.abs(z);
  if (magnitude > Z_LIMIT) return z > 0 ? String(Z_LIMIT) : String(-Z_LIMIT);
  if (magnitude < CLOUDWATCH_MIN_VALUE) return "0";
  return String(z);
}

/** What DriftMetrics needs from a model: its number input fields and training statistics. */
export type DriftModel = Pick<ModelFile, "input_fields" | "training_statistics">;

interface Standardised {
  /** `,"<metric>":[` */
  readonly key: string;
  readonly mean: number;
  readonly std: number;
  /** Row of this field in the request's number values (-1: the predictions). */
  readonly slot: number;
}

/**
 * The EMF lines of the successful forecast requests of one model, for one Service dimension value.
 * `lines` takes the request's predictions and its number values field by field
 * (`numbers[slot * count + i]`: number field `slot`, in input-field order, of instance `i`).
 */
export class DriftMetrics {
  /** Number fields whose training σ is 0: no z, no metric. */
  readonly unstandardisable: readonly string[];
  private readonly first: string;
  private readonly rest: string;
  private readonly series: readonly Standardised[];
  private readonly numberFields: number;

  constructor(model: DriftModel, service: string) {
    const stats = model.training_statistics;
    const series: Standardised[] = [];
    const flat: string[] = [];
    if (stats.prediction.std > 0) series.push({ key: PREDICTION_Z_METRIC, mean: stats.prediction.mean, std: stats.prediction.std, slot: -1 });
    else flat.push("prediction");
    let slot = 0;
    for (const field of model.input_fields) {
      if (field.type !== "number") continue;
      const { mean, std } = stats.features[field.name]!;
      if (std > 0) series.push({ key: featureZMetricName(field.name), mean, std, slot });
      else flat.push(field.name);
      slot++;
    }
    this.unstandardisable = flat;
    this.numberFields = slot;
    this.series = series.map((s) => ({ ...s, key: `,${JSON.stringify(s.key)}:[` }));
    const head = (withCount: boolean): string => {
      const metrics: EmfMetric[] = series.map((s) => ({ Name: s.key, Unit: "None" }));
      if (withCount) metrics.unshift({ Name: REQUEST_METRIC, Unit: "Count" });
      const directives = JSON.stringify([{ Namespace: METRICS_NAMESPACE, Dimensions: [[SERVICE_DIMENSION]], Metrics: metrics }]);
      const count = withCount ? `,${JSON.stringify(REQUEST_METRIC)}:1` : "";
      return `,"CloudWatchMetrics":${directives}},${JSON.stringify(SERVICE_DIMENSION)}:${JSON.stringify(service)}${count}`;
    };
    this.first = head(true);
    this.rest = head(false);
  }

  /**
   * The request's EMF documents as JSON lines (newline included): ceil(count / MAX_EMF_VALUES) of them.
   * `timestamp` is in milliseconds since the epoch. Throws RangeError for no predictions or a
   * `numbers` array whose length is not the number fields × the predictions.
   */
  lines(timestamp: number, predictions: ArrayLike<number>, numbers: ArrayLike<number>): string {
    const count = predictions.length;
    if (count === 0) throw new RangeError("DriftMetrics.lines needs at least one prediction");
    const fields = this.numberFields;
    if (numbers.length !== fields * count) {
      throw new RangeError(`${fields} number fields × ${count} predictions need ${fields * count} values, got ${numbers.length}`);
    }
    let out = "";
    for (let start = 0; start < count; start += MAX_EMF_VALUES) {
      const end = Math.min(count, start + MAX_EMF_VALUES);
      out += `{"_aws":{"Timestamp":${timestamp}${start === 0 ? this.first : this.rest}`;
      for (const { key, mean, std, slot } of this.series) {
        const values = slot === -1 ? predictions : numbers;
        const base = slot === -1 ? 0 : slot * count;
        out += key;
        for (let i = start; i < end; i++) out += (i === start ? "" : ",") + zText((values[base + i]! - mean) / std);
        out += "]";
      }
      out += "}\n";
    }
    return out;
  }
}
