import { describe, expect, it } from "vitest";
import { parseStackSettings } from "../../components/config";
import { validateAlarmSpec, type AlarmSpec } from "../../components/observability/alarms";
import { isAlarmPeriod, validateThresholds, type AlarmThresholds } from "../../components/observability/contract";
import { resolveDashboardArgs, resolveNotificationsArgs, subscriptionSuffix } from "../../components/observability";

const defaults: AlarmThresholds = parseStackSettings({ environment: "dev" }).observability.alarms;

describe("validateThresholds", () => {
  it("accepts the stack config's defaults unchanged", () => {
    expect(defaults).toEqual({
      evaluationPeriods: 3,
      periodSeconds: 300,
      alb5xxPercent: 5,
      p99LatencyMs: 500,
      cpuPercent: 80,
      memoryPercent: 80,
      lambdaErrors: 1,
      airflowQueuedTasks: 50,
      driftCriticalZ: 2.5,
      driftMinEffectSize: 0.1,
    });
    expect(validateThresholds("X", defaults)).toEqual(defaults);
  });

  it("names the component and the threshold that is wrong", () => {
    const bad = (patch: Partial<AlarmThresholds>) => () => validateThresholds("InferenceService", { ...defaults, ...patch });
    expect(bad({ evaluationPeriods: 0 })).toThrow("InferenceService: monitoring.thresholds.evaluationPeriods: must be >= 1, got 0");
    expect(bad({ periodSeconds: 90 as 60 })).toThrow("InferenceService: monitoring.thresholds.periodSeconds: must be 60, 300, 900 or 3600, got 90");
    expect(bad({ periodSeconds: 3600, evaluationPeriods: 25 })).toThrow("InferenceService: monitoring.thresholds.evaluationPeriods: times periodSeconds must not exceed one day (CloudWatch evaluates at most 86,400 s of periods)");
    expect(bad({ alb5xxPercent: -1 })).toThrow("monitoring.thresholds.alb5xxPercent: must be >= 0, got -1");
    expect(bad({ memoryPercent: 101 })).toThrow("monitoring.thresholds.memoryPercent: must be <= 100, got 101");
    expect(bad({ p99LatencyMs: 0 })).toThrow("monitoring.thresholds.p99LatencyMs: must be > 0, got 0");
    expect(bad({ airflowQueuedTasks: 2.5 })).toThrow("monitoring.thresholds.airflowQueuedTasks: must be an integer, got 2.5");
    expect(bad({ driftCriticalZ: Number.NaN })).toThrow("monitoring.thresholds.driftCriticalZ: must be a number, got NaN");
  });

  it("knows CloudWatch's alarm periods", () => {
    expect([60, 300, 900, 3600, 86400].every(isAlarmPeriod)).toBe(true);
    expect([0, 30, 90, 86460, 61.5].some(isAlarmPeriod)).toBe(false);
  });
});

describe("validateAlarmSpec", () => {
  const single: AlarmSpec = {
    description: "cpu",
    metric: { namespace: "AWS/ECS", metricName: "CPUUtilization", dimensions: { ClusterName: "c" } },
    statistic: "Average",
    comparison: "GreaterThanThreshold",
    threshold: 80,
    periodSeconds: 300,
    evaluationPeriods: 3,
    treatMissingData: "notBreaching",
  };
  const math: AlarmSpec = {
    description: "rate",
    queries: [
      { id: "a", metric: { namespace: "N", metricName: "A", dimensions: {}, stat: "Sum" } },
      { id: "e", expression: "a * 2", returnData: true },
    ],
    comparison: "GreaterThanThreshold",
    threshold: 1,
    periodSeconds: 60,
    evaluationPeriods: 2,
    treatMissingData: "notBreaching",
  };

  it("accepts a single-metric and a metric math spec", () => {
    expect(() => validateAlarmSpec("a", single)).not.toThrow();
    expect(() => validateAlarmSpec("b", math)).not.toThrow();
    expect(() => validateAlarmSpec("c", { ...single, statistic: undefined, extendedStatistic: "p99.9" } as AlarmSpec)).not.toThrow();
  });

  it("rejects impossible specs, naming the alarm and the field", () => {
    const bad = (spec: object) => () => validateAlarmSpec("svc-cpu", spec as AlarmSpec);
    expect(bad({ ...single, statistic: undefined })).toThrow("alarm svc-cpu: give exactly one of statistic or extendedStatistic");
    expect(bad({ ...single, extendedStatistic: "p99" })).toThrow("alarm svc-cpu: give exactly one of statistic or extendedStatistic");
    expect(bad({ ...single, statistic: undefined, extendedStatistic: "p101" })).toThrow("alarm svc-cpu: extendedStatistic 'p101' must be a percentile such as p99");
    expect(bad({ ...single, statistic: "Median" })).toThrow("alarm svc-cpu: statistic 'Median' must be one of Average, Sum, Minimum, Maximum, SampleCount");
    expect(bad({ ...single, periodSeconds: 45 })).toThrow("alarm svc-cpu: periodSeconds must be a multiple of 60 up to 86400, got 45");
    expect(bad({ ...single, datapointsToAlarm: 4 })).toThrow("alarm svc-cpu: datapointsToAlarm must be an integer from 1 to evaluationPeriods (3), got 4");
    expect(bad({ ...single, threshold: Number.POSITIVE_INFINITY })).toThrow("alarm svc-cpu: threshold must be a finite number, got Infinity");
    expect(bad({ ...single, description: " " })).toThrow("alarm svc-cpu: description must say what breached");
    expect(bad({ ...math, metric: single.metric })).toThrow("alarm svc-cpu: give either metric or queries, not both");
    expect(bad({ ...math, queries: [{ id: "A1", expression: "1", returnData: true }] })).toThrow("alarm svc-cpu: query id 'A1' must start with a lowercase letter");
    expect(bad({ ...math, queries: [{ id: "e", expression: "1", returnData: true }, { id: "e", expression: "2" }] })).toThrow("alarm svc-cpu: query id 'e' is used twice");
    expect(bad({ ...math, queries: [{ id: "e", expression: "1" }] })).toThrow("alarm svc-cpu: exactly one query must have returnData, got 0");
    expect(bad({ ...math, queries: [{ id: "e", returnData: true }] })).toThrow("alarm svc-cpu: query 'e' needs exactly one of metric or expression");
  });
});

