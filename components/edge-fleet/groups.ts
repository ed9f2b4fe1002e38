// The fleet's thing groups: one root group per stack, which every device joins and the deployment targets, and child
// groups under it for sites and hardware revisions (their kind is an attribute, so fleet indexing and jobs can select
// by it). Groups are free and hold no state worth protecting; a renamed group is a new group.
import type { FleetContext } from "./context";
import * as iot from "@pulumi/aws/iot";

export interface ThingGroups {
  readonly root: iot.ThingGroup;
  /** Child groups by name. */
  readonly children: Readonly<Record<string, iot.ThingGroup>>;
}

/** `<name>-group` (the root group) and `<name>-group-<child>` for each child group. */
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
  const children = Object.fromEntries(
    s.childGroups.map((g) => [
      g.name,
      new iot.ThingGroup(
        `${name}-group-${g.name}`,
        {
          name: g.name,
          parentGroupName: root.name,
          properties: { description: g.description, attributePayload: { attributes: { kind: g.kind } } },
        },
        parent,
      ),
    ]),
  );
  return { root, children };
}
