import { beforeAll, describe, expect, it } from "vitest";
import {
  EdgeFleet,
  jobFailureRuleName,
  jobFailureRuleSql,
  resolveEdgeFleetArgs,
  resolveEdgeFleetMonitoring,
  type EdgeFleetArgs,
} from "../../components/edge-fleet";
import { dashboardBody, validateDashboardBody, type Widget } from "../../components/observability";
import { one, ofType, planProgram, type Plan } from "../support/offline";
import { TEST_THRESHOLDS } from "../support/thresholds";
import { inputsOf, parseDocument, policyDocument } from "../support/resources";

const ACCOUNT = "123456789012";
const TOPIC = `arn:aws:sns:eu-west-1:${ACCOUNT}:edge-mlops-prod-alarms`;
const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/0b7f1c2e-1111-4222-8333-444455556666`;
const IMAGE = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/edge-mlops-inference@sha256:${"ab".repeat(32)}`;
const REPO_ARN = `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/edge-mlops-inference`;
const T = {
  rule: "aws:cloudwatch/eventRule:EventRule",
  target: "aws:cloudwatch/eventTarget:EventTarget",
  topicRule: "aws:iot/topicRule:TopicRule",
  eventConfigurations: "aws:iot/eventConfigurations:EventConfigurations",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  deployment: "aws-native:greengrassv2:Deployment",
} as const;

const fleet = (stack: "prod" | "staging" | "dev"): EdgeFleetArgs => ({ stack, environment: stack, inferenceImage: IMAGE, ecrRepositoryArns: [REPO_ARN] });

let plan: Plan;
let widgets: { prod: Widget[]; staging: Widget[]; dev: Widget[] };

beforeAll(async () => {
  plan = await planProgram(() => {
    const prod = new EdgeFleet("prod", {
      ...fleet("prod"),
      monitoring: { alarmTopicArn: TOPIC, alarmTopicKmsKeyArn: KEY, thresholds: TEST_THRESHOLDS, enableJobExecutionEvents: true },
    });
    const staging = new EdgeFleet("staging", { ...fleet("staging"), monitoring: { alarmTopicArn: TOPIC, thresholds: { ...TEST_THRESHOLDS, periodSeconds: 300, evaluationPeriods: 3 } } });
    const dev = new EdgeFleet("dev", fleet("dev"));
    return { prod: prod.widgets, staging: staging.widgets, dev: dev.widgets };
  });
  widgets = plan.outputs as typeof widgets;
}, 120_000);

const deploymentId = (fleetName: string) => one(plan, T.deployment, `${fleetName}-deployment`).id!;
const ruleName = (fleetName: string) => one(plan, T.rule, `${fleetName}-deployment-failed`).id!;

/** The documented shape of a failed deployment event (Greengrass developer guide, deployment status change event). */
function deploymentEvent(id: string, status: string) {
  return {
    version: "0",
    id: "cd4d811e-ab12-322b-8255-0123456789ab",
    "detail-type": "Greengrass V2 Effective Deployment Status Change",
    source: "aws.greengrass",
    account: ACCOUNT,
    region: "eu-west-1",
    time: "2025-03-22T00:38:11Z",
    resources: [`arn:aws:greengrass:eu-west-1:${ACCOUNT}:coreDevices:hub-north-001`],
    detail: {
      deploymentId: id,
      coreDeviceExecutionStatus: status,
      statusDetails: { errorStack: ["DEPLOYMENT_FAILURE", "ARTIFACT_DOWNLOAD_ERROR"], errorTypes: ["DEPENDENCY_ERROR"] },
      reason: "ARTIFACT_DOWNLOAD_ERROR: failed to download the compose file",
    },
  };
}

/** EventBridge matching for the pattern features the rule uses: nested objects and lists of exact values. */
function matches(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, want]) =>
    Array.isArray(want) ? want.includes(event[key]) : typeof event[key] === "object" && event[key] !== null && matches(want as Record<string, unknown>, event[key] as Record<string, unknown>),
  );
}

/** Resolves the `$.a.b` and `$.a[0]` paths an input transformer uses. */
function jsonPath(event: unknown, p: string): unknown {
  return p
    .replace(/^\$\./, "")
    .split(/\.|\[(\d+)\]/)
    .filter((part) => part !== undefined && part !== "")
    .reduce<unknown>((value, part) => (value as Record<string, unknown>)[part], event);
}

