/**
 * The cloud branch of a release: moves the stack's current-model pointer and rolls the inference service onto it,
 * watches the rollout, and puts the previous model back when it fails.
 *
 * Event: CloudEvent (contracts/release-payloads.ts), one action per state of the branch. Environment
 * (CloudEnvironment): CLUSTER_NAME, SERVICE_NAME, POINTER_PARAMETER — the one service and pointer it may move. Both
 * are validated before any AWS call.
 *
 * - point: PutParameter the staged URI, ECS UpdateService forceNewDeployment (the tasks read the pointer when they
 *   start: service/src/pointer.ts). The pointer's previous value comes in the event: the state machine reads it in a
 *   state of its own before this one, so a retried point can never take its own write for the value to roll back to.
 *   If UpdateService fails, the previous value is put back before the error is rethrown, so a failed point leaves
 *   nothing moved. Returns PointResult (the new PRIMARY deployment's id and task definition).
 * - check: DescribeServices → the PRIMARY deployment, which must still be the one point started, running the same
 *   task definition; then DescribeAlarms on the health alarms named in the event. Returns CheckResult: FAILED (the
 *   rollout failed, another deployment took over, or an alarm is in ALARM), COMPLETED (rollout completed, every alarm
 *   OK or INSUFFICIENT_DATA), TIMED_OUT (still in progress at the last allowed check) or IN_PROGRESS.
 * - rollback: PutParameter the remembered value, UpdateService forceNewDeployment. Returns RollbackResult.
 */
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand, type Deployment } from "@aws-sdk/client-ecs";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import * as z from "zod/mini";
import { S3_URI } from "../../contracts/patterns";
import type {
  CheckEvent,
  CheckResult,
  CloudEnvironment,
  CloudEvent,
  PointEvent,
  PointResult,
  RollbackResult,
} from "../../contracts/release-payloads";
import { parseEnv, parseEvent } from "../shared/validation";

const ssm = new SSMClient({});
const ecs = new ECSClient({});
const cloudwatch = new CloudWatchClient({});

/** DescribeAlarms takes at most 100 alarm names (CloudWatch API reference, DescribeAlarms AlarmNames). */
export const MAX_ALARM_NAMES = 100;

/** ECS did not return the service, or no PRIMARY deployment after UpdateService. */
export class ServiceError extends Error {
  override readonly name = "ServiceError";
}

const ECS_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const s3Uri = () => z.string().check(z.regex(S3_URI));

const Event: z.ZodMiniType<CloudEvent> = z.discriminatedUnion("action", [
  z.object({ action: z.literal("point"), modelUri: s3Uri(), previousModelUri: s3Uri() }),
  z.object({
    action: z.literal("check"),
    deploymentId: z.string().check(z.regex(/^ecs-svc\/\d{1,32}$/)),
    taskDefinitionArn: z.string().check(z.regex(/^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]{1,255}:\d+$/)),
    alarmNames: z.array(z.string().check(z.minLength(1), z.maxLength(255))).check(z.maxLength(MAX_ALARM_NAMES)),
    attempt: z.number().check(z.int(), z.gte(0)),
    maxAttempts: z.number().check(z.int(), z.gte(1)),
  }),
  z.object({ action: z.literal("rollback"), previousModelUri: s3Uri() }),
]);

const Env: z.ZodMiniType<CloudEnvironment> = z.object({
  CLUSTER_NAME: z.string().check(z.regex(ECS_NAME)),
  SERVICE_NAME: z.string().check(z.regex(ECS_NAME)),
  POINTER_PARAMETER: z.string().check(z.regex(/^\/[A-Za-z0-9_.\/-]{1,2047}$/)),
});

const putPointer = (env: CloudEnvironment, value: string) =>
  ssm.send(new PutParameterCommand({ Name: env.POINTER_PARAMETER, Value: value, Type: "String", Overwrite: true }));

