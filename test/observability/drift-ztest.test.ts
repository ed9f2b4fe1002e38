// The drift alarms judged on data: abalone rows resampled with a seeded generator, standardised with the shipped
// model.json's training statistics as the server does (contracts/drift.ts), predictions from the service's own
// predictor, aggregated per period into the Average and SampleCount CloudWatch keeps, and then THE EXPRESSION STRING
// each planned MetricAlarm holds evaluated by mathjs (with CloudWatch's ABS and IF bound to their meaning, and `^` its exponentiation operator), its
// result compared with the alarm's threshold over its evaluation periods. Nothing here restates the formula.
import * as fs from "node:fs";
import * as path from "node:path";
import { create, all } from "mathjs";
import { beforeAll, describe, expect, it } from "vitest";
import { featureZMetricName, PREDICTION_Z_METRIC } from "../../contracts/drift";
import { parseStackSettings } from "../../components/config";
import { InferenceService, type InferenceServiceArgs } from "../../components/inference-service";
import type { AlarmThresholds } from "../../components/observability";
import { parseModel } from "../../service/src/model";
import { Predictor } from "../../service/src/predictor";
import { RequestValidator } from "../../service/src/validate";
import { ofType, planProgram, type Plan } from "../support/offline";
import { inputsOf } from "../support/resources";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const ROOT = path.join(__dirname, "..", "..");
const MODEL_FILE = path.join(ROOT, "service", "model", "model.json");
const DATA_FILE = path.join(ROOT, "..", "shared", "data", "abalone.csv");
/** Values per period: one instance a second over the default 5-minute period. */
const PER_PERIOD = 300;
/** Largest EMF values array (contracts/drift.ts MAX_EMF_VALUES); a request is split into such documents. */
const EMF_VALUES = 100;

const defaults: AlarmThresholds = parseStackSettings({ environment: "dev" }).observability.alarms;
const base: InferenceServiceArgs = {
  region: "eu-west-1",
  vpcId: "vpc-0123456789abcdef0",
  privateSubnetIds: ["subnet-p1", "subnet-p2"],
  publicSubnetIds: ["subnet-a1", "subnet-a2"],
  vpcCidrBlock: "10.10.0.0/16",
  modelStore: {
    bucketArn: "arn:aws:s3:::edge-mlops-test-models",
    pointerParameterName: "/edge-mlops/test/inference/current-model",
    pointerParameterArn: "arn:aws:ssm:eu-west-1:123456789012:parameter/edge-mlops/test/inference/current-model",
  },
};
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:alarms";

// ---- CloudWatch's side: the metric math functions the alarms use, nothing else ---------------------------------

const math = create(all, { randomSeed: "edge-mlops drift" });
const cloudwatch = create(all);
cloudwatch.import(
  {
    ABS: (x: number) => Math.abs(x),
    // CloudWatch's IF(condition, trueValue, falseValue): a non-zero condition takes trueValue.
    IF: (condition: number | boolean, ifTrue: number, ifFalse: number) => (condition ? ifTrue : ifFalse),
  },
  { override: true },
);

/** One period of one metric, as CloudWatch aggregates it: the statistics the alarm queries read. */
interface PeriodStatistics {
  readonly Average: number;
  readonly SampleCount: number;
}

type Alarm = ReturnType<typeof alarmInputs>;
const alarmInputs = (plan: Plan, name: string) => inputsOf(plan, ALARM, name);

/** The value of the alarm's returned expression for one period: its metric ids bound to their statistics. */
function datapoint(alarm: Alarm, period: PeriodStatistics): number {
  const queries = alarm.metricQueries ?? [];
  const scope: Record<string, number> = {};
  for (const q of queries) {
    if (q.metric) scope[q.id] = period[q.metric.stat as keyof PeriodStatistics];
  }
  const returned = queries.find((q) => q.returnData);
  if (!returned?.expression) throw new Error(`${alarm.name}: no returned expression`);
  return Number(cloudwatch.evaluate(returned.expression, scope));
}

