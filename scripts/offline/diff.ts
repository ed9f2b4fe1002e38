// Compares two offline plans (e.g. main and a pull request) the way `pulumi preview` would report the change: each
// resource created, deleted, replaced or updated, with the inputs that changed and whether each one forces
// replacement (scripts/offline/replacements.json, generated from the providers). A replacement makes every output of
// the resource unknown until it is created again, so a dependent whose input carries the old id or ARN changes too,
// and is replaced when that input forces it: the diff follows that chain. awsx's Vpc children, which the mocks never
// see, are compared through their model (awsx-vpc.ts). It also lines up the cost report of both plans and warns about
// what loses data or what `pulumi up` would refuse.
import * as fs from "node:fs";
import { vpcChildren } from "./awsx-vpc";
import { classifyChange, rulesFor, type ChangeKind } from "./replacement";
import type { Plan, PlannedResource } from "./run";

/** Resource types that hold data: replacing or deleting one loses it. */
export const STATEFUL_TYPES: ReadonlySet<string> = new Set([
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketV2:BucketV2",
  "aws:ecr/repository:Repository",
  "aws:sagemaker/featureGroup:FeatureGroup",
  "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
  "aws:cloudwatch/logGroup:LogGroup",
]);

export interface InputChange {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
  /** How the provider treats it; "(none)" for option changes. */
  readonly kind?: ChangeKind;
  /** Set when the value is unchanged in the plans but carries the identity (`needle`) of a replaced resource. */
  readonly becauseOf?: string;
  readonly needle?: string;
}

export type Operation = "create" | "delete" | "replace" | "update";

export interface ChangedResource {
  readonly resource: PlannedResource;
  readonly op: "replace" | "update";
  readonly changes: InputChange[];
  readonly optionChanges: InputChange[];
  /** Some change may replace the resource: the provider decides at plan time, or there is no data for the type. */
  readonly mayReplace: boolean;
  /** Modelled from awsx's source (not registered under mocks). */
  readonly modelled: boolean;
  /** Kept for callers of the first version of this module. */
  readonly replaces: boolean;
}

export interface CostDelta {
  readonly item: string;
  readonly before: number | null;
  readonly after: number | null;
}

export interface PlanDiff {
  readonly added: PlannedResource[];
  readonly removed: PlannedResource[];
  readonly changed: ChangedResource[];
  readonly counts: Readonly<Record<Operation, number>>;
  /** Changes that lose data or that `pulumi up` refuses: one line each. */
  readonly warnings: string[];
  /** A deleted and a created resource that look like one renamed or moved: add an alias. */
  readonly aliasHints: string[];
  /** Monthly cost per line item, before and after (USD), where either plan carries a cost report. */
  readonly cost: { readonly lines: CostDelta[]; readonly monthly: CostDelta; readonly trainingRun: CostDelta } | null;
}

/** modelled: an awsx child this diff adds; nameInBase: the name in an accepted base of another stack (inStackOf). */
type Resource = PlannedResource & { readonly modelled?: boolean; readonly nameInBase?: string };

