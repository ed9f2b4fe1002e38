// Monitoring of the edge fleet (components/observability/contract.ts): fleet events reach the stack's alarm topic.
//
// - Greengrass deployments: AWS IoT Greengrass sends "Greengrass V2 Effective Deployment Status Change" events
//   (source aws.greengrass) to the default EventBridge bus when a core device finishes a deployment; `detail` holds
//   `deploymentId`, `coreDeviceExecutionStatus` (FAILED, SUCCEEDED, COMPLETED, REJECTED, CANCELED), `statusDetails`
//   and `reason`, and `resources` the core device's ARN. The event names no thing group, so the rule matches this
//   stack's deployment by its id, and FAILED or REJECTED outcomes. An input transformer makes a readable message.
// - IoT job executions: AWS IoT sends no job events to EventBridge (only API calls, through CloudTrail). A device's
//   job execution that ends failed, rejected or timed out is published on the reserved MQTT topic
//   `$aws/events/jobExecution/<jobId>/<operation>` once the account's JOB_EXECUTION events are on; an IoT topic rule
//   forwards those to the topic through a role that may only publish there (and use the topic's key through SNS).
//   Job execution events name the job and the thing, not the thing group: the rule forwards every failing job
//   execution of the account and region. JOB_EXECUTION events are an account-wide setting
//   (`aws.iot.EventConfigurations`), switched on only with `enableJobExecutionEvents`.
// - An alarm on the deployment rule's FailedInvocations says when EventBridge could not deliver to the topic.
import type * as pulumi from "@pulumi/pulumi";
import { POLICY_VERSION, serviceTrustPolicy, sourceAccountCondition, type PolicyDocument, type TrustPolicy } from "../iam";
import type { AlarmMetric, AlarmSpec } from "../observability/alarms";
import { validateThresholds, type AlarmThresholds, type MonitoringArgs } from "../observability/contract";
import { alarmStatusWidget, graphWidget, headerWidget, metricLine, type TextWidget, type Widget } from "../observability/widgets";
import { describeValue } from "../../contracts/iot-names";
import { KMS_KEY_ARN } from "../../contracts/patterns";
import { argError } from "../args";

/** The `monitoring` arg of an EdgeFleet. */
export interface EdgeFleetMonitoringArgs extends MonitoringArgs {
  /**
   * KMS key ARN encrypting the alarm topic (Notifications.kmsKeyArn): the job-events rule's role may use it through
   * SNS to publish. @default undefined (the topic has no customer-managed key)
   */
  readonly alarmTopicKmsKeyArn?: pulumi.Input<string>;
  /**
   * Switch on the account's AWS IoT JOB_EXECUTION events, without which the job-events rule receives nothing. This
   * writes the account's whole IoT event configuration for the region (JOB_EXECUTION on, every other event type off,
   * AWS's default) and removing it from the stack leaves the setting as it is. Turn it on in exactly one stack per
   * account and region (the one that owns the account-wide IoT settings), or leave it off where the account publishes
   * other registry events and enable JOB_EXECUTION there by hand. @default false
   */
  readonly enableJobExecutionEvents?: boolean;
}

/** The monitoring settings of an EdgeFleet, checked. */
export interface EdgeFleetMonitoringSettings {
  readonly alarmTopicArn: pulumi.Input<string>;
  readonly alarmTopicKmsKeyArn?: pulumi.Input<string>;
  readonly thresholds: AlarmThresholds;
  readonly enableJobExecutionEvents: boolean;
}

/**
 * Checks the `monitoring` arg and applies its defaults.
 * @throws ArgError `EdgeFleet: monitoring.<key>: ...` naming the first bad value.
 */
