import { beforeAll, describe, expect, it } from "vitest";
import { CONTAINER_NAME, imageContentTag, InferenceService } from "../../components/inference-service";
import { hex } from "../../scripts/offline/mocks";
import { SECRET } from "../../scripts/offline/run";
import { one, ofType, parentAliases, parseJson, planProgram, recordAliases, type Plan, type PlannedResource } from "../support/offline";

const T = {
  component: "edge-mlops:inference:InferenceService",
  secureBucket: "edge-mlops:storage:SecureBucket",
  repo: "aws:ecr/repository:Repository",
  lifecycle: "aws:ecr/lifecyclePolicy:LifecyclePolicy",
  image: "docker:index/image:Image",
  cluster: "aws:ecs/cluster:Cluster",
  taskDef: "aws:ecs/taskDefinition:TaskDefinition",
  service: "aws:ecs/service:Service",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  lb: "aws:lb/loadBalancer:LoadBalancer",
  tg: "aws:lb/targetGroup:TargetGroup",
  listener: "aws:lb/listener:Listener",
  scalingTarget: "aws:appautoscaling/target:Target",
  scalingPolicy: "aws:appautoscaling/policy:Policy",
  bucket: "aws:s3/bucket:Bucket",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  bucketSse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  bucketPab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  bucketLifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
};

const VPC = "vpc-0123456789abcdef0";
const PRIVATE = ["subnet-private-a", "subnet-private-b"];
const PUBLIC = ["subnet-public-a", "subnet-public-b"];
const CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9";
const KMS = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const MODEL = "s3://edge-mlops-prod-data/models/v3/model.json";
const CI_IMAGE = `999988887777.dkr.ecr.eu-west-1.amazonaws.com/platform/inference@sha256:${"c".repeat(64)}`;
const ACCOUNT_ARN = "arn:aws:[a-z-]+:eu-west-1:123456789012";

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
  tag = imageContentTag(process.cwd(), ["service", "package.json", "package-lock.json"]);
  plan = await planProgram(() => {
    aliases = recordAliases();
    const dev = new InferenceService("dev", {
      vpcId: VPC,
      privateSubnetIds: PRIVATE,
      publicSubnetIds: PUBLIC,
      vpcCidrBlock: "10.10.0.0/16",
      desiredCount: 1,
      minCount: 1,
      maxCount: 2,
      logRetentionDays: 7,
      keepImages: 5,
    });
    const prod = new InferenceService("prod", {
      vpcId: VPC,
      privateSubnetIds: PRIVATE,
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
      modelUri: MODEL,
      kmsKeyArn: KMS,
      containerInsights: "enhanced",
      protect: true,
      loadBalancer: { certificateArn: CERT, accessLogs: true, deletionProtection: true, deregistrationDelaySeconds: 20 },
    });
    prodService = prod;
    const ci = new InferenceService("ci", {
      vpcId: VPC,
      privateSubnetIds: PRIVATE,
      vpcCidrBlock: "10.20.0.0/16",
      image: CI_IMAGE,
      loadBalancer: { internal: true },
    });
    return { devUrl: dev.serviceUrl, prodUrl: prod.serviceUrl, devImage: dev.imageRef, ciImage: ci.imageRef, prodAlarmDims: [prod.loadBalancerArnSuffix, prod.targetGroupArnSuffix, prod.clusterName, prod.serviceName] };
  });
});

const children = (prefix: string) => plan.resources.filter((r) => r.name.startsWith(`${prefix}-`));
const container = (prefix: string) => {
  const defs = parseJson<any[]>(one(plan, T.taskDef, `${prefix}-task`).inputs.containerDefinitions);
  expect(defs).toHaveLength(1);
  return defs[0];
};
const rulesOf = (type: string, sg: string) => plan.resources.filter((r) => r.type === type && r.inputs.securityGroupId === sg).map((r) => r.inputs);

