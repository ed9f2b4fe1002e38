import { describe, expect, it } from "vitest";
import { planToDot } from "../../scripts/diagram";
import type { Plan, PlannedResource } from "../../scripts/offline/run";

const STACK = "urn:pulumi:dev::edge-mlops::pulumi:pulumi:Stack";
function r(type: string, name: string, parent: string | null, deps: string[] = []): PlannedResource {
  return {
    urn: `${STACK}$${type}::${name}`,
    type,
    name,
    parent,
    custom: !type.startsWith("edge-mlops:"),
    inputs: {},
    options: { protect: false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [] },
    dependsOn: [],
    inputDependencies: deps,
  };
}

describe("planToDot", () => {
  const net = r("edge-mlops:network:Network", "dev", null);
  const vpc = r("awsx:ec2:Vpc", "dev-vpc", net.urn);
  const svc = r("edge-mlops:inference:InferenceService", "dev", null);
  const sg1 = r("aws:ec2/securityGroup:SecurityGroup", "dev-lb-sg", svc.urn, [vpc.urn]);
  const sg2 = r("aws:ec2/securityGroup:SecurityGroup", "dev-tasks-sg", svc.urn, [vpc.urn]);
  const rule = r("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "dev-in", svc.urn, [sg1.urn, sg2.urn]);
  const fn = r("edge-mlops:lambda:Function", "hook", svc.urn);
  const lambda = r("aws:lambda/function:Function", "hook-fn", fn.urn);
  const provider = r("pulumi:providers:aws", "aws", null);
  const plan: Plan = { project: "edge-mlops", stack: "dev", resources: [provider, net, vpc, svc, sg1, sg2, rule, fn, lambda], outputs: {}, violations: [] };
  const dot = planToDot(plan);

  it("draws each component as a cluster, nested components inside their parent", () => {
    expect(dot).toContain('label="dev: network:Network"');
    expect(dot).toContain('label="dev: inference:InferenceService"');
    const outer = dot.indexOf('label="dev: inference:InferenceService"');
    const inner = dot.indexOf('label="hook: lambda:Function"');
    expect(inner).toBeGreaterThan(outer);
    expect(dot.match(/subgraph cluster_/g)).toHaveLength(3);
  });

  it("groups resources of one type in one node with a count, and leaves providers out", () => {
    expect(dot).toContain('[label="ec2 SecurityGroup ×2"]');
    expect(dot).toContain('[label="awsx ec2 Vpc"]');
    expect(dot).not.toContain("providers");
  });

  it("draws an edge only where outputs flow between components, once per pair of groups", () => {
    const edges = dot.split("\n").filter((l) => l.includes("->") && !l.includes("style=invis"));
    expect(edges).toEqual([`  "${net.urn}|awsx:ec2:Vpc" -> "${svc.urn}|aws:ec2/securityGroup:SecurityGroup";`]);
  });
});
