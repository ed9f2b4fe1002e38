import { describe, expect, it } from "vitest";
import { estimateStackCost, renderCost } from "../../scripts/offline/cost";
import type { Plan, PlannedResource } from "../../scripts/offline/run";

function r(type: string, name: string, inputs: Record<string, unknown>, arn: string | null = null): PlannedResource {
  return {
    urn: `urn:pulumi:dev::edge-mlops::${type}::${name}`, type, name, parent: null, custom: true, inputs,
    options: { protect: false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [] }, dependsOn: [], id: name, arn,
  };
}
const TD_ARN = "arn:aws:ecs:us-east-1:123456789012:task-definition/t:1";
const definition = JSON.stringify({
  StartAt: "Preprocess",
  States: {
    Preprocess: { Type: "Task", Resource: "arn:aws:states:::sagemaker:createProcessingJob.sync", Parameters: { ProcessingResources: { ClusterConfig: { InstanceType: "ml.m5.large", InstanceCount: 1 } }, StoppingCondition: { MaxRuntimeInSeconds: 3600 } } },
    Train: { Type: "Task", Resource: "arn:aws:states:::sagemaker:createTrainingJob.sync", Parameters: { ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 2 }, StoppingCondition: { MaxRuntimeInSeconds: 1800 } } },
    Evaluate: { Type: "Task", Resource: "arn:aws:states:::sagemaker:createProcessingJob.sync", Parameters: { ProcessingResources: { ClusterConfig: { InstanceType: "ml.m5.large", InstanceCount: 1 } }, StoppingCondition: { MaxRuntimeInSeconds: 1800 } } },
    Big: { Type: "Task", Resource: "arn:aws:states:::sagemaker:createTrainingJob.sync", Parameters: { ResourceConfig: { InstanceType: "ml.p3.2xlarge", InstanceCount: 1 }, StoppingCondition: { MaxRuntimeInSeconds: 600 } } },
  },
});
const plan: Plan = {
  project: "edge-mlops",
  stack: "dev",
  outputs: {},
  violations: [],
  resources: [
    r("awsx:ec2:Vpc", "vpc", { numberOfAvailabilityZones: 3, natGateways: { strategy: "OnePerAz" } }),
    r("aws:lb/loadBalancer:LoadBalancer", "lb", { loadBalancerType: "application" }),
    r("aws:ecs/taskDefinition:TaskDefinition", "td", { cpu: "512", memory: "1024", runtimePlatform: { cpuArchitecture: "ARM64" } }, TD_ARN),
    r("aws:ecs/service:Service", "svc", { desiredCount: 2, taskDefinition: TD_ARN }),
    r("aws:mwaa/environment:Environment", "mwaa", { environmentClass: "mw1.small", minWorkers: 2, schedulers: 2 }),
    r("aws:sfn/stateMachine:StateMachine", "sm", { definition }),
  ],
};

describe("estimateStackCost", () => {
  const c = estimateStackCost(plan, "us-east-1");
  it("prices NAT gateways, load balancers, Fargate tasks and MWAA for a month", () => {
    expect(c.monthly).toEqual([
      { item: "vpc/nat-gateway", quantity: 2190, unit: "hour", usdPerUnit: 0.045, usd: 98.55 },
      { item: "alb/load-balancer", quantity: 730, unit: "hour", usdPerUnit: 0.0225, usd: 16.43 },
      { item: "fargate/arm/vcpu", quantity: 730, unit: "hour", usdPerUnit: 0.03238, usd: 23.64 },
      { item: "fargate/arm/gb", quantity: 1460, unit: "hour", usdPerUnit: 0.00356, usd: 5.2 },
      { item: "mwaa/mw1.small/environment", quantity: 730, unit: "hour", usdPerUnit: 0.49, usd: 357.7 },
      { item: "mwaa/mw1.small/worker", quantity: 730, unit: "hour", usdPerUnit: 0.055, usd: 40.15 },
    ]);
    expect(c.monthlyUsd).toBe(541.67);
  });
  it("bounds one training run by the jobs' stopping conditions and names what it cannot price", () => {
    expect(c.trainingRun).toEqual([
      { item: "sagemaker/ml.m5.large/processing", quantity: 1, unit: "hour", usdPerUnit: 0.115, usd: 0.12, state: "Preprocess" },
      { item: "sagemaker/ml.m5.large/training", quantity: 1, unit: "hour", usdPerUnit: 0.115, usd: 0.12, state: "Train" },
      { item: "sagemaker/ml.m5.large/processing", quantity: 0.5, unit: "hour", usdPerUnit: 0.115, usd: 0.06, state: "Evaluate" },
    ]);
    expect(c.trainingRunMaxUsd).toBe(0.3);
    expect(c.unknown).toEqual(["state Big: no price for sagemaker/ml.p3.2xlarge/training in us-east-1"]);
  });
  it("names each training job's state, so the two processing jobs are told apart, and keeps the columns aligned", () => {
    const text = renderCost(c).split("\n");
    const rows = text.filter((l) => l.includes(" x $"));
    expect(text.filter((l) => l.includes("/processing"))).toEqual([
      "  sagemaker/ml.m5.large/processing (Preprocess)       1.0 hour     x $0.115    = $     0.12",
      "  sagemaker/ml.m5.large/processing (Evaluate)         0.5 hour     x $0.115    = $     0.06",
    ]);
    expect(text).toContain("  sagemaker/ml.m5.large/training (Train)              1.0 hour     x $0.115    = $     0.12");
    expect(new Set(rows.map((l) => l.indexOf(" x $"))).size).toBe(1);
  });
  it("says so for a region without prices instead of guessing", () => {
    const none = estimateStackCost(plan, "ap-south-2");
    expect(none.monthlyUsd).toBeNull();
    expect(none.monthly).toEqual([]);
    expect(none.unknown[0]).toMatch(/^no prices for region ap-south-2/);
    expect(renderCost(none)).toContain("unknown: no prices for region ap-south-2");
  });
  it("marks lines priced from unverified figures", () => {
    const eu = estimateStackCost(plan, "eu-west-1");
    expect(eu.monthly.every((l) => l.unverified === true)).toBe(true);
    expect(renderCost(eu)).toContain("(unverified price)");
  });
});