function leafChanges(before: unknown, after: unknown, path: string, out: InputChange[]): void {
  if (JSON.stringify(before) === JSON.stringify(after)) return;
  // JSON documents held in string inputs (IAM policies, state machine definitions, recipes): diff inside them.
  const doc = (v: unknown) => (typeof v === "string" && /^\s*[[{]/.test(v) ? tryParse(v) : undefined);
  const [bDoc, aDoc] = [doc(before), doc(after)];
  if (bDoc !== undefined && aDoc !== undefined) return leafChanges(bDoc, aDoc, `${path}(json)`, out);
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    before.forEach((b, i) => leafChanges(b, after[i], `${path}[${i}]`, out));
    return;
  }
  const isObj = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
  if (isObj(before) && isObj(after)) {
    const b = before as Record<string, unknown>;
    const a = after as Record<string, unknown>;
    for (const key of [...new Set([...Object.keys(b), ...Object.keys(a)])].sort()) leafChanges(b[key], a[key], path ? `${path}.${key}` : key, out);
    return;
  }
  out.push({ path, before, after });
}

/**
 * Whether `path` (a leafChanges path: a.b, a[0].c) lies at or under one of a resource's `ignoreChanges` paths (Pulumi
 * property paths, `[*]` for any index): the engine keeps the old value there, so `pulumi preview` shows no change.
 */
function ignoredChange(path: string, ignoreChanges: readonly string[]): boolean {
  return ignoreChanges.some((ignored) => {
    const pattern = ignored.replace(/[.+?^${}()|\\]/g, "\\$&").replace(/\[\*\]/g, "\\[\\d+\\]").replace(/\[(\d+)\]/g, "\\[$1\\]");
    return new RegExp(`^${pattern}($|[.[(])`).test(path);
  });
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Local components register no inputs with the engine, so `pulumi preview` never diffs them; awsx's are remote. */
const isLocalComponent = (r: PlannedResource) => !r.custom && !r.type.startsWith("awsx:");

/** The plan with each awsx Vpc's modelled children added under it. */
function expand(plan: Plan): Resource[] {
  const region = String(plan.resources.find((r) => r.type === "pulumi:providers:aws")?.inputs.region ?? "us-east-1");
  const out: Resource[] = [];
  for (const r of plan.resources) {
    out.push(r);
    if (r.type !== "awsx:ec2:Vpc") continue;
    const children = vpcChildren(r.name, r.inputs, region);
    const urnOf = new Map<string, string>();
    // The Vpc's own stack and project (a base of another stack is read in the head's: see inStackOf).
    const [stackPart, projectPart, chain] = r.urn.split("::");
    for (const c of children) {
      const parentUrn = c.parent ? urnOf.get(c.parent)! : r.urn;
      const parentChain = c.parent ? parentUrn.split("::")[2] : chain;
      const urn = `${stackPart}::${projectPart}::${parentChain}$${c.type}::${c.name}`;
      urnOf.set(`${c.type}::${c.name}`, urn);
      out.push({
        urn, type: c.type, name: c.name, parent: parentUrn, custom: true, inputs: c.inputs, id: c.id, arn: null,
        options: { ...r.options, ignoreChanges: [], replaceOnChanges: [] }, dependsOn: [], modelled: true,
        inputDependencies: [...new Set(Object.values(c.inputs).flatMap((v) => children.filter((x) => x.id === v).map((x) => `${x.type}::${x.name}`)))].map((k) => urnOf.get(k) ?? ""),
      });
    }
  }
  return out;
}

/** Input paths of `inputs` whose string value contains one of `needles` (ids and ARNs of a replaced resource). */
function pathsCarrying(value: unknown, needles: string[], path: string, out: { path: string; value: unknown }[]): void {
  if (typeof value === "string") {
    if (needles.some((n) => value.includes(n))) out.push({ path, value });
  } else if (Array.isArray(value)) value.forEach((v, i) => pathsCarrying(v, needles, `${path}[${i}]`, out));
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) pathsCarrying(v, needles, path ? `${path}.${k}` : k, out);
  }
}

/**
 * The computed identity of a resource that a replacement makes unknown in a preview: its ARN, and its id unless the id
 * is just one of its own inputs (an explicit name stays known).
 */
const identities = (r: PlannedResource | undefined) => {
  const inputs = new Set(Object.values(r?.inputs ?? {}).filter((v) => typeof v === "string"));
  return [r?.arn, r?.id && inputs.has(r.id) ? undefined : r?.id].filter((x): x is string => typeof x === "string" && x.length >= 8);
};