describe("resolveNotificationsArgs", () => {
  it("defaults to no subscribers and a key of the component's own", () => {
    expect(resolveNotificationsArgs({})).toEqual({ emails: [], httpsEndpoints: [], kmsKeyArn: undefined, displayName: undefined });
  });

  it("rejects bad endpoints and keys, naming the arg and index", () => {
    expect(() => resolveNotificationsArgs({ emails: ["ops@example.com", "not-an-email"] })).toThrow('Notifications: emails[1]: must be an email address, got "not-an-email"');
    expect(() => resolveNotificationsArgs({ httpsEndpoints: ["http://hooks.example.com/x"] })).toThrow('Notifications: httpsEndpoints[0]: must be an https:// URL, got "http://hooks.example.com/x"');
    expect(() => resolveNotificationsArgs({ httpsEndpoints: ["hooks"] })).toThrow('Notifications: httpsEndpoints[0]: must be an https:// URL, got "hooks"');
    expect(() => resolveNotificationsArgs({ emails: ["a@example.com", "A@example.com"] })).toThrow("Notifications: emails[1]: 'a@example.com' is listed twice");
    expect(() => resolveNotificationsArgs({ kmsKeyArn: "alias/aws/sns" })).toThrow('Notifications: kmsKeyArn: must be a KMS key or alias ARN of a customer-managed key, got "alias/aws/sns"');
    expect(() => resolveNotificationsArgs({ displayName: "x".repeat(101) })).toThrow("Notifications: displayName: must be at most 100 characters long, got 101");
  });

  it("names subscriptions by a hash of their endpoint, so reordering replaces nothing", () => {
    expect(subscriptionSuffix("ops@example.com")).toMatch(/^[0-9a-f]{8}$/);
    expect(subscriptionSuffix("ops@example.com")).not.toBe(subscriptionSuffix("dev@example.com"));
  });
});

describe("resolveDashboardArgs", () => {
  it("applies defaults and rejects bad names, ranges and regions", () => {
    expect(resolveDashboardArgs({ sections: [], region: "eu-west-1" }, "edge-mlops-dev")).toEqual({
      dashboardName: "edge-mlops-dev",
      region: "eu-west-1",
      start: "-PT3H",
      periodOverride: "inherit",
    });
    expect(resolveDashboardArgs({ sections: [], region: "eu-west-1", start: "-P7D" }, "d").start).toBe("-P7D");
    expect(() => resolveDashboardArgs({ sections: [], region: "eu-west-1", dashboardName: "my dashboard" }, "d")).toThrow(
      `Dashboard: dashboardName: must be 1-255 characters of A-Z, a-z, 0-9, '-' and '_', got "my dashboard"`,
    );
    expect(() => resolveDashboardArgs({ sections: [], region: "europe" }, "d")).toThrow('Dashboard: region: must be an AWS region name such as eu-west-1, got "europe"');
    expect(() => resolveDashboardArgs({ sections: [], region: "eu-west-1", start: "3 hours" }, "d")).toThrow('Dashboard: start: must be a negative ISO 8601 duration such as -PT3H or -P7D, got "3 hours"');
    expect(() => resolveDashboardArgs({ sections: [], region: "eu-west-1", start: "-PT" }, "d")).toThrow('Dashboard: start: must be a negative ISO 8601 duration such as -PT3H or -P7D, got "-PT"');
  });
});
