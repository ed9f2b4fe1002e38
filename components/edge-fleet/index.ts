// The edge fleet: Greengrass v2 core devices of one stack. A root thing group (and child groups for sites and
// hardware revisions), a token exchange role behind an IoT role alias, a least-privilege core device policy,
// prototype devices registered statically, fleet provisioning by claim with a pre-provisioning hook for production
// devices, the two Greengrass components (the docker-compose hub app and the inference service's image) and one
// deployment to the root group that rolls out slowly, cancels itself on failures and rolls devices back.
//
// Fleet provisioning by claim (production), when no claim CSR is given:
// the claim private key must never enter Pulumi state, so the component creates the claim policy but no claim
// certificate. An operator makes the claim key where it will live (a factory HSM or a secured workstation), then
//   sh edge/device-csr.sh -o claim edge-mlops-claim-<stack>        # claim/<name>.key.pem stays there
//   aws iot create-certificate-from-csr --set-as-active \
//       --certificate-signing-request file://claim/edge-mlops-claim-<stack>.csr.pem   # prints certificateArn
//   aws iot attach-policy --policy-name <EdgeFleet.claimPolicyName> --target <certificateArn>
// or sets `provisioning.claimCsrFile` to the CSR so the stack registers the certificate (a CSR holds no secret).
// While provisioning, a device connects with the client id `edge-mlops-claim-<serial number>` (the Greengrass fleet
// provisioning plugin's `deviceId`): the claim policy admits no other client id.
//
// Monitoring (components/observability/contract.ts, ./monitoring.ts): given `monitoring`, the fleet forwards Greengrass
// deployment failures (an EventBridge rule) and failing IoT job executions (an IoT topic rule) to the alarm topic and
// alarms when EventBridge cannot deliver; `widgets` is its part of the dashboard.
import * as fs from "node:fs";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as awsNative from "@pulumi/aws-native";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { ENVIRONMENTS, type Environment } from "../../contracts/environments";
import { LOG_RETENTION_DAYS } from "../../contracts/log-retention";
import { LambdaFunction } from "../lambda-function";
import { createAlarm } from "../observability/alarms";
import type { Monitored } from "../observability/contract";
import type { Widget } from "../observability/widgets";
import { SecureBucket } from "../secure-bucket";
import {
  deploymentComponents,
  deploymentName,
  deploymentPolicies,
  iotJobConfiguration,
  type DeploymentSettings,
} from "./deployment";
import {
  deploymentFailureMessage,
  deploymentFailurePattern,
  edgeAlarmSpecs,
  edgeWidgets,
  IOT_SQL_VERSION,
  jobEventsPublishPolicy,
  jobEventsTrustPolicy,
  jobExecutionEventConfigurations,
  jobFailureRuleName,
  jobFailureRuleSql,
  resolveEdgeFleetMonitoring,
  type EdgeFleetMonitoringArgs,
  type EdgeFleetMonitoringSettings,
} from "./monitoring";
import { describeValue, isSemver, validateComponentVersion, validateProvisioningTemplateName, validateThingGroupName, validateThingName } from "../../contracts/iot-names";
import {
  claimPolicy,
  coreDevicePolicy,
  GREENGRASS_LOG_GROUP_ROOT,
  provisioningTrustPolicy,
  tokenExchangeRolePolicy,
  tokenExchangeTrustPolicy,
  type AccountScope,
} from "./policies";
import { provisioningTemplateBody } from "./provisioning";
import { COMPOSE_APP_COMPONENT_NAME, COMPOSE_FILE_NAME, composeAppRecipe, HUB_IMAGES, inferenceRecipe, serializeRecipe } from "./recipes";
import { MAX_COMMON_NAME_LENGTH, StaticDevice } from "./static-device";

export { StaticDevice } from "./static-device";
export {
  deploymentFailureMessage,
  deploymentFailurePattern,
  edgeAlarmSpecs,
  edgeWidgets,
  jobEventsPublishPolicy,
  jobEventsTrustPolicy,
  jobExecutionEventConfigurations,
  jobFailureRuleName,
  jobFailureRuleSql,
  resolveEdgeFleetMonitoring,
  type EdgeFleetMonitoringArgs,
} from "./monitoring";

/** The repository root: where `csrFile` paths resolve unless `csrBaseDir` says otherwise. */
export const REPOSITORY_ROOT = path.resolve(__dirname, "..", "..");
/** The hub app's compose file, uploaded as the compose component's artifact. */
export const COMPOSE_FILE = path.join(REPOSITORY_ROOT, "edge", "compose", COMPOSE_FILE_NAME);
/** Key prefix of every component artifact in the artifact bucket; the token exchange role reads only below it. */
export const ARTIFACT_PREFIX = "artifacts/";
/** Port the inference service listens on, in the cloud and on the devices. */
export const INFERENCE_PORT = 5000;
/** Payload version of the pre-provisioning hook; the only one AWS IoT offers. */
export const HOOK_PAYLOAD_VERSION = "2020-04-01";
/** AWS IoT waits 5 seconds for a pre-provisioning hook. */
export const HOOK_TIMEOUT_SECONDS = 5;

export interface ChildGroupArgs {
  /** Thing group name (`[a-zA-Z0-9:_-]`, 1 to 128). */
  readonly name: string;
  /** What the group stands for; stored as its `kind` attribute. */
  readonly kind: "site" | "hardware";
  /** @default none */
  readonly description?: string;
}

export interface DeviceArgs {
  /** Thing name (`[a-zA-Z0-9:_-]`, 1 to 128). */
  readonly name: string;
  /** A child group to join besides the root group. @default none (root group only) */
  readonly group?: string;
  /** PEM CSR made on the device (`edge/device-csr.sh`), relative to `csrBaseDir`. Required unless allowGeneratedKeys. */
  readonly csrFile?: string;
}

