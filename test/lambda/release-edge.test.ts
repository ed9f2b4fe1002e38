// release-edge with aws-sdk-client-mock: publishing the model component (created, already there with the same recipe,
// there with another recipe, failed), deploying exactly the model component with the stack's policies, judging a
// deployment from its IoT job's counts, and refusing a bad event, environment or context before any AWS call.
import {
  ConflictException,
  CreateComponentVersionCommand,
  CreateDeploymentCommand,
  DescribeComponentCommand,
  GetComponentCommand,
  GetDeploymentCommand,
  GreengrassV2Client,
  ResourceNotFoundException,
} from "@aws-sdk/client-greengrassv2";
import { DescribeJobCommand, IoTClient, ListThingsInThingGroupCommand, type JobProcessDetails } from "@aws-sdk/client-iot";
import { mockClient } from "aws-sdk-client-mock";
import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { edgeFleetSettings } from "../../components/edge-fleet/args";
import { deploymentPolicies, iotJobConfiguration } from "../../components/edge-fleet/deployment";
import { modelComponentRecipe } from "../../contracts/model-component";
import type { ModelDeploymentPolicies, ModelIotJobConfiguration } from "../../contracts/release-edge-payloads";
import { handler, recipeDifferences, requiredSuccesses } from "../../lambda/release-edge/index";

const greengrass = mockClient(GreengrassV2Client);
const iot = mockClient(IoTClient);

const CONTEXT = { invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:edge-mlops-dev-release-edge" };
const COMPONENT = "edge-mlops-dev-model";
const VERSION_ARN = `arn:aws:greengrass:eu-west-1:123456789012:components:${COMPONENT}:versions:7.0.0`;
const CANARY_ARN = "arn:aws:iot:eu-west-1:123456789012:thinggroup/edge-mlops-dev-canary";
const SHA = "ab".repeat(32);
const OTHER_SHA = "cd".repeat(32);
const MODEL_URI = "s3://edge-mlops-dev-models/releases/v7/model.json";

const publishEvent = (over: Record<string, unknown> = {}) => ({ action: "publish", componentName: COMPONENT, version: 7, modelUri: MODEL_URI, sha256: SHA, ...over });
const deployEvent = (over: Record<string, unknown> = {}) => ({
  action: "deploy",
  target: "canary",
  thingGroupArn: CANARY_ARN,
  componentName: COMPONENT,
  version: 7,
  releaseId: "release-7-a1b2",
  ...over,
});
const checkEvent = (over: Record<string, unknown> = {}) => ({ action: "check", deploymentId: "d-1", thingGroupArn: CANARY_ARN, successThreshold: 0.75, ...over });

const recipe = (sha256 = SHA) => modelComponentRecipe({ componentName: COMPONENT, modelPackageVersion: 7, modelUri: MODEL_URI, sha256 });
const recipeBytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value, null, 2));
const notFound = () => new ResourceNotFoundException({ message: "not found", $metadata: {}, resourceId: VERSION_ARN, resourceType: "component" });

// The stack's own settings, built by the edge fleet's functions: the contract's types must accept them as they are.
const SETTINGS = edgeFleetSettings.parse({ deployment: { rollout: { exponential: { baseRatePerMinute: 5, incrementFactor: 2, succeededThings: 3 } } } }).deployment;
const POLICIES: ModelDeploymentPolicies = deploymentPolicies(SETTINGS);
const JOB: ModelIotJobConfiguration = iotJobConfiguration(SETTINGS);

beforeEach(() => {
  greengrass.reset();
  iot.reset();
  process.env.STACK = "dev";
  process.env.DEPLOYMENT_POLICIES = JSON.stringify(POLICIES);
  process.env.IOT_JOB_CONFIGURATION = JSON.stringify(JOB);
});
afterEach(() => {
  delete process.env.STACK;
  delete process.env.DEPLOYMENT_POLICIES;
  delete process.env.IOT_JOB_CONFIGURATION;
});

const noCalls = () => {
  expect(greengrass.calls()).toHaveLength(0);
  expect(iot.calls()).toHaveLength(0);
};

