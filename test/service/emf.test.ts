// The drift metrics' EMF documents (service/src/emf.ts): z values computed by hand, the specification's rules, and the
// buffering across requests (documents of at most 100 values, one second each, flushed on size, on the timer and on
// demand) keeping every value and the request count exactly once.
import { afterEach, describe, expect, it, vi } from "vitest";
import { DRIFT_VALUES_PER_SECOND, MAX_EMF_VALUES, Z_LIMIT } from "../../contracts/drift";
import { CLOUDWATCH_MAX_VALUE, DriftMetrics, DriftMetricsWriter, METRICS_FLUSH_MS, type DriftModel } from "../../service/src/emf";
import { emfProblems } from "./emf-spec";
import { shippedModel, writtenZ } from "./support";

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
/** The documents of one request alone: what `add` completes, then the rest flushed. */
const alone = (metrics: DriftMetrics, timestamp: number, predictions: number[], numbers: number[]) =>
  metrics.add(timestamp, predictions, numbers) + metrics.flush();

describe("DriftMetrics (contracts/drift.ts)", () => {
  it("writes a request's values as one document with z = (x − μ) / σ per instance, computed by hand", () => {
    // Instance 0: prediction 13, a 1, b 2; instance 1: prediction 8, a 0.25, b 10 (numbers field by field).
    const metrics = new DriftMetrics(model, "hbs-fleet");
    expect(metrics.add(1_700_000_000_123, [13, 8], [1, 0.25, 2, 10])).toBe("");
    expect(metrics.empty).toBe(false);
    const lines = metrics.flush();
    expect([metrics.empty, metrics.flush()]).toEqual([true, ""]);
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

  it("writes more than 100 instances as documents of at most 100 values, the full ones at once, RequestCount in the first only", () => {
    const count = 2 * MAX_EMF_VALUES + 50;
    const predictions = Array.from({ length: count }, (_, i) => 9 + i / 8);
    const numbers = Array.from({ length: 2 * count }, (_, j) => (j < count ? 0.5 + j / 64 : 10 - (j - count)));
    const metrics = new DriftMetrics(model, "local");
    const full = parse(metrics.add(5, predictions, numbers));
    expect(full.map((d) => d.Prediction_Z.length)).toEqual([100, 100]);
    const docs = [...full, ...parse(metrics.flush())];
    expect(docs.map((d) => d.Prediction_Z.length)).toEqual([100, 100, 50]);
    expect(docs.map((d) => d.RequestCount)).toEqual([1, undefined, undefined]);
    expect(docs.map((d) => d._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name))).toEqual([
      ["RequestCount", "Prediction_Z", "Feature_a_Z", "Feature_b_Z"],
      ["Prediction_Z", "Feature_a_Z", "Feature_b_Z"],
      ["Prediction_Z", "Feature_a_Z", "Feature_b_Z"],
    ]);
    for (const doc of docs) expect([doc.Service, doc._aws.Timestamp, emfProblems(doc)]).toEqual(["local", 5, []]);
    // Concatenated in order, the documents hold every instance's z once (clipped to ±Z_LIMIT, 4 places).
    expect(docs.flatMap((d) => d.Prediction_Z)).toEqual(predictions.map((p) => writtenZ(p, 9, 2)));
    expect(docs.flatMap((d) => d.Feature_a_Z)).toEqual(numbers.slice(0, count).map((x) => writtenZ(x, 0.5, 0.25)));
    expect(docs.flatMap((d) => d.Feature_b_Z)).toEqual(numbers.slice(count).map((x) => writtenZ(x, 10, 4)));
    const exact = new DriftMetrics(model, "local");
    expect(parse(exact.add(5, predictions.slice(0, 100), [...numbers.slice(0, 100), ...numbers.slice(0, 100)]))).toHaveLength(1);
    expect(exact.empty).toBe(true);
  });

  it("serialises a model's fixed parts once: requests differ only in timestamp and values", () => {
    const metrics = new DriftMetrics(model, "local");
    const first = parse(alone(metrics, 1, [9], [0.5, 10]))[0]!;
    const second = parse(alone(metrics, 2, [11], [0.75, 14]))[0]!;
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
    const [doc] = parse(alone(metrics, 0, [9], [3, 10]));
    expect(doc!.Feature_a_Z).toBeUndefined();
    expect(doc!._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name)).toEqual(["RequestCount", "Prediction_Z", "Feature_b_Z"]);
    expect(doc!.Feature_b_Z).toEqual([0]);
  });

  it("clips z to ±Z_LIMIT (an absurd input cannot dominate a period) and writes it to Z_DECIMALS places, so nothing below CloudWatch's 2^-360 but 0", () => {
    const tiny: DriftModel = { ...model, training_statistics: { ...model.training_statistics, prediction: { mean: 0, std: 1e-300, min: 0, max: 0 } } };
    // 1e300 / 1e-300 overflows to ±Infinity; 1e-290 / 1e-300 = 1e10: all three beyond the limit.
    const [doc] = parse(alone(new DriftMetrics(tiny, "local"), 0, [1e300, -1e300, 1e-290], [0.5, 0.5, 0.5, 10, 10, 10]));
    expect(doc!.Prediction_Z).toEqual([Z_LIMIT, -Z_LIMIT, Z_LIMIT]);
    expect(Z_LIMIT).toBeLessThan(CLOUDWATCH_MAX_VALUE);
    expect(emfProblems(doc!)).toEqual([]);
    const centred: DriftModel = { ...model, training_statistics: { ...model.training_statistics, prediction: { mean: 0, std: 1, min: 0, max: 0 } } };
    const values = [2 ** -400, -(2 ** -300), 0.00005, -0.00005, 0.00016, 1.23456, -9.99999, 9.99994, 3, -0.5, 0.1 + 0.2];
    const [small] = parse(alone(new DriftMetrics(centred, "local"), 0, values, values.flatMap(() => [0.5, 10])));
    // Rounded on the scaled value as Math.round does (a half goes up: -0.5 to 0), trailing zeros dropped.
    expect(small!.Prediction_Z).toEqual([0, 0, 0.0001, 0, 0.0002, 1.2346, -10, 9.9999, 3, -0.5, 0.3]);
    expect(emfProblems(small!)).toEqual([]);
  });

  it("writes every value of the 4-place grid from -Z_LIMIT to Z_LIMIT, and values between, as JavaScript's shortest text of the rounded z", () => {
    const centred: DriftModel = { ...model, training_statistics: { ...model.training_statistics, prediction: { mean: 0, std: 1, min: 0, max: 0 } } };
    const metrics = new DriftMetrics(centred, "local");
    // Every multiple of 10^-4 in ±Z_LIMIT (each fraction 0-9999 with every whole part), then 20,000 points off the
    // grid (a fixed linear congruential sequence, no Math.random: the same values each run).
    const values = Array.from({ length: 2 * Z_LIMIT * 10_000 + 1 }, (_, k) => (k - Z_LIMIT * 10_000) / 10_000);
    let state = 12345;
    for (let k = 0; k < 20_000; k++) {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      values.push((state / 2 ** 31 - 0.5) * 2.2 * Z_LIMIT);
    }
    for (let from = 0; from < values.length; from += MAX_EMF_VALUES) {
      const chunk = values.slice(from, from + MAX_EMF_VALUES);
      const line = alone(metrics, 0, chunk, chunk.flatMap(() => [0.5, 10]));
      const text = /"Prediction_Z":\[([^\]]*)\]/.exec(line)![1];
      expect(text).toBe(chunk.map((z) => String(writtenZ(z, 0, 1))).join(","));
    }
  });

  it("writes valid documents for the shipped model", () => {
    const shipped = shippedModel();
    const fields = shipped.input_fields.filter((f) => f.type === "number").map((f) => f.name);
    const metrics = new DriftMetrics(shipped, "inference-dev");
    expect(metrics.unstandardisable).toEqual([]);
    const [doc] = parse(alone(metrics, 0, [10], fields.map((f) => shipped.training_statistics.features[f]!.mean)));
    expect(emfProblems(doc!)).toEqual([]);
    for (const f of fields) expect(doc![`Feature_${f}_Z`]).toEqual([0]);
  });

  it("refuses inputs that cannot form a document", () => {
    const metrics = new DriftMetrics(model, "local");
    expect(() => metrics.add(0, [], [])).toThrow("DriftMetrics.add needs at least one prediction");
    expect(() => metrics.add(0, [1, 2], [1, 2, 3])).toThrow("2 number fields × 2 predictions need 4 values, got 3");
    expect(metrics.empty).toBe(true);
  });
});