describe("ECR repository and image", () => {
  it("creates an immutable, scanned, encrypted repository without force delete", () => {
    expect(one(plan, T.repo, "dev-repo").inputs).toEqual({
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfigurations: [{ encryptionType: "AES256" }],
      forceDelete: false,
    });
    expect(one(plan, T.repo, "prod-repo").inputs.encryptionConfigurations).toEqual([{ encryptionType: "KMS", kmsKey: KMS }]);
  });

  it("expires untagged images after a day and keeps the last keepImages tagged ones", () => {
    const policy = parseJson(one(plan, T.lifecycle, "dev-repo-lifecycle").inputs.policy);
    expect(policy.rules).toEqual([
      { rulePriority: 1, description: "Expire untagged images one day after push", selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 1 }, action: { type: "expire" } },
      { rulePriority: 2, description: "Keep the last 5 tagged images", selection: { tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: 5 }, action: { type: "expire" } },
    ]);
    expect(one(plan, T.lifecycle, "dev-repo-lifecycle").inputs.repository).toMatch(/^dev-repo-[0-9a-f]{7}$/);
    expect(parseJson(one(plan, T.lifecycle, "prod-repo-lifecycle").inputs.policy).rules[1].selection.countNumber).toBe(30);
  });

  it("builds service/ from the repository root, tagged by content hash, and pushes with ECR credentials", () => {
    expect(tag).toMatch(/^[0-9a-f]{16}$/);
    const image = one(plan, T.image, "dev-image").inputs as any;
    expect(image.imageName).toMatch(new RegExp(`^123456789012\\.dkr\\.ecr\\.eu-west-1\\.amazonaws\\.com/dev-repo-[0-9a-f]{7}:${tag}$`));
    expect(image.imageName.endsWith(":latest")).toBe(false);
    expect(image.build).toEqual({ context: ".", dockerfile: "service/Dockerfile", platform: "linux/amd64" });
    expect(image.registry).toEqual({ server: image.imageName.split(":")[0], username: "AWS", password: SECRET });
    expect((one(plan, T.image, "prod-image").inputs as any).build.platform).toBe("linux/arm64");
  });

  it("runs the pushed image by digest, and an existing image without building", () => {
    const imageName = one(plan, T.image, "dev-image").inputs.imageName as string;
    const digestRef = `${imageName.split(":")[0]}@sha256:${hex(imageName, 64)}`;
    expect(plan.outputs.devImage).toBe(digestRef);
    expect(container("dev").image).toBe(digestRef);
    expect(ofType(plan, T.image, "ci-")).toHaveLength(0);
    expect(plan.outputs.ciImage).toBe(CI_IMAGE);
    expect(container("ci").image).toBe(CI_IMAGE);
  });
});

