import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import {
  alarmStatusWidget,
  Dashboard,
  graphWidget,
  headerWidget,
  metricLine,
  Notifications,
  subscriptionSuffix,
  validateDashboardBody,
  type Widget,
} from "../../components/observability";
import { one, ofType, planProgram, type Plan } from "../support/offline";
import { policyDocument, parseDocument } from "../support/resources";
import type { DashboardBody } from "../../components/observability/widgets";

const T = {
  notifications: "edge-mlops:observability:Notifications",
  dashboardComponent: "edge-mlops:observability:Dashboard",
  key: "aws:kms/key:Key",
  topic: "aws:sns/topic:Topic",
  topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
  subscription: "aws:sns/topicSubscription:TopicSubscription",
  dashboard: "aws:cloudwatch/dashboard:Dashboard",
};
const OWN_KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ALARM = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:svc-5xx";

let plan: Plan;

beforeAll(async () => {
  plan = await planProgram(() => {
    new Notifications("prod", {
      emails: ["oncall@example.com", "ml-platform@example.com"],
      httpsEndpoints: ["https://events.example.com/edge-mlops/alarms"],
    });
    new Notifications("byok", { kmsKeyArn: OWN_KEY, displayName: "BYOK alarms" });
    // Two contributors that know nothing of each other, one delivering its widgets later (as components do), and a
    // disabled one contributing nothing.
    const service: Widget[] = [
      headerWidget("## Service"),
      graphWidget("Requests", [metricLine("AWS/ApplicationELB", "RequestCount", { LoadBalancer: "app/lb/1" }, { stat: "Sum" })]),
      alarmStatusWidget("Alarms", [ALARM]),
    ];
    const airflow = pulumi.output("edge-mlops-test").apply((env): Widget[] => [
      headerWidget("## Airflow"),
      graphWidget("Heartbeat", [metricLine("AmazonMWAA", "SchedulerHeartbeat", { Function: "Scheduler", Environment: env }, { stat: "Sum" })], { width: 12 }),
    ]);
    new Dashboard("test", { sections: [service, pulumi.output([]), airflow], region: "eu-west-1" });
    new Dashboard("named", { sections: [], region: "us-east-1", dashboardName: "edge-mlops-ops", start: "-P1D", periodOverride: "auto" });
  });
});