export interface ProvisioningArgs {
  /** Fleet provisioning by claim with a pre-provisioning hook. @default true */
  readonly enabled?: boolean;
  /** Serial numbers the hook admits, matched against the whole serial number. @default "^[A-Z0-9]{8,20}$" */
  readonly serialNumberPattern?: string;
  /** Name of the provisioning template (`[0-9A-Za-z_-]`, 1 to 36). @default "<rootGroupName>-fleet" */
  readonly templateName?: string;
  /**
   * PEM CSR of the claim certificate, relative to `csrBaseDir`. Without it the claim certificate is generated into
   * state when allowGeneratedKeys (never in prod), or left to an operator (see the top of this file).
   * @default none
   */
  readonly claimCsrFile?: string;
  /**
   * Devices send their own CSR when they provision (`CreateCertificateFromCsr`, e.g. the Greengrass provisioning
   * plugin's `csrPath`) instead of asking AWS IoT for a key pair; the claim policy allows only the matching topics.
   * @default false
   */
  readonly devicesUseCsr?: boolean;
}

export interface ComponentVersionsArgs {
  /** Version of the docker-compose hub component; bump it whenever its recipe or compose file changes. @default "1.0.0" */
  readonly composeVersion?: string;
  /** Version of the inference component; bump it whenever its recipe (image, model) changes. @default "1.0.0" */
  readonly inferenceVersion?: string;
}

export interface GreengrassVersionArgs {
  /** @default "2.14.3" */
  readonly nucleusVersion?: string;
  /** @default "2.0.13" */
  readonly dockerApplicationManagerVersion?: string;
  /** @default "2.0.3" */
  readonly tokenExchangeServiceVersion?: string;
}

export interface FleetDeploymentArgs {
  readonly rollout?: {
    /** Devices notified per minute at most, 1 to 1000. @default 50 */
    readonly maximumPerMinute?: number;
    /** Start at `baseRatePerMinute`, multiply by `incrementFactor` after every `succeededThings` successes. @default none (constant rate) */
    readonly exponential?: { readonly baseRatePerMinute: number; readonly incrementFactor: number; readonly succeededThings: number };
  };
  readonly abort?: {
    /** Cancel once this share (0 to 100, two decimals) of executed devices failed, was rejected or timed out. @default 10 */
    readonly failureThresholdPercentage?: number;
    /** Devices that must have run the deployment before the threshold applies. @default 10 */
    readonly minNumberOfExecutedThings?: number;
  };
  /** A device still in progress after this many minutes (1 to 10080) times out. @default 60 */
  readonly timeoutMinutes?: number;
  /** How long running components may defer an update (NOTIFY_COMPONENTS), 1 to 3600 s. @default 60 */
  readonly componentUpdateTimeoutSeconds?: number;
  /** How long components may take to validate a configuration change, 1 to 3600 s. @default 30 */
  readonly configurationValidationTimeoutSeconds?: number;
}

export interface EdgeFleetArgs {
  /** Stack name; names the default root group `edge-mlops-<stack>`. */
  readonly stack: string;
  /** Environment tier. prod forbids keys generated into state. */
  readonly environment: Environment;
  /** Root thing group of the stack; every device joins it and the deployment targets it. @default "edge-mlops-<stack>" */
  readonly rootGroupName?: string;
  /** Child groups (sites, hardware revisions) under the root group. @default [] */
  readonly childGroups?: readonly ChildGroupArgs[];
  /** Lifetime of the credentials the role alias hands out, 900 to 43200 s. @default 3600 */
  readonly credentialDurationSeconds?: number;
  /** Allow private keys generated into Pulumi state (prototypes only; never prod). @default false */
  readonly allowGeneratedKeys?: boolean;
  /** Statically registered prototype devices. @default [] */
  readonly devices?: readonly DeviceArgs[];
  /** @default { enabled: true } */
  readonly provisioning?: ProvisioningArgs;
  /** @default { composeVersion: "1.0.0", inferenceVersion: "1.0.0" } */
  readonly components?: ComponentVersionsArgs;
  /** Versions of the public Greengrass components the deployment pins. @default the versions above */
  readonly greengrass?: GreengrassVersionArgs;
  /** Rollout, abort, timeout and update policies of the deployment. @default the values above */
  readonly deployment?: FleetDeploymentArgs;
  /** Image of the inference service in private ECR, `<account>.dkr.ecr.<region>.amazonaws.com/<repo>@sha256:<digest>` (or `docker:` + that). */
  readonly inferenceImage: pulumi.Input<string>;
  /** ECR repositories devices may pull from; must include the inference image's repository. */
  readonly ecrRepositoryArns: pulumi.Input<pulumi.Input<string>[]>;
  /** `s3://bucket/key` of the model the devices load (readable through the token exchange role). @default the image's built-in model */
  readonly modelUri?: pulumi.Input<string | undefined>;
  /** Protect the component artifact bucket. @default false */
  readonly protect?: boolean;
  /** Days the provisioning hook's log group keeps logs (a CloudWatch Logs retention value). @default 30 */
  readonly logRetentionDays?: number;
  /** Reserved concurrency of the provisioning hook, 1 to 1000. @default 5 */
  readonly lambdaReservedConcurrency?: number;
  /** Directory `csrFile` and `claimCsrFile` paths are relative to. @default the repository root */
  readonly csrBaseDir?: string;
  /**
   * The stack's alarm topic (and its key) and thresholds: with it, Greengrass deployment failures and failing IoT job
   * executions reach the topic, and an alarm says when EventBridge cannot deliver them.
   * @default undefined (fleet events reach no topic; the dashboard widgets still exist)
   */
  readonly monitoring?: EdgeFleetMonitoringArgs;
}

/** How a static device's certificate is made. */
export type DeviceKey = { readonly kind: "csr"; readonly file: string; readonly pem: string } | { readonly kind: "generated" };

/** How the claim certificate is made, if at all. */
export type ClaimCertificate = DeviceKey | { readonly kind: "none" };

