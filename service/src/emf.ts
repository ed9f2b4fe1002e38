/**
 * CloudWatch embedded metric format (EMF) for POST /forecast: the drift metrics of contracts/drift.ts.
 * The server gathers the values of its successful requests and writes them, to stdout, as documents (one line
 * each; CloudWatch Logs extracts the metrics from them) in namespace METRICS_NAMESPACE with the one dimension
 * SERVICE_DIMENSION:
 *
 *   RequestCount              requests whose values entered the document's buffer (left out when 0)
 *   Prediction_Z              [(prediction − μ) / σ per instance]   μ, σ: training_statistics.prediction
 *   Feature_<field>_Z         [(x − μ) / σ per instance]            μ, σ: training_statistics.features.<field>
 *
 * The z values are standardised with the served model's own statistics, so the alarms need no model
 * version. Why gathered, not one document per request: CloudWatch counts each value of a metric array
 * as one sample, so a period's Average and SampleCount of a z metric (all a drift alarm reads,
 * components/observability/drift.ts) are the same whether the values came in one document or in many,
 * and RequestCount is read as its Sum (the dashboards), which is the same for one document carrying N as
 * for N documents carrying 1 (its SampleCount counts documents; nothing reads it). With small requests
 * that makes far fewer documents (up to 100 one-instance requests share one document's directives).
 *
 * A DriftMetrics (one per loaded model) buffers the z values of up to MAX_EMF_VALUES instances, the EMF
 * limit per metric array, and turns them into a document when
 *   - the arrays are full (a request of more instances fills several documents),
 *   - a value arrives in a later second than the buffer's first value: a document's Timestamp (its first
 *     value's time) and all its values lie in one second, so in the same alarm period (periods are whole
 *     seconds),
 *   - it is flushed: DriftMetricsWriter does so at most METRICS_FLUSH_MS after a value is buffered (an
 *     unref'd timer), and the server when it swaps the model (the old model's values first) and when it drains.
 * The buffer is a fixed MAX_EMF_VALUES values per metric, so memory does not grow with the load.
 * What is the same for every document of a model (the directives, the dimension value, the member
 * names, each field's μ and σ) is prepared once when the model is loaded.
 *
 * Under load the z values are a sample (contracts/drift.ts, DRIFT_VALUES_PER_SECOND): after a second that brought
 * more instances than that, each request of the next second enters the buffer whole with probability
 * DRIFT_VALUES_PER_SECOND / (the previous second's instances), so about that many values per metric are written a
 * second, a uniform sample of the requests; every request is still counted in RequestCount (a document of the
 * requests left out alone carries only RequestCount). Below that rate every value is written.
 *
 * A field whose training σ is 0 has no z (its whole training column was one value): its metric is left
 * out of the documents and DriftMetrics.unstandardisable names it, for the server's warning at load.
 * CloudWatch refuses values whose magnitude is above 2^360 or below 2^-360 (PutMetricData,
 * MetricDatum.Value); a z is clipped to ±Z_LIMIT (far inside) and written to Z_DECIMALS places, so one
 * closer to 0 than half of 10^-Z_DECIMALS is written as 0.
 */
import {
  DRIFT_VALUES_PER_SECOND,
  featureZMetricName,
  MAX_EMF_VALUES,
  METRICS_NAMESPACE,
  PREDICTION_Z_METRIC,
  REQUEST_METRIC,
  SERVICE_DIMENSION,
  Z_DECIMALS,
  Z_LIMIT,
} from "../../contracts/drift";
import type { ModelFile } from "./model";

export interface EmfMetric {
  readonly Name: string;
  readonly Unit: "Count" | "None";
}

export interface EmfDocument {
  readonly _aws: {
    readonly Timestamp: number;
    readonly CloudWatchMetrics: ReadonlyArray<{
      readonly Namespace: string;
      readonly Dimensions: ReadonlyArray<ReadonlyArray<string>>;
      readonly Metrics: ReadonlyArray<EmfMetric>;
    }>;
  };
  readonly [member: string]: unknown;
}

