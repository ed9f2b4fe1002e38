// The release's edge branch: valid ASL (asl-validator, alone and inside a Parallel state), Retry and Catch on every
// Task, argument checks, and runs of the branch state by state with the real release-edge handler answering each Task
// (its AWS clients mocked as a scripted Greengrass and IoT): canary success → fleet, canary failure → no fleet
// deployment, a canary that never finishes, a component that never becomes deployable, a conflicting recipe.
// The training workflow's simulator (../training-workflow/simulate.ts) evaluates paths and templates; the Wait, Pass,
// rule-based Choice, Catch and States.MathAdd this branch uses are interpreted here on top of it.
import {
  CreateComponentVersionCommand,
  CreateDeploymentCommand,
  DescribeComponentCommand,
  GetComponentCommand,
  GetDeploymentCommand,
  GreengrassV2Client,
  ResourceNotFoundException,
  type CreateDeploymentRequest,
} from "@aws-sdk/client-greengrassv2";
import { DescribeJobCommand, IoTClient, ListThingsInThingGroupCommand, type JobProcessDetails } from "@aws-sdk/client-iot";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ArgError } from "../../components/args";
import { edgeFleetSettings } from "../../components/edge-fleet/args";
import { deploymentPolicies, iotJobConfiguration } from "../../components/edge-fleet/deployment";
import {
  buildEdgeBranch,
  EDGE_STATE_NAMES,
  edgeBranchArgProblems,
  type EdgeBranch,
  type EdgeBranchArgs,
} from "../../components/release-workflow/edge-branch";
import { MAX_RETRY_ATTEMPTS, listTaskStates, tasksWithoutRetryOrCatch, type TaskState } from "../../components/training-workflow/asl";
import { modelComponentRecipe } from "../../contracts/model-component";
import type { EdgeBranchInput } from "../../contracts/release-edge-payloads";
import { handler } from "../../lambda/release-edge/index";
import { evaluate, valueAtPath, type Json } from "../training-workflow/simulate";

interface AslResult {
  isValid: boolean;
  errors: { "Error code": string; Message: string }[];
  errorsText: (separator?: string) => string;
}
// asl-validator 4 ships no type declarations; it writes QueryLanguage into what it checks, so it is given a copy.
const aslValidator = require("asl-validator") as (definition: unknown) => AslResult;
const validate = (definition: unknown) => aslValidator(JSON.parse(JSON.stringify(definition)));

const ACCOUNT = "123456789012";
const FUNCTION_ARN = `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:edge-mlops-dev-release-edge`;
const CANARY = `arn:aws:iot:eu-west-1:${ACCOUNT}:thinggroup/edge-mlops-dev-canary`;
const FLEET = `arn:aws:iot:eu-west-1:${ACCOUNT}:thinggroup/edge-mlops-dev-fleet`;
const COMPONENT = "edge-mlops-dev-model";
const ARGS: EdgeBranchArgs = {
  functionArn: FUNCTION_ARN,
  canaryGroupArn: CANARY,
  fleetGroupArn: FLEET,
  componentName: COMPONENT,
  component: { waitSeconds: 15, maxChecks: 4 },
  canary: { successThreshold: 1, waitSeconds: 300, maxChecks: 3 },
  fleet: { successThreshold: 0.9, waitSeconds: 600, maxChecks: 5 },
};
const INPUT: EdgeBranchInput = { version: 7, modelUri: "s3://edge-mlops-dev-models/releases/v7/model.json", sha256: "ab".repeat(32) };
const CONTEXT = { Execution: { Name: "release-7-a1b2" } };

// ---- an interpreter for the branch, on top of the training workflow's path evaluation ------------------------------

function resolve(template: Json | undefined, input: Json): Json {
  if (Array.isArray(template)) return template.map((t) => resolve(t, input));
  if (template === null || template === undefined || typeof template !== "object") return template ?? null;
  const out: { [k: string]: Json } = {};
  for (const [key, value] of Object.entries(template)) {
    if (!key.endsWith(".$")) {
      out[key] = resolve(value, input);
      continue;
    }
    const add = /^States\.MathAdd\((\$[^,]+), (-?\d+)\)$/.exec(value as string);
    out[key.slice(0, -2)] = add ? (valueAtPath(input, add[1]) as number) + Number(add[2]) : evaluate(value as string, input, CONTEXT as unknown as Json);
  }
  return out;
}

