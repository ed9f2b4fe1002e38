// The shared VPC: public and private subnets across 2 or 3 AZs, NAT per stack, an S3 gateway endpoint so data and
// model traffic stays off the NAT gateways, and VPC flow logs to a log group with retention.
import * as pulumi from "@pulumi/pulumi";
import { resolveArgs } from "../args";
import { POLICY_VERSION, serviceTrustPolicy, type PolicyDocument } from "../iam";
import { networkSettings, type NetworkSettingsInput } from "./args";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as iam from "@pulumi/aws/iam";
import * as ec2 from "@pulumi/aws/ec2";
import * as awsxEc2 from "@pulumi/awsx/ec2";

export { networkSettings, type NetworkSettings, type NetworkSettingsInput } from "./args";

export interface NetworkArgs extends NetworkSettingsInput {
  /** Region of the stack; names the S3 gateway endpoint's service. */
  readonly region: string;
}

/** The settings a Network is built from, defaults applied. @throws ArgError naming the first bad arg. */
export function resolveNetworkArgs(args: NetworkArgs) {
  const settings = resolveArgs("Network", networkSettings, args);
  const prefix = Number(settings.cidrBlock.split("/")[1]);
  return {
    ...settings,
    natStrategy: settings.natGateways === "single" ? awsxEc2.NatGatewayStrategy.Single : awsxEc2.NatGatewayStrategy.OnePerAz,
    // Private subnets get 4x the addresses of public ones (tasks and MWAA workers live there; public holds the
    // ALB and NAT gateways). A /20 VPC still gets /25 public subnets, above the ALB's /27 minimum.
    privateCidrMask: prefix + 3,
    publicCidrMask: prefix + 5,
  };
}

export class Network extends pulumi.ComponentResource {
  public readonly vpc: awsxEc2.Vpc;
  public readonly vpcId: pulumi.Output<string>;
  public readonly privateSubnetIds: pulumi.Output<string[]>;
  public readonly publicSubnetIds: pulumi.Output<string[]>;
  /** The flow log group, when flow logs are on. */
  public readonly flowLogGroup?: cloudwatch.LogGroup;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edge-mlops:network:Network", name, {}, opts);
    const settings = resolveNetworkArgs(args);

    this.vpc = new awsxEc2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: settings.cidrBlock,
        numberOfAvailabilityZones: settings.availabilityZones,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        natGateways: { strategy: settings.natStrategy },
        subnetStrategy: awsxEc2.SubnetAllocationStrategy.Auto,
        subnetSpecs: [
          { type: awsxEc2.SubnetType.Private, cidrMask: settings.privateCidrMask },
          { type: awsxEc2.SubnetType.Public, cidrMask: settings.publicCidrMask },
        ],
        // A gateway endpoint is free and keeps S3 traffic (data, models, DAGs, image layers) off the NAT gateways.
        vpcEndpointStrategy: awsxEc2.VpcEndpointStrategy.Auto,
        vpcEndpointSpecs: [{ serviceName: `com.amazonaws.${args.region}.s3`, vpcEndpointType: "Gateway" }],
        tags: { Name: name },
      },
      { parent: this },
    );
    this.vpcId = this.vpc.vpcId;
    this.privateSubnetIds = this.vpc.privateSubnetIds;
    this.publicSubnetIds = this.vpc.publicSubnetIds;

    if (settings.flowLogs.enabled) {
      this.flowLogGroup = new cloudwatch.LogGroup(
        `${name}-flow-logs`,
        { namePrefix: `/edge-mlops/${name}/vpc-flow-logs-`, retentionInDays: settings.flowLogs.retentionDays },
        { parent: this },
      );
      const role = new iam.Role(
        `${name}-flow-logs-role`,
        { assumeRolePolicy: JSON.stringify(serviceTrustPolicy("vpc-flow-logs.amazonaws.com")) },
        { parent: this },
      );
      const flowLogsPolicy = new iam.RolePolicy(
        `${name}-flow-logs-policy`,
        {
          role: role.id,
          policy: this.flowLogGroup.arn.apply((arn) => {
            const doc: PolicyDocument = {
              Version: POLICY_VERSION,
              Statement: [{ Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource: [arn, `${arn}:*`] }],
            };
            return JSON.stringify(doc);
          }),
        },
        { parent: this },
      );
      new ec2.FlowLog(
        `${name}-flow-log`,
        {
          vpcId: this.vpcId,
          trafficType: settings.flowLogs.trafficType,
          logDestinationType: "cloud-watch-logs",
          logDestination: this.flowLogGroup.arn,
          iamRoleArn: role.arn,
          maxAggregationInterval: 60,
        },
        { parent: this, dependsOn: [flowLogsPolicy] },
      );
    }

    this.registerOutputs({ vpcId: this.vpcId, privateSubnetIds: this.privateSubnetIds, publicSubnetIds: this.publicSubnetIds });
  }
}
