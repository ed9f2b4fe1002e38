/**
 * The shape of a policy rule and of the resources it checks. One rule set serves two runners:
 * the CrossGuard pack (`policy/index.ts`, `pulumi preview --policy-pack policy`) and the offline
 * plan (`evaluatePlan` in `policy/engine.ts`). Rules are pure functions of plain data.
 */

export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
export type Severity = "mandatory" | "advisory";

/**
 * A value the engine cannot know yet: during `pulumi preview` an input that depends on another
 * resource's outputs (an ARN, a generated name, a document built from them) is unknown, and the
 * offline plan cannot read secrets. A rule never fires on an unknown value.
 */
export const UNKNOWN: unique symbol = Symbol("unknown");
export type Unknown = typeof UNKNOWN;

/** A resource as the rules see it. */
export interface CheckedResource {
  readonly urn: string;
  /** Pulumi type token, e.g. `aws:s3/bucket:Bucket`. */
  readonly type: string;
  readonly name: string;
  /** Inputs (offline plan) or properties (CrossGuard), plain JSON with {@link UNKNOWN} where not known yet. */
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly options: {
    readonly protect: boolean;
    /** Undefined where the runner does not expose it (CrossGuard does not). */
    readonly retainOnDelete?: boolean;
  };
  /** Physical id, when known (offline plan: from the mocks; CrossGuard stack checks: the `id` property). */
  readonly id?: string;
  /** ARN, when known. */
  readonly arn?: string;
  /** For each input property, the URNs of the resources its value comes from (CrossGuard stack checks only). */
  readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
}

/** What a resource rule is given: one resource, without its stack. */
export type ResourceView = Pick<CheckedResource, "type" | "name" | "inputs" | "options">;

/**
 * The public checks a rule corresponds to: Checkov ids (CKV_AWS_*, CKV2_AWS_*), Trivy ids
 * (AVD-AWS-*), AWS IoT Device Defender audit checks, AWS Foundational Security Best Practices
 * controls; or `none` with the reason no public check exists.
 */
export type MapsTo =
  | {
      readonly checkov?: readonly string[];
      readonly trivy?: readonly string[];
      readonly deviceDefender?: readonly string[];
      readonly awsFsbp?: readonly string[];
    }
  | { readonly none: string };

/**
 * What AWS (or, for resource options, Pulumi) does when an input the rule requires is left out. A rule judges an
 * absent input as this default: it passes exactly when `compliant` is true.
 */
export interface AwsDefault {
  /** The input as a dotted path (`deploymentCircuitBreaker.rollback`), or a companion resource type's name. */
  readonly setting: string;
  /** What AWS does when it is absent. */
  readonly whenAbsent: string;
  /** Whether that behaviour satisfies the rule. */
  readonly compliant: boolean;
  /** The page of AWS's (or Pulumi's) documentation that states the default. */
  readonly source: string;
}

/**
 * A number a rule reads from the policy config (`policy/config.<tier>.json`, `--policy-pack-config`), e.g. the
 * shortest log retention a tier accepts.
 */
export interface RuleSetting {
  /** What the number means, with its unit. */
  readonly description: string;
  /** The smallest value the rule accepts in a config. */
  readonly minimum: number;
  /** The value each tier's generated config holds; CrossGuard without a config file uses the prod value. */
  readonly perEnvironment: Readonly<Record<Environment, number>>;
}

/** Resolved setting values, by setting name. */
export type SettingValues = Readonly<Record<string, number>>;

interface RuleBase {
  /** Unique kebab-case id; the CrossGuard policy name and the offline violation's `policy`. */
  readonly name: string;
  /** One or two sentences: what is required and why. */
  readonly description: string;
  readonly mapsTo: MapsTo;
  /** Enforcement per environment tier. */
  readonly severity: Readonly<Record<Environment, Severity>>;
  /** For each input the rule requires, what AWS does when it is absent. */
  readonly awsDefaults?: readonly AwsDefault[];
  /** Numbers the rule takes from the policy config, by name. */
  readonly settings?: Readonly<Record<string, RuleSetting>>;
}

/** A rule that judges one resource at a time. */
export interface ResourceRule extends RuleBase {
  readonly kind: "resource";
  /** The type tokens it applies to. */
  readonly resourceTypes: readonly string[];
  /** Messages naming what is wrong; empty when the resource complies (or its values are unknown). */
  checkResource(r: ResourceView, settings: SettingValues): string[];
}

/** One finding of a stack rule: the resource at fault and what is wrong. */
export interface StackFinding {
  readonly urn: string;
  readonly message: string;
}

/** A rule that needs several resources, e.g. a bucket and its separate encryption resource. */
export interface StackRule extends RuleBase {
  readonly kind: "stack";
  /** The types of the resources it judges (and reports against); it reads others as their companions. */
  readonly subjectTypes: readonly string[];
  checkStack(resources: readonly CheckedResource[], settings: SettingValues): StackFinding[];
}

export type Rule = ResourceRule | StackRule;

/** Mandatory in every environment. */
export const ALWAYS_MANDATORY: Readonly<Record<Environment, Severity>> = { dev: "mandatory", staging: "mandatory", prod: "mandatory" };
/** Advisory in every environment. */
export const ALWAYS_ADVISORY: Readonly<Record<Environment, Severity>> = { dev: "advisory", staging: "advisory", prod: "advisory" };
/** Advisory in dev and staging, mandatory in prod: settings that cost money or slow iteration outside prod. */
export const MANDATORY_IN_PROD: Readonly<Record<Environment, Severity>> = { dev: "advisory", staging: "advisory", prod: "mandatory" };