describe("release-edge publish", () => {
  it("creates the component version from the model's recipe and returns its state", async () => {
    greengrass.on(GetComponentCommand).rejects(notFound());
    greengrass.on(CreateComponentVersionCommand).resolves({ arn: VERSION_ARN, componentName: COMPONENT, componentVersion: "7.0.0" });
    greengrass.on(DescribeComponentCommand).resolves({ status: { componentState: "REQUESTED" } });
    expect(await handler(publishEvent(), CONTEXT)).toEqual({ componentVersion: "7.0.0", componentVersionArn: VERSION_ARN, componentState: "REQUESTED", created: true });
    expect(greengrass.commandCalls(GetComponentCommand).map((c) => c.args[0].input)).toEqual([{ arn: VERSION_ARN, recipeOutputFormat: "JSON" }]);
    const [create] = greengrass.commandCalls(CreateComponentVersionCommand).map((c) => c.args[0].input);
    const text = Buffer.from(create.inlineRecipe!).toString("utf8");
    expect(JSON.parse(text)).toEqual(recipe());
    expect(create.clientToken).toBe(createHash("sha256").update(text).digest("hex"));
    expect(greengrass.commandCalls(DescribeComponentCommand).map((c) => c.args[0].input)).toEqual([{ arn: VERSION_ARN }]);
  });

  it("is idempotent: the version exists with the same recipe (as Greengrass returns it) → no create", async () => {
    greengrass.on(GetComponentCommand).resolves({ recipeOutputFormat: "JSON", recipe: recipeBytes({ ...recipe(), ComponentType: "aws.greengrass.generic" }) });
    greengrass.on(DescribeComponentCommand).resolves({ status: { componentState: "DEPLOYABLE" } });
    expect(await handler(publishEvent(), CONTEXT)).toMatchObject({ componentState: "DEPLOYABLE", created: false });
    expect(greengrass.commandCalls(CreateComponentVersionCommand)).toHaveLength(0);
  });

  it("refuses a version that exists with another recipe, naming both models", async () => {
    greengrass.on(GetComponentCommand).resolves({ recipeOutputFormat: "JSON", recipe: recipeBytes(recipe(OTHER_SHA)) });
    const b64 = (hex: string) => Buffer.from(hex, "hex").toString("base64");
    await expect(handler(publishEvent(), CONTEXT)).rejects.toMatchObject({
      name: "ComponentVersionConflict",
      message:
        `component ${COMPONENT} 7.0.0 exists with another recipe: published ${MODEL_URI} (digest ${b64(OTHER_SHA)}), this release ${MODEL_URI} (digest ${b64(SHA)}); ` +
        "differing fields: Manifests.0.Artifacts.0.Digest, Manifests.1.Artifacts.0.Digest",
    });
    expect(greengrass.commandCalls(CreateComponentVersionCommand)).toHaveLength(0);
    expect(greengrass.commandCalls(DescribeComponentCommand)).toHaveLength(0);
  });

  it("compares with the version another release created meanwhile (ConflictException)", async () => {
    greengrass
      .on(GetComponentCommand)
      .rejectsOnce(notFound())
      .resolves({ recipe: recipeBytes(recipe()) });
    greengrass.on(CreateComponentVersionCommand).rejects(new ConflictException({ message: "exists", $metadata: {}, resourceId: VERSION_ARN, resourceType: "component" }));
    greengrass.on(DescribeComponentCommand).resolves({ status: { componentState: "INITIATED" } });
    expect(await handler(publishEvent(), CONTEXT)).toMatchObject({ componentState: "INITIATED", created: false });
    expect(greengrass.commandCalls(GetComponentCommand)).toHaveLength(2);
  });

  it("fails when Greengrass could not make the version deployable", async () => {
    greengrass.on(GetComponentCommand).resolves({ recipe: recipeBytes(recipe()) });
    greengrass.on(DescribeComponentCommand).resolves({ status: { componentState: "FAILED", message: "Access denied to s3://edge-mlops-dev-models" } });
    await expect(handler(publishEvent(), CONTEXT)).rejects.toMatchObject({
      name: "ComponentVersionFailed",
      message: `component ${COMPONENT} 7.0.0 is FAILED: Access denied to s3://edge-mlops-dev-models`,
    });
  });

  it("passes any other Greengrass error on", async () => {
    greengrass.on(GetComponentCommand).rejects(Object.assign(new Error("slow down"), { name: "ThrottlingException" }));
    await expect(handler(publishEvent(), CONTEXT)).rejects.toMatchObject({ name: "ThrottlingException" });
  });

  it("needs the function's ARN for the component's", async () => {
    await expect(handler(publishEvent(), undefined)).rejects.toMatchObject({
      name: "InvalidConfiguration",
      message: "invalid context: invokedFunctionArn: undefined is not a Lambda function ARN",
    });
    noCalls();
  });

  it("recipeDifferences names each differing path and ignores fields only Greengrass adds", () => {
    expect(recipeDifferences({ a: 1, b: [1, 2] }, { a: 1, b: [1, 2], c: 3 })).toEqual([]);
    expect(recipeDifferences({ a: 1, b: [1, 2] }, { a: 2, b: [1] })).toEqual(["a", "b.1", "b.length"]);
    expect(recipeDifferences({ a: { x: 1 } }, { a: "x" })).toEqual(["a"]);
    expect(recipeDifferences({ a: 1 }, undefined)).toEqual(["(recipe)"]);
  });
});