export function diffPlans(before: Plan, after: Plan): PlanDiff {
  const oldList = expand(before);
  const newList = expand(after);
  const old = new Map(oldList.map((r) => [r.urn, r]));
  const now = new Map(newList.map((r) => [r.urn, r]));
  const added = newList.filter((r) => !old.has(r.urn));
  const removed = oldList.filter((r) => !now.has(r.urn));
  const state = new Map<string, { changes: InputChange[]; optionChanges: InputChange[] }>();
  for (const r of newList) {
    const prev = old.get(r.urn);
    if (!prev) continue;
    const all: InputChange[] = [];
    leafChanges(prev.inputs, r.inputs, "", all);
    const changes = all.filter((c) => !ignoredChange(c.path, r.options.ignoreChanges));
    const optionChanges: InputChange[] = [];
    leafChanges({ ...prev.options, replaceOnChanges: undefined }, { ...r.options, replaceOnChanges: undefined }, "", optionChanges);
    const extra = r.options.replaceOnChanges ?? [];
    state.set(r.urn, { changes: changes.map((c) => ({ ...c, kind: r.custom ? classifyChange(r.type, c.path, extra) : "update" })), optionChanges });
  }
  // A replaced resource's outputs are unknown until it exists again: dependents carrying its id or ARN change too.
  const replacedUrns = () => [...state].filter(([urn, s]) => now.get(urn)!.custom && s.changes.some((c) => c.kind === "replace")).map(([urn]) => urn);
  const done = new Set<string>();
  for (let round = 0; round < 50; round++) {
    const fresh = replacedUrns().filter((u) => !done.has(u));
    if (fresh.length === 0) break;
    for (const urn of fresh) {
      done.add(urn);
      const needles = [...new Set([...identities(now.get(urn)), ...identities(old.get(urn))])];
      if (needles.length === 0) continue;
      for (const d of newList) {
        const s = state.get(d.urn);
        if (!s || d.urn === urn || isLocalComponent(d)) continue;
        const carried: { path: string; value: unknown }[] = [];
        pathsCarrying(d.inputs, needles, "", carried);
        for (const { path, value } of carried) {
          const overlaps = (a: string, b: string) => a === b || [".", "[", "("].some((sep) => a.startsWith(`${b}${sep}`));
          if (ignoredChange(path, d.options.ignoreChanges) || s.changes.some((c) => overlaps(path, c.path) || overlaps(c.path, path))) continue;
          const needle = needles.find((n) => String(value).includes(n));
          s.changes.push({ path, before: value, after: value, kind: classifyChange(d.type, path, d.options.replaceOnChanges ?? []), becauseOf: now.get(urn)!.name, needle });
        }
      }
    }
  }
  const changed: ChangedResource[] = [];
  for (const r of newList) {
    const s = state.get(r.urn);
    if (!s || (s.changes.length === 0 && s.optionChanges.length === 0)) continue;
    const replace = s.changes.some((c) => c.kind === "replace");
    changed.push({
      resource: r, op: replace ? "replace" : "update", changes: s.changes, optionChanges: s.optionChanges, replaces: replace,
      mayReplace: !replace && s.changes.some((c) => c.kind === "may-replace"), modelled: (r as Resource).modelled === true,
    });
  }
  const counts = {
    create: added.length,
    delete: removed.length,
    replace: changed.filter((c) => c.op === "replace").length,
    // Local components' own inputs never reach the engine: `pulumi preview` shows no update for them.
    // Components (ours and awsx's) register no inputs with the engine: only their children are diffed.
    update: changed.filter((c) => c.op === "update" && c.resource.custom).length,
  };
  return { added, removed, changed, counts, ...warningsOf(changed, added, removed, old), cost: costDelta(before, after) };
}