export function resolveEdgeFleetMonitoring(m: EdgeFleetMonitoringArgs | undefined): EdgeFleetMonitoringSettings | undefined {
  if (m === undefined) return undefined;
  const thresholds = validateThresholds("EdgeFleet", m.thresholds);
  if (typeof m.alarmTopicKmsKeyArn === "string" && !KMS_KEY_ARN.test(m.alarmTopicKmsKeyArn)) {
    argError("EdgeFleet", "monitoring.alarmTopicKmsKeyArn", `must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), got ${describeValue(m.alarmTopicKmsKeyArn)}`);
  }
  const enableJobExecutionEvents = m.enableJobExecutionEvents ?? false;
  if (typeof enableJobExecutionEvents !== "boolean") {
    argError("EdgeFleet", "monitoring.enableJobExecutionEvents", `must be a boolean, got ${describeValue(enableJobExecutionEvents)}`);
  }
  return { alarmTopicArn: m.alarmTopicArn, alarmTopicKmsKeyArn: m.alarmTopicKmsKeyArn, thresholds, enableJobExecutionEvents };
}

// ---- Greengrass deployment failures (EventBridge) -------------------------------------------------------------------

export const GREENGRASS_EVENT_SOURCE = "aws.greengrass";
export const DEPLOYMENT_STATUS_DETAIL_TYPE = "Greengrass V2 Effective Deployment Status Change";
/** Outcomes on a core device that are failures: the deployment failed, or the device refused it. */
export const FAILED_DEPLOYMENT_STATUSES = ["FAILED", "REJECTED"] as const;

/** Event pattern: this deployment ended FAILED or REJECTED on a core device. */
export function deploymentFailurePattern(deploymentId: string) {
  if (deploymentId.trim() === "") throw new Error("EdgeFleet: the deployment has no id to match deployment events on");
  return {
    source: [GREENGRASS_EVENT_SOURCE],
    "detail-type": [DEPLOYMENT_STATUS_DETAIL_TYPE],
    detail: { deploymentId: [deploymentId], coreDeviceExecutionStatus: [...FAILED_DEPLOYMENT_STATUSES] },
  };
}

/** Input transformer of the deployment rule's target: a one-line message naming the device, outcome and reason. */
export function deploymentFailureMessage(rootGroupName: string) {
  return {
    inputPaths: {
      deploymentId: "$.detail.deploymentId",
      status: "$.detail.coreDeviceExecutionStatus",
      device: "$.resources[0]",
      reason: "$.detail.reason",
      time: "$.time",
    },
    // A JSON string: SNS delivers its text as the message.
    inputTemplate: JSON.stringify(
      `Greengrass deployment <deploymentId> to thing group ${rootGroupName} ended <status> on core device <device> at <time>. Reason: <reason>`,
    ),
  };
}

// ---- IoT job execution failures (topic rule) ------------------------------------------------------------------------

/** Reserved topic of job execution terminal states: `$aws/events/jobExecution/<jobId>/<operation>`. */
export const JOB_EXECUTION_EVENTS_TOPIC = "$aws/events/jobExecution/+/+";
/** Job execution operations that are failures. */
export const FAILED_JOB_OPERATIONS = ["failed", "rejected", "timed_out"] as const;
/** AWS IoT SQL version of the rule. */
export const IOT_SQL_VERSION = "2016-03-23";
/** Every AWS IoT event type UpdateEventConfigurations knows. */
export const IOT_EVENT_TYPES = [
  "THING",
  "THING_GROUP",
  "THING_TYPE",
  "THING_GROUP_MEMBERSHIP",
  "THING_GROUP_HIERARCHY",
  "THING_TYPE_ASSOCIATION",
  "JOB",
  "JOB_EXECUTION",
  "POLICY",
  "CERTIFICATE",
  "CA_CERTIFICATE",
] as const;

const RULE_SUFFIX = "_job_execution_failures";

/** Name of the job-events topic rule: the root group's name with '_' for ':' and '-' (rule names allow only [a-zA-Z0-9_]). */
export function jobFailureRuleName(rootGroupName: string): string {
  return `${rootGroupName.replace(/[^a-zA-Z0-9_]/g, "_").slice(0, 128 - RULE_SUFFIX.length)}${RULE_SUFFIX}`;
}

