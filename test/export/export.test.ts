// The exports as pure functions: the Terraform plan of @pulumi/aws resources and the CloudFormation template of
// aws-native resources, on small hand-made plans (the stacks and the scanners are in stacks.test.ts).
import { describe, expect, it } from "vitest";
import { toCloudFormation } from "../../scripts/export/cloudformation";
import type { ExportedPlan, ExportedResource } from "../../scripts/export/plan-view";
import { snakeCase, toTerraformPlan } from "../../scripts/export/terraform";

const urn = (type: string, name: string, parent = "") => `urn:pulumi:test::edge-mlops::${parent}${type}::${name}`;

function r(type: string, name: string, inputs: Record<string, unknown>, extra: Partial<ExportedResource> = {}): ExportedResource {
  return { urn: urn(type, name), type, name, inputs, ...extra };
}

const plan = (...resources: ExportedResource[]): ExportedPlan => ({ project: "edge-mlops", stack: "test", resources });

describe("toTerraformPlan", () => {
  it("names attributes as the Terraform AWS provider does: snake_case, with the bridge's renames", () => {
    expect(snakeCase("requirementsS3ObjectVersion")).toBe("requirements_s3_object_version");
    expect(snakeCase("cidrIpv4")).toBe("cidr_ipv4");
    const tf = toTerraformPlan(
      plan(
        r("aws:lambda/permission:Permission", "allow", { function: "fn-1", principal: "iot.amazonaws.com", sourceAccount: "123456789012" }),
        r("aws:sns/topicSubscription:TopicSubscription", "mail", { topic: "arn:aws:sns:eu-west-1:123456789012:alarms", protocol: "email" }),
      ),
    );
    expect(tf.planned_values.root_module.resources.map((x) => [x.address, x.values])).toEqual([
      ["aws_lambda_permission.allow", { function_name: "fn-1", principal: "iot.amazonaws.com", source_account: "123456789012" }],
      ["aws_sns_topic_subscription.mail", { topic_arn: "arn:aws:sns:eu-west-1:123456789012:alarms", protocol: "email" }],
    ]);
  });

  it("makes nested objects blocks (lists of one), repeated blocks singular, and keeps the keys of maps", () => {
    const tf = toTerraformPlan(
      plan(
        r("aws:cloudwatch/metricAlarm:MetricAlarm", "latency", {
          name: "p99",
          dimensions: { LoadBalancer: "app/lb/1", TargetGroup: "targetgroup/tg/2" },
          metricQueries: [{ id: "m1", returnData: true, metric: { metricName: "TargetResponseTime", dimensions: { LoadBalancer: "app/lb/1" } } }],
        }),
        r("aws:lambda/function:Function", "fn", {
          code: { archive: { "index.js": { asset: "string", bytes: 10, sha256: "ab" } } },
          environment: { variables: { THING_GROUP_NAME: "fleet" } },
          tracingConfig: { mode: "Active" },
        }),
      ),
    );
    const [alarm, fn] = tf.planned_values.root_module.resources;
    expect(alarm.values).toEqual({
      alarm_name: "p99",
      dimensions: { LoadBalancer: "app/lb/1", TargetGroup: "targetgroup/tg/2" },
      metric_query: [{ id: "m1", return_data: true, metric: [{ metric_name: "TargetResponseTime", dimensions: { LoadBalancer: "app/lb/1" } }] }],
    });
    expect(fn.values).toEqual({
      filename: "archive:index.js",
      environment: [{ variables: { THING_GROUP_NAME: "fleet" } }],
      tracing_config: [{ mode: "Active" }],
    });
  });

  it("shows an input that is another resource's id or ARN as Terraform shows a reference on create: unknown, with the reference", () => {
    const bucket = r("aws:s3/bucket:Bucket", "data", { bucketPrefix: "data-" }, { id: "data-1a2b", arn: "arn:aws:s3:::data-1a2b" });
    const pab = r("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "data-pab", { bucket: "data-1a2b", blockPublicAcls: true }, { inputDependencies: [bucket.urn] });
    const service = r(
      "aws:ecs/service:Service",
      "svc",
      { networkConfiguration: { subnets: ["subnet-1"], securityGroups: ["sg-1"] } },
      { inputDependencies: [] }, // sg-1 is some resource's id, but not one this service's inputs come from
    );
    const sg = r("aws:ec2/securityGroup:SecurityGroup", "sg", { description: "tasks" }, { id: "sg-1" });
    const tf = toTerraformPlan(plan(bucket, pab, service, sg));
    const change = tf.resource_changes.find((c) => c.address === "aws_s3_bucket_public_access_block.data-pab")!.change;
    expect(change.after).toEqual({ block_public_acls: true });
    expect(change.after_unknown).toEqual({ bucket: true });
    const conf = tf.configuration.root_module.resources.find((c) => c.address === "aws_s3_bucket_public_access_block.data-pab")!;
    expect(conf.expressions).toEqual({ bucket: { references: ["aws_s3_bucket.data.id", "aws_s3_bucket.data"] } });
    // Without a dependency on the security group, "sg-1" stays a literal value.
    expect(tf.resource_changes.find((c) => c.address === "aws_ecs_service.svc")!.change.after).toEqual({
      network_configuration: [{ subnets: ["subnet-1"], security_groups: ["sg-1"] }],
    });
  });

  it("shows secrets as unknown and sensitive, and takes the region from the aws provider", () => {
    const tf = toTerraformPlan(
      plan(
        r("pulumi:providers:aws", "default", { region: "eu-west-1" }),
        r("aws:mwaa/environment:Environment", "airflow", { airflowConfigurationOptions: "[secret]", name: "env" }),
      ),
    );
    expect(tf.resource_changes[0].change).toMatchObject({
      after: { name: "env" },
      after_unknown: { airflow_configuration_options: true },
      after_sensitive: { airflow_configuration_options: true },
    });
    expect(tf.configuration.provider_config.aws.expressions).toEqual({ region: { constant_value: "eu-west-1" } });
    expect(tf.planned_values.root_module.resources).toHaveLength(1); // providers are configuration, not resources
  });

  it("gives resources that share a Pulumi name (under different parents) distinct, stable addresses", () => {
    const a = { ...r("aws:iam/role:Role", "prod-execution-role", {}), urn: urn("aws:iam/role:Role", "prod-execution-role", "edge-mlops:service:InferenceService$") };
    const b = { ...r("aws:iam/role:Role", "prod-execution-role", {}), urn: urn("aws:iam/role:Role", "prod-execution-role", "edge-mlops:airflow:AirflowEnvironment$") };
    const first = toTerraformPlan(plan(a, b)).planned_values.root_module.resources.map((x) => x.address);
    expect(first).toHaveLength(2);
    expect(new Set(first).size).toBe(2);
    for (const address of first) expect(address).toMatch(/^aws_iam_role\.prod-execution-role_[0-9a-f]{7}$/);
    const again = toTerraformPlan(plan(b, r("aws:sns/topic:Topic", "t", {}), a)).planned_values.root_module.resources.map((x) => x.address);
    expect(again.filter((x) => x.startsWith("aws_iam_role")).sort()).toEqual([...first].sort());
  });

  it("refuses a plan with an @pulumi/aws type it has no Terraform type for, naming each", () => {
    expect(() => toTerraformPlan(plan(r("aws:rds/instance:Instance", "db", {}), r("aws:sqs/queue:Queue", "q", {})))).toThrow(
      "toTerraformPlan: no Terraform type for aws:rds/instance:Instance, aws:sqs/queue:Queue; add each to TERRAFORM_TYPES in scripts/export/terraform-types.ts",
    );
  });
});

describe("toCloudFormation", () => {
  const deployment = r(
    "aws-native:greengrassv2:Deployment",
    "prod-deployment",
    {
      targetArn: "arn:aws:iot:eu-west-1:123456789012:thinggroup/fleet",
      components: { "aws.greengrass.Nucleus": { componentVersion: "2.14.3" } },
      iotJobConfiguration: { abortConfig: { criteriaList: [{ action: "CANCEL", thresholdPercentage: 5 }] } },
    },
    { options: { retainOnDelete: true } },
  );

  it("writes each resource as its CloudFormation type with PascalCase properties; map keys stay as written", () => {
    const t = toCloudFormation(plan(deployment));
    expect(t.Resources).toEqual({
      ProdDeployment: {
        Type: "AWS::GreengrassV2::Deployment",
        Properties: {
          TargetArn: "arn:aws:iot:eu-west-1:123456789012:thinggroup/fleet",
          Components: { "aws.greengrass.Nucleus": { ComponentVersion: "2.14.3" } },
          IotJobConfiguration: { AbortConfig: { CriteriaList: [{ Action: "CANCEL", ThresholdPercentage: 5 }] } },
        },
        DeletionPolicy: "Retain",
        UpdateReplacePolicy: "Retain",
      },
    });
    expect(t.Metadata.Pulumi.urns).toEqual({ ProdDeployment: deployment.urn });
  });

  it("spells acronyms as CloudFormation does, where aws-native's name cannot be undone by capitalising", () => {
    const audit = r("aws-native:iot:AccountAuditConfiguration", "audit", {
      accountId: "123456789012",
      auditCheckConfigurations: { ioTPolicyPotentialMisConfigurationCheck: { enabled: true }, loggingDisabledCheck: { enabled: true } },
    });
    expect(toCloudFormation(plan(audit)).Resources.Audit.Properties).toEqual({
      AccountId: "123456789012",
      AuditCheckConfigurations: { IoTPolicyPotentialMisConfigurationCheck: { Enabled: true }, LoggingDisabledCheck: { Enabled: true } },
    });
  });

  it("replaces a secret by a reference to a NoEcho parameter, and keeps dependsOn between exported resources", () => {
    const audit = r("aws-native:iot:ScheduledAudit", "audit", { frequency: "DAILY", scheduledAuditName: "[secret]" }, { dependsOn: [deployment.urn, "urn:pulumi:test::edge-mlops::aws:iam/role:Role::r"] });
    const t = toCloudFormation(plan(deployment, audit));
    expect(t.Resources.Audit).toEqual({
      Type: "AWS::IoT::ScheduledAudit",
      Properties: { Frequency: "DAILY", ScheduledAuditName: { Ref: "AuditSecret1" } },
      DependsOn: ["ProdDeployment"],
    });
    expect(t.Parameters).toEqual({ AuditSecret1: { Type: "String", NoEcho: true, Description: `scheduledAuditName of ${audit.urn}: a secret the offline plan cannot read` } });
  });

  it("refuses an aws-native type it has no CloudFormation type for, and a plan without aws-native resources", () => {
    expect(() => toCloudFormation(plan(r("aws-native:s3:Bucket", "b", {})))).toThrow(
      "toCloudFormation: no CloudFormation type for aws-native:s3:Bucket; add each to CLOUDFORMATION_TYPES in scripts/export/cloudformation.ts",
    );
    expect(() => toCloudFormation(plan(r("aws:sns/topic:Topic", "t", {})))).toThrow("toCloudFormation: the plan has no aws-native resources, so there is no template to write");
  });
});
