// Telemetry from the fleet's devices reaches the cloud through two AWS IoT topic rules (SQL version 2016-03-23):
//
// - samples: a device publishes sampled inputs with its predictions on DEVICE_TOPICS.samples as one CSV file (header
//   and rows, the columns of the continuous-training DAG's parser, airflow/dags/feature_ingest.py). The payload is
//   not JSON, so the rule selects it with `SELECT *` alone, which passes the raw payload to the action unchanged
//   (AWS IoT developer guide, "Working with binary payloads"). The S3 action writes it to the training data bucket as
//   `<incoming prefix>devices/<thing>/<timestamp>-<uuid>.csv`: under the prefix the DAG's sensor watches, ending in
//   `.csv` as its pattern requires, unique per message. The bucket's default encryption applies (SSE-KMS with the data
//   bucket's key when it has one: the rule's role may then GenerateDataKey through S3 only).
// - metrics: a device publishes its inference metrics on DEVICE_TOPICS.metrics as CloudWatch embedded metric format
//   (EMF) documents, the same documents the cloud service writes to stdout. The CloudWatch Logs action calls
//   PutLogEvents, and CloudWatch Logs extracts EMF metrics from events put that way (CloudWatch user guide, "Using
//   the PutLogEvents API to send manually-created embedded metric format logs": the json/emf header is not needed),
//   so no metric is restated in the rule. The cloudwatchMetric action was not used: it takes no dimensions. The rule
//   keeps only documents whose Service dimension (contracts/drift.ts) is the fleet's root thing group, which the
//   inference component's recipe sets: so device metrics are per thing group, and no device can write into the cloud
//   service's Service value and move its drift alarms. The thing name is added as a member (searchable in the log
//   group, not a dimension: one metric per device would multiply the metrics bill).
//
// Each rule has its own role, trusted by iot.amazonaws.com for that rule of this account only, and an error action
// that writes AWS IoT's error message (the failed action, the reason, the original payload in base64) to the
// telemetry error log group; with the fleet's monitoring, an alarm fires when that group receives anything. The data
// bucket and the DAG's prefix come from the training workflow and the Airflow environment; without them (wiring
// `telemetry` unset) nothing here is built.
import * as pulumi from "@pulumi/pulumi";
import { DEVICE_TOPICS } from "../../contracts/model-release";
import { deviceMetricsService, METRICS_NAMESPACE, PREDICTION_Z_METRIC, REQUEST_METRIC, SERVICE_DIMENSION } from "../../contracts/drift";
import { POLICY_VERSION, type PolicyDocument, type PolicyStatement } from "../iam";
import { createAlarm, type AlarmSpec } from "../observability/alarms";
import type { AlarmThresholds } from "../observability/contract";
import { alarmStatusWidget, graphWidget, headerWidget, metricLine, type TextWidget, type Widget } from "../observability/widgets";
import type { FleetContext } from "./context";
import { IOT_NAMESPACE, IOT_SQL_VERSION, topicRuleArn, topicRuleTrustPolicy, undeliveredAlarm } from "./monitoring";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as awsIot from "@pulumi/aws/iot";
import * as iam from "@pulumi/aws/iam";

