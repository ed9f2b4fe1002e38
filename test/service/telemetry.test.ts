// The samples message a device publishes (service/src/telemetry.ts) against the format the continuous-training DAG
// ingests: the DAG's own parser (airflow/dags/feature_ingest.py, run with the Airflow environment's Python) must read
// every message back as the instances and rounded predictions that went in.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runFeatureIngest } from "../support/feature-ingest";
import { MAX_SAMPLES_PER_MESSAGE, Sampler, samplesCsv, targetValue, type Instance } from "../../service/src/telemetry";

const ROOT = path.resolve(__dirname, "..", "..");
const model = JSON.parse(fs.readFileSync(path.join(ROOT, "service", "model", "model.json"), "utf8")) as { target: string; input_fields: { name: string }[] };
const COLUMNS = { inputs: model.input_fields.map((f) => f.name), target: model.target };

const instances: Instance[] = [
  { sex: "M", length: 0.455, diameter: 0.365, height: 0.095, whole_weight: 0.514, shucked_weight: 0.2245, viscera_weight: 0.101, shell_weight: 0.15 },
  { sex: "I", length: 0.33, diameter: 0.255, height: 0.08, whole_weight: 0.205, shucked_weight: 0.0895, viscera_weight: 0.0395, shell_weight: 0.055 },
  { sex: "F", length: 1e-7, diameter: 0, height: 0.125, whole_weight: 2.5, shucked_weight: 1, viscera_weight: 0.5, shell_weight: 0.75 },
];

/** Runs feature_ingest.parse_csv on `csv` and returns its rows (or its error) as JSON. */
function dagParse(csv: string): { rows?: Record<string, unknown>[]; error?: string } {
  const out = runFeatureIngest(
    [
      "import dataclasses, json",
      "try:",
      "    rows = fi.parse_csv(sys.stdin.buffer.read(), 's3://data/incoming/devices/hub-1/1.csv')",
      "    print(json.dumps({'rows': [dataclasses.asdict(r) for r in rows]}))",
      "except fi.IngestValidationError as err:",
      "    print(json.dumps({'error': str(err)}))",
    ],
    { input: csv },
  );
  return JSON.parse(out) as { rows?: Record<string, unknown>[]; error?: string };
}

describe("samplesCsv", () => {
  it("writes the header and one row per instance, the prediction rounded in the target column", () => {
    expect(samplesCsv(COLUMNS, instances.slice(0, 2), [9.4, 6.5])).toBe(
      "sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight,rings\n" +
        "M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,9\n" +
        "I,0.33,0.255,0.08,0.205,0.0895,0.0395,0.055,7\n",
    );
  });

  it("is read back by the DAG's own parser as the same instances and rounded predictions", () => {
    const result = dagParse(samplesCsv(COLUMNS, instances, [9.4, 0.2, 15.5]));
    expect(result.error).toBeUndefined();
    expect(result.rows).toEqual(instances.map((instance, i) => ({ line: i + 2, ...instance, rings: [9, 1, 16][i] })));
  });

  it("is refused by the DAG's parser when a column is missing (the check can fail)", () => {
    const result = dagParse(samplesCsv({ inputs: COLUMNS.inputs.slice(1), target: "rings" }, instances, [9, 9, 9]));
    expect(result.error).toContain("missing column(s) sex");
  });

  it("rejects what it cannot write, naming the problem", () => {
    expect(() => samplesCsv(COLUMNS, instances, [1, 2])).toThrow("3 instances but 2 predictions");
    expect(() => samplesCsv(COLUMNS, [], [])).toThrow(`a samples message holds 1 to ${MAX_SAMPLES_PER_MESSAGE} instances, got 0`);
    expect(() => samplesCsv(COLUMNS, [{ ...instances[0], height: Number.NaN }], [1])).toThrow("instance 0: field 'height' is not a finite number");
    expect(() => samplesCsv(COLUMNS, [{ length: 1 }], [1])).toThrow("instance 0: field 'sex' is missing (expected a number or a category)");
    expect(() => targetValue(Number.POSITIVE_INFINITY)).toThrow("prediction Infinity is not a finite number");
  });

  it("quotes a cell holding a comma or a quote", () => {
    expect(samplesCsv({ inputs: ["note"], target: "rings" }, [{ note: 'a,"b"' }], [3])).toBe('note,rings\n"a,""b""",3\n');
  });
});

describe("Sampler", () => {
  it("takes each instance with the given probability", () => {
    const draws = [0.05, 0.5, 0.099, 0.1, 0.9];
    const sampler = new Sampler(0.1, () => draws.shift()!);
    expect(sampler.pick(5)).toEqual([0, 2]);
  });

  it("takes none at 0 and all at 1 without drawing", () => {
    const never = () => {
      throw new Error("drew a number");
    };
    expect(new Sampler(0, never).pick(3)).toEqual([]);
    expect(new Sampler(1, never).pick(3)).toEqual([0, 1, 2]);
  });

  it("rejects a rate outside 0 to 1", () => {
    expect(() => new Sampler(1.5)).toThrow("sample rate must be a number from 0 to 1, got 1.5");
    expect(() => new Sampler(Number.NaN)).toThrow("sample rate must be a number from 0 to 1, got NaN");
  });
});
