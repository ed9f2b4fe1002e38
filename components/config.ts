// The stack config: the `edge-mlops:` namespace of a stack file (Pulumi.<stack>.yaml), validated once before any
// resource is registered. Each section is a component's own args schema (components/<name>/args.ts), so a default,
// range or rule is stated once, in the component; this module adds only what is stack-level: the environment tier,
// protection and tags, the prod tier's mandatory rules, and reading Pulumi's config — which namespaces and keys
// exist, which region, which values are secrets, whether the VPC range keeps apart from the project's other stacks,
// and whether the CSR files the config names are there and are CSRs.
//
// A bad value raises a ConfigError whose message is the single line
// `config error: edge-mlops:<key>.<path>: <what is wrong, what is allowed>` (for other namespaces the key as given,
// e.g. `aws:region`).
import * as fs from "node:fs";
import * as path from "node:path";
import * as awsConfig from "@pulumi/aws/config/vars";
import * as awsNativeConfig from "@pulumi/aws-native/config/vars";
import * as dockerConfig from "@pulumi/docker/config/vars";
import * as pulumi from "@pulumi/pulumi";
import * as tlsConfig from "@pulumi/tls/config/vars";
import { closest } from "fastest-levenshtein";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { ENVIRONMENTS } from "../contracts/environments";
import { PROJECT } from "../contracts/project";
import { ConfigError, firstIssue, formatPath, SECRET_PLACEHOLDER } from "./args";
import { airflowSettings } from "./airflow-environment/args";
import { csrFileProblem } from "./csr";
import { defaultRootGroupName, edgeFleetSettings } from "./edge-fleet/args";
import { IOT_LOG_GROUP_MODES } from "./edge-fleet/audit-args";
import { inferenceSettings } from "./inference-service/args";
import { blocksOverlap, networkSettings, parseIpv4Block } from "./network/args";
import { observabilitySettings } from "./observability/args";
import { AWS_REGIONS, regionProblem } from "./regions";
import { releaseWorkflowSettings } from "./release-workflow/args";
import { trainingSettings } from "./training-workflow/args";

export { ConfigError, PROJECT };

const tagKey = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u, "tag keys may use letters, digits, spaces and _ . : / = + - @")
  .refine((k) => !k.toLowerCase().startsWith("aws:"), { message: "tag keys must not start with 'aws:'" })
  .refine((k) => !["project", "stack", "managed-by"].includes(k), {
    message: "project, stack and managed-by are set by the program and cannot be overridden",
  });

/**
 * The settings that exist once per AWS account and region, not once per stack: AWS IoT's audit configuration and
 * scheduled audit, its v2 logging options, its event configuration (JOB_EXECUTION events), the log group
 * `AWSIotLogsV2`, and (once per account) ECS's service-linked role. Exactly one stack per account and region owns
 * them (`owner: true`); every other stack sharing the account leaves them alone, as a stack in an account of its own
 * owns them too. Creating one that another stack made fails (or, for the IoT settings, silently overwrites it).
 */
export const accountSettings = z
  .strictObject({
    /** This stack creates and keeps the account's settings above. @default false (another stack, or nobody, does) */
    owner: z.boolean().default(false),
    /**
     * How the owner holds `AWSIotLogsV2`: "create" where IoT v2 logging was never on in the account and region,
     * "import" where the group exists, "unmanaged" to leave it to IoT (IOT_LOG_GROUP_MODES,
     * components/edge-fleet/audit-args.ts). Only with owner true. @default "create" (for the owner)
     */
    iotLogGroup: z.enum(IOT_LOG_GROUP_MODES).optional(),
    /**
     * Create ECS's service-linked role AWSServiceRoleForECS (iam.ServiceLinkedRole for ecs.amazonaws.com) and make the
     * cluster wait for it. ECS creates the role itself on first use, but a cluster and service created in the same
     * deployment can race it ("Unable to assume the service linked role"). Only where the role does not exist yet:
     * CreateServiceLinkedRole fails on an existing one, and the provider does not adopt it. Kept on delete: other
     * stacks' clusters use it. Only with owner true. @default false (the role exists, or ECS makes it)
     */
    ecsServiceLinkedRole: z.boolean().default(false),
  })
  .superRefine((a, ctx) => {
    const ownerOnly = (key: string) =>
      ctx.addIssue({ code: "custom", path: [key], message: "applies only to the stack that owns the account's settings: set accountSettings.owner true here, or remove it" });
    if (!a.owner && a.iotLogGroup !== undefined) ownerOnly("iotLogGroup");
    if (!a.owner && a.ecsServiceLinkedRole) ownerOnly("ecsServiceLinkedRole");
  });

