// InferenceService under the offline plan's mocks: three services (dev-like, prod-like with every option, and one
// running an existing image behind an internal load balancer), read back through the typed input table.
import { beforeAll, describe, expect, it } from "vitest";
import { CONTAINER_NAME, containerDefinitions, imageContentTag, InferenceService } from "../../components/inference-service";
import type { TrustPolicy } from "../../components/iam";
import { SERVICE_BUILD_INPUTS } from "../../components/inference-service/args";
import { ecrLifecyclePolicy } from "../../components/inference-service/policies";
import { hex } from "../../scripts/offline/mocks";
import { SECRET } from "../../scripts/offline/run";
import { one, ofType, parentAliases, planProgram, recordAliases, type Plan } from "../support/offline";
import { allInputsOf, inputsOf, parseDocument, policyDocument, type Inputs } from "../support/resources";

const COMPONENT = "edge-mlops:inference:InferenceService";
const SECURE_BUCKET = "edge-mlops:storage:SecureBucket";

const VPC = "vpc-0123456789abcdef0";
const PRIVATE = ["subnet-private-a", "subnet-private-b"];
const PUBLIC = ["subnet-public-a", "subnet-public-b"];
const CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9";
const KMS = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const POINTER = "/edge-mlops/prod/inference/current-model";
const POINTER_ARN = `arn:aws:ssm:eu-west-1:123456789012:parameter${POINTER}`;
const MODELS_ARN = "arn:aws:s3:::edge-mlops-prod-models";
const CI_IMAGE = `999988887777.dkr.ecr.eu-west-1.amazonaws.com/platform/inference@sha256:${"c".repeat(64)}`;
const ACCOUNT_ARN = "arn:aws:[a-z-]+:eu-west-1:123456789012";
const wiring = { region: "eu-west-1", vpcId: VPC, privateSubnetIds: PRIVATE, modelStore: { bucketArn: MODELS_ARN, pointerParameterName: POINTER, pointerParameterArn: POINTER_ARN } };
/** An internet-facing load balancer, opened on purpose (the default is internal). */
const OPEN = { internal: false, public: { allowUnauthenticated: true } };

/** The id the offline mocks give a security group. */
/** The id the mocks gave a security group (it follows the group's replace-forcing inputs), checked for AWS's shape. */
const sgId = (name: string) => {
  const id = one(plan, "aws:ec2/securityGroup:SecurityGroup", name).id!;
  expect(id).toMatch(/^sg-[0-9a-f]{17}$/);
  return id;
};

let plan: Plan;
let tag: string;
let aliases: ReturnType<typeof recordAliases>;
let prodService: InferenceService;

beforeAll(async () => {
  tag = imageContentTag(process.cwd(), SERVICE_BUILD_INPUTS);
  plan = await planProgram(() => {
    aliases = recordAliases();
    const dev = new InferenceService("dev", { ...wiring, publicSubnetIds: PUBLIC, vpcCidrBlock: "10.10.0.0/16", logRetentionDays: 7, keepImages: 5, loadBalancer: OPEN });
    const prod = new InferenceService("prod", {
      ...wiring,
      publicSubnetIds: PUBLIC,
      cpu: 512,
      memory: 1024,
      desiredCount: 2,
      minCount: 2,
      maxCount: 6,
      platform: "linux/arm64",
      cpuTargetPercent: 50,
      requestsPerTarget: 800,
      logRetentionDays: 365,
      keepImages: 30,
      kmsKeyArn: KMS,
      containerInsights: "enhanced",
      user: "1000:1000",
      stopTimeoutSeconds: 60,
      protect: true,
      greengrassComponentPrefix: "com.edgemlops.Inference",
      loadBalancer: {
        ...OPEN,
        certificateArn: CERT,
        sslPolicy: "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
        ingressCidrBlocks: ["203.0.113.0/24", "198.51.100.0/24"],
        accessLogs: true,
        accessLogRetentionDays: 30,
        deletionProtection: true,
        deregistrationDelaySeconds: 20,
        idleTimeoutSeconds: 120,
      },
    });
    prodService = prod;
    const ci = new InferenceService("ci", { ...wiring, vpcCidrBlock: "10.20.0.0/16", image: { existing: CI_IMAGE }, loadBalancer: { internal: true } });
    return {
      devUrl: dev.serviceUrl,
      prodUrl: prod.serviceUrl,
      devImage: dev.imageRef,
      ciImage: ci.imageRef,
      prodAlarmDims: [prod.loadBalancerArnSuffix, prod.targetGroupArnSuffix, prod.clusterName, prod.serviceName],
    };
  });
});

