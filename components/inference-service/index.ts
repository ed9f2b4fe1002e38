// The inference service: the image of service/ in its own ECR repository, run as an ECS Fargate service in private
// subnets behind an Application Load Balancer, scaled by target tracking on CPU and on requests per task, with its
// alarms and dashboard widgets.
//
// This class only wires the parts together; each part is built by a named function in a file of its own, with its
// own design note: repository.ts (ECR and the image), task-definition.ts (the task, its logs and roles), service.ts
// (security groups, cluster, ECS service), load-balancer.ts (ALB, target group, listeners, access logs), scaling.ts,
// monitoring.ts (alarms) and dashboard.ts (widgets). Settings and their rules live in args.ts, the wiring and its
// rules in resolve.ts, AWS facts in fargate.ts and elb-security-policies.ts. Every child is registered with the
// component as its parent, under the name it has always had.
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { Monitored } from "../observability/contract";
import type { DriftBaseline } from "../observability/drift";
import type { Widget } from "../observability/widgets";
import { inferenceDashboardSection } from "./dashboard";
import { loadBalancer } from "./load-balancer";
import { inferenceAlarms } from "./monitoring";
import { buildImageReferences } from "./image-references";
import type { LambdaFunction } from "../lambda-function";
import { repositoryAndImage } from "./repository";
import { resolveInferenceServiceArgs, type InferenceServiceArgs } from "./resolve";
import { autoscaling } from "./scaling";
import { fargateService, securityGroups } from "./service";
import { inferenceTask, metricsServiceName } from "./task-definition";
import { driftAlarmPrefix } from "../../contracts/drift";
import { getPartitionOutput } from "@pulumi/aws/getPartition";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import * as ecr from "@pulumi/aws/ecr";
import * as awsEcs from "@pulumi/aws/ecs";
import * as awsLb from "@pulumi/aws/lb";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as iam from "@pulumi/aws/iam";
import * as ec2 from "@pulumi/aws/ec2";
import * as s3 from "@pulumi/aws/s3";
import * as appautoscaling from "@pulumi/aws/appautoscaling";

export { inferenceSettings, type InferenceSettings, type InferenceSettingsInput } from "./args";
export { inferenceWidgets } from "./dashboard";
export { ALB_TLS12_SECURITY_POLICIES, type AlbTls12SecurityPolicy } from "./elb-security-policies";
export { PLATFORM_ARCHITECTURE, type Platform } from "./fargate";
export { hashBuildInputs, imageContentTag, parseImageReference, readBuildInputs } from "./image";
export { inferenceAlarmSpecs, type InferenceMetricRefs } from "./monitoring";
export { ELB_LOG_DELIVERY_ACCOUNTS } from "./policies";
export { resolveInferenceServiceArgs, type InferenceServiceArgs, type InferenceServiceSettings, type InferenceServiceWiring } from "./resolve";
export { CONTAINER_NAME, containerDefinitions, metricsServiceName } from "./task-definition";

export class InferenceService extends pulumi.ComponentResource implements Monitored {
  public readonly repository: ecr.Repository;
  public readonly repositoryUrl: pulumi.Output<string>;
  /** The image built from service/, when the component builds it. */
  public readonly image?: docker.Image;
  /** The image the tasks run, pinned by digest (`<repository>@sha256:<hex>`). */
  public readonly imageRef: pulumi.Output<string>;
  /** The ECR repositories `imageRef` is pulled from: the component's own and, with `image.existing`, the image's. */
  public readonly pullRepositoryArns: pulumi.Output<string[]>;
  public readonly cluster: awsEcs.Cluster;
  /** The hourly Lambda that tags the repository's images in use so that the lifecycle policy keeps them. */
  public readonly imageReferences: LambdaFunction;
  public readonly taskDefinition: awsEcs.TaskDefinition;
  public readonly service: awsEcs.Service;
  public readonly loadBalancer: awsLb.LoadBalancer;
  public readonly targetGroup: awsLb.TargetGroup;
  public readonly listeners: { readonly http: awsLb.Listener; readonly https?: awsLb.Listener };
  /** `http://<dns>`, or `https://<dns>` when a certificate is set (point a DNS name covered by it at the load balancer). */
  public readonly serviceUrl: pulumi.Output<string>;
  public readonly logGroup: cloudwatch.LogGroup;
  public readonly taskRole: iam.Role;
  public readonly executionRole: iam.Role;
  public readonly securityGroups: { readonly loadBalancer: ec2.SecurityGroup; readonly tasks: ec2.SecurityGroup };
  /** The access-log bucket, when access logs are on. */
  public readonly accessLogBucket?: s3.Bucket;
  public readonly scalingTarget: appautoscaling.Target;
  /** CloudWatch dimensions for alarms: `LoadBalancer` (AWS/ApplicationELB). */
  public readonly loadBalancerArnSuffix: pulumi.Output<string>;
  /** CloudWatch dimensions for alarms: `TargetGroup` (AWS/ApplicationELB). */
  public readonly targetGroupArnSuffix: pulumi.Output<string>;
  /** CloudWatch dimensions for alarms: `ClusterName` (AWS/ECS, ECS/ContainerInsights). */
  public readonly clusterName: pulumi.Output<string>;
  /** CloudWatch dimensions for alarms: `ServiceName` (AWS/ECS, ECS/ContainerInsights). */
  public readonly serviceName: pulumi.Output<string>;
  /** The service's alarms (see `inferenceAlarmSpecs` and `driftAlarmSpecs`); empty without `monitoring`. */
  public readonly alarms: cloudwatch.MetricAlarm[];
  /** The alarms on the service's health (not drift): what a release watches while it rolls the service. */
  public readonly healthAlarms: cloudwatch.MetricAlarm[];
  /** The service's dashboard widgets: traffic, latency, tasks, CPU and memory, drift and alarm states. */
  public readonly widgets: pulumi.Output<Widget[]>;
  /** The model whose number fields the drift alarms watch, when `monitoring` is set. */
  public readonly driftBaseline?: DriftBaseline;
  /** Value of the Service dimension of the tasks' drift metrics (env METRICS_SERVICE): `edge-mlops-<name>`. */
  public readonly metricsService: string;
  /** Name prefix of the drift alarms (`<metricsService>-drift-`); the retraining rule matches it. */
  public readonly driftAlarmPrefix: string;

