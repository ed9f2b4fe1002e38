/**
 * The rules engine shared by the CrossGuard pack and the offline plan.
 *
 * `evaluatePlan(resources, environment)` runs every rule over the resources of an offline plan
 * (`npm run plan`) and returns the violations with the severity the rule has in that environment
 * tier. The same rules back the CrossGuard pack (`policy/crossguard.ts`).
 */
import { SECRET, type PlannedResource, type Violation } from "../scripts/offline/run";
import { RULES } from "./rules";
import { ENVIRONMENTS, UNKNOWN, type CheckedResource, type Environment, type Rule } from "./rules/types";

export { RULES };
export type { Violation };

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

/** Runs `rules` over `resources`; violations carry each rule's severity for `environment`. */
export function evaluate(resources: readonly CheckedResource[], environment: Environment, rules: readonly Rule[] = RULES): Violation[] {
  checkEnvironment(environment, "evaluate");
  const violations: Violation[] = [];
  for (const rule of rules) {
    const severity = rule.severity[environment];
    if (rule.kind === "resource") {
      for (const r of resources) {
        if (!rule.resourceTypes.includes(r.type)) continue;
        for (const message of rule.checkResource(r)) violations.push({ policy: rule.name, severity, urn: r.urn, message });
      }
    } else {
      for (const f of rule.checkStack(resources)) violations.push({ policy: rule.name, severity, urn: f.urn, message: f.message });
    }
  }
  return violations;
}

/** The policy violations of an offline plan for an environment tier. */
export function evaluatePlan(resources: PlannedResource[], environment: "dev" | "staging" | "prod"): Violation[] {
  checkEnvironment(environment, "evaluatePlan");
  if (!Array.isArray(resources)) throw new Error("evaluatePlan: resources must be the plan's resources array");
  return evaluate(resources.map(fromPlanned), environment);
}