/** Sub-folder of the DAG's incoming prefix that device samples land in, one folder per thing. */
export const DEVICE_SAMPLES_FOLDER = "devices/";
/** The S3 key template of one samples message, after the incoming prefix: thing name, arrival time in ms, a UUID. */
export const SAMPLES_KEY_TEMPLATE = `${DEVICE_SAMPLES_FOLDER}\${topic(3)}/\${timestamp()}-\${newuuid()}.csv`;
/** Member the metrics rule adds to every EMF document: the publishing thing's name (topic level 3). */
export const THING_NAME_MEMBER = "ThingName";
/** AWS IoT rule names: 1 to 128 of `[a-zA-Z0-9_]` (CreateTopicRule). */
export const RULE_NAME_MAX_LENGTH = 128;
/** Stack names that can stand in a topic filter inside an IoT SQL string literal. */
const STACK_NAME = /^[A-Za-z0-9._-]+$/;
/** What the DAG accepts as its new-data prefix (feature_ingest.normalize_prefix): relative, ends in '/', no wildcards. */
const DATA_PREFIX = /^[^/*?[][^*?[]*\/$/;

/** Where the samples land: the training data bucket and the prefix the continuous-training DAG watches. */
export interface TelemetryWiring {
  /** The training data bucket's name. */
  readonly dataBucketName: pulumi.Input<string>;
  /** The training data bucket's ARN (`arn:<partition>:s3:::<bucket>`). */
  readonly dataBucketArn: pulumi.Input<string>;
  /** KMS key of the data bucket's default encryption (SSE-KMS). @default undefined (SSE-S3: no key to grant) */
  readonly dataBucketKmsKeyArn?: pulumi.Input<string | undefined>;
  /** Prefix the DAG ingests from (airflow.newDataPrefix), e.g. `incoming/`: relative, ends in '/', no * ? [. */
  readonly incomingPrefix: string;
}

/** The telemetry resources of a fleet. */
export interface FleetTelemetry {
  readonly samplesRule: awsIot.TopicRule;
  readonly metricsRule: awsIot.TopicRule;
  /** Log group the metrics rule writes the devices' EMF documents to. */
  readonly metricsLogGroup: cloudwatch.LogGroup;
  /** Log group both rules' error actions write to. */
  readonly errorLogGroup: cloudwatch.LogGroup;
  readonly roles: { readonly samples: iam.Role; readonly metrics: iam.Role };
  /** Alarms on telemetry that could not be delivered; empty without the fleet's `monitoring`. */
  readonly alarms: cloudwatch.MetricAlarm[];
}

/** Why `incomingPrefix` is not a prefix the DAG ingests from, or undefined. */
export function incomingPrefixProblem(incomingPrefix: unknown): string | undefined {
  if (typeof incomingPrefix === "string" && DATA_PREFIX.test(incomingPrefix)) return undefined;
  return `must be a relative S3 prefix ending in '/' without * ? [ (what the DAG ingests), e.g. "incoming/"; got ${JSON.stringify(incomingPrefix)}`;
}

/** Checks the stack name the rules' topic filters are built from. @throws Error naming the bad value and what is allowed. */
function checkStackName(stack: string): void {
  if (!STACK_NAME.test(stack)) throw new Error(`telemetry: stack ${JSON.stringify(stack)} must be letters, digits, '.', '_' or '-' (it stands in the rules' topic filters)`);
}

/** Rule name `<root group>_device_<kind>`, with '_' for characters rule names do not allow. */
export function telemetryRuleName(rootGroupName: string, kind: "samples" | "metrics"): string {
  const suffix = `_device_${kind}`;
  return `${rootGroupName.replace(/[^a-zA-Z0-9_]/g, "_").slice(0, RULE_NAME_MAX_LENGTH - suffix.length)}${suffix}`;
}

/** SQL of the samples rule: every device's samples payload of this stack, passed on as it is (binary, not JSON). */
export function samplesRuleSql(stack: string): string {
  checkStackName(stack);
  return `SELECT * FROM '${DEVICE_TOPICS.samples(stack, "+")}'`;
}

/** S3 key template of the samples rule: `<incomingPrefix>devices/${topic(3)}/${timestamp()}-${newuuid()}.csv`. */
export function samplesObjectKey(incomingPrefix: string): string {
  return `${incomingPrefix}${SAMPLES_KEY_TEMPLATE}`;
}

/**
 * SQL of the metrics rule: EMF documents of this stack's devices whose Service dimension is `service` (the root thing
 * group), with the publishing thing's name added as a member.
 */
export function metricsRuleSql(stack: string, service: string): string {
  checkStackName(stack);
  if (service.includes("'")) throw new Error(`telemetry: service ${JSON.stringify(service)} must not contain a quote`);
  return `SELECT *, topic(3) AS ${THING_NAME_MEMBER} FROM '${DEVICE_TOPICS.metrics(stack, "+")}' WHERE ${SERVICE_DIMENSION} = '${service}'`;
}

/** Writing to one log group (what the CloudWatch Logs rule action needs: AWS IoT developer guide). */
export function logGroupWriteStatement(sid: string, logGroupArn: string): PolicyStatement {
  return {
    Sid: sid,
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
    Resource: [logGroupArn, `${logGroupArn}:log-stream:*`],
  };
}

/**
 * What the samples rule's role may do: put objects under `<incomingPrefix>devices/` of the data bucket only, with the
 * bucket's key through S3 when it has one, and write its error log group.
 */
export function samplesRulePolicy(p: { bucketArn: string; incomingPrefix: string; kmsKeyArn?: string; region: string; errorLogGroupArn: string }): PolicyDocument {
  return {
    Version: POLICY_VERSION,
    Statement: [
      { Sid: "PutDeviceSamples", Effect: "Allow", Action: ["s3:PutObject"], Resource: [`${p.bucketArn}/${p.incomingPrefix}${DEVICE_SAMPLES_FOLDER}*`] },
      ...(p.kmsKeyArn
        ? [
            {
              Sid: "EncryptDeviceSamples",
              Effect: "Allow" as const,
              Action: ["kms:GenerateDataKey"],
              Resource: [p.kmsKeyArn],
              Condition: { StringEquals: { "kms:ViaService": `s3.${p.region}.amazonaws.com` } },
            },
          ]
        : []),
      logGroupWriteStatement("WriteRuleErrors", p.errorLogGroupArn),
    ],
  };
}

/** What the metrics rule's role may do: write the device metrics log group and its error log group. */
export function metricsRulePolicy(p: { metricsLogGroupArn: string; errorLogGroupArn: string }): PolicyDocument {
  return { Version: POLICY_VERSION, Statement: [logGroupWriteStatement("WriteDeviceMetrics", p.metricsLogGroupArn), logGroupWriteStatement("WriteRuleErrors", p.errorLogGroupArn)] };
}

/** CloudWatch Logs' own metrics namespace (IncomingLogEvents per LogGroupName). */
export const LOGS_NAMESPACE = "AWS/Logs";

/**
 * The telemetry alarms, keyed by resource name suffix: `alarm-telemetry-undelivered` when a rule's error action wrote
 * to the error log group, i.e. a sample or metrics message was not delivered (the event says which and why: a missing
 * permission, a key policy, a deleted bucket). No data is fine: the group receives nothing while all is delivered.
 */
export function telemetryAlarmSpecs(errorLogGroupName: pulumi.Input<string>, rootGroupName: string, t: AlarmThresholds): Record<string, AlarmSpec> {
  return {
    "alarm-telemetry-undelivered": undeliveredAlarm(
      `Device telemetry of edge fleet ${rootGroupName} was not delivered: read the failures in the log group of the rules' error actions.`,
      { namespace: LOGS_NAMESPACE, metricName: "IncomingLogEvents", dimensions: { LogGroupName: errorLogGroupName } },
      t,
    ),
  };
}

/** Log group names of a stack's device telemetry: `/edge-mlops/<stack>/device-telemetry/{metrics,errors}`. */
export function telemetryLogGroupName(stack: string, kind: "metrics" | "errors"): string {
  return `/edge-mlops/${stack}/device-telemetry/${kind}`;
}

/**
 * `<name>-telemetry-{errors,metrics}` log groups, `<name>-device-{samples,metrics}-{role,policy}` and the topic rules
 * `<name>-device-samples` and `<name>-device-metrics`.
 */
export function buildTelemetry({ name, settings: s, scope, parent, fleet }: FleetContext, wiring: TelemetryWiring): FleetTelemetry {
  const logGroup = (kind: "metrics" | "errors") =>
    new cloudwatch.LogGroup(`${name}-telemetry-${kind}`, { name: telemetryLogGroupName(s.stack, kind), retentionInDays: s.logRetentionDays }, parent);
  const errorLogGroup = logGroup("errors");
  const metricsLogGroup = logGroup("metrics");

  const role = (kind: "samples" | "metrics", policy: pulumi.Output<PolicyDocument>) => {
    const ruleName = telemetryRuleName(s.rootGroupName, kind);
    const ruleArn = scope.apply((sc) => topicRuleArn(sc, ruleName));
    const r = new iam.Role(
      `${name}-device-${kind}-role`,
      { description: `IoT rule ${ruleName} delivers device ${kind}`, assumeRolePolicy: pulumi.all([scope, ruleArn]).apply(([sc, arn]) => JSON.stringify(topicRuleTrustPolicy(sc.accountId, arn))) },
      parent,
    );
    const attached = new iam.RolePolicy(`${name}-device-${kind}-policy`, { role: r.id, policy: policy.apply((doc) => JSON.stringify(doc)) }, parent);
    return { ruleName, role: r, attached };
  };
  const samples = role(
    "samples",
    pulumi
      .all([scope, wiring.dataBucketArn, wiring.dataBucketKmsKeyArn, errorLogGroup.arn])
      .apply(([sc, bucketArn, kmsKeyArn, errorLogGroupArn]) => samplesRulePolicy({ bucketArn, incomingPrefix: wiring.incomingPrefix, kmsKeyArn, region: sc.region, errorLogGroupArn })),
  );
  const metrics = role("metrics", pulumi.all([metricsLogGroup.arn, errorLogGroup.arn]).apply(([metricsLogGroupArn, errorLogGroupArn]) => metricsRulePolicy({ metricsLogGroupArn, errorLogGroupArn })));

  const errorAction = (roleArn: pulumi.Output<string>) => ({ cloudwatchLogs: { logGroupName: errorLogGroup.name, roleArn } });
  // The roles may act before the rules forward anything.
  const samplesRule = new awsIot.TopicRule(
    `${name}-device-samples`,
    {
      name: samples.ruleName,
      description: `Sampled inputs and predictions (CSV) of edge fleet ${s.rootGroupName} into the training data's incoming prefix`,
      enabled: true,
      sql: samplesRuleSql(s.stack),
      sqlVersion: IOT_SQL_VERSION,
      s3: [{ bucketName: wiring.dataBucketName, key: samplesObjectKey(wiring.incomingPrefix), roleArn: samples.role.arn }],
      errorAction: errorAction(samples.role.arn),
    },
    { parent: fleet, dependsOn: [samples.attached] },
  );
  const metricsRule = new awsIot.TopicRule(
    `${name}-device-metrics`,
    {
      name: metrics.ruleName,
      description: `Inference metrics (EMF) of edge fleet ${s.rootGroupName} into CloudWatch Logs, which extracts them`,
      enabled: true,
      sql: metricsRuleSql(s.stack, deviceMetricsService(s.rootGroupName)),
      sqlVersion: IOT_SQL_VERSION,
      cloudwatchLogs: [{ logGroupName: metricsLogGroup.name, roleArn: metrics.role.arn, batchMode: false }],
      errorAction: errorAction(metrics.role.arn),
    },
    { parent: fleet, dependsOn: [metrics.attached] },
  );
  const m = s.monitoring;
  const alarms = m
    ? Object.entries(telemetryAlarmSpecs(errorLogGroup.name, s.rootGroupName, m.thresholds)).map(([suffix, spec]) => createAlarm(`${name}-${suffix}`, spec, m.alarmTopicArn, parent))
    : [];
  return { samplesRule, metricsRule, metricsLogGroup, errorLogGroup, roles: { samples: samples.role, metrics: metrics.role }, alarms };
}

/** What the telemetry widgets show. */
export interface TelemetryWidgetRefs {
  readonly rootGroupName: string;
  readonly samplesRuleName: string;
  readonly metricsRuleName: string;
  readonly dataBucketName: string;
  readonly incomingPrefix: string;
  readonly errorLogGroupName: string;
  /** Period of the graphs in seconds. @default 300 */
  readonly periodSeconds?: number;
  /** The telemetry alarms, shown when there are any. @default [] */
  readonly alarmArns?: readonly string[];
}

/** Markdown saying where device telemetry goes. */
export function telemetryText(r: TelemetryWidgetRefs): TextWidget {
  const lines = [
    "**Device telemetry**",
    "",
    `* Samples (CSV) → IoT rule \`${r.samplesRuleName}\` → \`s3://${r.dataBucketName}/${r.incomingPrefix}${DEVICE_SAMPLES_FOLDER}<thing>/\`, ingested by the next continuous-training run.`,
    `* Metrics (EMF, ${SERVICE_DIMENSION}=\`${deviceMetricsService(r.rootGroupName)}\`) → IoT rule \`${r.metricsRuleName}\` → CloudWatch Logs → ${METRICS_NAMESPACE}.`,
    `* Failed deliveries: log group \`${r.errorLogGroupName}\`.`,
  ];
  return { type: "text", width: 24, height: 4, properties: { markdown: lines.join("\n") } };
}

/**
 * The fleet's device telemetry section: requests served on devices and their standardised predictions (the drift
 * contract's metrics under the fleet's Service value, as the cloud service's section shows them for the service), and
 * the two rules' matched messages and parse errors.
 */
export function telemetryWidgets(r: TelemetryWidgetRefs): Widget[] {
  const period = r.periodSeconds ?? 300;
  const service = { [SERVICE_DIMENSION]: deviceMetricsService(r.rootGroupName) };
  const rule = (ruleName: string) => ({ RuleName: ruleName });
  return [
    headerWidget(`## Devices of edge fleet ${r.rootGroupName}`),
    telemetryText(r),
    graphWidget("Requests served on devices", [metricLine(METRICS_NAMESPACE, REQUEST_METRIC, service, { stat: "Sum", label: "requests" })], { period }),
    graphWidget("Device predictions (standardised)", [metricLine(METRICS_NAMESPACE, PREDICTION_Z_METRIC, service, { stat: "Average", label: "mean z of predictions" })], {
      period,
      annotations: { horizontal: [{ value: 0, label: "training mean" }] },
    }),
    graphWidget(
      "Telemetry messages",
      [
        metricLine(IOT_NAMESPACE, "TopicMatch", rule(r.samplesRuleName), { stat: "Sum", label: "samples" }),
        metricLine(IOT_NAMESPACE, "TopicMatch", rule(r.metricsRuleName), { stat: "Sum", label: "metrics" }),
        metricLine(IOT_NAMESPACE, "ParseError", rule(r.metricsRuleName), { stat: "Sum", label: "metrics not JSON" }),
      ],
      { period },
    ),
    ...(r.alarmArns && r.alarmArns.length > 0 ? [alarmStatusWidget(`Telemetry alarms of edge fleet ${r.rootGroupName}`, r.alarmArns)] : []),
  ];
}

/** The telemetry widgets of a fleet, once the rule and log group names are known. */
export function fleetTelemetryWidgets({ settings: s }: FleetContext, wiring: TelemetryWiring, t: FleetTelemetry): pulumi.Output<Widget[]> {
  return pulumi
    .all([t.samplesRule.name, t.metricsRule.name, pulumi.output(wiring.dataBucketName), t.errorLogGroup.name, pulumi.all(t.alarms.map((a) => a.arn))])
    .apply(([samplesRuleName, metricsRuleName, dataBucketName, errorLogGroupName, alarmArns]) =>
      telemetryWidgets({
        rootGroupName: s.rootGroupName,
        samplesRuleName,
        metricsRuleName,
        dataBucketName,
        incomingPrefix: wiring.incomingPrefix,
        errorLogGroupName,
        periodSeconds: s.monitoring?.thresholds.periodSeconds,
        alarmArns,
      }),
    );
}
