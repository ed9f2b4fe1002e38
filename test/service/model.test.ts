import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { describe, expect, it } from "vitest";
import { defaultModelPath, modelMetadata, parseModel, parseModelUri, type ModelFile } from "../../service/src/model";
import { Predictor } from "../../service/src/predictor";
import { RequestValidator } from "../../service/src/validate";
import { fixture, MODEL_PATH, modelText, ROOT, shippedModel } from "./support";

const schema = JSON.parse(readFileSync(join(ROOT, "service", "model", "model.schema.json"), "utf8"));

describe("model.json and its schema", () => {
  const validate = new Ajv2020({ allErrors: true, strict: true, strictTuples: false }).compile(schema);

  it("the shipped model validates against the draft 2020-12 schema", () => {
    expect(validate(JSON.parse(modelText()))).toBe(true);
    expect(validate.errors ?? null).toBeNull();
  });

  it("the schema rejects what the loader rejects", () => {
    const broken = JSON.parse(modelText());
    broken.trees[0].threshold[0] = "0.5";
    delete broken.training_statistics;
    expect(validate(broken)).toBe(false);
    expect(validate.errors!.map((e) => `${e.instancePath} ${e.message}`)).toEqual([
      " must have required property 'training_statistics'",
      "/trees/0/threshold/0 must be number",
    ]);
  });

  it("describes every property it declares", () => {
    const undocumented = Object.entries(schema.properties as Record<string, { description?: string }>)
      .filter(([, s]) => !s.description)
      .map(([k]) => k);
    expect(undocumented).toEqual([]);
  });
});

describe("predictor", () => {
  const model = shippedModel();
  const predictor = new Predictor(model);
  const validator = new RequestValidator(model);
  const { instances, predictions, model_version } = fixture();

  it("reproduces scikit-learn's predictions for the 200 fixture rows within 1e-6", () => {
    expect(model_version).toBe(model.model_version);
    const input = validator.validate({ instances });
    const actual = predictor.predict(input.rows, input.count);
    expect(actual).toHaveLength(200);
    const worst = Math.max(...actual.map((p, i) => Math.abs(p - predictions[i]!)));
    expect(worst).toBeLessThan(1e-6);
    // The arithmetic mirrors scikit-learn's exactly (float32 inputs, float64 sums in tree order).
    expect(actual).toEqual(predictions);
  });

  it("flattens all trees into one node table", () => {
    expect(predictor.treeCount).toBe(100);
    expect(predictor.featureCount).toBe(10);
  });

  it("rounds inputs to float32 before comparing with thresholds, as scikit-learn does", () => {
    const tiny: ModelFile = {
      ...model,
      init: 1,
      trees: [{ feature: [3, -1, -1], threshold: [0.30000001192092896, 0, 0], left: [1, -1, -1], right: [2, -1, -1], value: [0, 10, 20] }],
    };
    const p = new Predictor(tiny);
    const row = (length: number) => {
      const r = new Float32Array(10);
      r[3] = length;
      return r;
    };
    // 0.3 as float32 is 0.30000001192092896, equal to the threshold: goes left.
    expect(p.predictRow(row(0.3), 0)).toBe(11);
    expect(p.predictRow(row(0.3000001), 0)).toBe(21);
  });

  it("refuses a row buffer shorter than the vectors it is asked to predict", () => {
    expect(() => predictor.predict(new Float32Array(15), 2)).toThrow("rows holds 15 values, 2 vectors need 20");
  });
});