const children = (prefix: string) => plan.resources.filter((r) => r.name.startsWith(`${prefix}-`));
type Container = ReturnType<typeof containerDefinitions>[number];
const container = (prefix: string): Container => {
  const defs = parseDocument<Container[]>(inputsOf(plan, "aws:ecs/taskDefinition:TaskDefinition", `${prefix}-task`).containerDefinitions);
  expect(defs).toHaveLength(1);
  return defs[0];
};
const ingressOf = (sg: string) => allInputsOf(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.securityGroupId === sg);
const egressOf = (sg: string) => allInputsOf(plan, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter((r) => r.securityGroupId === sg);

describe("ECR repository and image", () => {
  it("creates an immutable, scanned, encrypted repository without force delete", () => {
    expect(inputsOf(plan, "aws:ecr/repository:Repository", "dev-repo")).toEqual({
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfigurations: [{ encryptionType: "AES256" }],
      forceDelete: false,
    });
    expect(inputsOf(plan, "aws:ecr/repository:Repository", "prod-repo").encryptionConfigurations).toEqual([{ encryptionType: "KMS", kmsKey: KMS }]);
  });

  it("expires untagged images after a day and keeps the last keepImages tagged ones", () => {
    const dev = inputsOf(plan, "aws:ecr/lifecyclePolicy:LifecyclePolicy", "dev-repo-lifecycle");
    expect(parseDocument<ReturnType<typeof ecrLifecyclePolicy>>(dev.policy)).toEqual(ecrLifecyclePolicy(5));
    expect(ecrLifecyclePolicy(5).rules[2]).toEqual({
      rulePriority: 3,
      description: "Keep the last 5 tagged images (at least the 2 in use)",
      selection: { tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: 5 },
      action: { type: "expire" },
    });
    expect(dev.repository).toMatch(/^dev-repo-[0-9a-f]{7}$/);
    expect(parseDocument<ReturnType<typeof ecrLifecyclePolicy>>(inputsOf(plan, "aws:ecr/lifecyclePolicy:LifecyclePolicy", "prod-repo-lifecycle").policy)).toEqual(
      ecrLifecyclePolicy(30),
    );
  });

  it("builds service/ from the repository root, tagged by content hash, and pushes with ECR credentials", () => {
    expect(tag).toMatch(/^[0-9a-f]{16}$/);
    const image = inputsOf(plan, "docker:index/image:Image", "dev-image");
    const server = image.imageName.split(":")[0];
    expect(image).toEqual({
      imageName: expect.stringMatching(new RegExp(`^123456789012\\.dkr\\.ecr\\.eu-west-1\\.amazonaws\\.com/dev-repo-[0-9a-f]{7}:${tag}$`)),
      build: { context: ".", dockerfile: "service/Dockerfile", platform: "linux/amd64" },
      registry: { server, username: "AWS", password: SECRET },
      // The Docker provider's SDK sends its own defaults for these.
      buildOnPreview: false,
      skipPush: false,
    });
    expect(inputsOf(plan, "docker:index/image:Image", "prod-image").build).toEqual({ context: ".", dockerfile: "service/Dockerfile", platform: "linux/arm64" });
  });

  it("runs the pushed image by digest, and an existing image without building", () => {
    const imageName = inputsOf(plan, "docker:index/image:Image", "dev-image").imageName;
    const digestRef = `${imageName.split(":")[0]}@sha256:${hex(imageName, 64)}`;
    expect(plan.outputs.devImage).toBe(digestRef);
    expect(container("dev").image).toBe(digestRef);
    expect(ofType(plan, "docker:index/image:Image", "ci-")).toHaveLength(0);
    expect(plan.outputs.ciImage).toBe(CI_IMAGE);
    expect(container("ci").image).toBe(CI_IMAGE);
  });
});

describe("cluster and task definition", () => {
  it("turns on Container Insights, enhanced when asked", () => {
    expect(inputsOf(plan, "aws:ecs/cluster:Cluster", "dev-cluster")).toEqual({ settings: [{ name: "containerInsights", value: "enabled" }] });
    expect(inputsOf(plan, "aws:ecs/cluster:Cluster", "prod-cluster")).toEqual({ settings: [{ name: "containerInsights", value: "enhanced" }] });
  });

  it("keeps logs for the configured days", () => {
    expect(inputsOf(plan, "aws:cloudwatch/logGroup:LogGroup", "dev-logs")).toEqual({ namePrefix: "/edge-mlops/dev/inference-", retentionInDays: 7 });
    expect(inputsOf(plan, "aws:cloudwatch/logGroup:LogGroup", "prod-logs")).toEqual({ namePrefix: "/edge-mlops/prod/inference-", retentionInDays: 365 });
  });

  it("registers a Fargate task with the configured size and matching CPU architecture", () => {
    const dev = inputsOf(plan, "aws:ecs/taskDefinition:TaskDefinition", "dev-task");
    expect(dev).toEqual({
      family: "dev-inference",
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
      executionRoleArn: expect.stringMatching(/^arn:aws:iam::123456789012:role\/dev-execution-role-[0-9a-f]{7}$/),
      taskRoleArn: expect.stringMatching(/^arn:aws:iam::123456789012:role\/dev-task-role-[0-9a-f]{7}$/),
      containerDefinitions: expect.any(String),
    });
    const prod = inputsOf(plan, "aws:ecs/taskDefinition:TaskDefinition", "prod-task");
    expect([prod.cpu, prod.memory, prod.runtimePlatform]).toEqual(["512", "1024", { operatingSystemFamily: "LINUX", cpuArchitecture: "ARM64" }]);
  });

  it("runs one locked-down container: read-only root, non-root, unprivileged, no capabilities, logs to its group", () => {
    const logGroup = container("dev").logConfiguration.options["awslogs-group"];
    expect(logGroup).toMatch(/^\/edge-mlops\/dev\/inference-[0-9a-f]{8}$/);
    expect(container("dev")).toEqual({
      name: CONTAINER_NAME,
      image: expect.any(String),
      essential: true,
      portMappings: [{ containerPort: 5000, hostPort: 5000, protocol: "tcp" }],
      environment: [
        { name: "PORT", value: "5000" },
        { name: "MODEL_POINTER", value: POINTER },
        { name: "METRICS_SERVICE", value: "edge-mlops-dev" },
      ],
      user: "65532:65532",
      readonlyRootFilesystem: true,
      privileged: false,
      linuxParameters: { capabilities: { add: [], drop: ["ALL"] }, initProcessEnabled: true },
      stopTimeout: 30,
      logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": logGroup, "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "inference" } },
    });
    const prod = container("prod");
    expect([prod.user, prod.stopTimeout, prod.environment]).toEqual([
      "1000:1000",
      60,
      [
        { name: "PORT", value: "5000" },
        { name: "MODEL_POINTER", value: POINTER },
        { name: "METRICS_SERVICE", value: "edge-mlops-prod" },
      ],
    ]);
  });
});

