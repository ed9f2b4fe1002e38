/** Small helpers the rules share: reading possibly-unknown values, JSON documents and IAM statements. */
import { UNKNOWN, type CheckedResource, type Unknown } from "./types";

export function isUnknown(v: unknown): v is Unknown {
  return v === UNKNOWN;
}

/** True if the value or anything inside it is unknown. */
export function containsUnknown(v: unknown): boolean {
  if (isUnknown(v)) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (isObject(v)) return Object.values(v).some(containsUnknown);
  return false;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Follows a path of keys; UNKNOWN as soon as a step is unknown, undefined as soon as a step is
 * missing or not an object.
 */
export function get(v: unknown, ...path: string[]): unknown {
  let cur = v;
  for (const key of path) {
    if (isUnknown(cur)) return UNKNOWN;
    if (!isObject(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** A value as a list: undefined/null is empty, a single value is a list of one (IAM's string-or-array). */
export function asList(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/** A non-empty string, else undefined. */
export function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** A JSON document held in an input: parsed, unknown, or why it cannot be read. */
export type DocumentResult = { readonly doc: unknown } | { readonly error: string } | Unknown;

/** Parses a policy/definition input given as a JSON string or as an object. */
export function readDocument(value: unknown, what: string): DocumentResult {
  if (containsUnknown(value)) return UNKNOWN;
  if (typeof value === "string") {
    try {
      return { doc: JSON.parse(value) as unknown };
    } catch (e) {
      return { error: `${what} is not valid JSON (${(e as Error).message})` };
    }
  }
  if (isObject(value)) return { doc: value };
  return { error: `${what} must be a JSON document, got ${value === undefined ? "nothing" : typeof value}` };
}

/** One IAM statement, as written (Action/Resource may be a string or a list). */
export type Statement = Readonly<Record<string, unknown>>;

/** The statements of an IAM-style policy document (Statement as an object or a list), or why there are none. */
export function statementsOf(doc: unknown): { statements: Statement[]; error?: string } {
  if (!isObject(doc)) return { statements: [], error: "the policy document is not a JSON object" };
  const list = asList(doc.Statement);
  if (list.length === 0) return { statements: [], error: "the policy document has no Statement" };
  const statements = list.filter(isObject);
  if (statements.length !== list.length) return { statements, error: "a Statement entry is not an object" };
  return { statements };
}

/** Where a statement sits in its document, for messages: `Statement[2] (Sid "Logs")`. */
export function where(statement: Statement, index: number): string {
  const sid = str(statement.Sid);
  return sid ? `Statement[${index}] (Sid "${sid}")` : `Statement[${index}]`;
}

/**
 * Whether a resource-policy statement denies every principal whenever a request does not use TLS: Effect Deny,
 * Principal "*" (or AWS "*"), and a condition that is exactly `aws:SecureTransport` false under Bool or BoolIfExists.
 * Any further condition key would narrow the deny, so it does not count. Actions and resources are the caller's.
 */
export function deniesEveryoneWithoutTls(st: Statement): boolean {
  if (st.Effect !== "Deny") return false;
  const principal = st.Principal;
  const everyone = principal === "*" || (isObject(principal) && asList(principal.AWS).includes("*"));
  if (!everyone || !isObject(st.Condition)) return false;
  const entries = Object.entries(st.Condition);
  return (
    entries.length > 0 &&
    entries.every(
      ([operator, keys]) =>
        (operator === "Bool" || operator === "BoolIfExists") &&
        isObject(keys) &&
        Object.keys(keys).length === 1 &&
        asList(keys["aws:SecureTransport"]).length > 0 &&
        asList(keys["aws:SecureTransport"]).every((x) => x === false || x === "false"),
    )
  );
}

/** Whether an IAM action pattern (with `*` and `?`, case-insensitive) matches an action. */
export function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
  return re.test(action);
}

/** The name a resource is known by in AWS: its explicit `name` input, else its physical id. */
export function physicalName(r: CheckedResource): string | undefined {
  return str(r.inputs.name) ?? r.id;
}

/** Resources of the given types. */
export function ofTypes(resources: readonly CheckedResource[], types: readonly string[]): CheckedResource[] {
  return resources.filter((r) => types.includes(r.type));
}

/**
 * Whether `companion` refers to `target` through its input `input` (e.g. a BucketVersioning's
 * `bucket`): by value (one of `keys`, the target's names/ids/ARNs), or, when the value is
 * unknown, through the property's recorded dependencies. `undefined` means it cannot be decided.
 */
export function refersTo(companion: CheckedResource, input: string, target: CheckedResource, keys: readonly string[]): boolean | undefined {
  const value = companion.inputs[input];
  if (isUnknown(value)) {
    const deps = companion.propertyDependencies?.[input];
    return deps ? deps.includes(target.urn) : undefined;
  }
  return typeof value === "string" && keys.includes(value);
}

/**
 * The companions of `target` among `candidates` (by their input `input`), and whether some
 * candidate could not be decided (its reference unknown and its dependencies not recorded).
 */
export function companionsOf(
  target: CheckedResource,
  candidates: readonly CheckedResource[],
  input: string,
  keys: readonly string[],
): { found: CheckedResource[]; undecided: boolean } {
  const found: CheckedResource[] = [];
  let undecided = false;
  for (const c of candidates) {
    const r = refersTo(c, input, target, keys);
    if (r === undefined) undecided = true;
    else if (r) found.push(c);
  }
  return { found, undecided };
}

/** Distinct non-empty strings. */
export function keysOf(...values: unknown[]): string[] {
  return [...new Set(values.filter((v): v is string => typeof v === "string" && v !== ""))];
}