describe("parseModel", () => {
  const mutated = (change: (m: any) => void): string => {
    const m = JSON.parse(modelText());
    change(m);
    return JSON.stringify(m);
  };
  const cases: Array<[string, (m: any) => void, string]> = [
    ["wrong format version", (m) => (m.format_version = 2), "format_version: Invalid input: expected 1"],
    ["unknown top-level key", (m) => (m.extra = true), '(root): Unrecognized key: "extra"'],
    ["missing trees", (m) => delete m.trees, "trees: Invalid input: expected array, received undefined"],
    ["non-integer child", (m) => (m.trees[2].left[0] = 1.5), "trees[2].left[0]: Invalid input: expected int, received number"],
    ["bad model version", (m) => (m.model_version = "a b"), "model_version: must be 1-64 characters"],
    ["unequal node arrays", (m) => m.trees[1].value.pop(), "trees[1].value: has 14 nodes, feature has 15"],
    ["child before parent", (m) => (m.trees[0].left[1] = 0), "trees[0].left[1]: child 0 must be after node 1 and below 15"],
    ["child out of range", (m) => (m.trees[0].right[0] = 99), "trees[0].right[0]: child 99 must be after node 0 and below 15"],
    ["shared child", (m) => (m.trees[0].right[1] = 3), "trees[0].left[2]: node 3 already has a parent"],
    ["half leaf", (m) => (m.trees[0].right[3] = 4), "trees[0].left[3]/right[3]: a leaf has both children -1"],
    ["feature out of range", (m) => (m.trees[0].feature[0] = 10), "trees[0].feature[0]: 10 is not a feature index (0..9)"],
    ["features not matching inputs", (m) => (m.features[9] = "shell"), "features: must be exactly the number fields and one-hot columns"],
    ["encoding missing a category", (m) => delete m.encoding.sex.columns.I, "encoding.sex.columns: must have exactly one column per category (M, F, I)"],
    ["statistics missing a field", (m) => delete m.training_statistics.features.height, "training_statistics.features: must have exactly the number fields"],
    ["duplicate input field", (m) => m.input_fields.push({ name: "height", type: "number" }), "input_fields: field names must be unique"],
    ["negative std", (m) => (m.training_statistics.target.std = -1), "training_statistics.target.std: Too small"],
  ];
  it.each(cases)("rejects %s with the path at fault", (_name, change, message) => {
    expect(() => parseModel(mutated(change), "m.json")).toThrow(`model m.json: ${message}`);
  });

  it("rejects text that is not JSON", () => {
    expect(() => parseModel("{trees:", "m.json")).toThrow(/^model m\.json: not valid JSON: /);
  });

  it("GET /model metadata is everything but the trees", () => {
    const meta = modelMetadata(shippedModel());
    expect(meta.trees).toBeUndefined();
    expect(meta.tree_count).toBe(100);
    expect(meta.training_statistics).toEqual(JSON.parse(modelText()).training_statistics);
  });
});

describe("MODEL_URI", () => {
  it("parses s3, file URLs and paths", () => {
    expect(parseModelUri("s3://edge-models/prod/v3/model.json")).toEqual({ kind: "s3", bucket: "edge-models", key: "prod/v3/model.json" });
    expect(parseModelUri("file:///opt/model.json")).toEqual({ kind: "file", path: "/opt/model.json" });
    expect(parseModelUri("/opt/model.json")).toEqual({ kind: "file", path: "/opt/model.json" });
    expect(parseModelUri("model.json")).toEqual({ kind: "file", path: join(process.cwd(), "model.json") });
  });

  it.each([
    ["s3://bucket", "expected s3://<bucket>/<key>"],
    ["s3://Bad_Bucket/model.json", "expected s3://<bucket>/<key>"],
    ["s3://bucket/", "expected s3://<bucket>/<key>"],
    ["https://example.com/model.json", "unsupported scheme"],
  ])("rejects %s", (uri, message) => {
    expect(() => parseModelUri(uri)).toThrow(message);
  });

  it("resolves the shipped model from src/, dist/ and the image's /app/dist", () => {
    expect(defaultModelPath(join(ROOT, "service", "src"))).toBe(MODEL_PATH);
    expect(defaultModelPath(join(ROOT, "service", "dist"))).toBe(MODEL_PATH);
    expect(defaultModelPath("/app/dist")).toBe("/app/model/model.json");
  });
});