export type ProvisioningSettings =
  | { readonly enabled: false }
  | {
      readonly enabled: true;
      readonly serialNumberPattern: string;
      readonly templateName: string;
      readonly claim: ClaimCertificate;
      readonly devicesUseCsr: boolean;
    };

/** The settings an EdgeFleet is built from, defaults applied. */
export interface EdgeFleetSettings {
  readonly stack: string;
  readonly environment: Environment;
  readonly rootGroupName: string;
  readonly childGroups: readonly ChildGroupArgs[];
  readonly roleAliasName: string;
  readonly credentialDurationSeconds: number;
  readonly allowGeneratedKeys: boolean;
  readonly devices: readonly { readonly name: string; readonly group?: string; readonly key: DeviceKey }[];
  readonly provisioning: ProvisioningSettings;
  readonly components: { readonly composeVersion: string; readonly inferenceVersion: string };
  readonly greengrass: Required<GreengrassVersionArgs>;
  readonly deployment: DeploymentSettings;
  readonly protect: boolean;
  readonly logRetentionDays: number;
  readonly lambdaReservedConcurrency: number;
  /** Absent without the `monitoring` arg. */
  readonly monitoring?: EdgeFleetMonitoringSettings;
}

function fail(arg: string, problem: string): never {
  throw new Error(`EdgeFleet: ${arg} ${problem}`);
}

function checkInt(arg: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    fail(arg, `must be an integer from ${min} to ${max}, got ${describeValue(value)}`);
  }
  return value;
}

/** At most `digits` decimals: AWS IoT rejects more for rollout factors and abort thresholds. */
function hasDecimals(value: number, digits: number): boolean {
  const scaled = value * 10 ** digits;
  return Math.abs(scaled - Math.round(scaled)) < 1e-9;
}

const PEM_CSR = /^-----BEGIN CERTIFICATE REQUEST-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END CERTIFICATE REQUEST-----\r?\n?$/;

/**
 * Reads a PEM certificate signing request. Throws naming `arg` when the file is missing, unreadable, holds anything
 * but exactly one CSR, or holds a private key (which must never reach Pulumi state).
 */
export function readCsrFile(arg: string, baseDir: string, file: string): string {
  const full = path.resolve(baseDir, file);
  let text: string;
  try {
    text = fs.readFileSync(full, "utf8");
  } catch (err) {
    fail(arg, `${JSON.stringify(file)} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; resolved to ${full})`);
  }
  if (text.includes("PRIVATE KEY")) {
    fail(arg, `${JSON.stringify(file)} contains a private key; give only the CSR (the key must stay on the device)`);
  }
  const body = PEM_CSR.exec(text.trim() + "\n");
  const der = body ? Buffer.from(body[1].replace(/\s+/g, ""), "base64") : undefined;
  // A DER CSR is an ASN.1 SEQUENCE (tag 0x30) of at least a few dozen bytes.
  if (!der || der.length < 64 || der[0] !== 0x30) {
    fail(arg, `${JSON.stringify(file)} is not a PEM certificate signing request (one -----BEGIN CERTIFICATE REQUEST----- block; make it with edge/device-csr.sh)`);
  }
  return text;
}

