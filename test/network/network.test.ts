import { beforeAll, describe, expect, it } from "vitest";
import { Network, resolveNetworkArgs } from "../../components/network";
import { one, ofType, planProgram, type Plan } from "../support/offline";
import { policyDocument } from "../support/resources";

describe("resolveNetworkArgs", () => {
  it("defaults to 2 AZs, a NAT gateway per AZ and flow logs on", () => {
    const s = resolveNetworkArgs({ region: "eu-west-1" });
    expect(s).toMatchObject({ cidrBlock: "10.0.0.0/16", availabilityZones: 2, natStrategy: "OnePerAz", privateCidrMask: 19, publicCidrMask: 21 });
    expect(s.flowLogs).toEqual({ enabled: true, retentionDays: 30, trafficType: "ALL" });
  });
  it("sizes subnets from the VPC prefix", () => {
    expect(resolveNetworkArgs({ region: "eu-west-1", cidrBlock: "10.1.0.0/20" })).toMatchObject({ privateCidrMask: 23, publicCidrMask: 25 });
  });
  it("rejects a CIDR block outside /16-/20, naming the arg", () => {
    expect(() => resolveNetworkArgs({ region: "eu-west-1", cidrBlock: "10.0.0.0/24" })).toThrow(
      'Network: cidrBlock: must have a prefix from /16 to /20 (Amazon VPC allows /16 to /28; below /20 the private subnets get too small for MWAA and Fargate tasks), got "10.0.0.0/24"',
    );
    expect(() => resolveNetworkArgs({ region: "eu-west-1", cidrBlock: "10.0.0/16" })).toThrow(
      'Network: cidrBlock: must be an IPv4 CIDR block of four decimal octets and a prefix, such as 10.0.0.0/16, got "10.0.0/16"',
    );
  });
  it.each([
    ["host bits set", "10.10.128.0/16", "must be a network address with no host bits set (10.10.0.0/16 is the /16 that holds 10.10.128.0)"],
    ["host bits below a /20", "172.16.0.1/20", "must be a network address with no host bits set (172.16.0.0/20 is the /20 that holds 172.16.0.1)"],
    ["a public range", "8.8.0.0/16", "must lie in an RFC 1918 private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16); 8.8.0.0/16 is public"],
    ["just outside 172.16.0.0/12", "172.32.0.0/16", "must lie in an RFC 1918 private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16); 172.32.0.0/16 is public"],
    ["carrier-grade NAT space", "100.64.0.0/16", "must lie in an RFC 1918 private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16); 100.64.0.0/16 is in the carrierGradeNat range"],
    ["octets written short", "10.1/16", "must be an IPv4 CIDR block of four decimal octets and a prefix, such as 10.0.0.0/16"],
  ])("rejects %s, saying what is allowed", (_, cidrBlock, problem) => {
    expect(() => resolveNetworkArgs({ region: "eu-west-1", cidrBlock })).toThrow(`Network: cidrBlock: ${problem}, got ${JSON.stringify(cidrBlock)}`);
  });
  it.each(["10.0.0.0/16", "172.31.0.0/16", "192.168.0.0/16", "172.16.240.0/20"])("takes the private network %s", (cidrBlock) => {
    expect(resolveNetworkArgs({ region: "eu-west-1", cidrBlock }).cidrBlock).toBe(cidrBlock);
  });
  it("rejects an unsupported AZ count, naming the arg", () => {
    expect(() => resolveNetworkArgs({ region: "eu-west-1", availabilityZones: 4 as 2 })).toThrow("Network: availabilityZones: must be 2 or 3");
  });
});

describe("Network under mocks", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planProgram(() => {
      new Network("small", { region: "eu-west-1", cidrBlock: "10.10.0.0/16", availabilityZones: 2, natGateways: "single", flowLogs: { retentionDays: 7, trafficType: "REJECT" } });
      new Network("big", { region: "us-east-1", availabilityZones: 3, natGateways: "onePerAz" });
      new Network("bare", { region: "eu-west-1", flowLogs: { enabled: false } });
    });
  });

  it("passes the per-stack shape to awsx.ec2.Vpc", () => {
    const small = one(plan, "awsx:ec2:Vpc", "small-vpc").inputs;
    expect(small).toMatchObject({
      cidrBlock: "10.10.0.0/16",
      numberOfAvailabilityZones: 2,
      natGateways: { strategy: "Single" },
      subnetStrategy: "Auto",
      subnetSpecs: [{ type: "Private", cidrMask: 19 }, { type: "Public", cidrMask: 21 }],
      enableDnsHostnames: true,
    });
    const big = one(plan, "awsx:ec2:Vpc", "big-vpc").inputs;
    expect(big).toMatchObject({ numberOfAvailabilityZones: 3, natGateways: { strategy: "OnePerAz" } });
  });

  it("adds an S3 gateway endpoint in the stack's region with route tables filled by awsx", () => {
    expect(one(plan, "awsx:ec2:Vpc", "small-vpc").inputs).toMatchObject({
      vpcEndpointStrategy: "Auto",
      vpcEndpointSpecs: [{ serviceName: "com.amazonaws.eu-west-1.s3", vpcEndpointType: "Gateway" }],
    });
    expect(one(plan, "awsx:ec2:Vpc", "big-vpc").inputs).toMatchObject({ vpcEndpointSpecs: [{ serviceName: "com.amazonaws.us-east-1.s3" }] });
  });

  it("sends flow logs to a log group with retention, through a role scoped to that group", () => {
    expect(one(plan, "aws:cloudwatch/logGroup:LogGroup", "small-flow-logs").inputs.retentionInDays).toBe(7);
    const flowLog = one(plan, "aws:ec2/flowLog:FlowLog", "small-flow-log").inputs;
    // The role may write to the log group before the flow log uses it.
    expect(one(plan, "aws:ec2/flowLog:FlowLog", "small-flow-log").dependsOn).toEqual([one(plan, "aws:iam/rolePolicy:RolePolicy", "small-flow-logs-policy").urn]);
    expect(flowLog).toMatchObject({ trafficType: "REJECT", logDestinationType: "cloud-watch-logs", maxAggregationInterval: 60 });
    expect(flowLog.vpcId).toMatch(/^vpc-/);
    expect(flowLog.logDestination).toMatch(/^arn:aws:logs:eu-west-1:123456789012:log-group:\/edge-mlops\/small\/vpc-flow-logs-/);
    const trust = policyDocument(one(plan, "aws:iam/role:Role", "small-flow-logs-role").inputs.assumeRolePolicy);
    expect(trust.Statement).toEqual([{ Effect: "Allow", Principal: { Service: "vpc-flow-logs.amazonaws.com" }, Action: "sts:AssumeRole" }]);
    const policy = policyDocument(one(plan, "aws:iam/rolePolicy:RolePolicy", "small-flow-logs-policy").inputs.policy);
    expect(policy.Statement).toHaveLength(1);
    expect(policy.Statement[0].Resource).toEqual([flowLog.logDestination, `${flowLog.logDestination}:*`]);
    expect(policy.Statement[0].Action).not.toContain("logs:*");
  });

  it("creates no flow log resources when flow logs are off", () => {
    expect(ofType(plan, "aws:ec2/flowLog:FlowLog", "bare")).toHaveLength(0);
    expect(ofType(plan, "aws:cloudwatch/logGroup:LogGroup", "bare")).toHaveLength(0);
  });

  it("parents every child to its component", () => {
    const component = one(plan, "edge-mlops:network:Network", "small");
    for (const r of plan.resources.filter((r) => r.name.startsWith("small-"))) expect(r.parent).toBe(component.urn);
  });
});
