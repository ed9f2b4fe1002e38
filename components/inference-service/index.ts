// The inference service: the image of service/ in its own ECR repository, run as an ECS Fargate service in private
// subnets behind an Application Load Balancer, scaled by target tracking on CPU and on requests per task.
//
// Routing: the service answers POST /forecast, GET /health and GET /model and replies 404 to anything else, so the
// listeners forward every request to the one target group by their default action; there are no listener rules.
//
// Network: tasks get no public IP. Their security group admits only the load balancer's security group, on the
// container port. Their egress is HTTPS (443) to anywhere and nothing else: every call a task makes (ECR, the S3 layer
// storage behind it, CloudWatch Logs, the model in S3 through the VPC's gateway endpoint) is HTTPS, and DNS goes to
// the VPC resolver, which security groups do not filter. The load balancer's group admits port 80 (and 443 with a
// certificate) from `loadBalancer.ingressCidrBlocks` and may send only to the tasks' group on the container port.
//
// Monitoring (components/observability/contract.ts): with `monitoring` the service alarms on its 5xx rate, p99
// latency, unhealthy targets, CPU, memory, running tasks below desired, and on model drift (the EMF means the service
// emits per model version against the training bands of `driftBaseline`); `widgets` is its part of the dashboard.
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LOG_RETENTION_DAYS } from "../../contracts/log-retention";
import { FARGATE_MEMORY } from "./fargate";
import { createAlarm, type AlarmSpec } from "../observability/alarms";
import { validateThresholds, type AlarmThresholds, type Monitored, type MonitoringArgs } from "../observability/contract";
import { DEFAULT_DRIFT_BASELINE, driftAlarmSpecs, driftWidgets, readDriftBaseline, type DriftBaseline } from "../observability/drift";
import { alarmStatusWidget, graphWidget, headerWidget, metricLine, type Widget } from "../observability/widgets";
import { SecureBucket } from "../secure-bucket";
import { imageContentTag, parseImageReference } from "./image";
import {
  ecrLifecyclePolicy,
  ecsTasksTrustPolicy,
  elbLogDeliveryStatements,
  executionRolePolicy,
  parseS3Uri,
  taskRolePolicy,
  type S3Object,
} from "./policies";

export { hashBuildInputs, imageContentTag, parseImageReference, readBuildInputs } from "./image";
export { ELB_LOG_DELIVERY_ACCOUNTS, parseS3Uri } from "./policies";

export type Platform = "linux/amd64" | "linux/arm64";

/** Fargate's CPU architecture for each image platform. */
export const PLATFORM_ARCHITECTURE: Readonly<Record<Platform, "X86_64" | "ARM64">> = {
  "linux/amd64": "X86_64",
  "linux/arm64": "ARM64",
};

/** Name of the one container of the task. */
export const CONTAINER_NAME = "inference";

/** Load balancer TLS policies that allow TLS 1.2 or newer only (ELB's TLS13-1-2/1-3, TLS-1-2 and FS-1-2 families). */
const TLS12_POLICY = /^ELBSecurityPolicy-(TLS13-1-[23]|TLS-1-2|FS-1-2)-/;
const CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;
const KMS_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+$/;
const ACM_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/.+$/;
const USER = /^([a-z_][a-z0-9_-]*|\d+)(:([a-z_][a-z0-9_-]*|\d+))?$/;

export interface InferenceImageBuildArgs {
  /** Docker build context, relative to the project directory (where Pulumi runs the program). @default "." (the repository root) */
  readonly context?: string;
  /** Dockerfile, relative to the project directory. @default "service/Dockerfile" */
  readonly dockerfile?: string;
  /** Files and folders, relative to `context`, whose content decides the image tag. @default ["service", "package.json", "package-lock.json"] (what service/Dockerfile copies) */
  readonly contentPaths?: readonly string[];
}

export interface InferenceLoadBalancerArgs {
  /** Internal (reachable from the VPC only) instead of internet-facing. @default false */
  readonly internal?: boolean;
  /** ACM certificate: adds HTTPS on 443 and turns HTTP on 80 into a 301 redirect to it. @default undefined (HTTP only) */
  readonly certificateArn?: pulumi.Input<string>;
  /** TLS policy of the HTTPS listener; only TLS 1.2+ policies are accepted. @default "ELBSecurityPolicy-TLS13-1-2-2021-06" */
  readonly sslPolicy?: string;
  /** Sources allowed to reach the listeners. @default ["0.0.0.0/0"] when internet-facing, [vpcCidrBlock] when internal */
  readonly ingressCidrBlocks?: readonly string[];
  /** Access logs to an S3 bucket the component creates (SSE-S3, TLS-only, public access blocked). @default false */
  readonly accessLogs?: boolean;
  /** Days access log files are kept. @default 90 */
  readonly accessLogRetentionDays?: number;
  /** @default false */
  readonly deletionProtection?: boolean;
  /** Seconds a deregistering task keeps serving in-flight requests before it is stopped. @default 30 */
  readonly deregistrationDelaySeconds?: number;
  /** Seconds an idle client connection stays open. @default 60 */
  readonly idleTimeoutSeconds?: number;
}

