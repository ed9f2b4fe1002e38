/**
 * The rules as CrossGuard policies. Resource rules become `validateResource` policies, stack
 * rules `validateStack` policies. Each policy's default enforcement level is its prod severity;
 * `config.<env>.json` (`--policy-pack-config`) sets the level of every policy per environment,
 * and the values of a rule's settings (a `configSchema` whose defaults are the prod values).
 *
 * CrossGuard hands policies its properties behind a proxy that throws on a value unknown during
 * preview; `plainProperties` copies them into plain JSON with UNKNOWN in those places, so a rule
 * skips exactly the values it cannot know and still checks the rest.
 */
import * as policySdk from "@pulumi/policy";
import type { EnforcementLevel, Policies, PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { RULES } from "./rules";
import { resolveSettings, tierSettings, type PolicyConfigEntry } from "./rules/config";
import { ENVIRONMENTS, UNKNOWN, type CheckedResource, type Environment, type MapsTo, type Rule } from "./rules/types";

export const PACK_NAME = "edge-mlops";

// Exported by @pulumi/policy at runtime but not declared in its typings.
const UnknownValueError = (policySdk as unknown as { UnknownValueError: new (...args: never[]) => Error }).UnknownValueError;

function read(obj: Record<string | number, unknown>, key: string | number): unknown {
  try {
    return plainProperties(obj[key]);
  } catch (e) {
    if (e instanceof UnknownValueError) return UNKNOWN;
    throw e;
  }
}

/** A deep plain copy of CrossGuard properties, with UNKNOWN for values unknown during preview. */
export function plainProperties(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  const obj = value as Record<string | number, unknown>;
  if (Array.isArray(value)) return Array.from({ length: value.length }, (_, i) => read(obj, i));
  return Object.fromEntries(Object.keys(obj).map((k) => [k, read(obj, k)]));
}

/** The rule's public mappings as one sentence. */
export function describeMapping(mapsTo: MapsTo): string {
  if ("none" in mapsTo) return `Maps to no public check: ${mapsTo.none}.`;
  const parts = [
    mapsTo.checkov?.length ? `Checkov ${mapsTo.checkov.join(", ")}` : "",
    mapsTo.trivy?.length ? `Trivy ${mapsTo.trivy.join(", ")}` : "",
    mapsTo.deviceDefender?.length ? `IoT Device Defender ${mapsTo.deviceDefender.join(", ")}` : "",
    mapsTo.awsFsbp?.length ? `AWS Foundational Security Best Practices ${mapsTo.awsFsbp.join(", ")}` : "",
  ].filter(Boolean);
  return `Maps to ${parts.join("; ")}.`;
}

function asString(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function fromPolicyResource(r: PolicyResource): CheckedResource {
  const inputs = plainProperties(r.props) as Record<string, unknown>;
  return {
    urn: r.urn,
    type: r.type,
    name: r.name,
    inputs,
    options: { protect: r.opts.protect },
    id: asString(inputs.id),
    arn: asString(inputs.arn),
    propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies ?? {}).map(([k, deps]) => [k, deps.map((d) => d.urn)])),
  };
}

/** The CrossGuard config schema of a rule's settings: whole numbers with their minimum, defaulting to the prod value. */
export function configSchema(rule: Rule): PolicySchema | undefined {
  const settings = Object.entries(rule.settings ?? {});
  if (settings.length === 0) return undefined;
  return {
    properties: Object.fromEntries(
      settings.map(([key, s]) => [key, { type: "integer", minimum: s.minimum, default: s.perEnvironment.prod, description: s.description }]),
    ),
  };
}

type PolicySchema = NonNullable<ResourceValidationPolicy["configSchema"]>;

/** One CrossGuard policy for a rule, enforced by default at its prod severity, with its settings from the pack config. */
export function toPolicy(rule: Rule): ResourceValidationPolicy | StackValidationPolicy {
  const schema = configSchema(rule);
  const common = {
    name: rule.name,
    description: `${rule.description} ${describeMapping(rule.mapsTo)}`,
    enforcementLevel: rule.severity.prod as EnforcementLevel,
    ...(schema ? { configSchema: schema } : {}),
  };
  // Without a config file, CrossGuard enforces the prod level, so settings missing from the config take prod values.
  const settingsOf = (config: object) => resolveSettings(rule, "prod", config as PolicyConfigEntry);
  if (rule.kind === "resource") {
    return {
      ...common,
      validateResource: (args, reportViolation) => {
        if (!rule.resourceTypes.includes(args.type)) return;
        const view = { type: args.type, name: args.name, inputs: plainProperties(args.props) as Record<string, unknown>, options: { protect: args.opts.protect } };
        for (const message of rule.checkResource(view, settingsOf(args.getConfig()))) reportViolation(message);
      },
    };
  }
  return {
    ...common,
    validateStack: (args, reportViolation) => {
      for (const f of rule.checkStack(args.resources.map(fromPolicyResource), settingsOf(args.getConfig()))) reportViolation(f.message, f.urn);
    },
  };
}

/** The pack's policies, one per rule. */
export function policies(rules: readonly Rule[] = RULES): Policies {
  return rules.map(toPolicy);
}

/** The `--policy-pack-config` document for an environment: every policy's enforcement level and setting values. */
export function packConfig(environment: Environment, rules: readonly Rule[] = RULES): Record<string, { enforcementLevel: EnforcementLevel } & Record<string, unknown>> {
  if (!(ENVIRONMENTS as readonly string[]).includes(environment)) {
    throw new Error(`packConfig: environment must be one of ${ENVIRONMENTS.join(", ")}, got ${JSON.stringify(environment)}`);
  }
  return Object.fromEntries(rules.map((r) => [r.name, { enforcementLevel: r.severity[environment], ...tierSettings(r, environment) }]));
}
