import { describe, expect, it } from "vitest";
import {
  alarmStatusWidget,
  dashboardBody,
  expressionLine,
  graphWidget,
  GRID_WIDTH,
  headerWidget,
  layoutWidgets,
  metricLine,
  validateDashboardBody,
  type PlacedWidget,
  type Widget,
} from "../../components/observability/widgets";

const ALARM = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:svc-5xx";
const sized = (width: number, height: number, title = `w${width}x${height}`): Widget => ({
  type: "metric",
  width,
  height,
  properties: { title, metrics: [metricLine("AWS/ECS", "CPUUtilization", { ClusterName: "c", ServiceName: "s" })] },
});
const box = (w: PlacedWidget) => [w.x, w.y, w.width, w.height];

/** Every pair of placed widgets is disjoint and inside the grid. */
function assertNoOverlap(widgets: readonly PlacedWidget[]) {
  for (const w of widgets) expect(w.x + w.width).toBeLessThanOrEqual(GRID_WIDTH);
  for (let a = 0; a < widgets.length; a++) {
    for (let b = a + 1; b < widgets.length; b++) {
      const p = widgets[a];
      const q = widgets[b];
      const overlap = p.x < q.x + q.width && q.x < p.x + p.width && p.y < q.y + q.height && q.y < p.y + p.height;
      expect(overlap, `${JSON.stringify(box(p))} vs ${JSON.stringify(box(q))}`).toBe(false);
    }
  }
}

describe("builders", () => {
  it("write metric lines as [namespace, name, dimension pairs..., rendering]", () => {
    expect(metricLine("AWS/ApplicationELB", "RequestCount", { LoadBalancer: "app/lb/1" }, { stat: "Sum" })).toEqual([
      "AWS/ApplicationELB",
      "RequestCount",
      "LoadBalancer",
      "app/lb/1",
      { stat: "Sum" },
    ]);
    expect(metricLine("AmazonMWAA", "QueuedTasks", { Function: "Executor", Environment: "env" })).toEqual(["AmazonMWAA", "QueuedTasks", "Function", "Executor", "Environment", "env"]);
    expect(expressionLine("m1 + m2", "e1", "sum")).toEqual([{ expression: "m1 + m2", id: "e1", label: "sum" }]);
  });

  it("size headers across the grid and alarm widgets by their alarm count", () => {
    expect(headerWidget("## A")).toEqual({ type: "text", width: 24, height: 1, properties: { markdown: "## A", background: "transparent" } });
    expect(alarmStatusWidget("x", [ALARM]).height).toBe(3);
    expect(alarmStatusWidget("x", Array(9).fill(ALARM)).height).toBe(5);
    expect(graphWidget("t", [], {})).toMatchObject({ width: 8, height: 6, properties: { view: "timeSeries", title: "t" } });
  });
});

describe("layoutWidgets", () => {
  it("flows widgets left to right, wraps at column 24 and starts each section on a new row", () => {
    const placed = layoutWidgets([
      [sized(24, 1), sized(8, 6), sized(8, 6), sized(8, 6), sized(12, 4), sized(12, 2)],
      [],
      [sized(6, 3), sized(20, 2)],
    ]);
    expect(placed.map(box)).toEqual([
      [0, 0, 24, 1],
      [0, 1, 8, 6],
      [8, 1, 8, 6],
      [16, 1, 8, 6],
      [0, 7, 12, 4],
      [12, 7, 12, 2],
      // next section: below the tallest widget of the previous row
      [0, 11, 6, 3],
      [0, 14, 20, 2],
    ]);
    assertNoOverlap(placed);
  });

  it("never overlaps for mixed sizes", () => {
    const sizes = [3, 17, 24, 1, 9, 9, 9, 5, 12, 12, 23, 2, 7];
    const placed = layoutWidgets([sizes.map((w, i) => sized(w, 1 + (i % 4))), sizes.reverse().map((w, i) => sized(w, 2 + (i % 3)))]);
    expect(placed).toHaveLength(26);
    assertNoOverlap(placed);
    expect(validateDashboardBody({ widgets: placed.map((w) => ({ ...w, properties: { ...w.properties, region: "eu-west-1" } })) })).toEqual([]);
  });

  it("rejects sizes outside the grid, naming section, widget and title", () => {
    expect(() => layoutWidgets([[sized(8, 6)], [sized(25, 6, "too wide")]])).toThrow("dashboard section 1 widget 0 (metric widget 'too wide'): width must be an integer from 1 to 24, got 25");
    expect(() => layoutWidgets([[sized(8, 0, "flat")]])).toThrow("dashboard section 0 widget 0 (metric widget 'flat'): height must be an integer from 1 to 1000, got 0");
    expect(() => layoutWidgets([[sized(2.5, 3, "half")]])).toThrow(/width must be an integer/);
  });
});

