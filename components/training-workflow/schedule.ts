// The optional scheduled trigger: an EventBridge Scheduler schedule that starts the state machine, through a role
// allowed only that. Off by default (the Airflow DAG starts runs); `schedule.enabled` turns it on.
import type * as pulumi from "@pulumi/pulumi";
import { POLICY_VERSION, type PolicyDocument } from "../iam";
import type { WorkflowContext } from "./context";
import * as scheduler from "@pulumi/aws/scheduler";
import * as iam from "@pulumi/aws/iam";

/** The schedule, or undefined when `schedule.enabled` is false. */
export function buildSchedule(ctx: WorkflowContext, stateMachineArn: pulumi.Output<string>): scheduler.Schedule | undefined {
  const { name, parent, settings: s } = ctx;
  if (!s.schedule.enabled) return undefined;
  const role = new iam.Role(
    `${name}-schedule-role`,
    { description: `Starts ${s.stateMachineName} on a schedule`, assumeRolePolicy: ctx.trustedBy("scheduler.amazonaws.com") },
    { parent },
  );
  const rolePolicy = new iam.RolePolicy(
    `${name}-schedule-policy`,
    { role: role.id, policy: stateMachineArn.apply((arn) => JSON.stringify(schedulerPolicy(arn))) },
    { parent },
  );
  return new scheduler.Schedule(
    `${name}-schedule`,
    {
      description: `Starts the training workflow ${s.stateMachineName}`,
      scheduleExpression: s.schedule.expression,
      flexibleTimeWindow: { mode: "OFF" },
      state: "ENABLED",
      target: {
        arn: stateMachineArn,
        roleArn: role.arn,
        input: JSON.stringify({ trigger: "schedule" }),
        retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 3 },
      },
    },
    { parent, dependsOn: [rolePolicy] },
  );
}

// ---- the role's document ---------------------------------------------------------------------------------------

/** The schedule's role: start executions of the one state machine. */
export function schedulerPolicy(stateMachineArn: string): PolicyDocument {
  return {
    Version: POLICY_VERSION,
    Statement: [{ Sid: "StartTraining", Effect: "Allow", Action: ["states:StartExecution"], Resource: stateMachineArn }],
  };
}
