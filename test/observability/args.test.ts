// The observability settings schemas on their own, without mocks (components/observability/args.ts): the alarm
// topic's subscribers each listed once, CloudWatch's one-day limit on an alarm's evaluation window, and the forms of a
// dashboard's start time. The components' wrappers and the rest of the ranges are tested in contract.test.ts and
// test/config/bounds.test.ts; these are the rules written as code, which the pure suites of `npm run bench:mutation`
// judge.
import { describe, expect, it } from "vitest";
import { resolveArgs } from "../../components/args";
import { alarmThresholds, dashboardSettings, notificationSettings } from "../../components/observability/args";

const notifications = (input: object) => resolveArgs("Notifications", notificationSettings, input);
const thresholds = (input: object) => resolveArgs("AlarmThresholds", alarmThresholds, input);
const dashboard = (start: string) => resolveArgs("Dashboard", dashboardSettings, { region: "eu-west-1", start });

describe("notifications: each subscriber once", () => {
  it("takes distinct email addresses and endpoints", () => {
    const input = { emails: ["ops@example.com", "dev@example.com"], httpsEndpoints: ["https://hooks.example.com/a", "https://hooks.example.com/b"] };
    expect(notifications(input)).toMatchObject(input);
  });

  it("refuses an email address given twice in any case, naming the second place (SNS would subscribe it once)", () => {
    expect(() => notifications({ emails: ["ops@example.com", "dev@example.com", "OPS@example.com"] })).toThrow("Notifications: emails[2]: 'ops@example.com' is listed twice");
  });

  it("refuses an endpoint given twice, naming the second place", () => {
    expect(() => notifications({ httpsEndpoints: ["https://hooks.example.com/a", "https://hooks.example.com/a"] })).toThrow(
      "Notifications: httpsEndpoints[1]: 'https://hooks.example.com/a' is listed twice",
    );
  });
});

describe("alarm thresholds: at most one day of periods (PutMetricAlarm: EvaluationPeriods × Period ≤ 86,400 s)", () => {
  const tooLong = "times periodSeconds must not exceed one day (CloudWatch evaluates at most 86,400 s of periods)";

  it.each([
    [24, 3600],
    [96, 900],
    [100, 300],
    [100, 60],
  ])("takes %i periods of %i s", (evaluationPeriods, periodSeconds) => {
    expect(thresholds({ evaluationPeriods, periodSeconds })).toMatchObject({ evaluationPeriods, periodSeconds });
  });

  it.each([
    [25, 3600],
    [97, 900],
  ])("refuses %i periods of %i s, naming evaluationPeriods", (evaluationPeriods, periodSeconds) => {
    expect(() => thresholds({ evaluationPeriods, periodSeconds })).toThrow(`AlarmThresholds: evaluationPeriods: ${tooLong}`);
  });
});

describe("dashboard start: a negative ISO 8601 duration of weeks or days, hours and minutes (CloudWatch's `start`)", () => {
  it.each(["-PT3H", "-PT30M", "-PT1H30M", "-PT12H", "-P7D", "-P14D", "-P2W", "-P1DT12H"])("takes %s", (start) => {
    expect(dashboard(start).start).toBe(start);
  });

  it.each(["-P", "-PT", "-P1DT", "PT3H", "x-PT3H", "-PT3H30S", "-PT3Hx", "3 hours", "-PxD"])("refuses %s", (start) => {
    expect(() => dashboard(start)).toThrow(`Dashboard: start: must be a negative ISO 8601 duration such as -PT3H or -P7D, got ${JSON.stringify(start)}`);
  });
});
