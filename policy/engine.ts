/**
 * The rules engine shared by the CrossGuard pack and the offline plan.
 *
 * `evaluatePlan(resources, environment)` runs every rule over the resources of an offline plan
 * (`npm run plan`) and returns the violations with the severity the rule has in that environment
 * tier, reading each rule's settings (such as the shortest log retention) from the tier's policy
 * config unless the caller passes another. The same rules back the CrossGuard pack
 * (`policy/crossguard.ts`). The plan's shapes come from contracts/, so the policy pack does not
 * depend on the plan runner.
 */
import { SECRET, type PlannedResource, type Violation } from "../contracts/plan";
import { RULES } from "./rules";
import { enforcementLevel, resolveSettings, type PackConfig } from "./rules/config";
import { ENVIRONMENTS, UNKNOWN, type CheckedResource, type Environment, type Rule } from "./rules/types";

export { RULES };
export type { PackConfig, Violation };

/** Throws unless `environment` is one of dev, staging, prod. */
export function checkEnvironment(environment: unknown, fn: string): asserts environment is Environment {
  if (!(ENVIRONMENTS as readonly unknown[]).includes(environment)) {
    throw new Error(`${fn}: environment must be one of ${ENVIRONMENTS.join(", ")}, got ${JSON.stringify(environment)}`);
  }
}

/** Secrets are unreadable in the offline plan (`[secret]`): to the rules they are unknown values. */
function hideSecrets(value: unknown): unknown {
  if (value === SECRET) return UNKNOWN;
  if (Array.isArray(value)) return value.map(hideSecrets);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hideSecrets(v)]));
  }
  return value;
}

/** A planned resource as the rules see it. */
export function fromPlanned(r: PlannedResource): CheckedResource {
  return {
    urn: r.urn,
    type: r.type,
    name: r.name,
    inputs: hideSecrets(r.inputs) as Record<string, unknown>,
    options: { protect: r.options.protect, retainOnDelete: r.options.retainOnDelete },
    id: r.id ?? undefined,
    arn: r.arn ?? undefined,
  };
}

/**
 * Runs `rules` over `resources`. Each rule's level and settings come from its entry in `config` (the shape of
 * `policy/config.<tier>.json`), falling back to the tier's values; a rule at level `disabled` is skipped. Throws on
 * a config entry the rule cannot take (see `resolveSettings`).
 */
export function evaluate(resources: readonly CheckedResource[], environment: Environment, rules: readonly Rule[] = RULES, config: PackConfig = {}): Violation[] {
  checkEnvironment(environment, "evaluate");
  const violations: Violation[] = [];
  for (const rule of rules) {
    const entry = config[rule.name];
    const severity = enforcementLevel(rule, environment, entry);
    const settings = resolveSettings(rule, environment, entry);
    if (severity === "disabled") continue;
    if (rule.kind === "resource") {
      for (const r of resources) {
        if (!rule.resourceTypes.includes(r.type)) continue;
        for (const message of rule.checkResource(r, settings)) violations.push({ policy: rule.name, severity, urn: r.urn, message });
      }
    } else {
      for (const f of rule.checkStack(resources, settings)) violations.push({ policy: rule.name, severity, urn: f.urn, message: f.message });
    }
  }
  return violations;
}

export interface EvaluatePlanOptions {
  /**
   * A policy config to judge by instead of the tier's (`policy/config.<environment>.json`), e.g. one a stack
   * brings with its own minimum log retention. Entries it leaves out keep the tier's values.
   */
  readonly config?: PackConfig;
}

/** The policy violations of an offline plan for an environment tier. */
export function evaluatePlan(resources: PlannedResource[], environment: "dev" | "staging" | "prod", options: EvaluatePlanOptions = {}): Violation[] {
  checkEnvironment(environment, "evaluatePlan");
  if (!Array.isArray(resources)) throw new Error("evaluatePlan: resources must be the plan's resources array");
  return evaluate(resources.map(fromPlanned), environment, RULES, options.config);
}