describe("cluster and task definition", () => {
  it("turns on Container Insights", () => {
    expect(one(plan, T.cluster, "dev-cluster").inputs.settings).toEqual([{ name: "containerInsights", value: "enabled" }]);
    expect(one(plan, T.cluster, "prod-cluster").inputs.settings).toEqual([{ name: "containerInsights", value: "enhanced" }]);
  });

  it("keeps logs for the configured days", () => {
    expect(one(plan, T.logGroup, "dev-logs").inputs).toEqual({ namePrefix: "/edge-mlops/dev/inference-", retentionInDays: 7 });
    expect(one(plan, T.logGroup, "prod-logs").inputs.retentionInDays).toBe(365);
  });

  it("registers a Fargate task with the configured size and matching CPU architecture", () => {
    const dev = one(plan, T.taskDef, "dev-task").inputs;
    expect(dev).toMatchObject({
      family: "dev-inference",
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
    });
    expect(dev.executionRoleArn).toMatch(/^arn:aws:iam::123456789012:role\/dev-execution-role-[0-9a-f]{7}$/);
    expect(dev.taskRoleArn).toMatch(/^arn:aws:iam::123456789012:role\/dev-task-role-[0-9a-f]{7}$/);
    expect(one(plan, T.taskDef, "prod-task").inputs).toMatchObject({ cpu: "512", memory: "1024", runtimePlatform: { cpuArchitecture: "ARM64" } });
  });

  it("runs one locked-down container: read-only root, non-root, unprivileged, no capabilities", () => {
    const c = container("dev");
    expect(c).toMatchObject({
      name: CONTAINER_NAME,
      essential: true,
      readonlyRootFilesystem: true,
      user: "65532:65532",
      privileged: false,
      linuxParameters: { capabilities: { add: [], drop: ["ALL"] } },
      portMappings: [{ containerPort: 5000, hostPort: 5000, protocol: "tcp" }],
      environment: [{ name: "PORT", value: "5000" }],
      stopTimeout: 30,
    });
    expect(c.user).not.toMatch(/^(0|root)(:|$)/);
    expect(container("prod").environment).toEqual([
      { name: "PORT", value: "5000" },
      { name: "MODEL_URI", value: MODEL },
    ]);
  });

  it("sends container logs to the component's log group", () => {
    const options = container("dev").logConfiguration;
    expect(options.logDriver).toBe("awslogs");
    expect(options.options).toEqual({ "awslogs-group": expect.stringMatching(/^\/edge-mlops\/dev\/inference-[0-9a-f]{8}$/), "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "inference" });
  });
});

describe("IAM", () => {
  it("lets only ECS tasks assume the roles, the task role only from this account", () => {
    const exec = parseJson(one(plan, T.role, "dev-execution-role").inputs.assumeRolePolicy);
    expect(exec.Statement).toEqual([{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }]);
    const task = parseJson(one(plan, T.role, "dev-task-role").inputs.assumeRolePolicy);
    expect(task.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "ecs-tasks.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": "123456789012" }, ArnLike: { "aws:SourceArn": "arn:aws:ecs:eu-west-1:123456789012:*" } },
      },
    ]);
  });

  it("scopes the execution role to pulling from its repository and writing its log group", () => {
    const policy = parseJson(one(plan, T.rolePolicy, "dev-execution-policy").inputs.policy);
    const logGroup = container("dev").logConfiguration.options["awslogs-group"];
    const repo = (one(plan, T.image, "dev-image").inputs.imageName as string).split(":")[0].split("/")[1];
    expect(policy.Statement).toEqual([
      { Sid: "EcrLogin", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
      {
        Sid: "EcrPull",
        Effect: "Allow",
        Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
        Resource: [`arn:aws:ecr:eu-west-1:123456789012:repository/${repo}`],
      },
      { Sid: "Logs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [`arn:aws:logs:eu-west-1:123456789012:log-group:${logGroup}:log-stream:*`] },
    ]);
    for (const st of policy.Statement) for (const action of st.Action) expect(action).not.toContain("*");
    expect(ofType(plan, T.attachment)).toHaveLength(0);
  });

  it("lets the execution role pull an existing image from its own ECR repository too", () => {
    const pull = parseJson(one(plan, T.rolePolicy, "ci-execution-policy").inputs.policy).Statement[1];
    expect(pull.Resource).toEqual([expect.stringMatching(/^arn:aws:ecr:eu-west-1:123456789012:repository\/ci-repo-[0-9a-f]{7}$/), "arn:aws:ecr:eu-west-1:999988887777:repository/platform/inference"]);
  });

  it("gives the task role s3:GetObject on the model object only, and nothing without a model", () => {
    const policy = one(plan, T.rolePolicy, "prod-task-policy");
    expect(policy.inputs.role).toMatch(/^prod-task-role-[0-9a-f]{7}$/);
    expect(parseJson(policy.inputs.policy)).toEqual({
      Version: "2012-10-17",
      Statement: [{ Sid: "ReadModel", Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::edge-mlops-prod-data/models/v3/model.json"] }],
    });
    expect(ofType(plan, T.rolePolicy, "dev-").map((r) => r.name)).toEqual(["dev-execution-policy"]);
    expect(ofType(plan, T.rolePolicy, "ci-").map((r) => r.name)).toEqual(["ci-execution-policy"]);
  });
});

describe("security groups", () => {
  it("admits only the load balancer's group to the tasks, on the container port, and lets tasks out on 443 only", () => {
    expect(rulesOf(T.ingress, sgId("dev-tasks-sg"))).toEqual([
      { securityGroupId: sgId("dev-tasks-sg"), ipProtocol: "tcp", fromPort: 5000, toPort: 5000, referencedSecurityGroupId: sgId("dev-lb-sg"), description: "container port from the load balancer only" },
    ]);
    expect(rulesOf(T.egress, sgId("dev-tasks-sg"))).toEqual([
      { securityGroupId: sgId("dev-tasks-sg"), ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0", description: "HTTPS to ECR, S3 and CloudWatch Logs" },
    ]);
    for (const sg of ofType(plan, T.sg)) {
      expect(sg.inputs).toMatchObject({ vpcId: VPC, revokeRulesOnDelete: true });
      // No inline rules: every rule is one of the separate rule resources checked here.
      expect(sg.inputs.ingress).toBeUndefined();
      expect(sg.inputs.egress).toBeUndefined();
    }
  });

  it("opens the load balancer on 80 (and 443 with a certificate) from the allowed sources, and out to the tasks only", () => {
    const dev = rulesOf(T.ingress, sgId("dev-lb-sg"));
    expect(dev.map((r) => [r.fromPort, r.toPort, r.cidrIpv4])).toEqual([[80, 80, "0.0.0.0/0"]]);
    const prod = rulesOf(T.ingress, sgId("prod-lb-sg"));
    expect(prod.map((r) => [r.fromPort, r.cidrIpv4])).toEqual([[80, "0.0.0.0/0"], [443, "0.0.0.0/0"]]);
    const ci = rulesOf(T.ingress, sgId("ci-lb-sg"));
    expect(ci.map((r) => [r.fromPort, r.cidrIpv4])).toEqual([[80, "10.20.0.0/16"]]);
    expect(rulesOf(T.egress, sgId("dev-lb-sg"))).toEqual([
      { securityGroupId: sgId("dev-lb-sg"), ipProtocol: "tcp", fromPort: 5000, toPort: 5000, referencedSecurityGroupId: sgId("dev-tasks-sg"), description: "requests and health checks to the tasks" },
    ]);
  });
});

describe("load balancer", () => {
  it("places an internet-facing ALB in public subnets and an internal one in private subnets", () => {
    expect(one(plan, T.lb, "dev-lb").inputs).toEqual({
      loadBalancerType: "application",
      internal: false,
      subnets: PUBLIC,
      securityGroups: [sgId("dev-lb-sg")],
      dropInvalidHeaderFields: true,
      enableDeletionProtection: false,
      idleTimeout: 60,
    });
    expect(one(plan, T.lb, "ci-lb").inputs).toMatchObject({ internal: true, subnets: PRIVATE });
  });

  it("health-checks GET /health on an ip target group with a short deregistration delay", () => {
    expect(one(plan, T.tg, "dev-tg").inputs).toEqual({
      vpcId: VPC,
      targetType: "ip",
      protocol: "HTTP",
      port: 5000,
      deregistrationDelay: 30,
      healthCheck: { enabled: true, protocol: "HTTP", path: "/health", port: "traffic-port", matcher: "200", interval: 15, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 3 },
    });
    expect(one(plan, T.tg, "prod-tg").inputs.deregistrationDelay).toBe(20);
  });

  it("forwards HTTP without a certificate; with one, serves HTTPS on a TLS 1.2+ policy and redirects HTTP", () => {
    const devTg = one(plan, T.service, "dev-service").inputs.loadBalancers as any[];
    const dev = one(plan, T.listener, "dev-http").inputs;
    expect(dev).toMatchObject({ port: 80, protocol: "HTTP", defaultActions: [{ type: "forward", targetGroupArn: devTg[0].targetGroupArn }] });
    expect(devTg[0].targetGroupArn).toMatch(new RegExp(`^${ACCOUNT_ARN}:targetgroup/dev-tg-[0-9a-f]{7}/[0-9a-f]{16}$`));
    expect(dev.loadBalancerArn).toMatch(new RegExp(`^${ACCOUNT_ARN}:loadbalancer/app/dev-lb-`));
    expect(ofType(plan, T.listener, "dev-https")).toHaveLength(0);

    expect(one(plan, T.listener, "prod-http").inputs.defaultActions).toEqual([{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }]);
    const https = one(plan, T.listener, "prod-https").inputs as any;
    expect(https).toMatchObject({ port: 443, protocol: "HTTPS", certificateArn: CERT, sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06" });
    expect(https.defaultActions).toEqual([{ type: "forward", targetGroupArn: expect.stringMatching(/targetgroup\/prod-tg-/) }]);
  });

  it("reports http:// or https:// service URLs", () => {
    expect(plan.outputs.devUrl).toMatch(/^http:\/\/dev-lb-[0-9a-f]{7}-\d+\.eu-west-1\.elb\.amazonaws\.com$/);
    expect(plan.outputs.prodUrl).toMatch(/^https:\/\/prod-lb-[0-9a-f]{7}-\d+\.eu-west-1\.elb\.amazonaws\.com$/);
  });

  it("writes access logs to an SSE-S3, private, TLS-only bucket that ELB may write to, before logging starts", () => {
    const bucket = one(plan, T.bucket, "prod-lb-logs-bucket");
    const lb = one(plan, T.lb, "prod-lb");
    expect(lb.inputs).toMatchObject({ enableDeletionProtection: true, accessLogs: { bucket: expect.stringMatching(/^prod-lb-logs-bucket-[0-9a-f]{7}$/), enabled: true } });
    const name = (lb.inputs.accessLogs as any).bucket;
    expect(one(plan, T.bucketSse, "prod-lb-logs-encryption").inputs).toEqual({ bucket: name, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] });
    expect(one(plan, T.bucketPab, "prod-lb-logs-public-access").inputs).toEqual({ bucket: name, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    const versioning = one(plan, "aws:s3/bucketVersioning:BucketVersioning", "prod-lb-logs-versioning");
    expect(versioning.inputs).toEqual({ bucket: name, versioningConfiguration: { status: "Enabled" } });
    const lifecycle = one(plan, T.bucketLifecycle, "prod-lb-logs-lifecycle");
    expect(lifecycle.inputs).toEqual({
      bucket: name,
      rules: [
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: {},
          expiration: { days: 90 },
          noncurrentVersionExpiration: { noncurrentDays: 1 },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        },
      ],
    });
    expect(lifecycle.dependsOn).toEqual([versioning.urn]);
    const policy = one(plan, T.bucketPolicy, "prod-lb-logs-policy");
    expect(lb.dependsOn).toEqual([policy.urn]);
    const arn = `arn:aws:s3:::${name}`;
    expect(parseJson(policy.inputs.policy).Statement).toEqual([
      { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [arn, `${arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } },
      { Sid: "ElbLogDelivery", Effect: "Allow", Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" }, Action: "s3:PutObject", Resource: `${arn}/AWSLogs/123456789012/*` },
      { Sid: "ElbAccountLogDelivery", Effect: "Allow", Principal: { AWS: "arn:aws:iam::156460612806:root" }, Action: "s3:PutObject", Resource: `${arn}/AWSLogs/123456789012/*` },
    ]);
    expect(bucket.inputs).toEqual({ forceDestroy: false });
    expect(ofType(plan, T.bucket, "dev-")).toHaveLength(0);
    expect(one(plan, T.lb, "dev-lb").inputs.accessLogs).toBeUndefined();
  });

  it("keeps the URNs the access-log bucket and its settings had as direct children of the service", () => {
    const logs = one(plan, T.secureBucket, "prod-lb-logs");
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
    const service = one(plan, T.service, "prod-service");
    expect(service.inputs).toMatchObject({
      launchType: "FARGATE",
      desiredCount: 2,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      healthCheckGracePeriodSeconds: 60,
      networkConfiguration: { subnets: PRIVATE, securityGroups: [sgId("prod-tasks-sg")], assignPublicIp: false },
      loadBalancers: [{ containerName: "inference", containerPort: 5000, targetGroupArn: expect.stringMatching(/targetgroup\/prod-tg-/) }],
      propagateTags: "SERVICE",
      enableExecuteCommand: false,
      waitForSteadyState: false,
    });
    expect(service.inputs.cluster).toMatch(new RegExp(`^${ACCOUNT_ARN}:cluster/prod-cluster-[0-9a-f]{7}$`));
    expect(service.inputs.taskDefinition).toMatch(new RegExp(`^${ACCOUNT_ARN}:task-definition/prod-inference:\\d+$`));
    // The task definition the service runs is the one planned (its revision follows its replace-forcing inputs).
    expect(service.inputs.taskDefinition).toBe(one(plan, T.taskDef, "prod-task").arn);
    expect(one(plan, T.service, "dev-service").inputs.desiredCount).toBe(1);
  });

  it("leaves desiredCount to autoscaling and starts only after the listeners and execution policy exist", () => {
    const service = one(plan, T.service, "prod-service");
    expect(service.options.ignoreChanges).toEqual(["desiredCount"]);
    expect([...service.dependsOn].sort()).toEqual(
      [one(plan, T.rolePolicy, "prod-execution-policy").urn, one(plan, T.listener, "prod-http").urn, one(plan, T.listener, "prod-https").urn].sort(),
    );
  });

  it("scales between minCount and maxCount by CPU and by ALB requests per target", () => {
    const target = one(plan, T.scalingTarget, "prod-scaling").inputs;
    expect(target).toMatchObject({ serviceNamespace: "ecs", scalableDimension: "ecs:service:DesiredCount", minCapacity: 2, maxCapacity: 6 });
    expect(target.resourceId).toMatch(/^service\/prod-cluster-[0-9a-f]{7}\/prod-service-[0-9a-f]{7}$/);
    const cpu = one(plan, T.scalingPolicy, "prod-scale-cpu").inputs;
    expect(cpu).toEqual({
      serviceNamespace: "ecs",
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: target.resourceId,
      policyType: "TargetTrackingScaling",
      targetTrackingScalingPolicyConfiguration: { predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" }, targetValue: 50, scaleOutCooldown: 60, scaleInCooldown: 300 },
    });
    const requests = one(plan, T.scalingPolicy, "prod-scale-requests").inputs as any;
    expect(requests.targetTrackingScalingPolicyConfiguration).toMatchObject({ targetValue: 800, predefinedMetricSpecification: { predefinedMetricType: "ALBRequestCountPerTarget" } });
    const [lbSuffix, tgSuffix, cluster, service] = plan.outputs.prodAlarmDims as string[];
    expect(lbSuffix).toMatch(/^app\/prod-lb-[0-9a-f]{7}\/[0-9a-f]{16}$/);
    expect(tgSuffix).toMatch(/^targetgroup\/prod-tg-[0-9a-f]{7}\/[0-9a-f]{16}$/);
    expect(requests.targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.resourceLabel).toBe(`${lbSuffix}/${tgSuffix}`);
    expect(target.resourceId).toBe(`service/${cluster}/${service}`);
  });
});

describe("component", () => {
  it("protects the stateful children only when asked", () => {
    const protectedNames = (prefix: string) => children(prefix).filter((r) => r.options.protect).map((r: PlannedResource) => r.name).sort();
    expect(protectedNames("prod")).toEqual(["prod-lb-logs-bucket", "prod-repo"]);
    expect(protectedNames("dev")).toEqual([]);
    expect(one(plan, T.repo, "dev-repo").options.protect).toBe(false);
  });

  it("parents every child to its component", () => {
    for (const name of ["dev", "prod", "ci"]) {
      const component = one(plan, T.component, name);
      expect(children(name).length).toBeGreaterThan(15);
      // The access-log bucket's resources belong to its SecureBucket, which belongs to the service.
      const logs = ofType(plan, T.secureBucket, `${name}-lb-logs`)[0];
      for (const r of children(name)) expect(r.parent, r.name).toBe(logs && r.name.startsWith(`${name}-lb-logs-`) ? logs.urn : component.urn);
    }
  });

  it("registers the full set of children for the dev-like stack", () => {
    const counts: Record<string, number> = {};
    for (const r of children("dev")) counts[r.type] = (counts[r.type] ?? 0) + 1;
    expect(counts).toEqual({
      [T.repo]: 1,
      [T.lifecycle]: 1,
      [T.image]: 1,
      [T.cluster]: 1,
      [T.logGroup]: 1,
      [T.role]: 2,
      [T.rolePolicy]: 1,
      [T.sg]: 2,
      [T.ingress]: 2,
      [T.egress]: 2,
      [T.lb]: 1,
      [T.tg]: 1,
      [T.listener]: 1,
      [T.taskDef]: 1,
      [T.service]: 1,
      [T.scalingTarget]: 1,
      [T.scalingPolicy]: 2,
    });
  });

  it("fails before registering anything when given both an image and a build", () => {
    expect(() => new InferenceService("bad", { vpcId: VPC, privateSubnetIds: PRIVATE, publicSubnetIds: PUBLIC, image: CI_IMAGE, build: {} })).toThrow(
      /give either image .* or build .*, not both/,
    );
  });
});