/** `doc` with `value` at the ResultPath `$.a.b` (objects on the way are copied, missing ones created). */
function setAt(doc: Json, path: string, value: Json): Json {
  const [key, ...rest] = path.split(".").slice(1);
  const base = doc !== null && typeof doc === "object" && !Array.isArray(doc) ? doc : {};
  return { ...base, [key]: rest.length === 0 ? value : setAt((base as Record<string, Json>)[key] ?? {}, `$.${rest.join(".")}`, value) };
}

type Rule = { Variable: string; StringEquals?: string; NumericGreaterThanEquals?: number; Next: string };

interface BranchRun {
  readonly end: string;
  readonly trace: string[];
  readonly waited: number;
  readonly output: Json;
  readonly error?: string;
  readonly cause?: string;
}

/** Runs the branch from StartAt; each Task's result is `respond(state, parameters)` (throwing = the Task failing). */
async function run(branch: EdgeBranch, input: Json, respond: (state: string, parameters: Json) => Promise<Json>): Promise<BranchRun> {
  const states = JSON.parse(JSON.stringify(branch.States)) as Record<string, Record<string, Json>>;
  let name = branch.StartAt;
  let data = input;
  let waited = 0;
  const trace: string[] = [];
  for (let step = 0; step < 300; step++) {
    const s = states[name];
    trace.push(name);
    switch (s.Type) {
      case "Succeed":
        return { end: name, trace, waited, output: data };
      case "Fail":
        return {
          end: name,
          trace,
          waited,
          output: data,
          error: (s.Error as string | undefined) ?? (valueAtPath(data, s.ErrorPath as string) as string),
          cause: String(valueAtPath(data, s.CausePath as string)),
        };
      case "Wait":
        waited += s.Seconds as number;
        name = s.Next as string;
        break;
      case "Pass":
        data = setAt(data, s.ResultPath as string, s.Result ?? resolve(s.Parameters, data));
        name = s.Next as string;
        break;
      case "Choice": {
        const matches = (r: Rule) => {
          const v = valueAtPath(data, r.Variable);
          return r.StringEquals !== undefined ? v === r.StringEquals : (v as number) >= (r.NumericGreaterThanEquals as number);
        };
        name = (s.Choices as Rule[]).find(matches)?.Next ?? (s.Default as string);
        break;
      }
      case "Task":
        try {
          const raw = await respond(name, resolve(s.Parameters, data));
          data = setAt(data, s.ResultPath as string, resolve(s.ResultSelector, raw));
          name = s.Next as string;
        } catch (error) {
          const { name: Error, message: Cause } = error as Error;
          const [catcher] = s.Catch as { ResultPath: string; Next: string }[];
          data = setAt(data, catcher.ResultPath, { Error, Cause });
          name = catcher.Next;
        }
        break;
      default:
        throw new Error(`state ${name}: type ${String(s.Type)} is not interpreted`);
    }
  }
  throw new Error("the branch did not end within 300 transitions");
}

// ---- a scripted Greengrass and IoT behind the real handler ----------------------------------------------------------

const greengrass = mockClient(GreengrassV2Client);
const iot = mockClient(IoTClient);
const SETTINGS = edgeFleetSettings.parse({}).deployment;

beforeEach(() => {
  greengrass.reset();
  iot.reset();
  process.env.STACK = "dev";
  process.env.DEPLOYMENT_POLICIES = JSON.stringify(deploymentPolicies(SETTINGS));
  process.env.IOT_JOB_CONFIGURATION = JSON.stringify(iotJobConfiguration(SETTINGS));
});
afterEach(() => {
  delete process.env.STACK;
  delete process.env.DEPLOYMENT_POLICIES;
  delete process.env.IOT_JOB_CONFIGURATION;
});

interface Script {
  /** Component states DescribeComponent gives, one per call (the last repeats). */
  readonly componentStates: string[];
  /** SHA-256 of the model an existing version was published with; none: the version does not exist. */
  readonly existingSha256?: string;
  /** Job process details DescribeJob gives per target, one per call (the last repeats). */
  readonly canary: JobProcessDetails[];
  readonly fleet: JobProcessDetails[];
}

