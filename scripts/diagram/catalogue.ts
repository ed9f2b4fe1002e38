// What the architecture diagram knows about resource types, as data: which types are the system (one node each,
// with a name a person recognises and the column of the data flow it sits in), which are supporting resources
// folded into a per-component count, and how data moves between two kinds of node (the label of the edge, and
// whether it is on the main path). The diagram never hard-codes a picture: a stack without Airflow or without the
// edge fleet simply has fewer matching resources. A type missing from this table is still counted, under its own
// type name, in its component's summary.
import type { PlannedResource } from "../offline/run";

/** Which resources a rule is for. */
interface Match {
  /** Pulumi type token, e.g. `aws:s3/bucket:Bucket`. */
  readonly type: string;
  /** Matched against the logical name, when the type alone does not say what the resource is for. */
  readonly name?: RegExp;
  /** Matched against the inputs, when the type and name do not say it either. */
  readonly when?: (inputs: Record<string, unknown>) => boolean;
}

/** A resource drawn as its own node. */
export interface NodeRule extends Match {
  /** Kind of node: the key `FLOWS` refers to. */
  readonly kind: string;
  /**
   * Node title. `{purpose}` is the logical name without its component's name and without `trim`
   * (`prod-dags-bucket` → `dags`); `{component}` the component's module (`training`); `{name}` the `name` input.
   */
  readonly label: string;
  /** Removed from the end of the purpose (`-bucket`). */
  readonly trim?: RegExp;
  /**
   * Column, left to right: the step of the data flow (0: data arrives). The platform (network, alarms, dashboard)
   * takes columns under the first steps, where the flow leaves room. Nodes without one are placed by the layout.
   */
  readonly stage?: number;
  /** Second line of the node: the physical name, or the setting that says how big it is. */
  readonly detail?: (r: PlannedResource) => string | undefined;
  /**
   * A hub many resources use (the VPC, the dashboard): its edges are not drawn; the node lists the components at
   * their other ends after this word instead (`used by Airflow environment, Inference service`).
   */
  readonly hub?: string;
}

/** A resource counted in its component's summary: `[singular, plural]`. */
export interface SummaryRule extends Match {
  readonly summary: readonly [string, string];
  /** The resource only relates two nodes (a membership): its two ends are joined by an edge when `FLOWS` names them. */
  readonly link?: boolean;
}

export type Rule = NodeRule | SummaryRule;

