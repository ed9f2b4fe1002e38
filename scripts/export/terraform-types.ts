// The Terraform resource type behind every @pulumi/aws type this program plans. @pulumi/aws is bridged from the
// Terraform AWS provider: each Pulumi type is one `aws_*` resource, and each input is the Terraform attribute in
// lowerCamelCase, except where the bridge renamed it. Those exceptions are listed here, per type:
//
// - blocks that may repeat take a plural name in Pulumi (`rules` for Terraform's `rule` blocks);
// - a few attributes carry another name (`code` for `filename`, `function` for `function_name`, `topic` for
//   `topic_arn`, `name` for a metric alarm's `alarm_name`);
// - maps (`tags`, a Lambda's `environment.variables`, an alarm's `dimensions`) keep their keys as written, where
//   every other nested object is a block, which Terraform's plan JSON holds as a list of one object.
//
// Sources: the bridge's table of Terraform names (pulumi/pulumi-aws, provider/cmd/pulumi-resource-aws/
// bridge-metadata.json, `renames.resources`), the SDK's own inputs (node_modules/@pulumi/aws/<module>/<type>.d.ts)
// and the Terraform AWS provider's documentation (registry.terraform.io/providers/hashicorp/aws/latest/docs).
// A type the program starts to plan must be added here; `unmappedTypes` and the export tests name it until it is.

export interface TerraformType {
  /** The Terraform resource type, e.g. `aws_s3_bucket`. */
  readonly type: string;
  /**
   * Inputs whose Terraform name is not the snake_case of the Pulumi one: Pulumi input path (dots between nested
   * names, list elements transparent) to the Terraform attribute name at that level.
   */
  readonly renames?: Readonly<Record<string, string>>;
  /** Input paths (as in `renames`) holding a Terraform map rather than a block: keys are kept as written. */
  readonly maps?: readonly string[];
}

/** Maps every resource of any type: Terraform's `tags` and `tags_all` are maps wherever they exist. */
export const MAPS_EVERYWHERE: readonly string[] = ["tags", "tagsAll"];