const recipeFor = (sha256: string) => modelComponentRecipe({ componentName: COMPONENT, modelPackageVersion: 7, modelUri: INPUT.modelUri, sha256 });

function script(s: Script): void {
  // GetComponent finds the version once it exists: published before (existingSha256) or created by this run.
  let published: Uint8Array | undefined = s.existingSha256 === undefined ? undefined : new TextEncoder().encode(JSON.stringify(recipeFor(s.existingSha256)));
  greengrass.on(GetComponentCommand).callsFake(() => {
    if (published === undefined) throw new ResourceNotFoundException({ message: "no such version", $metadata: {}, resourceId: "x", resourceType: "component" });
    return { recipeOutputFormat: "JSON", recipe: published };
  });
  greengrass.on(CreateComponentVersionCommand).callsFake(({ inlineRecipe }: { inlineRecipe: Uint8Array }) => {
    published = inlineRecipe;
    return { componentName: COMPONENT, componentVersion: "7.0.0" };
  });
  const describe = greengrass.on(DescribeComponentCommand);
  s.componentStates.forEach((state) => describe.resolvesOnce({ status: { componentState: state as "DEPLOYABLE" } }));
  describe.resolves({ status: { componentState: s.componentStates.at(-1) as "DEPLOYABLE" } });
  greengrass.on(CreateDeploymentCommand).callsFake((input: CreateDeploymentRequest) => {
    const target = input.targetArn === CANARY ? "canary" : "fleet";
    return { deploymentId: `d-${target}`, iotJobId: `job-${target}` };
  });
  greengrass.on(GetDeploymentCommand).callsFake(({ deploymentId }: { deploymentId: string }) => ({ deploymentId, deploymentStatus: "ACTIVE", iotJobId: deploymentId.replace("d-", "job-") }));
  const calls = { canary: 0, fleet: 0 };
  iot.on(DescribeJobCommand).callsFake(({ jobId }: { jobId: string }) => {
    const target = jobId === "job-canary" ? "canary" : "fleet";
    const sequence = s[target];
    const details = sequence[Math.min(calls[target]++, sequence.length - 1)];
    return { job: { jobId, status: "IN_PROGRESS", jobProcessDetails: details } };
  });
  iot.on(ListThingsInThingGroupCommand).resolves({ things: ["core-1"] });
}

const viaHandler = async (_state: string, parameters: Json): Promise<Json> => {
  const { Payload } = parameters as { FunctionName: string; Payload: Json };
  expect((parameters as { FunctionName: string }).FunctionName).toBe(FUNCTION_ARN);
  return { Payload: (await handler(Payload, { invokedFunctionArn: FUNCTION_ARN })) as unknown as Json };
};

const deployments = () => greengrass.commandCalls(CreateDeploymentCommand).map((c) => c.args[0].input);

// ---- the tests ------------------------------------------------------------------------------------------------------