/** Whether the alarm goes to ALARM after these periods: `datapointsToAlarm` of the last `evaluationPeriods` breach. */
function fires(alarm: Alarm, periods: readonly PeriodStatistics[]): boolean {
  expect(alarm.comparisonOperator).toBe("GreaterThanOrEqualToThreshold");
  const window = periods.slice(-Number(alarm.evaluationPeriods));
  const breaching = window.filter((p) => datapoint(alarm, p) >= Number(alarm.threshold)).length;
  return window.length === Number(alarm.evaluationPeriods) && breaching >= Number(alarm.datapointsToAlarm);
}

// ---- the server's side: the training data, standardised with the model's statistics ----------------------------

const modelText = fs.readFileSync(MODEL_FILE, "utf8");
const model = parseModel(modelText, MODEL_FILE);
const stats = (JSON.parse(modelText) as { training_statistics: { features: Record<string, { mean: number; std: number }>; prediction: { mean: number; std: number } } })
  .training_statistics;
const validator = new RequestValidator(model);
const predictor = new Predictor(model);
const numberFields = validator.numberFields;

const rows: Record<string, number | string>[] = (() => {
  const [header, ...lines] = fs.readFileSync(DATA_FILE, "utf8").trim().split("\n");
  const names = header.split(",");
  return lines.map((line) => {
    const cells = line.split(",");
    return Object.fromEntries(model.input_fields.map((f) => [f.name, f.type === "number" ? Number(cells[names.indexOf(f.name)]) : cells[names.indexOf(f.name)]]));
  });
})();

/** `count` training rows drawn with replacement. */
const resample = (count: number) => Array.from({ length: count }, () => rows[math.randomInt(0, rows.length)]);

/** Sums and counts per metric of one period, accumulated document by document (≤ 100 values each, as EMF allows). */
function aggregate(instances: readonly Record<string, number | string>[]): Record<string, PeriodStatistics> {
  const input = validator.encode({ instances });
  const predictions = predictor.predict(input.rows, input.count);
  const z: Record<string, number[]> = {
    ...Object.fromEntries(numberFields.map((f) => [featureZMetricName(f), instances.map((i) => ((i[f] as number) - stats.features[f].mean) / stats.features[f].std)])),
    [PREDICTION_Z_METRIC]: predictions.map((p) => (p - stats.prediction.mean) / stats.prediction.std),
  };
  return Object.fromEntries(
    Object.entries(z).map(([metric, values]) => {
      let sum = 0;
      let count = 0;
      for (let start = 0; start < values.length; start += EMF_VALUES) {
        const doc = values.slice(start, start + EMF_VALUES);
        sum += doc.reduce((a, b) => a + b, 0);
        count += doc.length;
      }
      return [metric, { Average: sum / count, SampleCount: count }];
    }),
  );
}

/** The period's rows with `field` moved so that its period mean is `standardErrors` standard errors above the training mean. */
function moved(instances: readonly Record<string, number | string>[], field: string, standardErrors: number) {
  const { mean, std } = stats.features[field];
  const periodMean = instances.reduce((a, i) => a + (i[field] as number), 0) / instances.length;
  const shift = mean + (standardErrors * std) / Math.sqrt(instances.length) - periodMean;
  return instances.map((i) => ({ ...i, [field]: (i[field] as number) + shift }));
}

// ---- the plan ----------------------------------------------------------------------------------------------------

let plan: Plan;
beforeAll(async () => {
  plan = await planProgram(() => {
    new InferenceService("drift", { ...base, monitoring: { alarmTopicArn: TOPIC, thresholds: defaults } });
    new InferenceService("raw", { ...base, monitoring: { alarmTopicArn: TOPIC, thresholds: { ...defaults, driftMinEffectSize: 0 } } });
  });
});

/** The planned drift alarm watching `metric` in service `service`. */
function alarmOn(service: "drift" | "raw", metric: string): Alarm {
  const found = ofType(plan, ALARM, `${service}-drift-`).filter((r) => alarmInputs(plan, r.name).metricQueries?.some((q) => q.metric?.metricName === metric));
  expect(found).toHaveLength(1);
  return alarmInputs(plan, found[0].name);
}

