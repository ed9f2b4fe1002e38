// The stack config: the `edge-mlops:` namespace of a stack file (Pulumi.<stack>.yaml), validated once before any
// resource is registered. Each section is a component's own args schema (components/<name>/args.ts), so a default,
// range or rule is stated once, in the component; this module adds only what is stack-level: the environment tier,
// protection and tags, the prod tier's mandatory rules, and reading Pulumi's config.
//
// A bad value raises a ConfigError whose message is the single line
// `config error: edge-mlops:<key>.<path>: <what is wrong, what is allowed>`.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ENVIRONMENTS } from "../contracts/environments";
import { AWS_REGION } from "../contracts/patterns";
import { PROJECT } from "../contracts/project";
import { firstIssue } from "./args";
import { airflowSettings } from "./airflow-environment/args";
import { defaultRootGroupName, edgeFleetSettings } from "./edge-fleet/args";
import { inferenceSettings } from "./inference-service/args";
import { networkSettings } from "./network/args";
import { observabilitySettings } from "./observability/args";
import { trainingSettings } from "./training-workflow/args";

export { PROJECT };

/** Raised for any invalid stack config. A `pulumi.RunError`, so `pulumi up` prints the message without a stack trace. */
export class ConfigError extends pulumi.RunError {
  constructor(
    /** Full key path, e.g. `edge-mlops:airflow.minWorkers`. */
    public readonly key: string,
    public readonly problem: string,
  ) {
    super(`config error: ${key}: ${problem}`);
    this.name = "ConfigError";
  }
}

const tagKey = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u, "tag keys may use letters, digits, spaces and _ . : / = + - @")
  .refine((k) => !k.toLowerCase().startsWith("aws:"), { message: "tag keys must not start with 'aws:'" })
  .refine((k) => !["project", "stack", "managed-by"].includes(k), {
    message: "project, stack and managed-by are set by the program and cannot be overridden",
  });

export const stackSchema = z.strictObject({
  /** Environment tier; decides the mandatory safety rules. */
  environment: z.enum(ENVIRONMENTS, { message: `must be one of ${ENVIRONMENTS.join(", ")}` }),
  /** Protect stateful resources (data and DAG buckets, ECR, feature group, model registry). @default true */
  protect: z.boolean().default(true),
  /** Extra tags on every resource. @default {} */
  tags: z.record(tagKey, z.string().max(256)).default({}),
  network: networkSettings.prefault({}),
  edgeFleet: edgeFleetSettings
    .safeExtend({
      /**
       * Give the stack an edge fleet (IoT thing groups, policies, provisioning, Greengrass components and deployment).
       * Stack-level, not the fleet's own: index.ts decides whether to construct EdgeFleet at all. @default true
       */
      enabled: z.boolean().default(true),
    })
    .prefault({}),
  inference: inferenceSettings.prefault({}),
  airflow: airflowSettings.prefault({}),
  training: trainingSettings.prefault({}),
  observability: observabilitySettings.prefault({}),
});

export type StackSettings = z.infer<typeof stackSchema>;
export type NetworkConfig = StackSettings["network"];
export type EdgeFleetConfig = StackSettings["edgeFleet"];
export type InferenceConfig = StackSettings["inference"];
export type AirflowConfig = StackSettings["airflow"];
export type TrainingConfig = StackSettings["training"];
export type ObservabilityConfig = StackSettings["observability"];

/** The validated config of one stack, plus what Pulumi itself knows about it. */
export interface StackConfig extends StackSettings {
  readonly project: string;
  readonly stack: string;
  readonly region: string;
}

/** Config keys this program reads (the top level of the `edge-mlops:` namespace). */
export const CONFIG_KEYS = Object.keys(stackSchema.shape) as readonly (keyof StackSettings)[];

// ---- the prod tier's mandatory rules ------------------------------------------------------------------------------
// Rules inside one component (cpu/memory pairs, worker counts, device groups) live in that component's args schema;
// these are the rules an environment tier adds on top.

type Rule = (c: StackSettings) => [path: string, problem: string] | undefined;

const prodRequires = (path: string, broken: (c: StackSettings) => boolean, problem: string): Rule => (c) =>
  c.environment === "prod" && broken(c) ? [path, `${problem} when environment is prod`] : undefined;