/** The schema of the `edge-mlops:` namespace: one section per component, each the component's own args schema. */
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
  /** The release workflow: automatic releases of Approved model packages, the cloud rollout's checks. */
  release: releaseWorkflowSettings.prefault({}),
  observability: observabilitySettings.prefault({}),
  accountSettings: accountSettings.prefault({}),
});

export type StackSettings = z.infer<typeof stackSchema>;
export type NetworkConfig = StackSettings["network"];
export type EdgeFleetConfig = StackSettings["edgeFleet"];
export type InferenceConfig = StackSettings["inference"];
export type AirflowConfig = StackSettings["airflow"];
export type TrainingConfig = StackSettings["training"];
export type ReleaseConfig = StackSettings["release"];
export type ObservabilityConfig = StackSettings["observability"];
export type AccountSettingsConfig = StackSettings["accountSettings"];

/** The validated config of one stack, plus what Pulumi itself knows about it. */
export interface StackConfig extends StackSettings {
  readonly project: string;
  readonly stack: string;
  readonly region: string;
  /**
   * Top-level keys of the `edge-mlops:` namespace whose value is a secret (set with `pulumi config set --secret` or
   * holding a `secure:` value), e.g. `["observability"]`. The program passes the fields of SECRET_FIELDS inside them
   * on as `pulumi.secret`.
   */
  readonly secretKeys: readonly string[];
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
  // Only the stack that owns the account's settings schedules the audit.
  prodRequires("observability.auditFrequency", (c) => c.accountSettings.owner && c.observability.auditFrequency !== "DAILY", "must be DAILY"),
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


// ---- namespaces and keys ------------------------------------------------------------------------------------------

/**
 * The settings of the providers this program creates resources with, by config namespace: each package's generated
 * `config/vars` module declares one export per setting its provider reads (`aws:region`, `aws:profile`, …).
 */
export const PROVIDER_CONFIG_KEYS: Readonly<Record<string, readonly string[]>> = {
  aws: Object.keys(awsConfig),
  "aws-native": Object.keys(awsNativeConfig),
  docker: Object.keys(dockerConfig),
  tls: Object.keys(tlsConfig),
};

/**
 * Pulumi's own keys, read by the engine: default providers switched off, the auto-naming pattern, stack tags
 * (pulumi/pulumi: `pkg/resource/deploy`, `ParseAutonamingConfig`, the `pulumi:tags` of project templates).
 */
export const PULUMI_CONFIG_KEYS = ["disable-default-providers", "autonaming", "tags"] as const;

/** Every `namespace:key` this program or Pulumi reads. */
function validKeys(): string[] {
  return [
    ...CONFIG_KEYS.map((k) => `${PROJECT}:${k}`),
    ...PULUMI_CONFIG_KEYS.map((k) => `pulumi:${k}`),
    ...Object.entries(PROVIDER_CONFIG_KEYS).flatMap(([ns, keys]) => keys.map((k) => `${ns}:${k}`)),
  ];
}

/** The valid key nearest to `fullKey`; a key without a namespace is compared with the keys alone (the project's first). */
function nearestKey(fullKey: string): string {
  const candidates = validKeys();
  if (fullKey.includes(":")) return closest(fullKey, candidates);
  const keys = candidates.map((c) => c.slice(c.indexOf(":") + 1));
  return candidates[keys.indexOf(closest(fullKey, keys))];
}

/**
 * Rejects a key nothing reads: a namespace other than the project's, Pulumi's and the providers' (a typo such as
 * `edge-mlop:inference` would otherwise be ignored without a word), or a key its provider or Pulumi does not have.
 * Keys of the project's own namespace are judged by the schema.
 */
function checkKeys(all: Record<string, string>): void {
  const namespaces = [PROJECT, "pulumi", ...Object.keys(PROVIDER_CONFIG_KEYS)];
  for (const fullKey of Object.keys(all)) {
    const colon = fullKey.indexOf(":");
    const [ns, key] = colon < 0 ? ["", fullKey] : [fullKey.slice(0, colon), fullKey.slice(colon + 1)];
    if (ns === PROJECT) continue;
    const nearest = `did you mean '${nearestKey(fullKey)}'?`;
    if (!namespaces.includes(ns)) {
      const what = colon < 0 ? "has no namespace" : `unknown config namespace '${ns}'`;
      throw new ConfigError(fullKey, `${what} (${nearest} this program reads ${namespaces.map((n) => `${n}:`).join(", ")})`);
    }
    const known: readonly string[] = ns === "pulumi" ? PULUMI_CONFIG_KEYS : PROVIDER_CONFIG_KEYS[ns];
    if (!known.includes(key)) throw new ConfigError(fullKey, `is not a setting ${ns === "pulumi" ? "of Pulumi" : `of the ${ns} provider`} (${nearest})`);
  }
}

/** Checks `aws:region`: a region `aws.Provider` accepts, where everything the program needs is published. */
function checkRegion(region: string | undefined): string {
  if (region === undefined) throw new ConfigError("aws:region", "is required; set it with `pulumi config set aws:region <region>`");
  if (!AWS_REGIONS.includes(region)) {
    throw new ConfigError("aws:region", `is not a region aws.Provider accepts (@pulumi/aws Region enum; did you mean '${closest(region, AWS_REGIONS)}'?), got ${JSON.stringify(region)}`);
  }
  const problem = regionProblem(region);
  if (problem) throw new ConfigError("aws:region", problem);
  return region;
}

// ---- secrets ------------------------------------------------------------------------------------------------------

/** A field path with `*` for any key and `#` for any list index. */
type FieldPattern = readonly (string | "*" | "#")[];

/**
 * The fields that may hold a secret: the program passes them on as `pulumi.secret` (index.ts), so they stay encrypted
 * in the state and show as `[secret]` in a preview. Where a secret cannot be decrypted (the offline plan) it reads
 * as SECRET_PLACEHOLDER; a field whose shape is checked then takes a stand-in of that shape for the check (the
 * placeholder is put back after), as the real value cannot be judged. Any other field is checked by shape and is not
 * passed on as a secret, so it may not be one.
 */
export const SECRET_FIELDS: readonly { readonly path: FieldPattern; readonly standIn?: (index: number) => string }[] = [
  { path: ["tags", "*"] },
  // .invalid is reserved never to resolve (RFC 2606); the index keeps stand-ins of one list distinct.
  { path: ["observability", "notifications", "emails", "#"], standIn: (i) => `secret-${i}@secret.invalid` },
  { path: ["observability", "notifications", "httpsEndpoints", "#"], standIn: (i) => `https://secret-${i}.invalid/` },
];

const describePattern = (p: FieldPattern) => p.reduce<string>((acc, s) => (s === "#" ? `${acc}[]` : `${acc}${acc ? "." : ""}${s === "*" ? "<key>" : s}`), "");

function matches(pattern: FieldPattern, p: readonly PropertyKey[]): boolean {
  return pattern.length === p.length && pattern.every((s, i) => (s === "#" ? typeof p[i] === "number" : s === "*" ? typeof p[i] === "string" : s === p[i]));
}

/** Paths of every string that is SECRET_PLACEHOLDER inside `value`. */
function placeholders(value: unknown, at: PropertyKey[] = []): PropertyKey[][] {
  if (value === SECRET_PLACEHOLDER) return [at];
  if (Array.isArray(value)) return value.flatMap((v, i) => placeholders(v, [...at, i]));
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => placeholders(v, [...at, k]));
  return [];
}

