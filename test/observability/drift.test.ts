import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStackSettings } from "../../components/config";
import {
  bandExpression,
  DEFAULT_DRIFT_BASELINE,
  driftAlarmSpecs,
  driftTargets,
  driftWidgets,
  parseDriftBaseline,
  readDriftBaseline,
  type DriftBaseline,
} from "../../components/observability/drift";
import type { AlarmQuery, AlarmSpec } from "../../components/observability/alarms";
import { fixture, post, startService } from "../service/support";

/** The metric math lines of a spec. */
const queries = (spec: AlarmSpec): readonly AlarmQuery[] => ("queries" in spec ? spec.queries : []);

const SHIPPED = path.join(__dirname, "..", "..", "service", "model", "model.json");
const shippedDoc = () => JSON.parse(fs.readFileSync(SHIPPED, "utf8"));
const thresholds = parseStackSettings({
  environment: "dev",
  observability: { alarms: { driftStdDevs: 2.5, periodSeconds: 60 } },
}).observability.alarms;

describe("parseDriftBaseline", () => {
  it("reads the shipped model's version and training bands", () => {
    expect(DEFAULT_DRIFT_BASELINE).toBe(SHIPPED);
    const b = readDriftBaseline(SHIPPED);
    expect(b.modelVersion).toBe("78f050bdef83");
    expect(b.features.map((f) => f.name)).toEqual(["length", "diameter", "height", "whole_weight", "shucked_weight", "viscera_weight", "shell_weight"]);
    expect(b.features[0]).toEqual({ name: "length", mean: 0.5239920995930094, std: 0.12007853620602839 });
    expect(b.features[6]).toEqual({ name: "shell_weight", mean: 0.23883085946851804, std: 0.13918600552884794 });
    expect(b.prediction).toEqual({ mean: 9.93368446253292, std: 2.3790145699377994 });
  });

  it("watches number fields only (not the category field sex)", () => {
    const doc = shippedDoc();
    expect(doc.input_fields.map((f: { name: string }) => f.name)).toContain("sex");
    expect(driftTargets(parseDriftBaseline(doc, "m")).map((t) => t.watch)).not.toContain("sex");
  });

  it("names the field that makes a band impossible", () => {
    const broken = (mutate: (doc: any) => void) => {
      const doc = shippedDoc();
      mutate(doc);
      return () => parseDriftBaseline(doc, "model.json");
    };
    expect(broken((d) => (d.training_statistics.features.height.std = 0))).toThrow(
      "model.json: training_statistics.features.height.std must be a positive number (a drift band needs a spread), got 0",
    );
    expect(broken((d) => delete d.training_statistics.features.diameter)).toThrow("model.json: training_statistics.features.diameter is missing");
    expect(broken((d) => (d.training_statistics.prediction.mean = "9"))).toThrow("model.json: training_statistics.prediction.mean must be a finite number");
    expect(broken((d) => delete d.model_version)).toThrow("model.json: model_version must be a non-empty string");
    expect(broken((d) => (d.input_fields = d.input_fields.filter((f: any) => f.type !== "number")))).toThrow("model.json: input_fields has no number field to watch");
    expect(broken((d) => (d.input_fields[1].name = "len gth"))).toThrow("model.json: input_fields[1].name must be a name of letters, digits and _");
    expect(() => parseDriftBaseline([], "model.json")).toThrow("model.json: must be a JSON object (a model.json)");
  });

  describe("from files", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drift-"));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    it("names the file that cannot be read or parsed", () => {
      const missing = path.join(dir, "missing.json");
      expect(() => readDriftBaseline(missing)).toThrow(`driftBaseline '${missing}' cannot be read: ENOENT`);
      const bad = path.join(dir, "bad.json");
      fs.writeFileSync(bad, "{ not json");
      expect(() => readDriftBaseline(bad)).toThrow(new RegExp(`^driftBaseline '${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}' is not JSON`));
    });
  });
});