export interface InferenceServiceArgs {
  /** VPC of the load balancer, target group and security groups. */
  readonly vpcId: pulumi.Input<string>;
  /** Subnets of the tasks (and of the load balancer when it is internal). */
  readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Subnets of an internet-facing load balancer. Required unless `loadBalancer.internal`. @default undefined */
  readonly publicSubnetIds?: pulumi.Input<pulumi.Input<string>[]>;
  /** IPv4 range of the VPC: the default ingress of an internal load balancer. @default undefined */
  readonly vpcCidrBlock?: string;
  /** Task CPU units: 256, 512, 1024, 2048, 4096, 8192 or 16384. @default 256 */
  readonly cpu?: number;
  /** Task memory (MiB); must pair with cpu as Fargate allows. @default the smallest Fargate allows for cpu (512 for 256) */
  readonly memory?: number;
  /** Tasks started with the service; autoscaling owns the count afterwards. @default 1 */
  readonly desiredCount?: number;
  /** Autoscaling lower bound. @default 1 */
  readonly minCount?: number;
  /** Autoscaling upper bound. @default 2 */
  readonly maxCount?: number;
  /** Port the container listens on (passed as env PORT), 1024-65535. @default 5000 */
  readonly containerPort?: number;
  /** Image platform; decides the task's CPU architecture. @default "linux/amd64" */
  readonly platform?: Platform;
  /** Target average CPU (%) for autoscaling, 10-90. @default 60 */
  readonly cpuTargetPercent?: number;
  /** Target ALB requests per task for autoscaling. @default 1000 */
  readonly requestsPerTarget?: number;
  /** Seconds ECS ignores failing load balancer health checks of a new task. @default 60 */
  readonly healthCheckGracePeriodSeconds?: number;
  /** Share of desired tasks that must stay healthy during a deployment. @default 100 */
  readonly minHealthyPercent?: number;
  /** Most tasks, as a share of desired, running during a deployment, 100-200. @default 200 */
  readonly maxPercent?: number;
  /** Days CloudWatch Logs keeps the container logs (one of CloudWatch's retention values). @default 30 */
  readonly logRetentionDays?: number;
  /** Tagged images kept in the repository (untagged ones expire after a day). @default 10 */
  readonly keepImages?: number;
  /** Model the service loads (`s3://bucket/key`), passed as env MODEL_URI; the image's built-in model when unset. @default undefined */
  readonly modelUri?: string;
  /** Customer-managed KMS key of the ECR repository; AES256 when unset. @default undefined */
  readonly kmsKeyArn?: pulumi.Input<string>;
  /** Load balancer settings. @default {} */
  readonly loadBalancer?: InferenceLoadBalancerArgs;
  /** Build service/ into the repository; the default when `image` is not given. @default {} */
  readonly build?: InferenceImageBuildArgs;
  /** An existing image pinned by digest (`<repository>@sha256:<hex>`, e.g. built by CI) instead of a build. @default undefined */
  readonly image?: pulumi.Input<string>;
  /** Container Insights flavour of the cluster ("enhanced" adds task- and container-level metrics). @default "enabled" */
  readonly containerInsights?: "enabled" | "enhanced";
  /** Non-root user (`uid[:gid]` or name) the container runs as. @default "65532:65532" */
  readonly user?: string;
  /** Seconds the container gets after SIGTERM to drain before it is killed (Fargate allows 2-120). @default 30 */
  readonly stopTimeoutSeconds?: number;
  /** Protect the stateful children (the ECR repository and the access-log bucket) from deletion. @default false */
  readonly protect?: boolean;
  /**
   * The stack's alarm topic and thresholds: with it the service gets its alarms (5xx rate, p99 latency, unhealthy
   * hosts, CPU, memory, running tasks below desired, and model drift per number input field and prediction).
   * @default undefined (no alarms; the dashboard widgets still exist)
   */
  readonly monitoring?: MonitoringArgs;
  /**
   * The model.json whose training statistics are the drift bands: the model version the stack serves (a copy of the
   * file at `modelUri`). Read when the program runs, and only with `monitoring`.
   * @default the model built into the image, service/model/model.json
   */
  readonly driftBaseline?: string;
}

function fail(message: string): never {
  throw new Error(`InferenceService: ${message}`);
}

function integer(arg: string, value: number | undefined, fallback: number, min: number, max: number, why = ""): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) fail(`${arg} must be an integer from ${min} to ${max}${why}, got ${v}`);
  return v;
}