describe("IAM", () => {
  it("lets only ECS tasks assume the roles, the task role only from this account", () => {
    expect(parseDocument<TrustPolicy>(inputsOf(plan, "aws:iam/role:Role", "dev-execution-role").assumeRolePolicy)).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
    expect(parseDocument<TrustPolicy>(inputsOf(plan, "aws:iam/role:Role", "dev-task-role").assumeRolePolicy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "ecs-tasks.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": "123456789012" }, ArnLike: { "aws:SourceArn": "arn:aws:ecs:eu-west-1:123456789012:*" } },
        },
      ],
    });
  });

  it("scopes the execution role to pulling from its repository and writing its log group", () => {
    const policy = policyDocument(inputsOf(plan, "aws:iam/rolePolicy:RolePolicy", "dev-execution-policy").policy);
    const logGroup = container("dev").logConfiguration.options["awslogs-group"];
    const repo = inputsOf(plan, "docker:index/image:Image", "dev-image").imageName.split(":")[0].split("/")[1];
    expect(policy).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Sid: "EcrLogin", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
        {
          Sid: "EcrPull",
          Effect: "Allow",
          Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
          Resource: [`arn:aws:ecr:eu-west-1:123456789012:repository/${repo}`],
        },
        { Sid: "Logs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [`arn:aws:logs:eu-west-1:123456789012:log-group:${logGroup}:log-stream:*`] },
      ],
    });
    expect(ofType(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")).toHaveLength(0);
  });

  it("lets the execution role pull an existing image from its own ECR repository too", () => {
    const pull = policyDocument(inputsOf(plan, "aws:iam/rolePolicy:RolePolicy", "ci-execution-policy").policy).Statement[1];
    expect(pull.Resource).toEqual([
      expect.stringMatching(/^arn:aws:ecr:eu-west-1:123456789012:repository\/ci-repo-[0-9a-f]{7}$/),
      "arn:aws:ecr:eu-west-1:999988887777:repository/platform/inference",
    ]);
  });

  it("lets the task role read the model pointer and the released models, nothing else", () => {
    const policy = inputsOf(plan, "aws:iam/rolePolicy:RolePolicy", "prod-task-policy");
    expect(policy.role).toMatch(/^prod-task-role-[0-9a-f]{7}$/);
    expect(policyDocument(policy.policy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Sid: "ReadModelPointer", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: [POINTER_ARN] },
        { Sid: "ReadReleasedModels", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${MODELS_ARN}/releases/*`] },
      ],
    });
    for (const name of ["dev", "ci"]) {
      expect(ofType(plan, "aws:iam/rolePolicy:RolePolicy", `${name}-`).map((r) => r.name)).toEqual([`${name}-execution-policy`, `${name}-task-policy`, `${name}-image-references-policy`]);
    }
  });
});

describe("security groups", () => {
  it("admits only the load balancer's group to the tasks, on the container port, and lets tasks out on 443 only", () => {
    expect(ingressOf(sgId("dev-tasks-sg"))).toEqual([
      { securityGroupId: sgId("dev-tasks-sg"), ipProtocol: "tcp", fromPort: 5000, toPort: 5000, referencedSecurityGroupId: sgId("dev-lb-sg"), description: "container port from the load balancer only" },
    ]);
    expect(egressOf(sgId("dev-tasks-sg"))).toEqual([
      { securityGroupId: sgId("dev-tasks-sg"), ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0", description: "HTTPS to ECR, S3 and CloudWatch Logs" },
    ]);
    const described: Record<string, string> = {
      lb: "Inference load balancer: listeners in, container port to the tasks out",
      tasks: "Inference tasks: container port from the load balancer only, HTTPS out",
    };
    for (const name of ["dev", "prod", "ci"]) {
      for (const sg of ["lb", "tasks"]) {
        // No inline rules: every rule is one of the separate rule resources checked here.
        expect(inputsOf(plan, "aws:ec2/securityGroup:SecurityGroup", `${name}-${sg}-sg`)).toEqual({ vpcId: VPC, description: described[sg], revokeRulesOnDelete: true });
      }
    }
  });

  it("opens the load balancer on 80 (and 443 with a certificate) from the allowed sources, and out to the tasks only", () => {
    const ports = (name: string) => ingressOf(sgId(`${name}-lb-sg`)).map((r) => [r.fromPort, r.toPort, r.cidrIpv4, r.description]);
    expect(ports("dev")).toEqual([[80, 80, "0.0.0.0/0", "listener 80"]]);
    expect(ports("prod")).toEqual([
      [80, 80, "203.0.113.0/24", "listener 80"],
      [80, 80, "198.51.100.0/24", "listener 80"],
      [443, 443, "203.0.113.0/24", "listener 443"],
      [443, 443, "198.51.100.0/24", "listener 443"],
    ]);
    expect(ports("ci")).toEqual([[80, 80, "10.20.0.0/16", "listener 80"]]);
    expect(ofType(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "prod-lb-in-").map((r) => r.name)).toEqual([
      "prod-lb-in-80-0",
      "prod-lb-in-80-1",
      "prod-lb-in-443-0",
      "prod-lb-in-443-1",
    ]);
    expect(egressOf(sgId("dev-lb-sg"))).toEqual([
      { securityGroupId: sgId("dev-lb-sg"), ipProtocol: "tcp", fromPort: 5000, toPort: 5000, referencedSecurityGroupId: sgId("dev-tasks-sg"), description: "requests and health checks to the tasks" },
    ]);
  });
});

describe("load balancer", () => {
  it("places an internet-facing ALB in public subnets and an internal one in private subnets", () => {
    const alb = (name: string, internal: boolean, subnets: string[]): Inputs<"aws:lb/loadBalancer:LoadBalancer"> => ({
      loadBalancerType: "application",
      internal,
      subnets,
      securityGroups: [sgId(`${name}-lb-sg`)],
      dropInvalidHeaderFields: true,
      enableDeletionProtection: false,
      idleTimeout: 60,
    });
    expect(inputsOf(plan, "aws:lb/loadBalancer:LoadBalancer", "dev-lb")).toEqual(alb("dev", false, PUBLIC));
    expect(inputsOf(plan, "aws:lb/loadBalancer:LoadBalancer", "ci-lb")).toEqual(alb("ci", true, PRIVATE));
  });

  it("health-checks GET /health on an ip target group with a short deregistration delay", () => {
    const tg = (deregistrationDelay: number): Inputs<"aws:lb/targetGroup:TargetGroup"> => ({
      vpcId: VPC,
      targetType: "ip",
      protocol: "HTTP",
      port: 5000,
      deregistrationDelay,
      healthCheck: { enabled: true, protocol: "HTTP", path: "/health", port: "traffic-port", matcher: "200", interval: 15, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 3 },
    });
    expect(inputsOf(plan, "aws:lb/targetGroup:TargetGroup", "dev-tg")).toEqual(tg(30));
    expect(inputsOf(plan, "aws:lb/targetGroup:TargetGroup", "prod-tg")).toEqual(tg(20));
  });

  it("forwards HTTP without a certificate; with one, serves HTTPS on the chosen TLS 1.2+ policy and redirects HTTP", () => {
    const devTargetGroup = inputsOf(plan, "aws:ecs/service:Service", "dev-service").loadBalancers?.[0].targetGroupArn;
    expect(devTargetGroup).toMatch(new RegExp(`^${ACCOUNT_ARN}:targetgroup/dev-tg-[0-9a-f]{7}/[0-9a-f]{16}$`));
    expect(inputsOf(plan, "aws:lb/listener:Listener", "dev-http")).toEqual({
      loadBalancerArn: expect.stringMatching(new RegExp(`^${ACCOUNT_ARN}:loadbalancer/app/dev-lb-`)),
      port: 80,
      protocol: "HTTP",
      defaultActions: [{ type: "forward", targetGroupArn: devTargetGroup }],
    });
    expect(ofType(plan, "aws:lb/listener:Listener", "dev-https")).toHaveLength(0);

    expect(inputsOf(plan, "aws:lb/listener:Listener", "prod-http").defaultActions).toEqual([
      { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
    ]);
    const prodLb = inputsOf(plan, "aws:lb/listener:Listener", "prod-http").loadBalancerArn;
    expect(inputsOf(plan, "aws:lb/listener:Listener", "prod-https")).toEqual({
      loadBalancerArn: prodLb,
      port: 443,
      protocol: "HTTPS",
      certificateArn: CERT,
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
      defaultActions: [{ type: "forward", targetGroupArn: expect.stringMatching(/targetgroup\/prod-tg-/) }],
    });
  });

  it("reports http:// or https:// service URLs", () => {
    expect(plan.outputs.devUrl).toMatch(/^http:\/\/dev-lb-[0-9a-f]{7}-\d+\.eu-west-1\.elb\.amazonaws\.com$/);
    expect(plan.outputs.prodUrl).toMatch(/^https:\/\/prod-lb-[0-9a-f]{7}-\d+\.eu-west-1\.elb\.amazonaws\.com$/);
  });

  it("writes access logs to an SSE-S3, private, TLS-only bucket that ELB may write to, before logging starts", () => {
    const lb = one(plan, "aws:lb/loadBalancer:LoadBalancer", "prod-lb");
    const lbInputs = inputsOf(plan, "aws:lb/loadBalancer:LoadBalancer", "prod-lb");
    const name = lbInputs.accessLogs?.bucket ?? "";
    expect(name).toMatch(/^prod-lb-logs-bucket-[0-9a-f]{7}$/);
    expect(lbInputs).toEqual({
      loadBalancerType: "application",
      internal: false,
      subnets: PUBLIC,
      securityGroups: [sgId("prod-lb-sg")],
      dropInvalidHeaderFields: true,
      enableDeletionProtection: true,
      idleTimeout: 120,
      accessLogs: { bucket: name, enabled: true },
    });
    expect(inputsOf(plan, "aws:s3/bucket:Bucket", "prod-lb-logs-bucket")).toEqual({ forceDestroy: false });
    expect(inputsOf(plan, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "prod-lb-logs-encryption")).toEqual({
      bucket: name,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    expect(inputsOf(plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "prod-lb-logs-public-access")).toEqual({
      bucket: name,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const versioning = one(plan, "aws:s3/bucketVersioning:BucketVersioning", "prod-lb-logs-versioning");
    expect(inputsOf(plan, "aws:s3/bucketVersioning:BucketVersioning", "prod-lb-logs-versioning")).toEqual({ bucket: name, versioningConfiguration: { status: "Enabled" } });
    expect(inputsOf(plan, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "prod-lb-logs-lifecycle")).toEqual({
      bucket: name,
      rules: [
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: {},
          expiration: { days: 30 },
          noncurrentVersionExpiration: { noncurrentDays: 1 },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        },
      ],
    });
    expect(one(plan, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "prod-lb-logs-lifecycle").dependsOn).toEqual([versioning.urn]);
    const policy = one(plan, "aws:s3/bucketPolicy:BucketPolicy", "prod-lb-logs-policy");
    expect(lb.dependsOn).toEqual([policy.urn]);
    const arn = `arn:aws:s3:::${name}`;
    expect(policyDocument(inputsOf(plan, "aws:s3/bucketPolicy:BucketPolicy", "prod-lb-logs-policy").policy).Statement).toEqual([
      { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [arn, `${arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } },
      { Sid: "ElbLogDelivery", Effect: "Allow", Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" }, Action: "s3:PutObject", Resource: `${arn}/AWSLogs/123456789012/*` },
      { Sid: "ElbAccountLogDelivery", Effect: "Allow", Principal: { AWS: "arn:aws:iam::156460612806:root" }, Action: "s3:PutObject", Resource: `${arn}/AWSLogs/123456789012/*` },
    ]);
    expect(ofType(plan, "aws:s3/bucket:Bucket", "dev-")).toHaveLength(0);
    expect(inputsOf(plan, "aws:lb/loadBalancer:LoadBalancer", "dev-lb").accessLogs).toBeUndefined();
  });

  it("keeps the URNs the access-log bucket and its settings had as direct children of the service", () => {
    const logs = one(plan, SECURE_BUCKET, "prod-lb-logs");
    const moved = plan.resources.filter((r) => r.parent === logs.urn);
    expect(moved.map((r) => r.name)).toEqual(["bucket", "versioning", "encryption", "public-access", "policy", "lifecycle"].map((c) => `prod-lb-logs-${c}`));
    for (const r of moved) {
      const former = parentAliases(aliases, r.type, r.name);
      expect(former.map((a) => a.name), r.name).toEqual([r.name === "prod-lb-logs-bucket" ? "prod-lb-logs" : r.name]);
      expect(former[0].parent, r.name).toBe(prodService);
    }
  });
});

describe("ECS service and autoscaling", () => {
  it("runs Fargate tasks in private subnets without public IPs, with a rolling-back circuit breaker", () => {
    expect(inputsOf(plan, "aws:ecs/service:Service", "prod-service")).toEqual({
      cluster: expect.stringMatching(new RegExp(`^${ACCOUNT_ARN}:cluster/prod-cluster-[0-9a-f]{7}$`)),
      taskDefinition: expect.stringMatching(new RegExp(`^${ACCOUNT_ARN}:task-definition/prod-inference:\\d+$`)),
      launchType: "FARGATE",
      platformVersion: "LATEST",
      desiredCount: 2,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      healthCheckGracePeriodSeconds: 60,
      networkConfiguration: { subnets: PRIVATE, securityGroups: [sgId("prod-tasks-sg")], assignPublicIp: false },
      loadBalancers: [{ containerName: "inference", containerPort: 5000, targetGroupArn: expect.stringMatching(/targetgroup\/prod-tg-/) }],
      propagateTags: "SERVICE",
      enableEcsManagedTags: true,
      enableExecuteCommand: false,
      waitForSteadyState: true,
    });
    // The task definition the service runs is the one planned (its revision follows its replace-forcing inputs).
    expect(inputsOf(plan, "aws:ecs/service:Service", "prod-service").taskDefinition).toBe(one(plan, "aws:ecs/taskDefinition:TaskDefinition", "prod-task").arn);
    expect(inputsOf(plan, "aws:ecs/service:Service", "dev-service").desiredCount).toBe(1);
  });

  it("leaves desiredCount to autoscaling and starts only after the listeners and both roles' policies exist", () => {
    const service = one(plan, "aws:ecs/service:Service", "prod-service");
    expect(service.options.ignoreChanges).toEqual(["desiredCount"]);
    expect([...service.dependsOn].sort()).toEqual(
      [
        one(plan, "aws:iam/rolePolicy:RolePolicy", "prod-execution-policy").urn,
        one(plan, "aws:iam/rolePolicy:RolePolicy", "prod-task-policy").urn,
        one(plan, "aws:lb/listener:Listener", "prod-http").urn,
        one(plan, "aws:lb/listener:Listener", "prod-https").urn,
      ].sort(),
    );
  });

  it("scales between minCount and maxCount by CPU and by ALB requests per target", () => {
    const [lbSuffix, tgSuffix, cluster, service] = plan.outputs.prodAlarmDims as string[];
    expect(lbSuffix).toMatch(/^app\/prod-lb-[0-9a-f]{7}\/[0-9a-f]{16}$/);
    expect(tgSuffix).toMatch(/^targetgroup\/prod-tg-[0-9a-f]{7}\/[0-9a-f]{16}$/);
    const resourceId = `service/${cluster}/${service}`;
    expect(resourceId).toMatch(/^service\/prod-cluster-[0-9a-f]{7}\/prod-service-[0-9a-f]{7}$/);
    const scalable = { serviceNamespace: "ecs", scalableDimension: "ecs:service:DesiredCount", resourceId };
    expect(inputsOf(plan, "aws:appautoscaling/target:Target", "prod-scaling")).toEqual({ ...scalable, minCapacity: 2, maxCapacity: 6 });
    const tracking = (predefinedMetricSpecification: object, targetValue: number) => ({
      ...scalable,
      policyType: "TargetTrackingScaling",
      targetTrackingScalingPolicyConfiguration: { predefinedMetricSpecification, targetValue, scaleOutCooldown: 60, scaleInCooldown: 300 },
    });
    expect(inputsOf(plan, "aws:appautoscaling/policy:Policy", "prod-scale-cpu")).toEqual(tracking({ predefinedMetricType: "ECSServiceAverageCPUUtilization" }, 50));
    expect(inputsOf(plan, "aws:appautoscaling/policy:Policy", "prod-scale-requests")).toEqual(
      tracking({ predefinedMetricType: "ALBRequestCountPerTarget", resourceLabel: `${lbSuffix}/${tgSuffix}` }, 800),
    );
  });
});

describe("images in use", () => {
  const fn = (name: string) => inputsOf(plan, "aws:lambda/function:Function", `${name}-image-references-fn`);
  it("runs the image-references function every hour on the service's repository, task definitions and service", () => {
    expect(inputsOf(plan, "aws:cloudwatch/eventRule:EventRule", "dev-image-references-schedule").scheduleExpression).toBe("rate(1 hour)");
    expect(inputsOf(plan, "aws:cloudwatch/eventTarget:EventTarget", "dev-image-references-target").arn).toMatch(/^arn:aws:lambda:eu-west-1:123456789012:function:dev-image-references-fn-[0-9a-f]{7}$/);
    const env = (fn("prod").environment as { variables: Record<string, string> }).variables;
    expect(env).toEqual({
      REPOSITORY_URI: expect.stringMatching(/^123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/prod-repo-[0-9a-f]{7}$/),
      CLUSTER_ARN: expect.stringMatching(/^arn:aws:ecs:eu-west-1:123456789012:cluster\/prod-cluster-[0-9a-f]{7}$/),
      SERVICE_NAME: expect.stringMatching(/^prod-service-[0-9a-f]{7}$/),
      TASK_DEFINITION_FAMILY: "prod-inference",
      COMPONENT_NAME_PREFIX: "com.edgemlops.Inference",
    });
    expect((fn("dev").environment as { variables: Record<string, string> }).variables.COMPONENT_NAME_PREFIX).toBe("");
  });

  it("may tag images of its own repository only, and read the stack's Greengrass components only when it has them", () => {
    const statements = (name: string) => policyDocument(inputsOf(plan, "aws:iam/rolePolicy:RolePolicy", `${name}-image-references-policy`).policy).Statement;
    const prod = statements("prod");
    expect(prod.find((st) => st.Sid === "MarkImagesInUse")).toEqual({
      Sid: "MarkImagesInUse",
      Effect: "Allow",
      Action: ["ecr:ListImages", "ecr:BatchGetImage", "ecr:PutImage", "ecr:BatchDeleteImage"],
      Resource: expect.stringMatching(/^arn:aws:ecr:eu-west-1:123456789012:repository\/prod-repo-[0-9a-f]{7}$/),
    });
    expect(prod.find((st) => st.Sid === "ReadComponents")?.Resource).toBe("arn:aws:greengrass:eu-west-1:123456789012:components:com.edgemlops.Inference*");
    expect(statements("dev").map((st) => st.Sid)).toEqual(["WriteOwnLogs", "WriteTraces", "MarkImagesInUse", "ReadService", "ReadTaskDefinitions"]);
  });

  it("refuses a Greengrass component prefix that is no component name", () => {
    expect(() => new InferenceService("bad", { ...wiring, publicSubnetIds: PUBLIC, loadBalancer: OPEN, greengrassComponentPrefix: "com edgemlops" })).toThrow(
      /^InferenceService: greengrassComponentPrefix: must be the start of a Greengrass component name/,
    );
  });
});

describe("component", () => {
  it("protects the stateful children only when asked", () => {
    const protectedNames = (prefix: string) => children(prefix).filter((r) => r.options.protect).map((r) => r.name).sort();
    expect(protectedNames("prod")).toEqual(["prod-lb-logs-bucket", "prod-repo"]);
    expect(protectedNames("dev")).toEqual([]);
  });

  it("parents every child to its component", () => {
    for (const name of ["dev", "prod", "ci"]) {
      const component = one(plan, COMPONENT, name);
      expect(children(name).length).toBeGreaterThan(15);
      // The access-log bucket's resources belong to its SecureBucket, which belongs to the service.
      // So do the image-references function's to its LambdaFunction.
      const logs = ofType(plan, SECURE_BUCKET, `${name}-lb-logs`)[0];
      const fn = one(plan, "edge-mlops:lambda:Function", `${name}-image-references`);
      for (const r of children(name)) {
        const owner = logs && r.name.startsWith(`${name}-lb-logs-`) ? logs : r.parent === fn.urn ? fn : component;
        expect(r.parent, r.name).toBe(owner.urn);
      }
      expect(children(name).filter((r) => r.parent === fn.urn).map((r) => r.name).sort()).toEqual(
        ["fn", "logs", "policy", "role"].map((suffix) => `${name}-image-references-${suffix}`),
      );
    }
  });

  it("registers exactly these children for the dev-like stack", () => {
    expect(children("dev").map((r) => `${r.type} ${r.name}`).sort()).toEqual(
      [
        "aws:ecr/repository:Repository dev-repo",
        "aws:ecr/lifecyclePolicy:LifecyclePolicy dev-repo-lifecycle",
        "aws:iam/rolePolicy:RolePolicy dev-task-policy",
        "docker:index/image:Image dev-image",
        "aws:cloudwatch/logGroup:LogGroup dev-logs",
        "aws:iam/role:Role dev-execution-role",
        "aws:iam/rolePolicy:RolePolicy dev-execution-policy",
        "aws:iam/role:Role dev-task-role",
        "aws:ecs/taskDefinition:TaskDefinition dev-task",
        "aws:ec2/securityGroup:SecurityGroup dev-lb-sg",
        "aws:ec2/securityGroup:SecurityGroup dev-tasks-sg",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule dev-lb-in-80-0",
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule dev-lb-out-tasks",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule dev-tasks-in-lb",
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule dev-tasks-out-https",
        "aws:lb/loadBalancer:LoadBalancer dev-lb",
        "aws:lb/targetGroup:TargetGroup dev-tg",
        "aws:lb/listener:Listener dev-http",
        "aws:ecs/cluster:Cluster dev-cluster",
        "aws:ecs/service:Service dev-service",
        "aws:appautoscaling/target:Target dev-scaling",
        "aws:appautoscaling/policy:Policy dev-scale-cpu",
        "aws:appautoscaling/policy:Policy dev-scale-requests",
        "edge-mlops:lambda:Function dev-image-references",
        "aws:iam/role:Role dev-image-references-role",
        "aws:iam/rolePolicy:RolePolicy dev-image-references-policy",
        "aws:cloudwatch/logGroup:LogGroup dev-image-references-logs",
        "aws:lambda/function:Function dev-image-references-fn",
        "aws:cloudwatch/eventRule:EventRule dev-image-references-schedule",
        "aws:lambda/permission:Permission dev-image-references-invoke",
        "aws:cloudwatch/eventTarget:EventTarget dev-image-references-target",
      ].sort(),
    );
  });

  it("fails before registering anything when given both an existing image and build settings", () => {
    const before = plan.resources.length;
    expect(() => new InferenceService("bad", { ...wiring, publicSubnetIds: PUBLIC, image: { existing: CI_IMAGE, context: "." } })).toThrow(
      "InferenceService: image.existing: give either existing (an image to run) or build settings (context), not both",
    );
    expect(plan.resources.length).toBe(before);
  });
});
