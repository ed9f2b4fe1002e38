// What the drift-retrain handler tests share: an EventBridge "CloudWatch Alarm State Change" event as CloudWatch sends
// it, and the Lambda's environment (DriftRetrainEnvironment) set and cleared around each test.
import type { DriftRetrainEnvironment } from "../../contracts/drift-retrain";

/** The drift alarm prefix of the tests' service. */
export const PREFIX = "edge-mlops-dev-drift-";

/** The state change of alarm `alarmName` to `state` (default ALARM) at `time`, with event id `id`. */
export function alarmEvent(alarmName: string, time: string, over: { state?: string; id?: string } = {}) {
  return {
    version: "0",
    id: over.id ?? "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
    "detail-type": "CloudWatch Alarm State Change",
    source: "aws.cloudwatch",
    account: "123456789012",
    time,
    region: "eu-west-1",
    resources: [`arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${alarmName}`],
    detail: {
      alarmName,
      state: { value: over.state ?? "ALARM", reason: "Threshold Crossed", timestamp: `${time.replace("Z", "")}.000+0000` },
      previousState: { value: "OK" },
      configuration: { description: "Model drift" },
    },
  };
}

const KEYS: readonly (keyof DriftRetrainEnvironment)[] = ["STATE_MACHINE_ARN", "DRIFT_ALARM_PREFIX", "COOL_DOWN_HOURS"];

/** Sets the handler's environment: this state machine, PREFIX and a 24-hour cool-down. */
export function setEnvironment(stateMachineArn: string): void {
  const env: DriftRetrainEnvironment = { STATE_MACHINE_ARN: stateMachineArn, DRIFT_ALARM_PREFIX: PREFIX, COOL_DOWN_HOURS: "24" };
  Object.assign(process.env, env);
}

export function clearEnvironment(): void {
  for (const key of KEYS) delete process.env[key];
}
