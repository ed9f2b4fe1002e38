/**
 * The release's edge steps, one function with three actions (contracts/release-edge-payloads.ts): publish the model's
 * Greengrass component version, deploy it to the canary or the fleet thing group, and judge that deployment. The
 * state machine (components/release-workflow/edge-branch.ts) does the waiting and looping; each call is short.
 *
 * - publish: the recipe is contracts/model-component.ts's for this version and staged model.json. An existing version
 *   with the same recipe is success (a re-release, or a retried call); one with a different recipe is an error naming
 *   both models: a component version is immutable, and this one would put another model on the devices. Returns the
 *   version's state (DescribeComponent), which the branch polls until DEPLOYABLE; FAILED (e.g. the artifact cannot be
 *   read) is an error.
 * - deploy: CreateDeployment to the canary or fleet group with the model component ONLY. A thing group's deployment
 *   replaces that group's previous one, and these groups hold nothing but the model: the platform components are
 *   Pulumi's deployment to the root group, which a release never touches. Policies and IoT job configuration come
 *   from the environment (the stack's edge fleet settings): ROLLBACK on failure, bounded rollout, abort, timeout.
 * - check: GetDeployment, then IoT DescribeJob's per-device counts against a success threshold. A Greengrass
 *   deployment to a thing group is a continuous IoT job that stays IN_PROGRESS, so the counts decide, not the job's
 *   status: SUCCEEDED once enough devices succeeded, FAILED once too many failed to reach the threshold, the job was
 *   cancelled (abort criteria), the deployment failed or a newer deployment to the group (another release) replaced it,
 *   else IN_PROGRESS. A group with no device succeeds, noted.
 *
 * The event and environment are validated before any AWS call; errors Step Functions should not retry are named
 * InvalidEvent, InvalidConfiguration, ComponentVersionConflict and ComponentVersionFailed.
 */
import {
  CreateComponentVersionCommand,
  CreateDeploymentCommand,
  DescribeComponentCommand,
  GetComponentCommand,
  GetDeploymentCommand,
  GreengrassV2Client,
} from "@aws-sdk/client-greengrassv2";
import { DescribeJobCommand, IoTClient, ListThingsInThingGroupCommand } from "@aws-sdk/client-iot";
import { createHash } from "node:crypto";
import * as z from "zod/mini";
import { modelComponentRecipe } from "../../contracts/model-component";
import { modelComponentVersion } from "../../contracts/model-release";
import {
  COMPONENT_NAME,
  COMPONENT_STATES,
  EDGE_TARGETS,
  modelDeploymentName,
  type CheckEvent,
  type CheckResult,
  type ComponentState,
  type DeployEvent,
  type DeployResult,
  type ModelDeploymentPolicies,
  type ModelIotJobConfiguration,
  type PublishEvent,
  type PublishResult,
  type ReleaseEdgeEnvironment,
  THING_GROUP_ARN,
} from "../../contracts/release-edge-payloads";
import { InvalidConfiguration, parseEnv, parseEvent, S3_URI } from "../shared/validation";

const greengrass = new GreengrassV2Client({});
const iot = new IoTClient({});

/** A component version that exists with another recipe than this release's. */
export class ComponentVersionConflict extends Error {
  override readonly name = "ComponentVersionConflict";
}

/** A component version Greengrass could not make deployable (FAILED, or DEPRECATED). */
export class ComponentVersionFailed extends Error {
  override readonly name = "ComponentVersionFailed";
}

const LAMBDA_ARN = /^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\d{12}):function:/;

const version = () => z.number().check(z.int(), z.gte(1));
const componentName = () => z.string().check(z.regex(COMPONENT_NAME));
const thingGroupArn = () => z.string().check(z.regex(THING_GROUP_ARN));

const Action = z.object({ action: z.enum(["publish", "deploy", "check"]) });