function warningsOf(changed: ChangedResource[], added: PlannedResource[], removed: PlannedResource[], old: Map<string, PlannedResource>) {
  const warnings: string[] = [];
  const aliasHints: string[] = [];
  for (const c of changed) {
    const r = c.resource;
    const prev = old.get(r.urn)!;
    const forcing = c.changes.filter((x) => x.kind === "replace").map((x) => x.path);
    if (c.op === "replace" && STATEFUL_TYPES.has(r.type)) {
      warnings.push(`REPLACES DATA: ${r.type} ${r.name} would be replaced (${forcing.join(", ")} changed); its data would be lost`);
    }
    if (c.op === "replace" && prev.options.protect && r.options.protect) {
      warnings.push(`PROTECTED: ${r.type} ${r.name} is protected; pulumi up will refuse to replace it until it is unprotected`);
    }
    if (prev.options.protect && !r.options.protect) warnings.push(`UNPROTECTED: ${r.type} ${r.name} loses protect`);
    if (r.inputs.forceDestroy === true && prev.inputs.forceDestroy !== true) {
      warnings.push(`FORCE DESTROY: ${r.type} ${r.name} turns forceDestroy on: deleting it would delete everything in it`);
    }
    if (c.mayReplace) {
      const paths = c.changes.filter((x) => x.kind === "may-replace").map((x) => x.path);
      warnings.push(`MAY REPLACE: ${r.type} ${r.name} (${paths.join(", ")}): ${rulesFor(r.type) ? "the provider decides at plan time" : "no replacement data for this type"}`);
    }
  }
  for (const r of added) {
    if (r.inputs.forceDestroy === true && STATEFUL_TYPES.has(r.type)) warnings.push(`FORCE DESTROY: ${r.type} ${r.name} is created with forceDestroy on`);
  }
  const addedByKey = new Map(added.map((r) => [`${r.type}::${r.name}`, r]));
  const addedByInputs = new Map(added.map((r) => [`${r.type}::${JSON.stringify(r.inputs)}`, r]));
  for (const r of removed) {
    const moved = addedByKey.get(`${r.type}::${r.name}`) ?? addedByInputs.get(`${r.type}::${JSON.stringify(r.inputs)}`);
    const stateful = STATEFUL_TYPES.has(r.type);
    // Named as in the base (an accepted base of another stack: its own stack's name).
    const name = (r as Resource).nameInBase ?? r.name;
    if (moved) {
      const how = moved.name === r.name ? "moved to a new parent" : `renamed to ${moved.name}`;
      aliasHints.push(`${r.type} ${name} looks ${how} (same type and inputs): add aliases: [{ ${moved.name === r.name ? "parent: <old parent>" : `name: "${name}"`} }] to keep it`);
      warnings.push(`${stateful ? "REPLACES DATA: " : ""}${r.type} ${name} ${how} without an alias: Pulumi would delete and recreate it`);
    } else if (stateful) {
      warnings.push(`DELETES DATA: ${r.type} ${name} would be deleted`);
    }
    if (r.options.protect) warnings.push(`PROTECTED: ${r.type} ${name} is protected; pulumi up will refuse to delete it until it is unprotected`);
  }
  return { warnings, aliasHints };
}

interface CostLineLike {
  readonly item: string;
  readonly usd: number;
}
interface CostLike {
  readonly monthlyUsd: number | null;
  readonly monthly: CostLineLike[];
  readonly trainingRunMaxUsd: number | null;
}

function costDelta(before: Plan, after: Plan): PlanDiff["cost"] {
  const b = (before as Plan & { cost?: CostLike }).cost;
  const a = (after as Plan & { cost?: CostLike }).cost;
  if (!b && !a) return null;
  const items = [...new Set([...(b?.monthly ?? []), ...(a?.monthly ?? [])].map((l) => l.item))];
  const usd = (c: CostLike | undefined, item: string) => c?.monthly.find((l) => l.item === item)?.usd ?? (c ? 0 : null);
  return {
    lines: items.map((item) => ({ item, before: usd(b, item), after: usd(a, item) })).filter((l) => l.before !== l.after),
    monthly: { item: "monthly total", before: b?.monthlyUsd ?? null, after: a?.monthlyUsd ?? null },
    trainingRun: { item: "one training run, at most", before: b?.trainingRunMaxUsd ?? null, after: a?.trainingRunMaxUsd ?? null },
  };
}

/** A value for the reader: long ones cut around the part that differs from the other side, not at a common prefix. */
export function excerpt(value: unknown, other: unknown, width = 120): string {
  const s = value === undefined ? "(none)" : JSON.stringify(value);
  if (s.length <= width) return s;
  const o = other === undefined ? "" : JSON.stringify(other);
  let p = 0;
  while (p < s.length && p < o.length && s[p] === o[p]) p++;
  let q = 0;
  while (q < s.length - p && q < o.length - p && s[s.length - 1 - q] === o[o.length - 1 - q]) q++;
  const context = 24;
  const start = Math.max(0, p - context);
  const end = Math.min(s.length, Math.max(s.length - q + context, start + width));
  return `${start > 0 ? "…" : ""}${s.slice(start, end)}${end < s.length ? "…" : ""}`;
}