/** How data moves between two kinds of node, in the direction drawn (which need not be the dependency's). */
export interface Flow {
  readonly from: string;
  readonly to: string;
  readonly label: string;
  /** On the main data path: emphasised and used for the left-to-right layout. */
  readonly main?: boolean;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" && v !== "[secret]" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined);
/** `{"ComponentName": "x", "ComponentVersion": "1.0.0"}` of a Greengrass recipe → `x 1.0.0`. */
function recipe({ inputs }: PlannedResource): string | undefined {
  try {
    const r = JSON.parse(String(inputs.inlineRecipe)) as { ComponentName?: string; ComponentVersion?: string };
    return r.ComponentName && `${r.ComponentName} ${r.ComponentVersion ?? ""}`.trim();
  } catch {
    return undefined;
  }
}

const SETTINGS = "bucket setting";
const IAM = ["IAM role/policy", "IAM roles/policies"] as const;

/** First match wins. */
export const RULES: readonly Rule[] = [
  // Where data lands and what the pipeline reads.
  { kind: "data-bucket", type: "aws:s3/bucket:Bucket", name: /-data-bucket$/, label: "data bucket", stage: 0, detail: ({ id }) => str(id) && `${id}, incoming/` },
  { type: "aws:s3/bucket:Bucket", name: /-logs?-bucket$/, summary: ["access-log bucket", "access-log buckets"] },
  { kind: "dag-bucket", type: "aws:s3/bucket:Bucket", name: /-dags-bucket$/, label: "DAG bucket", stage: 0, detail: ({ id }) => str(id) },
  { kind: "bucket", type: "aws:s3/bucket:Bucket", label: "{purpose} bucket", trim: /-bucket$/, detail: ({ id }) => str(id) },
  { type: "aws:iot/topicRule:TopicRule", name: /-fail(ed|ures?)$/, summary: ["failure notification rule", "failure notification rules"] },
  { kind: "iot-rule", type: "aws:iot/topicRule:TopicRule", label: "IoT rule {purpose}" },
  { kind: "mwaa", type: "aws:mwaa/environment:Environment", label: "MWAA environment", stage: 1,
    detail: ({ inputs: i }) => str(i.environmentClass) && `${i.environmentClass}, ${num(i.minWorkers) ?? "?"}-${num(i.maxWorkers) ?? "?"} workers` },
  { kind: "feature-group", type: "aws:sagemaker/featureGroup:FeatureGroup", label: "feature group", stage: 2, detail: ({ inputs: i }) => str(i.featureGroupName) },
  { kind: "state-machine", type: "aws:sfn/stateMachine:StateMachine", label: "{component} state machine", stage: 3, detail: ({ inputs: i }) => str(i.name) },
  { kind: "model-registry", type: "aws:sagemaker/modelPackageGroup:ModelPackageGroup", label: "model package group", stage: 4, detail: ({ inputs: i }) => str(i.modelPackageGroupName) },
  // Cloud inference.
  { kind: "image", type: "docker:index/image:Image", label: "ECR image", stage: 5, detail: ({ inputs: i }) => str(i.build && (i.build as Record<string, unknown>).dockerfile) },
  { kind: "load-balancer", type: "aws:lb/loadBalancer:LoadBalancer", label: "load balancer", stage: 5,
    detail: ({ inputs: i }) => `${str(i.loadBalancerType) ?? "application"}, ${i.internal === true ? "internal" : "internet-facing"}` },
  { kind: "ecs-service", type: "aws:ecs/service:Service", label: "ECS service", stage: 6,
    detail: ({ inputs: i }) => `${num(i.desiredCount) ?? "?"} ${str(i.launchType) === "FARGATE" ? "Fargate " : ""}task${num(i.desiredCount) === 1 ? "" : "s"}` },
  // Edge fleet.
  { kind: "greengrass-component", type: "aws-native:greengrassv2:ComponentVersion", label: "Greengrass component {purpose}", trim: /-component$/, stage: 6, detail: recipe },
  { kind: "greengrass-deployment", type: "aws-native:greengrassv2:Deployment", label: "Greengrass deployment", stage: 7, detail: ({ inputs: i }) => str(i.deploymentName) },
  { kind: "provisioning-template", type: "aws:iot/provisioningTemplate:ProvisioningTemplate", label: "fleet provisioning template", stage: 7, detail: ({ inputs: i }) => str(i.name) },
  { kind: "thing-group", type: "aws:iot/thingGroup:ThingGroup", when: (i) => !i.parentGroupName, label: "thing group {name}", stage: 8 },
  { kind: "thing-group", type: "aws:iot/thingGroup:ThingGroup", label: "thing group {name}", stage: 9 },
  { kind: "thing", type: "aws:iot/thing:Thing", label: "IoT thing {name}", stage: 10 },
  { type: "aws:iot/thingGroupMembership:ThingGroupMembership", summary: ["thing group membership", "thing group memberships"], link: true },
  // Platform: network and observability.
  { kind: "vpc", type: "awsx:ec2:Vpc", label: "VPC", hub: "used by", stage: 0,
    detail: ({ inputs: i }) => str(i.cidrBlock) && `${i.cidrBlock}, ${num(i.numberOfAvailabilityZones) ?? "?"} AZs` },
  { type: "aws:cloudwatch/eventRule:EventRule", name: /-fail(ed|ures?)$/, summary: ["failure notification rule", "failure notification rules"] },
  { kind: "event-rule", type: "aws:cloudwatch/eventRule:EventRule", label: "EventBridge rule {purpose}" },
  { kind: "topic", type: "aws:sns/topic:Topic", label: "SNS topic {purpose}", stage: 2 },
  { kind: "audit", type: "aws-native:iot:AccountAuditConfiguration", label: "Device Defender audit", stage: 1 },
  { kind: "dashboard", type: "aws:cloudwatch/dashboard:Dashboard", label: "CloudWatch dashboard", hub: "metrics of", stage: 3 },
  // Supporting resources, counted per component.
  { type: "aws:iam/role:Role", summary: IAM },
  { type: "aws:iam/rolePolicy:RolePolicy", summary: IAM },
  { type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", summary: IAM },
  { type: "aws:iam/policy:Policy", summary: IAM },
  { type: "aws:cloudwatch/metricAlarm:MetricAlarm", summary: ["alarm", "alarms"] },
  { type: "aws:cloudwatch/logGroup:LogGroup", summary: ["log group", "log groups"] },
  { type: "aws:ec2/flowLog:FlowLog", summary: ["VPC flow log", "VPC flow logs"] },
  { type: "aws:s3/bucketVersioning:BucketVersioning", summary: [SETTINGS, `${SETTINGS}s`] },
  { type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", summary: [SETTINGS, `${SETTINGS}s`] },
  { type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", summary: [SETTINGS, `${SETTINGS}s`] },
  { type: "aws:s3/bucketPolicy:BucketPolicy", summary: [SETTINGS, `${SETTINGS}s`] },
  { type: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", summary: [SETTINGS, `${SETTINGS}s`] },
  { type: "aws:s3/bucketObjectv2:BucketObjectv2", summary: ["S3 object (code, DAG)", "S3 objects (code, DAGs)"] },
  { type: "aws:ec2/securityGroup:SecurityGroup", summary: ["security group/rule", "security groups/rules"] },
  { type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", summary: ["security group/rule", "security groups/rules"] },
  { type: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", summary: ["security group/rule", "security groups/rules"] },
  { type: "aws:lambda/function:Function", summary: ["Lambda function", "Lambda functions"] },
  { type: "aws:lambda/permission:Permission", summary: ["Lambda permission", "Lambda permissions"] },
  { type: "aws:ssm/parameter:Parameter", summary: ["SSM parameter", "SSM parameters"] },
  { type: "aws:appautoscaling/target:Target", summary: ["autoscaling target/policy", "autoscaling target/policies"] },
  { type: "aws:appautoscaling/policy:Policy", summary: ["autoscaling target/policy", "autoscaling target/policies"] },
  { type: "aws:ecs/cluster:Cluster", summary: ["ECS cluster/task definition", "ECS cluster/task definitions"] },
  { type: "aws:ecs/taskDefinition:TaskDefinition", summary: ["ECS cluster/task definition", "ECS cluster/task definitions"] },
  { type: "aws:lb/listener:Listener", summary: ["listener/target group", "listeners/target groups"] },
  { type: "aws:lb/targetGroup:TargetGroup", summary: ["listener/target group", "listeners/target groups"] },
  { type: "aws:ecr/repository:Repository", summary: ["ECR repository", "ECR repositories"] },
  { type: "aws:ecr/lifecyclePolicy:LifecyclePolicy", summary: ["ECR lifecycle policy", "ECR lifecycle policies"] },
  { type: "aws:iot/policy:Policy", summary: ["IoT policy/role alias", "IoT policies/role aliases"] },
  { type: "aws:iot/roleAlias:RoleAlias", summary: ["IoT policy/role alias", "IoT policies/role aliases"] },
  { type: "aws:iot/policyAttachment:PolicyAttachment", summary: ["certificate/key/attachment", "certificates/keys/attachments"] },
  { type: "aws:iot/thingPrincipalAttachment:ThingPrincipalAttachment", summary: ["certificate/key/attachment", "certificates/keys/attachments"] },
  { type: "aws:iot/certificate:Certificate", summary: ["certificate/key/attachment", "certificates/keys/attachments"] },
  { type: "tls:index/privateKey:PrivateKey", summary: ["certificate/key/attachment", "certificates/keys/attachments"] },
  { type: "tls:index/certRequest:CertRequest", summary: ["certificate/key/attachment", "certificates/keys/attachments"] },
  { type: "aws:cloudwatch/eventTarget:EventTarget", summary: ["event target", "event targets"], link: true },
  { type: "aws:kms/key:Key", summary: ["KMS key", "KMS keys"] },
  { type: "aws:sns/topicPolicy:TopicPolicy", summary: ["topic policy/subscription", "topic policies/subscriptions"] },
  { type: "aws:sns/topicSubscription:TopicSubscription", summary: ["topic policy/subscription", "topic policies/subscriptions"] },
  { type: "aws:iot/eventConfigurations:EventConfigurations", summary: ["IoT account setting", "IoT account settings"] },
  { type: "aws:iot/loggingOptions:LoggingOptions", summary: ["IoT account setting", "IoT account settings"] },
  { type: "aws-native:iot:ScheduledAudit", summary: ["IoT account setting", "IoT account settings"] },
];

/** Labelled edges between kinds of node. An edge without an entry is drawn thin and unlabelled. */
export const FLOWS: readonly Flow[] = [
  { from: "data-bucket", to: "mwaa", label: "new data", main: true },
  { from: "mwaa", to: "feature-group", label: "ingests", main: true },
  { from: "mwaa", to: "state-machine", label: "starts", main: true },
  { from: "feature-group", to: "state-machine", label: "trains on", main: true },
  { from: "state-machine", to: "model-registry", label: "registers", main: true },
  { from: "image", to: "ecs-service", label: "runs", main: true },
  { from: "load-balancer", to: "ecs-service", label: "serves", main: true },
  { from: "image", to: "greengrass-component", label: "packaged as", main: true },
  { from: "greengrass-component", to: "greengrass-deployment", label: "part of", main: true },
  { from: "greengrass-deployment", to: "thing-group", label: "deploys", main: true },
  { from: "dag-bucket", to: "mwaa", label: "DAGs" },
  { from: "feature-group", to: "data-bucket", label: "offline store" },
  { from: "data-bucket", to: "state-machine", label: "datasets, code" },
  { from: "image", to: "state-machine", label: "model image" },
  { from: "bucket", to: "greengrass-component", label: "artifact" },
  { from: "thing-group", to: "thing-group", label: "contains" },
  { from: "provisioning-template", to: "thing-group", label: "adds devices" },
  { from: "thing", to: "thing-group", label: "member of" },
  { from: "iot-rule", to: "data-bucket", label: "device samples", main: true },
  { from: "greengrass-deployment", to: "event-rule", label: "failures" },
  { from: "event-rule", to: "topic", label: "notifies" },
  { from: "iot-rule", to: "topic", label: "notifies" },
  { from: "audit", to: "topic", label: "findings" },
];

export function isNodeRule(rule: Rule): rule is NodeRule {
  return "kind" in rule;
}

/** The rule for a resource, or undefined when no rule names its type. */
export function ruleFor(r: Pick<PlannedResource, "type" | "name" | "inputs">): Rule | undefined {
  return RULES.find((rule) => rule.type === r.type && (!rule.name || rule.name.test(r.name)) && (!rule.when || rule.when(r.inputs)));
}

/** `aws:ecs/taskDefinition:TaskDefinition` → `ecs TaskDefinition`: how an unknown type is counted. */
export function shortType(type: string): string {
  const [pkg, mod, name] = type.split(":");
  return `${pkg === "aws" ? "" : `${pkg} `}${(mod ?? "").split("/")[0]} ${name ?? ""}`.replace(/\bindex\b /, "").trim();
}