describe("Notifications under mocks", () => {
  it("creates one topic encrypted with a key of its own, rotated yearly", () => {
    const key = one(plan, T.key, "prod-alarms-key");
    expect(key.inputs).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: 30 });
    const topic = one(plan, T.topic, "prod-alarms").inputs;
    expect(topic.kmsMasterKeyId).toBe(key.arn);
    expect(topic.kmsMasterKeyId).toMatch(/^arn:aws:kms:eu-west-1:123456789012:key\//);
    expect(topic.displayName).toBe("edge-mlops prod alarms");
  });

  it("lets CloudWatch and EventBridge use the key; only CloudWatch's use is scoped to the account", () => {
    const policy = policyDocument(one(plan, T.key, "prod-alarms-key").inputs.policy);
    expect(policy.Statement).toEqual([
      { Sid: "AccountAdministersKeyThroughIam", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" },
      {
        Sid: "CloudWatchAlarmsEncrypt",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
      },
      { Sid: "EventBridgeRulesEncrypt", Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: ["kms:Decrypt", "kms:GenerateDataKey*"], Resource: "*" },
    ]);
  });

  it("lets alarms and event rules of this account publish, over TLS only", () => {
    const topicArn = one(plan, T.topic, "prod-alarms").arn!;
    expect(topicArn).toMatch(/^arn:aws:sns:eu-west-1:123456789012:prod-alarms-[0-9a-f]{7}$/);
    const policy = one(plan, T.topicPolicy, "prod-alarms-policy");
    expect(policy.inputs.arn).toBe(topicArn);
    expect(policyDocument(policy.inputs.policy).Statement).toEqual([
      {
        Sid: "AlarmsAndRulesOfThisAccountPublish",
        Effect: "Allow",
        Principal: { Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com"] },
        Action: "sns:Publish",
        Resource: topicArn,
        Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
      },
      { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "sns:Publish", Resource: topicArn, Condition: { Bool: { "aws:SecureTransport": "false" } } },
    ]);
  });

  it("subscribes every email and HTTPS endpoint, named by a hash of the endpoint", () => {
    const topicArn = one(plan, T.topic, "prod-alarms").arn;
    const subs = ofType(plan, T.subscription, "prod-");
    expect(subs.map((s) => s.name).sort()).toEqual(
      [`prod-email-${subscriptionSuffix("oncall@example.com")}`, `prod-email-${subscriptionSuffix("ml-platform@example.com")}`, `prod-https-${subscriptionSuffix("https://events.example.com/edge-mlops/alarms")}`].sort(),
    );
    expect(one(plan, T.subscription, `prod-email-${subscriptionSuffix("oncall@example.com")}`).inputs).toEqual({
      topic: topicArn,
      protocol: "email",
      endpoint: "oncall@example.com",
    });
    expect(one(plan, T.subscription, `prod-https-${subscriptionSuffix("https://events.example.com/edge-mlops/alarms")}`).inputs).toEqual({
      topic: topicArn,
      protocol: "https",
      endpoint: "https://events.example.com/edge-mlops/alarms",
      endpointAutoConfirms: false,
    });
  });

  it("uses a key the caller brings and creates none", () => {
    expect(ofType(plan, T.key, "byok")).toHaveLength(0);
    expect(one(plan, T.topic, "byok-alarms").inputs).toMatchObject({ kmsMasterKeyId: OWN_KEY, displayName: "BYOK alarms" });
    expect(ofType(plan, T.subscription, "byok")).toHaveLength(0);
  });

  it("parents every child to its component", () => {
    const component = one(plan, T.notifications, "prod");
    for (const r of plan.resources.filter((r) => r.name.startsWith("prod-"))) expect(r.parent).toBe(component.urn);
  });
});

describe("Dashboard under mocks", () => {
  it("lays out the contributed sections into a body CloudWatch accepts", () => {
    const dashboard = one(plan, T.dashboard, "test-dashboard");
    expect(dashboard.inputs.dashboardName).toBe("edge-mlops-test");
    expect(dashboard.parent).toBe(one(plan, T.dashboardComponent, "test").urn);
    const body = parseDocument<DashboardBody>(dashboard.inputs.dashboardBody);
    expect(validateDashboardBody(body)).toEqual([]);
    expect({ start: body.start, periodOverride: body.periodOverride }).toEqual({ start: "-PT3H", periodOverride: "inherit" });
    expect(body.widgets.map((w: any) => [w.type, w.x, w.y, w.width, w.height])).toEqual([
      ["text", 0, 0, 24, 1],
      ["metric", 0, 1, 8, 6],
      ["alarm", 0, 7, 24, 3],
      ["text", 0, 10, 24, 1],
      ["metric", 0, 11, 12, 6],
    ]);
    expect(body.widgets[4].properties).toEqual({
      title: "Heartbeat",
      view: "timeSeries",
      metrics: [["AmazonMWAA", "SchedulerHeartbeat", "Function", "Scheduler", "Environment", "edge-mlops-test", { stat: "Sum" }]],
      region: "eu-west-1",
    });
  });

  it("takes name, time range and period behaviour from args; an empty dashboard is valid", () => {
    const named = one(plan, T.dashboard, "named-dashboard").inputs;
    expect(named.dashboardName).toBe("edge-mlops-ops");
    expect(parseDocument<DashboardBody>(named.dashboardBody)).toEqual({ start: "-P1D", periodOverride: "auto", widgets: [] });
  });
});
