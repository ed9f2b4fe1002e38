/**
 * CloudWatch embedded metric format (EMF) for POST /forecast. One document per successful request,
 * written to stdout as one line; CloudWatch Logs extracts the metrics from it. Alarms on model drift
 * compare these means with the training statistics recorded in model.json, so the names below are a
 * contract: namespace EdgeMlops/Inference, dimension ModelVersion, metrics RequestCount,
 * PredictionMean and Feature_<field>_Mean for every number input field. What is the same for every
 * request of a model (the metric directive, the dimension value, the member names) is serialised once
 * when the model is loaded (ForecastMetrics); each request adds its timestamp and means.
 */

export const EMF_NAMESPACE = "EdgeMlops/Inference";
export const EMF_DIMENSION = "ModelVersion";

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

export function featureMetricName(field: string): string {
  return `Feature_${field}_Mean`;
}

export interface ForecastMetricsInput {
  readonly modelVersion: string;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  readonly predictions: ArrayLike<number>;
  /** Number input field names, with the mean of each over the request's instances (same order). */
  readonly numberFields: readonly string[];
  readonly numberMeans: ArrayLike<number>;
}

/**
 * The EMF line of one successful forecast request for one model, with everything that does not
 * change between requests (the metric directive, the dimension value, the member names) serialised
 * once, at model load. `line` only adds the timestamp and the means.
 */
export class ForecastMetrics {
  private readonly head: string;
  private readonly featureKeys: readonly string[];

  constructor(
    readonly modelVersion: string,
    /** Number input field names, in the order `line` receives their means. */
    readonly numberFields: readonly string[],
  ) {
    const metrics: EmfMetric[] = [
      { Name: "RequestCount", Unit: "Count" },
      { Name: "PredictionMean", Unit: "None" },
      ...numberFields.map((field): EmfMetric => ({ Name: featureMetricName(field), Unit: "None" })),
    ];
    const directives = JSON.stringify([{ Namespace: EMF_NAMESPACE, Dimensions: [[EMF_DIMENSION]], Metrics: metrics }]);
    this.head = `,"CloudWatchMetrics":${directives}},${JSON.stringify(EMF_DIMENSION)}:${JSON.stringify(modelVersion)},"RequestCount":1,"PredictionMean":`;
    this.featureKeys = numberFields.map((field) => `,${JSON.stringify(featureMetricName(field))}:`);
  }

  /**
   * One EMF document as a JSON line (newline included). `timestamp` is in milliseconds since the
   * epoch; `numberMeans` holds the mean of each number field over the request's instances. Throws
   * RangeError for no predictions or a means count that differs from the number fields.
   */
  line(timestamp: number, predictions: ArrayLike<number>, numberMeans: ArrayLike<number>): string {
    if (predictions.length === 0) throw new RangeError("forecastMetrics needs at least one prediction");
    if (numberMeans.length !== this.featureKeys.length) {
      throw new RangeError(`${this.featureKeys.length} number fields but ${numberMeans.length} means`);
    }
    let sum = 0;
    for (let i = 0; i < predictions.length; i++) sum += predictions[i]!;
    let out = `{"_aws":{"Timestamp":${timestamp}${this.head}${jsonNumber(sum / predictions.length)}`;
    for (let i = 0; i < this.featureKeys.length; i++) out += this.featureKeys[i]! + jsonNumber(numberMeans[i]!);
    return `${out}}\n`;
  }
}

/** A number as JSON.stringify writes it (non-finite values become null). */
function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : "null";
}

/** The EMF document for one successful forecast request (pure: same input, same document). */
export function forecastMetrics(input: ForecastMetricsInput): EmfDocument {
  const line = new ForecastMetrics(input.modelVersion, input.numberFields).line(input.timestamp, input.predictions, input.numberMeans);
  return JSON.parse(line) as EmfDocument;
}
