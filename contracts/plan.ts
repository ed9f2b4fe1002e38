/**
 * The offline plan's data shapes, shared by the plan runner (`scripts/offline/run.ts`) and the policy engine
 * (`policy/engine.ts`) so that neither imports the other. No Pulumi here: these are plain JSON shapes, the same ones
 * `npm run plan -- --json FILE` writes.
 */

/** What a secret input or output reads as in an offline plan: `secure:` config cannot be decrypted offline. */
export const SECRET = "[secret]";

/** One resource the program registered, with its inputs fully resolved. */
export interface PlannedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent: string | null;
  readonly custom: boolean;
  readonly inputs: Record<string, unknown>;
  readonly options: {
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
    readonly deleteBeforeReplace: boolean;
    readonly ignoreChanges: readonly string[];
    /** Input paths whose change replaces the resource, as the program and the provider SDK set them (`*`: all). */
    readonly replaceOnChanges?: readonly string[];
  };
  readonly dependsOn: readonly string[];
  /** Physical id the mocks gave a custom resource (null for components). Always set by runOffline. */
  readonly id?: string | null;
  /** ARN the mocks computed, where the resource type has one (else null). Always set by runOffline. */
  readonly arn?: string | null;
  /** URNs of the resources whose outputs flow into this resource's inputs. Always set by runOffline. */
  readonly inputDependencies?: readonly string[];
}

/** One policy finding: the rule, its enforcement level in the stack's environment tier, the resource and what is wrong. */
export interface Violation {
  readonly policy: string;
  readonly severity: "mandatory" | "advisory";
  readonly urn: string;
  readonly message: string;
}
