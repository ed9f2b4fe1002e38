// Compares two offline plans (e.g. main and a pull request): resources added, removed and changed, with the
// changed inputs, and a warning for every change that would replace or delete a resource holding data.
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

/**
 * Inputs whose change makes the provider replace the resource (create-only properties), per type. `*` means every
 * input (Greengrass v2 deployments and component versions are immutable).
 */
export const REPLACE_ON: Readonly<Record<string, readonly string[]>> = {
  "aws:s3/bucket:Bucket": ["bucket", "bucketPrefix"],
  "aws:s3/bucketV2:BucketV2": ["bucket", "bucketPrefix"],
  "aws:ecr/repository:Repository": ["name"],
  "aws:sagemaker/featureGroup:FeatureGroup": [
    "featureGroupName", "recordIdentifierFeatureName", "eventTimeFeatureName", "featureDefinitions", "offlineStoreConfig", "roleArn",
  ],
  "aws:sagemaker/modelPackageGroup:ModelPackageGroup": ["modelPackageGroupName"],
  "aws:cloudwatch/logGroup:LogGroup": ["name", "namePrefix", "logGroupClass"],
  "aws:mwaa/environment:Environment": ["name", "networkConfiguration", "kmsKey"],
  "aws:iot/thingGroup:ThingGroup": ["name", "parentGroupName"],
  "aws:iot/certificate:Certificate": ["csr"],
  "aws:lb/loadBalancer:LoadBalancer": ["name", "namePrefix", "internal", "loadBalancerType"],
  "aws-native:greengrassv2:Deployment": ["*"],
  "aws-native:greengrassv2:ComponentVersion": ["*"],
};

export interface InputChange {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

export interface ChangedResource {
  readonly resource: PlannedResource;
  readonly changes: InputChange[];
  readonly replaces: boolean;
  readonly optionChanges: InputChange[];
}

export interface PlanDiff {
  readonly added: PlannedResource[];
  readonly removed: PlannedResource[];
  readonly changed: ChangedResource[];
  /** Changes that lose data or that `pulumi up` refuses: one line each. */
  readonly warnings: string[];
}

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

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function replaces(type: string, changes: InputChange[]): boolean {
  const keys = REPLACE_ON[type];
  if (!keys || changes.length === 0) return false;
  return keys.includes("*") || changes.some((c) => keys.includes(c.path.split(/[.[(]/)[0]));
}

export function diffPlans(before: Plan, after: Plan): PlanDiff {
  const old = new Map(before.resources.map((r) => [r.urn, r]));
  const now = new Map(after.resources.map((r) => [r.urn, r]));
  const added = after.resources.filter((r) => !old.has(r.urn));
  const removed = before.resources.filter((r) => !now.has(r.urn));
  const changed: ChangedResource[] = [];
  const warnings: string[] = [];
  for (const r of after.resources) {
    const prev = old.get(r.urn);
    if (!prev) continue;
    const changes: InputChange[] = [];
    leafChanges(prev.inputs, r.inputs, "", changes);
    const optionChanges: InputChange[] = [];
    leafChanges(prev.options, r.options, "", optionChanges);
    if (changes.length === 0 && optionChanges.length === 0) continue;
    const replace = replaces(r.type, changes);
    changed.push({ resource: r, changes, replaces: replace, optionChanges });
    if (replace && STATEFUL_TYPES.has(r.type)) {
      warnings.push(`REPLACES DATA: ${r.type} ${r.name} would be replaced (${changes.map((c) => c.path).join(", ")} changed); its data would be lost`);
    }
    if (prev.options.protect && !r.options.protect) warnings.push(`UNPROTECTED: ${r.type} ${r.name} loses protect`);
  }
  const addedByKey = new Map(added.map((r) => [`${r.type}::${r.name}`, r]));
  for (const r of removed) {
    const moved = addedByKey.get(`${r.type}::${r.name}`);
    const stateful = STATEFUL_TYPES.has(r.type);
    if (moved) {
      warnings.push(`${stateful ? "REPLACES DATA: " : ""}${r.type} ${r.name} moved to a new parent without an alias: Pulumi would delete and recreate it`);
    } else if (stateful) {
      warnings.push(`DELETES DATA: ${r.type} ${r.name} would be deleted`);
    }
    if (r.options.protect) warnings.push(`PROTECTED: ${r.type} ${r.name} is protected; pulumi up will refuse to delete it until it is unprotected`);
  }
  return { added, removed, changed, warnings };
}

function short(v: unknown): string {
  const s = v === undefined ? "(none)" : JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

export function renderDiff(d: PlanDiff, format: "text" | "markdown", title: string): string {
  const lines: string[] = [];
  const head = `${title}: ${d.added.length} to add, ${d.changed.length} to change (${d.changed.filter((c) => c.replaces).length} replaced), ${d.removed.length} to delete`;
  const md = format === "markdown";
  lines.push(md ? `### ${head}` : head);
  if (d.warnings.length > 0) {
    lines.push("");
    for (const w of d.warnings) lines.push(md ? `> :warning: **${w}**` : `  ! ${w}`);
  }
  const section = (name: string, rows: string[]) => {
    if (rows.length === 0) return;
    lines.push("", md ? `**${name}**` : `${name}:`, "");
    if (md) lines.push("```diff");
    lines.push(...rows);
    if (md) lines.push("```");
  };
  section("Added", d.added.map((r) => `+ ${r.type} ${r.name}`));
  section("Deleted", d.removed.map((r) => `- ${r.type} ${r.name}`));
  section(
    "Changed",
    d.changed.flatMap((c) => [
      `${c.replaces ? "!" : "~"} ${c.resource.type} ${c.resource.name}${c.replaces ? "  (replace)" : ""}`,
      ...[...c.changes, ...c.optionChanges.map((o) => ({ ...o, path: `options.${o.path}` }))].map(
        (ch) => `    ${ch.path}: ${short(ch.before)} => ${short(ch.after)}`,
      ),
    ]),
  );
  if (d.added.length + d.removed.length + d.changed.length === 0) lines.push("", "No changes.");
  return lines.join("\n");
}