describe("dashboardBody", () => {
  // Two contributors that know nothing of each other.
  const service: Widget[] = [
    headerWidget("## Service"),
    graphWidget("Requests", [metricLine("AWS/ApplicationELB", "RequestCount", { LoadBalancer: "app/lb/1" }, { stat: "Sum" })]),
    graphWidget("Drift", [metricLine("EdgeMlops/Inference", "PredictionMean", { ModelVersion: "v1" }, { id: "m0", visible: false }), expressionLine("ABS(m0 - (9.9)) / 2.3", "z0", "prediction")], {
      width: 16,
    }),
    alarmStatusWidget("Alarms", [ALARM]),
  ];
  const airflow: Widget[] = [
    headerWidget("## Airflow"),
    graphWidget("Heartbeat", [metricLine("AmazonMWAA", "SchedulerHeartbeat", { Function: "Scheduler", Environment: "env" })], { width: 12, region: "us-east-1" }),
    { type: "log", width: 12, height: 6, properties: { query: "SOURCE 'airflow-env-Task' | fields @timestamp, @message | limit 20", title: "Task log" } },
  ];

  it("assembles a body CloudWatch accepts from two contributors", () => {
    const body = JSON.parse(JSON.stringify(dashboardBody([service, airflow], { region: "eu-west-1" })));
    expect(validateDashboardBody(body)).toEqual([]);
    expect(body.start).toBe("-PT3H");
    expect(body.periodOverride).toBe("inherit");
    expect(body.widgets.map((w: PlacedWidget) => w.type)).toEqual(["text", "metric", "metric", "alarm", "text", "metric", "log"]);
    expect(body.widgets.map(box)).toEqual([
      [0, 0, 24, 1],
      [0, 1, 8, 6],
      [8, 1, 16, 6],
      [0, 7, 24, 3],
      [0, 10, 24, 1],
      [0, 11, 12, 6],
      [12, 11, 12, 6],
    ]);
    // the stack's region goes into metric and log widgets without one; a widget's own region is kept
    expect(body.widgets[1].properties.region).toBe("eu-west-1");
    expect(body.widgets[5].properties.region).toBe("us-east-1");
    expect(body.widgets[6].properties.region).toBe("eu-west-1");
    expect(body.widgets[0].properties.region).toBeUndefined();
    expect(body.widgets[3].properties).toEqual({ title: "Alarms", alarms: [ALARM], sortBy: "stateUpdatedTimestamp" });
    expect(Object.keys(body.widgets[1])).toEqual(["type", "x", "y", "width", "height", "properties"]);
  });

  it("refuses a body with a broken widget, naming it", () => {
    const broken: Widget = { type: "alarm", width: 6, height: 3, properties: { alarms: ["arn:aws:sns:eu-west-1:123456789012:topic"], title: "Bad" } };
    expect(() => dashboardBody([[broken]], { region: "eu-west-1" })).toThrow(
      'dashboard body: widgets[0] (alarm widget \'Bad\'): "arn:aws:sns:eu-west-1:123456789012:topic" is not a CloudWatch alarm ARN',
    );
  });
});