const Publish: z.ZodMiniType<PublishEvent> = z.strictObject({
  action: z.literal("publish"),
  componentName: componentName(),
  version: version(),
  modelUri: z.string().check(z.regex(S3_URI)),
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
});

const Deploy: z.ZodMiniType<DeployEvent> = z.strictObject({
  action: z.literal("deploy"),
  target: z.enum(EDGE_TARGETS),
  thingGroupArn: thingGroupArn(),
  componentName: componentName(),
  version: version(),
  releaseId: z.string().check(z.regex(/^[0-9A-Za-z_-]{1,80}$/)),
});

const Check: z.ZodMiniType<CheckEvent> = z.strictObject({
  action: z.literal("check"),
  deploymentId: z.string().check(z.minLength(1), z.maxLength(256)),
  thingGroupArn: thingGroupArn(),
  successThreshold: z.number().check(z.gt(0), z.lte(1)),
});

const Env: z.ZodMiniType<ReleaseEdgeEnvironment> = z.object({
  STACK: z.string().check(z.regex(/^[A-Za-z0-9._-]{1,100}$/)),
  DEPLOYMENT_POLICIES: z.string(),
  IOT_JOB_CONFIGURATION: z.string(),
});

const count = (min: number) => z.number().check(z.int(), z.gte(min), z.lte(2_147_483_647));

const Policies: z.ZodMiniType<ModelDeploymentPolicies> = z.strictObject({
  failureHandlingPolicy: z.literal("ROLLBACK"),
  componentUpdatePolicy: z.strictObject({ action: z.literal("NOTIFY_COMPONENTS"), timeoutInSeconds: count(1) }),
  configurationValidationPolicy: z.strictObject({ timeoutInSeconds: count(1) }),
});

const JobConfiguration: z.ZodMiniType<ModelIotJobConfiguration> = z.strictObject({
  jobExecutionsRolloutConfig: z.strictObject({
    maximumPerMinute: count(1),
    exponentialRate: z.optional(
      z.strictObject({
        baseRatePerMinute: count(1),
        incrementFactor: z.number().check(z.gte(1.1), z.lte(5)),
        rateIncreaseCriteria: z.strictObject({ numberOfSucceededThings: count(1) }),
      }),
    ),
  }),
  abortConfig: z.strictObject({
    criteriaList: z
      .array(
        z.strictObject({
          action: z.literal("CANCEL"),
          failureType: z.literal("ALL"),
          minNumberOfExecutedThings: count(1),
          thresholdPercentage: z.number().check(z.gte(0), z.lte(100)),
        }),
      )
      .check(z.minLength(1)),
  }),
  timeoutConfig: z.strictObject({ inProgressTimeoutInMinutes: count(1) }),
});

/** One environment variable holding JSON of `schema`, parsed; InvalidConfiguration naming the variable otherwise. */
function jsonVariable<S extends z.ZodMiniType>(name: keyof ReleaseEdgeEnvironment, text: string, schema: S): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidConfiguration(`invalid environment: env.${name}: is not JSON`);
  }
  return parseEnv(z.object({ [name]: schema }), { [name]: value } as unknown as NodeJS.ProcessEnv)[name] as z.output<S>;
}

/** The Lambda context fields the handler reads. */
export interface InvocationContext {
  readonly invokedFunctionArn: string;
}

export async function handler(event: unknown, context?: InvocationContext): Promise<PublishResult | DeployResult | CheckResult> {
  const { action } = parseEvent(Action, event);
  if (action === "publish") {
    const e = parseEvent(Publish, event);
    const where = LAMBDA_ARN.exec(context?.invokedFunctionArn ?? "");
    if (!where) throw new InvalidConfiguration(`invalid context: invokedFunctionArn: ${JSON.stringify(context?.invokedFunctionArn)} is not a Lambda function ARN`);
    return publish(e, `arn:${where[1]}:greengrass:${where[2]}:${where[3]}:components:${e.componentName}`);
  }
  if (action === "deploy") {
    const e = parseEvent(Deploy, event);
    const env = parseEnv(Env, process.env);
    return deploy(e, env.STACK, jsonVariable("DEPLOYMENT_POLICIES", env.DEPLOYMENT_POLICIES, Policies), jsonVariable("IOT_JOB_CONFIGURATION", env.IOT_JOB_CONFIGURATION, JobConfiguration));
  }
  return check(parseEvent(Check, event));
}