/** Largest magnitude CloudWatch accepts for a metric value (2^360; PutMetricData, MetricDatum.Value). */
export const CLOUDWATCH_MAX_VALUE = 2 ** 360;
/** Longest time buffered values wait for their document, in ms (at most one second: see the note above). */
export const METRICS_FLUSH_MS = 1000;

/**
 * Bytes of one metric array's members at most: MAX_EMF_VALUES times "-<Z_LIMIT>.<Z_DECIMALS digits>,", and
 * room for the last value's four fraction digits, which are always stored (see zList).
 */
const zText = Buffer.allocUnsafe(MAX_EMF_VALUES * (String(Z_LIMIT).length + Z_DECIMALS + 3) + 4);
const zView = new DataView(zText.buffer, zText.byteOffset, zText.byteLength);
if (Z_DECIMALS !== 4 || Z_LIMIT !== 10) {
  throw new Error(`zList writes 4 decimal places and whole parts up to 10; contracts/drift.ts says Z_DECIMALS = ${Z_DECIMALS}, Z_LIMIT = ${Z_LIMIT}`);
}
/** Per fraction f (0-9999, in ten-thousandths): its four digits as the bytes of one little-endian uint32 ("0500" for 500). */
const FRACTION_DIGITS = new Uint32Array(10_000);
/** Per fraction f: the bytes ".dddd" takes with its trailing zeros dropped (".05" for 500: 3), 0 for f = 0. */
const FRACTION_BYTES = new Uint8Array(10_000);
for (let f = 0; f < 10_000; f++) {
  const digits = String(f).padStart(4, "0");
  FRACTION_DIGITS[f] = digits.charCodeAt(0) | (digits.charCodeAt(1) << 8) | (digits.charCodeAt(2) << 16) | (digits.charCodeAt(3) << 24);
  const kept = digits.replace(/0+$/, "").length;
  FRACTION_BYTES[f] = kept === 0 ? 0 : 1 + kept;
}

/**
 * The members of a metric array, `count` z values from values[base] on ("1.25,-0.5,0,10"): each clipped to
 * ±Z_LIMIT and rounded to Z_DECIMALS places (contracts/drift.ts), trailing zeros dropped, so a magnitude is
 * 0 or at least 10^-Z_DECIMALS, inside CloudWatch's range. The bytes go into one reused buffer rather than a
 * string per value: a fraction's point and four digits are stored at once (one uint32 from FRACTION_DIGITS)
 * and the write position then moves past only the bytes that stay (FRACTION_BYTES), so the next value
 * overwrites the dropped zeros; the scale is a literal (a literal divisor becomes a multiplication; a
 * bundle's module-level constants are plain `var`s). The 700 values of a 100-instance request (7 series) take
 * about half the time of working out each digit by division, and a tenth of String(z) per value; the document
 * is a third of the size String(z) gives.
 */
function zList(values: Float64Array, base: number, count: number): string {
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (i > 0) zText[p++] = 0x2c; // ,
    const z = values[base + i]!;
    // Small integers throughout (|m| <= Z_LIMIT × 10^4), so `| 0` truncates exactly.
    let m = Math.round((z > Z_LIMIT ? Z_LIMIT : z < -Z_LIMIT ? -Z_LIMIT : z) * 10_000) | 0;
    if (m < 0) {
      zText[p++] = 0x2d; // -
      m = -m;
    }
    const whole = (m / 10_000) | 0;
    if (whole < 10) {
      zText[p++] = 0x30 + whole;
    } else {
      // Only ±Z_LIMIT itself: 10, with no fraction.
      zText[p++] = 0x31;
      zText[p++] = 0x30;
    }
    const fraction = m - whole * 10_000;
    zText[p] = 0x2e; // .
    zView.setUint32(p + 1, FRACTION_DIGITS[fraction]!, true);
    p += FRACTION_BYTES[fraction]!;
  }
  return zText.toString("latin1", 0, p);
}

/** What DriftMetrics needs from a model: its number input fields and training statistics. */
export type DriftModel = Pick<ModelFile, "input_fields" | "training_statistics">;

