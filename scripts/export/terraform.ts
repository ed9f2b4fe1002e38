// The offline plan's @pulumi/aws resources as a Terraform plan (the JSON of `terraform show -json PLANFILE`), so
// that tools written for Terraform plans — Checkov (`--framework terraform_plan`), OPA/conftest, Trivy — judge a
// Pulumi stack. @pulumi/aws is bridged from the Terraform AWS provider, so each resource is the `aws_*` resource it
// is built on (terraform-types.ts), with the Terraform attribute names and shapes:
//
// - nested objects are blocks, held as lists of one object; maps keep their keys;
// - an input that is another planned resource's id or ARN is what Terraform shows for a reference on a create
//   plan: unknown until applied (`after_unknown`), with the reference in `configuration` — which is also how a
//   scanner links a bucket to its public access block;
// - `[secret]` values are unknown and sensitive; assets are their path, archives the names of their entries.
//
// Every resource is planned for creation: the offline plan, like `pulumi up` on a new stack, creates everything.
import { assetAsString, isObject, planRegion, SECRET, uniqueNames, type ExportedPlan, type ExportedResource } from "./plan-view";
import { MAPS_EVERYWHERE, TERRAFORM_TYPES, type TerraformType } from "./terraform-types";

/** Terraform's name for the provider @pulumi/aws is bridged from. */
export const AWS_PROVIDER = "registry.terraform.io/hashicorp/aws";

/**
 * Terraform puts the version of Terraform that made the plan here (and Checkov reads a file as a plan only when it
 * is present); no Terraform made this one: version 0.0.0, with build metadata saying what did.
 */
export const OFFLINE_VERSION = "0.0.0+pulumi-offline-plan";

/** One resource of `planned_values.root_module.resources`. */
export interface TerraformResource {
  readonly address: string;
  readonly mode: "managed";
  readonly type: string;
  readonly name: string;
  readonly provider_name: string;
  readonly schema_version: number;
  readonly values: Record<string, unknown>;
  readonly sensitive_values: Record<string, unknown>;
}

/** The plan JSON, format version 1.2, with a `pulumi` section mapping each address to its Pulumi URN. */
export interface TerraformPlan {
  readonly format_version: string;
  readonly terraform_version: string;
  readonly planned_values: { readonly root_module: { readonly resources: TerraformResource[] } };
  readonly resource_changes: {
    readonly address: string;
    readonly mode: "managed";
    readonly type: string;
    readonly name: string;
    readonly provider_name: string;
    readonly change: {
      readonly actions: ["create"];
      readonly before: null;
      readonly after: Record<string, unknown>;
      readonly after_unknown: Record<string, unknown>;
      readonly before_sensitive: false;
      readonly after_sensitive: Record<string, unknown>;
    };
  }[];
  readonly configuration: {
    readonly provider_config: Record<string, { name: string; full_name: string; expressions: Record<string, unknown> }>;
    readonly root_module: {
      readonly resources: {
        readonly address: string;
        readonly mode: "managed";
        readonly type: string;
        readonly name: string;
        readonly provider_config_key: "aws";
        readonly expressions: Record<string, unknown>;
        readonly schema_version: number;
      }[];
    };
  };
  /** Not part of Terraform's format (consumers ignore unknown keys): where each address comes from. */
  readonly pulumi: { readonly project?: string; readonly stack?: string; readonly urns: Record<string, string> };
}

/** @pulumi/aws resources are the `aws:` tokens (`aws-native:` and the `pulumi:providers:aws` provider are not). */
function isAwsClassic(r: ExportedResource): boolean {
  return r.type.startsWith("aws:");
}

/** The `aws:*` types in `plan` that have no entry in TERRAFORM_TYPES, sorted. */
export function unmappedTypes(plan: ExportedPlan): string[] {
  return [...new Set(plan.resources.filter(isAwsClassic).map((r) => r.type).filter((t) => !(t in TERRAFORM_TYPES)))].sort();
}

/** `bucketPrefix` → `bucket_prefix`: Pulumi's bridge makes lowerCamelCase of Terraform's snake_case names. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Terraform resource names: letters, digits, `_` and `-`, not starting with a digit or `-`. */
function terraformName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_-]/g, "_");
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `_${cleaned}`;
}

/** What converting one object gives: Terraform values and, in the same shape, what is unknown, sensitive, referenced. */
interface Converted {
  values: Record<string, unknown>;
  unknown: Record<string, unknown>;
  sensitive: Record<string, unknown>;
  expressions: Record<string, unknown>;
}

type FindReference = (value: string) => string | undefined;

function containsSecret(v: unknown): boolean {
  if (v === SECRET) return true;
  if (Array.isArray(v)) return v.some(containsSecret);
  return isObject(v) && Object.values(v).some(containsSecret);
}