/** Validates the args and applies defaults. Throws an Error naming the bad arg; reads the CSR files. */
export function resolveEdgeFleetArgs(args: EdgeFleetArgs): EdgeFleetSettings {
  if (typeof args.stack !== "string" || args.stack === "") fail("stack", "must be the stack's name");
  if (!(ENVIRONMENTS as readonly string[]).includes(args.environment)) {
    fail("environment", `must be one of ${ENVIRONMENTS.join(", ")}, got ${describeValue(args.environment)}`);
  }
  const rootGroupName = args.rootGroupName ?? `edge-mlops-${args.stack}`;
  const rootError = validateThingGroupName(rootGroupName);
  if (rootError) fail("rootGroupName", `is invalid: ${rootError}`);
  // Role alias names allow [\w=,@-]; ':' (valid in group names) becomes '-'.
  const roleAliasName = `${rootGroupName.replace(/:/g, "-")}-token-exchange`;
  if (roleAliasName.length > 128) fail("rootGroupName", `is too long: the role alias "${roleAliasName}" exceeds 128 characters`);

  const childGroups = args.childGroups ?? [];
  const groupNames = new Set<string>([rootGroupName]);
  childGroups.forEach((g, i) => {
    const error = validateThingGroupName(g.name);
    if (error) fail(`childGroups[${i}].name`, `is invalid: ${error}`);
    if (groupNames.has(g.name)) fail(`childGroups[${i}].name`, `"${g.name}" is used twice (group names must be unique, also against rootGroupName)`);
    groupNames.add(g.name);
    if (g.kind !== "site" && g.kind !== "hardware") fail(`childGroups[${i}].kind`, `must be "site" or "hardware", got ${describeValue(g.kind)}`);
    if (g.description !== undefined && (typeof g.description !== "string" || g.description.length > 2028)) {
      fail(`childGroups[${i}].description`, "must be a string of at most 2028 characters");
    }
  });

  const credentialDurationSeconds = checkInt("credentialDurationSeconds", args.credentialDurationSeconds ?? 3600, 900, 43200);
  const allowGeneratedKeys = args.allowGeneratedKeys ?? false;
  if (allowGeneratedKeys && args.environment === "prod") {
    fail("allowGeneratedKeys", "must be false when environment is prod (private keys would be stored in Pulumi state)");
  }
  const baseDir = args.csrBaseDir ?? REPOSITORY_ROOT;

  const deviceNames = new Set<string>();
  const devices = (args.devices ?? []).map((d, i) => {
    const error = validateThingName(d.name);
    if (error) fail(`devices[${i}].name`, `is invalid: ${error}`);
    if (deviceNames.has(d.name)) fail(`devices[${i}].name`, `"${d.name}" is used twice; device names must be unique`);
    deviceNames.add(d.name);
    if (d.group !== undefined && !childGroups.some((g) => g.name === d.group)) {
      fail(`devices[${i}].group`, `"${d.group}" is not one of childGroups (${childGroups.map((g) => g.name).join(", ") || "none"})`);
    }
    let key: DeviceKey;
    if (d.csrFile !== undefined) {
      key = { kind: "csr", file: d.csrFile, pem: readCsrFile(`devices[${i}].csrFile`, baseDir, d.csrFile) };
    } else if (allowGeneratedKeys) {
      if (d.name.length > MAX_COMMON_NAME_LENGTH) {
        fail(`devices[${i}].name`, `is ${d.name.length} characters long; a generated CSR's common name allows ${MAX_COMMON_NAME_LENGTH} (give a csrFile instead)`);
      }
      key = { kind: "generated" };
    } else {
      fail(`devices[${i}].csrFile`, "is required unless allowGeneratedKeys is true (make one on the device with edge/device-csr.sh)");
    }
    return { name: d.name, ...(d.group !== undefined ? { group: d.group } : {}), key };
  });

  const p = args.provisioning ?? {};
  let provisioning: ProvisioningSettings = { enabled: false };
  if (p.enabled ?? true) {
    const serialNumberPattern = p.serialNumberPattern ?? "^[A-Z0-9]{8,20}$";
    try {
      new RegExp(serialNumberPattern);
    } catch (err) {
      fail("provisioning.serialNumberPattern", `is not a valid regular expression: ${(err as Error).message}`);
    }
    if (serialNumberPattern === "") fail("provisioning.serialNumberPattern", "must not be empty");
    const templateName = p.templateName ?? `${rootGroupName}-fleet`;
    const templateError = validateProvisioningTemplateName(templateName);
    if (templateError) {
      fail("provisioning.templateName", `is invalid: ${templateError}${p.templateName === undefined ? ` (derived from rootGroupName; set provisioning.templateName)` : ""}`);
    }
    const claim: ClaimCertificate =
      p.claimCsrFile !== undefined
        ? { kind: "csr", file: p.claimCsrFile, pem: readCsrFile("provisioning.claimCsrFile", baseDir, p.claimCsrFile) }
        : allowGeneratedKeys
          ? { kind: "generated" }
          : { kind: "none" };
    provisioning = { enabled: true, serialNumberPattern, templateName, claim, devicesUseCsr: p.devicesUseCsr ?? false };
  }

  const components = {
    composeVersion: args.components?.composeVersion ?? "1.0.0",
    inferenceVersion: args.components?.inferenceVersion ?? "1.0.0",
  };
  for (const [key, value] of Object.entries(components)) {
    const error = validateComponentVersion(value);
    if (error) fail(`components.${key}`, `is invalid: ${error}`);
  }
  const greengrass = {
    nucleusVersion: args.greengrass?.nucleusVersion ?? "2.14.3",
    dockerApplicationManagerVersion: args.greengrass?.dockerApplicationManagerVersion ?? "2.0.13",
    tokenExchangeServiceVersion: args.greengrass?.tokenExchangeServiceVersion ?? "2.0.3",
  };
  for (const [key, value] of Object.entries(greengrass)) {
    if (!isSemver(value)) fail(`greengrass.${key}`, `must be a semantic version such as 2.0.3, got ${describeValue(value)}`);
  }

  const d = args.deployment ?? {};
  const maximumPerMinute = checkInt("deployment.rollout.maximumPerMinute", d.rollout?.maximumPerMinute ?? 50, 1, 1000);
  const e = d.rollout?.exponential;
  if (e !== undefined) {
    checkInt("deployment.rollout.exponential.baseRatePerMinute", e.baseRatePerMinute, 1, maximumPerMinute);
    if (typeof e.incrementFactor !== "number" || e.incrementFactor < 1.1 || e.incrementFactor > 5 || !hasDecimals(e.incrementFactor, 1)) {
      fail("deployment.rollout.exponential.incrementFactor", `must be from 1.1 to 5 with at most one decimal, got ${describeValue(e.incrementFactor)}`);
    }
    checkInt("deployment.rollout.exponential.succeededThings", e.succeededThings, 1, 1_000_000);
  }
  const threshold = d.abort?.failureThresholdPercentage ?? 10;
  if (typeof threshold !== "number" || !(threshold >= 0 && threshold <= 100) || !hasDecimals(threshold, 2)) {
    fail("deployment.abort.failureThresholdPercentage", `must be from 0 to 100 with at most two decimals, got ${describeValue(threshold)}`);
  }
  const deployment: DeploymentSettings = {
    rollout: {
      maximumPerMinute,
      ...(e ? { exponential: { baseRatePerMinute: e.baseRatePerMinute, incrementFactor: e.incrementFactor, succeededThings: e.succeededThings } } : {}),
    },
    abort: {
      failureThresholdPercentage: threshold,
      minNumberOfExecutedThings: checkInt("deployment.abort.minNumberOfExecutedThings", d.abort?.minNumberOfExecutedThings ?? 10, 1, 1_000_000),
    },
    timeoutMinutes: checkInt("deployment.timeoutMinutes", d.timeoutMinutes ?? 60, 1, 10080),
    componentUpdateTimeoutSeconds: checkInt("deployment.componentUpdateTimeoutSeconds", d.componentUpdateTimeoutSeconds ?? 60, 1, 3600),
    configurationValidationTimeoutSeconds: checkInt(
      "deployment.configurationValidationTimeoutSeconds",
      d.configurationValidationTimeoutSeconds ?? 30,
      1,
      3600,
    ),
  };

  const logRetentionDays = args.logRetentionDays ?? 30;
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    fail("logRetentionDays", `must be one of CloudWatch Logs' retention values (${LOG_RETENTION_DAYS.join(", ")}), got ${describeValue(logRetentionDays)}`);
  }
  const protect = args.protect ?? false;
  if (typeof protect !== "boolean") fail("protect", `must be a boolean, got ${describeValue(protect)}`);

  return {
    stack: args.stack,
    environment: args.environment,
    rootGroupName,
    childGroups,
    roleAliasName,
    credentialDurationSeconds,
    allowGeneratedKeys,
    devices,
    provisioning,
    components,
    greengrass,
    deployment,
    protect,
    logRetentionDays,
    lambdaReservedConcurrency: checkInt("lambdaReservedConcurrency", args.lambdaReservedConcurrency ?? 5, 1, 1000),
    monitoring: resolveEdgeFleetMonitoring(args.monitoring),
  };
}

