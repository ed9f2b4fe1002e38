// The inference service's settings schema on its own, without mocks: every default, every range at its edges, every
// cross-field rule, and each decision taken where the component and the old stack config disagreed.
import { describe, expect, it } from "vitest";
import { firstIssue, resolveArgs } from "../../components/args";
import { inferenceSettings, SERVICE_BUILD_INPUTS, type InferenceSettingsInput } from "../../components/inference-service/args";
import { ALB_TLS12_SECURITY_POLICIES } from "../../components/inference-service/elb-security-policies";
import { FARGATE_MEMORY } from "../../components/inference-service/fargate";
import { DEFAULT_DRIFT_BASELINE } from "../../components/observability/drift";
import { argErrorOf } from "./arg-error";

const parse = (input: InferenceSettingsInput) => resolveArgs("InferenceService", inferenceSettings, input);
const DIGEST = `sha256:${"ab".repeat(32)}`;
const ECR_IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/inference@${DIGEST}`;

describe("defaults", () => {
  it("are the documented ones, and the service/ build when no image is given", () => {
    expect(parse({})).toEqual({
      cpu: 256,
      memory: 512,
      desiredCount: 1,
      minCount: 1,
      maxCount: 2,
      containerPort: 5000,
      platform: "linux/amd64",
      cpuTargetPercent: 60,
      requestsPerTarget: 1000,
      healthCheckGracePeriodSeconds: 60,
      minHealthyPercent: 100,
      maxPercent: 200,
      logRetentionDays: 30,
      keepImages: 10,
      driftBaseline: DEFAULT_DRIFT_BASELINE,
      containerInsights: "enabled",
      user: "65532:65532",
      stopTimeoutSeconds: 30,
      image: { context: ".", dockerfile: "service/Dockerfile", contentPaths: [...SERVICE_BUILD_INPUTS] },
      loadBalancer: {
        internal: true,
        sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
        accessLogs: false,
        accessLogRetentionDays: 90,
        deletionProtection: false,
        deregistrationDelaySeconds: 30,
        idleTimeoutSeconds: 60,
      },
    });
  });

  it("resolve to values the schema accepts again unchanged (the stack config hands its output to the component)", () => {
    for (const input of [{}, { image: { existing: ECR_IMAGE } }, { cpu: 512, memory: 1024, loadBalancer: { ingressCidrBlocks: ["203.0.113.0/24"] } }] as InferenceSettingsInput[]) {
      const once = parse(input);
      expect(parse(once)).toEqual(once);
    }
  });

  it("reject, in a stack file, a key the schema does not know, such as the old build arg", () => {
    const result = inferenceSettings.safeParse({ build: { dockerfile: "Dockerfile" } });
    expect(result.success).toBe(false);
    expect(result.error && firstIssue(result.error, { build: {} })).toEqual(["build", "unknown key 'build'"]);
  });
});

describe("ranges, each at min-1, min, max and max+1", () => {
  // Each case: the arg's path, its range, and the other settings that let both ends pass the cross-field rules.
  const cases: [path: string, min: number, max: number, input: (v: number) => InferenceSettingsInput][] = [
    ["desiredCount", 1, 100, (v) => ({ desiredCount: v, maxCount: 100 })],
    ["minCount", 1, 100, (v) => ({ minCount: v, desiredCount: 100, maxCount: 100 })],
    ["maxCount", 1, 100, (v) => ({ maxCount: v })],
    ["containerPort", 1024, 65535, (v) => ({ containerPort: v })],
    ["cpuTargetPercent", 10, 90, (v) => ({ cpuTargetPercent: v })],
    ["requestsPerTarget", 1, 100000, (v) => ({ requestsPerTarget: v })],
    ["healthCheckGracePeriodSeconds", 0, 7200, (v) => ({ healthCheckGracePeriodSeconds: v })],
    ["minHealthyPercent", 0, 100, (v) => ({ minHealthyPercent: v })],
    ["maxPercent", 100, 200, (v) => ({ maxPercent: v, minHealthyPercent: 0 })],
    ["keepImages", 3, 1000, (v) => ({ keepImages: v })],
    ["stopTimeoutSeconds", 2, 120, (v) => ({ stopTimeoutSeconds: v })],
    ["loadBalancer.accessLogRetentionDays", 1, 3650, (v) => ({ loadBalancer: { accessLogRetentionDays: v } })],
    ["loadBalancer.deregistrationDelaySeconds", 0, 3600, (v) => ({ loadBalancer: { deregistrationDelaySeconds: v } })],
    ["loadBalancer.idleTimeoutSeconds", 1, 4000, (v) => ({ loadBalancer: { idleTimeoutSeconds: v } })],
  ];
  const valueAt = (settings: object, path: string): unknown => path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], settings);

  it.each(cases)("%s from %i to %i", (path, min, max, input) => {
    expect(valueAt(parse(input(min)), path)).toBe(min);
    expect(valueAt(parse(input(max)), path)).toBe(max);
    expect(() => parse(input(min - 1))).toThrow(`InferenceService: ${path}: must be >= ${min}, got ${min - 1}`);
    expect(() => parse(input(max + 1))).toThrow(`InferenceService: ${path}: must be <= ${max}, got ${max + 1}`);
  });

  it("loadBalancer.ingressCidrBlocks from 1 to 30 blocks", () => {
    const blocks = (n: number) => Array.from({ length: n }, (_, i) => `198.51.${i}.0/24`);
    expect(parse({ loadBalancer: { ingressCidrBlocks: blocks(1) } }).loadBalancer.ingressCidrBlocks).toEqual(["198.51.0.0/24"]);
    expect(parse({ loadBalancer: { ingressCidrBlocks: blocks(30) } }).loadBalancer.ingressCidrBlocks).toHaveLength(30);
    expect(() => parse({ loadBalancer: { ingressCidrBlocks: [] } })).toThrow("InferenceService: loadBalancer.ingressCidrBlocks: must list 1 to 30 CIDR blocks, got 0");
    expect(() => parse({ loadBalancer: { ingressCidrBlocks: blocks(31) } })).toThrow("InferenceService: loadBalancer.ingressCidrBlocks: must list 1 to 30 CIDR blocks, got 31");
  });

  it("whole numbers only", () => {
    expect(() => parse({ maxCount: 2.5 })).toThrow("InferenceService: maxCount: must be an integer, got 2.5");
    expect(() => parse({ containerPort: 5000.5 })).toThrow("InferenceService: containerPort: must be an integer, got 5000.5");
  });
});

describe("choices", () => {
  it("cpu: Fargate's sizes only, each with every memory size Fargate pairs with it", () => {
    for (const [cpu, sizes] of Object.entries(FARGATE_MEMORY)) {
      for (const memory of sizes) expect(parse({ cpu: Number(cpu), memory })).toMatchObject({ cpu: Number(cpu), memory });
    }
    expect(() => parse({ cpu: 300 })).toThrow("InferenceService: cpu: must be one of Fargate's CPU sizes: 256, 512, 1024, 2048, 4096, 8192, 16384");
    expect(() => parse({ cpu: 256, memory: 4096 })).toThrow("InferenceService: memory: 4096 MiB is not valid with cpu 256; Fargate allows 512, 1024, 2048");
  });

  it("memory keeps its default of 512 when cpu changes: a stack that picks a bigger cpu states its memory (drift decision)", () => {
    expect(() => parse({ cpu: 512 })).toThrow("InferenceService: memory: 512 MiB is not valid with cpu 512; Fargate allows 1024, 2048, 3072, 4096");
    expect(parse({ cpu: 512, memory: 1024 }).memory).toBe(1024);
  });

  it("platform, Container Insights and log retention take only what AWS offers", () => {
    expect(parse({ platform: "linux/arm64" }).platform).toBe("linux/arm64");
    expect(() => parse({ platform: "linux/386" as "linux/amd64" })).toThrow('InferenceService: platform: must be one of "linux/amd64", "linux/arm64", got "linux/386"');
    expect(parse({ containerInsights: "enhanced" }).containerInsights).toBe("enhanced");
    expect(() => parse({ containerInsights: "disabled" as "enabled" })).toThrow('InferenceService: containerInsights: must be one of "enabled", "enhanced", got "disabled"');
    expect(parse({ logRetentionDays: 14 }).logRetentionDays).toBe(14);
    expect(() => parse({ logRetentionDays: 10 })).toThrow(/^InferenceService: logRetentionDays: must be one of CloudWatch Logs' retention values: 1, 3, 5, 7, 14/);
  });

  it("user: uid[:gid] or a name, never root (moved into the schema)", () => {
    for (const user of ["65532:65532", "1000", "node", "app:app"]) expect(parse({ user }).user).toBe(user);
    for (const user of ["0", "0:0", "root", "root:staff"]) expect(() => parse({ user })).toThrow("InferenceService: user: must not be root");
    expect(() => parse({ user: "a b" })).toThrow("InferenceService: user: must be uid[:gid] or a user name");
  });
});

describe("cross-field rules", () => {
  it("minCount <= desiredCount <= maxCount", () => {
    expect(parse({ minCount: 2, desiredCount: 2, maxCount: 6 })).toMatchObject({ minCount: 2, desiredCount: 2, maxCount: 6 });
    expect(() => parse({ minCount: 3, desiredCount: 2, maxCount: 6 })).toThrow("InferenceService: minCount: must be <= desiredCount (2)");
    expect(() => parse({ desiredCount: 4, maxCount: 3 })).toThrow("InferenceService: desiredCount: must be <= maxCount (3)");
  });

  it("deployment percents leave room to start a new task at every count autoscaling may reach", () => {
    expect(() => parse({ minHealthyPercent: 100, maxPercent: 100 })).toThrow(
      "InferenceService: maxPercent: with minHealthyPercent 100 leaves no room to replace a task when 1 task(s) run",
    );
    // One task: at most floor(1.5) = 1 may run while ceil(0.5) = 1 must stay healthy; two tasks: 3 may run, 1 healthy.
    expect(() => parse({ minHealthyPercent: 50, maxPercent: 150 })).toThrow(/when 1 task\(s\) run, got 150$/);
    expect(parse({ minHealthyPercent: 50, maxPercent: 150, minCount: 2, desiredCount: 2, maxCount: 2 })).toMatchObject({ maxPercent: 150 });
    expect(parse({ minHealthyPercent: 0, maxPercent: 100 })).toMatchObject({ minHealthyPercent: 0, maxPercent: 100 });
  });

  it("deployment percents are checked at a fixed task count too (minCount = maxCount), where autoscaling never moves", () => {
    expect(() => parse({ minHealthyPercent: 100, maxPercent: 100, minCount: 3, desiredCount: 3, maxCount: 3 })).toThrow(
      "InferenceService: maxPercent: with minHealthyPercent 100 leaves no room to replace a task when 3 task(s) run",
    );
    expect(parse({ minHealthyPercent: 100, maxPercent: 134, minCount: 3, desiredCount: 3, maxCount: 3 })).toMatchObject({ maxPercent: 134 });
  });

  it("image: existing or build settings, never both, naming both", () => {
    expect(parse({ image: { existing: ECR_IMAGE } }).image).toEqual({ existing: ECR_IMAGE });
    expect(() => parse({ image: { existing: ECR_IMAGE, dockerfile: "Dockerfile", contentPaths: ["service"] } })).toThrow(
      "InferenceService: image.existing: give either existing (an image to run) or build settings (dockerfile, contentPaths), not both",
    );
    expect(parse({ image: { dockerfile: "service/Dockerfile.arm" } }).image).toEqual({
      context: ".",
      dockerfile: "service/Dockerfile.arm",
      contentPaths: [...SERVICE_BUILD_INPUTS],
    });
    expect(() => parse({ image: { contentPaths: [] } })).toThrow("InferenceService: image.contentPaths: must name at least one file or folder");
  });
});

describe("values with a shape", () => {
  it("image.existing: pinned by digest, a valid repository", () => {
    expect(() => parse({ image: { existing: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/inference:latest" } })).toThrow(
      "InferenceService: image.existing: must be pinned by digest (<repository>[:<tag>]@sha256:<64 hex digits>), got '123456789012.dkr.ecr.eu-west-1.amazonaws.com/inference:latest'",
    );
    expect(() => parse({ image: { existing: `Inference@${DIGEST}` } })).toThrow("InferenceService: image.existing: 'Inference' is not a repository name");
  });

  it("image.existing: an image of another registry is refused, even pinned by digest (the execution role pulls from ECR only)", () => {
    for (const ref of [`docker.io/library/python@${DIGEST}`, `public.ecr.aws/docker/library/python@${DIGEST}`]) {
      expect(() => parse({ image: { existing: ref } })).toThrow(
        `InferenceService: image.existing: must be an image in a private ECR repository (<account>.dkr.ecr.<region>.amazonaws.com/<name>@sha256:<64 hex digits>), got '${ref}'`,
      );
    }
  });

  it("kmsKeyArn: a KMS key or alias ARN (ECR takes either)", () => {
    const key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    expect(parse({ kmsKeyArn: key }).kmsKeyArn).toBe(key);
    expect(parse({ kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:alias/ecr" }).kmsKeyArn).toBe("arn:aws:kms:eu-west-1:123456789012:alias/ecr");
    expect(() => parse({ kmsKeyArn: "alias/ecr" })).toThrow("InferenceService: kmsKeyArn: must be a KMS key or alias ARN");
  });

  it("loadBalancer.certificateArn: an ACM certificate", () => {
    const cert = "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9";
    expect(parse({ loadBalancer: { certificateArn: cert } }).loadBalancer.certificateArn).toBe(cert);
    expect(() => parse({ loadBalancer: { certificateArn: "arn:aws:iam::123456789012:server-certificate/x" } })).toThrow(
      "InferenceService: loadBalancer.certificateArn: must be an acm ARN of a certificate",
    );
  });

  it("loadBalancer.ingressCidrBlocks: IPv4 networks, each once (moved into the schema)", () => {
    expect(() => parse({ loadBalancer: { ingressCidrBlocks: ["10.0.0.0/33"] } })).toThrow(
      "InferenceService: loadBalancer.ingressCidrBlocks[0]: must be an IPv4 CIDR block such as 203.0.113.0/24",
    );
    expect(() => parse({ loadBalancer: { ingressCidrBlocks: ["203.0.113.0/24", "10.0.0.1/16"] } })).toThrow(
      "InferenceService: loadBalancer.ingressCidrBlocks[1]: must name a network: its host bits must be zero (10.0.0.0/16, not 10.0.0.1/16)",
    );
    expect(() => parse({ loadBalancer: { ingressCidrBlocks: ["203.0.113.0/24", "203.0.113.0/24"] } })).toThrow(
      "InferenceService: loadBalancer.ingressCidrBlocks: lists 203.0.113.0/24 twice",
    );
    expect(parse({ loadBalancer: { ingressCidrBlocks: ["0.0.0.0/0", "10.20.0.0/16"] } }).loadBalancer.ingressCidrBlocks).toEqual(["0.0.0.0/0", "10.20.0.0/16"]);
  });
});

describe("loadBalancer.sslPolicy: exactly ELB's TLS 1.2+ policies (drift decision)", () => {
  it("accepts every policy of the list, each listed once and each named for TLS 1.2 or newer", () => {
    expect(new Set(ALB_TLS12_SECURITY_POLICIES).size).toBe(ALB_TLS12_SECURITY_POLICIES.length);
    expect(ALB_TLS12_SECURITY_POLICIES).toHaveLength(34);
    for (const policy of ALB_TLS12_SECURITY_POLICIES) {
      expect(policy).toMatch(/^ELBSecurityPolicy-(TLS13-1-[23]|TLS-1-2|FS-1-2)-/);
      expect(parse({ loadBalancer: { sslPolicy: policy } }).loadBalancer.sslPolicy).toBe(policy);
    }
  });

  it("refuses policies that still accept TLS 1.0 or 1.1, NLB-only ones and names ELB does not offer", () => {
    for (const policy of [
      "ELBSecurityPolicy-2016-08",
      "ELBSecurityPolicy-2015-05",
      "ELBSecurityPolicy-TLS-1-0-2015-04",
      "ELBSecurityPolicy-TLS-1-1-2017-01",
      "ELBSecurityPolicy-FS-2018-06",
      "ELBSecurityPolicy-FS-1-1-2019-08",
      "ELBSecurityPolicy-TLS13-1-0-2021-06",
      "ELBSecurityPolicy-TLS13-1-1-2021-06",
      "ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04",
      "ELBSecurityPolicy-TLS13-1-0-PQ-2025-09",
      // The component's old pattern let these through although ELB has no such policy.
      "ELBSecurityPolicy-TLS-1-2-2099-01",
      "ELBSecurityPolicy-FS-1-2-Made-Up",
    ]) {
      const error = argErrorOf(() => parse({ loadBalancer: { sslPolicy: policy as "ELBSecurityPolicy-TLS13-1-2-2021-06" } }));
      expect([error.arg, error.problem], policy).toEqual([
        "loadBalancer.sslPolicy",
        `must be one of ${ALB_TLS12_SECURITY_POLICIES.map((p) => JSON.stringify(p)).join(", ")}, got "${policy}"`,
      ]);
    }
  });
});
