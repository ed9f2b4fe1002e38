// edge-mlops: reads and validates the stack config once, composes the platform's components and exports what
// users need. Config errors stop the program here, before any resource is registered.
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "./components/config";
import { AirflowEnvironment } from "./components/airflow-environment";
import { EdgeFleet } from "./components/edge-fleet";
import { INFERENCE_COMPONENT_NAME } from "./components/edge-fleet/recipes";
import { FleetAudit } from "./components/edge-fleet/audit";
import { deploymentPolicies, iotJobConfiguration } from "./components/edge-fleet/deployment";
import { InferenceService } from "./components/inference-service";
import { ModelStore } from "./components/model-store";
import { Network } from "./components/network";
import { Dashboard, Notifications } from "./components/observability";
import { ReleaseWorkflow } from "./components/release-workflow";
import { TrainingWorkflow } from "./components/training-workflow";
import type * as aws from "@pulumi/aws";
import type * as awsNative from "@pulumi/aws-native";
import { Provider as AwsProvider } from "@pulumi/aws/provider";
import { Provider as NativeProvider } from "@pulumi/aws-native/provider";
import { ServiceLinkedRole } from "@pulumi/aws/iam";

const config = loadStackConfig();

/**
 * A value from a secret key of the stack config (`pulumi config set --secret`, `secure:`), passed on as a secret: it
 * stays encrypted in the state and shows as [secret]. Which fields may be secrets: SECRET_FIELDS, components/config.ts.
 */
const secretIf = <T extends string | Record<string, string>>(key: string, value: T): pulumi.Input<T> =>
  config.secretKeys.includes(key) ? (pulumi.secret(value) as pulumi.Output<T>) : value;

/** Stack-wide tags, applied to every AWS resource through the providers' default tags. */
const tags = secretIf("tags", { ...config.tags, project: config.project, stack: config.stack, "managed-by": "pulumi" });
const awsProvider = new AwsProvider("aws", { region: config.region as aws.Region, defaultTags: { tags } });
const nativeProvider = new NativeProvider("aws-native", { region: config.region as awsNative.Region, defaultTags: { tags } });
const providers = [awsProvider, nativeProvider];

// The model store first: the bucket released models live in, the bootstrap model and the pointer naming the model
// the cloud service serves. Pulumi creates the pointer once; the release workflow moves it.
const modelStore = new ModelStore(config.stack, { stack: config.stack, protect: config.protect }, { providers });

// One alarm topic per stack; every component's alarms and event rules notify it.
const notifications = new Notifications(
  config.stack,
  {
    emails: config.observability.notifications.emails.map((email) => secretIf("observability", email)),
    httpsEndpoints: config.observability.notifications.httpsEndpoints.map((url) => secretIf("observability", url)),
  },
  { providers },
);
const monitoring = { alarmTopicArn: notifications.topicArn, thresholds: config.observability.alarms };

const network = new Network(
  config.stack,
  {
    region: config.region,
    cidrBlock: config.network.cidrBlock,
    availabilityZones: config.network.availabilityZones,
    natGateways: config.network.natGateways,
    flowLogs: config.network.flowLogs,
  },
  { providers },
);

// Account-wide: ECS's service-linked role, created only by the stack that owns the account's settings and only where
// asked (accountSettings.ecsServiceLinkedRole); the cluster waits for it. Kept on delete: other stacks use it.
const ecsServiceLinkedRole = config.accountSettings.ecsServiceLinkedRole
  ? new ServiceLinkedRole(
      "ecs-service-linked-role",
      { awsServiceName: "ecs.amazonaws.com", description: "ECS manages load balancer targets and network interfaces of the account's services" },
      { provider: awsProvider, retainOnDelete: true },
    )
  : undefined;

