// The fleet's thing groups: one root group per stack, which every device joins and the platform deployment targets;
// two model groups, `<root>-canary` and `<root>-fleet`, which the release workflow deploys models to; and child groups
// under the root for sites and hardware revisions (their kind is an attribute, so fleet indexing and jobs can select
// by it). Groups are free and hold no state worth protecting; a renamed group is a new group.
//
// The model groups are top-level siblings of the root group, not its children, and every device joins exactly one of
// them besides the root group. Greengrass keeps one deployment per target thing group (a new one replaces that
// group's previous deployment) and resolves a core device's components across all the groups it belongs to, failing
// on conflicting version requirements. A model deployment to `<root>-canary` must therefore never reach a device
// that a deployment to `<root>-fleet` also reaches: disjoint membership guarantees it. As children of the root, the
// model groups would also be children in IoT's hierarchy, where a job to a parent reaches its children's things; as
// siblings, each deployment reaches exactly the devices that were put in its group.
//
// Child group names carry the root group's name (`<root>-<child>`): thing group names are unique per account and
// region, and two stacks sharing an account (staging and prod both have `hub-rev-b`) must not collide. A thing group's
// name is create-only, so this renames by replacement (the URN stays `<name>-group-<child>`; `aliases` cannot turn a
// physical rename into an update): the new group is created, memberships are replaced, the old group is deleted.
import type { FleetContext } from "./context";
import * as iot from "@pulumi/aws/iot";

export interface ThingGroups {
  readonly root: iot.ThingGroup;
  /** Canary devices: the release workflow's first model deployment targets it. */
  readonly canary: iot.ThingGroup;
  /** Every other device: the release workflow's second model deployment targets it. */
  readonly fleet: iot.ThingGroup;
  /** Child groups by their configured (unprefixed) name. */
  readonly children: Readonly<Record<string, iot.ThingGroup>>;
}

/** The canary model group of a root group: `<root>-canary`. */
export const canaryGroupName = (rootGroupName: string): string => `${rootGroupName}-canary`;
/** The fleet model group of a root group: `<root>-fleet`. */
export const fleetGroupName = (rootGroupName: string): string => `${rootGroupName}-fleet`;
/** The thing group name of a child group: `<root>-<child>`. */
export const childGroupName = (rootGroupName: string, child: string): string => `${rootGroupName}-${child}`;

/** `<name>-group` (the root group), `<name>-group-{canary,fleet}` (model groups) and `<name>-group-<child>` for each child group. */
export function buildThingGroups({ name, settings: s, parent }: FleetContext): ThingGroups {
  const root = new iot.ThingGroup(
    `${name}-group`,
    {
      name: s.rootGroupName,
      properties: {
        description: `Greengrass core devices of stack ${s.stack}`,
        attributePayload: { attributes: { kind: "stack", stack: s.stack, environment: s.environment } },
      },
    },
    parent,
  );
  const modelGroup = (role: "canary" | "fleet", groupName: string, description: string) =>
    new iot.ThingGroup(
      `${name}-group-${role}`,
      {
        name: groupName,
        properties: { description, attributePayload: { attributes: { kind: "model", role, stack: s.stack } } },
      },
      parent,
    );
  const canary = modelGroup("canary", canaryGroupName(s.rootGroupName), `Canary core devices of stack ${s.stack}: releases deploy models here first`);
  const fleet = modelGroup("fleet", fleetGroupName(s.rootGroupName), `Core devices of stack ${s.stack} outside the canary: releases deploy models here after the canary`);
  const children = Object.fromEntries(
    s.childGroups.map((g) => [
      g.name,
      new iot.ThingGroup(
        `${name}-group-${g.name}`,
        {
          name: childGroupName(s.rootGroupName, g.name),
          parentGroupName: root.name,
          properties: { description: g.description, attributePayload: { attributes: { kind: g.kind } } },
        },
        parent,
      ),
    ]),
  );
  return { root, canary, fleet, children };
}