describe("EdgeFleet deployment failure rule", () => {
  it("matches this stack's deployment ending FAILED or REJECTED on a core device", () => {
    const pattern = parseDocument<Record<string, unknown>>(inputsOf(plan, T.rule, "prod-deployment-failed").eventPattern);
    expect(pattern).toEqual({
      source: ["aws.greengrass"],
      "detail-type": ["Greengrass V2 Effective Deployment Status Change"],
      detail: { deploymentId: [deploymentId("prod")], coreDeviceExecutionStatus: ["FAILED", "REJECTED"] },
    });
    expect(inputsOf(plan, T.rule, "prod-deployment-failed").description).toBe("Greengrass deployment to edge-mlops-prod failed or was rejected on a core device");
    // Against the documented event: failures of this deployment match; successes and other deployments do not.
    expect(matches(pattern, deploymentEvent(deploymentId("prod"), "FAILED"))).toBe(true);
    expect(matches(pattern, deploymentEvent(deploymentId("prod"), "REJECTED"))).toBe(true);
    expect(matches(pattern, deploymentEvent(deploymentId("prod"), "SUCCEEDED"))).toBe(false);
    expect(matches(pattern, deploymentEvent(deploymentId("staging"), "FAILED"))).toBe(false);
  });

  it("sends the alarm topic a readable line built from the event", () => {
    const target = inputsOf(plan, T.target, "prod-deployment-failed-target");
    const inputTransformer = {
      inputPaths: {
        deploymentId: "$.detail.deploymentId",
        status: "$.detail.coreDeviceExecutionStatus",
        device: "$.resources[0]",
        reason: "$.detail.reason",
        time: "$.time",
      },
      inputTemplate:
        '"Greengrass deployment <deploymentId> to thing group edge-mlops-prod ended <status> on core device <device> at <time>. Reason: <reason>"',
    };
    expect(target).toEqual({ rule: ruleName("prod"), arn: TOPIC, inputTransformer });
    // Every path resolves in the documented event, and the template is a JSON string SNS delivers as text.
    const event = deploymentEvent(deploymentId("prod"), "FAILED");
    const message = Object.entries(inputTransformer.inputPaths).reduce(
      (text, [key, p]) => text.replace(`<${key}>`, String(jsonPath(event, p))),
      JSON.parse(inputTransformer.inputTemplate) as string,
    );
    expect(message).toBe(
      `Greengrass deployment ${deploymentId("prod")} to thing group edge-mlops-prod ended FAILED on core device ` +
        `arn:aws:greengrass:eu-west-1:${ACCOUNT}:coreDevices:hub-north-001 at 2025-03-22T00:38:11Z. ` +
        "Reason: ARTIFACT_DOWNLOAD_ERROR: failed to download the compose file",
    );
  });
});