describe("release-edge deploy", () => {
  it("deploys only the model component, with the stack's policies and job configuration", async () => {
    greengrass.on(CreateDeploymentCommand).resolves({ deploymentId: "d-1", iotJobId: "job-1", iotJobArn: "arn:aws:iot:eu-west-1:123456789012:job/job-1" });
    expect(await handler(deployEvent())).toEqual({ deploymentId: "d-1", deploymentName: "edge-mlops-dev-model-v7-canary", iotJobId: "job-1" });
    expect(greengrass.commandCalls(CreateDeploymentCommand).map((c) => c.args[0].input)).toEqual([
      {
        targetArn: CANARY_ARN,
        deploymentName: "edge-mlops-dev-model-v7-canary",
        components: { [COMPONENT]: { componentVersion: "7.0.0" } },
        deploymentPolicies: {
          failureHandlingPolicy: "ROLLBACK",
          componentUpdatePolicy: { action: "NOTIFY_COMPONENTS", timeoutInSeconds: 60 },
          configurationValidationPolicy: { timeoutInSeconds: 30 },
        },
        iotJobConfiguration: {
          jobExecutionsRolloutConfig: {
            maximumPerMinute: 50,
            exponentialRate: { baseRatePerMinute: 5, incrementFactor: 2, rateIncreaseCriteria: { numberOfSucceededThings: 3 } },
          },
          abortConfig: { criteriaList: [{ action: "CANCEL", failureType: "ALL", minNumberOfExecutedThings: 10, thresholdPercentage: 10 }] },
          timeoutConfig: { inProgressTimeoutInMinutes: 60 },
        },
        clientToken: createHash("sha256").update("release-7-a1b2/canary/7").digest("hex"),
      },
    ]);
  });

  it("names the fleet's deployment after its target, with its own client token", async () => {
    greengrass.on(CreateDeploymentCommand).resolves({ deploymentId: "d-2", iotJobId: "job-2" });
    await handler(deployEvent({ target: "fleet", thingGroupArn: CANARY_ARN.replace("canary", "fleet") }));
    const [input] = greengrass.commandCalls(CreateDeploymentCommand).map((c) => c.args[0].input);
    expect(input.deploymentName).toBe("edge-mlops-dev-model-v7-fleet");
    expect(input.clientToken).toBe(createHash("sha256").update("release-7-a1b2/fleet/7").digest("hex"));
  });

  it.each([
    [{ DEPLOYMENT_POLICIES: JSON.stringify({ ...POLICIES, failureHandlingPolicy: "DO_NOTHING" }) }, 'invalid environment: env.DEPLOYMENT_POLICIES.failureHandlingPolicy: must be one of "ROLLBACK", got "DO_NOTHING"'],
    [{ IOT_JOB_CONFIGURATION: "{" }, "invalid environment: env.IOT_JOB_CONFIGURATION: is not JSON"],
    [{ IOT_JOB_CONFIGURATION: JSON.stringify({ ...JOB, abortConfig: { criteriaList: [] } }) }, "invalid environment: env.IOT_JOB_CONFIGURATION.abortConfig.criteriaList: must be >= 1"],
    [{ STACK: "" }, expect.stringMatching(/^invalid environment: env\.STACK: "" does not match /)],
  ])("refuses a bad environment (%#) before any AWS call", async (env, message) => {
    Object.assign(process.env, env);
    await expect(handler(deployEvent())).rejects.toMatchObject({ name: "InvalidConfiguration", message });
    noCalls();
  });
});

