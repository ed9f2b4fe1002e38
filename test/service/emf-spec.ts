/**
 * The rules of CloudWatch's embedded metric format specification ("Specification: Embedded metric format",
 * CloudWatch User Guide) that a document can break, checked on a parsed document: the structure as a
 * JSON Schema compiled by ajv, and the rules between members (every dimension and metric a directive
 * names is a root member of the right type) in code. Lengths are PutMetricData's (Namespace and
 * MetricName 1-255 characters, Dimension Name 1-255 and Value 1-1024) and the values its accepted range
 * (magnitude 2^-360 to 2^360, or 0). Returns every problem found, empty for a valid document.
 */
import Ajv from "ajv";

/** CloudWatch's units (MetricDatum.Unit). */
const UNITS = [
  "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes", "Bits", "Kilobits",
  "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second",
  "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second",
  "Terabits/Second", "Count/Second", "None",
];

const DOCUMENT_SCHEMA = {
  type: "object",
  required: ["_aws"],
  properties: {
    _aws: {
      type: "object",
      required: ["Timestamp", "CloudWatchMetrics"],
      properties: {
        Timestamp: { type: "integer", minimum: 0 },
        CloudWatchMetrics: {
          type: "array",
          minItems: 1,
          items: {
            type: "object",
            additionalProperties: false,
            required: ["Namespace", "Dimensions", "Metrics"],
            properties: {
              Namespace: { type: "string", minLength: 1, maxLength: 255 },
              Dimensions: {
                type: "array",
                items: { type: "array", maxItems: 30, items: { type: "string", minLength: 1, maxLength: 255 } },
              },
              Metrics: {
                type: "array",
                maxItems: 100,
                items: {
                  type: "object",
                  additionalProperties: false,
                  required: ["Name"],
                  properties: {
                    Name: { type: "string", minLength: 1, maxLength: 255 },
                    Unit: { enum: UNITS },
                    StorageResolution: { enum: [1, 60] },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

const checkStructure = new Ajv({ allErrors: true }).compile<Record<string, any>>(DOCUMENT_SCHEMA);

function valueProblem(value: unknown): string | undefined {
  if (typeof value !== "number") return `${JSON.stringify(value)} is not a number`;
  const magnitude = Math.abs(value);
  if (value !== 0 && (magnitude > 2 ** 360 || magnitude < 2 ** -360)) return `${value} is outside CloudWatch's range`;
  return undefined;
}

export function emfProblems(doc: Record<string, any>): string[] {
  if (!checkStructure(doc)) return checkStructure.errors!.map((e) => `${e.instancePath || "(root)"} ${e.message}`);
  const problems: string[] = [];
  for (const directive of doc._aws.CloudWatchMetrics as Array<{ Dimensions: string[][]; Metrics: Array<{ Name: string }> }>) {
    for (const key of directive.Dimensions.flat()) {
      const value = doc[key];
      if (typeof value !== "string" || value.length < 1 || value.length > 1024) problems.push(`dimension ${key}: root member must be a string of 1-1024 characters`);
    }
    for (const { Name } of directive.Metrics) {
      const value = doc[Name];
      const values = Array.isArray(value) ? value : [value];
      if (Array.isArray(value) && (value.length < 1 || value.length > 100)) problems.push(`metric ${Name}: ${value.length} values, allowed 1 to 100`);
      for (const v of values) {
        const problem = valueProblem(v);
        if (problem) problems.push(`metric ${Name}: ${problem}`);
      }
    }
  }
  return problems;
}