function setAt(root: unknown, p: readonly PropertyKey[], value: unknown): void {
  let parent = root as Record<PropertyKey, unknown>;
  for (const key of p.slice(0, -1)) parent = parent[key] as Record<PropertyKey, unknown>;
  parent[p[p.length - 1]] = value;
}

/**
 * The settings with secrets judged: SECRET_PLACEHOLDER is taken only in a SECRET_FIELDS field of a secret key
 * (`secretKeys`: top-level keys without the namespace); elsewhere it is an error naming the key.
 */
function parseWithSecrets(raw: Record<string, unknown>, secretKeys: ReadonlySet<string>): StackSettings {
  const found = placeholders(raw);
  const input = structuredClone(raw);
  for (const p of found) {
    const key = `${PROJECT}:${formatPath(p)}`;
    const top = String(p[0]);
    if (!secretKeys.has(top)) {
      throw new ConfigError(
        key,
        `is the text "${SECRET_PLACEHOLDER}", which stands for a secret value, but ${PROJECT}:${top} holds no secret; give the value itself (\`pulumi config set --secret --path '${key}' <value>\` keeps it secret)`,
      );
    }
    const field = SECRET_FIELDS.find((f) => matches(f.path, p));
    if (!field) {
      throw new ConfigError(
        key,
        `is a secret, which only ${SECRET_FIELDS.map((f) => describePattern(f.path)).join(", ")} may be (those are passed on as secrets; this one would reach the state in plain text): store it as plain text`,
      );
    }
    if (field.standIn) setAt(input, p, field.standIn(Number(p[p.length - 1])));
  }
  const settings = parseStackSettings(input);
  for (const p of found) setAt(settings, p, SECRET_PLACEHOLDER);
  return settings;
}