// ---- publish --------------------------------------------------------------------------------------------------------

/** The recipe of a published version (GetComponent, JSON), or undefined when the version does not exist. */
async function publishedRecipe(arn: string): Promise<unknown> {
  try {
    const got = await greengrass.send(new GetComponentCommand({ arn, recipeOutputFormat: "JSON" }));
    return JSON.parse(Buffer.from(got.recipe ?? new Uint8Array()).toString("utf8"));
  } catch (error) {
    if ((error as Error).name === "ResourceNotFoundException") return undefined;
    throw error;
  }
}

/**
 * Paths (`Manifests.0.Artifacts.0.Digest`) where `published` differs from `ours`, for every field `ours` sets: the
 * recipe Greengrass returns may carry fields of its own, which do not make it another model.
 */
export function recipeDifferences(ours: unknown, published: unknown, path = ""): string[] {
  if (ours === null || typeof ours !== "object") return ours === published ? [] : [path || "(recipe)"];
  if (published === null || typeof published !== "object" || Array.isArray(ours) !== Array.isArray(published)) return [path || "(recipe)"];
  const theirs = published as Record<string, unknown>;
  const differences = Object.entries(ours).flatMap(([key, value]) => recipeDifferences(value, theirs[key], path ? `${path}.${key}` : key));
  if (Array.isArray(ours) && (published as unknown[]).length !== ours.length) differences.push(`${path}.length`);
  return differences;
}

/** `<artifact URI> (digest <base64 SHA-256>)` of a recipe's first artifact, for error messages. */
function artifactOf(recipe: unknown): string {
  const artifact = (recipe as { Manifests?: { Artifacts?: { Uri?: unknown; Digest?: unknown }[] }[] } | null)?.Manifests?.[0]?.Artifacts?.[0];
  return `${String(artifact?.Uri ?? "no artifact")} (digest ${String(artifact?.Digest ?? "none")})`;
}

async function publish(e: PublishEvent, componentArn: string): Promise<PublishResult> {
  const recipe = modelComponentRecipe({ componentName: e.componentName, modelPackageVersion: e.version, modelUri: e.modelUri, sha256: e.sha256 });
  const componentVersion = recipe.ComponentVersion;
  const arn = `${componentArn}:versions:${componentVersion}`;
  const text = JSON.stringify(recipe);
  let published = await publishedRecipe(arn);
  let created = false;
  if (published === undefined) {
    try {
      // The token is the recipe's hash: a repeated call with the same recipe is the same request.
      await greengrass.send(new CreateComponentVersionCommand({ inlineRecipe: Buffer.from(text), clientToken: createHash("sha256").update(text).digest("hex") }));
      created = true;
    } catch (error) {
      if ((error as Error).name !== "ConflictException") throw error;
      published = await publishedRecipe(arn); // created meanwhile by another release: compare with it
    }
  }
  if (!created) {
    const differences = recipeDifferences(recipe, published);
    if (differences.length > 0) {
      throw new ComponentVersionConflict(
        `component ${e.componentName} ${componentVersion} exists with another recipe: published ${artifactOf(published)}, this release ${artifactOf(recipe)}; differing fields: ${differences.join(", ")}`,
      );
    }
  }
  const described = await greengrass.send(new DescribeComponentCommand({ arn }));
  const state = described.status?.componentState as ComponentState | undefined;
  if (state === undefined || !COMPONENT_STATES.includes(state)) throw new Error(`component ${e.componentName} ${componentVersion}: unexpected state ${JSON.stringify(state)}`);
  if (state === "FAILED" || state === "DEPRECATED") {
    throw new ComponentVersionFailed(`component ${e.componentName} ${componentVersion} is ${state}: ${described.status?.message ?? "no message"}`);
  }
  return { componentVersion, componentVersionArn: arn, componentState: state, created };
}

