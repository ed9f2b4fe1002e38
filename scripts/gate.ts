// The deploy gate: after `pulumi up` of one stack, decides whether the next stage may start. `pulumi up` succeeding
// proves little here: the ECS service is updated with `waitForSteadyState`, and a deployment the circuit breaker rolled
// back is stable too (on the previous task definition). So the gate checks what the stage is for, from the stack's
// outputs and with the AWS SDK:
//
//   rollout  ECS DescribeServices: the service and its PRIMARY deployment run the task definition this update
//            registered (output inferenceTaskDefinitionArn), and that deployment's rolloutState is COMPLETED. Polled
//            while IN_PROGRESS, until a deadline.
//   http     through the load balancer (output serviceUrl): GET /health is 200, and POST /forecast with a known
//            instance answers one finite prediction and a model version; when the outputs name the current-model
//            pointer (currentModelParameter), the answer must be that model's version and the prediction the one that
//            model gives (computed here with the server's own code, service/src). Bounded retries, each request timed.
//   alarms   CloudWatch DescribeAlarms of every alarm that notifies the stack's topic (output alarmTopicArn; every
//            alarm of the stack does, components/observability/alarms.ts): none may be in ALARM, and there must be
//            at least one, so a wrong topic cannot pass by finding nothing.
//
//   pulumi stack output --json --stack dev | npm run gate -- --stack dev
//   npm run gate -- --stack dev --outputs outputs.json [--rollout-timeout 600] [--service-url https://…]
//
// Exit 0 when every check passes; 1 with one line per failed check on stderr; 2 for bad arguments or outputs.
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { CloudWatchClient, paginateDescribeAlarms } from "@aws-sdk/client-cloudwatch";
import { DescribeServicesCommand, ECSClient, type Deployment } from "@aws-sdk/client-ecs";
import { S3Client } from "@aws-sdk/client-s3";
import { SSMClient } from "@aws-sdk/client-ssm";
import { z } from "zod";
import { callerPath } from "./caller-path";
import { loadModel } from "../service/src/model";
import { resolveModelPointer } from "../service/src/pointer";
import { Predictor } from "../service/src/predictor";
import { RequestValidator } from "../service/src/validate";

/** The first abalone of the training data (service/model/fixtures/predictions.json, instance 0). */
export const KNOWN_INSTANCE = {
  sex: "M",
  length: 0.455,
  diameter: 0.365,
  height: 0.095,
  whole_weight: 0.514,
  shucked_weight: 0.2245,
  viscera_weight: 0.101,
  shell_weight: 0.15,
} as const;

/** Largest difference allowed between the served prediction and the one computed here (same code, same model). */
export const PREDICTION_TOLERANCE = 1e-6;

/** The stack outputs the gate reads (index.ts exports them). */
const outputsSchema = z.object({
  serviceUrl: z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }),
  inferenceClusterName: z.string().min(1),
  inferenceServiceName: z.string().min(1),
  inferenceTaskDefinitionArn: z.string().regex(/^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]+:\d+$/, "must be an ECS task definition ARN"),
  alarmTopicArn: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/, "must be an SNS topic ARN"),
  currentModelParameter: z.string().min(1).optional(),
  /** The stack's tags; `[secret]` when the tags are a secret (`pulumi stack output --json` without --show-secrets). */
  stackTags: z.unknown().optional(),
});
export type GateOutputs = z.output<typeof outputsSchema>;

/** The region the stack's resources are in: the fourth field of its task definition's ARN. */
export function stackRegion(outputs: Pick<GateOutputs, "inferenceTaskDefinitionArn">): string {
  return outputs.inferenceTaskDefinitionArn.split(":")[3]!;
}

/**
 * Parses `pulumi stack output --json`. Throws one line naming the output that is missing or wrong, or saying the
 * outputs are of another stack (their `stackTags.stack`, when the tags are not a secret).
 */