const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(\S+)$/;
const ECR_IMAGE = /^docker:(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9][a-z0-9._/-]*)(?::[^@]+|@sha256:[a-f0-9]{64})$/;

/**
 * The Greengrass `docker:` artifact URI of the inference image (`<repo url>@sha256:...`, with or without `docker:`).
 * Throws naming the arg when the image is not in private ECR or its repository is not among `repositoryArns`
 * (devices could not pull it with the token exchange role).
 */
export function inferenceImageUri(image: string, repositoryArns: readonly string[], partition: string): string {
  const uri = image.startsWith("docker:") ? image : `docker:${image}`;
  const ecr = ECR_IMAGE.exec(uri);
  if (!ecr) {
    fail("inferenceImage", `${describeValue(image)} must be a private ECR image pinned by digest or tag (<account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<digest>)`);
  }
  const repositoryArn = `arn:${partition}:ecr:${ecr[2]}:${ecr[1]}:repository/${ecr[3]}`;
  if (!repositoryArns.includes(repositoryArn)) {
    fail("inferenceImage", `${describeValue(image)} is in ${repositoryArn}, which is not in ecrRepositoryArns (${repositoryArns.join(", ") || "none"}); devices could not pull it`);
  }
  return uri;
}

/** `arn:<partition>:s3:::<bucket>/<key>` of an `s3://bucket/key` model URI; undefined for "" (the image's built-in model). */
export function modelObjectArn(modelUri: string | undefined, partition: string): string | undefined {
  if (modelUri === undefined || modelUri === "") return undefined;
  const m = S3_URI.exec(modelUri);
  if (!m) fail("modelUri", `${describeValue(modelUri)} must be an s3://bucket/key URI`);
  return `arn:${partition}:s3:::${m[1]}/${m[2]}`;
}

export class EdgeFleet extends pulumi.ComponentResource implements Monitored {
  /** The stack's root thing group: every device joins it, the deployment targets it. */
  public readonly thingGroup: aws.iot.ThingGroup;
  public readonly thingGroupArn: pulumi.Output<string>;
  /** Child thing groups by name. */
  public readonly childGroups: Readonly<Record<string, aws.iot.ThingGroup>>;
  /** Bucket of the Greengrass component artifacts (under `artifacts/`). */
  public readonly artifactBucket: aws.s3.Bucket;
  /** Role core devices assume through the role alias (token exchange service). */
  public readonly tokenExchangeRole: aws.iam.Role;
  public readonly roleAlias: aws.iot.RoleAlias;
  /** IoT policy of every core device's certificate. */
  public readonly corePolicy: aws.iot.Policy;
  /** Static prototype devices by thing name. */
  public readonly devices: Readonly<Record<string, StaticDevice>>;
  /** Private keys generated into state, by thing name (secret); only when some device's key was generated. */
  public readonly generatedPrivateKeys?: pulumi.Output<Record<string, string>>;
  public readonly provisioningTemplate?: aws.iot.ProvisioningTemplate;
  public readonly provisioningTemplateName?: pulumi.Output<string>;
  public readonly provisioningHook?: LambdaFunction;
  /** Policy of the claim certificate; attach it to a claim certificate made outside the stack. */
  public readonly claimPolicy?: aws.iot.Policy;
  public readonly claimPolicyName?: pulumi.Output<string>;
  /** The claim certificate, when made from `claimCsrFile` or generated. */
  public readonly claimCertificate?: aws.iot.Certificate;
  /** The generated claim private key (secret), only when generated into state. */
  public readonly claimPrivateKey?: pulumi.Output<string>;
  /** The Greengrass components: the docker-compose hub app and the inference service. */
  public readonly components: { readonly hub: awsNative.greengrassv2.ComponentVersion; readonly inference: awsNative.greengrassv2.ComponentVersion };
  public readonly deployment: awsNative.greengrassv2.Deployment;
  public readonly deploymentId: pulumi.Output<string>;
  /** The account's IoT data endpoint (ATS) devices connect to. */
  public readonly iotDataEndpoint: pulumi.Output<string>;
  /** The account's credential provider endpoint devices exchange their certificate at. */
  public readonly credentialEndpoint: pulumi.Output<string>;
  /** EventBridge rules forwarding fleet events to the alarm topic (deployment failures); empty without `monitoring`. */
  public readonly eventRules: aws.cloudwatch.EventRule[] = [];
  /** IoT topic rules forwarding fleet events to the alarm topic (failing job executions); empty without `monitoring`. */
  public readonly topicRules: aws.iot.TopicRule[] = [];
  /** The account's IoT event configuration, when `monitoring.enableJobExecutionEvents` turns JOB_EXECUTION events on. */
  public readonly iotEventConfigurations?: aws.iot.EventConfigurations;
  /** Alarms on the delivery of fleet events; empty without `monitoring`. */
  public readonly alarms: aws.cloudwatch.MetricAlarm[] = [];
  /** The fleet's dashboard widgets: where its events go, device connections, fleet failure events, alarm states. */
  public readonly widgets: pulumi.Output<Widget[]>;