/** A long JSON text cut to the part around `needle`. */
function around(text: string, needle: string, width = 120): string {
  if (text.length <= width) return text;
  const at = Math.max(0, text.indexOf(needle));
  const start = Math.max(0, at - 30);
  const end = Math.min(text.length, start + width);
  return `${start > 0 ? "…" : ""}${text.slice(start, end)}${end < text.length ? "…" : ""}`;
}

const usd = (n: number | null) => (n === null ? "n/a" : `$${n.toFixed(2)}`);

export function renderDiff(d: PlanDiff, format: "text" | "markdown", title: string): string {
  const lines: string[] = [];
  const { create, update, replace, delete: del } = d.counts;
  const head = `${title}: ${create} to create, ${update} to update, ${replace} to replace, ${del} to delete`;
  const md = format === "markdown";
  lines.push(md ? `### ${head}` : head);
  if (d.warnings.length > 0) {
    lines.push("");
    for (const w of d.warnings) lines.push(md ? `> :warning: **${w}**` : `  ! ${w}`);
  }
  if (d.aliasHints.length > 0) {
    lines.push("");
    for (const h of d.aliasHints) lines.push(md ? `> :bulb: ${h}` : `  ? ${h}`);
  }
  const section = (name: string, rows: string[]) => {
    if (rows.length === 0) return;
    lines.push("", md ? `**${name}**` : `${name}:`, "");
    if (md) lines.push("```diff");
    lines.push(...rows);
    if (md) lines.push("```");
  };
  const tag = (r: PlannedResource) => `${r.type} ${r.name}${(r as Resource).modelled ? "  (awsx child, modelled)" : ""}`;
  section("Created", d.added.map((r) => `+ ${tag(r)}`));
  // A resource of an accepted base of another stack is named as in that stack (dev-models, not prod-models).
  section("Deleted", d.removed.map((r) => `- ${tag({ ...r, name: (r as Resource).nameInBase ?? r.name })}`));
  const rows = (c: ChangedResource) => [
    `${c.op === "replace" ? "!" : "~"} ${tag(c.resource)}${c.op === "replace" ? "  (replace)" : c.mayReplace ? "  (may replace)" : ""}`,
    ...c.changes.map((ch) => {
      const mark = ch.kind === "replace" ? "  [forces replacement]" : ch.kind === "may-replace" ? "  [may force replacement]" : "";
      const value = ch.becauseOf
        ? `${around(JSON.stringify(ch.after), JSON.stringify(ch.needle ?? "").slice(1, -1))} (unknown until ${ch.becauseOf} is replaced)`
        : `${excerpt(ch.before, ch.after)} => ${excerpt(ch.after, ch.before)}`;
      return `    ${ch.path}: ${value}${mark}`;
    }),
    ...c.optionChanges.map((o) => `    options.${o.path}: ${excerpt(o.before, o.after)} => ${excerpt(o.after, o.before)}`),
  ];
  section("Replaced", d.changed.filter((c) => c.op === "replace").flatMap(rows));
  section("Updated", d.changed.filter((c) => c.op === "update" && c.resource.custom).flatMap(rows));
  section("Component inputs (components are not diffed by the engine; their children above are)", d.changed.filter((c) => !c.resource.custom).flatMap(rows));
  if (d.cost && (d.cost.lines.length > 0 || d.cost.monthly.before !== d.cost.monthly.after || d.cost.trainingRun.before !== d.cost.trainingRun.after)) {
    section("Cost (USD per month unless stated)", [
      ...d.cost.lines.map((l) => `  ${l.item}: ${usd(l.before)} => ${usd(l.after)}`),
      `  ${d.cost.monthly.item}: ${usd(d.cost.monthly.before)} => ${usd(d.cost.monthly.after)}`,
      `  ${d.cost.trainingRun.item}: ${usd(d.cost.trainingRun.before)} => ${usd(d.cost.trainingRun.after)}`,
    ]);
  }
  if (create + update + replace + del === 0 && d.changed.length === 0) lines.push("", "No changes.");
  return lines.join("\n");
}

/**
 * The base plan of a diff, or the one-line error: a missing or unreadable file, or a plan of another stack or project
 * (a diff against it would count every resource as created and deleted) unless `acceptOtherStack`.
 */
