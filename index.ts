// edge-mlops: reads and validates the stack config once, composes the platform's components and exports what
// users need. Config errors stop the program here, before any resource is registered.
import * as aws from "@pulumi/aws";
import * as awsNative from "@pulumi/aws-native";
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "./components/config";
import { EdgeFleet } from "./components/edge-fleet";
import { InferenceService } from "./components/inference-service";
import { Network } from "./components/network";

const config = loadStackConfig();

/** Stack-wide tags, applied to every AWS resource through the providers' default tags. */
const tags = { ...config.tags, project: config.project, stack: config.stack, "managed-by": "pulumi" };
const awsProvider = new aws.Provider("aws", { region: config.region as aws.Region, defaultTags: { tags } });
const nativeProvider = new awsNative.Provider("aws-native", { region: config.region as awsNative.Region, defaultTags: { tags } });
const providers = [awsProvider, nativeProvider];

const network = new Network(
  config.stack,
  {
    region: config.region,
    cidrBlock: config.network.cidrBlock,
    availabilityZones: config.network.availabilityZones,
    natGateways: config.network.natGateways,
    flowLogs: config.network.flowLogs.enabled
      ? { retentionDays: config.network.flowLogs.retentionDays, trafficType: config.network.flowLogs.trafficType }
      : false,
  },
  { providers },
);

const inference = new InferenceService(
  config.stack,
  {
    vpcId: network.vpcId,
    privateSubnetIds: network.privateSubnetIds,
    publicSubnetIds: network.publicSubnetIds,
    vpcCidrBlock: config.network.cidrBlock,
    ...config.inference,
    loadBalancer: { ...config.inference.loadBalancer },
    protect: config.protect,
  },
  { providers },
);

// The edge fleet runs the same image as the cloud service, on every Greengrass core device.
const { enabled: edgeEnabled, ...edgeFleetConfig } = config.edgeFleet;
const edge = edgeEnabled
  ? new EdgeFleet(
      config.stack,
      {
        ...edgeFleetConfig,
        stack: config.stack,
        environment: config.environment,
        inferenceImage: inference.imageRef,
        ecrRepositoryArns: [inference.repository.arn],
        modelUri: config.inference.modelUri,
        protect: config.protect,
      },
      { providers },
    )
  : undefined;

export const environment = config.environment;
export const region = config.region;
export const vpcId = network.vpcId;
export const privateSubnetIds = network.privateSubnetIds;
export const publicSubnetIds = network.publicSubnetIds;
export const stackTags = pulumi.output(tags);
export const serviceUrl = inference.serviceUrl;
export const repositoryUrl = inference.repositoryUrl;
export const imageRef = inference.imageRef;
export const thingGroupArn = edge?.thingGroupArn;
export const roleAlias = edge?.roleAlias.alias;
export const iotDataEndpoint = edge?.iotDataEndpoint;
export const iotCredentialEndpoint = edge?.credentialEndpoint;
export const provisioningTemplateName = edge?.provisioningTemplateName;
export const claimPolicyName = edge?.claimPolicyName;
export const greengrassDeploymentId = edge?.deploymentId;