/**
 * Rule SQL: job executions that ended failed, rejected or timed out. The whole event (jobId, thingArn, status,
 * statusDetails, timestamp) is forwarded, with a summary line for the reader.
 */
export function jobFailureRuleSql(rootGroupName: string): string {
  const summary = `AWS IoT job execution failed, was rejected or timed out (account-wide rule of the edge fleet ${rootGroupName})`;
  const where = FAILED_JOB_OPERATIONS.map((op) => `operation = '${op}'`).join(" OR ");
  return `SELECT *, '${summary}' AS summary FROM '${JOB_EXECUTION_EVENTS_TOPIC}' WHERE ${where}`;
}

/** The account's IoT event configuration written with `enableJobExecutionEvents`: JOB_EXECUTION on, the rest off. */
export function jobExecutionEventConfigurations(): Record<(typeof IOT_EVENT_TYPES)[number], boolean> {
  return Object.fromEntries(IOT_EVENT_TYPES.map((type) => [type, type === "JOB_EXECUTION"])) as Record<(typeof IOT_EVENT_TYPES)[number], boolean>;
}

/** Trust policy of an IoT topic rule's role: AWS IoT, acting for this rule of this account only. */
export function topicRuleTrustPolicy(accountId: string, ruleArn: string): TrustPolicy {
  return serviceTrustPolicy("iot.amazonaws.com", { ...sourceAccountCondition(accountId), ArnEquals: { "aws:SourceArn": ruleArn } });
}

/** Trust policy of the job-events rule's role: {@link topicRuleTrustPolicy}. */
export const jobEventsTrustPolicy = topicRuleTrustPolicy;

/** ARN of the topic rule `ruleName` in an account and region. */
export function topicRuleArn(scope: { partition: string; region: string; accountId: string }, ruleName: string): string {
  return `arn:${scope.partition}:iot:${scope.region}:${scope.accountId}:rule/${ruleName}`;
}

/** What the job-events rule's role may do: publish to the alarm topic and, if it is encrypted, use its key through SNS. */
export function jobEventsPublishPolicy(topicArn: string, kmsKeyArn: string | undefined, region: string): PolicyDocument {
  return {
    Version: POLICY_VERSION,
    Statement: [
      { Sid: "PublishToAlarmTopic", Effect: "Allow", Action: ["sns:Publish"], Resource: [topicArn] },
      ...(kmsKeyArn
        ? [
            {
              Sid: "EncryptForAlarmTopic",
              Effect: "Allow" as const,
              Action: ["kms:GenerateDataKey", "kms:Decrypt"],
              Resource: [kmsKeyArn],
              Condition: { StringEquals: { "kms:ViaService": `sns.${region}.amazonaws.com` } },
            },
          ]
        : []),
    ],
  };
}

// ---- alarms and widgets ---------------------------------------------------------------------------------------------

export const EVENTS_NAMESPACE = "AWS/Events";
export const IOT_NAMESPACE = "AWS/IoT";

/**
 * The fleet's alarms, keyed by resource name suffix: `alarm-deployment-events-undelivered` when EventBridge gave up
 * delivering a deployment event to the topic (FailedInvocations is reported only when above zero; no data is fine).
 */
export function edgeAlarmSpecs(deploymentRuleName: pulumi.Input<string>, rootGroupName: string, t: AlarmThresholds): Record<string, AlarmSpec> {
  return {
    "alarm-deployment-events-undelivered": undeliveredAlarm(
      `EventBridge could not deliver Greengrass deployment failures of ${rootGroupName} to the alarm topic ` +
        "(check the topic's policy and its key's policy for events.amazonaws.com).",
      { namespace: EVENTS_NAMESPACE, metricName: "FailedInvocations", dimensions: { RuleName: deploymentRuleName } },
      t,
    ),
  };
}

/**
 * An alarm on a count of undelivered events: in alarm as soon as one period's sum is above zero; no data (nothing
 * failed, so nothing was reported) is fine.
 */
