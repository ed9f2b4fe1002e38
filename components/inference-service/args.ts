// The inference service's settings as one schema: every default, range and cross-field rule of an InferenceService is
// stated here once. The component resolves its args with it and the stack config composes it as `edge-mlops:inference`.
import { z } from "zod";
import { arn, int, retentionDays as retention } from "../args";
import { FARGATE_MEMORY } from "./fargate";

export const inferenceSettings = z.strictObject({
  /** Task CPU units; Fargate accepts 256, 512, 1024, 2048, 4096, 8192, 16384. @default 256 */
  cpu: z
    .number()
    .refine((v) => v in FARGATE_MEMORY, { message: `must be one of Fargate's CPU sizes: ${Object.keys(FARGATE_MEMORY).join(", ")}` })
    .default(256),
  /** Task memory in MiB; must pair with cpu as Fargate allows. @default 512 */
  memory: z.number().int().positive().default(512),
  /** Tasks the service keeps running. @default 1 */
  desiredCount: int(1, 100).default(1),
  /** Autoscaling lower bound. @default 1 */
  minCount: int(1, 100).default(1),
  /** Autoscaling upper bound. @default 2 */
  maxCount: int(1, 100).default(2),
  /** @default 5000 */
  containerPort: int(1024, 65535).default(5000),
  /** @default "linux/amd64" */
  platform: z.enum(["linux/amd64", "linux/arm64"]).default("linux/amd64"),
  /** Target average CPU for autoscaling. @default 60 */
  cpuTargetPercent: int(10, 90).default(60),
  /** Target ALB requests per task for autoscaling. @default 1000 */
  requestsPerTarget: int(1, 100000).default(1000),
  /** @default 60 */
  healthCheckGracePeriodSeconds: int(0, 7200).default(60),
  /** @default 100 */
  minHealthyPercent: int(0, 100).default(100),
  /** @default 200 */
  maxPercent: int(100, 200).default(200),
  /** @default 30 */
  logRetentionDays: retention.default(30),
  /** Tagged images kept in ECR. @default 10 */
  keepImages: int(1, 1000).default(10),
  /** Model the service loads (`s3://bucket/key/model.json`); the image's built-in model when unset. */
  modelUri: z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+\.json$/, "must be s3://<bucket>/<key>.json").optional(),
  /** Local copy of the model.json that `modelUri` serves: its training statistics set the drift bands. @default the image's built-in model */
  driftBaseline: z.string().min(1).optional(),
  /** Customer-managed KMS key for the ECR repository; AES256 when unset. */
  kmsKeyArn: arn("kms").optional(),
  loadBalancer: z
    .strictObject({
      /** Internal (VPC-only) instead of internet-facing. @default false */
      internal: z.boolean().default(false),
      /** ACM certificate: adds HTTPS on 443 and redirects HTTP to it. */
      certificateArn: arn("acm").optional(),
      /** @default "ELBSecurityPolicy-TLS13-1-2-2021-06" */
      sslPolicy: z
        .enum(["ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-2-Res-2021-06", "ELBSecurityPolicy-TLS13-1-3-2021-06"])
        .default("ELBSecurityPolicy-TLS13-1-2-2021-06"),
      /** Access logs to an S3 bucket the component creates. @default false */
      accessLogs: z.boolean().default(false),
      /** @default false */
      deletionProtection: z.boolean().default(false),
      /** @default 30 */
      deregistrationDelaySeconds: int(0, 3600).default(30),
    })
    .prefault({}),
}).superRefine((s, ctx) => {
  const issue = (path: string[], message: string) => ctx.addIssue({ code: "custom", path, message });
  const allowed = FARGATE_MEMORY[s.cpu] ?? [];
  if (!allowed.includes(s.memory)) issue(["memory"], `${s.memory} MiB is not valid with cpu ${s.cpu}; Fargate allows ${allowed.join(", ")}`);
  if (s.minCount > s.desiredCount) issue(["minCount"], `must be <= desiredCount (${s.desiredCount})`);
  if (s.desiredCount > s.maxCount) issue(["desiredCount"], `must be <= maxCount (${s.maxCount})`);
});

/** An InferenceService's settings as given (defaults optional). */
export type InferenceSettingsInput = z.input<typeof inferenceSettings>;
/** An InferenceService's settings with every default applied. */
export type InferenceSettings = z.output<typeof inferenceSettings>;