export function parseStackOutputs(text: string, stack: string, source: string): GateOutputs {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not JSON (${(e as Error).message}); expected \`pulumi stack output --json\``);
  }
  const parsed = outputsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${source}: output ${issue.path.join(".") || "(root)"}: ${issue.code === "invalid_type" && issue.input === undefined ? "is missing" : issue.message}`);
  }
  const tags = parsed.data.stackTags;
  const tagged = tags !== null && typeof tags === "object" ? (tags as { stack?: unknown }).stack : undefined;
  if (tagged !== undefined && tagged !== stack) throw new Error(`${source}: these are the outputs of stack '${tagged}', not '${stack}'`);
  return parsed.data;
}

/** How long and how often the gate waits. Times in milliseconds. */
export interface GateTiming {
  /** Deadline of the rollout poll. @default 600000 (10 minutes) */
  readonly rolloutTimeoutMs: number;
  /** Pause between two DescribeServices calls while the rollout is IN_PROGRESS. @default 15000 */
  readonly pollIntervalMs: number;
  /** Attempts of the HTTP check (each: /health, then /forecast). @default 10 */
  readonly httpAttempts: number;
  /** Timeout of one HTTP request. @default 10000 */
  readonly httpTimeoutMs: number;
  /** Pause between two HTTP attempts. @default 6000 */
  readonly httpRetryDelayMs: number;
}

export const DEFAULT_TIMING: GateTiming = { rolloutTimeoutMs: 600_000, pollIntervalMs: 15_000, httpAttempts: 10, httpTimeoutMs: 10_000, httpRetryDelayMs: 6_000 };

/** The gate's clients and clock; tests pass mocks and a fake clock. */
export interface GateDeps {
  readonly ecs: ECSClient;
  readonly cloudwatch: CloudWatchClient;
  readonly ssm: SSMClient;
  readonly s3: S3Client;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

const describeDeployment = (d: Deployment) => `${d.taskDefinition} (${d.rolloutState ?? "no rollout state"}${d.rolloutStateReason ? `: ${d.rolloutStateReason}` : ""})`;

/** The rollout check: undefined when the PRIMARY deployment of the expected task definition COMPLETED, else one line. */
export async function checkRollout(o: GateOutputs, deps: GateDeps, timing: GateTiming): Promise<string | undefined> {
  const expected = o.inferenceTaskDefinitionArn;
  const deadline = deps.now() + timing.rolloutTimeoutMs;
  for (;;) {
    const out = await deps.ecs.send(new DescribeServicesCommand({ cluster: o.inferenceClusterName, services: [o.inferenceServiceName] }));
    const service = out.services?.[0];
    if (service === undefined) return `rollout: service ${o.inferenceServiceName} not found in cluster ${o.inferenceClusterName} (${out.failures?.[0]?.reason ?? "no reason given"})`;
    const deployments = service.deployments ?? [];
    const primary = deployments.find((d) => d.status === "PRIMARY");
    const failed = deployments.find((d) => d.taskDefinition === expected && d.rolloutState === "FAILED");
    if (primary?.taskDefinition !== expected || service.taskDefinition !== expected) {
      const runs = primary ? describeDeployment(primary) : "no PRIMARY deployment";
      return `rollout: the service runs ${runs}, not ${expected}${failed ? `; the deployment of ${expected} FAILED: ${failed.rolloutStateReason ?? "no reason given"}` : " (rolled back or replaced by another deployment)"}`;
    }
    if (primary.rolloutState === "COMPLETED") return undefined;
    if (primary.rolloutState === "FAILED") return `rollout: the deployment of ${expected} FAILED: ${primary.rolloutStateReason ?? "no reason given"}`;
    if (deps.now() + timing.pollIntervalMs > deadline) {
      return `rollout: the deployment of ${expected} is still ${primary.rolloutState ?? "without a rollout state"} after ${Math.round(timing.rolloutTimeoutMs / 1000)} s (${primary.rolloutStateReason ?? "no reason given"})`;
    }
    await deps.sleep(timing.pollIntervalMs);
  }
}

/** What the known instance must get: the model the pointer names, and its prediction for KNOWN_INSTANCE. */
export interface ExpectedAnswer {
  readonly modelVersion: string;
  readonly prediction: number;
}

/** Reads the model the current-model pointer names (as the tasks do at start) and predicts KNOWN_INSTANCE with it. */
export async function expectedAnswer(parameterName: string, deps: Pick<GateDeps, "ssm" | "s3">): Promise<ExpectedAnswer> {
  const uri = await resolveModelPointer(parameterName, () => deps.ssm);
  const model = await loadModel(uri, () => deps.s3);
  const input = new RequestValidator(model).validate({ instances: [KNOWN_INSTANCE] });
  return { modelVersion: model.model_version, prediction: new Predictor(model).predict(input.rows, input.count)[0]! };
}

/** One attempt: /health then /forecast. Undefined when both answer as expected, else what was wrong. */
async function httpAttempt(base: string, expected: ExpectedAnswer | undefined, timeoutMs: number): Promise<string | undefined> {
  const health = await fetch(new URL("/health", base), { signal: AbortSignal.timeout(timeoutMs) });
  await health.arrayBuffer();
  if (health.status !== 200) return `GET /health answered ${health.status}, expected 200`;
  const reply = await fetch(new URL("/forecast", base), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ instances: [KNOWN_INSTANCE] }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await reply.text();
  if (reply.status !== 200) return `POST /forecast answered ${reply.status}, expected 200: ${text.slice(0, 200)}`;
  let body: { predictions?: unknown; model_version?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return `POST /forecast answered something that is not JSON: ${text.slice(0, 200)}`;
  }
  const predictions = body?.predictions;
  if (!Array.isArray(predictions) || predictions.length !== 1 || typeof predictions[0] !== "number" || !Number.isFinite(predictions[0])) {
    return `POST /forecast answered ${text.slice(0, 200)}, expected {"predictions": [<one finite number>], "model_version": "..."}`;
  }
  if (typeof body.model_version !== "string" || body.model_version === "") return `POST /forecast answered no model_version: ${text.slice(0, 200)}`;
  if (expected !== undefined) {
    if (body.model_version !== expected.modelVersion) return `POST /forecast served model ${body.model_version}, but the current-model pointer names ${expected.modelVersion}`;
    if (Math.abs(predictions[0] - expected.prediction) > PREDICTION_TOLERANCE) {
      return `POST /forecast predicted ${predictions[0]} for the known instance, model ${expected.modelVersion} gives ${expected.prediction}`;
    }
  }
  return undefined;
}

/** The HTTP check: up to `httpAttempts` attempts; undefined on the first that passes, else the last problem. */
export async function checkHttp(serviceUrl: string, expected: ExpectedAnswer | undefined, deps: Pick<GateDeps, "sleep">, timing: GateTiming): Promise<string | undefined> {
  let problem = "";
  for (let attempt = 1; attempt <= timing.httpAttempts; attempt++) {
    try {
      const wrong = await httpAttempt(serviceUrl, expected, timing.httpTimeoutMs);
      if (wrong === undefined) return undefined;
      problem = wrong;
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      problem = err.name === "TimeoutError" ? `no answer within ${timing.httpTimeoutMs} ms` : `${err.message}${err.cause ? ` (${err.cause.code ?? err.cause.message})` : ""}`;
    }
    if (attempt < timing.httpAttempts) await deps.sleep(timing.httpRetryDelayMs);
  }
  return `http: ${serviceUrl}: ${problem} (after ${timing.httpAttempts} attempt${timing.httpAttempts === 1 ? "" : "s"})`;
}

/** The alarm check: one line per alarm of the stack in ALARM, or one line when the stack has no alarm at all. */
export async function checkAlarms(topicArn: string, deps: Pick<GateDeps, "cloudwatch">): Promise<string[]> {
  const alarms: { name: string; state: string; reason: string }[] = [];
  for await (const page of paginateDescribeAlarms({ client: deps.cloudwatch }, { ActionPrefix: topicArn, AlarmTypes: ["MetricAlarm", "CompositeAlarm"] })) {
    for (const a of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
      alarms.push({ name: a.AlarmName ?? "(unnamed)", state: a.StateValue ?? "", reason: a.StateReason ?? "" });
    }
  }
  if (alarms.length === 0) return [`alarms: no alarm notifies ${topicArn}; expected the stack's alarms there`];
  return alarms.filter((a) => a.state === "ALARM").map((a) => `alarms: ${a.name} is in ALARM: ${a.reason}`);
}

