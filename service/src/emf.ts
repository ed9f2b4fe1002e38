/**
 * CloudWatch embedded metric format (EMF) for POST /forecast. One document per successful request,
 * written to stdout as one line; CloudWatch Logs extracts the metrics from it. Alarms on model drift
 * compare these means with the training statistics recorded in model.json, so the names below are a
 * contract: namespace EdgeMlops/Inference, dimension ModelVersion, metrics RequestCount,
 * PredictionMean and Feature_<field>_Mean for every number input field.
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

/** The EMF document for one successful forecast request (pure: same input, same document). */
export function forecastMetrics(input: ForecastMetricsInput): EmfDocument {
  const { predictions, numberFields, numberMeans } = input;
  if (predictions.length === 0) throw new RangeError("forecastMetrics needs at least one prediction");
  if (numberFields.length !== numberMeans.length) {
    throw new RangeError(`${numberFields.length} number fields but ${numberMeans.length} means`);
  }
  let sum = 0;
  for (let i = 0; i < predictions.length; i++) sum += predictions[i]!;
  const metrics: EmfMetric[] = [
    { Name: "RequestCount", Unit: "Count" },
    { Name: "PredictionMean", Unit: "None" },
  ];
  const values: Record<string, number | string> = {
    [EMF_DIMENSION]: input.modelVersion,
    RequestCount: 1,
    PredictionMean: sum / predictions.length,
  };
  numberFields.forEach((field, i) => {
    const name = featureMetricName(field);
    metrics.push({ Name: name, Unit: "None" });
    values[name] = numberMeans[i]!;
  });
  return {
    _aws: {
      Timestamp: input.timestamp,
      CloudWatchMetrics: [{ Namespace: EMF_NAMESPACE, Dimensions: [[EMF_DIMENSION]], Metrics: metrics }],
    },
    ...values,
  };
}