/** Config keys Pulumi holds as secrets (`pulumi.runtime`'s record of the stack's secret keys). */
function pulumiSecretKeys(all: Record<string, string>): string[] {
  // `isConfigSecret` is what the SDK's own Config uses; it is not in the published typings.
  const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean }).isConfigSecret;
  if (typeof isConfigSecret !== "function") throw new Error("@pulumi/pulumi has no runtime.isConfigSecret: the stack config cannot tell which keys are secrets");
  return Object.keys(all).filter((k) => isConfigSecret(k));
}

// ---- the project's other stacks ------------------------------------------------------------------------------------

/** The repository root, where Pulumi.yaml and the stack files are, and where CSR paths resolve. */
export const PROJECT_DIR = path.resolve(__dirname, "..");

/** The VPC range of every other stack file of the project (`Pulumi.<stack>.yaml` in `projectDir`). */
function otherStackRanges(projectDir: string, stack: string): { stack: string; file: string; cidrBlock: string }[] {
  const out: { stack: string; file: string; cidrBlock: string }[] = [];
  for (const file of fs.readdirSync(projectDir).sort()) {
    const other = /^Pulumi\.(.+)\.ya?ml$/.exec(file)?.[1];
    if (other === undefined || other === stack) continue;
    let document: { config?: Record<string, unknown> } | null;
    try {
      document = parseYaml(fs.readFileSync(path.join(projectDir, file), "utf8")) as typeof document;
    } catch (e) {
      throw new ConfigError(`${PROJECT}:network.cidrBlock`, `cannot be compared with stack '${other}': ${file} is not valid YAML (${(e as Error).message.split("\n")[0]})`);
    }
    const network = document?.config?.[`${PROJECT}:network`] ?? document?.config?.network;
    const given = network !== null && typeof network === "object" ? (network as Record<string, unknown>).cidrBlock : undefined;
    // A secret or malformed range of another stack is that stack's error, not this one's.
    const cidrBlock = given === undefined ? networkSettings.shape.cidrBlock.parse(undefined) : given;
    if (typeof cidrBlock === "string") out.push({ stack: other, file, cidrBlock });
  }
  return out;
}

/** Every stack of the project needs its own VPC range: peering, Transit Gateway and VPN routes need disjoint ones. */
function checkRangeApart(cidrBlock: string, projectDir: string, stack: string): void {
  const mine = parseIpv4Block(cidrBlock);
  if (!mine) return; // the network schema has said what is wrong with it
  for (const other of otherStackRanges(projectDir, stack)) {
    const theirs = parseIpv4Block(other.cidrBlock);
    if (theirs && blocksOverlap(mine, theirs)) {
      throw new ConfigError(
        `${PROJECT}:network.cidrBlock`,
        `overlaps ${other.cidrBlock} of stack '${other.stack}' (${other.file}); each stack of the project needs its own range (VPC peering, Transit Gateway and VPN routes need disjoint ones), got ${JSON.stringify(cidrBlock)}`,
      );
    }
  }
}