/** An AWS SDK error as one line: `<name>: <message>`. */
const sdkError = (e: unknown) => {
  const err = e as Error;
  return `${err.name && err.name !== "Error" ? `${err.name}: ` : ""}${err.message}`;
};

/**
 * Runs the three checks; returns one line per failure (empty: the stage passed). An AWS call that fails (access
 * denied, throttled past the SDK's retries) fails its own check, and the other checks still run.
 */
export async function runGate(o: GateOutputs, deps: GateDeps, timing: GateTiming = DEFAULT_TIMING): Promise<string[]> {
  const failures: string[] = [];
  const rollout = await checkRollout(o, deps, timing).catch((e: unknown) => `rollout: ECS DescribeServices failed: ${sdkError(e)}`);
  if (rollout !== undefined) failures.push(rollout);
  let expected: ExpectedAnswer | undefined;
  if (o.currentModelParameter !== undefined) {
    try {
      expected = await expectedAnswer(o.currentModelParameter, deps);
    } catch (e) {
      failures.push(`http: cannot tell the expected answer: ${(e as Error).message}`);
    }
  }
  const http = await checkHttp(o.serviceUrl, expected, deps, timing);
  if (http !== undefined) failures.push(http);
  failures.push(...(await checkAlarms(o.alarmTopicArn, deps).catch((e: unknown) => [`alarms: CloudWatch DescribeAlarms failed: ${sdkError(e)}`])));
  return failures;
}

