// Typed access to what a plan registered: one table from each resource type the program plans to the SDK's own args
// type, so a test reads `inputsOf(plan, "aws:ecs/service:Service", "dev-service").deploymentCircuitBreaker` with the
// provider's field names and types checked by the compiler (Inputs resolved: the plan holds plain values).
// JSON documents held in inputs (IAM policies, ASL, recipes, dashboards) are parsed into the type the caller names.
import type * as aws from "@pulumi/aws";
import type * as awsNative from "@pulumi/aws-native";
import type * as awsx from "@pulumi/awsx";
import type * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import type * as tls from "@pulumi/tls";
import type * as time from "@pulumiverse/time";
import type { PolicyDocument } from "../../components/iam";
import { one, ofType, type Plan } from "./offline";

/** The args type of every resource type the program plans, by type token. */
export interface ResourceArgs {
  "aws-native:greengrassv2:ComponentVersion": awsNative.greengrassv2.ComponentVersionArgs;
  "aws-native:greengrassv2:Deployment": awsNative.greengrassv2.DeploymentArgs;
  "aws-native:iot:AccountAuditConfiguration": awsNative.iot.AccountAuditConfigurationArgs;
  "aws-native:iot:ScheduledAudit": awsNative.iot.ScheduledAuditArgs;
  "aws:appautoscaling/policy:Policy": aws.appautoscaling.PolicyArgs;
  "aws:appautoscaling/target:Target": aws.appautoscaling.TargetArgs;
  "aws:cloudwatch/dashboard:Dashboard": aws.cloudwatch.DashboardArgs;
  "aws:cloudwatch/eventRule:EventRule": aws.cloudwatch.EventRuleArgs;
  "aws:cloudwatch/eventTarget:EventTarget": aws.cloudwatch.EventTargetArgs;
  "aws:cloudwatch/logGroup:LogGroup": aws.cloudwatch.LogGroupArgs;
  "aws:cloudwatch/metricAlarm:MetricAlarm": aws.cloudwatch.MetricAlarmArgs;
  "aws:ec2/flowLog:FlowLog": aws.ec2.FlowLogArgs;
  "aws:ec2/securityGroup:SecurityGroup": aws.ec2.SecurityGroupArgs;
  "aws:ecr/lifecyclePolicy:LifecyclePolicy": aws.ecr.LifecyclePolicyArgs;
  "aws:ecr/repository:Repository": aws.ecr.RepositoryArgs;
  "aws:ecs/cluster:Cluster": aws.ecs.ClusterArgs;
  "aws:ecs/service:Service": aws.ecs.ServiceArgs;
  "aws:ecs/taskDefinition:TaskDefinition": aws.ecs.TaskDefinitionArgs;
  "aws:iam/role:Role": aws.iam.RoleArgs;
  "aws:iam/rolePolicy:RolePolicy": aws.iam.RolePolicyArgs;
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": aws.iam.RolePolicyAttachmentArgs;
  "aws:iam/serviceLinkedRole:ServiceLinkedRole": aws.iam.ServiceLinkedRoleArgs;
  "aws:iot/certificate:Certificate": aws.iot.CertificateArgs;
  "aws:iot/eventConfigurations:EventConfigurations": aws.iot.EventConfigurationsArgs;
  "aws:iot/loggingOptions:LoggingOptions": aws.iot.LoggingOptionsArgs;
  "aws:iot/policy:Policy": aws.iot.PolicyArgs;
  "aws:iot/policyAttachment:PolicyAttachment": aws.iot.PolicyAttachmentArgs;
  "aws:iot/provisioningTemplate:ProvisioningTemplate": aws.iot.ProvisioningTemplateArgs;
  "aws:iot/roleAlias:RoleAlias": aws.iot.RoleAliasArgs;
  "aws:iot/thing:Thing": aws.iot.ThingArgs;
  "aws:iot/thingGroup:ThingGroup": aws.iot.ThingGroupArgs;
  "aws:iot/thingGroupMembership:ThingGroupMembership": aws.iot.ThingGroupMembershipArgs;
  "aws:iot/thingPrincipalAttachment:ThingPrincipalAttachment": aws.iot.ThingPrincipalAttachmentArgs;
  "aws:iot/topicRule:TopicRule": aws.iot.TopicRuleArgs;
  "aws:kms/key:Key": aws.kms.KeyArgs;
  "aws:lambda/function:Function": aws.lambda.FunctionArgs;
  "aws:lambda/permission:Permission": aws.lambda.PermissionArgs;
  "aws:lb/listener:Listener": aws.lb.ListenerArgs;
  "aws:lb/loadBalancer:LoadBalancer": aws.lb.LoadBalancerArgs;
  "aws:lb/targetGroup:TargetGroup": aws.lb.TargetGroupArgs;
  "aws:mwaa/environment:Environment": aws.mwaa.EnvironmentArgs;
  "aws:s3/bucket:Bucket": aws.s3.BucketArgs;
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": aws.s3.BucketLifecycleConfigurationArgs;
  "aws:s3/bucketObjectv2:BucketObjectv2": aws.s3.BucketObjectv2Args;
  "aws:s3/bucketPolicy:BucketPolicy": aws.s3.BucketPolicyArgs;
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": aws.s3.BucketPublicAccessBlockArgs;
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": aws.s3.BucketServerSideEncryptionConfigurationArgs;
  "aws:s3/bucketVersioning:BucketVersioning": aws.s3.BucketVersioningArgs;
  "aws:sagemaker/featureGroup:FeatureGroup": aws.sagemaker.FeatureGroupArgs;
  "aws:sagemaker/modelPackageGroup:ModelPackageGroup": aws.sagemaker.ModelPackageGroupArgs;
  "aws:scheduler/schedule:Schedule": aws.scheduler.ScheduleArgs;
  "aws:sfn/stateMachine:StateMachine": aws.sfn.StateMachineArgs;
  "aws:sns/topic:Topic": aws.sns.TopicArgs;
  "aws:sns/topicPolicy:TopicPolicy": aws.sns.TopicPolicyArgs;
  "aws:sns/topicSubscription:TopicSubscription": aws.sns.TopicSubscriptionArgs;
  "aws:ssm/parameter:Parameter": aws.ssm.ParameterArgs;
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": aws.vpc.SecurityGroupEgressRuleArgs;
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": aws.vpc.SecurityGroupIngressRuleArgs;
  "awsx:ec2:Vpc": awsx.ec2.VpcArgs;
  "docker:index/image:Image": docker.ImageArgs;
  "tls:index/certRequest:CertRequest": tls.CertRequestArgs;
  "tls:index/privateKey:PrivateKey": tls.PrivateKeyArgs;
  "time:index/sleep:Sleep": time.SleepArgs;
}