export function undeliveredAlarm(description: string, metric: AlarmMetric, t: AlarmThresholds): AlarmSpec {
  return {
    description,
    metric,
    statistic: "Sum",
    comparison: "GreaterThanThreshold",
    threshold: 0,
    periodSeconds: t.periodSeconds,
    evaluationPeriods: t.evaluationPeriods,
    datapointsToAlarm: 1,
    treatMissingData: "notBreaching",
  };
}

/** What the fleet's widgets show: its names and, when monitored, its rules and alarms. */
export interface EdgeWidgetRefs {
  readonly rootGroupName: string;
  readonly deploymentId: string;
  /** Present when the fleet is monitored. */
  readonly rules?: {
    readonly deploymentRuleName: string;
    readonly jobRuleName: string;
    readonly jobExecutionEventsManaged: boolean;
  };
  readonly thresholds?: AlarmThresholds;
  readonly alarmArns: readonly string[];
}

/** Markdown saying where the fleet's events go. */
export function fleetEventsText(r: EdgeWidgetRefs): TextWidget {
  const lines = r.rules
    ? [
        "**Where fleet events go**",
        "",
        `* Greengrass deployment \`${r.deploymentId}\` ending ${FAILED_DEPLOYMENT_STATUSES.join(" or ")} on a core device → ` +
          `EventBridge rule \`${r.rules.deploymentRuleName}\` → the stack's alarm topic.`,
        `* IoT job executions (any job of this account and region) ending ${FAILED_JOB_OPERATIONS.join(", ")} → ` +
          `IoT rule \`${r.rules.jobRuleName}\` → the alarm topic; ` +
          (r.rules.jobExecutionEventsManaged
            ? "this stack turns on the account's JOB_EXECUTION events."
            : "needs the account's JOB_EXECUTION events, which this stack does not manage."),
      ]
    : ["**Fleet events are not forwarded**: the fleet was built without monitoring, so deployment and job failures reach no topic."];
  return { type: "text", width: 24, height: r.rules ? 4 : 2, properties: { markdown: lines.join("\n") } };
}

/**
 * The fleet's dashboard section: where its events go, device connections (account-wide AWS/IoT broker metrics),
 * and, when monitored, how many fleet events the two rules matched and delivered, and the alarm states.
 */
export function edgeWidgets(r: EdgeWidgetRefs): Widget[] {
  const period = r.thresholds?.periodSeconds ?? 300;
  const mqtt = { Protocol: "MQTT" };
  const widgets: Widget[] = [
    headerWidget(`## Edge fleet ${r.rootGroupName}`),
    fleetEventsText(r),
    graphWidget(
      "Device connections (account)",
      [
        metricLine(IOT_NAMESPACE, "Connect.Success", mqtt, { stat: "Sum", label: "connected" }),
        metricLine(IOT_NAMESPACE, "Connect.AuthError", mqtt, { stat: "Sum", label: "refused (not authorized)" }),
        metricLine(IOT_NAMESPACE, "Connect.Throttle", mqtt, { stat: "Sum", label: "throttled" }),
      ],
      { period, width: 12 },
    ),
  ];
  if (r.rules) {
    const deploymentRule = { RuleName: r.rules.deploymentRuleName };
    widgets.push(
      graphWidget(
        "Fleet failure events",
        [
          metricLine(EVENTS_NAMESPACE, "MatchedEvents", deploymentRule, { stat: "Sum", label: "deployment failures" }),
          metricLine(EVENTS_NAMESPACE, "FailedInvocations", deploymentRule, { stat: "Sum", label: "deployment failures undelivered" }),
          metricLine(IOT_NAMESPACE, "TopicMatch", { RuleName: r.rules.jobRuleName }, { stat: "Sum", label: "job execution failures" }),
        ],
        { period, width: 12 },
      ),
    );
  }
  if (r.alarmArns.length > 0) widgets.push(alarmStatusWidget(`Alarms of edge fleet ${r.rootGroupName}`, r.alarmArns));
  return widgets;
}
