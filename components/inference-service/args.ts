// The inference service's settings as one schema: every default, range and cross-field rule of an InferenceService is
// stated here once. The component resolves its args with it and the stack config composes it as `edge-mlops:inference`.
// The only rules not here are those that need the component's wiring (which subnets exist, the VPC's range); the
// component checks them when it resolves its args.
import { z } from "zod";
import { ACM_CERTIFICATE_ARN, KMS_KEY_OR_ALIAS_ARN } from "../../contracts/patterns";
import { int, retentionDays as retention } from "../args";
import { DEFAULT_DRIFT_BASELINE } from "../observability/drift";
import { ALB_TLS12_SECURITY_POLICIES } from "./elb-security-policies";
import { FARGATE_MEMORY, PLATFORMS } from "./fargate";
import { parseImageReference } from "./image";

/** True when the host bits of an IPv4 CIDR block (already of the form a.b.c.d/n) are zero. */
export function isNetworkAddress(cidr: string): boolean {
  const [address, prefix] = cidr.split("/");
  const value = address.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
  return value % 2 ** (32 - Number(prefix)) === 0;
}

/** An IPv4 CIDR block naming a network (host bits zero), e.g. 203.0.113.0/24. */
export const ipv4CidrBlock = z
  .cidrv4({ message: "must be an IPv4 CIDR block such as 203.0.113.0/24" })
  .refine(isNetworkAddress, { message: "must name a network: its host bits must be zero (10.0.0.0/16, not 10.0.0.1/16)" });

/** A container user: a name or uid, optionally with `:group` or `:gid` (ECS's `user` field). */
const USER = /^([a-z_][a-z0-9_-]*|\d+)(:([a-z_][a-z0-9_-]*|\d+))?$/;

/**
 * An image in a private ECR repository, pinned by digest: `<account>.dkr.ecr.<region>.amazonaws.com/<name>[:<tag>]@sha256:<64
 * hex>` (see image.ts). ECR only: the task's execution role is what pulls (ecr:GetAuthorizationToken and the layer
 * reads on that repository), and the task definition carries no `repositoryCredentials` for any other registry.
 */
const imageReference = z.string().superRefine((ref, ctx) => {
  try {
    if (parseImageReference(ref).ecr === undefined) {
      ctx.addIssue({ code: "custom", message: `must be an image in a private ECR repository (<account>.dkr.ecr.<region>.amazonaws.com/<name>@sha256:<64 hex digits>), got '${ref}'` });
    }
  } catch (e) {
    ctx.addIssue({ code: "custom", message: (e as Error).message });
  }
});

/**
 * What service/Dockerfile copies, and so what decides the image tag: the server code, the drift contract it imports,
 * its bundler and the packages (a test checks that every COPY of the Dockerfile is listed).
 * Never service/model/: a model is data in the model store, not image content (a new model does not change the tag).
 */
export const SERVICE_BUILD_INPUTS: readonly string[] = ["service/src", "service/build.mjs", "contracts/drift.ts", "service/Dockerfile", "service/Dockerfile.dockerignore", "package.json", "package-lock.json"];

/**
 * The image the tasks run: an existing one (`existing`), or one the component builds from the repository (the build
 * settings `context`, `dockerfile`, `contentPaths`), never both. Resolved to `{ existing }` or to the three build
 * settings with their defaults.
 */