describe("DriftMetrics buffering across requests", () => {
  /** Requests of 1 to 120 instances (777 in all), numbered values, every z exact in binary and inside ±Z_LIMIT. */
  const sizes = [1, 3, 7, 50, 1, 99, 2, 120, 1, 1, 100, 40, 60, 17, 83, 100, 92];
  const requests = sizes.map((count, r) => {
    const before = sizes.slice(0, r).reduce((a, b) => a + b, 0);
    const ids = Array.from({ length: count }, (_, i) => before + i);
    return { at: 1_700_000_000_000 + r, predictions: ids.map((k) => 9 + k / 64), numbers: [...ids.map((k) => 0.5 + k / 512), ...ids.map((k) => 10 - k / 32)] };
  });

  it("gathers the requests of one second into documents of 100 values: every z value and every request exactly once", () => {
    const metrics = new DriftMetrics(model, "local");
    let out = "";
    for (const { at, predictions, numbers } of requests) out += metrics.add(at, predictions, numbers);
    const written = parse(out);
    const docs = [...written, ...parse(metrics.flush())];
    expect(written).toHaveLength(7);
    expect(docs.map((d) => d.Prediction_Z.length)).toEqual([100, 100, 100, 100, 100, 100, 100, 77]);
    for (const doc of docs) expect(emfProblems(doc)).toEqual([]);
    const all = requests.flatMap((r) => r.predictions);
    expect(docs.flatMap((d) => d.Prediction_Z)).toEqual(all.map((p) => writtenZ(p, 9, 2)));
    expect(docs.flatMap((d) => d.Feature_a_Z)).toEqual(requests.flatMap((r) => r.numbers.slice(0, r.predictions.length).map((x) => writtenZ(x, 0.5, 0.25))));
    expect(docs.flatMap((d) => d.Feature_b_Z)).toEqual(requests.flatMap((r) => r.numbers.slice(r.predictions.length).map((x) => writtenZ(x, 10, 4))));
    // Each request is counted in the document its first value went to; a document only of a request's later values has no RequestCount.
    expect(docs.map((d) => d.RequestCount)).toEqual([6, 2, 3, 1, 2, 2, 1, undefined]);
    expect(docs.reduce((n, d) => n + (d.RequestCount ?? 0), 0)).toBe(sizes.length);
    // A document's Timestamp is the time of the request its first value came from.
    expect(docs.map((d) => d._aws.Timestamp - 1_700_000_000_000)).toEqual([0, 5, 7, 10, 11, 13, 15, 16]);
    expect(metrics.empty).toBe(true);
  });

  it("starts a new document when a value arrives in a later second, so a document's values share its Timestamp's second", () => {
    const metrics = new DriftMetrics(model, "local");
    expect(metrics.add(1_999, [9], [0.5, 10])).toBe("");
    expect(metrics.add(1_000, [11], [0.75, 14])).toBe("");
    const [first] = parse(metrics.add(2_000, [13], [1, 18]));
    expect([first!._aws.Timestamp, first!.RequestCount, first!.Prediction_Z]).toEqual([1_999, 2, [0, 1]]);
    expect(metrics.add(2_999, [7], [0.25, 6])).toBe("");
    const [second] = parse(metrics.flush());
    expect([second!._aws.Timestamp, second!.RequestCount, second!.Prediction_Z]).toEqual([2_000, 2, [2, -1]]);
  });
});