export function readBasePlan(file: string, head: Pick<Plan, "stack" | "project">, acceptOtherStack: boolean): Plan | string {
  const base = loadBasePlan(file);
  return typeof base === "string" ? base : matchBasePlan(file, base, head, acceptOtherStack);
}

/**
 * The plan in `file` as --json wrote it, or the one-line error (missing, not JSON, not an offline plan). Reads nothing
 * of the head plan, so the command line can refuse a bad base before it runs the program.
 */
export function loadBasePlan(file: string): Plan | string {
  if (!fs.existsSync(file)) return `plan: no base plan at ${file}; write one with --json on the base branch (diff needs a base plan)`;
  let base: Plan;
  try {
    base = JSON.parse(fs.readFileSync(file, "utf8")) as Plan;
  } catch (e) {
    return `plan: base plan ${file} is not readable JSON (${(e as Error).message})`;
  }
  if (!base || typeof base !== "object" || !Array.isArray(base.resources) || typeof base.stack !== "string" || typeof base.project !== "string") {
    return `plan: base plan ${file} is not an offline plan (needs project, stack and resources, as --json writes)`;
  }
  const bad = base.resources.findIndex((r) => !isPlannedResource(r));
  if (bad >= 0) {
    return `plan: base plan ${file} is not an offline plan: resources[${bad}] needs urn, type, name, inputs, options and dependsOn, as --json writes`;
  }
  return base;
}

/**
 * `base` (from loadBasePlan) when it is of `head`'s stack and project; else, with `acceptOtherStack`, the base read in
 * the head's stack (inStackOf), or without it the one-line error.
 */
export function matchBasePlan(file: string, base: Plan, head: Pick<Plan, "stack" | "project">, acceptOtherStack: boolean): Plan | string {
  if (base.stack === head.stack && base.project === head.project) return base;
  if (!acceptOtherStack) {
    return `plan: base plan ${file} is of ${base.project} / ${base.stack}, not ${head.project} / ${head.stack}; pass --accept-base-from-other-stack to compare them anyway`;
  }
  return inStackOf(base, head);
}

/** The members of a planned resource the diff reads, of the right kinds. */
function isPlannedResource(r: unknown): boolean {
  if (r === null || typeof r !== "object") return false;
  const { urn, type, name, inputs, options, dependsOn } = r as Record<string, unknown>;
  const isObject = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
  return [urn, type, name].every((v) => typeof v === "string") && isObject(inputs) && isObject(options) && Array.isArray(dependsOn);
}

/**
 * A plan of another stack read as if of `head`'s stack and project, so a resource of the same type, parent and name is
 * compared with its counterpart instead of counting as deleted and created (or as "moved to a new parent" when only
 * the stack differs): its URNs (`urn:pulumi:<stack>::<project>::…::<name>`: resources, parents, dependencies) take the
 * head's stack and project, and a name made from the stack's name as index.ts makes them (`<stack>` or `<stack>-…`,
 * such as dev-models) takes the head's stack name (prod-models). The plan's own stack and project stay, for the
 * diff's title.
 */
function inStackOf(base: Plan, head: Pick<Plan, "stack" | "project">): Plan {
  const from = `urn:pulumi:${base.stack}::${base.project}::`;
  const to = `urn:pulumi:${head.stack}::${head.project}::`;
  const rename = (name: string) =>
    name === base.stack ? head.stack : name.startsWith(`${base.stack}-`) ? head.stack + name.slice(base.stack.length) : name;
  const urn = (u: string) => {
    if (!u.startsWith(from)) return u;
    const cut = u.lastIndexOf("::");
    return to + u.slice(from.length, cut + 2) + rename(u.slice(cut + 2));
  };
  const resources = base.resources.map((r): Resource => ({
    ...r,
    urn: urn(r.urn),
    ...(rename(r.name) === r.name ? {} : { name: rename(r.name), nameInBase: r.name }),
    parent: r.parent === null ? null : urn(r.parent),
    dependsOn: r.dependsOn.map(urn),
    ...(r.inputDependencies ? { inputDependencies: r.inputDependencies.map(urn) } : {}),
  }));
  return { ...base, resources };
}
