// The Fargate task: one locked-down container (read-only root file system, non-root user, no capabilities, init
// process, a stop timeout the server drains within), its log group, and its two roles. The execution role lets the ECS
// agent pull the image and write the log group, nothing else; the task role may read the model pointer (env
// MODEL_POINTER, an SSM parameter) and the released models under `releases/` of the model store. Both roles trust ECS tasks only; the task role only those of this
// account (the confused-deputy guard). The container's env names the Service dimension of its drift metrics
// (contracts/drift.ts SERVICE_DIMENSION_ENV): `edge-mlops-<name>`, fixed by the component's name, so the drift alarms
// know it at plan time (the ECS service's own name is auto-named and depends on this task definition).
import * as pulumi from "@pulumi/pulumi";
import { SERVICE_DIMENSION_ENV } from "../../contracts/drift";
import { PROJECT } from "../../contracts/project";
import { ecsTasksTrustPolicy, executionRolePolicy, taskRolePolicy } from "./policies";
import type { InferenceServiceSettings } from "./resolve";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as iam from "@pulumi/aws/iam";
import * as ecs from "@pulumi/aws/ecs";

/** Name of the one container of the task. */
export const CONTAINER_NAME = "inference";

/** Value of the Service dimension of the drift metrics a component named `name` writes: `edge-mlops-<name>`. */
export function metricsServiceName(name: string): string {
  return `${PROJECT}-${name}`;
}

type ContainerSettings = Pick<InferenceServiceSettings, "containerPort" | "user" | "stopTimeoutSeconds">;

/** The task's container definitions (one container), as ECS takes them. Pure: plain values in, a typed object out. */
export function containerDefinitions(s: ContainerSettings, refs: { image: string; logGroup: string; region: string; modelPointer: string; metricsService: string }) {
  return [
    {
      name: CONTAINER_NAME,
      image: refs.image,
      essential: true,
      portMappings: [{ containerPort: s.containerPort, hostPort: s.containerPort, protocol: "tcp" }],
      environment: [
        { name: "PORT", value: String(s.containerPort) },
        { name: "MODEL_POINTER", value: refs.modelPointer },
        { name: SERVICE_DIMENSION_ENV, value: refs.metricsService },
      ],
      user: s.user,
      readonlyRootFilesystem: true,
      privileged: false,
      linuxParameters: { capabilities: { add: [] as string[], drop: ["ALL"] }, initProcessEnabled: true },
      // ECS sends SIGTERM, the server drains in-flight requests, and SIGKILL follows after stopTimeout seconds.
      stopTimeout: s.stopTimeoutSeconds,
      logConfiguration: {
        logDriver: "awslogs",
        options: { "awslogs-group": refs.logGroup, "awslogs-region": refs.region, "awslogs-stream-prefix": CONTAINER_NAME },
      },
    },
  ];
}

export interface InferenceTask {
  readonly logGroup: cloudwatch.LogGroup;
  readonly executionRole: iam.Role;
  /** The execution role's policy: the service waits for it, so that the agent can pull before tasks start. */
  readonly executionPolicy: iam.RolePolicy;
  readonly taskRole: iam.Role;
  /** The task role's policy: the service waits for it too, so that a task reads its model when it starts. */
  readonly taskPolicy: iam.RolePolicy;
  readonly taskDefinition: ecs.TaskDefinition;
}

/**
 * Registers `<name>-logs`, `<name>-execution-role`, `<name>-execution-policy`, `<name>-task-role`,
 * `<name>-task-policy` and `<name>-task` under `parent`.
 */
export function inferenceTask(
  parent: pulumi.Resource,
  name: string,
  s: ContainerSettings & Pick<InferenceServiceSettings, "logRetentionDays" | "cpu" | "memory" | "cpuArchitecture" | "modelStore" | "region">,
  refs: { imageRef: pulumi.Input<string>; pullRepositoryArns: pulumi.Input<string[]>; partition: pulumi.Input<string>; account: pulumi.Input<string> },
): InferenceTask {
  const opts = { parent };
  const logGroup = new cloudwatch.LogGroup(`${name}-logs`, { namePrefix: `/edge-mlops/${name}/inference-`, retentionInDays: s.logRetentionDays }, opts);

  const executionRole = new iam.Role(`${name}-execution-role`, { assumeRolePolicy: JSON.stringify(ecsTasksTrustPolicy()) }, opts);
  const executionPolicy = new iam.RolePolicy(
    `${name}-execution-policy`,
    {
      role: executionRole.id,
      policy: pulumi
        .all([refs.pullRepositoryArns, logGroup.arn])
        .apply(([repositoryArns, logGroupArn]) => JSON.stringify(executionRolePolicy({ repositoryArns, logGroupArn }))),
    },
    opts,
  );

  const taskRole = new iam.Role(
    `${name}-task-role`,
    {
      assumeRolePolicy: pulumi
        .all([refs.partition, refs.account])
        .apply(([partition, account]) => JSON.stringify(ecsTasksTrustPolicy({ partition, region: s.region, account }))),
    },
    opts,
  );
  const store = s.modelStore;
  const taskPolicy = new iam.RolePolicy(
    `${name}-task-policy`,
    {
      role: taskRole.id,
      policy: pulumi
        .all([store.bucketArn, store.pointerParameterArn])
        .apply(([bucketArn, pointerParameterArn]) => JSON.stringify(taskRolePolicy({ bucketArn, pointerParameterArn }))),
    },
    opts,
  );

  const taskDefinition = new ecs.TaskDefinition(
    `${name}-task`,
    {
      family: `${name}-inference`,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(s.cpu),
      memory: String(s.memory),
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: s.cpuArchitecture },
      executionRoleArn: executionRole.arn,
      taskRoleArn: taskRole.arn,
      containerDefinitions: pulumi
        .all([refs.imageRef, logGroup.name, store.pointerParameterName])
        .apply(([image, logGroupName, modelPointer]) => JSON.stringify(containerDefinitions(s, { image, logGroup: logGroupName, region: s.region, modelPointer, metricsService: metricsServiceName(name) }))),
    },
    opts,
  );
  return { logGroup, executionRole, executionPolicy, taskRole, taskPolicy, taskDefinition };
}