const inference = new InferenceService(
  config.stack,
  {
    region: config.region,
    vpcId: network.vpcId,
    privateSubnetIds: network.privateSubnetIds,
    publicSubnetIds: network.publicSubnetIds,
    vpcCidrBlock: config.network.cidrBlock,
    ...config.inference,
    loadBalancer: { ...config.inference.loadBalancer },
    protect: config.protect,
    monitoring,
    modelStore: modelStore.wiring,
    // The fleet's inference component names the same image: its versions keep their images from expiring too.
    greengrassComponentPrefix: config.edgeFleet.enabled ? INFERENCE_COMPONENT_NAME : undefined,
  },
  {
    providers,
    // The cluster is the first ECS call; it waits for the service-linked role when this stack creates it.
    transformations: ecsServiceLinkedRole
      ? [(a) => (a.type === "aws:ecs/cluster:Cluster" ? { props: a.props, opts: pulumi.mergeOptions(a.opts, { dependsOn: [ecsServiceLinkedRole] }) } : undefined)]
      : [],
  },
);

// Training: data bucket, feature group, model registry and the Step Functions pipeline that trains, evaluates and
// registers models; the registered model package points at the inference image. A drift alarm of the service starts
// a run, at most one per cool-down window.
const training = new TrainingWorkflow(
  config.stack,
  {
    stack: config.stack,
    region: config.region,
    inferenceImageUri: inference.imageRef,
    ...config.training,
    protect: config.protect,
    monitoring,
    // The inference service's drift alarms start a run (training.retrainOnDrift).
    driftAlarmPrefix: inference.driftAlarmPrefix,
  },
  { providers },
);

// Continuous training: MWAA watches the data bucket, fills the feature group and starts the pipeline. With
// airflow.enabled false only the DAG bucket exists (MWAA cannot be paused and bills every hour).
const airflow = new AirflowEnvironment(
  config.stack,
  {
    region: config.region,
    project: config.project,
    stack: config.stack,
    ...config.airflow,
    vpcId: network.vpcId,
    privateSubnetIds: network.privateSubnetIds,
    dataBucketName: training.dataBucketName,
    dataBucketArn: training.dataBucketArn,
    featureGroupName: training.featureGroupName,
    featureGroupArn: training.featureGroupArn,
    stateMachineArn: training.stateMachineArn,
    protect: config.protect,
    monitoring,
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
        // The repositories the inference image is pulled from (another one too when the deploy promotes a built image).
        ecrRepositoryArns: inference.pullRepositoryArns,
        // Released models' component artifacts are in the model store's releases/: the token exchange role reads them.
        modelBucketArn: modelStore.bucketArn,
        protect: config.protect,
        // IoT job execution events are an account-wide switch: the stack that owns the account's settings owns it.
        monitoring: { ...monitoring, alarmTopicKmsKeyArn: notifications.kmsKeyArn, enableJobExecutionEvents: config.accountSettings.owner },
        // Devices' samples land where the continuous-training DAG ingests from; their metrics reach CloudWatch.
        telemetry: {
          dataBucketName: training.dataBucketName,
          dataBucketArn: training.dataBucketArn,
          dataBucketKmsKeyArn: config.training.kmsKeyArn,
          incomingPrefix: config.airflow.newDataPrefix,
        },
      },
      { providers },
    )
  : undefined;

// Releases: an Approved model package (or the released one Rejected) is staged in the model store and rolled out to
// the cloud service (pointer, ECS deployment, rollback) and, with an edge fleet, to the devices.
const release = new ReleaseWorkflow(
  config.stack,
  {
    ...config.release,
    stack: config.stack,
    region: config.region,
    modelBucketName: modelStore.bucketName,
    modelBucketArn: modelStore.bucketArn,
    modelPackageGroupName: training.modelPackageGroupName,
    dataBucketArn: training.dataBucketArn,
    service: {
      clusterName: inference.clusterName,
      serviceName: inference.serviceName,
      healthAlarmNames: inference.healthAlarms.map((a) => a.name),
      healthAlarmArns: inference.healthAlarms.map((a) => a.arn),
    },
    alarmTopicArn: notifications.topicArn,
    alarmTopicKmsKeyArn: notifications.kmsKeyArn,
    // The edge branch deploys the model component alone to the canary group, then the fleet group, with the fleet's
    // own deployment policies and IoT job settings.
    ...(edge
      ? {
          edgeFleet: {
            canaryGroupArn: edge.canaryGroup.arn,
            fleetGroupArn: edge.fleetGroup.arn,
            componentName: `${config.project}-${config.stack}-model`,
            deploymentPolicies: deploymentPolicies(config.edgeFleet.deployment),
            iotJobConfiguration: iotJobConfiguration(config.edgeFleet.deployment),
          },
        }
      : {}),
  },
  { providers },
);

