/**
 * The policy config: what `policy/config.<tier>.json` (CrossGuard's `--policy-pack-config`) holds for each rule —
 * its enforcement level and the values of its settings — and how a rule reads it. The CrossGuard pack and the
 * offline engine both resolve a rule's level and settings here, so one config file means the same to both.
 */
import type { Environment, Rule, Severity, SettingValues } from "./types";

/** CrossGuard's enforcement levels that this pack uses; `disabled` turns a rule off. */
export type EnforcementLevel = Severity | "disabled";
export const ENFORCEMENT_LEVELS: readonly EnforcementLevel[] = ["mandatory", "advisory", "disabled"];

/** One rule's entry in a policy config: `{ "enforcementLevel": "mandatory", "minimumRetentionDays": 365 }`. */
export interface PolicyConfigEntry {
  readonly enforcementLevel?: EnforcementLevel;
  readonly [setting: string]: unknown;
}

/** A whole policy config, by rule name. */
export type PackConfig = Readonly<Record<string, PolicyConfigEntry>>;

/** The value of each of the rule's settings a tier's generated config holds. */
export function tierSettings(rule: Rule, environment: Environment): SettingValues {
  return Object.fromEntries(Object.entries(rule.settings ?? {}).map(([key, s]) => [key, s.perEnvironment[environment]]));
}

/**
 * The rule's settings: each from `entry` when given there, else the tier's value. Throws, naming the rule and the
 * setting, on a key the rule does not have or a value that is not a whole number of at least the setting's minimum.
 */
export function resolveSettings(rule: Rule, environment: Environment, entry: PolicyConfigEntry = {}): SettingValues {
  const declared = rule.settings ?? {};
  for (const key of Object.keys(entry)) {
    if (key !== "enforcementLevel" && !(key in declared)) {
      const known = Object.keys(declared);
      throw new Error(`policy config: ${rule.name}.${key} is not a setting of this rule (it has ${known.length > 0 ? known.join(", ") : "none"})`);
    }
  }
  const values: Record<string, number> = {};
  for (const [key, setting] of Object.entries(declared)) {
    const value = entry[key] ?? setting.perEnvironment[environment];
    if (typeof value !== "number" || !Number.isInteger(value) || value < setting.minimum) {
      throw new Error(`policy config: ${rule.name}.${key} must be a whole number of at least ${setting.minimum} (${setting.description}), got ${JSON.stringify(value)}`);
    }
    values[key] = value;
  }
  return values;
}

/** The rule's enforcement level: `entry.enforcementLevel` when given, else its severity in the tier. */
export function enforcementLevel(rule: Rule, environment: Environment, entry: PolicyConfigEntry = {}): EnforcementLevel {
  const level = entry.enforcementLevel ?? rule.severity[environment];
  if (!ENFORCEMENT_LEVELS.includes(level)) {
    throw new Error(`policy config: ${rule.name}.enforcementLevel must be one of ${ENFORCEMENT_LEVELS.join(", ")}, got ${JSON.stringify(level)}`);
  }
  return level;
}
