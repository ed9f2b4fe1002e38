import { describe, expect, it } from "vitest";
import { MAX_EMF_VALUES } from "../../contracts/drift";
import { Z_LIMIT } from "../../contracts/drift";
import { CLOUDWATCH_MAX_VALUE, DriftMetrics, type DriftModel } from "../../service/src/emf";
import { emfProblems } from "./emf-spec";
import { shippedModel } from "./support";

/** Two number fields and a category; statistics chosen so every z below is exact in binary. */
const model: DriftModel = {
  input_fields: [
    { name: "sex", type: "category", categories: ["M", "F"] },
    { name: "a", type: "number" },
    { name: "b", type: "number", minimum: 0 },
  ],
  training_statistics: {
    rows: 10,
    features: { a: { mean: 0.5, std: 0.25, min: 0, max: 1 }, b: { mean: 10, std: 4, min: 0, max: 20 } },
    categories: { sex: { M: 0.5, F: 0.5 } },
    target: { mean: 9, std: 3, min: 1, max: 20 },
    prediction: { mean: 9, std: 2, min: 3, max: 15 },
  },
};

const parse = (lines: string) => lines.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);

describe("DriftMetrics (contracts/drift.ts)", () => {
  it("writes one document per request with z = (x − μ) / σ per instance, computed by hand", () => {
    // Instance 0: prediction 13, a 1, b 2; instance 1: prediction 8, a 0.25, b 10 (numbers field by field).
    const lines = new DriftMetrics(model, "hbs-fleet").lines(1_700_000_000_123, [13, 8], [1, 0.25, 2, 10]);
    expect(lines.endsWith("}\n")).toBe(true);
    expect(lines.indexOf("\n")).toBe(lines.length - 1);
    expect(JSON.parse(lines)).toEqual({
      _aws: {
        Timestamp: 1_700_000_000_123,
        CloudWatchMetrics: [
          {
            Namespace: "EdgeMlops/Inference",
            Dimensions: [["Service"]],
            Metrics: [
              { Name: "RequestCount", Unit: "Count" },
              { Name: "Prediction_Z", Unit: "None" },
              { Name: "Feature_a_Z", Unit: "None" },
              { Name: "Feature_b_Z", Unit: "None" },
            ],
          },
        ],
      },
      Service: "hbs-fleet",
      RequestCount: 1,
      Prediction_Z: [2, -0.5], // (13 − 9) / 2, (8 − 9) / 2
      Feature_a_Z: [2, -1], // (1 − 0.5) / 0.25, (0.25 − 0.5) / 0.25
      Feature_b_Z: [-2, 0], // (2 − 10) / 4, (10 − 10) / 4
    });
    expect(emfProblems(JSON.parse(lines))).toEqual([]);
  });

  it("writes more than 100 instances as documents of at most 100 values, RequestCount in the first only", () => {
    const count = 2 * MAX_EMF_VALUES + 50;
    const predictions = Array.from({ length: count }, (_, i) => 9 + i / 8);
    const numbers = Array.from({ length: 2 * count }, (_, j) => (j < count ? 0.5 + j / 64 : 10 - (j - count)));
    const docs = parse(new DriftMetrics(model, "local").lines(5, predictions, numbers));
    expect(docs.map((d) => d.Prediction_Z.length)).toEqual([100, 100, 50]);
    expect(docs.map((d) => d.RequestCount)).toEqual([1, undefined, undefined]);
    expect(docs.map((d) => d._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name))).toEqual([
      ["RequestCount", "Prediction_Z", "Feature_a_Z", "Feature_b_Z"],
      ["Prediction_Z", "Feature_a_Z", "Feature_b_Z"],
      ["Prediction_Z", "Feature_a_Z", "Feature_b_Z"],
    ]);
    for (const doc of docs) expect([doc.Service, doc._aws.Timestamp, emfProblems(doc)]).toEqual(["local", 5, []]);
    // Concatenated in order, the documents hold every instance's z once (clipped to ±Z_LIMIT).
    const clip = (z: number) => Math.max(-Z_LIMIT, Math.min(Z_LIMIT, z));
    expect(docs.flatMap((d) => d.Prediction_Z)).toEqual(predictions.map((p) => clip((p - 9) / 2)));
    expect(docs.flatMap((d) => d.Feature_a_Z)).toEqual(numbers.slice(0, count).map((x) => clip((x - 0.5) / 0.25)));
    expect(docs.flatMap((d) => d.Feature_b_Z)).toEqual(numbers.slice(count).map((x) => clip((x - 10) / 4)));
    expect(parse(new DriftMetrics(model, "local").lines(5, predictions.slice(0, 100), [...numbers.slice(0, 100), ...numbers.slice(0, 100)]))).toHaveLength(1);
  });

  it("serialises a model's fixed parts once: requests differ only in timestamp and values", () => {
    const metrics = new DriftMetrics(model, "local");
    const first = parse(metrics.lines(1, [9], [0.5, 10]))[0]!;
    const second = parse(metrics.lines(2, [11], [0.75, 14]))[0]!;
    expect(first._aws.CloudWatchMetrics).toEqual(second._aws.CloudWatchMetrics);
    expect([first.Prediction_Z, first.Feature_a_Z, first.Feature_b_Z]).toEqual([[0], [0], [0]]);
    expect([second._aws.Timestamp, second.Prediction_Z, second.Feature_a_Z, second.Feature_b_Z]).toEqual([2, [1], [1], [1]]);
  });

  it("leaves out a field whose training σ is 0 and names it", () => {
    const flat: DriftModel = {
      ...model,
      training_statistics: { ...model.training_statistics, features: { ...model.training_statistics.features, a: { mean: 1, std: 0, min: 1, max: 1 } } },
    };
    const metrics = new DriftMetrics(flat, "local");
    expect(metrics.unstandardisable).toEqual(["a"]);
    const [doc] = parse(metrics.lines(0, [9], [3, 10]));
    expect(doc!.Feature_a_Z).toBeUndefined();
    expect(doc!._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name)).toEqual(["RequestCount", "Prediction_Z", "Feature_b_Z"]);
    expect(doc!.Feature_b_Z).toEqual([0]);
  });

  it("clips z to ±Z_LIMIT (an absurd input cannot dominate a period) and writes magnitudes below 2^-360 as 0", () => {
    const tiny: DriftModel = { ...model, training_statistics: { ...model.training_statistics, prediction: { mean: 0, std: 1e-300, min: 0, max: 0 } } };
    // 1e300 / 1e-300 overflows to ±Infinity; 1e-290 / 1e-300 = 1e10: all three beyond the limit.
    const [doc] = parse(new DriftMetrics(tiny, "local").lines(0, [1e300, -1e300, 1e-290], [0.5, 0.5, 0.5, 10, 10, 10]));
    expect(doc!.Prediction_Z).toEqual([Z_LIMIT, -Z_LIMIT, Z_LIMIT]);
    expect(Z_LIMIT).toBeLessThan(CLOUDWATCH_MAX_VALUE);
    expect(emfProblems(doc!)).toEqual([]);
    const centred: DriftModel = { ...model, training_statistics: { ...model.training_statistics, prediction: { mean: 0, std: 1, min: 0, max: 0 } } };
    const [small] = parse(new DriftMetrics(centred, "local").lines(0, [2 ** -400, 2 ** -300], [0.5, 0.5, 10, 10]));
    expect(small!.Prediction_Z).toEqual([0, 2 ** -300]);
  });

  it("writes valid documents for the shipped model", () => {
    const shipped = shippedModel();
    const fields = shipped.input_fields.filter((f) => f.type === "number").map((f) => f.name);
    const metrics = new DriftMetrics(shipped, "inference-dev");
    expect(metrics.unstandardisable).toEqual([]);
    const [doc] = parse(metrics.lines(0, [10], fields.map((f) => shipped.training_statistics.features[f]!.mean)));
    expect(emfProblems(doc!)).toEqual([]);
    for (const f of fields) expect(doc![`Feature_${f}_Z`]).toEqual([0]);
  });

  it("refuses inputs that cannot form a document", () => {
    const metrics = new DriftMetrics(model, "local");
    expect(() => metrics.lines(0, [], [])).toThrow("DriftMetrics.lines needs at least one prediction");
    expect(() => metrics.lines(0, [1, 2], [1, 2, 3])).toThrow("2 number fields × 2 predictions need 4 values, got 3");
  });
});

describe("the EMF rule checker", () => {
  it("finds what breaks the specification", () => {
    const doc = parse(new DriftMetrics(model, "local").lines(0, [9], [0.5, 10]))[0]!;
    expect(emfProblems(doc)).toEqual([]);
    expect(emfProblems({ ...doc, Prediction_Z: Array(101).fill(0) })).toEqual(["metric Prediction_Z: 101 values, allowed 1 to 100"]);
    expect(emfProblems({ ...doc, Service: undefined })).toEqual(["dimension Service: root member must be a string of 1-1024 characters"]);
    expect(emfProblems({ ...doc, Feature_a_Z: [null] })).toEqual(["metric Feature_a_Z: null is not a number"]);
    expect(emfProblems({ ...doc, Feature_b_Z: [2 ** 361] })).toEqual([`metric Feature_b_Z: ${2 ** 361} is outside CloudWatch's range`]);
    expect(emfProblems({ ...doc, _aws: { ...doc._aws, Timestamp: "now" } })).toEqual(["/_aws/Timestamp must be integer"]);
  });
});
