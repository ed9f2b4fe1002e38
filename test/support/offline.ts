// Test helpers around the offline plan engine: run a program once per test file (Pulumi's runtime is
// process-global) and look up what it registered.
import * as pulumi from "@pulumi/pulumi";
import { runOffline, type Plan, type PlannedResource } from "../../scripts/offline/run";

export type { Plan, PlannedResource };

/**
 * Runs `program` under runtime mocks as stack `stack` of project edge-mlops, with `aws:region` eu-west-1 unless
 * `config` says otherwise. Call once per test file, e.g. in `beforeAll`.
 */
export function planProgram(program: () => unknown, opts: { stack?: string; config?: Record<string, string> } = {}): Promise<Plan> {
  return runOffline({
    project: "edge-mlops",
    stack: opts.stack ?? "test",
    config: { "aws:region": "eu-west-1", ...opts.config },
    program,
  });
}

/** All resources of a type, optionally only those whose name starts with a prefix. */
export function ofType(plan: Plan, type: string, namePrefix = ""): PlannedResource[] {
  return plan.resources.filter((r) => r.type === type && r.name.startsWith(namePrefix));
}

/** The one resource with this type and name; throws (failing the test) if there is none or several. */
export function one(plan: Plan, type: string, name: string): PlannedResource {
  const found = plan.resources.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1) {
    const names = ofType(plan, type).map((r) => r.name);
    throw new Error(`expected one ${type} named ${name}, found ${found.length} (have: ${names.join(", ") || "none"})`);
  }
  return found[0];
}

/** Aliases by resource, as `recordAliases` collects them. */
export type AliasRecord = Map<string, pulumi.Input<pulumi.URN | pulumi.Alias>[]>;

/**
 * Call first thing in a program given to `planProgram`: from then on records the aliases each resource is registered
 * with (its `opts.aliases`, including those a provider SDK adds for its own renames), keyed `<type>::<name>`. The plan
 * itself does not carry aliases.
 */
export function recordAliases(): AliasRecord {
  const aliases: AliasRecord = new Map();
  pulumi.runtime.registerStackTransformation((r) => {
    if (r.opts.aliases) aliases.set(`${r.type}::${r.name}`, r.opts.aliases);
    return undefined;
  });
  return aliases;
}

/** The aliases of one recorded resource that name a former parent, as `{ name, parent }`. */
export function parentAliases(aliases: AliasRecord, type: string, name: string): pulumi.Alias[] {
  return (aliases.get(`${type}::${name}`) ?? []).filter((a): a is pulumi.Alias => typeof a === "object" && a !== null && "parent" in a);
}