describe("EdgeFleet job execution failure rule", () => {
  it("forwards failed, rejected and timed-out job executions from the reserved topic to the alarm topic", () => {
    expect(inputsOf(plan, T.topicRule, "prod-job-failures")).toEqual({
      name: "edge_mlops_prod_job_execution_failures",
      description: "Job executions that failed, were rejected or timed out (account-wide), for edge fleet edge-mlops-prod",
      enabled: true,
      sql:
        "SELECT *, 'AWS IoT job execution failed, was rejected or timed out (account-wide rule of the edge fleet edge-mlops-prod)' AS summary " +
        "FROM '$aws/events/jobExecution/+/+' " +
        "WHERE operation = 'failed' OR operation = 'rejected' OR operation = 'timed_out'",
      sqlVersion: "2016-03-23",
      sns: [{ targetArn: TOPIC, roleArn: one(plan, T.role, "prod-job-events-role").arn, messageFormat: "RAW" }],
    });
    expect(one(plan, T.topicRule, "prod-job-failures").dependsOn).toContain(one(plan, T.rolePolicy, "prod-job-events-policy").urn);
  });

  it("publishes through a role only AWS IoT may assume, for this rule of this account", () => {
    expect(policyDocument(inputsOf(plan, T.role, "prod-job-events-role").assumeRolePolicy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "iot.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:SourceAccount": ACCOUNT },
            ArnEquals: { "aws:SourceArn": `arn:aws:iot:eu-west-1:${ACCOUNT}:rule/edge_mlops_prod_job_execution_failures` },
          },
        },
      ],
    });
  });

  it("lets the role publish to the topic only, and use the topic's key only through SNS", () => {
    expect(policyDocument(inputsOf(plan, T.rolePolicy, "prod-job-events-policy").policy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Sid: "PublishToAlarmTopic", Effect: "Allow", Action: ["sns:Publish"], Resource: [TOPIC] },
        {
          Sid: "EncryptForAlarmTopic",
          Effect: "Allow",
          Action: ["kms:GenerateDataKey", "kms:Decrypt"],
          Resource: [KEY],
          Condition: { StringEquals: { "kms:ViaService": "sns.eu-west-1.amazonaws.com" } },
        },
      ],
    });
    // Without a key, publishing is all the role may do.
    expect(policyDocument(inputsOf(plan, T.rolePolicy, "staging-job-events-policy").policy)).toEqual({
      Version: "2012-10-17",
      Statement: [{ Sid: "PublishToAlarmTopic", Effect: "Allow", Action: ["sns:Publish"], Resource: [TOPIC] }],
    });
  });

  it("turns on the account's JOB_EXECUTION events only when asked, writing every event type", () => {
    expect(ofType(plan, T.eventConfigurations).map((r) => r.name)).toEqual(["prod-iot-event-configurations"]);
    expect(inputsOf(plan, T.eventConfigurations, "prod-iot-event-configurations")).toEqual({
      eventConfigurations: {
        THING: false,
        THING_GROUP: false,
        THING_TYPE: false,
        THING_GROUP_MEMBERSHIP: false,
        THING_GROUP_HIERARCHY: false,
        THING_TYPE_ASSOCIATION: false,
        JOB: false,
        JOB_EXECUTION: true,
        POLICY: false,
        CERTIFICATE: false,
        CA_CERTIFICATE: false,
      },
    });
  });

  it("names the rule with the characters IoT rule names allow, within 128", () => {
    expect(jobFailureRuleName("edge-mlops:site-1")).toBe("edge_mlops_site_1_job_execution_failures");
    const long = jobFailureRuleName("g".repeat(128));
    expect(long).toHaveLength(128);
    expect(long).toMatch(/^g+_job_execution_failures$/);
    expect(jobFailureRuleSql("edge-mlops-dev")).toContain("edge fleet edge-mlops-dev)' AS summary");
  });
});

describe("EdgeFleet alarms", () => {
  it("alarm when EventBridge cannot deliver a deployment failure to the topic", () => {
    expect(inputsOf(plan, T.alarm, "prod-alarm-deployment-events-undelivered")).toEqual({
      alarmDescription:
        "EventBridge could not deliver Greengrass deployment failures of edge-mlops-prod to the alarm topic " +
        "(check the topic's policy and its key's policy for events.amazonaws.com).",
      namespace: "AWS/Events",
      metricName: "FailedInvocations",
      dimensions: { RuleName: ruleName("prod") },
      statistic: "Sum",
      period: 60,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      evaluationPeriods: 2,
      datapointsToAlarm: 1,
      treatMissingData: "notBreaching",
      actionsEnabled: true,
      alarmActions: [TOPIC],
      okActions: [TOPIC],
    });
    expect(inputsOf(plan, T.alarm, "staging-alarm-deployment-events-undelivered")).toMatchObject({
      dimensions: { RuleName: ruleName("staging") },
      period: 300,
      evaluationPeriods: 3,
      datapointsToAlarm: 1,
    });
  });

  it("and rules exist only with monitoring, parented to the fleet", () => {
    for (const type of [T.rule, T.target, T.topicRule, T.alarm]) {
      expect(ofType(plan, type, "dev-")).toHaveLength(0);
      for (const r of ofType(plan, type, "prod-")) expect(r.parent).toBe(one(plan, "edge-mlops:edge:EdgeFleet", "prod").urn);
    }
    expect(ofType(plan, T.role, "dev-job-events")).toHaveLength(0);
    expect(ofType(plan, T.alarm, "prod-").map((a) => a.name)).toEqual(["prod-alarm-deployment-events-undelivered"]);
  });
});

