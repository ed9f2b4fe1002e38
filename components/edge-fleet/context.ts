// What each builder of an EdgeFleet is handed: the fleet as the parent of everything it registers (so every child
// keeps the URN it had when the constructor built it inline), the fleet's name for child names, its resolved
// settings, the account and region documents are written for, and `build`, which turns a document builder's error
// inside an `apply` into a ResourceError of the fleet.
import * as pulumi from "@pulumi/pulumi";
import { ArgError, resourceError } from "../args";
import type { AccountScope } from "./policies";
import type { ResolvedEdgeFleet } from "./resolve";
import { getPartitionOutput } from "@pulumi/aws/getPartition";
import { getRegionOutput } from "@pulumi/aws/getRegion";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";

export interface FleetContext {
  /** The EdgeFleet: parent of every child. */
  readonly fleet: pulumi.ComponentResource;
  /** `{ parent: fleet }`. */
  readonly parent: { readonly parent: pulumi.ComponentResource };
  /** The fleet's resource name; child names start with it. */
  readonly name: string;
  readonly settings: ResolvedEdgeFleet;
  /** Partition, region and account of the fleet's provider. */
  readonly scope: pulumi.Output<AccountScope>;
  /** Runs a document builder inside an apply; its error becomes a ResourceError of the fleet. */
  readonly build: <T>(fn: () => T) => T;
}

export function fleetContext(fleet: pulumi.ComponentResource, name: string, settings: ResolvedEdgeFleet): FleetContext {
  const parent = { parent: fleet };
  const scope = pulumi
    .all([getPartitionOutput({}, parent).partition, getRegionOutput({}, parent).region, getCallerIdentityOutput({}, parent).accountId])
    .apply(([partition, region, accountId]) => ({ partition, region, accountId }));
  const build = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ArgError) throw resourceError(err.component, err.arg, err.problem, fleet);
      const message = (err as Error).message;
      throw new pulumi.ResourceError(message.startsWith("EdgeFleet: ") ? message : `EdgeFleet: ${message}`, fleet);
    }
  };
  return { fleet, parent, name, settings, scope, build };
}