/** The settings an InferenceService is built from, defaults applied. Throws on impossible args, naming the arg. */
export function resolveInferenceServiceArgs(args: InferenceServiceArgs) {
  const cpu = args.cpu ?? 256;
  const sizes = FARGATE_MEMORY[cpu];
  if (!sizes) fail(`cpu ${cpu} is not a Fargate CPU size; use one of ${Object.keys(FARGATE_MEMORY).join(", ")}`);
  const memory = args.memory ?? sizes[0];
  if (!sizes.includes(memory)) fail(`memory ${memory} MiB is not valid with cpu ${cpu}; Fargate allows ${sizes.join(", ")}`);

  const desiredCount = integer("desiredCount", args.desiredCount, 1, 1, 100);
  const minCount = integer("minCount", args.minCount, 1, 1, 100);
  const maxCount = integer("maxCount", args.maxCount, 2, 1, 100);
  if (minCount > desiredCount) fail(`minCount (${minCount}) must be <= desiredCount (${desiredCount})`);
  if (desiredCount > maxCount) fail(`desiredCount (${desiredCount}) must be <= maxCount (${maxCount})`);

  const minHealthyPercent = integer("minHealthyPercent", args.minHealthyPercent, 100, 0, 100);
  const maxPercent = integer("maxPercent", args.maxPercent, 200, 100, 200);
  // ECS rounds the running ceiling down and the healthy floor up; at any task count autoscaling may reach, a
  // deployment must be able to start at least one new task.
  for (let n = minCount; n <= maxCount; n++) {
    if (Math.floor((n * maxPercent) / 100) <= Math.ceil((n * minHealthyPercent) / 100)) {
      fail(`maxPercent (${maxPercent}) and minHealthyPercent (${minHealthyPercent}) leave no room to replace a task when ${n} task(s) run`);
    }
  }

  const platform = args.platform ?? "linux/amd64";
  if (!(platform in PLATFORM_ARCHITECTURE)) fail(`platform '${platform}' must be linux/amd64 or linux/arm64`);
  const containerInsights = args.containerInsights ?? "enabled";
  if (containerInsights !== "enabled" && containerInsights !== "enhanced") fail(`containerInsights '${containerInsights}' must be enabled or enhanced`);
  const user = args.user ?? "65532:65532";
  if (!USER.test(user)) fail(`user '${user}' must be uid[:gid] or a user name`);
  if (/^(0|root)(:|$)/.test(user)) fail(`user '${user}' must not be root`);
  const logRetentionDays = args.logRetentionDays ?? 30;
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    fail(`logRetentionDays ${logRetentionDays} is not a CloudWatch Logs retention; use one of ${LOG_RETENTION_DAYS.join(", ")}`);
  }

  let model: S3Object | undefined;
  if (args.modelUri !== undefined) {
    try {
      model = parseS3Uri(args.modelUri);
    } catch (e) {
      fail((e as Error).message);
    }
  }
  if (typeof args.kmsKeyArn === "string" && !KMS_ARN.test(args.kmsKeyArn)) fail(`kmsKeyArn '${args.kmsKeyArn}' must be a KMS key ARN`);

  if (args.image !== undefined && args.build !== undefined) {
    fail("give either image (an existing image) or build (build service/ into the repository), not both");
  }
  if (typeof args.image === "string") {
    try {
      parseImageReference(args.image);
    } catch (e) {
      fail((e as Error).message);
    }
  }
  const monitoring = args.monitoring && { alarmTopicArn: args.monitoring.alarmTopicArn, thresholds: validateThresholds("InferenceService", args.monitoring.thresholds) };
  const driftBaseline = args.driftBaseline ?? DEFAULT_DRIFT_BASELINE;
  if (typeof driftBaseline !== "string" || driftBaseline.trim() === "") fail("driftBaseline must be the path of a model.json");
  const contentPaths = args.build?.contentPaths ?? ["service", "package.json", "package-lock.json"];
  if (contentPaths.length === 0) fail("build.contentPaths must name at least one file or folder");
  const image =
    args.image !== undefined
      ? { kind: "existing" as const, ref: args.image }
      : {
          kind: "build" as const,
          context: args.build?.context ?? ".",
          dockerfile: args.build?.dockerfile ?? "service/Dockerfile",
          contentPaths,
        };

  const lb = args.loadBalancer ?? {};
  const internal = lb.internal ?? false;
  if (!internal && args.publicSubnetIds === undefined) fail("publicSubnetIds is required when the load balancer is internet-facing");
  if (args.vpcCidrBlock !== undefined && !CIDR.test(args.vpcCidrBlock)) fail(`vpcCidrBlock '${args.vpcCidrBlock}' must be an IPv4 CIDR block`);
  if (internal && lb.ingressCidrBlocks === undefined && args.vpcCidrBlock === undefined) {
    fail("an internal load balancer needs vpcCidrBlock or loadBalancer.ingressCidrBlocks to admit traffic from");
  }
  const ingressCidrBlocks = lb.ingressCidrBlocks ?? (internal ? [args.vpcCidrBlock as string] : ["0.0.0.0/0"]);
  if (ingressCidrBlocks.length === 0) fail("loadBalancer.ingressCidrBlocks must not be empty");
  const badCidr = ingressCidrBlocks.find((c) => !CIDR.test(c));
  if (badCidr !== undefined) fail(`loadBalancer.ingressCidrBlocks: '${badCidr}' is not an IPv4 CIDR block`);
  if (new Set(ingressCidrBlocks).size !== ingressCidrBlocks.length) fail("loadBalancer.ingressCidrBlocks lists a block twice");
  if (typeof lb.certificateArn === "string" && !ACM_ARN.test(lb.certificateArn)) {
    fail(`loadBalancer.certificateArn '${lb.certificateArn}' must be an ACM certificate ARN`);
  }
  const sslPolicy = lb.sslPolicy ?? "ELBSecurityPolicy-TLS13-1-2-2021-06";
  if (!TLS12_POLICY.test(sslPolicy)) fail(`loadBalancer.sslPolicy '${sslPolicy}' must be a TLS 1.2+ policy such as ELBSecurityPolicy-TLS13-1-2-2021-06`);

  return {
    cpu,
    memory,
    desiredCount,
    minCount,
    maxCount,
    minHealthyPercent,
    maxPercent,
    containerPort: integer("containerPort", args.containerPort, 5000, 1024, 65535, " (a non-root container without capabilities cannot bind lower ports)"),
    platform,
    cpuArchitecture: PLATFORM_ARCHITECTURE[platform],
    cpuTargetPercent: integer("cpuTargetPercent", args.cpuTargetPercent, 60, 10, 90),
    requestsPerTarget: integer("requestsPerTarget", args.requestsPerTarget, 1000, 1, 100000),
    healthCheckGracePeriodSeconds: integer("healthCheckGracePeriodSeconds", args.healthCheckGracePeriodSeconds, 60, 0, 7200),
    logRetentionDays,
    keepImages: integer("keepImages", args.keepImages, 10, 1, 1000),
    stopTimeoutSeconds: integer("stopTimeoutSeconds", args.stopTimeoutSeconds, 30, 2, 120),
    containerInsights,
    user,
    modelUri: args.modelUri,
    model,
    kmsKeyArn: args.kmsKeyArn,
    image,
    protect: args.protect ?? false,
    monitoring,
    driftBaseline,
    loadBalancer: {
      internal,
      certificateArn: lb.certificateArn,
      sslPolicy,
      ingressCidrBlocks,
      accessLogs: lb.accessLogs ?? false,
      accessLogRetentionDays: integer("loadBalancer.accessLogRetentionDays", lb.accessLogRetentionDays, 90, 1, 3650),
      deletionProtection: lb.deletionProtection ?? false,
      deregistrationDelaySeconds: integer("loadBalancer.deregistrationDelaySeconds", lb.deregistrationDelaySeconds, 30, 0, 3600),
      idleTimeoutSeconds: integer("loadBalancer.idleTimeoutSeconds", lb.idleTimeoutSeconds, 60, 1, 4000),
    },
  };
}

