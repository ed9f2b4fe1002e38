import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseStackSettings } from "../../components/config";
import {
  DEFAULT_DRIFT_BASELINE,
  driftAlarmSpecs,
  driftTargets,
  driftWidgets,
  parseDriftBaseline,
  readDriftBaseline,
  zTestExpression,
} from "../../components/observability/drift";
import type { AlarmQuery, AlarmSpec } from "../../components/observability/alarms";
import { driftAlarmPrefix } from "../../contracts/drift";

/** The metric math lines of a spec. */
const queries = (spec: AlarmSpec): readonly AlarmQuery[] => ("queries" in spec ? spec.queries : []);

const SHIPPED = path.join(__dirname, "..", "..", "service", "model", "model.json");
const shippedDoc = () => JSON.parse(fs.readFileSync(SHIPPED, "utf8"));
const thresholds = parseStackSettings({
  environment: "dev",
  observability: { alarms: { driftCriticalZ: 3.5, driftMinEffectSize: 0.25, periodSeconds: 60 } },
}).observability.alarms;

describe("parseDriftBaseline", () => {
  it("reads the shipped model's version and number fields, not its statistics", () => {
    expect(DEFAULT_DRIFT_BASELINE).toBe(SHIPPED);
    const b = readDriftBaseline(SHIPPED);
    expect(b).toEqual({ modelVersion: "78f050bdef83", features: ["length", "diameter", "height", "whole_weight", "shucked_weight", "viscera_weight", "shell_weight"] });
    const doc = shippedDoc();
    delete doc.training_statistics;
    expect(parseDriftBaseline(doc, "m")).toEqual(b);
  });

  it("watches number fields only (not the category field sex)", () => {
    const doc = shippedDoc();
    expect(doc.input_fields.map((f: { name: string }) => f.name)).toContain("sex");
    expect(driftTargets(parseDriftBaseline(doc, "m"), "svc").map((t) => t.watch)).not.toContain("sex");
  });

  it("names the field that makes a baseline unusable", () => {
    const broken = (mutate: (doc: any) => void) => {
      const doc = shippedDoc();
      mutate(doc);
      return () => parseDriftBaseline(doc, "model.json");
    };
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
  const SERVICE = "edge-mlops-prod";

  it("makes one alarm per number field and one for the prediction, each named with the service's drift prefix", () => {
    const specs = driftAlarmSpecs(b, SERVICE, thresholds);
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
    for (const spec of Object.values(specs)) expect(spec.alarmName?.startsWith(driftAlarmPrefix(SERVICE))).toBe(true);
    expect(specs["drift-prediction"].alarmName).toBe("edge-mlops-prod-drift-prediction");
  });

  it("is a z-test of the period mean: Average and SampleCount of the z metric under the Service dimension", () => {
    const spec = driftAlarmSpecs(b, SERVICE, thresholds)["drift-feature-whole_weight"];
    const metric = { namespace: "EdgeMlops/Inference", metricName: "Feature_whole_weight_Z", dimensions: { Service: SERVICE } };
    expect(spec).toEqual({
      alarmName: "edge-mlops-prod-drift-feature-whole_weight",
      description:
        "Model drift: the mean of input field 'whole_weight' served by edge-mlops-prod is 3.5 or more standard errors from the training mean and at least 0.25 training standard deviations away. Check the incoming data; a retraining run starts unless one ran in this cool-down window.",
      queries: [
        { id: "avg", label: "Feature_whole_weight_Z Average", metric: { ...metric, stat: "Average" } },
        { id: "n", label: "Feature_whole_weight_Z SampleCount", metric: { ...metric, stat: "SampleCount" } },
        { id: "z", label: "|period mean - training mean| in standard errors", expression: "IF(ABS(avg) >= 0.25, ABS(avg) * (n ^ 0.5), 0)", returnData: true },
      ],
      comparison: "GreaterThanOrEqualToThreshold",
      threshold: 3.5,
      periodSeconds: 60,
      evaluationPeriods: 3,
      treatMissingData: "notBreaching",
    });
    const prediction = queries(driftAlarmSpecs(b, SERVICE, thresholds)["drift-prediction"]);
    expect(prediction[0].metric!.metricName).toBe("Prediction_Z");
  });

  it("drops the effect-size gate when the minimum effect size is 0", () => {
    expect(zTestExpression("avg", "n", 0)).toBe("ABS(avg) * (n ^ 0.5)");
    const spec = driftAlarmSpecs(b, SERVICE, { ...thresholds, driftMinEffectSize: 0 })["drift-prediction"];
    expect(queries(spec)[2].expression).toBe("ABS(avg) * (n ^ 0.5)");
    expect(spec.description).not.toContain("standard deviations away");
  });

  it("refuses a service whose alarm names would pass CloudWatch's 255 characters", () => {
    const service = "s".repeat(230);
    expect(() => driftAlarmSpecs(b, service, thresholds)).toThrow(
      `drift alarm name '${service}-drift-feature-whole_weight' is 257 characters; CloudWatch allows at most 255`,
    );
    expect(() => driftAlarmSpecs(b, "s".repeat(226), thresholds)).not.toThrow();
  });

  it("graphs the service's requests and every z statistic with the alarm line", () => {
    const [requests, drift] = driftWidgets(b, SERVICE, thresholds);
    expect(requests.properties.metrics).toEqual([["EdgeMlops/Inference", "RequestCount", "Service", SERVICE, { stat: "Sum" }]]);
    expect(drift.properties.metrics).toHaveLength(24);
    expect(drift.properties.metrics[15]).toEqual(["EdgeMlops/Inference", "Prediction_Z", "Service", SERVICE, { id: "n7", stat: "SampleCount", visible: false }]);
    expect(drift.properties.metrics[16]).toEqual([{ expression: "IF(ABS(avg0) >= 0.25, ABS(avg0) * (n0 ^ 0.5), 0)", id: "z0", label: "length" }]);
    expect(drift.properties.annotations).toEqual({ horizontal: [{ value: 3.5, label: "alarm at z ≥ 3.5", fill: "above" }] });
  });
});

describe("the drift settings", () => {
  const alarms = (a: Record<string, unknown>) => () => parseStackSettings({ environment: "dev", observability: { alarms: a } });
  it("default to k = 2.5 and e = 0.1, and bound k to [2, 8] and e to [0, 2]", () => {
    expect(parseStackSettings({ environment: "dev" }).observability.alarms).toMatchObject({ driftCriticalZ: 2.5, driftMinEffectSize: 0.1 });
    expect(alarms({ driftCriticalZ: 1.96 })).toThrow(/driftCriticalZ/);
    expect(alarms({ driftCriticalZ: 8.5 })).toThrow(/driftCriticalZ/);
    expect(alarms({ driftMinEffectSize: -0.1 })).toThrow(/driftMinEffectSize/);
    expect(alarms({ driftMinEffectSize: 2.5 })).toThrow(/driftMinEffectSize/);
    expect(alarms({ driftStdDevs: 3 })).toThrow(/driftStdDevs/);
  });
});