  constructor(name: string, args: EdgeFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    // Impossible args fail here, before anything is registered.
    const s = resolveEdgeFleetArgs(args);
    super("edge-mlops:edge:EdgeFleet", name, {}, opts);
    const parent = { parent: this };
    const partition = aws.getPartitionOutput({}, parent).partition;
    const region = aws.getRegionOutput({}, parent).region;
    const accountId = aws.getCallerIdentityOutput({}, parent).accountId;
    const scope: pulumi.Output<AccountScope> = pulumi
      .all([partition, region, accountId])
      .apply(([partition, region, accountId]) => ({ partition, region, accountId }));
    /** Runs a document builder inside an apply; its Error becomes a ResourceError of this component. */
    const build = <T>(fn: () => T): T => {
      try {
        return fn();
      } catch (err) {
        const message = (err as Error).message;
        throw new pulumi.ResourceError(message.startsWith("EdgeFleet: ") ? message : `EdgeFleet: ${message}`, this);
      }
    };

    // ---- thing groups -----------------------------------------------------------------------------------------------
    this.thingGroup = new aws.iot.ThingGroup(
      `${name}-group`,
      {
        name: s.rootGroupName,
        properties: {
          description: `Greengrass core devices of stack ${s.stack}`,
          attributePayload: { attributes: { kind: "stack", stack: s.stack, environment: s.environment } },
        },
      },
      parent,
    );
    this.thingGroupArn = this.thingGroup.arn;
    this.childGroups = Object.fromEntries(
      s.childGroups.map((g) => [
        g.name,
        new aws.iot.ThingGroup(
          `${name}-group-${g.name}`,
          {
            name: g.name,
            parentGroupName: this.thingGroup.name,
            properties: { description: g.description, attributePayload: { attributes: { kind: g.kind } } },
          },
          parent,
        ),
      ]),
    );

    // ---- component artifacts ----------------------------------------------------------------------------------------
    const artifacts = new SecureBucket(`${name}-artifacts`, { forceDestroy: false, protect: s.protect, formerParent: this }, parent);
    this.artifactBucket = artifacts.bucket;
    const bucket = this.artifactBucket;
    // Greengrass records the artifact's digest when the component version is created: a compose file changed under
    // the same version would fail its digest check on the devices. The version is part of the key, so bump it.
    const composeObject = new aws.s3.BucketObjectv2(
      `${name}-compose-artifact`,
      {
        bucket: bucket.id,
        key: `${ARTIFACT_PREFIX}${COMPOSE_APP_COMPONENT_NAME}/${s.components.composeVersion}/${COMPOSE_FILE_NAME}`,
        source: new pulumi.asset.FileAsset(COMPOSE_FILE),
        contentType: "application/yaml",
      },
      { parent: this, dependsOn: [artifacts.encryption] },
    );

    // ---- token exchange role + role alias ---------------------------------------------------------------------------
    this.tokenExchangeRole = new aws.iam.Role(`${name}-token-exchange-role`, { assumeRolePolicy: JSON.stringify(tokenExchangeTrustPolicy()) }, parent);
    const modelUri = pulumi.output(args.modelUri).apply((uri) => uri ?? "");
    const repositoryArns = pulumi.output(args.ecrRepositoryArns);
    const tokenExchangePolicy = new aws.iam.RolePolicy(
      `${name}-token-exchange-policy`,
      {
        role: this.tokenExchangeRole.id,
        policy: pulumi.all([scope, bucket.arn, repositoryArns, modelUri]).apply(([sc, bucketArn, repos, model]) =>
          build(() => {
            const modelArn = modelObjectArn(model, sc.partition);
            const doc = tokenExchangeRolePolicy({
              ...sc,
              artifactBucketArn: bucketArn,
              artifactPrefix: ARTIFACT_PREFIX,
              repositoryArns: repos,
              logGroupPrefix: GREENGRASS_LOG_GROUP_ROOT,
              modelObjectArns: modelArn !== undefined ? [modelArn] : [],
            });
            return JSON.stringify(doc);
          }),
        ),
      },
      parent,
    );
    this.roleAlias = new aws.iot.RoleAlias(
      `${name}-role-alias`,
      { alias: s.roleAliasName, roleArn: this.tokenExchangeRole.arn, credentialDuration: s.credentialDurationSeconds },
      parent,
    );

    // ---- core device policy -----------------------------------------------------------------------------------------
    this.corePolicy = new aws.iot.Policy(
      `${name}-core-policy`,
      {
        policy: pulumi
          .all([scope, this.roleAlias.arn])
          .apply(([sc, roleAliasArn]) => JSON.stringify(build(() => coreDevicePolicy({ ...sc, roleAliasArn })))),
      },
      parent,
    );

    // ---- static devices ---------------------------------------------------------------------------------------------
    const devices: Record<string, StaticDevice> = {};
    for (const d of s.devices) {
      devices[d.name] = new StaticDevice(
        `${name}-device-${d.name}`,
        {
          thingName: d.name,
          key: d.key.kind === "csr" ? { csrPem: d.key.pem } : "generate",
          policyName: this.corePolicy.name,
          thingGroups: [
            { label: "root", name: this.thingGroup.name },
            ...(d.group !== undefined ? [{ label: d.group, name: this.childGroups[d.group].name }] : []),
          ],
        },
        parent,
      );
    }
    this.devices = devices;
    const generated = Object.entries(devices).filter(([, device]) => device.privateKeyPem !== undefined);
    if (generated.length > 0) {
      this.generatedPrivateKeys = pulumi.secret(
        pulumi.all(Object.fromEntries(generated.map(([thing, device]) => [thing, device.privateKeyPem!]))),
      );
    }

    // ---- fleet provisioning -----------------------------------------------------------------------------------------
    if (s.provisioning.enabled) {
      const p = s.provisioning;
      const role = new aws.iam.Role(`${name}-provisioning-role`, { assumeRolePolicy: JSON.stringify(provisioningTrustPolicy()) }, parent);
      const registration = new aws.iam.RolePolicyAttachment(
        `${name}-provisioning-registration`,
        { role: role.name, policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/service-role/AWSIoTThingsRegistration` },
        parent,
      );
      this.provisioningHook = new LambdaFunction(
        `${name}-provisioning-hook`,
        {
          folder: "provisioning-hook",
          description: `Pre-provisioning hook of fleet provisioning template ${p.templateName}`,
          environment: {
            SERIAL_NUMBER_PATTERN: p.serialNumberPattern,
            THING_GROUP_NAME: s.rootGroupName,
            ...(s.childGroups.length > 0 ? { CHILD_THING_GROUP_NAMES: s.childGroups.map((g) => g.name).join(",") } : {}),
          },
          statements: scope.apply((sc) => [
            {
              Sid: "ReadThingsBeingProvisioned",
              Effect: "Allow" as const,
              Action: ["iot:DescribeThing", "iot:ListThingGroupsForThing"],
              Resource: [`arn:${sc.partition}:iot:${sc.region}:${sc.accountId}:thing/*`],
            },
          ]),
          reservedConcurrency: s.lambdaReservedConcurrency,
          timeoutSeconds: HOOK_TIMEOUT_SECONDS,
          logRetentionDays: s.logRetentionDays,
        },
        parent,
      );
      // The template's ARN is known from its name, so the permission exists before the template can call the hook.
      const templateArn = pulumi.interpolate`arn:${partition}:iot:${region}:${accountId}:provisioningtemplate/${p.templateName}`;
      const invoke = new aws.lambda.Permission(
        `${name}-provisioning-hook-invoke`,
        {
          action: "lambda:InvokeFunction",
          function: this.provisioningHook.function.name,
          principal: "iot.amazonaws.com",
          sourceAccount: accountId,
          sourceArn: templateArn,
        },
        parent,
      );
      this.provisioningTemplate = new aws.iot.ProvisioningTemplate(
        `${name}-provisioning-template`,
        {
          name: p.templateName,
          description: `Fleet provisioning by claim for stack ${s.stack}: devices join ${s.rootGroupName}`,
          enabled: true,
          type: "FLEET_PROVISIONING",
          provisioningRoleArn: role.arn,
          preProvisioningHook: { targetArn: this.provisioningHook.function.arn, payloadVersion: HOOK_PAYLOAD_VERSION },
          templateBody: pulumi
            .all([this.thingGroup.name, this.corePolicy.name])
            .apply(([thingGroupName, policyName]) => JSON.stringify(build(() => provisioningTemplateBody({ thingGroupName, policyName })))),
        },
        { parent: this, dependsOn: [invoke, registration] },
      );
      this.provisioningTemplateName = this.provisioningTemplate.name;

      this.claimPolicy = new aws.iot.Policy(
        `${name}-claim-policy`,
        { policy: scope.apply((sc) => JSON.stringify(build(() => claimPolicy({ ...sc, templateName: p.templateName, useCsr: p.devicesUseCsr })))) },
        parent,
      );
      this.claimPolicyName = this.claimPolicy.name;
      let claimCsr: pulumi.Input<string> | undefined;
      if (p.claim.kind === "csr") {
        claimCsr = p.claim.pem;
      } else if (p.claim.kind === "generated") {
        // The claim private key is stored in state (secret): only ever when allowGeneratedKeys, never in prod.
        const key = new tls.PrivateKey(`${name}-claim-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, parent);
        this.claimPrivateKey = pulumi.secret(key.privateKeyPem);
        claimCsr = new tls.CertRequest(
          `${name}-claim-csr`,
          { privateKeyPem: this.claimPrivateKey, subject: { commonName: `${p.templateName}-claim` } },
          parent,
        ).certRequestPem;
      }
      if (claimCsr !== undefined) {
        this.claimCertificate = new aws.iot.Certificate(`${name}-claim-cert`, { active: true, csr: claimCsr }, parent);
        new aws.iot.PolicyAttachment(`${name}-claim-policy-attachment`, { policy: this.claimPolicy.name, target: this.claimCertificate.arn }, parent);
      }
    }

    // ---- Greengrass components --------------------------------------------------------------------------------------
    // Greengrass keeps one recipe per component name and version and refuses a second one: a changed recipe (a new
    // inference image digest or model URI) needs a new version, or `pulumi up` fails creating it.
    const hub = new awsNative.greengrassv2.ComponentVersion(
      `${name}-hub-component`,
      {
        inlineRecipe: pulumi.all([composeObject.bucket, composeObject.key]).apply(([b, k]) =>
          build(() =>
            serializeRecipe(
              composeAppRecipe({ version: s.components.composeVersion, composeFileUri: `s3://${b}/${k}`, images: HUB_IMAGES, usesEcr: false }),
            ),
          ),
        ),
      },
      parent,
    );
    const inference = new awsNative.greengrassv2.ComponentVersion(
      `${name}-inference-component`,
      {
        inlineRecipe: pulumi.all([scope, pulumi.output(args.inferenceImage), repositoryArns, modelUri]).apply(([sc, image, repos, model]) =>
          build(() => {
            const imageUri = inferenceImageUri(image, repos, sc.partition);
            modelObjectArn(model, sc.partition);
            return serializeRecipe(inferenceRecipe({ version: s.components.inferenceVersion, imageUri, modelUri: model, port: INFERENCE_PORT }));
          }),
        ),
      },
      parent,
    );
    this.components = { hub, inference };

    // ---- deployment -------------------------------------------------------------------------------------------------
    // Every property of a deployment is create-only, so any change replaces it. The replacement is created first
    // (deleteBeforeReplace: false) and, targeting the same thing group, supersedes the old deployment on the devices;
    // retainOnDelete then drops the old one from the stack without cancelling it, which would otherwise cancel its
    // IoT job mid-rollout. Old deployments stay listed (inactive) in Greengrass until removed there.
    this.deployment = new awsNative.greengrassv2.Deployment(
      `${name}-deployment`,
      {
        targetArn: this.thingGroup.arn,
        deploymentName: deploymentName(s.rootGroupName, s.components),
        components: pulumi
          .all([hub.componentName, hub.componentVersion, inference.componentName, inference.componentVersion])
          .apply(([hubName, hubVersion, inferenceName, inferenceVersion]) =>
            build(() =>
              deploymentComponents(s.greengrass, [
                { componentName: hubName, componentVersion: hubVersion },
                { componentName: inferenceName, componentVersion: inferenceVersion },
              ]),
            ),
          ),
        deploymentPolicies: deploymentPolicies(s.deployment),
        iotJobConfiguration: iotJobConfiguration(s.deployment),
      },
      // Devices fetch artifacts with the token exchange role: deploy once it may read them.
      { parent: this, dependsOn: [tokenExchangePolicy], retainOnDelete: true, deleteBeforeReplace: false, replaceOnChanges: ["*"] },
    );
    this.deploymentId = this.deployment.deploymentId;

    // ---- fleet events, alarms and dashboard widgets ---------------------------------------------------------------
    const monitoring = s.monitoring;
    this.iotEventConfigurations = monitoring ? this.monitorFleetEvents(name, s.rootGroupName, monitoring, scope, build) : undefined;
    const deploymentRuleName = this.eventRules.length > 0 ? this.eventRules[0].name : pulumi.output("");
    this.widgets = pulumi
      .all([this.deploymentId, deploymentRuleName, pulumi.all(this.alarms.map((a) => a.arn))])
      .apply(([deploymentId, ruleName, alarmArns]) =>
        edgeWidgets({
          rootGroupName: s.rootGroupName,
          deploymentId,
          rules: monitoring
            ? { deploymentRuleName: ruleName, jobRuleName: jobFailureRuleName(s.rootGroupName), jobExecutionEventsManaged: monitoring.enableJobExecutionEvents }
            : undefined,
          thresholds: monitoring?.thresholds,
          alarmArns,
        }),
      );

    this.iotDataEndpoint = aws.iot.getEndpointOutput({ endpointType: "iot:Data-ATS" }, parent).endpointAddress;
    this.credentialEndpoint = aws.iot.getEndpointOutput({ endpointType: "iot:CredentialProvider" }, parent).endpointAddress;

    this.registerOutputs({
      thingGroupArn: this.thingGroupArn,
      roleAlias: this.roleAlias.alias,
      provisioningTemplateName: this.provisioningTemplateName,
      claimPolicyName: this.claimPolicyName,
      iotDataEndpoint: this.iotDataEndpoint,
      credentialEndpoint: this.credentialEndpoint,
      deploymentId: this.deploymentId,
    });
  }

  /**
   * The rules forwarding fleet events to the alarm topic, the IoT rule's role and the delivery alarm; returns the
   * account's IoT event configuration when `enableJobExecutionEvents` has the stack manage it.
   */
  private monitorFleetEvents(
    name: string,
    rootGroupName: string,
    m: EdgeFleetMonitoringSettings,
    scope: pulumi.Output<AccountScope>,
    build: <T>(fn: () => T) => T,
  ): aws.iot.EventConfigurations | undefined {
    const parent = { parent: this };
    // Greengrass deployment failures: EventBridge rule on the default bus → the topic, as a readable line.
    const deploymentRule = new aws.cloudwatch.EventRule(
      `${name}-deployment-failed`,
      {
        description: `Greengrass deployment to ${rootGroupName} failed or was rejected on a core device`,
        eventPattern: this.deploymentId.apply((id) => JSON.stringify(build(() => deploymentFailurePattern(id)))),
      },
      parent,
    );
    new aws.cloudwatch.EventTarget(
      `${name}-deployment-failed-target`,
      { rule: deploymentRule.name, arn: m.alarmTopicArn, inputTransformer: deploymentFailureMessage(rootGroupName) },
      parent,
    );
    this.eventRules.push(deploymentRule);

    // Failing IoT job executions: topic rule on the reserved job execution topics → the topic, through a role that
    // may only publish there.
    const ruleName = jobFailureRuleName(rootGroupName);
    const ruleArn = scope.apply((sc) => `arn:${sc.partition}:iot:${sc.region}:${sc.accountId}:rule/${ruleName}`);
    const role = new aws.iam.Role(
      `${name}-job-events-role`,
      {
        description: `IoT rule ${ruleName} publishes failing job executions to the alarm topic`,
        assumeRolePolicy: pulumi.all([scope, ruleArn]).apply(([sc, arn]) => JSON.stringify(jobEventsTrustPolicy(sc.accountId, arn))),
      },
      parent,
    );
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-job-events-policy`,
      {
        role: role.id,
        policy: pulumi
          .all([scope, m.alarmTopicArn, m.alarmTopicKmsKeyArn])
          .apply(([sc, topicArn, keyArn]) => JSON.stringify(jobEventsPublishPolicy(topicArn, keyArn, sc.region))),
      },
      parent,
    );
    this.topicRules.push(
      new aws.iot.TopicRule(
        `${name}-job-failures`,
        {
          name: ruleName,
          description: `Job executions that failed, were rejected or timed out (account-wide), for edge fleet ${rootGroupName}`,
          enabled: true,
          sql: jobFailureRuleSql(rootGroupName),
          sqlVersion: IOT_SQL_VERSION,
          sns: [{ targetArn: m.alarmTopicArn, roleArn: role.arn, messageFormat: "RAW" }],
        },
        // The role may publish before the rule forwards anything.
        { parent: this, dependsOn: [rolePolicy] },
      ),
    );

    for (const [suffix, spec] of Object.entries(edgeAlarmSpecs(deploymentRule.name, rootGroupName, m.thresholds))) {
      this.alarms.push(createAlarm(`${name}-${suffix}`, spec, m.alarmTopicArn, parent));
    }

    // Account-wide: deleting the resource leaves the setting as it is (the provider only forgets it).
    return m.enableJobExecutionEvents
      ? new aws.iot.EventConfigurations(`${name}-iot-event-configurations`, { eventConfigurations: jobExecutionEventConfigurations() }, parent)
      : undefined;
  }
}