const imageSettings = z
  .strictObject({
    /**
     * An image that exists in ECR, pinned by digest: `<account>.dkr.ecr.<region>.amazonaws.com/<name>[:<tag>]@sha256:<64
     * hex>`. The deploy workflow builds the image once per commit and sets this to the same digest in every stack
     * (`pulumi config set --path edge-mlops:inference.image.existing`). A tag alone is refused: tags move, and the task
     * definition must name exactly one image. Another registry is refused: only ECR is pulled with the execution role.
     * @default undefined (build service/)
     */
    existing: imageReference.optional(),
    /** Docker build context, relative to the project directory (where Pulumi runs the program). @default "." */
    context: z.string().min(1).optional(),
    /** Dockerfile, relative to the project directory. @default "service/Dockerfile" */
    dockerfile: z.string().min(1).optional(),
    /**
     * Files and folders, relative to `context`, whose content decides the image tag (see image.ts).
     * @default {@link SERVICE_BUILD_INPUTS} (what service/Dockerfile copies)
     */
    contentPaths: z
      .array(z.string().min(1))
      .refine((paths) => paths.length > 0, { message: "must name at least one file or folder" })
      .optional(),
  })
  .superRefine((image, ctx) => {
    const build = (["context", "dockerfile", "contentPaths"] as const).filter((key) => image[key] !== undefined);
    if (image.existing !== undefined && build.length > 0) {
      ctx.addIssue({ code: "custom", path: ["existing"], message: `give either existing (an image to run) or build settings (${build.join(", ")}), not both` });
    }
  })
  .transform((image) =>
    image.existing !== undefined
      ? { existing: image.existing }
      : { context: image.context ?? ".", dockerfile: image.dockerfile ?? "service/Dockerfile", contentPaths: image.contentPaths ?? [...SERVICE_BUILD_INPUTS] },
  );

/**
 * Images of the repository a stack may be running at once: the one its last deployment runs, in ECS tasks and on core
 * devices (the same digest), and the one before, which ECS's deployment circuit breaker rolls the service back to and
 * Greengrass rolls a device back to when a deployment fails.
 */
export const IMAGES_IN_USE = 2;
/**
 * Pushes that never became a deployment (a `pulumi up` that failed after its push) since the image rolled back to was
 * pushed, which the images in use survive at the fewest kept images.
 */
export const FAILED_PUSHES_TOLERATED = 1;
/** The fewest tagged images the lifecycle policy may keep: every image in use, behind the failed pushes tolerated. */
export const MIN_KEEP_IMAGES = IMAGES_IN_USE + FAILED_PUSHES_TOLERATED;

