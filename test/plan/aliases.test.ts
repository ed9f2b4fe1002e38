// Refactor safety: renaming a component instance, or moving a resource under another parent, keeps its URN when
// an alias says where it came from. Alias URNs are computed with the SDK's own `allAliases` (the rule the engine
// applies): children named `${parent}-...` follow their parent's rename automatically.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { Network } from "../../components/network";
import { planProgram, type Plan } from "../support/offline";

interface Seen {
  readonly resource: pulumi.Resource;
  readonly type: string;
  readonly name: string;
  readonly opts: pulumi.ResourceOptions;
}

const seen: Seen[] = [];
const settle = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply((v) => resolve(v)));

/** The URNs Pulumi treats as this resource's former identities. */
async function aliasUrns(s: Seen): Promise<string[]> {
  const parent = s.opts.parent;
  const parentName = parent ? seen.find((p) => p.resource === parent)?.name : undefined;
  if (!parent || parentName === undefined) return Promise.all((s.opts.aliases ?? []).map((a) => settle(pulumi.output(a as string))));
  return Promise.all(pulumi.allAliases(s.opts.aliases ?? [], s.name, s.type, parent, parentName).map(settle));
}

class Holder extends pulumi.ComponentResource {
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("edge-mlops:test:Holder", name, {}, opts);
    // Moved here from the stack's top level: the alias names the old parent.
    new aws.s3.Bucket(`${name}-bucket`, {}, { parent: this, aliases: [{ parent: pulumi.rootStackResource }] });
    this.registerOutputs({});
  }
}

let plan: Plan;
beforeAll(async () => {
  plan = await planProgram(() => {
    pulumi.runtime.registerStackTransformation((args) => {
      seen.push({ resource: args.resource, type: args.type, name: args.name, opts: args.opts });
      return undefined;
    });
    const args = { region: "eu-west-1", availabilityZones: 2 as const, natGateways: "single" as const };
    new Network("original", args);
    new Network("renamed", args, { aliases: [{ name: "original" }] });
    new aws.s3.Bucket("moved-bucket");
    new Holder("moved");
  });
});

describe("aliases", () => {
  it("keeps every child's URN when a Network instance is renamed", async () => {
    const urnOf = new Map(plan.resources.map((r) => [`${r.type}::${r.name}`, r.urn]));
    const renamed = seen.filter((s) => s.name.startsWith("renamed-"));
    expect(renamed.map((s) => s.name).sort()).toEqual(["renamed-flow-log", "renamed-flow-logs", "renamed-flow-logs-policy", "renamed-flow-logs-role", "renamed-vpc"]);
    for (const child of renamed) {
      const before = urnOf.get(`${child.type}::${child.name.replace(/^renamed-/, "original-")}`);
      expect(before, child.name).toBeDefined();
      expect(await aliasUrns(child)).toContain(before);
    }
    const component = seen.find((s) => s.name === "renamed")!;
    expect(component.opts.aliases).toEqual([{ name: "original" }]);
  });

  it("keeps a resource's URN when it moves under a component", async () => {
    const moved = seen.find((s) => s.name === "moved-bucket" && s.opts.parent !== undefined)!;
    const topLevel = plan.resources.find((r) => r.name === "moved-bucket" && r.parent === null)!;
    expect(moved.opts.parent).not.toBeUndefined();
    expect(await aliasUrns(moved)).toContain(topLevel.urn);
  });

  it("changes the URN when there is no alias (what the alias prevents)", () => {
    const original = plan.resources.find((r) => r.name === "original-vpc")!;
    const renamed = plan.resources.find((r) => r.name === "renamed-vpc")!;
    expect(renamed.urn).not.toBe(original.urn);
  });
});
