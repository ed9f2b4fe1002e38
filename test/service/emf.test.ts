import { describe, expect, it } from "vitest";
import { EMF_DIMENSION, EMF_NAMESPACE, featureMetricName, ForecastMetrics, forecastMetrics } from "../../service/src/emf";

const fields = ["length", "diameter", "height", "whole_weight", "shucked_weight", "viscera_weight", "shell_weight"];

describe("forecastMetrics", () => {
  it("builds one CloudWatch EMF document per request", () => {
    const doc = forecastMetrics({
      modelVersion: "78f050bdef83",
      timestamp: 1_700_000_000_123,
      predictions: [9, 10, 12.5],
      numberFields: fields,
      numberMeans: [0.5, 0.4, 0.1, 0.8, 0.3, 0.2, 0.25],
    });
    const line = JSON.stringify(doc);
    expect(line).not.toContain("\n");
    expect(JSON.parse(line)).toEqual({
      _aws: {
        Timestamp: 1_700_000_000_123,
        CloudWatchMetrics: [
          {
            Namespace: "EdgeMlops/Inference",
            Dimensions: [["ModelVersion"]],
            Metrics: [
              { Name: "RequestCount", Unit: "Count" },
              { Name: "PredictionMean", Unit: "None" },
              { Name: "Feature_length_Mean", Unit: "None" },
              { Name: "Feature_diameter_Mean", Unit: "None" },
              { Name: "Feature_height_Mean", Unit: "None" },
              { Name: "Feature_whole_weight_Mean", Unit: "None" },
              { Name: "Feature_shucked_weight_Mean", Unit: "None" },
              { Name: "Feature_viscera_weight_Mean", Unit: "None" },
              { Name: "Feature_shell_weight_Mean", Unit: "None" },
            ],
          },
        ],
      },
      ModelVersion: "78f050bdef83",
      RequestCount: 1,
      PredictionMean: 31.5 / 3,
      Feature_length_Mean: 0.5,
      Feature_diameter_Mean: 0.4,
      Feature_height_Mean: 0.1,
      Feature_whole_weight_Mean: 0.8,
      Feature_shucked_weight_Mean: 0.3,
      Feature_viscera_weight_Mean: 0.2,
      Feature_shell_weight_Mean: 0.25,
    });
  });

  it("every declared metric has a numeric value and the dimension has a value (EMF rules)", () => {
    const doc = forecastMetrics({ modelVersion: "v1", timestamp: 0, predictions: [1], numberFields: ["a"], numberMeans: [2] });
    const directive = doc._aws.CloudWatchMetrics[0]!;
    expect(directive.Namespace).toBe(EMF_NAMESPACE);
    for (const m of directive.Metrics) expect(typeof doc[m.Name]).toBe("number");
    for (const d of directive.Dimensions.flat()) expect(typeof doc[d]).toBe("string");
    expect(EMF_DIMENSION).toBe("ModelVersion");
    expect(featureMetricName("shell_weight")).toBe("Feature_shell_weight_Mean");
  });

  it("serialises a model's fixed parts once: each request's line adds only the timestamp and the means", () => {
    const metrics = new ForecastMetrics("v1", ["a", "b"]);
    const first = metrics.line(1_700_000_000_001, [2, 4], [0.5, 1]);
    const second = metrics.line(1_700_000_000_002, [1e308, 1e308], [Number.POSITIVE_INFINITY, -0]);
    for (const line of [first, second]) expect(line.indexOf("\n")).toBe(line.length - 1);
    const directive = {
      Namespace: "EdgeMlops/Inference",
      Dimensions: [["ModelVersion"]],
      Metrics: [
        { Name: "RequestCount", Unit: "Count" },
        { Name: "PredictionMean", Unit: "None" },
        { Name: "Feature_a_Mean", Unit: "None" },
        { Name: "Feature_b_Mean", Unit: "None" },
      ],
    };
    expect(JSON.parse(first)).toEqual({
      _aws: { Timestamp: 1_700_000_000_001, CloudWatchMetrics: [directive] },
      ModelVersion: "v1", RequestCount: 1, PredictionMean: 3, Feature_a_Mean: 0.5, Feature_b_Mean: 1,
    });
    // Non-finite values are written as JSON.stringify writes them (null), never as bare Infinity.
    expect(JSON.parse(second)).toMatchObject({ _aws: { Timestamp: 1_700_000_000_002 }, PredictionMean: null, Feature_a_Mean: null, Feature_b_Mean: 0 });
  });

  it("refuses inputs that cannot form a document", () => {
    expect(() => forecastMetrics({ modelVersion: "v", timestamp: 0, predictions: [], numberFields: [], numberMeans: [] })).toThrow(
      "forecastMetrics needs at least one prediction",
    );
    expect(() => forecastMetrics({ modelVersion: "v", timestamp: 0, predictions: [1], numberFields: ["a"], numberMeans: [] })).toThrow(
      "1 number fields but 0 means",
    );
  });
});