  constructor(name: string, args: InferenceServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    // Impossible args fail here, before anything is registered.
    const s = resolveInferenceServiceArgs(args);
    super("edge-mlops:inference:InferenceService", name, {}, opts);
    const partition = getPartitionOutput({}, { parent: this }).partition;
    const account = getCallerIdentityOutput({}, { parent: this }).accountId;

    const built = repositoryAndImage(this, name, s, partition);
    this.repository = built.repository;
    this.repositoryUrl = built.repository.repositoryUrl;
    this.image = built.image;
    this.imageRef = built.imageRef;
    this.pullRepositoryArns = built.pullRepositoryArns;

    const task = inferenceTask(this, name, s, { imageRef: built.imageRef, pullRepositoryArns: built.pullRepositoryArns, partition, account });
    this.logGroup = task.logGroup;
    this.executionRole = task.executionRole;
    this.taskRole = task.taskRole;
    this.taskDefinition = task.taskDefinition;

    this.securityGroups = securityGroups(this, name, s, args.vpcId);
    const subnets = s.loadBalancer.internal ? args.privateSubnetIds : (args.publicSubnetIds as pulumi.Input<pulumi.Input<string>[]>);
    const lb = loadBalancer(this, name, s, { vpcId: args.vpcId, subnets, securityGroup: this.securityGroups.loadBalancer, partition, account });
    this.loadBalancer = lb.loadBalancer;
    this.targetGroup = lb.targetGroup;
    this.listeners = lb.listeners;
    this.accessLogBucket = lb.accessLogBucket;

    const ecs = fargateService(this, name, s, {
      taskDefinition: task.taskDefinition,
      targetGroup: lb.targetGroup,
      tasksSecurityGroup: this.securityGroups.tasks,
      subnets: args.privateSubnetIds,
      // The target group must be attached to the load balancer, the agent able to pull and the task able to read its
      // model before tasks start.
      dependsOn: [task.executionPolicy, task.taskPolicy, lb.listeners.http, ...(lb.listeners.https ? [lb.listeners.https] : [])],
    });
    this.cluster = ecs.cluster;
    this.service = ecs.service;
    this.clusterName = ecs.cluster.name;
    this.serviceName = ecs.service.name;
    this.loadBalancerArnSuffix = lb.loadBalancer.arnSuffix;
    this.targetGroupArnSuffix = lb.targetGroup.arnSuffix;

    this.imageReferences = buildImageReferences(this, name, {
      repositoryArn: built.repository.arn,
      repositoryUrl: built.repository.repositoryUrl,
      clusterArn: ecs.cluster.arn,
      serviceArn: ecs.service.arn,
      serviceName: ecs.service.name,
      taskDefinitionFamily: task.taskDefinition.family,
      componentNamePrefix: s.greengrassComponentPrefix,
      partition,
      region: s.region,
      account,
      logRetentionDays: s.logRetentionDays,
    });

    const dimensions = { clusterName: this.clusterName, serviceName: this.serviceName, loadBalancerArnSuffix: this.loadBalancerArnSuffix, targetGroupArnSuffix: this.targetGroupArnSuffix };
    this.scalingTarget = autoscaling(this, name, s, dimensions);

    const metrics = { loadBalancer: this.loadBalancerArnSuffix, targetGroup: this.targetGroupArnSuffix, cluster: this.clusterName, service: this.serviceName };
    this.driftBaseline = s.baseline;
    this.metricsService = metricsServiceName(name);
    this.driftAlarmPrefix = driftAlarmPrefix(this.metricsService);
    ({ all: this.alarms, health: this.healthAlarms } = inferenceAlarms(this, name, s, metrics));
    this.widgets = inferenceDashboardSection(name, s, metrics, this.alarms);

    this.serviceUrl = pulumi.interpolate`${lb.listeners.https ? "https" : "http"}://${lb.loadBalancer.dnsName}`;
    this.registerOutputs({ serviceUrl: this.serviceUrl, repositoryUrl: this.repositoryUrl, imageRef: this.imageRef });
  }
}