describe("release-edge check", () => {
  const job = (details: JobProcessDetails, status: "IN_PROGRESS" | "CANCELED" = "IN_PROGRESS") => {
    greengrass.on(GetDeploymentCommand).resolves({ deploymentId: "d-1", deploymentStatus: "ACTIVE", iotJobId: "job-1" });
    iot.on(DescribeJobCommand).resolves({ job: { jobId: "job-1", status, jobProcessDetails: details } });
  };

  it("is IN_PROGRESS while the threshold can still be reached", async () => {
    job({ numberOfSucceededThings: 2, numberOfFailedThings: 1, numberOfInProgressThings: 1, numberOfQueuedThings: 0 });
    expect(await handler(checkEvent())).toEqual({
      state: "IN_PROGRESS",
      succeeded: 2,
      failed: 1,
      inProgress: 1,
      total: 4,
      summary: "2 of 4 devices succeeded, 1 failed, 1 in progress (threshold 0.75: 3)",
    });
    expect(greengrass.commandCalls(GetDeploymentCommand).map((c) => c.args[0].input)).toEqual([{ deploymentId: "d-1" }]);
    expect(iot.commandCalls(DescribeJobCommand).map((c) => c.args[0].input)).toEqual([{ jobId: "job-1" }]);
  });

  it("SUCCEEDS once enough devices succeeded, even with some still queued (an offline device never finishes)", async () => {
    job({ numberOfSucceededThings: 3, numberOfQueuedThings: 1, numberOfRemovedThings: 5 });
    expect(await handler(checkEvent())).toMatchObject({ state: "SUCCEEDED", succeeded: 3, failed: 0, inProgress: 1, total: 4 });
  });

  it("FAILS as soon as failures put the threshold out of reach", async () => {
    job({ numberOfSucceededThings: 1, numberOfRejectedThings: 1, numberOfTimedOutThings: 1, numberOfInProgressThings: 1 });
    expect(await handler(checkEvent())).toEqual({
      state: "FAILED",
      succeeded: 1,
      failed: 2,
      inProgress: 1,
      total: 4,
      summary: "1 of 4 devices succeeded, 2 failed, 1 in progress (threshold 0.75: 3): the threshold can no longer be reached",
    });
  });

  it("FAILS when the job was cancelled by its abort criteria", async () => {
    job({ numberOfSucceededThings: 9, numberOfFailedThings: 2, numberOfCanceledThings: 1 }, "CANCELED");
    expect(await handler(checkEvent({ successThreshold: 0.5 }))).toMatchObject({ state: "FAILED", summary: expect.stringMatching(/^deployment ACTIVE, job CANCELED: 9 of 12/) });
  });

  it("FAILS when a newer deployment to the group (another release) replaced this one", async () => {
    greengrass.on(GetDeploymentCommand).resolves({ deploymentId: "d-1", deploymentStatus: "INACTIVE", iotJobId: "job-1" });
    iot.on(DescribeJobCommand).resolves({ job: { jobId: "job-1", status: "IN_PROGRESS", jobProcessDetails: { numberOfSucceededThings: 4 } } });
    expect(await handler(checkEvent())).toMatchObject({
      state: "FAILED",
      summary: "deployment INACTIVE: a newer deployment to the group replaced it; 4 of 4 devices succeeded, 0 failed, 0 in progress (threshold 0.75: 3)",
    });
  });

  it("counts a group with no device as succeeded, with a note", async () => {
    job({});
    iot.on(ListThingsInThingGroupCommand).resolves({ things: [] });
    expect(await handler(checkEvent())).toEqual({ state: "SUCCEEDED", succeeded: 0, failed: 0, inProgress: 0, total: 0, summary: "no device in thing group edge-mlops-dev-canary: nothing to deploy to" });
    expect(iot.commandCalls(ListThingsInThingGroupCommand).map((c) => c.args[0].input)).toEqual([{ thingGroupName: "edge-mlops-dev-canary", maxResults: 1 }]);
  });

  it("waits when the job has not reached a group that has devices", async () => {
    job({});
    iot.on(ListThingsInThingGroupCommand).resolves({ things: ["core-1"] });
    expect(await handler(checkEvent())).toMatchObject({ state: "IN_PROGRESS", total: 0, summary: "the job has not reached the devices of edge-mlops-dev-canary yet" });
  });

  it("requiredSuccesses rounds up without floating-point surprises", () => {
    expect(requiredSuccesses(10, 0.7)).toBe(7);
    expect(requiredSuccesses(3, 0.5)).toBe(2);
    expect(requiredSuccesses(4, 1)).toBe(4);
    expect(requiredSuccesses(1, 0.01)).toBe(1);
  });
});

describe("release-edge refuses a bad event before any AWS call", () => {
  it.each([
    [{ action: "rollback" }, 'invalid event: event.action: must be one of "publish", "deploy", "check", got "rollback"'],
    [publishEvent({ sha256: "AB".repeat(32) }), expect.stringMatching(/^invalid event: event\.sha256: "(AB){32}" does not match /)],
    [publishEvent({ version: 0 }), "invalid event: event.version: must be >= 1"],
    [publishEvent({ modelUri: "https://example.com/model.json" }), expect.stringMatching(/^invalid event: event\.modelUri: /)],
    [deployEvent({ target: "root" }), 'invalid event: event.target: must be one of "canary", "fleet", got "root"'],
    [deployEvent({ thingGroupArn: "arn:aws:iot:eu-west-1:123456789012:thing/core-1" }), expect.stringMatching(/^invalid event: event\.thingGroupArn: /)],
    [deployEvent({ components: { "aws.greengrass.Nucleus": {} } }), "invalid event: event: unknown field(s) components"],
    [checkEvent({ successThreshold: 0 }), "invalid event: event.successThreshold: must be > 0"],
    [checkEvent({ successThreshold: 1.5 }), "invalid event: event.successThreshold: must be <= 1"],
  ])("%#", async (bad, message) => {
    await expect(handler(bad, CONTEXT)).rejects.toMatchObject({ name: "InvalidEvent", message });
    noCalls();
  });
});
