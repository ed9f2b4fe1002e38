/**
 * Environment tiers. A stack declares its tier (`edge-mlops:environment`); the tier decides which stack-config
 * rules and which policy-pack rules are mandatory. Shared by the stack config, the components and the policy pack.
 */
export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
