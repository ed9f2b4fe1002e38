// The CloudWatch dashboard body as typed objects (CloudWatch's "Dashboard Body Structure and Syntax"):
//   { start, periodOverride, widgets: [{ type: "metric" | "text" | "alarm" | "log", x, y, width, height, properties }] }
// Components contribute unplaced widgets (type, size, properties); `layoutWidgets` places them on the 24-column grid
// and `validateDashboardBody` checks a whole body (as parsed JSON) the way CloudWatch constrains it.

/** Columns of the dashboard grid. */
export const GRID_WIDTH = 24;
/** Tallest widget CloudWatch accepts, in grid rows. */
export const MAX_WIDGET_HEIGHT = 1000;
/** Most widgets one dashboard may hold. */
export const MAX_WIDGETS = 500;
/** Most alarms one alarm status widget may list. */
export const MAX_ALARMS_PER_WIDGET = 100;
/** Widget types this library builds (CloudWatch also knows "explorer" and "custom"). */
export const WIDGET_TYPES = ["metric", "text", "alarm", "log"] as const;
export type WidgetType = (typeof WIDGET_TYPES)[number];

/** How one metric line is drawn or referred to (the optional last element of a metric line). */
export interface MetricRendering {
  /** Id for metric math; lowercase first letter. */
  readonly id?: string;
  readonly label?: string;
  readonly stat?: string;
  readonly period?: number;
  readonly visible?: boolean;
  readonly yAxis?: "left" | "right";
  readonly color?: string;
}

/** `[namespace, metricName, dim1Name, dim1Value, ..., rendering?]`. */
export type MetricLine = readonly (string | MetricRendering)[];

/** A metric math line: `[{ expression, id, label }]`. */
export interface ExpressionRendering {
  readonly expression: string;
  readonly id?: string;
  readonly label?: string;
  readonly yAxis?: "left" | "right";
  readonly color?: string;
}
export type ExpressionLine = readonly [ExpressionRendering];

export interface HorizontalAnnotation {
  readonly value: number;
  readonly label?: string;
  readonly color?: string;
  readonly fill?: "above" | "below";
  readonly yAxis?: "left" | "right";
}

export interface YAxisRange {
  readonly min?: number;
  readonly max?: number;
  readonly label?: string;
  readonly showUnits?: boolean;
}

export interface MetricWidgetProperties {
  readonly metrics: readonly (MetricLine | ExpressionLine)[];
  readonly title?: string;
  /** Region of the metrics; the Dashboard fills in the stack's region when unset. */
  readonly region?: string;
  readonly stat?: string;
  readonly period?: number;
  readonly view?: "timeSeries" | "singleValue" | "gauge" | "bar" | "pie";
  readonly stacked?: boolean;
  readonly yAxis?: { readonly left?: YAxisRange; readonly right?: YAxisRange };
  readonly annotations?: { readonly horizontal?: readonly HorizontalAnnotation[]; readonly alarms?: readonly string[] };
}

export interface TextWidgetProperties {
  readonly markdown: string;
  readonly background?: "solid" | "transparent";
}

export interface AlarmWidgetProperties {
  /** Alarm ARNs, 1 to 100. */
  readonly alarms: readonly string[];
  readonly title?: string;
  readonly sortBy?: "default" | "stateUpdatedTimestamp" | "timestamp";
  readonly states?: readonly ("ALARM" | "INSUFFICIENT_DATA" | "OK")[];
}

export interface LogWidgetProperties {
  /** A Logs Insights query: `SOURCE '<log group>' | fields ...`. */
  readonly query: string;
  readonly region?: string;
  readonly title?: string;
  readonly view?: "table" | "timeSeries" | "bar" | "pie";
  readonly stacked?: boolean;
}