const USAGE = "usage: npm run gate -- --stack <name> [--outputs FILE|-] [--service-url URL] [--rollout-timeout SECONDS] [--http-attempts N]";

/** What `--help` prints. */
export const HELP = `${USAGE}

Checks a deployed stack after \`pulumi up\`: the ECS rollout of the task definition the update registered reached
COMPLETED, the service answers /health and a known prediction through the load balancer, and none of the stack's
alarms is in ALARM. Reads the stack outputs (\`pulumi stack output --json\`) from --outputs FILE or stdin.

  --stack NAME               the stack the outputs belong to (required)
  --outputs FILE|-           the outputs' JSON (default -, stdin)
  --service-url URL          call the service here instead of serviceUrl (a DNS name the certificate covers)
  --rollout-timeout SECONDS  how long to wait for an IN_PROGRESS rollout, 0 to 3600 (default ${DEFAULT_TIMING.rolloutTimeoutMs / 1000})
  --http-attempts N          attempts of the HTTP checks, ${DEFAULT_TIMING.httpRetryDelayMs / 1000} s apart, 1 to 100 (default ${DEFAULT_TIMING.httpAttempts})

Exit status: 0 passed, 1 a check failed (one line each), 2 unusable arguments or outputs.`;

/** Whether the command line asks for help (--help or -h anywhere). */
export const wantsHelp = (argv: readonly string[]): boolean => argv.includes("--help") || argv.includes("-h");

/** Parses the command line. Throws one line naming the bad argument. */
export function parseGateArgs(argv: string[]): { stack: string; outputs: string; serviceUrl?: string; timing: GateTiming } {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: "string" },
      outputs: { type: "string", default: "-" },
      "service-url": { type: "string" },
      "rollout-timeout": { type: "string" },
      "http-attempts": { type: "string" },
    },
    strict: true,
  });
  if (!values.stack || !/^[A-Za-z0-9_.-]+$/.test(values.stack)) throw new Error(`--stack: required, a stack name (letters, digits, _ . -)`);
  const int = (flag: string, value: string | undefined, min: number, max: number, fallback: number) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${flag}: must be a whole number from ${min} to ${max}, got '${value}'`);
    return n;
  };
  const timing: GateTiming = {
    ...DEFAULT_TIMING,
    rolloutTimeoutMs: int("--rollout-timeout", values["rollout-timeout"], 0, 3600, DEFAULT_TIMING.rolloutTimeoutMs / 1000) * 1000,
    httpAttempts: int("--http-attempts", values["http-attempts"], 1, 100, DEFAULT_TIMING.httpAttempts),
  };
  return { stack: values.stack, outputs: values.outputs!, serviceUrl: values["service-url"], timing };
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parseGateArgs>;
  let outputs: GateOutputs;
  if (wantsHelp(process.argv.slice(2))) {
    console.log(HELP);
    return 0;
  }
  try {
    args = parseGateArgs(process.argv.slice(2));
    const source = args.outputs === "-" ? "stdin" : args.outputs;
    const text = fs.readFileSync(args.outputs === "-" ? 0 : callerPath(args.outputs), "utf8");
    outputs = parseStackOutputs(text, args.stack, source);
    if (args.serviceUrl !== undefined) outputs = parseStackOutputs(JSON.stringify({ ...outputs, serviceUrl: args.serviceUrl }), args.stack, "--service-url");
  } catch (e) {
    console.error(`gate: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  // The stack's region, from its task definition's ARN: not the shell's AWS_REGION, which may name another stack's.
  const region = stackRegion(outputs);
  const deps: GateDeps = {
    ecs: new ECSClient({ region }),
    cloudwatch: new CloudWatchClient({ region }),
    ssm: new SSMClient({ region }),
    s3: new S3Client({ region }),
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
  const failures = await runGate(outputs, deps, args.timing);
  for (const line of failures) console.error(`gate ${args.stack}: FAILED ${line}`);
  if (failures.length === 0) console.log(`gate ${args.stack}: passed (rollout COMPLETED on ${outputs.inferenceTaskDefinitionArn}, ${outputs.serviceUrl} answers, no alarm in ALARM)`);
  return failures.length === 0 ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (e) => {
      console.error(`gate: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
