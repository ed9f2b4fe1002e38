// The fleet's events reach the stack's alarm topic (the monitoring contract, components/observability/contract.ts):
// an EventBridge rule forwards Greengrass deployment failures, an IoT topic rule forwards failing IoT job executions
// through a role that may only publish there, an alarm says when EventBridge cannot deliver, and, in the one stack
// that owns the account's IoT settings, the account's JOB_EXECUTION events are switched on. What each event looks like
// and why the rules match what they match is in ./monitoring.ts; this module registers the resources and the fleet's
// dashboard widgets.
import * as pulumi from "@pulumi/pulumi";
import { createAlarm } from "../observability/alarms";
import type { Widget } from "../observability/widgets";
import type { FleetContext } from "./context";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as awsIot from "@pulumi/aws/iot";
import * as iam from "@pulumi/aws/iam";
import {
  deploymentFailureMessage,
  deploymentFailurePattern,
  edgeAlarmSpecs,
  edgeWidgets,
  IOT_SQL_VERSION,
  jobEventsPublishPolicy,
  jobEventsTrustPolicy,
  jobExecutionEventConfigurations,
  jobFailureRuleName,
  jobFailureRuleSql,
  topicRuleArn,
} from "./monitoring";

export interface FleetEvents {
  /** EventBridge rules forwarding fleet events to the alarm topic (deployment failures); empty without `monitoring`. */
  readonly eventRules: cloudwatch.EventRule[];
  /** IoT topic rules forwarding fleet events to the alarm topic (failing job executions); empty without `monitoring`. */
  readonly topicRules: awsIot.TopicRule[];
  /** Alarms on the delivery of fleet events; empty without `monitoring`. */
  readonly alarms: cloudwatch.MetricAlarm[];
  /** The account's IoT event configuration, when `monitoring.enableJobExecutionEvents` turns JOB_EXECUTION events on. */
  readonly iotEventConfigurations?: awsIot.EventConfigurations;
}

/**
 * `<name>-deployment-failed` (+ `-target`), `<name>-job-events-{role,policy}`, `<name>-job-failures`, the alarms of
 * edgeAlarmSpecs and, with enableJobExecutionEvents, `<name>-iot-event-configurations`. Nothing without `monitoring`.
 */
export function buildFleetEvents({ name, settings: s, scope, build, fleet, parent }: FleetContext, deploymentId: pulumi.Output<string>): FleetEvents {
  const m = s.monitoring;
  if (!m) return { eventRules: [], topicRules: [], alarms: [] };
  const root = s.rootGroupName;
  // Greengrass deployment failures: EventBridge rule on the default bus → the topic, as a readable line.
  const deploymentRule = new cloudwatch.EventRule(
    `${name}-deployment-failed`,
    {
      description: `Greengrass deployment to ${root} failed or was rejected on a core device`,
      eventPattern: deploymentId.apply((id) => JSON.stringify(build(() => deploymentFailurePattern(id)))),
    },
    parent,
  );
  new cloudwatch.EventTarget(`${name}-deployment-failed-target`, { rule: deploymentRule.name, arn: m.alarmTopicArn, inputTransformer: deploymentFailureMessage(root) }, parent);

  // Failing IoT job executions: topic rule on the reserved job execution topics → the topic, through a role that may
  // only publish there.
  const ruleName = jobFailureRuleName(root);
  const ruleArn = scope.apply((sc) => topicRuleArn(sc, ruleName));
  const role = new iam.Role(
    `${name}-job-events-role`,
    {
      description: `IoT rule ${ruleName} publishes failing job executions to the alarm topic`,
      assumeRolePolicy: pulumi.all([scope, ruleArn]).apply(([sc, arn]) => JSON.stringify(jobEventsTrustPolicy(sc.accountId, arn))),
    },
    parent,
  );
  const rolePolicy = new iam.RolePolicy(
    `${name}-job-events-policy`,
    {
      role: role.id,
      policy: pulumi
        .all([scope, m.alarmTopicArn, m.alarmTopicKmsKeyArn])
        .apply(([sc, topicArn, keyArn]) => JSON.stringify(jobEventsPublishPolicy(topicArn, keyArn, sc.region))),
    },
    parent,
  );
  const topicRule = new awsIot.TopicRule(
    `${name}-job-failures`,
    {
      name: ruleName,
      description: `Job executions that failed, were rejected or timed out (account-wide), for edge fleet ${root}`,
      enabled: true,
      sql: jobFailureRuleSql(root),
      sqlVersion: IOT_SQL_VERSION,
      sns: [{ targetArn: m.alarmTopicArn, roleArn: role.arn, messageFormat: "RAW" }],
    },
    // The role may publish before the rule forwards anything.
    { parent: fleet, dependsOn: [rolePolicy] },
  );

  const alarms = Object.entries(edgeAlarmSpecs(deploymentRule.name, root, m.thresholds)).map(([suffix, spec]) =>
    createAlarm(`${name}-${suffix}`, spec, m.alarmTopicArn, parent),
  );
  // Account-wide: deleting the resource leaves the setting as it is (the provider only forgets it).
  const iotEventConfigurations = m.enableJobExecutionEvents
    ? new awsIot.EventConfigurations(`${name}-iot-event-configurations`, { eventConfigurations: jobExecutionEventConfigurations() }, parent)
    : undefined;
  return { eventRules: [deploymentRule], topicRules: [topicRule], alarms, ...(iotEventConfigurations ? { iotEventConfigurations } : {}) };
}

/** The fleet's dashboard widgets: where its events go, device connections, fleet failure events, alarm states. */
export function fleetWidgets({ settings: s }: FleetContext, deploymentId: pulumi.Output<string>, events: FleetEvents): pulumi.Output<Widget[]> {
  const m = s.monitoring;
  const deploymentRuleName = events.eventRules.length > 0 ? events.eventRules[0].name : pulumi.output("");
  return pulumi.all([deploymentId, deploymentRuleName, pulumi.all(events.alarms.map((a) => a.arn))]).apply(([id, ruleName, alarmArns]) =>
    edgeWidgets({
      rootGroupName: s.rootGroupName,
      deploymentId: id,
      rules: m ? { deploymentRuleName: ruleName, jobRuleName: jobFailureRuleName(s.rootGroupName), jobExecutionEventsManaged: m.enableJobExecutionEvents } : undefined,
      thresholds: m?.thresholds,
      alarmArns,
    }),
  );
}