describe("DriftMetrics under load (contracts/drift.ts, DRIFT_VALUES_PER_SECOND)", () => {
  const t0 = 1_700_000_000_000;
  /** `requests` requests of `size` instances at `at`; the z of a prediction of request r is r × scale. */
  const load = (metrics: DriftMetrics, at: number, requests: number, size: number, scale = 1) => {
    let out = "";
    for (let r = 0; r < requests; r++) out += metrics.add(at, Array(size).fill(9 + 2 * r * scale), [...Array(size).fill(0.5), ...Array(size).fill(10)]);
    return out;
  };
  /** RequestCount summed, and the Prediction_Z values, of the documents in `lines`; each document checked against the specification. */
  const totals = (lines: string) => {
    const docs = parse(lines);
    for (const doc of docs) expect(emfProblems(doc)).toEqual([]);
    return { requests: docs.reduce((n, d) => n + (d.RequestCount ?? 0), 0), z: docs.flatMap((d) => d.Prediction_Z ?? []) as number[] };
  };

  it("writes every value while the second before brought at most DRIFT_VALUES_PER_SECOND instances (random is not consulted)", () => {
    expect(DRIFT_VALUES_PER_SECOND).toBe(1000);
    const random = vi.fn(() => 0.999);
    const metrics = new DriftMetrics(model, "local", { random });
    const first = totals(load(metrics, t0, 10, 100) + metrics.flush());
    const next = totals(load(metrics, t0 + 1000, 10, 100) + metrics.flush());
    expect([first.requests, first.z.length, next.requests, next.z.length]).toEqual([10, 1000, 10, 1000]);
    expect(random).not.toHaveBeenCalled();
  });

  it("after a busier second keeps each request whole with probability DRIFT_VALUES_PER_SECOND / its instances, and counts every request", () => {
    // 2,000 instances in the first second: the next keeps half its requests, those whose random number is below 0.5.
    const draws = [0.1, 0.7, 0.49, 0.5, 0.2, 0.9];
    const metrics = new DriftMetrics(model, "local", { random: () => draws.shift()! });
    totals(load(metrics, t0, 20, 100) + metrics.flush());
    const next = totals(load(metrics, t0 + 1000, 6, 100) + metrics.flush());
    expect(next.requests).toBe(6);
    // Requests 0, 2 and 4 kept, whole: the z of the prediction is the request's number.
    expect(next.z).toEqual([...Array(100).fill(0), ...Array(100).fill(2), ...Array(100).fill(4)]);
  });

  it("writes a second whose requests were all left out as a document of RequestCount alone", () => {
    const metrics = new DriftMetrics(model, "local", { random: () => 0.99 });
    load(metrics, t0, 30, 100);
    metrics.flush();
    const lines = load(metrics, t0 + 1000, 3, 100) + metrics.flush();
    expect(parse(lines)).toEqual([
      {
        _aws: { Timestamp: t0 + 1000, CloudWatchMetrics: [{ Namespace: "EdgeMlops/Inference", Dimensions: [["Service"]], Metrics: [{ Name: "RequestCount", Unit: "Count" }] }] },
        Service: "local",
        RequestCount: 3,
      },
    ]);
    expect(totals(lines).z).toEqual([]);
  });

  it("writes every value again after a quiet or idle second, and its sample's mean stays the load's", () => {
    let seed = 7;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const metrics = new DriftMetrics(model, "local", { random });
    load(metrics, t0, 50, 100);
    metrics.flush();
    // The second after 5,000 instances keeps about a fifth of 500 requests numbered 0-499 (z of request r: r / 50).
    const sampled = totals(load(metrics, t0 + 1000, 500, 10, 1 / 50) + metrics.flush());
    expect(sampled.requests).toBe(500);
    expect(sampled.z.length).toBeGreaterThan(700);
    expect(sampled.z.length).toBeLessThan(1300);
    const mean = sampled.z.reduce((a, b) => a + b, 0) / sampled.z.length;
    expect(Math.abs(mean - 4.99)).toBeLessThan(0.5);
    // Two seconds later (one idle second between): everything again.
    expect(totals(load(metrics, t0 + 3000, 20, 100) + metrics.flush()).z).toHaveLength(2000);
  });
});