interface Sized {
  /** Grid columns, 1 to 24. */
  readonly width: number;
  /** Grid rows, 1 to 1000. */
  readonly height: number;
}
export interface MetricWidget extends Sized {
  readonly type: "metric";
  readonly properties: MetricWidgetProperties;
}
export interface TextWidget extends Sized {
  readonly type: "text";
  readonly properties: TextWidgetProperties;
}
export interface AlarmWidget extends Sized {
  readonly type: "alarm";
  readonly properties: AlarmWidgetProperties;
}
export interface LogWidget extends Sized {
  readonly type: "log";
  readonly properties: LogWidgetProperties;
}
/** A widget a component contributes: everything but its place on the grid. */
export type Widget = MetricWidget | TextWidget | AlarmWidget | LogWidget;
/** A widget placed on the grid. */
export type PlacedWidget = Widget & { readonly x: number; readonly y: number };

export interface DashboardBody {
  /** Time range shown when the dashboard opens, e.g. "-PT3H". */
  readonly start: string;
  readonly periodOverride: "auto" | "inherit";
  readonly widgets: readonly PlacedWidget[];
}

// ---- builders -----------------------------------------------------------------------------------------------------

/** A metric line: namespace, metric name, dimensions (in the given order) and an optional rendering. */
export function metricLine(namespace: string, metricName: string, dimensions: Readonly<Record<string, string>>, rendering?: MetricRendering): MetricLine {
  const line: (string | MetricRendering)[] = [namespace, metricName];
  for (const [name, value] of Object.entries(dimensions)) line.push(name, value);
  if (rendering && Object.keys(rendering).length > 0) line.push(rendering);
  return line;
}

/** A metric math line. */
export function expressionLine(expression: string, id: string, label: string): ExpressionLine {
  return [{ expression, id, label }];
}

/** A markdown header across the full width. */
export function headerWidget(markdown: string): TextWidget {
  return { type: "text", width: GRID_WIDTH, height: 1, properties: { markdown, background: "transparent" } };
}

/** A time-series graph, 8 columns by 6 rows unless told otherwise. */
export function graphWidget(title: string, metrics: MetricWidgetProperties["metrics"], extra: Partial<Omit<MetricWidgetProperties, "metrics" | "title">> & { width?: number; height?: number } = {}): MetricWidget {
  const { width = 8, height = 6, ...properties } = extra;
  return { type: "metric", width, height, properties: { title, view: "timeSeries", metrics, ...properties } };
}

/** An alarm status widget listing alarms in state order (ALARM first). */
export function alarmStatusWidget(title: string, alarmArns: readonly string[]): AlarmWidget {
  return { type: "alarm", width: GRID_WIDTH, height: 2 + Math.ceil(alarmArns.length / 4), properties: { title, alarms: [...alarmArns], sortBy: "stateUpdatedTimestamp" } };
}

// ---- layout -------------------------------------------------------------------------------------------------------

function widgetLabel(w: { type?: unknown; properties?: unknown }): string {
  const props = (w.properties ?? {}) as { title?: unknown; markdown?: unknown };
  const name = (typeof props.title === "string" ? props.title : typeof props.markdown === "string" ? props.markdown.split("\n")[0] : "").trim();
  return name ? `${String(w.type)} widget '${name}'` : `${String(w.type)} widget`;
}

function checkSize(w: Widget, where: string): void {
  if (!Number.isInteger(w.width) || w.width < 1 || w.width > GRID_WIDTH) {
    throw new Error(`${where} (${widgetLabel(w)}): width must be an integer from 1 to ${GRID_WIDTH}, got ${w.width}`);
  }
  if (!Number.isInteger(w.height) || w.height < 1 || w.height > MAX_WIDGET_HEIGHT) {
    throw new Error(`${where} (${widgetLabel(w)}): height must be an integer from 1 to ${MAX_WIDGET_HEIGHT}, got ${w.height}`);
  }
}

/**
 * Places sections of widgets on the 24-column grid: each section starts on a new row at the left edge; within a
 * section widgets flow left to right and wrap to a new row when the next one would pass column 24. A row is as tall
 * as its tallest widget, so widgets never overlap. Empty sections take no space.
 */
