// What the exports read of an offline plan, and the few helpers both exports share. An export is a pure function
// of the plan JSON (`npm run plan -- --json FILE`); the policy tests' fixtures have the same shape less a few
// fields, so they go through the same exports and the field's scanners judge exactly what the rules judge.
import { createHash } from "node:crypto";
import { SECRET, type Plan, type PlannedResource } from "../offline/run";

export { SECRET };

/** A resource as the exports read it: a planned resource, or a policy fixture (which has no parent or `custom`). */
export type ExportedResource = Pick<PlannedResource, "urn" | "type" | "name" | "inputs"> & {
  readonly options?: Partial<PlannedResource["options"]>;
  readonly id?: string | null;
  readonly arn?: string | null;
  /** URNs of the resources it is told to wait for. */
  readonly dependsOn?: readonly string[];
  /** URNs whose outputs flow into this resource's inputs; without it every other resource is a candidate. */
  readonly inputDependencies?: readonly string[];
};

/** A plan as the exports read it: the offline plan itself is one. */
export interface ExportedPlan {
  readonly project?: Plan["project"];
  readonly stack?: Plan["stack"];
  readonly resources: readonly ExportedResource[];
}

/** Where a plan's `aws:region` is stated: the default `aws` provider resource. */
export function planRegion(plan: ExportedPlan, providerType: string): string | undefined {
  const region = plan.resources.find((r) => r.type === providerType)?.inputs.region;
  return typeof region === "string" ? region : undefined;
}

/**
 * Names every resource uniquely within its `group` (a Terraform type, a template), from its Pulumi name made valid
 * by `clean`. A name used once stays as it is; a name several resources share (the same Pulumi name under
 * different parents) is joined with the first 7 hex digits of the SHA-256 of each one's URN, so that it does not
 * change when other resources come or go.
 */
export function uniqueNames(
  resources: readonly ExportedResource[],
  group: (r: ExportedResource) => string,
  clean: (name: string) => string,
  join: (name: string, hash: string) => string,
): Map<ExportedResource, string> {
  const key = (r: ExportedResource) => `${group(r)}\0${clean(r.name)}`;
  const uses = new Map<string, number>();
  for (const r of resources) uses.set(key(r), (uses.get(key(r)) ?? 0) + 1);
  return new Map(
    resources.map((r) => {
      const name = clean(r.name);
      return [r, uses.get(key(r)) === 1 ? name : join(name, createHash("sha256").update(r.urn).digest("hex").slice(0, 7))];
    }),
  );
}

/**
 * The offline plan describes assets and archives (`{ asset: "file", path }`, `{ archive: { "index.js": … } }`) rather
 * than holding their bytes; a scanner sees a string where the provider takes a file: its path, or the names of the
 * archive's entries.
 */
export function assetAsString(value: unknown): string | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  if (v.asset === "file" && typeof v.path === "string") return v.path;
  if (v.asset === "string" && typeof v.sha256 === "string") return `sha256:${v.sha256}`;
  if (v.archive !== null && typeof v.archive === "object") return `archive:${Object.keys(v.archive as object).sort().join(",")}`;
  return undefined;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
