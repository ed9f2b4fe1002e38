// How components state and check their args: one zod schema per component (components/<name>/args.ts), read by
// the component itself and composed by the stack config (components/config.ts), so a default, a range or a rule is
// written once and both places judge values the same way.
//
// Conventions every component follows:
// - A component's args are its schema's input type plus the wiring it needs from other components (ids, ARNs,
//   Outputs). The schema holds plain values only: anything that decides structure (counts, on/off) and the settings
//   a stack file sets. Wiring is typed `pulumi.Input<T>` and is not in the schema.
// - Each field's doc comment gives its unit, range, default (`@default`) and the AWS rule a limit comes from.
// - Optional children: `enabled` (skip when false; the default is the component's secure choice), `existing`
//   (adopt a resource that exists; never together with settings for a new one), and sibling settings for the one
//   the component creates.
// - Bad args throw an ArgError naming the component, the arg path and what is allowed, synchronously at the top of
//   the constructor; a problem that only shows once an Output resolves is a `pulumi.ResourceError` (`resourceError`).
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { describeValue, isSemver, IOT_NAME_MAX_LENGTH, IOT_NAME_PATTERN } from "../contracts/iot-names";
import { LOG_RETENTION_DAYS, isLogRetentionDays } from "../contracts/log-retention";
import { arnPattern, S3_PREFIX } from "../contracts/patterns";

/** Invalid component args. A `pulumi.RunError`, so `pulumi up` prints the one-line message without a stack trace. */
export class ArgError extends pulumi.RunError {
  constructor(
    /** The component type, e.g. `InferenceService`. */
    public readonly component: string,
    /** Path of the arg, e.g. `loadBalancer.certificateArn`. */
    public readonly arg: string,
    public readonly problem: string,
  ) {
    super(`${component}: ${arg}: ${problem}`);
    this.name = "ArgError";
  }
}

/** Throws an ArgError: `<component>: <arg>: <problem>`. */
export function argError(component: string, arg: string, problem: string): never {
  throw new ArgError(component, arg, problem);
}

/** For checks inside `apply`, once a resource exists: a ResourceError with the same one-line message. */
export function resourceError(component: string, arg: string, problem: string, resource: pulumi.Resource): pulumi.ResourceError {
  return new pulumi.ResourceError(`${component}: ${arg}: ${problem}`, resource);
}

/** `a.b[2].c` from a zod issue path. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), "");
}

/** The value at `path` inside `root`, or undefined. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const p of path) v = v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/** One zod issue in words: what is wrong and what is allowed. `value` is the offending value, when known. */
export function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case "unrecognized_keys":
      return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${k}'`).join(", ")}`;
    case "invalid_key":
      return issue.issues[0]?.message ?? issue.message;
    case "invalid_type": {
      const expected =
        ({ array: "a list", int: "an integer", object: "an object (a mapping of keys to values)" } as Record<string, string>)[issue.expected] ??
        `a ${issue.expected}`;
      return value === undefined ? `is required (${expected})` : `must be ${expected}, got ${JSON.stringify(value)}`;
    }
    case "too_small":
      if (issue.origin === "string") return `must be at least ${String(issue.minimum)} character(s) long${lengthOf(value)}`;
      if (issue.origin === "array") return `must have at least ${String(issue.minimum)} item(s)${lengthOf(value)}`;
      return `must be ${issue.inclusive === false ? ">" : ">="} ${String(issue.minimum)}${typeof value === "number" ? `, got ${value}` : ""}`;
    case "too_big":
      if (issue.origin === "string") return `must be at most ${String(issue.maximum)} characters long${lengthOf(value)}`;
      if (issue.origin === "array") return `must have at most ${String(issue.maximum)} items${lengthOf(value)}`;
      return `must be ${issue.inclusive === false ? "<" : "<="} ${String(issue.maximum)}${typeof value === "number" ? `, got ${value}` : ""}`;
    case "invalid_value": {
      const allowed = `one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
      return value === undefined ? `is required; must be ${allowed}` : `must be ${allowed}, got ${JSON.stringify(value)}`;
    }
    default: {
      // Say which value was refused, unless the message already does ("'g1' is used twice", "…, got 65").
      if (value === undefined || typeof value === "object" || /\bgot\b/.test(issue.message)) return issue.message;
      if (typeof value === "string" && (issue.message.includes(`'${value}'`) || issue.message.includes(`"${value}"`))) return issue.message;
      return `${issue.message}, got ${typeof value === "string" ? describeValue(value) : String(value)}`;
    }
  }
}

function lengthOf(value: unknown): string {
  return typeof value === "string" || Array.isArray(value) ? `, got ${value.length}` : "";
}

/** The first issue of a failed parse as `[path, problem]`, the path including an unknown key's name. */
export function firstIssue(error: z.ZodError, input: unknown): [path: string, problem: string] {
  const issue = error.issues[0];
  const path = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]] : issue.path;
  return [formatPath(path), describeIssue(issue, valueAt(input, issue.path))];
}

/**
 * Parses a component's args with its schema: defaults applied, ranges and cross-field rules checked. Keys the
 * schema does not know (the component's wiring) are passed over here and read by the component directly.
 * @throws ArgError naming the first bad arg.
 */
export function resolveArgs<S extends z.ZodType>(component: string, schema: S, args: unknown): z.output<S> {
  const settings = schema instanceof z.ZodObject && args !== null && typeof args === "object" ? pickKeys(args, Object.keys(schema.shape)) : args;
  const result = schema.safeParse(settings);
  if (result.success) return result.data;
  const [path, problem] = firstIssue(result.error, settings);
  return argError(component, path, problem);
}

function pickKeys(source: object, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (key in source) out[key] = (source as Record<string, unknown>)[key];
  return out;
}

// ---- field types shared by the component schemas ----------------------------------------------------------------

/** An integer from `min` to `max`, both included. */
export const int = (min: number, max: number) => z.number().int().min(min).max(max);

/** A CloudWatch Logs retention period in days (one of LOG_RETENTION_DAYS). */
export const retentionDays = z.number().refine(isLogRetentionDays, {
  message: `must be one of CloudWatch Logs' retention values: ${LOG_RETENTION_DAYS.join(", ")}`,
});

/** The ARN of a resource of `service` (any region, 12-digit account). */
export const arn = (service: string, resource?: string) =>
  z.string().regex(arnPattern(service, resource), `must be an ${service} ARN (arn:aws:${service}:<region>:<account>:…)`);

/** A Semantic Versioning 2.0.0 version such as 1.2.3. */
export const semver = z.string().refine(isSemver, { message: "must be a semantic version such as 1.2.3" });

/** An IoT thing or thing group name: `[a-zA-Z0-9:_-]`, 1 to 128 characters (AWS IoT's rule). */
export const iotName = z.string().refine((v) => v.length >= 1 && v.length <= IOT_NAME_MAX_LENGTH && IOT_NAME_PATTERN.test(v), {
  message: `must be 1-${IOT_NAME_MAX_LENGTH} characters of a-z, A-Z, 0-9, ':', '_' or '-' (AWS IoT's rule)`,
});

/** An S3 key prefix ending in `/`, without wildcards. */
export const s3Prefix = z.string().regex(S3_PREFIX, "must be an S3 prefix ending in '/' (no wildcards)");
