/**
 * Starts a training run when a drift alarm fires, at most one per cool-down window for the whole service.
 *
 * Event: the EventBridge "CloudWatch Alarm State Change" event of an alarm named with the service's drift prefix that
 * went to ALARM (the rule sends nothing else; anything else is an InvalidEvent, refused before any AWS call).
 * Environment (DriftRetrainEnvironment, contracts/drift-retrain.ts): STATE_MACHINE_ARN, DRIFT_ALARM_PREFIX,
 * COOL_DOWN_HOURS.
 *
 * StartExecution under driftExecutionName(event time, cool-down). ExecutionAlreadyExists means a run of this window
 * exists (another feature drifted too, or the alarm fired again): an expected outcome, returned as started: false with
 * the reason. Every other error is thrown, so that Lambda's asynchronous retries try again. The input names the alarm
 * and the event, so a second alarm always meets ExecutionAlreadyExists; the same event delivered again while its run
 * is RUNNING gets what Step Functions gives a repeated StartExecution of the same name and input: that execution
 * (started: true, the same executionArn), and still one run.
 */
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import * as z from "zod/mini";
import {
  coolDownWindowStart,
  driftExecutionName,
  MAX_COOL_DOWN_HOURS,
  MIN_COOL_DOWN_HOURS,
  type DriftRetrainEnvironment,
  type DriftRetrainInput,
  type DriftRetrainResult,
} from "../../contracts/drift-retrain";
import { InvalidEvent, parseEnv, parseEvent } from "../shared/validation";

const sfn = new SFNClient({});

/** EventBridge event times: ISO 8601 in UTC to the second (fractions accepted). */
const EVENT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

interface AlarmStateChangeEvent {
  readonly id: string;
  readonly source: "aws.cloudwatch";
  readonly "detail-type": "CloudWatch Alarm State Change";
  readonly time: string;
  readonly detail: { readonly alarmName: string; readonly state: { readonly value: "ALARM" } };
}

const Event: z.ZodMiniType<AlarmStateChangeEvent> = z.object({
  id: z.string().check(z.minLength(1), z.maxLength(128)),
  source: z.literal("aws.cloudwatch"),
  "detail-type": z.literal("CloudWatch Alarm State Change"),
  time: z.string().check(z.regex(EVENT_TIME)),
  detail: z.object({
    alarmName: z.string().check(z.minLength(1), z.maxLength(255)),
    state: z.object({ value: z.literal("ALARM") }),
  }),
});

const Env: z.ZodMiniType<DriftRetrainEnvironment> = z.object({
  STATE_MACHINE_ARN: z.string().check(z.regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/)),
  DRIFT_ALARM_PREFIX: z.string().check(z.minLength(1), z.maxLength(255)),
  COOL_DOWN_HOURS: z.string().check(
    z.regex(/^[1-9]\d*$/),
    z.refine((h) => Number(h) >= MIN_COOL_DOWN_HOURS && Number(h) <= MAX_COOL_DOWN_HOURS, `must be ${MIN_COOL_DOWN_HOURS} to ${MAX_COOL_DOWN_HOURS} hours`),
  ),
});

export const handler = async (event: unknown): Promise<DriftRetrainResult> => {
  const e = parseEvent(Event, event);
  const env = parseEnv(Env, process.env);
  const time = Date.parse(e.time);
  if (Number.isNaN(time)) throw new InvalidEvent(`invalid event: event.time: ${JSON.stringify(e.time)} is not a date`);
  if (!e.detail.alarmName.startsWith(env.DRIFT_ALARM_PREFIX)) {
    throw new InvalidEvent(
      `invalid event: event.detail.alarmName: ${JSON.stringify(e.detail.alarmName)} is not a drift alarm of this service (prefix ${JSON.stringify(env.DRIFT_ALARM_PREFIX)})`,
    );
  }
  const hours = Number(env.COOL_DOWN_HOURS);
  const executionName = driftExecutionName(time, hours);
  const windowStart = new Date(coolDownWindowStart(time, hours)).toISOString();
  const input: DriftRetrainInput = { trigger: "drift", alarmName: e.detail.alarmName, eventId: e.id, eventTime: e.time, windowStart, coolDownHours: hours };
  try {
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: env.STATE_MACHINE_ARN, name: executionName, input: JSON.stringify(input) }));
    return { started: true, executionName, executionArn: started.executionArn, reason: `${e.detail.alarmName} went to ALARM: started ${executionName}` };
  } catch (err) {
    if (err instanceof ExecutionAlreadyExists || (err as Error).name === "ExecutionAlreadyExists") {
      return {
        started: false,
        executionName,
        reason: `${e.detail.alarmName} went to ALARM, but ${executionName} already exists: one run per ${hours} h window from ${windowStart}`,
      };
    }
    throw err;
  }
};
