/**
 * Retraining on drift: what the drift-retrain Lambda (lambda/drift-retrain) and the component that deploys it
 * (components/training-workflow/retrain.ts) agree on. No Pulumi here.
 *
 * An EventBridge rule sends every "CloudWatch Alarm State Change" to ALARM of an alarm named with the service's drift
 * prefix (contracts/drift.ts driftAlarmPrefix) to the Lambda, which starts the training state machine under an
 * execution name derived from the cool-down window the event falls in: floor(event time / cool-down). Step Functions
 * refuses a second execution of the same name (ExecutionAlreadyExists; names of Standard workflows stay taken for 90
 * days after the execution closes), so however many drift alarms fire in one window, one run starts.
 */

/** Shortest cool-down: one hour, the smallest window a name of the form below tells apart. */
export const MIN_COOL_DOWN_HOURS = 1;
/**
 * Longest cool-down: 90 days. Step Functions keeps a Standard execution's name taken for 90 days after it closes; a
 * longer window could see its name free again and start a second run inside the window.
 */
export const MAX_COOL_DOWN_HOURS = 2160;

/** The Lambda's environment. */
export interface DriftRetrainEnvironment {
  /** ARN of the training state machine the Lambda starts. */
  readonly STATE_MACHINE_ARN: string;
  /** Only alarms whose name starts with this start a run (the rule matches the same prefix). */
  readonly DRIFT_ALARM_PREFIX: string;
  /** The cool-down window in whole hours, as a decimal string. */
  readonly COOL_DOWN_HOURS: string;
}

/**
 * The training state machine's input of a drift-started run. The workflow reads nothing from its input (every state
 * takes what it needs from the execution context and earlier states' results), so this only records why it ran, in
 * the same `trigger` field the schedule ("schedule") and the Airflow DAG ("continuous_training") use.
 */
export interface DriftRetrainInput {
  readonly trigger: "drift";
  /** The alarm whose state change started the run. */
  readonly alarmName: string;
  /** The EventBridge event's id and time (ISO 8601). */
  readonly eventId: string;
  readonly eventTime: string;
  /** Start of the cool-down window (ISO 8601) and its length. */
  readonly windowStart: string;
  readonly coolDownHours: number;
}

/** What the Lambda returns. */
export interface DriftRetrainResult {
  /** True when this invocation started the run; false when one of this window already exists. */
  readonly started: boolean;
  readonly executionName: string;
  /** The started execution's ARN (only when started). */
  readonly executionArn?: string;
  readonly reason: string;
}

/** Start (ms since the epoch) of the cool-down window holding `timeMs`. */
export function coolDownWindowStart(timeMs: number, coolDownHours: number): number {
  const window = coolDownHours * 3_600_000;
  return Math.floor(timeMs / window) * window;
}

/**
 * The execution name of the window holding `timeMs`: `drift-<window start, YYYYMMDDTHHMMZ>-<hours>h`, e.g.
 * `drift-20261201T0000Z-24h` (24 characters; Step Functions allows 80 of letters, digits, '-' and '_').
 */
export function driftExecutionName(timeMs: number, coolDownHours: number): string {
  if (!Number.isInteger(coolDownHours) || coolDownHours < MIN_COOL_DOWN_HOURS || coolDownHours > MAX_COOL_DOWN_HOURS) {
    throw new RangeError(`coolDownHours must be a whole number of hours from ${MIN_COOL_DOWN_HOURS} to ${MAX_COOL_DOWN_HOURS}, got ${coolDownHours}`);
  }
  const start = new Date(coolDownWindowStart(timeMs, coolDownHours)).toISOString(); // 2026-12-01T00:00:00.000Z
  const stamp = `${start.slice(0, 4)}${start.slice(5, 7)}${start.slice(8, 10)}T${start.slice(11, 13)}${start.slice(14, 16)}Z`;
  return `drift-${stamp}-${coolDownHours}h`;
}
