// AirflowEnvironment's alarms and dashboard section under the offline plan's mocks: an enabled environment with
// monitoring, one without, and a disabled one given monitoring.
import { beforeAll, describe, expect, it } from "vitest";
import { AirflowEnvironment, airflowAlarmSpecs, type AirflowEnvironmentArgs } from "../../components/airflow-environment";
import { dashboardBody, validateDashboardBody, type AlarmThresholds, type Widget } from "../../components/observability";
import { one, ofType, planProgram, type Plan } from "../support/offline";
import { inputsOf } from "../support/resources";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:edge-mlops-prod-alarms";
const THRESHOLDS: AlarmThresholds = {
  evaluationPeriods: 2,
  periodSeconds: 300,
  alb5xxPercent: 2,
  p99LatencyMs: 250,
  cpuPercent: 75,
  memoryPercent: 75,
  lambdaErrors: 1,
  airflowQueuedTasks: 40,
  driftCriticalZ: 4,
  driftMinEffectSize: 0.2,
};
const STACK = { region: "eu-west-1", project: "edge-mlops", stack: "prod" };
const enabled: AirflowEnvironmentArgs = {
  ...STACK,
  enabled: true,
  vpcId: "vpc-0123456789abcdef0",
  privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"],
  dataBucketName: "edge-mlops-prod-data",
  dataBucketArn: "arn:aws:s3:::edge-mlops-prod-data",
  featureGroupName: "edge-mlops-prod-abalone",
  featureGroupArn: "arn:aws:sagemaker:eu-west-1:123456789012:feature-group/edge-mlops-prod-abalone",
  stateMachineArn: "arn:aws:states:eu-west-1:123456789012:stateMachine:edge-mlops-prod-training",
};

let plan: Plan;
let widgets: Record<"watched" | "unwatched" | "off", Widget[]>;

beforeAll(async () => {
  plan = await planProgram(() => {
    const watched = new AirflowEnvironment("watched", { ...enabled, environmentName: "edge-mlops-prod", monitoring: { alarmTopicArn: TOPIC, thresholds: THRESHOLDS } });
    const unwatched = new AirflowEnvironment("unwatched", { ...enabled, environmentName: "edge-mlops-staging" });
    const off = new AirflowEnvironment("off", { ...STACK, enabled: false, monitoring: { alarmTopicArn: TOPIC, thresholds: THRESHOLDS } });
    return { watched: watched.widgets, unwatched: unwatched.widgets, off: off.widgets };
  });
  widgets = plan.outputs as typeof widgets;
});

describe("AirflowEnvironment alarms", () => {
  it("watch the scheduler heartbeat: fewer than one per period, or none reported, is an alarm", () => {
    expect(inputsOf(plan, ALARM, "watched-alarm-scheduler-heartbeat")).toEqual({
      alarmDescription: "The Airflow scheduler of MWAA environment edge-mlops-prod sent no heartbeat: DAG runs are not being scheduled.",
      namespace: "AmazonMWAA",
      metricName: "SchedulerHeartbeat",
      dimensions: { Function: "Scheduler", Environment: "edge-mlops-prod" },
      statistic: "Sum",
      period: 300,
      comparisonOperator: "LessThanThreshold",
      threshold: 1,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: "breaching",
      actionsEnabled: true,
      alarmActions: [TOPIC],
      okActions: [TOPIC],
    });
  });

  it("watch the queued-task backlog of the executor", () => {
    expect(inputsOf(plan, ALARM, "watched-alarm-queued-tasks")).toEqual({
      alarmDescription: "More than 40 tasks kept waiting for a worker in MWAA environment edge-mlops-prod.",
      namespace: "AmazonMWAA",
      metricName: "QueuedTasks",
      dimensions: { Function: "Executor", Environment: "edge-mlops-prod" },
      statistic: "Average",
      period: 300,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 40,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: "notBreaching",
      actionsEnabled: true,
      alarmActions: [TOPIC],
      okActions: [TOPIC],
    });
  });

  it("exist only for an enabled environment with monitoring, parented to it", () => {
    expect(ofType(plan, ALARM, "watched-").map((a) => a.name).sort()).toEqual(["watched-alarm-queued-tasks", "watched-alarm-scheduler-heartbeat"]);
    for (const a of ofType(plan, ALARM, "watched-")) expect(a.parent).toBe(one(plan, "edge-mlops:airflow:AirflowEnvironment", "watched").urn);
    expect(ofType(plan, ALARM, "unwatched-")).toHaveLength(0);
    expect(ofType(plan, ALARM, "off-")).toHaveLength(0);
  });

  it("use the environment's name as the Environment dimension", () => {
    expect(airflowAlarmSpecs("other-env", THRESHOLDS)["alarm-queued-tasks"]).toMatchObject({
      metric: { namespace: "AmazonMWAA", metricName: "QueuedTasks", dimensions: { Function: "Executor", Environment: "other-env" } },
    });
  });
});

describe("AirflowEnvironment widgets", () => {
  it("show heartbeats, queued and running tasks and the alarms of an enabled environment", () => {
    expect(validateDashboardBody(JSON.parse(JSON.stringify(dashboardBody([widgets.watched], { region: "eu-west-1" }))))).toEqual([]);
    expect(widgets.watched.map((w) => w.type)).toEqual(["text", "metric", "metric", "alarm"]);
    const [header, heartbeat, tasks, alarms] = widgets.watched;
    expect(header.type === "text" && header.properties.markdown).toBe("## Airflow (MWAA) edge-mlops-prod");
    expect(heartbeat.type === "metric" && heartbeat.properties.metrics).toEqual([
      ["AmazonMWAA", "SchedulerHeartbeat", "Function", "Scheduler", "Environment", "edge-mlops-prod", { stat: "Sum", label: "heartbeats" }],
    ]);
    expect(tasks.type === "metric" && tasks.properties).toMatchObject({
      metrics: [
        ["AmazonMWAA", "QueuedTasks", "Function", "Executor", "Environment", "edge-mlops-prod", { stat: "Average", label: "queued" }],
        ["AmazonMWAA", "RunningTasks", "Function", "Executor", "Environment", "edge-mlops-prod", { stat: "Average", label: "running" }],
      ],
      annotations: { horizontal: [{ value: 40, label: "queued alarm" }] },
      period: 300,
    });
    expect(alarms.type === "alarm" && [...alarms.properties.alarms].sort()).toEqual(ofType(plan, ALARM, "watched-").map((a) => a.arn).sort());
  });

  it("show the graphs without alarms when unmonitored, and nothing when disabled", () => {
    expect(widgets.unwatched.map((w) => w.type)).toEqual(["text", "metric", "metric"]);
    expect(widgets.off).toEqual([]);
  });
});