export type InferenceServiceSettings = ReturnType<typeof resolveInferenceServiceArgs>;

/** The task's container definitions (one container), as ECS takes them. Pure: plain values in, a typed object out. */
export function containerDefinitions(s: InferenceServiceSettings, refs: { image: string; logGroup: string; region: string }) {
  return [
    {
      name: CONTAINER_NAME,
      image: refs.image,
      essential: true,
      portMappings: [{ containerPort: s.containerPort, hostPort: s.containerPort, protocol: "tcp" }],
      environment: [
        { name: "PORT", value: String(s.containerPort) },
        ...(s.modelUri !== undefined ? [{ name: "MODEL_URI", value: s.modelUri }] : []),
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

export class InferenceService extends pulumi.ComponentResource implements Monitored {
  public readonly repository: aws.ecr.Repository;
  public readonly repositoryUrl: pulumi.Output<string>;
  /** The image built from service/, when the component builds it. */
  public readonly image?: docker.Image;
  /** The image the tasks run, pinned by digest (`<repository>@sha256:<hex>`). */
  public readonly imageRef: pulumi.Output<string>;
  public readonly cluster: aws.ecs.Cluster;
  public readonly taskDefinition: aws.ecs.TaskDefinition;
  public readonly service: aws.ecs.Service;
  public readonly loadBalancer: aws.lb.LoadBalancer;
  public readonly targetGroup: aws.lb.TargetGroup;
  public readonly listeners: { readonly http: aws.lb.Listener; readonly https?: aws.lb.Listener };
  /** `http://<dns>`, or `https://<dns>` when a certificate is set (point a DNS name covered by it at the load balancer). */
  public readonly serviceUrl: pulumi.Output<string>;
  public readonly logGroup: aws.cloudwatch.LogGroup;
  public readonly taskRole: aws.iam.Role;
  public readonly executionRole: aws.iam.Role;
  public readonly securityGroups: { readonly loadBalancer: aws.ec2.SecurityGroup; readonly tasks: aws.ec2.SecurityGroup };
  /** The access-log bucket, when access logs are on. */
  public readonly accessLogBucket?: aws.s3.Bucket;
  public readonly scalingTarget: aws.appautoscaling.Target;
  /** CloudWatch dimensions for alarms: `LoadBalancer` (AWS/ApplicationELB). */
  public readonly loadBalancerArnSuffix: pulumi.Output<string>;
  /** CloudWatch dimensions for alarms: `TargetGroup` (AWS/ApplicationELB). */
  public readonly targetGroupArnSuffix: pulumi.Output<string>;
  /** CloudWatch dimensions for alarms: `ClusterName` (AWS/ECS, ECS/ContainerInsights). */
  public readonly clusterName: pulumi.Output<string>;
  /** CloudWatch dimensions for alarms: `ServiceName` (AWS/ECS, ECS/ContainerInsights). */
  public readonly serviceName: pulumi.Output<string>;
  /** The service's alarms (see `inferenceAlarmSpecs` and `driftAlarmSpecs`); empty without `monitoring`. */
  public readonly alarms: aws.cloudwatch.MetricAlarm[];
  /** The service's dashboard widgets: traffic, latency, tasks, CPU and memory, drift and alarm states. */
  public readonly widgets: pulumi.Output<Widget[]>;
  /** The drift bands the alarms watch, when `monitoring` is set. */
  public readonly driftBaseline?: DriftBaseline;

  constructor(name: string, args: InferenceServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    // Impossible args fail here, before anything is registered.
    const s = resolveInferenceServiceArgs(args);
    let baseline: DriftBaseline | undefined;
    if (s.monitoring) {
      try {
        baseline = readDriftBaseline(s.driftBaseline);
      } catch (e) {
        fail((e as Error).message);
      }
    }
    super("edge-mlops:inference:InferenceService", name, {}, opts);
    const parent = { parent: this };
    const stateful = s.protect ? { parent: this, protect: true } : parent;
    const partition = aws.getPartitionOutput({}, parent).partition;
    const region = aws.getRegionOutput({}, parent).region;
    const account = aws.getCallerIdentityOutput({}, parent).accountId;

    // ---- image ----------------------------------------------------------------------------------------------------
    this.repository = new aws.ecr.Repository(
      `${name}-repo`,
      {
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [s.kmsKeyArn !== undefined ? { encryptionType: "KMS", kmsKey: s.kmsKeyArn } : { encryptionType: "AES256" }],
        forceDelete: false,
      },
      stateful,
    );
    this.repositoryUrl = this.repository.repositoryUrl;
    new aws.ecr.LifecyclePolicy(
      `${name}-repo-lifecycle`,
      { repository: this.repository.name, policy: JSON.stringify(ecrLifecyclePolicy(s.keepImages)) },
      parent,
    );

    let extraPullRepository: pulumi.Output<string | undefined> = pulumi.output(undefined);
    if (s.image.kind === "build") {
      let tag: string;
      try {
        tag = imageContentTag(path.resolve(s.image.context), s.image.contentPaths);
      } catch (e) {
        fail(`build.contentPaths: ${(e as Error).message}`);
      }
      const token = aws.ecr.getAuthorizationTokenOutput({ registryId: this.repository.registryId }, parent);
      this.image = new docker.Image(
        `${name}-image`,
        {
          imageName: pulumi.interpolate`${this.repository.repositoryUrl}:${tag}`,
          build: { context: s.image.context, dockerfile: s.image.dockerfile, platform: s.platform },
          registry: {
            server: this.repository.repositoryUrl,
            username: token.userName,
            password: pulumi.secret(token.password),
          },
        },
        parent,
      );
      this.imageRef = this.image.repoDigest;
    } else {
      this.imageRef = pulumi.output(s.image.ref).apply((ref) => {
        try {
          parseImageReference(ref);
        } catch (e) {
          throw new pulumi.ResourceError(`InferenceService: ${(e as Error).message}`, this);
        }
        return ref;
      });
      // An existing image in another ECR repository must be pullable too.
      extraPullRepository = pulumi.all([this.imageRef, partition]).apply(([ref, part]) => {
        const ecr = parseImageReference(ref).ecr;
        return ecr ? `arn:${part}:ecr:${ecr.region}:${ecr.account}:repository/${ecr.name}` : undefined;
      });
    }

    // ---- cluster, logs, roles -------------------------------------------------------------------------------------
    this.cluster = new aws.ecs.Cluster(`${name}-cluster`, { settings: [{ name: "containerInsights", value: s.containerInsights }] }, parent);
    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { namePrefix: `/edge-mlops/${name}/inference-`, retentionInDays: s.logRetentionDays },
      parent,
    );

    this.executionRole = new aws.iam.Role(`${name}-execution-role`, { assumeRolePolicy: JSON.stringify(ecsTasksTrustPolicy()) }, parent);
    const executionPolicy = new aws.iam.RolePolicy(
      `${name}-execution-policy`,
      {
        role: this.executionRole.id,
        policy: pulumi
          .all([this.repository.arn, extraPullRepository, this.logGroup.arn])
          .apply(([own, extra, logGroupArn]) =>
            JSON.stringify(executionRolePolicy({ repositoryArns: extra && extra !== own ? [own, extra] : [own], logGroupArn })),
          ),
      },
      parent,
    );

    this.taskRole = new aws.iam.Role(
      `${name}-task-role`,
      {
        assumeRolePolicy: pulumi
          .all([partition, region, account])
          .apply(([p, r, a]) => JSON.stringify(ecsTasksTrustPolicy({ partition: p, region: r, account: a }))),
      },
      parent,
    );
    const model = s.model;
    if (model) {
      new aws.iam.RolePolicy(
        `${name}-task-policy`,
        { role: this.taskRole.id, policy: partition.apply((p) => JSON.stringify(taskRolePolicy(p, model))) },
        parent,
      );
    }

    // ---- network --------------------------------------------------------------------------------------------------
    const lbSg = new aws.ec2.SecurityGroup(
      `${name}-lb-sg`,
      { vpcId: args.vpcId, description: "Inference load balancer: listeners in, container port to the tasks out", revokeRulesOnDelete: true },
      parent,
    );
    const tasksSg = new aws.ec2.SecurityGroup(
      `${name}-tasks-sg`,
      { vpcId: args.vpcId, description: "Inference tasks: container port from the load balancer only, HTTPS out", revokeRulesOnDelete: true },
      parent,
    );
    this.securityGroups = { loadBalancer: lbSg, tasks: tasksSg };
    const https = s.loadBalancer.certificateArn !== undefined;
    for (const port of https ? [80, 443] : [80]) {
      s.loadBalancer.ingressCidrBlocks.forEach((cidr, i) => {
        new aws.vpc.SecurityGroupIngressRule(
          `${name}-lb-in-${port}-${i}`,
          { securityGroupId: lbSg.id, ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: cidr, description: `listener ${port}` },
          parent,
        );
      });
    }
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-lb-out-tasks`,
      {
        securityGroupId: lbSg.id,
        ipProtocol: "tcp",
        fromPort: s.containerPort,
        toPort: s.containerPort,
        referencedSecurityGroupId: tasksSg.id,
        description: "requests and health checks to the tasks",
      },
      parent,
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-tasks-in-lb`,
      {
        securityGroupId: tasksSg.id,
        ipProtocol: "tcp",
        fromPort: s.containerPort,
        toPort: s.containerPort,
        referencedSecurityGroupId: lbSg.id,
        description: "container port from the load balancer only",
      },
      parent,
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-tasks-out-https`,
      { securityGroupId: tasksSg.id, ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0", description: "HTTPS to ECR, S3 and CloudWatch Logs" },
      parent,
    );

    // ---- load balancer --------------------------------------------------------------------------------------------
    let accessLogs: aws.types.input.lb.LoadBalancerAccessLogs | undefined;
    const lbDependsOn: pulumi.Resource[] = [];
    if (s.loadBalancer.accessLogs) {
      // ALB access logs support SSE-S3 only. Versioned like every bucket of the platform, so an access log cannot be
      // overwritten unnoticed; old versions leave with the logs' own retention.
      const logs = new SecureBucket(
        `${name}-lb-logs`,
        {
          forceDestroy: false,
          protect: s.protect,
          expirationDays: s.loadBalancer.accessLogRetentionDays,
          noncurrentVersionDays: 1,
          abortIncompleteUploadDays: 1,
          lifecycleRuleId: "expire-access-logs",
          extraStatements: (bucketArn) =>
            pulumi.all([partition, region, account]).apply(([p, r, a]) => elbLogDeliveryStatements({ partition: p, region: r, account: a, bucketArn })),
          formerParent: this,
        },
        parent,
      );
      this.accessLogBucket = logs.bucket;
      // The load balancer checks that it may write to the bucket when logging is turned on: the policy comes first.
      lbDependsOn.push(logs.policy);
      accessLogs = { bucket: logs.bucketName, enabled: true };
    }
    this.loadBalancer = new aws.lb.LoadBalancer(
      `${name}-lb`,
      {
        loadBalancerType: "application",
        internal: s.loadBalancer.internal,
        subnets: s.loadBalancer.internal ? args.privateSubnetIds : (args.publicSubnetIds as pulumi.Input<pulumi.Input<string>[]>),
        securityGroups: [lbSg.id],
        dropInvalidHeaderFields: true,
        enableDeletionProtection: s.loadBalancer.deletionProtection,
        idleTimeout: s.loadBalancer.idleTimeoutSeconds,
        ...(accessLogs ? { accessLogs } : {}),
      },
      { parent: this, dependsOn: lbDependsOn },
    );
    this.targetGroup = new aws.lb.TargetGroup(
      `${name}-tg`,
      {
        vpcId: args.vpcId,
        targetType: "ip",
        protocol: "HTTP",
        port: s.containerPort,
        deregistrationDelay: s.loadBalancer.deregistrationDelaySeconds,
        healthCheck: {
          enabled: true,
          protocol: "HTTP",
          path: "/health",
          port: "traffic-port",
          matcher: "200",
          interval: 15,
          timeout: 5,
          healthyThreshold: 2,
          unhealthyThreshold: 3,
        },
      },
      parent,
    );
    const forward = [{ type: "forward", targetGroupArn: this.targetGroup.arn }];
    const httpListener = new aws.lb.Listener(
      `${name}-http`,
      {
        loadBalancerArn: this.loadBalancer.arn,
        port: 80,
        protocol: "HTTP",
        defaultActions: https ? [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }] : forward,
      },
      parent,
    );
    const httpsListener = https
      ? new aws.lb.Listener(
          `${name}-https`,
          {
            loadBalancerArn: this.loadBalancer.arn,
            port: 443,
            protocol: "HTTPS",
            certificateArn: s.loadBalancer.certificateArn,
            sslPolicy: s.loadBalancer.sslPolicy,
            defaultActions: forward,
          },
          parent,
        )
      : undefined;
    this.listeners = { http: httpListener, ...(httpsListener ? { https: httpsListener } : {}) };

    // ---- task definition and service ------------------------------------------------------------------------------
    this.taskDefinition = new aws.ecs.TaskDefinition(
      `${name}-task`,
      {
        family: `${name}-inference`,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: String(s.cpu),
        memory: String(s.memory),
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: s.cpuArchitecture },
        executionRoleArn: this.executionRole.arn,
        taskRoleArn: this.taskRole.arn,
        containerDefinitions: pulumi
          .all([this.imageRef, this.logGroup.name, region])
          .apply(([image, logGroup, r]) => JSON.stringify(containerDefinitions(s, { image, logGroup, region: r }))),
      },
      parent,
    );
    this.service = new aws.ecs.Service(
      `${name}-service`,
      {
        cluster: this.cluster.arn,
        taskDefinition: this.taskDefinition.arn,
        launchType: "FARGATE",
        platformVersion: "LATEST",
        desiredCount: s.desiredCount,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        deploymentMinimumHealthyPercent: s.minHealthyPercent,
        deploymentMaximumPercent: s.maxPercent,
        healthCheckGracePeriodSeconds: s.healthCheckGracePeriodSeconds,
        networkConfiguration: { subnets: args.privateSubnetIds, securityGroups: [tasksSg.id], assignPublicIp: false },
        loadBalancers: [{ targetGroupArn: this.targetGroup.arn, containerName: CONTAINER_NAME, containerPort: s.containerPort }],
        propagateTags: "SERVICE",
        enableEcsManagedTags: true,
        enableExecuteCommand: false,
        waitForSteadyState: false,
      },
      // The target group must be attached to the load balancer, and the agent able to pull, before tasks start.
      { parent: this, ignoreChanges: ["desiredCount"], dependsOn: [executionPolicy, httpListener, ...(httpsListener ? [httpsListener] : [])] },
    );

    // ---- autoscaling ----------------------------------------------------------------------------------------------
    this.clusterName = this.cluster.name;
    this.serviceName = this.service.name;
    this.loadBalancerArnSuffix = this.loadBalancer.arnSuffix;
    this.targetGroupArnSuffix = this.targetGroup.arnSuffix;
    this.scalingTarget = new aws.appautoscaling.Target(
      `${name}-scaling`,
      {
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId: pulumi.interpolate`service/${this.cluster.name}/${this.service.name}`,
        minCapacity: s.minCount,
        maxCapacity: s.maxCount,
      },
      parent,
    );
    const scaling = {
      serviceNamespace: this.scalingTarget.serviceNamespace,
      scalableDimension: this.scalingTarget.scalableDimension,
      resourceId: this.scalingTarget.resourceId,
      policyType: "TargetTrackingScaling",
    };
    new aws.appautoscaling.Policy(
      `${name}-scale-cpu`,
      {
        ...scaling,
        targetTrackingScalingPolicyConfiguration: {
          predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
          targetValue: s.cpuTargetPercent,
          scaleOutCooldown: 60,
          scaleInCooldown: 300,
        },
      },
      parent,
    );
    new aws.appautoscaling.Policy(
      `${name}-scale-requests`,
      {
        ...scaling,
        targetTrackingScalingPolicyConfiguration: {
          predefinedMetricSpecification: {
            predefinedMetricType: "ALBRequestCountPerTarget",
            resourceLabel: pulumi.interpolate`${this.loadBalancer.arnSuffix}/${this.targetGroup.arnSuffix}`,
          },
          targetValue: s.requestsPerTarget,
          scaleOutCooldown: 60,
          scaleInCooldown: 300,
        },
      },
      parent,
    );

    // ---- alarms and dashboard widgets ------------------------------------------------------------------------------
    const metricRefs: InferenceMetricRefs<pulumi.Input<string>> = {
      loadBalancer: this.loadBalancerArnSuffix,
      targetGroup: this.targetGroupArnSuffix,
      cluster: this.clusterName,
      service: this.serviceName,
    };
    const monitoring = s.monitoring;
    this.driftBaseline = baseline;
    this.alarms = [];
    if (monitoring && baseline) {
      const specs = { ...inferenceAlarmSpecs(metricRefs, monitoring.thresholds), ...driftAlarmSpecs(baseline, monitoring.thresholds) };
      for (const [suffix, spec] of Object.entries(specs)) this.alarms.push(createAlarm(`${name}-${suffix}`, spec, monitoring.alarmTopicArn, parent));
    }
    this.widgets = pulumi
      .all([pulumi.output(metricRefs), pulumi.all(this.alarms.map((a) => a.arn))])
      .apply(([refs, alarmArns]) => inferenceWidgets(name, refs, monitoring?.thresholds, baseline, alarmArns));

    this.serviceUrl = pulumi.interpolate`${https ? "https" : "http"}://${this.loadBalancer.dnsName}`;
    this.registerOutputs({ serviceUrl: this.serviceUrl, repositoryUrl: this.repositoryUrl, imageRef: this.imageRef });
  }
}

// ---- monitoring ---------------------------------------------------------------------------------------------------

/** The CloudWatch dimension values of the service's metrics. */
export interface InferenceMetricRefs<T = string> {
  /** `LoadBalancer` of AWS/ApplicationELB: the load balancer's ARN suffix. */
  readonly loadBalancer: T;
  /** `TargetGroup` of AWS/ApplicationELB: the target group's ARN suffix. */
  readonly targetGroup: T;
  /** `ClusterName` of AWS/ECS and ECS/ContainerInsights. */
  readonly cluster: T;
  /** `ServiceName` of AWS/ECS and ECS/ContainerInsights. */
  readonly service: T;
}

const ALB = "AWS/ApplicationELB";
const ECS = "AWS/ECS";
const CONTAINER_INSIGHTS = "ECS/ContainerInsights";

/**
 * The service's alarms (drift alarms come from `driftAlarmSpecs`), keyed by resource name suffix. Missing data counts
 * as fine where it means "no traffic" (5xx rate, latency, hosts, CPU, memory) and as breaching for the task count:
 * Container Insights reports it every minute while the service exists, so silence there is itself a failure.
 */
export function inferenceAlarmSpecs(r: InferenceMetricRefs<pulumi.Input<string>>, t: AlarmThresholds): Record<string, AlarmSpec> {
  const window = { periodSeconds: t.periodSeconds, evaluationPeriods: t.evaluationPeriods };
  const lb = { LoadBalancer: r.loadBalancer };
  const target = { LoadBalancer: r.loadBalancer, TargetGroup: r.targetGroup };
  const service = { ClusterName: r.cluster, ServiceName: r.service };
  return {
    "alarm-5xx-rate": {
      description: `More than ${t.alb5xxPercent}% of requests to the inference load balancer ended in a 5xx (from the tasks or the load balancer itself).`,
      queries: [
        { id: "target5xx", metric: { namespace: ALB, metricName: "HTTPCode_Target_5XX_Count", dimensions: lb, stat: "Sum" } },
        { id: "elb5xx", metric: { namespace: ALB, metricName: "HTTPCode_ELB_5XX_Count", dimensions: lb, stat: "Sum" } },
        { id: "requests", metric: { namespace: ALB, metricName: "RequestCount", dimensions: lb, stat: "Sum" } },
        { id: "rate", label: "5xx responses (% of requests)", expression: "100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests", returnData: true },
      ],
      comparison: "GreaterThanThreshold",
      threshold: t.alb5xxPercent,
      ...window,
      treatMissingData: "notBreaching",
    },
    "alarm-p99-latency": {
      description: `The tasks' p99 response time exceeded ${t.p99LatencyMs} ms.`,
      metric: { namespace: ALB, metricName: "TargetResponseTime", dimensions: target },
      extendedStatistic: "p99",
      comparison: "GreaterThanThreshold",
      threshold: t.p99LatencyMs / 1000,
      ...window,
      treatMissingData: "notBreaching",
    },
    "alarm-unhealthy-hosts": {
      description: "A task failed the load balancer's health checks (GET /health).",
      metric: { namespace: ALB, metricName: "UnHealthyHostCount", dimensions: target },
      statistic: "Maximum",
      comparison: "GreaterThanThreshold",
      threshold: 0,
      ...window,
      treatMissingData: "notBreaching",
    },
    "alarm-cpu": {
      description: `The service's average CPU utilisation exceeded ${t.cpuPercent}% (autoscaling may be at maxCount).`,
      metric: { namespace: ECS, metricName: "CPUUtilization", dimensions: service },
      statistic: "Average",
      comparison: "GreaterThanThreshold",
      threshold: t.cpuPercent,
      ...window,
      treatMissingData: "notBreaching",
    },
    "alarm-memory": {
      description: `The service's average memory utilisation exceeded ${t.memoryPercent}%.`,
      metric: { namespace: ECS, metricName: "MemoryUtilization", dimensions: service },
      statistic: "Average",
      comparison: "GreaterThanThreshold",
      threshold: t.memoryPercent,
      ...window,
      treatMissingData: "notBreaching",
    },
    "alarm-running-tasks": {
      description: "Fewer tasks are running than the service wants (tasks fail to start, crash, or cannot pull their image).",
      queries: [
        { id: "desired", metric: { namespace: CONTAINER_INSIGHTS, metricName: "DesiredTaskCount", dimensions: service, stat: "Minimum" } },
        { id: "running", metric: { namespace: CONTAINER_INSIGHTS, metricName: "RunningTaskCount", dimensions: service, stat: "Maximum" } },
        { id: "missing", label: "tasks missing (desired - running)", expression: "desired - running", returnData: true },
      ],
      comparison: "GreaterThanThreshold",
      threshold: 0,
      ...window,
      treatMissingData: "breaching",
    },
  };
}

/** The service's dashboard section. Threshold lines and drift graphs appear when monitoring thresholds are given. */
export function inferenceWidgets(
  name: string,
  r: InferenceMetricRefs,
  t: AlarmThresholds | undefined,
  baseline: DriftBaseline | undefined,
  alarmArns: readonly string[],
): Widget[] {
  const period = t?.periodSeconds ?? 300;
  const lb = { LoadBalancer: r.loadBalancer };
  const target = { LoadBalancer: r.loadBalancer, TargetGroup: r.targetGroup };
  const service = { ClusterName: r.cluster, ServiceName: r.service };
  const widgets: Widget[] = [
    headerWidget(`## Inference service ${name}`),
    graphWidget(
      "Requests and 5xx responses",
      [
        metricLine(ALB, "RequestCount", lb, { stat: "Sum", label: "requests" }),
        metricLine(ALB, "HTTPCode_Target_5XX_Count", lb, { stat: "Sum", label: "5xx from tasks" }),
        metricLine(ALB, "HTTPCode_ELB_5XX_Count", lb, { stat: "Sum", label: "5xx from load balancer" }),
      ],
      { period },
    ),
    graphWidget(
      "Target response time (s)",
      [metricLine(ALB, "TargetResponseTime", target, { stat: "p50", label: "p50" }), metricLine(ALB, "TargetResponseTime", target, { stat: "p99", label: "p99" })],
      { period, ...(t ? { annotations: { horizontal: [{ value: t.p99LatencyMs / 1000, label: "p99 alarm" }] } } : {}) },
    ),
    graphWidget(
      "Tasks",
      [
        metricLine(CONTAINER_INSIGHTS, "DesiredTaskCount", service, { stat: "Average", label: "desired" }),
        metricLine(CONTAINER_INSIGHTS, "RunningTaskCount", service, { stat: "Average", label: "running" }),
        metricLine(ALB, "UnHealthyHostCount", target, { stat: "Maximum", label: "unhealthy targets" }),
      ],
      { period },
    ),
    graphWidget(
      "CPU and memory utilisation (%)",
      [metricLine(ECS, "CPUUtilization", service, { stat: "Average", label: "CPU" }), metricLine(ECS, "MemoryUtilization", service, { stat: "Average", label: "memory" })],
      {
        period,
        width: 24,
        yAxis: { left: { min: 0, max: 100 } },
        ...(t ? { annotations: { horizontal: [{ value: t.cpuPercent, label: "CPU alarm" }, { value: t.memoryPercent, label: "memory alarm" }] } } : {}),
      },
    ),
  ];
  if (t && baseline) widgets.push(...driftWidgets(baseline, t));
  if (alarmArns.length > 0) widgets.push(alarmStatusWidget(`Alarms of inference service ${name}`, alarmArns));
  return widgets;
}