describe("validateDashboardBody", () => {
  const metric = (extra: object = {}) => ({
    type: "metric",
    x: 0,
    y: 0,
    width: 6,
    height: 6,
    properties: { region: "eu-west-1", metrics: [["AWS/ECS", "CPUUtilization", "ClusterName", "c"]] },
    ...extra,
  });

  it("accepts an empty dashboard", () => {
    expect(validateDashboardBody({ widgets: [] })).toEqual([]);
  });

  it("reports structure CloudWatch rejects", () => {
    expect(validateDashboardBody([])).toEqual(["the body must be a JSON object"]);
    expect(validateDashboardBody({})).toEqual(["the body must hold a widgets list"]);
    expect(validateDashboardBody({ widgets: Array(501).fill(metric()) })).toEqual(["the body holds 501 widgets; CloudWatch allows 500"]);
    expect(validateDashboardBody({ widgets: [metric({ type: "graph" })] })).toEqual(["widgets[0] (graph widget): type must be one of metric, text, alarm, log"]);
    expect(validateDashboardBody({ widgets: [metric({ x: 20 })] })).toEqual(["widgets[0] (metric widget): x + width (26) passes the 24-column grid"]);
    expect(validateDashboardBody({ widgets: [metric({ y: -1, height: 1001 })] })).toEqual([
      "widgets[0] (metric widget): height must be an integer from 1 to 1000",
      "widgets[0] (metric widget): y must be a non-negative integer",
    ]);
  });

  it("reports overlapping widgets", () => {
    expect(validateDashboardBody({ widgets: [metric(), metric({ x: 5, y: 5 })] })).toEqual(["widgets[0] (metric widget) overlaps widgets[1] (metric widget)"]);
    expect(validateDashboardBody({ widgets: [metric(), metric({ x: 6 }), metric({ y: 6 })] })).toEqual([]);
  });

  it("checks the properties of each widget type", () => {
    const props = (type: string, properties: object) => validateDashboardBody({ widgets: [{ type, x: 0, y: 0, width: 6, height: 6, properties }] });
    expect(props("metric", { region: "eu-west-1", metrics: [] })).toEqual(["widgets[0] (metric widget): properties.metrics must list at least one metric"]);
    expect(props("metric", { metrics: [["AWS/ECS", "CPUUtilization", "ClusterName"]] })).toEqual([
      "widgets[0] (metric widget): properties.metrics[0] has a dimension name without a value",
      "widgets[0] (metric widget): properties.region is required",
    ]);
    expect(props("metric", { region: "r", metrics: [["A", "B", { id: "M1" }]] })).toEqual(['widgets[0] (metric widget): properties.metrics[0] id "M1" must start with a lowercase letter']);
    expect(props("metric", { region: "r", metrics: [[{ expression: "" }]] })).toEqual(["widgets[0] (metric widget): properties.metrics[0] needs an expression"]);
    expect(props("metric", { region: "r", metrics: [["A", "B", { id: "m" }], ["A", "C", { id: "m" }]] })).toEqual(['widgets[0] (metric widget): metric id "m" is used twice']);
    expect(props("text", { markdown: " " })).toEqual(["widgets[0] (text widget): properties.markdown must be non-empty text"]);
    expect(props("alarm", { alarms: [] })).toEqual(["widgets[0] (alarm widget): properties.alarms must list 1 to 100 alarm ARNs"]);
    expect(props("alarm", { alarms: Array(101).fill(ALARM) })).toEqual(["widgets[0] (alarm widget): properties.alarms must list 1 to 100 alarm ARNs"]);
    expect(props("log", { region: "eu-west-1" })).toEqual(["widgets[0] (log widget): properties.query must be a Logs Insights query"]);
  });
});