describe("buildEdgeBranch", () => {
  const branch = buildEdgeBranch(ARGS);

  it("passes the Amazon States Language validator alone and as a Parallel state's branch", () => {
    const alone = validate({ Comment: "edge branch", ...branch });
    expect(alone.errors).toEqual([]);
    expect(alone.isValid).toBe(true);
    const inParallel = validate({ StartAt: "Release", States: { Release: { Type: "Parallel", Branches: [branch], End: true } } });
    expect(inParallel.errors).toEqual([]);
  });

  it("is caught by the validator when broken (the check is not vacuous)", () => {
    const broken = JSON.parse(JSON.stringify(branch));
    broken.States.DeployCanary.Next = "Nowhere";
    expect(validate(broken).errorsText()).toMatch(/MISSING_TRANSITION_TARGET/);
  });

  it("gives every Task a timeout, a bounded Retry without States.ALL, and a Catch to EdgeFailed", () => {
    expect(listTaskStates(branch).map((t) => t.path)).toEqual(["PublishComponent", "DeployCanary", "CheckCanary", "DeployFleet", "CheckFleet"]);
    expect(tasksWithoutRetryOrCatch(branch)).toEqual([]);
    for (const { path, state } of listTaskStates(branch)) {
      const t = state as unknown as TaskState;
      expect(t.TimeoutSeconds, path).toBe(120);
      for (const r of t.Retry) {
        expect(r.MaxAttempts, path).toBeLessThanOrEqual(MAX_RETRY_ATTEMPTS);
        expect(r.ErrorEquals, path).not.toContain("States.ALL");
        expect(r.ErrorEquals, path).not.toContain("ComponentVersionConflict");
      }
      expect(t.Catch, path).toEqual([{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: EDGE_STATE_NAMES.failed }]);
    }
  });

  it("sends the handler's events with the branch input's fields", () => {
    const S = branch.States as Record<string, TaskState>;
    expect(S.PublishComponent.Parameters.Payload).toEqual({ action: "publish", componentName: COMPONENT, "version.$": "$.version", "modelUri.$": "$.modelUri", "sha256.$": "$.sha256" });
    expect(S.DeployFleet.Parameters.Payload).toEqual({
      action: "deploy",
      target: "fleet",
      thingGroupArn: FLEET,
      componentName: COMPONENT,
      "version.$": "$.version",
      "releaseId.$": "$$.Execution.Name",
    });
    expect(S.CheckCanary.Parameters.Payload).toEqual({ action: "check", "deploymentId.$": "$.canary.deploymentId", thingGroupArn: CANARY, successThreshold: 1 });
  });

  it("names every bad argument at once, and throws an ArgError", () => {
    const bad = {
      ...ARGS,
      functionArn: "release-edge",
      fleetGroupArn: CANARY,
      componentName: "model v7",
      canary: { successThreshold: 0, waitSeconds: 5, maxChecks: 3 },
      fleet: { successThreshold: 1.2, waitSeconds: 600, maxChecks: 1001 },
    };
    expect(edgeBranchArgProblems(bad)).toEqual([
      'functionArn: "release-edge" is not a Lambda function ARN',
      `fleetGroupArn: "${CANARY}" is the canary's group; the fleet needs its own`,
      'componentName: "model v7" does not match /^[A-Za-z0-9._-]{1,128}$/',
      "canary.waitSeconds: 5 must be an integer from 10 to 3600",
      "fleet.maxChecks: 1001 must be an integer from 1 to 1000",
      "canary.successThreshold: 0 must be a number greater than 0 and at most 1",
      "fleet.successThreshold: 1.2 must be a number greater than 0 and at most 1",
    ]);
    expect(() => buildEdgeBranch(bad)).toThrow(ArgError);
    expect(() => buildEdgeBranch(bad)).toThrow(/^EdgeBranch: args: functionArn: "release-edge" is not a Lambda function ARN; /);
    const within = { ...ARGS, component: { waitSeconds: 10, maxChecks: 1000 }, canary: { ...ARGS.canary, maxChecks: 250 }, fleet: { ...ARGS.fleet, maxChecks: 250 } };
    expect(edgeBranchArgProblems(within)).toEqual([]);
    expect(edgeBranchArgProblems({ ...within, fleet: { ...ARGS.fleet, maxChecks: 251 } })).toEqual([
      "maxChecks: 1501 (component + canary + fleet) must be at most 1500: each check adds about 12 history events and an execution holds 25,000",
    ]);
    expect(edgeBranchArgProblems(ARGS)).toEqual([]);
  });
});