export type ResourceType = keyof ResourceArgs;

/** Every type of the table at run time; the compiler keeps it equal to ResourceArgs' keys. */
const TABLE: Record<ResourceType, true> = {
  "aws-native:greengrassv2:ComponentVersion": true,
  "aws-native:greengrassv2:Deployment": true,
  "aws-native:iot:AccountAuditConfiguration": true,
  "aws-native:iot:ScheduledAudit": true,
  "aws:appautoscaling/policy:Policy": true,
  "aws:appautoscaling/target:Target": true,
  "aws:cloudwatch/dashboard:Dashboard": true,
  "aws:cloudwatch/eventRule:EventRule": true,
  "aws:cloudwatch/eventTarget:EventTarget": true,
  "aws:cloudwatch/logGroup:LogGroup": true,
  "aws:cloudwatch/metricAlarm:MetricAlarm": true,
  "aws:ec2/flowLog:FlowLog": true,
  "aws:ec2/securityGroup:SecurityGroup": true,
  "aws:ecr/lifecyclePolicy:LifecyclePolicy": true,
  "aws:ecr/repository:Repository": true,
  "aws:ecs/cluster:Cluster": true,
  "aws:ecs/service:Service": true,
  "aws:ecs/taskDefinition:TaskDefinition": true,
  "aws:iam/role:Role": true,
  "aws:iam/rolePolicy:RolePolicy": true,
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": true,
  "aws:iam/serviceLinkedRole:ServiceLinkedRole": true,
  "aws:iot/certificate:Certificate": true,
  "aws:iot/eventConfigurations:EventConfigurations": true,
  "aws:iot/loggingOptions:LoggingOptions": true,
  "aws:iot/policy:Policy": true,
  "aws:iot/policyAttachment:PolicyAttachment": true,
  "aws:iot/provisioningTemplate:ProvisioningTemplate": true,
  "aws:iot/roleAlias:RoleAlias": true,
  "aws:iot/thing:Thing": true,
  "aws:iot/thingGroup:ThingGroup": true,
  "aws:iot/thingGroupMembership:ThingGroupMembership": true,
  "aws:iot/thingPrincipalAttachment:ThingPrincipalAttachment": true,
  "aws:iot/topicRule:TopicRule": true,
  "aws:kms/key:Key": true,
  "aws:lambda/function:Function": true,
  "aws:lambda/permission:Permission": true,
  "aws:lb/listener:Listener": true,
  "aws:lb/loadBalancer:LoadBalancer": true,
  "aws:lb/targetGroup:TargetGroup": true,
  "aws:mwaa/environment:Environment": true,
  "aws:s3/bucket:Bucket": true,
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": true,
  "aws:s3/bucketObjectv2:BucketObjectv2": true,
  "aws:s3/bucketPolicy:BucketPolicy": true,
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": true,
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": true,
  "aws:s3/bucketVersioning:BucketVersioning": true,
  "aws:sagemaker/featureGroup:FeatureGroup": true,
  "aws:sagemaker/modelPackageGroup:ModelPackageGroup": true,
  "aws:scheduler/schedule:Schedule": true,
  "aws:sfn/stateMachine:StateMachine": true,
  "aws:sns/topic:Topic": true,
  "aws:sns/topicPolicy:TopicPolicy": true,
  "aws:sns/topicSubscription:TopicSubscription": true,
  "aws:ssm/parameter:Parameter": true,
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": true,
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": true,
  "awsx:ec2:Vpc": true,
  "docker:index/image:Image": true,
  "tls:index/certRequest:CertRequest": true,
  "tls:index/privateKey:PrivateKey": true,
  "time:index/sleep:Sleep": true,
};
export const RESOURCE_TYPES = Object.keys(TABLE) as ResourceType[];