/** The CSR files the edge fleet reads: each must be there and be one valid CSR. */
function checkCsrFiles(settings: StackSettings, projectDir: string): void {
  const files: [path: string, file: string | undefined][] = [
    ...settings.edgeFleet.devices.map((d, i) => [`edgeFleet.devices[${i}].csrFile`, d.csrFile] as [string, string | undefined]),
    ["edgeFleet.provisioning.claimCsrFile", settings.edgeFleet.provisioning.claimCsrFile],
  ];
  for (const [key, file] of files) {
    const problem = file === undefined ? undefined : csrFileProblem(projectDir, file);
    if (problem) throw new ConfigError(`${PROJECT}:${key}`, `${problem}, got ${JSON.stringify(file)}`);
  }
}

// ---- entry points -------------------------------------------------------------------------------------------------

/**
 * Validates a stack's `edge-mlops:` settings (keys without the namespace, values already parsed from YAML/JSON).
 * Returns the settings with defaults applied; throws a ConfigError naming the first bad key otherwise.
 */
export function parseStackSettings(raw: Record<string, unknown>): StackSettings {
  const observability = raw.observability;
  if (observability !== null && typeof observability === "object" && "fleetAudit" in observability) {
    throw new ConfigError(
      `${PROJECT}:observability.fleetAudit`,
      "is no longer read: the one stack per account and region that owns the account's IoT audit, logging and events sets accountSettings.owner true (default false)",
    );
  }
  const result = stackSchema.safeParse(raw);
  if (!result.success) {
    const [path, problem] = firstIssue(result.error, raw, stackSchema);
    throw new ConfigError(`${PROJECT}:${path}`, problem);
  }
  // The account's IoT logging level and audit frequency are read only where the stack owns the account's settings.
  if (!result.data.accountSettings.owner && observability !== null && typeof observability === "object") {
    const unread = ["iotLogLevel", "auditFrequency"].find((k) => k in observability);
    if (unread) {
      throw new ConfigError(
        `${PROJECT}:observability.${unread}`,
        "applies only to the stack that owns the account's settings (accountSettings.owner true); this stack creates no IoT logging or audit, so nothing reads it: remove it",
      );
    }
  }
  for (const rule of rules) {
    const broken = rule(result.data);
    if (broken) throw new ConfigError(`${PROJECT}:${broken[0]}`, broken[1]);
  }
  return result.data;
}

export interface StackConfigOptions {
  /** Full keys (`edge-mlops:observability`) Pulumi holds as secrets. @default [] */
  readonly secretKeys?: readonly string[];
  /** Where the project's stack files are and CSR paths resolve. @default PROJECT_DIR */
  readonly projectDir?: string;
}

/**
 * Validates the whole config of a stack as Pulumi holds it: a flat map of `namespace:key` to string values, where
 * object values are JSON (the shape of `pulumi.runtime.allConfig()`).
 */
export function parseStackConfig(all: Record<string, string>, project: string, stack: string, options: StackConfigOptions = {}): StackConfig {
  const projectDir = options.projectDir ?? PROJECT_DIR;
  checkKeys(all);
  const region = checkRegion(all["aws:region"]);
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(all)) {
    if (!fullKey.startsWith(`${PROJECT}:`)) continue;
    raw[fullKey.slice(PROJECT.length + 1)] = parseValue(value);
  }
  const secretKeys = (options.secretKeys ?? []).filter((k) => k.startsWith(`${PROJECT}:`)).map((k) => k.slice(PROJECT.length + 1));
  const settings = parseWithSecrets(raw, new Set(secretKeys));
  const f = settings.edgeFleet;
  if (f.enabled && f.provisioning.enabled && !f.rootGroupName && !f.provisioning.templateName && defaultRootGroupName(stack).length > 30) {
    throw new ConfigError(`${PROJECT}:edgeFleet.rootGroupName`, `the default '${defaultRootGroupName(stack)}' is over 30 characters; set rootGroupName or provisioning.templateName`);
  }
  checkRangeApart(settings.network.cidrBlock, projectDir, stack);
  checkCsrFiles(settings, projectDir);
  return { project, stack, region, secretKeys: secretKeys.filter((k) => k in raw), ...settings };
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
  const all = pulumi.runtime.allConfig();
  return parseStackConfig(all, pulumi.getProject(), pulumi.getStack(), { secretKeys: pulumiSecretKeys(all) });
}