describe("the edge branch, run with the release-edge handler", () => {
  const branch = buildEdgeBranch(ARGS);
  const ok: JobProcessDetails = { numberOfSucceededThings: 2 };

  it("publishes, waits for DEPLOYABLE, rolls out to the canary, then to the fleet", async () => {
    script({
      componentStates: ["REQUESTED", "INITIATED", "DEPLOYABLE"],
      canary: [{ numberOfSucceededThings: 1, numberOfInProgressThings: 1 }, ok],
      fleet: [{ numberOfSucceededThings: 9, numberOfFailedThings: 1, numberOfQueuedThings: 2 }, { numberOfSucceededThings: 11, numberOfFailedThings: 1 }],
    });
    const r = await run(branch, INPUT as unknown as Json, viaHandler);
    expect(r.end).toBe("EdgeReleased");
    expect(r.trace.filter((s) => /^(Publish|Deploy|Check)/.test(s))).toEqual([
      "PublishComponent", "PublishComponent", "PublishComponent", "DeployCanary", "CheckCanary", "CheckCanary", "DeployFleet", "CheckFleet", "CheckFleet",
    ]);
    expect(r.waited).toBe(2 * 15 + 2 * 300 + 2 * 600);
    expect(greengrass.commandCalls(CreateComponentVersionCommand)).toHaveLength(1);
    expect(deployments()).toEqual([
      expect.objectContaining({ targetArn: CANARY, deploymentName: "edge-mlops-dev-model-v7-canary", components: { [COMPONENT]: { componentVersion: "7.0.0" } } }),
      expect.objectContaining({ targetArn: FLEET, deploymentName: "edge-mlops-dev-model-v7-fleet", components: { [COMPONENT]: { componentVersion: "7.0.0" } } }),
    ]);
    expect(deployments()[1].deploymentPolicies?.failureHandlingPolicy).toBe("ROLLBACK");
    expect(r.output).toMatchObject({
      ...INPUT,
      component: { componentVersion: "7.0.0", componentState: "DEPLOYABLE", created: false },
      canary: { deploymentId: "d-canary", deploymentName: "edge-mlops-dev-model-v7-canary", iotJobId: "job-canary" },
      canaryCheck: { state: "SUCCEEDED", succeeded: 2, total: 2 },
      fleetCheck: { state: "SUCCEEDED", succeeded: 11, failed: 1, total: 12 },
      edgeChecks: { component: { count: 3 }, canary: { count: 2 }, fleet: { count: 2 } },
    });
  });

  it("stops before the fleet when the canary fails, and fails the branch", async () => {
    script({ componentStates: ["DEPLOYABLE"], canary: [{ numberOfSucceededThings: 1, numberOfFailedThings: 1 }], fleet: [ok] });
    const r = await run(branch, INPUT as unknown as Json, viaHandler);
    expect(r.end).toBe("CanaryFailed");
    expect(r.error).toBe("CanaryFailed");
    expect(r.cause).toBe("1 of 2 devices succeeded, 1 failed, 0 in progress (threshold 1: 2): the threshold can no longer be reached");
    expect(deployments().map((d) => d.targetArn)).toEqual([CANARY]);
    expect(r.trace).not.toContain("DeployFleet");
  });

  it("fails when the canary has not succeeded within its checks, without deploying to the fleet", async () => {
    script({ componentStates: ["DEPLOYABLE"], canary: [{ numberOfSucceededThings: 1, numberOfQueuedThings: 1 }], fleet: [ok] });
    const r = await run(branch, INPUT as unknown as Json, viaHandler);
    expect(r.end).toBe("CanaryTimedOut");
    expect(r.trace.filter((s) => s === "CheckCanary")).toHaveLength(ARGS.canary.maxChecks);
    expect(deployments().map((d) => d.targetArn)).toEqual([CANARY]);
  });

  it("fails when the fleet fails after a good canary", async () => {
    script({ componentStates: ["DEPLOYABLE"], canary: [ok], fleet: [{ numberOfSucceededThings: 5, numberOfFailedThings: 5 }] });
    const r = await run(branch, INPUT as unknown as Json, viaHandler);
    expect([r.end, r.error]).toEqual(["FleetFailed", "FleetFailed"]);
    expect(deployments().map((d) => d.targetArn)).toEqual([CANARY, FLEET]);
  });

  it("fails when the component version never becomes DEPLOYABLE, deploying nothing", async () => {
    script({ componentStates: ["REQUESTED"], canary: [ok], fleet: [ok] });
    const r = await run(branch, INPUT as unknown as Json, viaHandler);
    expect([r.end, r.cause]).toEqual(["ComponentNotDeployable", "REQUESTED"]);
    expect(r.trace.filter((s) => s === "PublishComponent")).toHaveLength(ARGS.component.maxChecks);
    expect(deployments()).toEqual([]);
  });

  it("ends in EdgeFailed with the handler's error when the version exists with another model", async () => {
    script({ componentStates: ["DEPLOYABLE"], existingSha256: "cd".repeat(32), canary: [ok], fleet: [ok] });
    const r = await run(branch, INPUT as unknown as Json, viaHandler);
    expect([r.end, r.error]).toEqual(["EdgeFailed", "ComponentVersionConflict"]);
    expect(r.cause).toMatch(/^component edge-mlops-dev-model 7\.0\.0 exists with another recipe: /);
    expect(deployments()).toEqual([]);
  });
});