/** Forces a new deployment; returns the new PRIMARY deployment. */
async function redeploy(env: CloudEnvironment): Promise<Deployment & { id: string; taskDefinition: string }> {
  const updated = await ecs.send(new UpdateServiceCommand({ cluster: env.CLUSTER_NAME, service: env.SERVICE_NAME, forceNewDeployment: true }));
  const primary = updated.service?.deployments?.find((d) => d.status === "PRIMARY");
  if (!primary?.id || !primary.taskDefinition) {
    throw new ServiceError(`${env.CLUSTER_NAME}/${env.SERVICE_NAME}: UpdateService returned no PRIMARY deployment`);
  }
  return { ...primary, id: primary.id, taskDefinition: primary.taskDefinition };
}

async function point(env: CloudEnvironment, { modelUri, previousModelUri }: PointEvent): Promise<PointResult> {
  await putPointer(env, modelUri);
  try {
    const deployment = await redeploy(env);
    return { previousModelUri, modelUri, deploymentId: deployment.id, taskDefinitionArn: deployment.taskDefinition };
  } catch (err) {
    await putPointer(env, previousModelUri);
    throw err;
  }
}

async function alarmsInAlarm(names: readonly string[]): Promise<string[]> {
  if (names.length === 0) return [];
  // Metric alarms only: DescribeAlarms returns composite alarms only to a caller allowed it on "*", and this
  // function's role is allowed it on the health alarms' ARNs alone.
  const got = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [...names], AlarmTypes: ["MetricAlarm"] }));
  return (got.MetricAlarms ?? [])
    .filter((a) => a.StateValue === "ALARM" && a.AlarmName)
    .map((a) => a.AlarmName!)
    .sort();
}

async function check(env: CloudEnvironment, e: CheckEvent): Promise<CheckResult> {
  const attempt = e.attempt + 1;
  const result = (state: CheckResult["state"], reason: string, alarms: string[] = []): CheckResult => ({ state, reason, attempt, alarmsInAlarm: alarms });
  const described = await ecs.send(new DescribeServicesCommand({ cluster: env.CLUSTER_NAME, services: [env.SERVICE_NAME] }));
  const service = described.services?.[0];
  if (!service) throw new ServiceError(`${env.CLUSTER_NAME}/${env.SERVICE_NAME}: DescribeServices returned no service (${JSON.stringify(described.failures ?? [])})`);
  const primary = service.deployments?.find((d) => d.status === "PRIMARY");
  if (primary?.id !== e.deploymentId) {
    return result("FAILED", `deployment ${e.deploymentId} is no longer the PRIMARY one (now ${primary?.id ?? "none"})`);
  }
  if (primary.taskDefinition !== e.taskDefinitionArn) {
    return result("FAILED", `deployment ${e.deploymentId} runs ${primary.taskDefinition}, not ${e.taskDefinitionArn}`);
  }
  if (primary.rolloutState === "FAILED") return result("FAILED", `deployment ${e.deploymentId} failed: ${primary.rolloutStateReason ?? "no reason given"}`);
  const alarms = await alarmsInAlarm(e.alarmNames);
  if (alarms.length > 0) return result("FAILED", `alarm(s) in ALARM: ${alarms.join(", ")}`, alarms);
  if (primary.rolloutState === "COMPLETED") return result("COMPLETED", `deployment ${e.deploymentId} completed; ${e.alarmNames.length} health alarm(s) not in ALARM`);
  if (attempt >= e.maxAttempts) return result("TIMED_OUT", `deployment ${e.deploymentId} still ${primary.rolloutState ?? "without a rollout state"} after ${attempt} check(s)`);
  return result("IN_PROGRESS", `deployment ${e.deploymentId} ${primary.rolloutState ?? "without a rollout state"} (check ${attempt} of ${e.maxAttempts})`);
}

async function rollback(env: CloudEnvironment, previousModelUri: string): Promise<RollbackResult> {
  await putPointer(env, previousModelUri);
  const deployment = await redeploy(env);
  return { restoredModelUri: previousModelUri, deploymentId: deployment.id };
}

export async function handler(event: unknown): Promise<PointResult | CheckResult | RollbackResult> {
  const e = parseEvent(Event, event);
  const env = parseEnv(Env, process.env);
  switch (e.action) {
    case "point":
      return point(env, e);
    case "check":
      return check(env, e);
    case "rollback":
      return rollback(env, e.previousModelUri);
  }
}