export function layoutWidgets(sections: readonly (readonly Widget[])[]): PlacedWidget[] {
  const placed: PlacedWidget[] = [];
  let top = 0;
  sections.forEach((section, s) => {
    let x = 0;
    let y = top;
    let rowBottom = top;
    section.forEach((w, i) => {
      checkSize(w, `dashboard section ${s} widget ${i}`);
      if (x + w.width > GRID_WIDTH) {
        x = 0;
        y = rowBottom;
      }
      placed.push({ type: w.type, x, y, width: w.width, height: w.height, properties: w.properties } as PlacedWidget);
      x += w.width;
      rowBottom = Math.max(rowBottom, y + w.height);
    });
    top = rowBottom;
  });
  return placed;
}

/** Fills `region` into metric and log widgets that do not name one (CloudWatch requires it on those). */
function withRegion(w: PlacedWidget, region: string): PlacedWidget {
  if ((w.type === "metric" || w.type === "log") && w.properties.region === undefined) {
    return { ...w, properties: { ...w.properties, region } } as PlacedWidget;
  }
  return w;
}

/** The dashboard body of sections of widgets: laid out, regions filled in, validated. Throws naming the bad widget. */
export function dashboardBody(
  sections: readonly (readonly Widget[])[],
  opts: { region: string; start?: string; periodOverride?: "auto" | "inherit" },
): DashboardBody {
  const body: DashboardBody = {
    start: opts.start ?? "-PT3H",
    periodOverride: opts.periodOverride ?? "inherit",
    widgets: layoutWidgets(sections).map((w) => withRegion(w, opts.region)),
  };
  const problems = validateDashboardBody(JSON.parse(JSON.stringify(body)));
  if (problems.length > 0) throw new Error(`dashboard body: ${problems[0]}`);
  return body;
}

// ---- validation ---------------------------------------------------------------------------------------------------

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);
const nonEmpty = (v: unknown): v is string => typeof v === "string" && v.trim().length > 0;
const METRIC_ID = /^[a-z][a-zA-Z0-9_]*$/;
const ALARM_ARN = /^arn:aws[a-z-]*:cloudwatch:[a-z0-9-]+:\d{12}:alarm:.+$/;

function metricLineProblems(line: unknown, at: string): string[] {
  if (!Array.isArray(line) || line.length === 0) return [`${at} must be a non-empty list`];
  const last = line[line.length - 1];
  if (isObject(line[0])) {
    if (line.length !== 1) return [`${at} is an expression line and must hold exactly one object`];
    const e = line[0];
    const problems = nonEmpty(e.expression) ? [] : [`${at} needs an expression`];
    if (e.id !== undefined && !(typeof e.id === "string" && METRIC_ID.test(e.id))) problems.push(`${at} id ${JSON.stringify(e.id)} must start with a lowercase letter`);
    return problems;
  }
  const strings = isObject(last) ? line.slice(0, -1) : line;
  if (strings.some((p) => typeof p !== "string")) return [`${at} must be strings followed by at most one rendering object`];
  if (strings.length < 2 || !nonEmpty(strings[0]) || !nonEmpty(strings[1])) return [`${at} must start with a namespace and a metric name`];
  if ((strings.length - 2) % 2 !== 0) return [`${at} has a dimension name without a value`];
  if (strings.some((p) => p === "")) return [`${at} has an empty dimension name or value`];
  if (isObject(last) && last.id !== undefined && !(typeof last.id === "string" && METRIC_ID.test(last.id))) {
    return [`${at} id ${JSON.stringify(last.id)} must start with a lowercase letter`];
  }
  return [];
}