describe("DriftMetricsWriter", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const writer = (flushMs?: number) => {
    const writes: string[] = [];
    return { writes, docs: () => writes.flatMap(parse), writer: new DriftMetricsWriter((lines) => writes.push(lines), flushMs) };
  };

  it("writes buffered values once the flush interval has passed, and not before", () => {
    vi.useFakeTimers();
    const { writes, docs, writer: w } = writer();
    const metrics = new DriftMetrics(model, "local");
    w.add(metrics, 0, [9], [0.5, 10]);
    w.add(metrics, 10, [11], [0.75, 14]);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(METRICS_FLUSH_MS - 1);
    expect(writes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(docs().map((d) => [d._aws.Timestamp, d.RequestCount, d.Prediction_Z])).toEqual([[0, 2, [0, 1]]]);
    expect([vi.getTimerCount(), metrics.empty]).toEqual([0, true]);
    // The next value arms the timer again, with the interval given.
    const short = writer(50);
    short.writer.add(metrics, 20, [13], [1, 18]);
    vi.advanceTimersByTime(50);
    expect(short.docs().map((d) => d.Prediction_Z)).toEqual([[2]]);
  });

  it("writes full documents at once and arms no timer when nothing stays buffered", () => {
    vi.useFakeTimers();
    const { docs, writer: w } = writer();
    const metrics = new DriftMetrics(model, "local");
    const count = MAX_EMF_VALUES;
    w.add(metrics, 0, Array(count).fill(9), [...Array(count).fill(0.5), ...Array(count).fill(10)]);
    expect(docs().map((d) => [d.RequestCount, d.Prediction_Z.length])).toEqual([[1, 100]]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("flushes every model's buffer at once, in the order they were first filled, and cancels the timer", () => {
    vi.useFakeTimers();
    const { writes, docs, writer: w } = writer();
    const old = new DriftMetrics(model, "old");
    const current = new DriftMetrics(model, "new");
    w.add(old, 0, [9], [0.5, 10]);
    w.add(current, 1, [11], [0.75, 14]);
    w.add(old, 2, [13], [1, 18]);
    w.flush();
    expect(writes).toHaveLength(1);
    expect(docs().map((d) => [d.Service, d.RequestCount, d.Prediction_Z])).toEqual([["old", 2, [0, 2]], ["new", 1, [1]]]);
    expect(vi.getTimerCount()).toBe(0);
    w.flush();
    expect(writes).toHaveLength(1);
  });

  it("keeps no process alive: its timer is unref'd", () => {
    const { writer: w } = writer();
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const before = timers();
    w.add(new DriftMetrics(model, "local"), 0, [9], [0.5, 10]);
    expect(timers()).toBe(before);
    w.flush();
  });

  it("refuses a flush interval outside 1-1000 ms", () => {
    for (const bad of [0, 1001, 2.5]) {
      expect(() => new DriftMetricsWriter(() => undefined, bad)).toThrow(`flushMs must be an integer from 1 to 1000 (ms), got ${bad}`);
    }
  });
});

describe("the EMF rule checker", () => {
  it("finds what breaks the specification", () => {
    const doc = parse(alone(new DriftMetrics(model, "local"), 0, [9], [0.5, 10]))[0]!;
    expect(emfProblems(doc)).toEqual([]);
    expect(emfProblems({ ...doc, Prediction_Z: Array(101).fill(0) })).toEqual(["metric Prediction_Z: 101 values, allowed 1 to 100"]);
    expect(emfProblems({ ...doc, Service: undefined })).toEqual(["dimension Service: root member must be a string of 1-1024 characters"]);
    expect(emfProblems({ ...doc, Feature_a_Z: [null] })).toEqual(["metric Feature_a_Z: null is not a number"]);
    expect(emfProblems({ ...doc, Feature_b_Z: [2 ** 361] })).toEqual([`metric Feature_b_Z: ${2 ** 361} is outside CloudWatch's range`]);
    expect(emfProblems({ ...doc, _aws: { ...doc._aws, Timestamp: "now" } })).toEqual(["/_aws/Timestamp must be integer"]);
  });
});