export interface DriftSampling {
  /** Values per metric per second above which requests are sampled (default DRIFT_VALUES_PER_SECOND). */
  readonly valuesPerSecond?: number;
  /** Uniform random numbers in [0, 1) that decide which requests a sampled second keeps (default Math.random). */
  readonly random?: () => number;
}

interface Standardised {
  /** `,"<metric>":[` */
  readonly key: string;
  readonly mean: number;
  readonly std: number;
  /** Row of this field in the request's number values (-1: the predictions). */
  readonly slot: number;
}

/**
 * The drift metrics of one model's successful forecasts, for one Service dimension value: a buffer of
 * z values that comes out as EMF documents. `add` takes a request's predictions and its number values
 * field by field (`numbers[slot * count + i]`: number field `slot`, in input-field order, of instance `i`).
 */
export class DriftMetrics {
  /** Number fields whose training σ is 0: no z, no metric. */
  readonly unstandardisable: readonly string[];
  /** The document's head after the Timestamp, with RequestCount's directive (the count follows) and without. */
  private readonly counted: string;
  private readonly uncounted: string;
  /** The head of a document of requests whose values were left out: RequestCount alone (the count follows). */
  private readonly countOnly: string;
  private readonly valuesPerSecond: number;
  private readonly random: () => number;
  /** The second whose instances `seen` counts, sampled or not, and the share of its requests that enter the buffer. */
  private rateSecond = NaN;
  private seen = 0;
  private keep = 1;
  private readonly series: readonly Standardised[];
  private readonly numberFields: number;
  /** z of series `s` for buffered instance `i` at `s * MAX_EMF_VALUES + i`. */
  private readonly values: Float64Array;
  /** Instances buffered. */
  private size = 0;
  /** Requests whose values entered the buffer since the last document. */
  private requests = 0;
  /** Time of the first buffered value, ms since the epoch, and its second. */
  private first = 0;
  private second = 0;

  constructor(model: DriftModel, service: string, sampling: DriftSampling = {}) {
    this.valuesPerSecond = sampling.valuesPerSecond ?? DRIFT_VALUES_PER_SECOND;
    this.random = sampling.random ?? Math.random;
    const stats = model.training_statistics;
    const series: Standardised[] = [];
    const flat: string[] = [];
    if (stats.prediction.std > 0) series.push({ key: PREDICTION_Z_METRIC, mean: stats.prediction.mean, std: stats.prediction.std, slot: -1 });
    else flat.push("prediction");
    let slot = 0;
    for (const field of model.input_fields) {
      if (field.type !== "number") continue;
      const { mean, std } = stats.features[field.name]!;
      if (std > 0) series.push({ key: featureZMetricName(field.name), mean, std, slot });
      else flat.push(field.name);
      slot++;
    }
    this.unstandardisable = flat;
    this.numberFields = slot;
    this.series = series.map((s) => ({ ...s, key: `,${JSON.stringify(s.key)}:[` }));
    this.values = new Float64Array(series.length * MAX_EMF_VALUES);
    const head = (withCount: boolean, withValues = true): string => {
      const metrics: EmfMetric[] = withValues ? series.map((s) => ({ Name: s.key, Unit: "None" })) : [];
      if (withCount) metrics.unshift({ Name: REQUEST_METRIC, Unit: "Count" });
      const directives = JSON.stringify([{ Namespace: METRICS_NAMESPACE, Dimensions: [[SERVICE_DIMENSION]], Metrics: metrics }]);
      const count = withCount ? `,${JSON.stringify(REQUEST_METRIC)}:` : "";
      return `,"CloudWatchMetrics":${directives}},${JSON.stringify(SERVICE_DIMENSION)}:${JSON.stringify(service)}${count}`;
    };
    this.counted = head(true);
    this.uncounted = head(false);
    this.countOnly = head(true, false);
  }

  /** True when nothing is buffered. */
  get empty(): boolean {
    return this.requests === 0 && this.size === 0;
  }

