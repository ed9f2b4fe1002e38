import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FARGATE_MEMORY } from "../../components/inference-service/fargate";
import {
  hashBuildInputs,
  imageContentTag,
  parseImageReference,
  parseS3Uri,
  readBuildInputs,
  resolveInferenceServiceArgs,
  type InferenceServiceArgs,
} from "../../components/inference-service";
import { ecrLifecyclePolicy, elbLogDeliveryStatements, executionRolePolicy } from "../../components/inference-service/policies";

const base: InferenceServiceArgs = { vpcId: "vpc-1", privateSubnetIds: ["subnet-p1", "subnet-p2"], publicSubnetIds: ["subnet-a1", "subnet-a2"] };
const DIGEST = `sha256:${"ab".repeat(32)}`;
const resolve = (extra: Partial<InferenceServiceArgs>) => resolveInferenceServiceArgs({ ...base, ...extra });

describe("resolveInferenceServiceArgs", () => {
  it("applies the documented defaults", () => {
    const s = resolve({});
    expect(s).toMatchObject({
      cpu: 256,
      memory: 512,
      desiredCount: 1,
      minCount: 1,
      maxCount: 2,
      minHealthyPercent: 100,
      maxPercent: 200,
      containerPort: 5000,
      platform: "linux/amd64",
      cpuArchitecture: "X86_64",
      cpuTargetPercent: 60,
      requestsPerTarget: 1000,
      healthCheckGracePeriodSeconds: 60,
      logRetentionDays: 30,
      keepImages: 10,
      stopTimeoutSeconds: 30,
      containerInsights: "enabled",
      user: "65532:65532",
      protect: false,
      image: { kind: "build", context: ".", dockerfile: "service/Dockerfile", contentPaths: ["service", "package.json", "package-lock.json"] },
    });
    expect(s.model).toBeUndefined();
    expect(s.loadBalancer).toEqual({
      internal: false,
      certificateArn: undefined,
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      ingressCidrBlocks: ["0.0.0.0/0"],
      accessLogs: false,
      accessLogRetentionDays: 90,
      deletionProtection: false,
      deregistrationDelaySeconds: 30,
      idleTimeoutSeconds: 60,
    });
  });

  it("accepts every CPU/memory pair Fargate offers and defaults memory to the smallest for the CPU", () => {
    for (const [cpu, sizes] of Object.entries(FARGATE_MEMORY)) {
      for (const memory of sizes) expect(resolve({ cpu: Number(cpu), memory })).toMatchObject({ cpu: Number(cpu), memory });
      expect(resolve({ cpu: Number(cpu) }).memory).toBe(sizes[0]);
    }
  });

  it("rejects a CPU size or CPU/memory pair Fargate does not offer, naming the arg", () => {
    expect(() => resolve({ cpu: 300 })).toThrow("InferenceService: cpu 300 is not a Fargate CPU size; use one of 256, 512, 1024, 2048, 4096, 8192, 16384");
    expect(() => resolve({ cpu: 256, memory: 4096 })).toThrow("InferenceService: memory 4096 MiB is not valid with cpu 256; Fargate allows 512, 1024, 2048");
    expect(() => resolve({ cpu: 1024, memory: 1024 })).toThrow(/memory 1024 MiB is not valid with cpu 1024/);
  });

  it("requires minCount <= desiredCount <= maxCount", () => {
    expect(resolve({ minCount: 2, desiredCount: 2, maxCount: 6 })).toMatchObject({ minCount: 2, desiredCount: 2, maxCount: 6 });
    expect(() => resolve({ minCount: 3, desiredCount: 2, maxCount: 6 })).toThrow("InferenceService: minCount (3) must be <= desiredCount (2)");
    expect(() => resolve({ desiredCount: 4, maxCount: 3 })).toThrow("InferenceService: desiredCount (4) must be <= maxCount (3)");
    expect(() => resolve({ desiredCount: 0 })).toThrow("InferenceService: desiredCount must be an integer from 1 to 100, got 0");
    expect(() => resolve({ maxCount: 2.5 })).toThrow(/maxCount must be an integer/);
  });

  it("requires deployment percents that let a deployment replace tasks", () => {
    expect(() => resolve({ maxPercent: 90 })).toThrow("InferenceService: maxPercent must be an integer from 100 to 200, got 90");
    expect(() => resolve({ minHealthyPercent: 120 })).toThrow(/minHealthyPercent must be an integer from 0 to 100, got 120/);
    expect(() => resolve({ minHealthyPercent: 100, maxPercent: 100 })).toThrow(
      "InferenceService: maxPercent (100) and minHealthyPercent (100) leave no room to replace a task when 1 task(s) run",
    );
    // One task: at most floor(1.5) = 1 may run while ceil(0.5) = 1 must stay healthy.
    expect(() => resolve({ minHealthyPercent: 50, maxPercent: 150 })).toThrow(/when 1 task\(s\) run/);
    expect(resolve({ minHealthyPercent: 0, maxPercent: 100 })).toMatchObject({ minHealthyPercent: 0, maxPercent: 100 });
    expect(resolve({ minHealthyPercent: 50, maxPercent: 200 })).toMatchObject({ minHealthyPercent: 50, maxPercent: 200 });
  });

  it("rejects a port a non-root container cannot bind, or no port at all", () => {
    expect(() => resolve({ containerPort: 80 })).toThrow(
      "InferenceService: containerPort must be an integer from 1024 to 65535 (a non-root container without capabilities cannot bind lower ports), got 80",
    );
    expect(() => resolve({ containerPort: 70000 })).toThrow(/containerPort must be an integer from 1024 to 65535/);
    expect(() => resolve({ containerPort: 5000.5 })).toThrow(/containerPort/);
    expect(resolve({ containerPort: 8080 }).containerPort).toBe(8080);
  });

  it("parses modelUri and rejects anything but one S3 object, naming modelUri", () => {
    expect(resolve({ modelUri: "s3://edge-mlops-data/models/v3/model.json" }).model).toEqual({ bucket: "edge-mlops-data", key: "models/v3/model.json" });
    expect(() => resolve({ modelUri: "https://example.com/model.json" })).toThrow(
      "InferenceService: modelUri 'https://example.com/model.json' must be s3://<bucket>/<key>",
    );
    expect(() => resolve({ modelUri: "s3://Bad_Bucket/model.json" })).toThrow(/modelUri 's3:\/\/Bad_Bucket\/model.json': 'Bad_Bucket' is not a valid S3 bucket name/);
    expect(() => resolve({ modelUri: "s3://edge-mlops-data/models/" })).toThrow(/modelUri .* must name an object, not a prefix/);
    expect(() => resolve({ modelUri: "s3://edge-mlops-data/models/*" })).toThrow(/modelUri .* must not contain '\*', '\?' or '\$'/);
    expect(() => resolve({ modelUri: "s3://edge-mlops-data" })).toThrow(/modelUri 's3:\/\/edge-mlops-data' must be s3:\/\/<bucket>\/<key>/);
  });

  it("takes either an existing image or a build, never both, and only an image pinned by digest", () => {
    const ref = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/inference@${DIGEST}`;
    expect(resolve({ image: ref }).image).toEqual({ kind: "existing", ref });
    expect(() => resolve({ image: ref, build: {} })).toThrow(
      "InferenceService: give either image (an existing image) or build (build service/ into the repository), not both",
    );
    expect(() => resolve({ image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/inference:latest" })).toThrow(
      "InferenceService: image '123456789012.dkr.ecr.eu-west-1.amazonaws.com/inference:latest' must be pinned by digest: <repository>@sha256:<64 hex digits>",
    );
    expect(() => resolve({ image: `Inference@${DIGEST}` })).toThrow(/'Inference' is not a valid repository name/);
    expect(() => resolve({ build: { contentPaths: [] } })).toThrow("InferenceService: build.contentPaths must name at least one file or folder");
  });

  it("rejects root users, unknown platforms and retention CloudWatch does not offer", () => {
    expect(() => resolve({ user: "0:0" })).toThrow("InferenceService: user '0:0' must not be root");
    expect(() => resolve({ user: "root" })).toThrow("InferenceService: user 'root' must not be root");
    expect(() => resolve({ user: "a b" })).toThrow(/user 'a b' must be uid\[:gid\] or a user name/);
    expect(resolve({ user: "node" }).user).toBe("node");
    expect(() => resolve({ platform: "linux/386" as "linux/amd64" })).toThrow("InferenceService: platform 'linux/386' must be linux/amd64 or linux/arm64");
    expect(resolve({ platform: "linux/arm64" }).cpuArchitecture).toBe("ARM64");
    expect(() => resolve({ logRetentionDays: 10 })).toThrow(/logRetentionDays 10 is not a CloudWatch Logs retention; use one of 1, 3, 5, 7, 14/);
    expect(() => resolve({ stopTimeoutSeconds: 300 })).toThrow(/stopTimeoutSeconds must be an integer from 2 to 120, got 300/);
  });

  it("rejects malformed ARNs", () => {
    expect(() => resolve({ kmsKeyArn: "alias/ecr" })).toThrow("InferenceService: kmsKeyArn 'alias/ecr' must be a KMS key ARN");
    expect(() => resolve({ loadBalancer: { certificateArn: "arn:aws:iam::123456789012:server-certificate/x" } })).toThrow(
      /loadBalancer.certificateArn .* must be an ACM certificate ARN/,
    );
  });

  it("decides where the load balancer may be reached from", () => {
    expect(() => resolve({ publicSubnetIds: undefined })).toThrow("InferenceService: publicSubnetIds is required when the load balancer is internet-facing");
    expect(() => resolve({ publicSubnetIds: undefined, loadBalancer: { internal: true } })).toThrow(
      "InferenceService: an internal load balancer needs vpcCidrBlock or loadBalancer.ingressCidrBlocks to admit traffic from",
    );
    expect(resolve({ publicSubnetIds: undefined, vpcCidrBlock: "10.20.0.0/16", loadBalancer: { internal: true } }).loadBalancer.ingressCidrBlocks).toEqual([
      "10.20.0.0/16",
    ]);
    expect(resolve({ loadBalancer: { ingressCidrBlocks: ["203.0.113.0/24"] } }).loadBalancer.ingressCidrBlocks).toEqual(["203.0.113.0/24"]);
    expect(() => resolve({ loadBalancer: { ingressCidrBlocks: ["10.0.0.0/33"] } })).toThrow(
      "InferenceService: loadBalancer.ingressCidrBlocks: '10.0.0.0/33' is not an IPv4 CIDR block",
    );
    expect(() => resolve({ loadBalancer: { ingressCidrBlocks: [] } })).toThrow(/loadBalancer.ingressCidrBlocks must not be empty/);
    expect(() => resolve({ vpcCidrBlock: "10.0.0.0" })).toThrow(/vpcCidrBlock '10.0.0.0' must be an IPv4 CIDR block/);
  });

  it("accepts only TLS 1.2+ listener policies", () => {
    for (const policy of ["ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-3-2021-06", "ELBSecurityPolicy-TLS-1-2-Ext-2018-06", "ELBSecurityPolicy-FS-1-2-Res-2020-10"]) {
      expect(resolve({ loadBalancer: { sslPolicy: policy } }).loadBalancer.sslPolicy).toBe(policy);
    }
    for (const policy of ["ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-TLS13-1-1-2021-06", "ELBSecurityPolicy-TLS-1-1-2017-01", "ELBSecurityPolicy-FS-2018-06"]) {
      expect(() => resolve({ loadBalancer: { sslPolicy: policy } })).toThrow(`InferenceService: loadBalancer.sslPolicy '${policy}' must be a TLS 1.2+ policy`);
    }
  });
});

describe("image identity", () => {
  it("hashes the documented stream: each file as <path> NUL <length> NUL <content>, in path order", () => {
    // printf 'a/x.json\0002\000{}b.txt\0001\000B' | sha256sum
    const golden = "413997723c1637c9eacad65ea363abc2453f63646271108cdca41eeacf3828c9";
    expect(hashBuildInputs([{ path: "a/x.json", content: "{}" }, { path: "b.txt", content: Buffer.from("B") }])).toBe(golden);
    expect(hashBuildInputs([{ path: "b.txt", content: "B" }, { path: "a/x.json", content: "{}" }])).toBe(golden);
  });

  it("changes with any content or path, and rejects a path listed twice", () => {
    const files = [{ path: "service/server.ts", content: "x" }];
    const h = hashBuildInputs(files);
    expect(hashBuildInputs([{ path: "service/server.ts", content: "y" }])).not.toBe(h);
    expect(hashBuildInputs([{ path: "service/main.ts", content: "x" }])).not.toBe(h);
    // The length prefix keeps file boundaries unambiguous.
    expect(hashBuildInputs([{ path: "a", content: "bc" }])).not.toBe(hashBuildInputs([{ path: "a", content: "b" }, { path: "c", content: "" }]));
    expect(() => hashBuildInputs([...files, ...files])).toThrow("build input 'service/server.ts' is listed twice");
  });

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "inference-image-"));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const write = (rel: string, content: string) => {
    fs.mkdirSync(path.dirname(path.join(tmp, rel)), { recursive: true });
    fs.writeFileSync(path.join(tmp, rel), content);
  };

  it("reads the build inputs with posix paths, skipping dist and node_modules, and tags by their content", () => {
    write("service/Dockerfile", "FROM node:20-alpine\n");
    write("service/src/server.ts", "export {};\n");
    write("service/dist/server.js", "built");
    write("service/node_modules/x/index.js", "dep");
    write("package-lock.json", "{}\n");
    write("README.md", "not an input");
    const inputs = readBuildInputs(tmp, ["service", "package-lock.json"]);
    expect(inputs.map((f) => f.path).sort()).toEqual(["package-lock.json", "service/Dockerfile", "service/src/server.ts"]);
    const tag = imageContentTag(tmp, ["service", "package-lock.json"]);
    expect(tag).toBe(hashBuildInputs(inputs).slice(0, 16));
    expect(tag).toMatch(/^[0-9a-f]{16}$/);

    write("service/dist/server.js", "rebuilt");
    write("README.md", "edited");
    expect(imageContentTag(tmp, ["service", "package-lock.json"])).toBe(tag);
    write("service/src/server.ts", "export const changed = true;\n");
    expect(imageContentTag(tmp, ["service", "package-lock.json"])).not.toBe(tag);
  });

  it("names a build input that does not exist or lies outside the root", () => {
    expect(() => readBuildInputs(tmp, ["missing"])).toThrow(`build input 'missing' does not exist under ${tmp}`);
    expect(() => readBuildInputs(tmp, ["../etc"])).toThrow(/build input '..\/etc' must be a path inside/);
  });

  it("parses image references pinned by digest", () => {
    expect(parseImageReference(`999988887777.dkr.ecr.us-east-1.amazonaws.com/platform/inference:1.4.2@${DIGEST}`)).toEqual({
      repository: "999988887777.dkr.ecr.us-east-1.amazonaws.com/platform/inference",
      digest: DIGEST,
      ecr: { account: "999988887777", region: "us-east-1", name: "platform/inference" },
    });
    expect(parseImageReference(`ghcr.io/acme/inference@${DIGEST}`)).toEqual({ repository: "ghcr.io/acme/inference", digest: DIGEST });
    expect(parseImageReference(`localhost:5000/inference@${DIGEST}`).repository).toBe("localhost:5000/inference");
    expect(() => parseImageReference(`inference@sha256:abc`)).toThrow(/must be pinned by digest/);
  });
});

describe("documents", () => {
  it("ECR lifecycle: untagged expire after a day, the newest N tagged stay", () => {
    expect(ecrLifecyclePolicy(7)).toEqual({
      rules: [
        {
          rulePriority: 1,
          description: "Expire untagged images one day after push",
          selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 1 },
          action: { type: "expire" },
        },
        {
          rulePriority: 2,
          description: "Keep the last 7 tagged images",
          selection: { tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: 7 },
          action: { type: "expire" },
        },
      ],
    });
  });

  it("grants ELB log delivery to the service principal everywhere and to the ELB account in older regions", () => {
    const args = { partition: "aws", account: "123456789012", bucketArn: "arn:aws:s3:::logs" };
    const delivery = (Sid: string, Principal: object) => ({ Sid, Effect: "Allow", Principal, Action: "s3:PutObject", Resource: "arn:aws:s3:::logs/AWSLogs/123456789012/*" });
    const service = delivery("ElbLogDelivery", { Service: "logdelivery.elasticloadbalancing.amazonaws.com" });
    expect(elbLogDeliveryStatements({ ...args, region: "eu-west-1" })).toEqual([service, delivery("ElbAccountLogDelivery", { AWS: "arn:aws:iam::156460612806:root" })]);
    // Melbourne opened in 2023: the service principal only.
    expect(elbLogDeliveryStatements({ ...args, region: "ap-southeast-4" })).toEqual([service]);
  });

  it("refuses an execution role that could pull from nothing", () => {
    expect(() => executionRolePolicy({ repositoryArns: [], logGroupArn: "arn:aws:logs:eu-west-1:123456789012:log-group:x" })).toThrow(
      "executionRolePolicy: repositoryArns must not be empty",
    );
  });

  it("parses S3 URIs into bucket and key", () => {
    expect(parseS3Uri("s3://edge-mlops-prod-data/models/v3/model.json")).toEqual({ bucket: "edge-mlops-prod-data", key: "models/v3/model.json" });
    expect(() => parseS3Uri("s3://192.168.0.1/model.json")).toThrow(/is not a valid S3 bucket name/);
  });
});
