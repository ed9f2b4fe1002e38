// Which input changes replace a resource, from replacements.json (generated from the providers by
// scripts/replacement/generate.ts), and the identity seed the mocks derive ids, ARNs, name suffixes and revisions from:
// a hash of exactly those inputs, so a replacement changes what dependents read, as a real preview does.
import * as fs from "node:fs";
import * as path from "node:path";
import { hex } from "./hash";

export interface TypeRules {
  readonly provider: string;
  readonly upstream?: string;
  readonly replaceOn: readonly string[];
  readonly replaceOnCount?: readonly string[];
  readonly mayReplaceOn?: readonly string[];
}

export interface ReplacementData {
  readonly providers: Record<string, Record<string, unknown>>;
  readonly types: Record<string, TypeRules>;
}

export const REPLACEMENTS_FILE = path.join(__dirname, "replacements.json");
let data: ReplacementData | undefined;

/** The generated data; an empty table while the generator itself runs before the file exists. */
export function replacementData(): ReplacementData {
  data ??= fs.existsSync(REPLACEMENTS_FILE) ? (JSON.parse(fs.readFileSync(REPLACEMENTS_FILE, "utf8")) as ReplacementData) : { providers: {}, types: {} };
  return data;
}

export function rulesFor(type: string): TypeRules | undefined {
  return replacementData().types[type];
}

/** `a.b[].c` → ["a", "b", "[]", "c"]; a change path's indices `[3]` become "[]" and `(json)` a segment of its own. */
export function segments(p: string): string[] {
  return p
    .replace(/\[\d*\]/g, ".[]")
    .replace(/\(json\)/g, ".(json)")
    .split(".")
    .filter(Boolean);
}

const segMatch = (rule: string, seg: string) => rule === seg || rule === "*" || (rule === "[]" && seg === "[]");

/** True when `prefix` (rule segments) is a prefix of `path` (change segments). */
function startsWith(pathSegs: string[], prefix: string[]): boolean {
  return prefix.length <= pathSegs.length && prefix.every((s, i) => segMatch(s, pathSegs[i]));
}

export type ChangeKind = "replace" | "may-replace" | "update";

/**
 * How the provider treats a change of the input at `changePath` (a diff path such as `featureDefinitions[0].featureName`
 * or `policy(json).Statement[0]`). `extra` are the resource's own `replaceOnChanges` options (`*` for all).
 * A leaf rule replaces when the change is at, below or above it; a count rule (a block list) only when the change is
 * the block list itself (blocks added or removed) or above it. Types without data may replace on any change.
 */
export function classifyChange(type: string, changePath: string, extra: readonly string[] = []): ChangeKind {
  const c = segments(changePath);
  const hits = (rules: readonly string[] | undefined, below: boolean) =>
    (rules ?? []).some((r) => {
      const rs = segments(r);
      return r === "*" || startsWith(rs, c) || (below && startsWith(c, rs));
    });
  if (hits(extra, true)) return "replace";
  const rules = rulesFor(type);
  if (!rules) return "may-replace";
  if (hits(rules.replaceOn, true)) return "replace";
  if ((rules.replaceOnCount ?? []).some((r) => startsWith(segments(r), c))) return "replace";
  if (hits(rules.mayReplaceOn, true)) return "may-replace";
  return "update";
}

/** Values found at a rule path in an input object (`[]` and `*` fan out). */
function valuesAt(value: unknown, segs: string[]): unknown[] {
  if (segs.length === 0) return [value];
  if (value === null || typeof value !== "object") return [];
  const [head, ...rest] = segs;
  if (head === "[]") return Array.isArray(value) ? value.flatMap((v) => valuesAt(v, rest)) : [];
  if (head === "*") return Object.values(value as Record<string, unknown>).flatMap((v) => valuesAt(v, rest));
  return Array.isArray(value) ? [] : valuesAt((value as Record<string, unknown>)[head], rest);
}

/** A short hash of the inputs that force replacement of this type ("" when none are set or the type has no data). */
export function replaceKey(type: string, inputs: Record<string, unknown>): string {
  const rules = rulesFor(type);
  if (!rules) return "";
  // Leaves by value; block lists by how many blocks there are (their leaves have rules of their own).
  const count = (v: unknown) => (v === undefined || v === null ? undefined : Array.isArray(v) ? v.length : 1);
  const picked = [
    ...rules.replaceOn.map((r) => [r, valuesAt(inputs, segments(r))] as const),
    ...(rules.replaceOnCount ?? []).map((r) => [`#${r}`, valuesAt(inputs, segments(r)).map(count)] as const),
  ].filter(([, v]) => v.some((x) => x !== undefined));
  return picked.length === 0 ? "" : hex(JSON.stringify(picked), 12);
}

/** The seed of a mocked resource's identity: its type and name, plus the hash of its replace-forcing inputs. */
export function identitySeed(type: string, name: string, inputs: Record<string, unknown>): string {
  const key = replaceKey(type, inputs);
  return key ? `${type}::${name}::${key}` : `${type}::${name}`;
}