function propertiesProblems(type: WidgetType, p: Record<string, unknown>, at: string): string[] {
  switch (type) {
    case "metric": {
      if (!Array.isArray(p.metrics) || p.metrics.length === 0) return [`${at}: properties.metrics must list at least one metric`];
      const problems = p.metrics.flatMap((line, i) => metricLineProblems(line, `${at}: properties.metrics[${i}]`));
      if (!nonEmpty(p.region)) problems.push(`${at}: properties.region is required`);
      const ids = p.metrics.map((l) => (Array.isArray(l) ? (isObject(l[l.length - 1]) ? (l[l.length - 1] as { id?: unknown }).id : undefined) : undefined)).filter((id) => id !== undefined);
      const dup = ids.find((id, i) => ids.indexOf(id) !== i);
      if (dup !== undefined) problems.push(`${at}: metric id ${JSON.stringify(dup)} is used twice`);
      return problems;
    }
    case "text":
      return nonEmpty(p.markdown) ? [] : [`${at}: properties.markdown must be non-empty text`];
    case "alarm": {
      const alarms = p.alarms;
      if (!Array.isArray(alarms) || alarms.length < 1 || alarms.length > MAX_ALARMS_PER_WIDGET) {
        return [`${at}: properties.alarms must list 1 to ${MAX_ALARMS_PER_WIDGET} alarm ARNs`];
      }
      const bad = alarms.find((a) => typeof a !== "string" || !ALARM_ARN.test(a));
      return bad === undefined ? [] : [`${at}: ${JSON.stringify(bad)} is not a CloudWatch alarm ARN`];
    }
    case "log": {
      const problems = nonEmpty(p.query) ? [] : [`${at}: properties.query must be a Logs Insights query`];
      if (!nonEmpty(p.region)) problems.push(`${at}: properties.region is required`);
      return problems;
    }
  }
}

/**
 * The problems CloudWatch would reject in a dashboard body given as parsed JSON: the `widgets` list (at most 500),
 * each widget's type, integer position and size within the 24-column grid, type-specific properties, and widgets
 * that overlap. Returns an empty list for a valid body.
 */
export function validateDashboardBody(body: unknown): string[] {
  if (!isObject(body)) return ["the body must be a JSON object"];
  if (!Array.isArray(body.widgets)) return ["the body must hold a widgets list"];
  if (body.widgets.length > MAX_WIDGETS) return [`the body holds ${body.widgets.length} widgets; CloudWatch allows ${MAX_WIDGETS}`];
  const problems: string[] = [];
  const boxes: { x: number; y: number; w: number; h: number; at: string }[] = [];
  body.widgets.forEach((w: unknown, i: number) => {
    if (!isObject(w)) {
      problems.push(`widgets[${i}] must be an object`);
      return;
    }
    const at = `widgets[${i}] (${widgetLabel(w)})`;
    if (!(WIDGET_TYPES as readonly unknown[]).includes(w.type)) {
      problems.push(`${at}: type must be one of ${WIDGET_TYPES.join(", ")}`);
      return;
    }
    const { x, y, width, height } = w;
    if (!isInt(width) || width < 1 || width > GRID_WIDTH) problems.push(`${at}: width must be an integer from 1 to ${GRID_WIDTH}`);
    if (!isInt(height) || height < 1 || height > MAX_WIDGET_HEIGHT) problems.push(`${at}: height must be an integer from 1 to ${MAX_WIDGET_HEIGHT}`);
    if (!isInt(x) || x < 0 || x > GRID_WIDTH - 1) problems.push(`${at}: x must be an integer from 0 to ${GRID_WIDTH - 1}`);
    if (!isInt(y) || y < 0) problems.push(`${at}: y must be a non-negative integer`);
    if (isInt(x) && isInt(width) && x + width > GRID_WIDTH) problems.push(`${at}: x + width (${x + width}) passes the ${GRID_WIDTH}-column grid`);
    if (!isObject(w.properties)) problems.push(`${at}: properties must be an object`);
    else problems.push(...propertiesProblems(w.type as WidgetType, w.properties, at));
    if (isInt(x) && isInt(y) && isInt(width) && isInt(height)) boxes.push({ x, y, w: width, h: height, at });
  });
  for (let a = 0; a < boxes.length; a++) {
    for (let b = a + 1; b < boxes.length; b++) {
      const p = boxes[a];
      const q = boxes[b];
      if (p.x < q.x + q.w && q.x < p.x + p.w && p.y < q.y + q.h && q.y < p.y + p.h) problems.push(`${p.at} overlaps ${q.at}`);
    }
  }
  return problems;
}
