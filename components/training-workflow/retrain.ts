// Retraining on drift: an EventBridge rule on the default bus matches the inference service's drift alarms going to
// ALARM (source aws.cloudwatch, detail-type "CloudWatch Alarm State Change", detail.alarmName prefix, detail.state.value
// ALARM) and invokes the drift-retrain Lambda, which starts the training state machine once per cool-down window
// (contracts/drift-retrain.ts). A Lambda sits between the rule and the state machine because the execution name must
// come from the window: a rule targeting the state machine directly would start one run per alarm. The Lambda's role may
// only start executions of this one state machine; only this rule may invoke it.
import * as pulumi from "@pulumi/pulumi";
import type { DriftRetrainEnvironment } from "../../contracts/drift-retrain";
import type { PolicyStatement } from "../iam";
import { invokeFromRule, LambdaFunction } from "../lambda-function";
import type { WorkflowContext } from "./context";
import * as cloudwatch from "@pulumi/aws/cloudwatch";

/** The EventBridge event pattern of a service's drift alarms going to ALARM. */
export function driftAlarmEventPattern(driftAlarmPrefix: string) {
  return {
    source: ["aws.cloudwatch"],
    "detail-type": ["CloudWatch Alarm State Change"],
    detail: { alarmName: [{ prefix: driftAlarmPrefix }], state: { value: ["ALARM"] } },
  };
}

/** What the drift-retrain Lambda may do: start executions of the one state machine. */
export function driftRetrainStatements(stateMachineArn: string): PolicyStatement[] {
  return [{ Sid: "StartTraining", Effect: "Allow", Action: ["states:StartExecution"], Resource: stateMachineArn }];
}

export interface RetrainOnDrift {
  readonly function: LambdaFunction;
  readonly rule: cloudwatch.EventRule;
}

/**
 * Registers `<name>-drift-retrain` (a LambdaFunction), `<name>-drift-retrain-rule`, `-target` and `-invoke` under the
 * workflow; nothing when `retrainOnDrift.enabled` is false or no drift alarm prefix was given.
 */
export function buildRetrainOnDrift(ctx: WorkflowContext, stateMachineArn: pulumi.Output<string>): RetrainOnDrift | undefined {
  const { name, parent, settings: s } = ctx;
  const prefix = s.driftAlarmPrefix;
  if (!s.retrainOnDrift.enabled || prefix === undefined) return undefined;
  const environment: pulumi.Input<Record<keyof DriftRetrainEnvironment, pulumi.Input<string>>> = {
    STATE_MACHINE_ARN: stateMachineArn,
    DRIFT_ALARM_PREFIX: prefix,
    COOL_DOWN_HOURS: String(s.retrainOnDrift.coolDownHours),
  };
  const fn = new LambdaFunction(
    `${name}-drift-retrain`,
    {
      folder: "drift-retrain",
      description: `Starts ${s.stateMachineName} when a drift alarm ${prefix}* fires, once per ${s.retrainOnDrift.coolDownHours} h`,
      statements: stateMachineArn.apply(driftRetrainStatements),
      environment,
      reservedConcurrency: s.lambdaReservedConcurrency,
      logRetentionDays: s.logRetentionDays,
    },
    { parent },
  );
  const rule = new cloudwatch.EventRule(
    `${name}-drift-retrain-rule`,
    { description: `Drift alarms ${prefix}* going to ALARM start a training run`, eventPattern: JSON.stringify(driftAlarmEventPattern(prefix)) },
    { parent },
  );
  invokeFromRule(`${name}-drift-retrain`, rule, fn, { parent });
  return { function: fn, rule };
}