describe("driftAlarmSpecs", () => {
  const b = readDriftBaseline(SHIPPED);

  it("makes one alarm per number field and one for the prediction mean", () => {
    const specs = driftAlarmSpecs(b, thresholds);
    expect(Object.keys(specs)).toEqual([
      "drift-feature-length",
      "drift-feature-diameter",
      "drift-feature-height",
      "drift-feature-whole_weight",
      "drift-feature-shucked_weight",
      "drift-feature-viscera_weight",
      "drift-feature-shell_weight",
      "drift-prediction",
    ]);
  });

  it("compares |mean - training mean| / training std with k, per model version", () => {
    const spec = driftAlarmSpecs(b, thresholds)["drift-feature-whole_weight"];
    expect(spec).toEqual({
      description:
        "Model drift: the mean of input field 'whole_weight' served by model 78f050bdef83 left its training band 0.8287421594445774 ± 2.5 × 0.4903303136137728. Check the incoming data; retrain if the shift is real.",
      queries: [
        {
          id: "m",
          label: "Feature_whole_weight_Mean",
          metric: { namespace: "EdgeMlops/Inference", metricName: "Feature_whole_weight_Mean", dimensions: { ModelVersion: "78f050bdef83" }, stat: "Average" },
        },
        {
          id: "z",
          label: "|Feature_whole_weight_Mean - training mean| / training std",
          expression: "ABS(m - (0.8287421594445774)) / 0.4903303136137728",
          returnData: true,
        },
      ],
      comparison: "GreaterThanThreshold",
      threshold: 2.5,
      periodSeconds: 60,
      evaluationPeriods: 3,
      treatMissingData: "notBreaching",
    });
    const prediction = queries(driftAlarmSpecs(b, thresholds)["drift-prediction"]);
    expect(prediction[0].metric!.metricName).toBe("PredictionMean");
    expect(prediction[1].expression).toBe("ABS(m - (9.93368446253292)) / 2.3790145699377994");
  });

  it("keeps negative means readable in metric math", () => {
    expect(bandExpression("m", { mean: -1.5, std: 0.25 })).toBe("ABS(m - (-1.5)) / 0.25");
  });

  it("graphs every watched mean in standard deviations with the alarm line", () => {
    const [requests, drift] = driftWidgets(b, thresholds);
    expect(requests.properties.metrics).toEqual([["EdgeMlops/Inference", "RequestCount", "ModelVersion", "78f050bdef83", { stat: "Sum" }]]);
    expect(drift.properties.metrics).toHaveLength(16);
    expect(drift.properties.metrics[7]).toEqual(["EdgeMlops/Inference", "PredictionMean", "ModelVersion", "78f050bdef83", { id: "m7", stat: "Average", visible: false }]);
    expect(drift.properties.metrics[8]).toEqual([{ expression: "ABS(m0 - (0.5239920995930094)) / 0.12007853620602839", id: "z0", label: "length" }]);
    expect(drift.properties.annotations).toEqual({ horizontal: [{ value: 2.5, label: "alarm at 2.5 std", fill: "above" }] });
  });
});

describe("the running service emits exactly the metrics the drift alarms watch", () => {
  let ctx: Awaited<ReturnType<typeof startService>>;
  let emf: Record<string, any>;
  let baseline: DriftBaseline;
  beforeAll(async () => {
    baseline = readDriftBaseline(SHIPPED);
    ctx = await startService();
    const { instances } = fixture();
    const reply = await post(ctx.port, { instances });
    expect(reply.status).toBe(200);
    const lines = ctx.parsed().filter((l) => l._aws !== undefined);
    expect(lines).toHaveLength(1);
    emf = lines[0];
  });
  afterAll(async () => {
    await ctx.service.shutdown(1_000);
  });

  it("in the namespace and dimension the alarms query, for the served model version", () => {
    const [directive] = emf._aws.CloudWatchMetrics;
    expect(directive.Namespace).toBe("EdgeMlops/Inference");
    expect(directive.Dimensions).toEqual([["ModelVersion"]]);
    expect(emf.ModelVersion).toBe(baseline.modelVersion);
    for (const spec of Object.values(driftAlarmSpecs(baseline, thresholds))) {
      const metric = queries(spec)[0].metric!;
      expect(metric.namespace).toBe(directive.Namespace);
      expect(metric.dimensions).toEqual({ [directive.Dimensions[0][0]]: emf.ModelVersion });
    }
  });

  it("with the same metric names: every emitted mean is watched and every watched metric is emitted", () => {
    const emitted = emf._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name).filter((n: string) => n !== "RequestCount");
    const watched = Object.values(driftAlarmSpecs(baseline, thresholds)).map((s) => queries(s)[0].metric!.metricName);
    expect([...emitted].sort()).toEqual([...watched].sort());
    expect(watched).toHaveLength(8);
  });

  it("and data like the training data stays inside every band", () => {
    // The fixture's instances come from the training data: their means must not look like drift.
    for (const target of driftTargets(baseline)) {
      const value = emf[target.metricName];
      expect(typeof value).toBe("number");
      expect(Math.abs(value - target.mean) / target.std).toBeLessThan(thresholds.driftStdDevs);
    }
  });
});