  /**
   * Buffers one request's values, served at `timestamp` (ms since the epoch), or only counts the request when its
   * second is sampled and the request is left out (see the note above). Returns the documents this
   * completed, as JSON lines (newline included), or "" when all its values still wait in the buffer.
   * Throws RangeError for no predictions or a `numbers` array whose length is not the number fields ×
   * the predictions.
   */
  add(timestamp: number, predictions: ArrayLike<number>, numbers: ArrayLike<number>): string {
    const count = predictions.length;
    if (count === 0) throw new RangeError("DriftMetrics.add needs at least one prediction");
    const fields = this.numberFields;
    if (numbers.length !== fields * count) {
      throw new RangeError(`${fields} number fields × ${count} predictions need ${fields * count} values, got ${numbers.length}`);
    }
    const second = Math.floor(timestamp / 1000);
    if (second !== this.rateSecond) {
      // The share of this second's requests to keep, from the second before it (all after a quieter or idle one).
      this.keep = second === this.rateSecond + 1 && this.seen > this.valuesPerSecond ? this.valuesPerSecond / this.seen : 1;
      this.rateSecond = second;
      this.seen = 0;
    }
    this.seen += count;
    let out = !this.empty && second !== this.second ? this.flush() : "";
    if (this.empty) [this.first, this.second] = [timestamp, second];
    this.requests++;
    if (this.keep < 1 && this.random() >= this.keep) return out;
    const { series, values } = this;
    // Series by series over the instances that fit the buffer, then a document when it is full.
    for (let from = 0; from < count; ) {
      const at = this.size;
      const n = Math.min(count - from, MAX_EMF_VALUES - at);
      for (let s = 0; s < series.length; s++) {
        const { mean, std, slot } = series[s]!;
        const source = slot === -1 ? predictions : numbers;
        const offset = (slot === -1 ? 0 : slot * count) + from;
        const target = s * MAX_EMF_VALUES + at;
        for (let i = 0; i < n; i++) values[target + i] = (source[offset + i]! - mean) / std;
      }
      from += n;
      this.size += n;
      if (this.size === MAX_EMF_VALUES) {
        out += this.flush();
        this.first = timestamp;
      }
    }
    return out;
  }

  /** The buffered values as one document (a JSON line, newline included), or "" when empty; empties the buffer. */
  flush(): string {
    if (this.empty) return "";
    const { size, requests, values } = this;
    if (size === 0) {
      this.requests = 0;
      return `{"_aws":{"Timestamp":${this.first}${this.countOnly}${requests}}\n`;
    }
    let out = `{"_aws":{"Timestamp":${this.first}${requests > 0 ? `${this.counted}${requests}` : this.uncounted}`;
    for (let s = 0; s < this.series.length; s++) {
      out += `${this.series[s]!.key}${zList(values, s * MAX_EMF_VALUES, size)}]`;
    }
    this.size = 0;
    this.requests = 0;
    return `${out}}\n`;
  }
}

/**
 * Writes the documents of the DriftMetrics it is given, at the latest `flushMs` after a value was
 * buffered: `add` buffers a request's values (writing what that completed), a timer (unref'd: it never
 * keeps the process alive) flushes every DriftMetrics holding values, and `flush` does so at once
 * (model swap, drain). `write` gets whole JSON lines and must not throw.
 */
export class DriftMetricsWriter {
  private readonly pending = new Set<DriftMetrics>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: (lines: string) => void,
    private readonly flushMs: number = METRICS_FLUSH_MS,
  ) {
    if (!(Number.isInteger(flushMs) && flushMs >= 1 && flushMs <= METRICS_FLUSH_MS)) {
      throw new RangeError(`flushMs must be an integer from 1 to ${METRICS_FLUSH_MS} (ms), got ${flushMs}`);
    }
  }

  /** DriftMetrics.add, then writes the documents it completed and arms the timer for what stays buffered. */
  add(metrics: DriftMetrics, timestamp: number, predictions: ArrayLike<number>, numbers: ArrayLike<number>): void {
    const lines = metrics.add(timestamp, predictions, numbers);
    if (lines) this.write(lines);
    if (metrics.empty) return;
    this.pending.add(metrics);
    this.timer ??= setTimeout(() => this.flush(), this.flushMs).unref();
  }

  /** Writes every buffered value now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    let lines = "";
    for (const metrics of this.pending) lines += metrics.flush();
    this.pending.clear();
    if (lines) this.write(lines);
  }
}
