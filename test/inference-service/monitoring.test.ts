import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InferenceService, type InferenceServiceArgs } from "../../components/inference-service";
import { dashboardBody, validateDashboardBody, type AlarmThresholds, type Widget } from "../../components/observability";
import { one, ofType, planProgram, type Plan } from "../support/offline";
import { inputsOf, parseDocument } from "../support/resources";
import { TEST_THRESHOLDS } from "../support/thresholds";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:edge-mlops-prod-alarms";
const base: InferenceServiceArgs = { region: "eu-west-1", vpcId: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-p1", "subnet-p2"], publicSubnetIds: ["subnet-a1", "subnet-a2"], vpcCidrBlock: "10.10.0.0/16", modelStore: { bucketArn: "arn:aws:s3:::edge-mlops-prod-models", pointerParameterName: "/edge-mlops/prod/inference/current-model", pointerParameterArn: "arn:aws:ssm:eu-west-1:123456789012:parameter/edge-mlops/prod/inference/current-model" } };
/** One-minute periods, two of them, tight limits: the values Pulumi.prod.yaml sets. */
const PROD: AlarmThresholds = TEST_THRESHOLDS;
const SHIPPED = path.join(__dirname, "..", "..", "service", "model", "model.json");

/** The parts of a model.json (service/model/model.schema.json) these tests read and change. */
interface ModelDocument {
  model_version: string;
  input_fields: { name: string; type: string }[];
}
const readModel = (file: string) => parseDocument<ModelDocument>(fs.readFileSync(file, "utf8"));

// A model other than the shipped one: another version, no `height` field.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "baseline-"));
const OTHER = path.join(dir, "model.json");
{
  const doc = readModel(SHIPPED);
  doc.model_version = "0a1b2c3d4e5f";
  doc.input_fields = doc.input_fields.filter((f) => f.name !== "height");
  fs.writeFileSync(OTHER, JSON.stringify(doc));
}
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let plan: Plan;
let widgets: { mon: Widget[]; plain: Widget[] };

beforeAll(async () => {
  plan = await planProgram(() => {
    const mon = new InferenceService("mon", { ...base, monitoring: { alarmTopicArn: TOPIC, thresholds: PROD } });
    new InferenceService("other", { ...base, monitoring: { alarmTopicArn: TOPIC, thresholds: PROD }, driftBaseline: OTHER });
    const plain = new InferenceService("plain", base);
    return { mon: mon.widgets, plain: plain.widgets };
  });
  widgets = plan.outputs as typeof widgets;
});

/** The CloudWatch dimension values the mocks give the `mon` service's resources (derived from their ARNs). */
function dims() {
  const arn = (type: string, name: string): string => {
    const value = one(plan, type, name).arn;
    if (typeof value !== "string") throw new Error(`${name} has no ARN in the plan`);
    return value;
  };
  return {
    loadBalancer: arn("aws:lb/loadBalancer:LoadBalancer", "mon-lb").split(":loadbalancer/")[1],
    targetGroup: arn("aws:lb/targetGroup:TargetGroup", "mon-tg").split(":")[5],
    cluster: arn("aws:ecs/cluster:Cluster", "mon-cluster").split("/")[1],
    service: arn("aws:ecs/service:Service", "mon-service").split("/")[1],
  };
}
const alarm = (name: string) => inputsOf(plan, ALARM, name);
const actions = { actionsEnabled: true, alarmActions: [TOPIC], okActions: [TOPIC] };
const prodWindow = { evaluationPeriods: 2, datapointsToAlarm: 2 };

describe("InferenceService with monitoring", () => {
  it("refuses a drift baseline it cannot read before registering anything", () => {
    const missing = path.join(dir, "nope.json");
    const before = plan.resources.length;
    expect(() => new InferenceService("broken", { ...base, monitoring: { alarmTopicArn: TOPIC, thresholds: PROD }, driftBaseline: missing })).toThrow(
      `InferenceService: driftBaseline: '${missing}' cannot be read: ENOENT`,
    );
    expect(plan.resources.length).toBe(before);
  });
});

describe("InferenceService alarms", () => {
  it("creates the six service alarms and one drift alarm per number field and prediction", () => {
    expect(ofType(plan, ALARM, "mon-").map((r) => r.name).sort()).toEqual(
      [
        "mon-alarm-5xx-rate",
        "mon-alarm-p99-latency",
        "mon-alarm-unhealthy-hosts",
        "mon-alarm-cpu",
        "mon-alarm-memory",
        "mon-alarm-running-tasks",
        ...["length", "diameter", "height", "whole_weight", "shucked_weight", "viscera_weight", "shell_weight"].map((f) => `mon-drift-feature-${f}`),
        "mon-drift-prediction",
      ].sort(),
    );
    const component = one(plan, "edge-mlops:inference:InferenceService", "mon");
    for (const a of ofType(plan, ALARM, "mon-")) {
      expect(a.parent).toBe(component.urn);
      expect(a.inputs).toMatchObject(actions);
      expect(a.inputs.insufficientDataActions).toBeUndefined();
    }
    expect(ofType(plan, ALARM, "plain-")).toHaveLength(0);
  });

  it("5xx rate: target and load balancer 5xx over requests, in percent", () => {
    const { loadBalancer } = dims();
    const metric = (metricName: string) => ({ namespace: "AWS/ApplicationELB", metricName, dimensions: { LoadBalancer: loadBalancer }, stat: "Sum", period: 60 });
    expect(alarm("mon-alarm-5xx-rate")).toEqual({
      alarmDescription: "More than 2% of requests to the inference load balancer ended in a 5xx (from the tasks or the load balancer itself).",
      metricQueries: [
        { id: "target5xx", returnData: false, metric: metric("HTTPCode_Target_5XX_Count") },
        { id: "elb5xx", returnData: false, metric: metric("HTTPCode_ELB_5XX_Count") },
        { id: "requests", returnData: false, metric: metric("RequestCount") },
        { id: "rate", label: "5xx responses (% of requests)", returnData: true, expression: "100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests" },
      ],
      comparisonOperator: "GreaterThanThreshold",
      threshold: 2,
      ...prodWindow,
      treatMissingData: "notBreaching",
      ...actions,
    });
    expect(loadBalancer).toMatch(/^app\/mon-lb-[0-9a-f]{7}\/[0-9a-f]{16}$/);
  });

  it("p99 latency: TargetResponseTime p99 of the target group, threshold in seconds", () => {
    const { loadBalancer, targetGroup } = dims();
    expect(alarm("mon-alarm-p99-latency")).toEqual({
      alarmDescription: "The tasks' p99 response time exceeded 250 ms.",
      namespace: "AWS/ApplicationELB",
      metricName: "TargetResponseTime",
      dimensions: { LoadBalancer: loadBalancer, TargetGroup: targetGroup },
      extendedStatistic: "p99",
      period: 60,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0.25,
      ...prodWindow,
      treatMissingData: "notBreaching",
      ...actions,
    });
    expect(targetGroup).toMatch(/^targetgroup\/mon-tg-[0-9a-f]{7}\/[0-9a-f]{16}$/);
  });

  it("unhealthy hosts: any unhealthy target", () => {
    const { loadBalancer, targetGroup } = dims();
    expect(alarm("mon-alarm-unhealthy-hosts")).toMatchObject({
      namespace: "AWS/ApplicationELB",
      metricName: "UnHealthyHostCount",
      dimensions: { LoadBalancer: loadBalancer, TargetGroup: targetGroup },
      statistic: "Maximum",
      period: 60,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      ...prodWindow,
      treatMissingData: "notBreaching",
    });
  });

  it("CPU and memory: AWS/ECS service averages against the thresholds", () => {
    const { cluster, service } = dims();
    for (const [name, metricName] of [["mon-alarm-cpu", "CPUUtilization"], ["mon-alarm-memory", "MemoryUtilization"]]) {
      expect(alarm(name)).toMatchObject({
        namespace: "AWS/ECS",
        metricName,
        dimensions: { ClusterName: cluster, ServiceName: service },
        statistic: "Average",
        period: 60,
        comparisonOperator: "GreaterThanThreshold",
        threshold: 75,
        ...prodWindow,
        treatMissingData: "notBreaching",
      });
      expect(alarm(name).extendedStatistic).toBeUndefined();
    }
    expect(cluster).toMatch(/^mon-cluster-[0-9a-f]{7}$/);
    expect(service).toMatch(/^mon-service-[0-9a-f]{7}$/);
  });

  it("running tasks: Container Insights desired minus running, silence counts as breaching", () => {
    const { cluster, service } = dims();
    const metric = (metricName: string, stat: string) => ({
      namespace: "ECS/ContainerInsights",
      metricName,
      dimensions: { ClusterName: cluster, ServiceName: service },
      stat,
      period: 60,
    });
    expect(alarm("mon-alarm-running-tasks")).toMatchObject({
      metricQueries: [
        { id: "desired", returnData: false, metric: metric("DesiredTaskCount", "Minimum") },
        { id: "running", returnData: false, metric: metric("RunningTaskCount", "Maximum") },
        { id: "missing", label: "tasks missing (desired - running)", returnData: true, expression: "desired - running" },
      ],
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      ...prodWindow,
      treatMissingData: "breaching",
    });
  });

  it("drift: a z-test per number field of the shipped model.json and per prediction, named for the retraining rule", () => {
    const metric = (metricName: string, stat: string) => ({ namespace: "EdgeMlops/Inference", metricName, dimensions: { Service: "edge-mlops-mon" }, stat, period: 60 });
    for (const field of ["length", "diameter", "height", "whole_weight", "shucked_weight", "viscera_weight", "shell_weight"]) {
      expect(alarm(`mon-drift-feature-${field}`)).toMatchObject({
        name: `edge-mlops-mon-drift-feature-${field}`,
        metricQueries: [
          { id: "avg", returnData: false, metric: metric(`Feature_${field}_Z`, "Average") },
          { id: "n", returnData: false, metric: metric(`Feature_${field}_Z`, "SampleCount") },
          { id: "z", returnData: true, expression: "IF(ABS(avg) >= 0.2, ABS(avg) * (n ^ 0.5), 0)" },
        ],
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: 4,
        ...prodWindow,
        treatMissingData: "notBreaching",
      });
    }
    expect(alarm("mon-drift-prediction")).toMatchObject({ name: "edge-mlops-mon-drift-prediction", metricQueries: [{ metric: metric("Prediction_Z", "Average") }, {}, {}] });
  });

  it("drift: the tasks write the Service dimension the alarms read", () => {
    const defs = parseDocument<{ environment: { name: string; value: string }[] }[]>(String(inputsOf(plan, "aws:ecs/taskDefinition:TaskDefinition", "mon-task").containerDefinitions));
    expect(defs[0].environment).toContainEqual({ name: "METRICS_SERVICE", value: "edge-mlops-mon" });
  });

  it("drift: follows the model given as driftBaseline", () => {
    const names = ofType(plan, ALARM, "other-drift-").map((r) => r.name);
    expect(names).toHaveLength(7);
    expect(names).not.toContain("other-drift-feature-height");
    expect(alarm("other-drift-feature-length").metricQueries?.[0].metric?.dimensions).toEqual({ Service: "edge-mlops-other" });
  });
});

describe("InferenceService widgets", () => {
  it("contribute a valid dashboard section: traffic, latency, tasks, CPU/memory, drift and alarm states", () => {
    const body: unknown = JSON.parse(JSON.stringify(dashboardBody([widgets.mon], { region: "eu-west-1" })));
    expect(validateDashboardBody(body)).toEqual([]);
    expect(widgets.mon.map((w) => (w.type === "text" ? w.properties.markdown : w.type === "alarm" ? `alarms:${w.properties.alarms.length}` : w.properties.title))).toEqual([
      "## Inference service mon",
      "Requests and 5xx responses",
      "Target response time (s)",
      "Tasks",
      "CPU and memory utilisation (%)",
      "Requests served by edge-mlops-mon",
      "Drift of edge-mlops-mon: |period mean - training mean| in standard errors",
      "alarms:14",
    ]);
    const alarmWidget = widgets.mon[7];
    expect(alarmWidget.type === "alarm" && [...alarmWidget.properties.alarms].sort()).toEqual(ofType(plan, ALARM, "mon-").map((a) => a.arn).sort());
    const latency = widgets.mon[2];
    expect(latency.type === "metric" && latency.properties.annotations).toEqual({ horizontal: [{ value: 0.25, label: "p99 alarm" }] });
    const { loadBalancer, targetGroup } = dims();
    expect(latency.type === "metric" && latency.properties.metrics[1]).toEqual([
      "AWS/ApplicationELB",
      "TargetResponseTime",
      "LoadBalancer",
      loadBalancer,
      "TargetGroup",
      targetGroup,
      { stat: "p99", label: "p99" },
    ]);
    expect(latency.type === "metric" && latency.properties.period).toBe(60);
  });

  it("exist without monitoring too, without thresholds, drift or alarms", () => {
    expect(widgets.plain.map((w) => w.type)).toEqual(["text", "metric", "metric", "metric", "metric"]);
    const latency = widgets.plain[2];
    expect(latency.type === "metric" && latency.properties.annotations).toBeUndefined();
    expect(latency.type === "metric" && latency.properties.period).toBe(300);
    expect(validateDashboardBody(JSON.parse(JSON.stringify(dashboardBody([widgets.plain], { region: "eu-west-1" }))))).toEqual([]);
  });
});