describe("EdgeFleet monitoring args", () => {
  it("are checked, naming the key", () => {
    expect(resolveEdgeFleetMonitoring(undefined)).toBeUndefined();
    expect(resolveEdgeFleetMonitoring({ alarmTopicArn: TOPIC, thresholds: TEST_THRESHOLDS })).toEqual({
      alarmTopicArn: TOPIC,
      alarmTopicKmsKeyArn: undefined,
      thresholds: TEST_THRESHOLDS,
      enableJobExecutionEvents: false,
    });
    expect(resolveEdgeFleetArgs({ ...fleet("dev"), monitoring: { alarmTopicArn: TOPIC, thresholds: TEST_THRESHOLDS, enableJobExecutionEvents: true } }).monitoring).toMatchObject({
      enableJobExecutionEvents: true,
    });
    expect(() => resolveEdgeFleetArgs({ ...fleet("dev"), monitoring: { alarmTopicArn: TOPIC, thresholds: { ...TEST_THRESHOLDS, evaluationPeriods: 101 } } })).toThrow(
      "EdgeFleet: monitoring.thresholds.evaluationPeriods: must be <= 100, got 101",
    );
    expect(() => resolveEdgeFleetArgs({ ...fleet("dev"), monitoring: { alarmTopicArn: TOPIC, alarmTopicKmsKeyArn: "alias/aws/sns", thresholds: TEST_THRESHOLDS } })).toThrow(
      'EdgeFleet: monitoring.alarmTopicKmsKeyArn: must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), got "alias/aws/sns"',
    );
    expect(() =>
      resolveEdgeFleetArgs({ ...fleet("dev"), monitoring: { alarmTopicArn: TOPIC, thresholds: TEST_THRESHOLDS, enableJobExecutionEvents: "yes" as unknown as boolean } }),
    ).toThrow('EdgeFleet: monitoring.enableJobExecutionEvents: must be a boolean, got "yes"');
  });
});

describe("EdgeFleet widgets", () => {
  it("say where fleet events go, graph connections and fleet failure events, and list the alarms", () => {
    expect(validateDashboardBody(JSON.parse(JSON.stringify(dashboardBody([widgets.prod], { region: "eu-west-1" }))))).toEqual([]);
    expect(widgets.prod.map((w) => w.type)).toEqual(["text", "text", "metric", "metric", "alarm"]);
    const [header, routing, connections, events, alarms] = widgets.prod;
    expect(header.type === "text" && header.properties.markdown).toBe("## Edge fleet edge-mlops-prod");
    expect(routing.type === "text" && routing.properties.markdown).toBe(
      [
        "**Where fleet events go**",
        "",
        `* Greengrass deployment \`${deploymentId("prod")}\` ending FAILED or REJECTED on a core device → EventBridge rule \`${ruleName("prod")}\` → the stack's alarm topic.`,
        "* IoT job executions (any job of this account and region) ending failed, rejected, timed_out → IoT rule `edge_mlops_prod_job_execution_failures` → the alarm topic; " +
          "this stack turns on the account's JOB_EXECUTION events.",
      ].join("\n"),
    );
    expect(connections.type === "metric" && connections.properties).toMatchObject({
      title: "Device connections (account)",
      period: 60,
      metrics: [
        ["AWS/IoT", "Connect.Success", "Protocol", "MQTT", { stat: "Sum", label: "connected" }],
        ["AWS/IoT", "Connect.AuthError", "Protocol", "MQTT", { stat: "Sum", label: "refused (not authorized)" }],
        ["AWS/IoT", "Connect.Throttle", "Protocol", "MQTT", { stat: "Sum", label: "throttled" }],
      ],
    });
    expect(events.type === "metric" && events.properties).toMatchObject({
      title: "Fleet failure events",
      metrics: [
        ["AWS/Events", "MatchedEvents", "RuleName", ruleName("prod"), { stat: "Sum", label: "deployment failures" }],
        ["AWS/Events", "FailedInvocations", "RuleName", ruleName("prod"), { stat: "Sum", label: "deployment failures undelivered" }],
        ["AWS/IoT", "TopicMatch", "RuleName", "edge_mlops_prod_job_execution_failures", { stat: "Sum", label: "job execution failures" }],
      ],
    });
    expect(alarms.type === "alarm" && alarms.properties.alarms).toEqual([one(plan, T.alarm, "prod-alarm-deployment-events-undelivered").arn]);
  });

  it("tell where JOB_EXECUTION events must come from when the stack does not manage them", () => {
    const routing = widgets.staging[1];
    expect(routing.type === "text" && routing.properties.markdown).toContain("needs the account's JOB_EXECUTION events, which this stack does not manage.");
  });

  it("say that nothing is forwarded without monitoring, and keep the connection graph", () => {
    expect(widgets.dev.map((w) => w.type)).toEqual(["text", "text", "metric"]);
    const routing = widgets.dev[1];
    expect(routing.type === "text" && routing.properties.markdown).toBe(
      "**Fleet events are not forwarded**: the fleet was built without monitoring, so deployment and job failures reach no topic.",
    );
    expect(validateDashboardBody(JSON.parse(JSON.stringify(dashboardBody([widgets.dev], { region: "eu-west-1" }))))).toEqual([]);
  });
});