// Device Defender audits and IoT logging are account-wide: one stack per account and region owns them.
if (config.accountSettings.owner) {
  new FleetAudit(
    config.stack,
    {
      stack: config.stack,
      alarmTopicArn: notifications.topicArn,
      alarmTopicKmsKeyArn: notifications.kmsKeyArn,
      frequency: config.observability.auditFrequency,
      scheduledAuditName: `edge-mlops-${config.stack}`,
      logLevel: config.observability.iotLogLevel,
      logGroup: config.accountSettings.iotLogGroup ?? "create",
      logRetentionDays: config.edgeFleet.logRetentionDays,
    },
    { providers },
  );
}

// One dashboard, assembled from the widgets each component contributes; the devices' inference metrics follow the
// cloud service's.
const dashboard = new Dashboard(config.stack, { region: config.region, sections: [inference.widgets, edge?.telemetryWidgets ?? [], training.widgets, airflow.widgets, edge?.widgets ?? []] }, { providers });

export const environment = config.environment;
export const region = config.region;
export const vpcId = network.vpcId;
export const privateSubnetIds = network.privateSubnetIds;
export const publicSubnetIds = network.publicSubnetIds;
export const stackTags = pulumi.output(tags);
export const alarmTopicArn = notifications.topicArn;
export const dashboardUrl = dashboard.url;
export const modelBucket = modelStore.bucketName;
export const currentModelParameter = modelStore.pointer.name;
export const releasedVersionParameter = modelStore.releasedVersion.name;
export const serviceUrl = inference.serviceUrl;
export const repositoryUrl = inference.repositoryUrl;
export const imageRef = inference.imageRef;
// What the deploy gate (scripts/gate.ts) checks after `pulumi up`: the rollout of this task definition on this service.
export const inferenceClusterName = inference.clusterName;
export const inferenceServiceName = inference.serviceName;
export const inferenceTaskDefinitionArn = inference.taskDefinition.arn;
export const dataBucket = training.dataBucketName;
export const featureGroup = training.featureGroupName;
export const modelPackageGroup = training.modelPackageGroupName;
export const trainingStateMachineArn = training.stateMachineArn;
export const releaseStateMachineArn = release.stateMachineArn;
export const airflowDagBucket = airflow.dagBucket.bucket;
export const airflowWebserverUrl = airflow.webserverUrl ?? null;
export const thingGroupArn = edge?.thingGroupArn ?? null;
// The release workflow's model deployments target these two disjoint groups: canary first, then the fleet.
export const canaryThingGroupName = edge?.canaryGroup.name ?? null;
export const canaryThingGroupArn = edge?.canaryGroup.arn ?? null;
export const fleetThingGroupName = edge?.fleetGroup.name ?? null;
export const fleetThingGroupArn = edge?.fleetGroup.arn ?? null;
export const roleAlias = edge?.roleAlias.alias ?? null;
export const iotDataEndpoint = edge?.iotDataEndpoint ?? null;
export const iotCredentialEndpoint = edge?.credentialEndpoint ?? null;
export const provisioningTemplateName = edge?.provisioningTemplateName ?? null;
export const claimPolicyName = edge?.claimPolicyName ?? null;
export const greengrassDeploymentId = edge?.deploymentId ?? null;