// ---- deploy ---------------------------------------------------------------------------------------------------------

async function deploy(e: DeployEvent, stack: string, policies: ModelDeploymentPolicies, job: ModelIotJobConfiguration): Promise<DeployResult> {
  const deploymentName = modelDeploymentName(stack, e.version, e.target);
  const made = await greengrass.send(
    new CreateDeploymentCommand({
      targetArn: e.thingGroupArn,
      deploymentName,
      components: { [e.componentName]: { componentVersion: modelComponentVersion(e.version) } },
      deploymentPolicies: policies,
      iotJobConfiguration: { ...job, abortConfig: { criteriaList: [...job.abortConfig.criteriaList] } },
      clientToken: createHash("sha256").update(`${e.releaseId}/${e.target}/${e.version}`).digest("hex"),
    }),
  );
  if (!made.deploymentId || !made.iotJobId) throw new Error(`CreateDeployment ${deploymentName} returned no deploymentId or iotJobId`);
  return { deploymentId: made.deploymentId, deploymentName, iotJobId: made.iotJobId };
}

// ---- check ----------------------------------------------------------------------------------------------------------

/** Devices that must succeed out of `total` for `threshold` (0 < threshold <= 1). */
export function requiredSuccesses(total: number, threshold: number): number {
  return Math.ceil(threshold * total - 1e-9);
}

async function check(e: CheckEvent): Promise<CheckResult> {
  const deployment = await greengrass.send(new GetDeploymentCommand({ deploymentId: e.deploymentId }));
  const job = deployment.iotJobId ? (await iot.send(new DescribeJobCommand({ jobId: deployment.iotJobId }))).job : undefined;
  const d = job?.jobProcessDetails ?? {};
  const n = (v: number | undefined) => v ?? 0;
  const succeeded = n(d.numberOfSucceededThings);
  const failed = n(d.numberOfFailedThings) + n(d.numberOfRejectedThings) + n(d.numberOfTimedOutThings) + n(d.numberOfCanceledThings);
  const inProgress = n(d.numberOfQueuedThings) + n(d.numberOfInProgressThings);
  const total = succeeded + failed + inProgress;
  const counts = { succeeded, failed, inProgress, total };
  const required = requiredSuccesses(total, e.successThreshold);
  const tally = `${succeeded} of ${total} devices succeeded, ${failed} failed, ${inProgress} in progress (threshold ${e.successThreshold}: ${required})`;
  const status = deployment.deploymentStatus;
  if (status === "INACTIVE") {
    // A newer deployment to the same group (another release) replaced this one: its devices run another model.
    return { state: "FAILED", ...counts, summary: `deployment INACTIVE: a newer deployment to the group replaced it; ${tally}` };
  }
  if (status === "FAILED" || status === "CANCELED" || job?.status === "CANCELED") {
    return { state: "FAILED", ...counts, summary: `deployment ${status ?? "unknown"}, job ${job?.status ?? "none"}: ${tally}` };
  }
  if (total === 0) {
    const group = THING_GROUP_ARN.exec(e.thingGroupArn)![1];
    const members = await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: group, maxResults: 1 }));
    if ((members.things ?? []).length === 0) return { state: "SUCCEEDED", ...counts, summary: `no device in thing group ${group}: nothing to deploy to` };
    return { state: "IN_PROGRESS", ...counts, summary: `the job has not reached the devices of ${group} yet` };
  }
  if (succeeded >= required) return { state: "SUCCEEDED", ...counts, summary: tally };
  if (total - failed < required) return { state: "FAILED", ...counts, summary: `${tally}: the threshold can no longer be reached` };
  return { state: "IN_PROGRESS", ...counts, summary: tally };
}