const rules: Rule[] = [
  prodRequires("protect", (c) => !c.protect, "must be true"),
  prodRequires("network.natGateways", (c) => c.network.natGateways !== "onePerAz", "must be onePerAz (a single NAT gateway is a single point of failure)"),
  prodRequires("inference.desiredCount", (c) => c.inference.desiredCount < 2, "must be at least 2"),
  prodRequires("inference.loadBalancer.deletionProtection", (c) => !c.inference.loadBalancer.deletionProtection, "must be true"),
  // Closed by default: an internet-facing load balancer without authentication or WAF is opened by name, never in prod.
  (c) =>
    !c.inference.loadBalancer.internal && c.inference.loadBalancer.public?.allowUnauthenticated !== true && c.environment !== "prod"
      ? ["inference.loadBalancer.internal", "is false (internet-facing) without authentication or a WAF web ACL: set internal true, or open it on purpose with loadBalancer.public.allowUnauthenticated true"]
      : undefined,
  prodRequires("inference.loadBalancer.internal", (c) => !c.inference.loadBalancer.internal, "must be true (the component builds no authentication or WAF web ACL for an internet-facing load balancer)"),
  prodRequires("airflow.webserverAccessMode", (c) => c.airflow.webserverAccessMode !== "PRIVATE_ONLY", "must be PRIVATE_ONLY"),
  prodRequires("training.modelApproval", (c) => c.training.modelApproval !== "PendingManualApproval", "must be PendingManualApproval"),
  prodRequires("training.includeExecutionData", (c) => c.training.includeExecutionData, "must be false (execution data may hold training data)"),
  prodRequires("edgeFleet.allowGeneratedKeys", (c) => c.edgeFleet.allowGeneratedKeys, "must be false (private keys would be stored in state)"),
  prodRequires("observability.auditFrequency", (c) => c.observability.auditFrequency !== "DAILY", "must be DAILY"),
  prodRequires(
    "observability.notifications",
    (c) => c.observability.notifications.emails.length + c.observability.notifications.httpsEndpoints.length === 0,
    "must name at least one email or HTTPS endpoint (alarms nobody receives help no one)",
  ),
  (c) =>
    c.environment === "dev" && c.airflow.enabled && c.airflow.maxWorkers > 2
      ? ["airflow.maxWorkers", "must be at most 2 in dev (MWAA bills every hour)"]
      : undefined,
];

// ---- entry points -------------------------------------------------------------------------------------------------

/**
 * Validates a stack's `edge-mlops:` settings (keys without the namespace, values already parsed from YAML/JSON).
 * Returns the settings with defaults applied; throws a ConfigError naming the first bad key otherwise.
 */
export function parseStackSettings(raw: Record<string, unknown>): StackSettings {
  const result = stackSchema.safeParse(raw);
  if (!result.success) {
    const [path, problem] = firstIssue(result.error, raw);
    throw new ConfigError(`${PROJECT}:${path}`, problem);
  }
  for (const rule of rules) {
    const broken = rule(result.data);
    if (broken) throw new ConfigError(`${PROJECT}:${broken[0]}`, broken[1]);
  }
  return result.data;
}

/**
 * Validates the whole config of a stack as Pulumi holds it: a flat map of `namespace:key` to string values, where
 * object values are JSON (the shape of `pulumi.runtime.allConfig()`).
 */
export function parseStackConfig(all: Record<string, string>, project: string, stack: string): StackConfig {
  const region = all["aws:region"];
  if (region === undefined) throw new ConfigError("aws:region", "is required; set it with `pulumi config set aws:region <region>`");
  if (!AWS_REGION.test(region)) throw new ConfigError("aws:region", `'${region}' is not an AWS region name such as eu-west-1`);
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(all)) {
    if (!fullKey.startsWith(`${PROJECT}:`)) continue;
    raw[fullKey.slice(PROJECT.length + 1)] = parseValue(value);
  }
  const settings = parseStackSettings(raw);
  const f = settings.edgeFleet;
  if (f.enabled && f.provisioning.enabled && !f.rootGroupName && !f.provisioning.templateName && defaultRootGroupName(stack).length > 30) {
    throw new ConfigError(`${PROJECT}:edgeFleet.rootGroupName`, `the default '${defaultRootGroupName(stack)}' is over 30 characters; set rootGroupName or provisioning.templateName`);
  }
  return { project, stack, region, ...settings };
}

/** Pulumi hands every config value over as a string; objects, numbers and booleans arrive as JSON. */
function parseValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Reads and validates the running stack's config. Throws ConfigError before anything else happens. */
export function loadStackConfig(): StackConfig {
  return parseStackConfig(pulumi.runtime.allConfig(), pulumi.getProject(), pulumi.getStack());
}
