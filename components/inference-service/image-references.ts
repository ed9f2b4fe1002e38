// Images in use, by reference (contracts/image-references.ts): the image-references Lambda runs every hour from an
// EventBridge schedule, tags each image of the service's repository that a task definition of the service or a version
// of the stack's Greengrass components names `in-use-<hex>`, and removes the tag once nothing names the image. The
// lifecycle policy (./policies.ts) never expires an `in-use-*` image. The role may read and tag images of this one
// repository, describe the service, and read task definitions and Greengrass components: ECS ListTaskDefinitions and
// DescribeTaskDefinition, and Greengrass ListComponents, support no resource-level permissions ("*").
import * as pulumi from "@pulumi/pulumi";
import type { ImageReferencesEnvironment } from "../../contracts/image-references";
import type { PolicyStatement } from "../iam";
import { invokeFromRule, LambdaFunction } from "../lambda-function";
import * as cloudwatch from "@pulumi/aws/cloudwatch";

/** How often the Lambda looks: ECR applies a lifecycle policy's expiry within 24 hours of an image meeting it. */
export const IMAGE_REFERENCES_SCHEDULE = "rate(1 hour)";

/** What the Lambda may do. `componentArnPrefix`: `arn:<p>:greengrass:<region>:<account>:components:<prefix>`, or none. */
export function imageReferencesStatements(args: { repositoryArn: string; serviceArn: string; componentArnPrefix?: string }): PolicyStatement[] {
  const statements: PolicyStatement[] = [
    {
      Sid: "MarkImagesInUse",
      Effect: "Allow",
      Action: ["ecr:ListImages", "ecr:BatchGetImage", "ecr:PutImage", "ecr:BatchDeleteImage"],
      Resource: args.repositoryArn,
    },
    { Sid: "ReadService", Effect: "Allow", Action: ["ecs:DescribeServices"], Resource: args.serviceArn },
    { Sid: "ReadTaskDefinitions", Effect: "Allow", Action: ["ecs:ListTaskDefinitions", "ecs:DescribeTaskDefinition"], Resource: "*" },
  ];
  if (args.componentArnPrefix !== undefined) {
    statements.push(
      { Sid: "ListComponents", Effect: "Allow", Action: ["greengrass:ListComponents"], Resource: "*" },
      { Sid: "ReadComponents", Effect: "Allow", Action: ["greengrass:ListComponentVersions", "greengrass:GetComponent"], Resource: `${args.componentArnPrefix}*` },
    );
  }
  return statements;
}

export interface ImageReferencesArgs {
  readonly repositoryArn: pulumi.Input<string>;
  readonly repositoryUrl: pulumi.Input<string>;
  readonly clusterArn: pulumi.Input<string>;
  readonly serviceArn: pulumi.Input<string>;
  readonly serviceName: pulumi.Input<string>;
  readonly taskDefinitionFamily: pulumi.Input<string>;
  /** Private Greengrass components whose names start with this count too ("" or undefined: none). */
  readonly componentNamePrefix?: string;
  readonly partition: pulumi.Input<string>;
  readonly region: string;
  readonly account: pulumi.Input<string>;
  readonly logRetentionDays: number;
}

/** Registers `<name>-image-references` (a LambdaFunction), `<name>-image-references-{schedule,invoke,target}` under `parent`. */
export function buildImageReferences(parent: pulumi.Resource, name: string, a: ImageReferencesArgs): LambdaFunction {
  const prefix = a.componentNamePrefix ?? "";
  const environment: pulumi.Input<Record<keyof ImageReferencesEnvironment, pulumi.Input<string>>> = {
    REPOSITORY_URI: a.repositoryUrl,
    CLUSTER_ARN: a.clusterArn,
    SERVICE_NAME: a.serviceName,
    TASK_DEFINITION_FAMILY: a.taskDefinitionFamily,
    COMPONENT_NAME_PREFIX: prefix,
  };
  const fn = new LambdaFunction(
    `${name}-image-references`,
    {
      folder: "image-references",
      description: "Tags the inference images a task definition or Greengrass component names in-use-<digest>, so that no lifecycle rule expires them",
      statements: pulumi.all([a.repositoryArn, a.serviceArn, a.partition, a.account]).apply(([repositoryArn, serviceArn, partition, account]) =>
        imageReferencesStatements({ repositoryArn, serviceArn, componentArnPrefix: prefix === "" ? undefined : `arn:${partition}:greengrass:${a.region}:${account}:components:${prefix}` }),
      ),
      environment,
      timeoutSeconds: 120,
      logRetentionDays: a.logRetentionDays,
    },
    { parent },
  );
  const schedule = new cloudwatch.EventRule(
    `${name}-image-references-schedule`,
    { description: `Marks the images of ${name}'s repository in use (${IMAGE_REFERENCES_SCHEDULE})`, scheduleExpression: IMAGE_REFERENCES_SCHEDULE },
    { parent },
  );
  invokeFromRule(`${name}-image-references`, schedule, fn, { parent });
  return fn;
}