export const TERRAFORM_TYPES: Readonly<Record<string, TerraformType>> = {
  "aws:appautoscaling/policy:Policy": { type: "aws_appautoscaling_policy" },
  "aws:appautoscaling/target:Target": { type: "aws_appautoscaling_target" },
  "aws:cloudwatch/dashboard:Dashboard": { type: "aws_cloudwatch_dashboard" },
  "aws:cloudwatch/eventRule:EventRule": { type: "aws_cloudwatch_event_rule" },
  "aws:cloudwatch/eventTarget:EventTarget": { type: "aws_cloudwatch_event_target", maps: ["inputTransformer.inputPaths"] },
  "aws:cloudwatch/logGroup:LogGroup": { type: "aws_cloudwatch_log_group" },
  "aws:cloudwatch/metricAlarm:MetricAlarm": {
    type: "aws_cloudwatch_metric_alarm",
    renames: { name: "alarm_name", metricQueries: "metric_query" },
    maps: ["dimensions", "metricQueries.metric.dimensions"],
  },
  "aws:ec2/flowLog:FlowLog": { type: "aws_flow_log" },
  "aws:ec2/securityGroup:SecurityGroup": { type: "aws_security_group" },
  "aws:ecr/lifecyclePolicy:LifecyclePolicy": { type: "aws_ecr_lifecycle_policy" },
  "aws:ecr/repository:Repository": { type: "aws_ecr_repository", renames: { encryptionConfigurations: "encryption_configuration" } },
  "aws:ecs/cluster:Cluster": { type: "aws_ecs_cluster", renames: { settings: "setting" } },
  "aws:ecs/service:Service": { type: "aws_ecs_service", renames: { loadBalancers: "load_balancer" } },
  "aws:ecs/taskDefinition:TaskDefinition": { type: "aws_ecs_task_definition" },
  "aws:iam/role:Role": { type: "aws_iam_role" },
  "aws:iam/rolePolicy:RolePolicy": { type: "aws_iam_role_policy" },
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": { type: "aws_iam_role_policy_attachment" },
  "aws:iot/certificate:Certificate": { type: "aws_iot_certificate" },
  "aws:iot/eventConfigurations:EventConfigurations": { type: "aws_iot_event_configurations", maps: ["eventConfigurations"] },
  "aws:iot/loggingOptions:LoggingOptions": { type: "aws_iot_logging_options" },
  "aws:iot/policy:Policy": { type: "aws_iot_policy" },
  "aws:iot/policyAttachment:PolicyAttachment": { type: "aws_iot_policy_attachment" },
  "aws:iot/provisioningTemplate:ProvisioningTemplate": { type: "aws_iot_provisioning_template" },
  "aws:iot/roleAlias:RoleAlias": { type: "aws_iot_role_alias" },
  "aws:iot/thing:Thing": { type: "aws_iot_thing", maps: ["attributes"] },
  "aws:iot/thingGroup:ThingGroup": { type: "aws_iot_thing_group", maps: ["properties.attributePayload.attributes"] },
  "aws:iot/thingGroupMembership:ThingGroupMembership": { type: "aws_iot_thing_group_membership" },
  "aws:iot/thingPrincipalAttachment:ThingPrincipalAttachment": { type: "aws_iot_thing_principal_attachment" },
  "aws:iot/topicRule:TopicRule": { type: "aws_iot_topic_rule" },
  "aws:kms/key:Key": { type: "aws_kms_key" },
  "aws:lambda/function:Function": { type: "aws_lambda_function", renames: { code: "filename" }, maps: ["environment.variables"] },
  "aws:lambda/permission:Permission": { type: "aws_lambda_permission", renames: { function: "function_name" } },
  "aws:lb/listener:Listener": { type: "aws_lb_listener", renames: { defaultActions: "default_action" } },
  "aws:lb/loadBalancer:LoadBalancer": { type: "aws_lb" },
  "aws:lb/targetGroup:TargetGroup": { type: "aws_lb_target_group" },
  "aws:mwaa/environment:Environment": { type: "aws_mwaa_environment", maps: ["airflowConfigurationOptions"] },
  "aws:s3/bucket:Bucket": { type: "aws_s3_bucket" },
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": { type: "aws_s3_bucket_lifecycle_configuration", renames: { rules: "rule" } },
  "aws:s3/bucketObjectv2:BucketObjectv2": { type: "aws_s3_object" },
  "aws:s3/bucketPolicy:BucketPolicy": { type: "aws_s3_bucket_policy" },
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": { type: "aws_s3_bucket_public_access_block" },
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": {
    type: "aws_s3_bucket_server_side_encryption_configuration",
    renames: { rules: "rule" },
  },
  "aws:s3/bucketVersioning:BucketVersioning": { type: "aws_s3_bucket_versioning" },
  "aws:sagemaker/featureGroup:FeatureGroup": { type: "aws_sagemaker_feature_group", renames: { featureDefinitions: "feature_definition" } },
  "aws:sagemaker/modelPackageGroup:ModelPackageGroup": { type: "aws_sagemaker_model_package_group" },
  "aws:sfn/stateMachine:StateMachine": { type: "aws_sfn_state_machine" },
  "aws:sns/topic:Topic": { type: "aws_sns_topic" },
  "aws:sns/topicPolicy:TopicPolicy": { type: "aws_sns_topic_policy" },
  "aws:sns/topicSubscription:TopicSubscription": { type: "aws_sns_topic_subscription", renames: { topic: "topic_arn" } },
  "aws:ssm/parameter:Parameter": { type: "aws_ssm_parameter" },
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": { type: "aws_vpc_security_group_egress_rule" },
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": { type: "aws_vpc_security_group_ingress_rule" },
};