/** The resolved inputs of a resource of type `T`, as the plan holds them. */
export type Inputs<T extends ResourceType> = pulumi.Unwrap<ResourceArgs[T]>;

/** The resolved, typed inputs of the one resource of `type` named `name` (fails the test if not exactly one). */
export function inputsOf<T extends ResourceType>(plan: Plan, type: T, name: string): Inputs<T> {
  return one(plan, type, name).inputs as Inputs<T>;
}

/** The typed inputs of every resource of `type` (optionally those whose name starts with `namePrefix`). */
export function allInputsOf<T extends ResourceType>(plan: Plan, type: T, namePrefix = ""): Inputs<T>[] {
  return ofType(plan, type, namePrefix).map((r) => r.inputs as Inputs<T>);
}

/**
 * Parses a JSON document held in an input into the type the caller names. The type is the caller's claim, checked
 * by the assertions that follow; a value that is not a JSON string fails the test.
 */
export function parseDocument<T>(value: unknown): T {
  if (typeof value !== "string") throw new Error(`expected a JSON string, got ${JSON.stringify(value)}`);
  return JSON.parse(value) as T;
}

/** An IAM (or S3 bucket, SNS topic, KMS key) policy document held in an input. */
export function policyDocument(value: unknown): PolicyDocument {
  return parseDocument<PolicyDocument>(value);
}
