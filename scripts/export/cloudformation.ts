// The offline plan's @pulumi/aws-native resources as a CloudFormation template. aws-native resources are
// CloudFormation resources driven through the Cloud Control API: `aws-native:greengrassv2:Deployment` is
// `AWS::GreengrassV2::Deployment`, and each input is the CloudFormation property in lowerCamelCase. The template
// lets CloudFormation's own linter (cfn-lint, against the resource schemas AWS publishes) judge them.
//
// Property names go back to PascalCase; where aws-native's lowerCamelCase cannot be undone by capitalising the first
// letter (acronyms: `MemorySizeInKB` is `memorySizeInKb` in the SDK), the name is listed below, as aws-native lists
// it in its own metadata (`irreversibleNames`). Maps (a deployment's `components`, keyed by component name, and
// `tags`) keep their keys. A `[secret]` value becomes a reference to a NoEcho parameter: a template can be linted
// without it.
import { isObject, SECRET, uniqueNames, type ExportedPlan, type ExportedResource } from "./plan-view";

export interface CloudFormationType {
  /** The CloudFormation resource type, e.g. `AWS::GreengrassV2::Deployment`. */
  readonly type: string;
  /** SDK names whose CloudFormation name is not the SDK name with its first letter capitalised, at any depth. */
  readonly names?: Readonly<Record<string, string>>;
  /** Input paths (dots between nested names, list elements transparent) holding maps: keys are kept as written. */
  readonly maps?: readonly string[];
}

/**
 * Every aws-native type the program plans. Sources: the CloudFormation resource schemas
 * (pulumi/pulumi-aws-native, aws-cloudformation-schema/aws-<service>-<resource>.json, the same schemas cfn-lint
 * ships) and the SDK's inputs (node_modules/@pulumi/aws-native/types/input.d.ts).
 */
export const CLOUDFORMATION_TYPES: Readonly<Record<string, CloudFormationType>> = {
  "aws-native:greengrassv2:ComponentVersion": {
    type: "AWS::GreengrassV2::ComponentVersion",
    names: { memorySizeInKb: "MemorySizeInKB", mountRoSysfs: "MountROSysfs" },
    maps: ["tags"],
  },
  "aws-native:greengrassv2:Deployment": { type: "AWS::GreengrassV2::Deployment", maps: ["components", "tags"] },
  "aws-native:iot:AccountAuditConfiguration": {
    type: "AWS::IoT::AccountAuditConfiguration",
    names: { ioTPolicyPotentialMisConfigurationCheck: "IoTPolicyPotentialMisConfigurationCheck" },
  },
  "aws-native:iot:ScheduledAudit": { type: "AWS::IoT::ScheduledAudit" },
};

export interface CloudFormationTemplate {
  readonly AWSTemplateFormatVersion: "2010-09-09";
  readonly Description: string;
  readonly Metadata: { readonly Pulumi: { readonly project?: string; readonly stack?: string; readonly urns: Record<string, string> } };
  readonly Parameters?: Record<string, { Type: "String"; NoEcho: true; Description: string }>;
  readonly Resources: Record<
    string,
    { Type: string; Properties: Record<string, unknown>; DependsOn?: string[]; DeletionPolicy?: "Retain"; UpdateReplacePolicy?: "Retain" }
  >;
}

function isAwsNative(r: ExportedResource): boolean {
  return r.type.startsWith("aws-native:");
}

/** The `aws-native:*` types in `plan` that have no entry in CLOUDFORMATION_TYPES, sorted. */
export function unmappedNativeTypes(plan: ExportedPlan): string[] {
  return [...new Set(plan.resources.filter(isAwsNative).map((r) => r.type).filter((t) => !(t in CLOUDFORMATION_TYPES)))].sort();
}

/** CloudFormation logical ids are alphanumeric: `prod-hub-component` → `ProdHubComponent`. */
function logicalId(name: string): string {
  const id = name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join("");
  return /^[A-Za-z]/.test(id) ? id : `R${id}`;
}

function pascal(name: string, spec: CloudFormationType): string {
  return spec.names?.[name] ?? name[0].toUpperCase() + name.slice(1);
}

/** Converts inputs to properties; each secret becomes `{ Ref: <parameter> }` named by `secret(path)`. */
function properties(value: unknown, path: string, spec: CloudFormationType, secret: (path: string) => unknown): unknown {
  if (value === SECRET) return secret(path);
  if (Array.isArray(value)) return value.map((v) => properties(v, path, spec, secret));
  if (!isObject(value)) return value;
  const isMap = (spec.maps ?? []).includes(path);
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      // A map's values may be objects of the type again (a deployment's component specifications): their keys convert.
      return [isMap ? k : pascal(k, spec), properties(v, isMap ? `${path}.*` : path ? `${path}.${k}` : k, spec, secret)];
    }),
  );
}

/**
 * Converts the aws-native resources of an offline plan to a CloudFormation template.
 *
 * @throws Error naming every `aws-native:*` type without an entry in CLOUDFORMATION_TYPES, or when the plan has no
 *   aws-native resource at all (a template needs at least one resource).
 */
export function toCloudFormation(plan: ExportedPlan): CloudFormationTemplate {
  const missing = unmappedNativeTypes(plan);
  if (missing.length > 0) {
    throw new Error(`toCloudFormation: no CloudFormation type for ${missing.join(", ")}; add each to CLOUDFORMATION_TYPES in scripts/export/cloudformation.ts`);
  }
  const resources = plan.resources.filter(isAwsNative);
  if (resources.length === 0) throw new Error("toCloudFormation: the plan has no aws-native resources, so there is no template to write");
  const ids = uniqueNames(resources, () => "", logicalId, (id, hash) => `${id}${hash.toUpperCase()}`);
  const byUrn = new Map(resources.map((r) => [r.urn, ids.get(r)!]));
  const parameters: NonNullable<CloudFormationTemplate["Parameters"]> = {};
  const template: CloudFormationTemplate["Resources"] = {};
  for (const r of resources) {
    const id = ids.get(r)!;
    const spec = CLOUDFORMATION_TYPES[r.type];
    const secret = (path: string) => {
      const name = `${id}Secret${Object.keys(parameters).filter((p) => p.startsWith(`${id}Secret`)).length + 1}`;
      parameters[name] = { Type: "String", NoEcho: true, Description: `${path} of ${r.urn}: a secret the offline plan cannot read` };
      return { Ref: name };
    };
    const dependsOn = (r.dependsOn ?? []).map((u) => byUrn.get(u)).filter((d): d is string => d !== undefined);
    template[id] = {
      Type: spec.type,
      Properties: properties(r.inputs, "", spec, secret) as Record<string, unknown>,
      ...(dependsOn.length > 0 ? { DependsOn: dependsOn } : {}),
      ...(r.options?.retainOnDelete ? { DeletionPolicy: "Retain" as const, UpdateReplacePolicy: "Retain" as const } : {}),
    };
  }
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description: `${plan.project ?? "?"} / ${plan.stack ?? "?"}: the aws-native resources of the offline plan (nothing is deployed from it)`,
    Metadata: { Pulumi: { project: plan.project, stack: plan.stack, urns: Object.fromEntries(resources.map((r) => [ids.get(r)!, r.urn])) } },
    ...(Object.keys(parameters).length > 0 ? { Parameters: parameters } : {}),
    Resources: template,
  };
}