function convertObject(inputs: Record<string, unknown>, prefix: string, spec: TerraformType, find: FindReference): Converted {
  const out: Converted = { values: {}, unknown: {}, sensitive: {}, expressions: {} };
  for (const [key, v] of Object.entries(inputs)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const name = spec.renames?.[path] ?? snakeCase(key);
    const asset = assetAsString(v);
    const isMap = (spec.maps ?? []).includes(path) || (prefix === "" && MAPS_EVERYWHERE.includes(key));
    if (containsSecret(v)) {
      out.unknown[name] = true;
      out.sensitive[name] = true;
    } else if (asset !== undefined) {
      out.values[name] = asset;
    } else if (typeof v === "string" && find(v)) {
      referTo(out, name, [find(v)!]);
    } else if (Array.isArray(v) && v.every((e) => !isObject(e))) {
      const refs = v.map((e) => (typeof e === "string" ? find(e) : undefined)).filter((a): a is string => a !== undefined);
      if (refs.length > 0) referTo(out, name, refs);
      else out.values[name] = v;
    } else if (isMap || !(isObject(v) || Array.isArray(v))) {
      out.values[name] = v;
    } else {
      // A block (a nested object) or a list of blocks: Terraform holds both as lists of objects.
      const blocks = (Array.isArray(v) ? v : [v]).map((b) => convertObject(b as Record<string, unknown>, path, spec, find));
      out.values[name] = blocks.map((b) => b.values);
      for (const part of ["unknown", "sensitive", "expressions"] as const) {
        if (blocks.some((b) => Object.keys(b[part]).length > 0)) out[part][name] = blocks.map((b) => b[part]);
      }
    }
  }
  return out;
}

/** Terraform writes `references` as each referenced attribute and then the resource itself. */
function referTo(out: Converted, name: string, targets: string[]): void {
  out.unknown[name] = true;
  const references = targets.flatMap((t) => [t, t.slice(0, t.lastIndexOf("."))]);
  out.expressions[name] = { references: [...new Set(references)] };
}

/**
 * Converts the @pulumi/aws resources of an offline plan (or of policy fixtures) to a Terraform plan.
 *
 * @throws Error naming every `aws:*` type without an entry in TERRAFORM_TYPES: an export that silently left
 *   resources out would pass policies it never showed them.
 */
export function toTerraformPlan(plan: ExportedPlan): TerraformPlan {
  const missing = unmappedTypes(plan);
  if (missing.length > 0) {
    throw new Error(`toTerraformPlan: no Terraform type for ${missing.join(", ")}; add each to TERRAFORM_TYPES in scripts/export/terraform-types.ts`);
  }
  const resources = plan.resources.filter(isAwsClassic);
  const tfType = (r: ExportedResource) => TERRAFORM_TYPES[r.type].type;
  const names = uniqueNames(resources, tfType, terraformName, (name, hash) => `${name}_${hash}`);
  const address = (r: ExportedResource) => `${tfType(r)}.${names.get(r)}`;

  // An input equal to another planned resource's id or ARN refers to it (among its inputDependencies, when known).
  const findFor = (r: ExportedResource): FindReference => {
    const deps = r.inputDependencies ? new Set(r.inputDependencies) : undefined;
    const targets = resources.filter((t) => t !== r && (deps === undefined || deps.has(t.urn)));
    return (value) => {
      const t = targets.find((c) => c.id === value || c.arn === value);
      return t && `${address(t)}.${t.arn === value ? "arn" : "id"}`;
    };
  };

  const converted = resources.map((r) => ({ r, address: address(r), c: convertObject(r.inputs, "", TERRAFORM_TYPES[r.type], findFor(r)) }));
  const region = planRegion(plan, "pulumi:providers:aws");
  const common = (r: ExportedResource, addr: string) => ({ address: addr, mode: "managed" as const, type: tfType(r), name: names.get(r)! });
  return {
    format_version: "1.2",
    terraform_version: OFFLINE_VERSION,
    planned_values: {
      root_module: {
        resources: converted.map(({ r, address: a, c }) => ({
          ...common(r, a),
          provider_name: AWS_PROVIDER,
          schema_version: 0,
          values: c.values,
          sensitive_values: c.sensitive,
        })),
      },
    },
    resource_changes: converted.map(({ r, address: a, c }) => ({
      ...common(r, a),
      provider_name: AWS_PROVIDER,
      change: { actions: ["create"], before: null, after: c.values, after_unknown: c.unknown, before_sensitive: false, after_sensitive: c.sensitive },
    })),
    configuration: {
      provider_config: {
        aws: { name: "aws", full_name: AWS_PROVIDER, expressions: region ? { region: { constant_value: region } } : {} },
      },
      root_module: {
        resources: converted.map(({ r, address: a, c }) => ({
          ...common(r, a),
          provider_config_key: "aws" as const,
          expressions: c.expressions,
          schema_version: 0,
        })),
      },
    },
    pulumi: { project: plan.project, stack: plan.stack, urns: Object.fromEntries(converted.map(({ r, address: a }) => [a, r.urn])) },
  };
}
