// resolveInferenceServiceArgs without mocks: the wiring rules, what the builders get (ingress, model, image, monitoring),
// and every error as an ArgError naming the arg, thrown before anything could be registered.
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { imageContentTag, resolveInferenceServiceArgs, type InferenceServiceArgs } from "../../components/inference-service";
import type { AlarmThresholds } from "../../components/observability";
import { observabilitySettings } from "../../components/observability/args";
import { SERVICE_BUILD_INPUTS } from "../../components/inference-service/args";
import { argErrorOf } from "./arg-error";

const base: InferenceServiceArgs = { region: "eu-west-1", vpcId: "vpc-1", privateSubnetIds: ["subnet-p1", "subnet-p2"], publicSubnetIds: ["subnet-a1", "subnet-a2"], vpcCidrBlock: "10.10.0.0/16", modelStore: { bucketArn: "arn:aws:s3:::edge-mlops-prod-models", pointerParameterName: "/edge-mlops/prod/inference/current-model", pointerParameterArn: "arn:aws:ssm:eu-west-1:123456789012:parameter/edge-mlops/prod/inference/current-model" } };
const resolve = (extra: Partial<InferenceServiceArgs>) => resolveInferenceServiceArgs({ ...base, ...extra });
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:alarms";
/** The stack config's default thresholds. */
const THRESHOLDS: AlarmThresholds = observabilitySettings.parse({}).alarms;

describe("wiring", () => {
  it("needs public subnets for an internet-facing load balancer", () => {
    const e = argErrorOf(() => resolve({ publicSubnetIds: undefined, loadBalancer: { internal: false } }));
    expect([e.component, e.arg, e.problem]).toEqual(["InferenceService", "publicSubnetIds", "is required when the load balancer is internet-facing (loadBalancer.internal false)"]);
    expect(resolve({ publicSubnetIds: undefined, vpcCidrBlock: "10.20.0.0/16", loadBalancer: { internal: true } }).loadBalancer.internal).toBe(true);
  });

  it("admits everyone to an internet-facing load balancer and the VPC to an internal one, unless ingressCidrBlocks says", () => {
    expect(resolve({}).loadBalancer.ingressCidrBlocks).toEqual(["10.10.0.0/16"]); // internal by default: the VPC
    expect(resolve({ loadBalancer: { internal: false } }).loadBalancer.ingressCidrBlocks).toEqual(["0.0.0.0/0"]);
    expect(resolve({ vpcCidrBlock: "10.20.0.0/16", loadBalancer: { internal: true } }).loadBalancer.ingressCidrBlocks).toEqual(["10.20.0.0/16"]);
    expect(resolve({ vpcCidrBlock: "10.20.0.0/16", loadBalancer: { internal: true, ingressCidrBlocks: ["10.20.4.0/22"] } }).loadBalancer.ingressCidrBlocks).toEqual([
      "10.20.4.0/22",
    ]);
    expect(resolve({ loadBalancer: { internal: false, ingressCidrBlocks: ["203.0.113.0/24"] } }).loadBalancer.ingressCidrBlocks).toEqual(["203.0.113.0/24"]);
    expect(() => resolve({ vpcCidrBlock: undefined, loadBalancer: { internal: true } })).toThrow(
      "InferenceService: loadBalancer.ingressCidrBlocks: is required for an internal load balancer when vpcCidrBlock is not given",
    );
  });

  it("checks the plain wiring values like settings", () => {
    expect(() => resolve({ vpcCidrBlock: "10.0.0.0" })).toThrow("InferenceService: vpcCidrBlock: must be an IPv4 CIDR block such as 203.0.113.0/24");
    expect(() => resolve({ region: "Ireland" })).toThrow("InferenceService: region: must be an AWS region such as eu-west-1");
    expect(() => resolve({ region: undefined as unknown as string })).toThrow("InferenceService: region: is required (a string)");
    expect(resolve({}).protect).toBe(false);
    expect(resolve({ protect: true }).protect).toBe(true);
  });
});

describe("what the builders get", () => {
  it("the CPU architecture of the platform and the model object", () => {
    expect(resolve({}).cpuArchitecture).toBe("X86_64");
    expect(resolve({ platform: "linux/arm64" }).cpuArchitecture).toBe("ARM64");
    expect(resolve({}).modelStore.pointerParameterName).toBe("/edge-mlops/prod/inference/current-model");
    expect(() => resolve({ modelStore: undefined as never })).toThrow(
      "InferenceService: modelStore: is required (the stack's ModelStore wiring: bucketArn, pointerParameterName, pointerParameterArn)",
    );
  });

  it("a build tagged by the content of the build inputs, or an existing image and the ECR repository it lives in", () => {
    expect(resolve({}).image).toEqual({
      kind: "build",
      context: ".",
      dockerfile: "service/Dockerfile",
      tag: imageContentTag(process.cwd(), SERVICE_BUILD_INPUTS),
    });
    const ref = `999988887777.dkr.ecr.us-east-1.amazonaws.com/platform/inference@sha256:${"c".repeat(64)}`;
    expect(resolve({ image: { existing: ref } }).image).toEqual({ kind: "existing", ref, ecr: { account: "999988887777", region: "us-east-1", name: "platform/inference" } });
    const ghcr = `ghcr.io/acme/inference@sha256:${"c".repeat(64)}`;
    expect(() => resolve({ image: { existing: ghcr } })).toThrow(
      `InferenceService: image.existing: must be an image in a private ECR repository (<account>.dkr.ecr.<region>.amazonaws.com/<name>@sha256:<64 hex digits>), got '${ghcr}'`,
    );
  });

  it("names a build input that does not exist", () => {
    const e = argErrorOf(() => resolve({ image: { contentPaths: ["service", "missing"] } }));
    expect([e.arg, e.problem]).toEqual(["image.contentPaths", `build input 'missing' does not exist under ${path.resolve(".")}`]);
  });
});

describe("monitoring", () => {
  it("takes the alarm topic as given and judges the thresholds by the stack config's own schema", () => {
    const s = resolve({ monitoring: { alarmTopicArn: TOPIC, thresholds: THRESHOLDS } });
    expect(s.monitoring).toEqual({ alarmTopicArn: TOPIC, thresholds: THRESHOLDS });
    expect(s.baseline?.modelVersion).toMatch(/^[0-9a-f]{12}$/);
    expect(() => resolve({ monitoring: { alarmTopicArn: TOPIC, thresholds: { ...THRESHOLDS, cpuPercent: 150 } } })).toThrow(
      "InferenceService: monitoring.thresholds.cpuPercent: must be <= 100, got 150",
    );
    expect(() => resolve({ monitoring: { alarmTopicArn: TOPIC, thresholds: { ...THRESHOLDS, periodSeconds: 120 } as unknown as AlarmThresholds } })).toThrow(
      "InferenceService: monitoring.thresholds.periodSeconds: must be 60, 300, 900 or 3600",
    );
  });

  it("reads the drift baseline only with monitoring, and names it when it cannot", () => {
    const missing = path.join(process.cwd(), "no-such-model.json");
    expect(resolve({ driftBaseline: missing }).baseline).toBeUndefined();
    const e = argErrorOf(() => resolve({ driftBaseline: missing, monitoring: { alarmTopicArn: TOPIC, thresholds: THRESHOLDS } }));
    expect([e.arg, e.problem]).toEqual(["driftBaseline", `'${missing}' cannot be read: ENOENT`]);
  });
});