export const inferenceSettings = z
  .strictObject({
    /** Task CPU units; Fargate accepts 256, 512, 1024, 2048, 4096, 8192, 16384 (fargate.ts). @default 256 */
    cpu: z
      .number()
      .refine((v) => v in FARGATE_MEMORY, { message: `must be one of Fargate's CPU sizes: ${Object.keys(FARGATE_MEMORY).join(", ")}` })
      .default(256),
    /**
     * Task memory in MiB; must pair with cpu as Fargate allows (fargate.ts). The default suits the default cpu only:
     * a stack that picks another cpu states its memory too, since Fargate bills both (decided over defaulting to the
     * smallest size the cpu allows, which the component used to do). From 512 to 122880, Fargate's smallest and largest
     * task memory (fargate.ts). @default 512
     */
    memory: int(Math.min(...Object.values(FARGATE_MEMORY).flat()), Math.max(...Object.values(FARGATE_MEMORY).flat())).default(512),
    /** Tasks started with the service, 1-100; autoscaling owns the count afterwards. @default 1 */
    desiredCount: int(1, 100).default(1),
    /** Autoscaling lower bound, 1-100. @default 1 */
    minCount: int(1, 100).default(1),
    /** Autoscaling upper bound, 1-100. @default 2 */
    maxCount: int(1, 100).default(2),
    /**
     * Port the container listens on (passed as env PORT), 1024-65535: the container runs as a non-root user without
     * capabilities, which cannot bind a lower port. @default 5000
     */
    containerPort: int(1024, 65535).default(5000),
    /** Image platform; decides the task's CPU architecture. @default "linux/amd64" */
    platform: z.enum(PLATFORMS).default("linux/amd64"),
    /** Target average CPU (%) for autoscaling, 10-90. @default 60 */
    cpuTargetPercent: int(10, 90).default(60),
    /** Target ALB requests per task for autoscaling, 1-100000. @default 1000 */
    requestsPerTarget: int(1, 100000).default(1000),
    /** Seconds ECS ignores failing load balancer health checks of a new task, 0-7200. @default 60 */
    healthCheckGracePeriodSeconds: int(0, 7200).default(60),
    /** Share (%) of desired tasks that must stay healthy during a deployment, 0-100. @default 100 */
    minHealthyPercent: int(0, 100).default(100),
    /** Most tasks, as a share (%) of desired, running during a deployment, 100-200. @default 200 */
    maxPercent: int(100, 200).default(200),
    /** Days CloudWatch Logs keeps the container logs (one of CloudWatch's retention values). @default 30 */
    logRetentionDays: retention.default(30),
    /**
     * Tagged images the ECR lifecycle policy keeps, newest first by push time, MIN_KEEP_IMAGES (3) to 1000; older
     * tagged images expire, untagged ones a day after push. At least the images a stack may be running (the deployed
     * one, and the previous one ECS's circuit breaker and Greengrass roll back to) plus one pushed by a `pulumi up` that
     * failed after its push: see ecrLifecyclePolicy (./policies.ts). @default 10
     */
    keepImages: int(MIN_KEEP_IMAGES, 1000).default(10),
    /**
     * A model.json whose number input fields the drift alarms watch (one alarm per field, plus the prediction); its
     * statistics do not matter: the tasks standardise with the served model's own. Read when the program runs, and
     * only with `monitoring`. @default service/model/model.json (the bootstrap model)
     */
    driftBaseline: z.string().min(1).default(DEFAULT_DRIFT_BASELINE),
    /** KMS key (key or alias ARN) encrypting the ECR repository. @default AES256 (S3-managed keys) */
    kmsKeyArn: z.string().regex(KMS_KEY_OR_ALIAS_ARN, "must be a KMS key or alias ARN (arn:aws:kms:<region>:<account>:key/<id>)").optional(),
    /** Container Insights on the cluster: "enhanced" adds task- and container-level metrics. @default "enabled" */
    containerInsights: z.enum(["enabled", "enhanced"]).default("enabled"),
    /**
     * User the container runs as: `uid[:gid]` or a name; never root. The default is the distroless image's `nonroot`
     * user. @default "65532:65532"
     */
    user: z
      .string()
      .regex(USER, "must be uid[:gid] or a user name")
      .refine((user) => !/^(0|root)(:|$)/.test(user), { message: "must not be root" })
      .default("65532:65532"),
    /**
     * Seconds the container gets after SIGTERM to drain before it is killed; Fargate allows 2-120 (ECS container
     * definition `stopTimeout`). @default 30
     */
    stopTimeoutSeconds: int(2, 120).default(30),
    /** The image the tasks run: built from service/ by default, or `existing`. @default {} (build service/) */
    image: imageSettings.prefault({}),
    loadBalancer: z
      .strictObject({
        /**
         * Internal (reachable from the VPC only) instead of internet-facing. The component builds no authentication and
         * no AWS WAF web ACL, so the stack config (components/config.ts) accepts an internet-facing one only when
         * `public.allowUnauthenticated` opens it on purpose, never in prod. Closed by default. @default true
         */
        internal: z.boolean().default(true),
        /**
         * How an internet-facing load balancer (internal false) is opened. `allowUnauthenticated: true` states that
         * anyone on the internet may call the API without authentication and without a WAF web ACL in front; prod
         * refuses it (components/config.ts, and the policy rule alb-public-closed). @default undefined (not opened)
         */
        public: z.strictObject({ allowUnauthenticated: z.boolean() }).optional(),
        /** ACM certificate: adds HTTPS on 443 and turns HTTP on 80 into a 301 redirect to it. @default undefined (HTTP only) */
        certificateArn: z.string().regex(ACM_CERTIFICATE_ARN, "must be an acm ARN of a certificate (arn:aws:acm:<region>:<account>:certificate/<id>)").optional(),
        /**
         * Security policy of the HTTPS listener: one of the ELB policies that allow TLS 1.2 and newer only
         * (elb-security-policies.ts, from the ELB guide's "Security policies for your Application Load Balancer").
         * Decided: that list, no other; the old config allowed three of them and the component any name matching a
         * TLS 1.2+ pattern. @default "ELBSecurityPolicy-TLS13-1-2-2021-06"
         */
        sslPolicy: z.enum(ALB_TLS12_SECURITY_POLICIES).default("ELBSecurityPolicy-TLS13-1-2-2021-06"),
        /**
         * Sources allowed to reach the listeners: 1-30 IPv4 CIDR blocks, each taking one inbound rule per listener port
         * of the load balancer's security group (60 inbound rules by default, Amazon VPC quotas).
         * @default ["0.0.0.0/0"] when internet-facing, the VPC's CIDR block when internal
         */
        ingressCidrBlocks: z
          .array(ipv4CidrBlock)
          .superRefine((blocks, ctx) => {
            if (blocks.length < 1 || blocks.length > 30) ctx.addIssue({ code: "custom", message: `must list 1 to 30 CIDR blocks, got ${blocks.length}` });
            const twice = blocks.find((block, i) => blocks.indexOf(block) !== i);
            if (twice !== undefined) ctx.addIssue({ code: "custom", message: `lists ${twice} twice` });
          })
          .optional(),
        /** Access logs to an S3 bucket the component creates (SSE-S3, TLS-only, public access blocked). @default false */
        accessLogs: z.boolean().default(false),
        /** Days access log files are kept, 1-3650. @default 90 */
        accessLogRetentionDays: int(1, 3650).default(90),
        /** Refuse to delete the load balancer until this is turned off (prod requires it). @default false */
        deletionProtection: z.boolean().default(false),
        /** Seconds a deregistering task keeps serving in-flight requests before it is stopped, 0-3600 (ELB's range). @default 30 */
        deregistrationDelaySeconds: int(0, 3600).default(30),
        /** Seconds an idle client connection stays open, 1-4000 (ELB's range for the `idle_timeout.timeout_seconds` attribute). @default 60 */
        idleTimeoutSeconds: int(1, 4000).default(60),
      })
      .prefault({}),
  })
  .superRefine((s, ctx) => {
    const issue = (path: string[], message: string) => ctx.addIssue({ code: "custom", path, message });
    const allowed = FARGATE_MEMORY[s.cpu] ?? [];
    if (!allowed.includes(s.memory)) issue(["memory"], `${s.memory} MiB is not valid with cpu ${s.cpu}; Fargate allows ${allowed.join(", ")}`);
    const lb = s.loadBalancer;
    if (lb.internal && lb.public !== undefined) issue(["loadBalancer", "public"], "applies to an internet-facing load balancer only: remove it, or set internal false");
    if (s.minCount > s.desiredCount) issue(["minCount"], `must be <= desiredCount (${s.desiredCount})`);
    if (s.desiredCount > s.maxCount) issue(["desiredCount"], `must be <= maxCount (${s.maxCount})`);
    // ECS rounds the running ceiling down and the healthy floor up; at any task count autoscaling may reach, a
    // deployment must be able to start at least one new task.
    for (let n = s.minCount; n <= s.maxCount; n++) {
      if (Math.floor((n * s.maxPercent) / 100) <= Math.ceil((n * s.minHealthyPercent) / 100)) {
        issue(["maxPercent"], `with minHealthyPercent ${s.minHealthyPercent} leaves no room to replace a task when ${n} task(s) run`);
        break;
      }
    }
  });

/** An InferenceService's settings as given (defaults optional). */
export type InferenceSettingsInput = z.input<typeof inferenceSettings>;
/** An InferenceService's settings with every default applied. */
export type InferenceSettings = z.output<typeof inferenceSettings>;
