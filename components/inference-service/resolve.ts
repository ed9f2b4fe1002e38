// An InferenceService's args: its settings (args.ts, the schema the stack config shares) plus the wiring it takes from
// other components, resolved into the one plain object the builders read. Every bad arg fails here, synchronously and
// before any resource is registered, as an ArgError naming the arg: the settings by the schema, the wiring rules below,
// and what only files can tell (the drift baseline, the image's build inputs).
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { AWS_REGION } from "../../contracts/patterns";
import { argError, resolveArgs } from "../args";
import { observabilitySettings } from "../observability/args";
import type { MonitoringArgs } from "../observability/contract";
import { readDriftBaseline, type DriftBaseline } from "../observability/drift";
import { inferenceSettings, ipv4CidrBlock, type InferenceSettings, type InferenceSettingsInput } from "./args";
import type { ModelStoreWiring } from "../model-store";
import { PLATFORM_ARCHITECTURE } from "./fargate";
import { imageContentTag, parseImageReference, type ImageReference } from "./image";

const COMPONENT = "InferenceService";

/** What an InferenceService takes from the rest of the stack. */
export interface InferenceServiceWiring {
  /** Region of the stack (the provider's region): log configuration, trust conditions, ELB log delivery. */
  readonly region: string;
  /** VPC of the load balancer, target group and security groups. */
  readonly vpcId: pulumi.Input<string>;
  /** Subnets of the tasks (and of the load balancer when it is internal). */
  readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Subnets of an internet-facing load balancer. Required unless `loadBalancer.internal`. @default undefined */
  readonly publicSubnetIds?: pulumi.Input<pulumi.Input<string>[]>;
  /** IPv4 range of the VPC: what an internal load balancer admits unless `loadBalancer.ingressCidrBlocks` says. @default undefined */
  readonly vpcCidrBlock?: string;
  /** Protect the stateful children (the ECR repository and the access-log bucket); the stack's `protect`. @default false */
  readonly protect?: boolean;
  /**
   * The stack's alarm topic and thresholds: with it the service gets its alarms (5xx rate, p99 latency, unhealthy
   * hosts, CPU, memory, running tasks below desired, and model drift per number input field and prediction).
   * @default undefined (no alarms; the dashboard widgets still exist)
   */
  readonly monitoring?: MonitoringArgs;
  /**
   * The stack's model store (components/model-store): tasks get the pointer's name as env MODEL_POINTER, and the task
   * role may read that one parameter and the objects under `releases/` of that bucket, nothing else.
   */
  readonly modelStore: Pick<ModelStoreWiring, "bucketArn" | "pointerParameterName" | "pointerParameterArn">;
  /**
   * Private Greengrass components (of the stack's edge fleet) whose names start with this: every version's recipe that
   * names an image of the service's repository keeps that image from expiring (./image-references.ts).
   * @default undefined (only the service's task definitions count)
   */
  readonly greengrassComponentPrefix?: string;
}

/** An InferenceService's args: its settings (args.ts) and its wiring. */
export interface InferenceServiceArgs extends InferenceSettingsInput, InferenceServiceWiring {}

/** The plain wiring values, checked like settings. Thresholds are judged by the stack config's own schema. */
const wiringSchema = z.object({
  region: z.string().regex(AWS_REGION, "must be an AWS region such as eu-west-1"),
  vpcCidrBlock: ipv4CidrBlock.optional(),
  protect: z.boolean().default(false),
  greengrassComponentPrefix: z
    .string()
    .regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}$/, "must be the start of a Greengrass component name (1-128 of a-z, A-Z, 0-9, '.', '_', '-')")
    .optional(),
  monitoring: z.object({ thresholds: observabilitySettings.shape.alarms }).optional(),
});

/** The image the tasks run: built from the repository and tagged by content, or one that exists. */
export type ResolvedImage =
  | { readonly kind: "build"; readonly context: string; readonly dockerfile: string; readonly tag: string }
  | { readonly kind: "existing"; readonly ref: string; readonly ecr: NonNullable<ImageReference["ecr"]> };

/** The settings an InferenceService is built from, defaults applied. @throws ArgError naming the first bad arg. */
export function resolveInferenceServiceArgs(args: InferenceServiceArgs) {
  const settings = resolveArgs(COMPONENT, inferenceSettings, args);
  const wiring = resolveArgs(COMPONENT, wiringSchema, args);
  const lb = settings.loadBalancer;
  if (!lb.internal && args.publicSubnetIds === undefined) {
    argError(COMPONENT, "publicSubnetIds", "is required when the load balancer is internet-facing (loadBalancer.internal false)");
  }
  if (args.modelStore === undefined) argError(COMPONENT, "modelStore", "is required (the stack's ModelStore wiring: bucketArn, pointerParameterName, pointerParameterArn)");
  const vpcOnly = wiring.vpcCidrBlock === undefined ? undefined : [wiring.vpcCidrBlock];
  const ingressCidrBlocks = lb.ingressCidrBlocks ?? (lb.internal ? vpcOnly : ["0.0.0.0/0"]);
  if (ingressCidrBlocks === undefined) {
    argError(COMPONENT, "loadBalancer.ingressCidrBlocks", "is required for an internal load balancer when vpcCidrBlock is not given");
  }
  const monitoring = args.monitoring && wiring.monitoring && { alarmTopicArn: args.monitoring.alarmTopicArn, thresholds: wiring.monitoring.thresholds };
  return {
    ...settings,
    region: wiring.region,
    protect: wiring.protect,
    greengrassComponentPrefix: wiring.greengrassComponentPrefix,
    cpuArchitecture: PLATFORM_ARCHITECTURE[settings.platform],
    modelStore: args.modelStore,
    loadBalancer: { ...lb, ingressCidrBlocks },
    image: resolveImage(settings.image),
    monitoring,
    baseline: monitoring ? readBaseline(settings.driftBaseline) : undefined,
  };
}

export type InferenceServiceSettings = ReturnType<typeof resolveInferenceServiceArgs>;

function resolveImage(image: InferenceSettings["image"]): ResolvedImage {
  // The schema has already refused a reference outside ECR.
  if (image.existing !== undefined) return { kind: "existing", ref: image.existing, ecr: parseImageReference(image.existing).ecr! };
  try {
    return { kind: "build", context: image.context, dockerfile: image.dockerfile, tag: imageContentTag(path.resolve(image.context), image.contentPaths) };
  } catch (e) {
    return argError(COMPONENT, "image.contentPaths", (e as Error).message);
  }
}

function readBaseline(file: string): DriftBaseline {
  try {
    return readDriftBaseline(file);
  } catch (e) {
    return argError(COMPONENT, "driftBaseline", (e as Error).message.replace(/^driftBaseline /, ""));
  }
}
