/**
 * Device telemetry: what a core device's inference container publishes about the requests it serves, so that field
 * data feeds the next training run. This module builds the samples message: the sampled instances of a request with
 * the model's predictions as one CSV file, in exactly the format the continuous-training DAG ingests
 * (airflow/dags/feature_ingest.py: a header row naming every column, then one row per instance; the target column is
 * a whole number >= 1). An AWS IoT rule (components/edge-fleet/telemetry.ts) writes each message, unchanged, to the
 * training data bucket's incoming prefix.
 *
 * The target column holds the model's prediction rounded to a whole number (at least 1): the DAG's format has no
 * other place for it. Those are the model's own answers, not measured truth; see the README's "Telemetry from
 * devices" before training on them.
 *
 * Pure functions and a seeded-or-injected sampler; no I/O and no AWS client here.
 */

/** An instance of a forecast request: input field name → its value (number, or category string). */
export type Instance = Readonly<Record<string, string | number>>;

/** The columns of one samples message: the model's input fields in model.json order, then its target. */
export interface SampleColumns {
  /** model.json `input_fields[].name`, in order. */
  readonly inputs: readonly string[];
  /** model.json `target` (e.g. `rings`). */
  readonly target: string;
}

/** Most instances one samples message carries: AWS IoT Core's 128 KB message limit leaves room for about 1000 rows. */
export const MAX_SAMPLES_PER_MESSAGE = 1000;

const PLAIN_CELL = /^[^",\r\n]*$/;

/** A CSV cell (RFC 4180): quoted only when it holds a comma, a quote or a line break. */
function cell(value: string): string {
  return PLAIN_CELL.test(value) ? value : `"${value.replace(/"/g, '""')}"`;
}

/** The target value written for a prediction: rounded to a whole number, at least 1 (the DAG's rule). */
export function targetValue(prediction: number): string {
  if (!Number.isFinite(prediction)) throw new RangeError(`prediction ${prediction} is not a finite number`);
  return String(Math.max(1, Math.round(prediction)));
}

function inputValue(instance: Instance, field: string, row: number): string {
  const value = instance[field];
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`instance ${row}: field '${field}' is not a finite number`);
    return String(value);
  }
  if (typeof value === "string" && value !== "") return value;
  throw new RangeError(`instance ${row}: field '${field}' is missing (expected a number or a category)`);
}

/**
 * One samples message: `<inputs...>,<target>` header, then one row per instance with its prediction, lines ending in
 * `\n`. Throws RangeError when instances and predictions differ in number, there are none or more than
 * {@link MAX_SAMPLES_PER_MESSAGE}, a field is missing or a number is not finite.
 */
export function samplesCsv(columns: SampleColumns, instances: readonly Instance[], predictions: ArrayLike<number>): string {
  if (instances.length !== predictions.length) {
    throw new RangeError(`${instances.length} instances but ${predictions.length} predictions`);
  }
  if (instances.length === 0 || instances.length > MAX_SAMPLES_PER_MESSAGE) {
    throw new RangeError(`a samples message holds 1 to ${MAX_SAMPLES_PER_MESSAGE} instances, got ${instances.length}`);
  }
  const lines = [[...columns.inputs, columns.target].map(cell).join(",")];
  instances.forEach((instance, i) => {
    lines.push([...columns.inputs.map((field) => cell(inputValue(instance, field, i))), targetValue(predictions[i]!)].join(","));
  });
  return `${lines.join("\n")}\n`;
}

/**
 * Picks instances to sample, each independently with probability `rate` (0 to 1). `random` returns a number in
 * [0, 1); tests inject a sequence. Throws RangeError for a rate outside 0 to 1.
 */
export class Sampler {
  constructor(
    readonly rate: number,
    private readonly random: () => number = Math.random,
  ) {
    if (!(Number.isFinite(rate) && rate >= 0 && rate <= 1)) throw new RangeError(`sample rate must be a number from 0 to 1, got ${rate}`);
  }

  /** The indexes of the instances to sample, in order (none when the rate is 0, all when it is 1). */
  pick(count: number): number[] {
    const picked: number[] = [];
    if (this.rate === 0) return picked;
    for (let i = 0; i < count; i++) if (this.rate === 1 || this.random() < this.rate) picked.push(i);
    return picked;
  }
}