const metrics = () => [...numberFields.map(featureZMetricName), PREDICTION_Z_METRIC];
const k = defaults.driftCriticalZ;

describe("the drift alarms on resampled abalone data (k = 2.5, e = 0.1, 300 values per 5-minute period)", () => {
  it("uses the stack defaults the header of drift.ts states", () => {
    expect([defaults.driftCriticalZ, defaults.driftMinEffectSize, defaults.periodSeconds, defaults.evaluationPeriods]).toEqual([2.5, 0.1, 300, 3]);
    expect(metrics()).toHaveLength(8);
  });

  it("stay quiet on training data: 48 periods of resampled rows fire no alarm", () => {
    const periods = Array.from({ length: 48 }, () => aggregate(resample(PER_PERIOD)));
    for (const metric of metrics()) {
      const alarm = alarmOn("drift", metric);
      for (let end = 3; end <= periods.length; end++) expect(fires(alarm, periods.slice(0, end).map((p) => p[metric])), metric).toBe(false);
    }
  });

  // 3 standard errors at 300 values are 0.17 training standard deviations, above e: the z-test decides.
  for (const field of ["length", "whole_weight", "shell_weight"]) {
    it(`fire when the served mean of '${field}' moves by 3 standard errors, only on '${field}'; not at 2`, () => {
      const periodsAt = (standardErrors: number) => Array.from({ length: 3 }, () => aggregate(moved(resample(PER_PERIOD), field, standardErrors)));
      const up = periodsAt(3);
      expect(fires(alarmOn("drift", featureZMetricName(field)), up.map((p) => p[featureZMetricName(field)]))).toBe(true);
      for (const other of numberFields.filter((f) => f !== field)) {
        expect(fires(alarmOn("drift", featureZMetricName(other)), up.map((p) => p[featureZMetricName(other)])), other).toBe(false);
      }
      const below = periodsAt(2);
      expect(fires(alarmOn("drift", featureZMetricName(field)), below.map((p) => p[featureZMetricName(field)]))).toBe(false);
      expect(fires(alarmOn("raw", featureZMetricName(field)), below.map((p) => p[featureZMetricName(field)]))).toBe(false);
    });
  }

  it("fire on a shift down as on a shift up: the test is two-sided", () => {
    const periods = Array.from({ length: 3 }, () => aggregate(moved(resample(PER_PERIOD), "diameter", -3)));
    expect(fires(alarmOn("drift", featureZMetricName("diameter")), periods.map((p) => p[featureZMetricName("diameter")]))).toBe(true);
  });

  it("need every one of the evaluation periods: two breaching periods and one quiet one do not fire", () => {
    const metric = featureZMetricName("height");
    const periods = [moved(resample(PER_PERIOD), "height", 4), resample(PER_PERIOD), moved(resample(PER_PERIOD), "height", 4)].map((p) => aggregate(p)[metric]);
    expect(fires(alarmOn("drift", metric), periods)).toBe(false);
    expect(fires(alarmOn("drift", metric), [...periods, aggregate(moved(resample(PER_PERIOD), "height", 4))[metric]])).toBe(false);
  });

  it("ignore a negligible shift however many values a period holds, unless the minimum effect size is 0", () => {
    // 20,000 values a period and a shift of 0.05 standard deviations: z ≈ 7, far above k, but the effect is below e.
    const periods = Array.from({ length: 3 }, () => {
      const sample = resample(20_000);
      return aggregate(moved(sample, "diameter", 0.05 * Math.sqrt(sample.length)));
    });
    const metric = featureZMetricName("diameter");
    expect(datapoint(alarmOn("raw", metric), periods[0][metric])).toBeGreaterThan(2 * k);
    expect(fires(alarmOn("raw", metric), periods.map((p) => p[metric]))).toBe(true);
    expect(fires(alarmOn("drift", metric), periods.map((p) => p[metric]))).toBe(false);
  });
});
