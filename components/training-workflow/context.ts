// What every builder of a TrainingWorkflow shares: the component (parent of every child), its name (the start of
// every child's name), its resolved settings, and the stack's partition and account, looked up once. Children built
// by these builders keep the parent and names they had when the constructor built them inline, so URNs do not change.
import * as pulumi from "@pulumi/pulumi";
import { serviceTrustPolicy, sourceAccountCondition } from "../iam";
import type { ResolvedTrainingWorkflowArgs } from "./args";
import type { Scope } from "./policies";
import { getPartitionOutput } from "@pulumi/aws/getPartition";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";

export interface WorkflowContext {
  /** The TrainingWorkflow: parent of every child. */
  readonly parent: pulumi.ComponentResource;
  /** The component's name; children are named `<name>-<suffix>`. */
  readonly name: string;
  readonly settings: ResolvedTrainingWorkflowArgs;
  readonly partition: pulumi.Output<string>;
  /** Partition, region and account, where the IAM documents are evaluated. */
  readonly scope: pulumi.Output<Scope>;
  /** Trust policy (JSON) of a role `service` assumes on behalf of this account only. */
  trustedBy(service: string): pulumi.Output<string>;
}

export function workflowContext(parent: pulumi.ComponentResource, name: string, settings: ResolvedTrainingWorkflowArgs): WorkflowContext {
  const partition = getPartitionOutput({}, { parent }).partition;
  const accountId = getCallerIdentityOutput({}, { parent }).accountId;
  return {
    parent,
    name,
    settings,
    partition,
    scope: pulumi.all([partition, accountId]).apply(([p, a]) => ({ partition: p, region: settings.region, accountId: a })),
    trustedBy: (service) => accountId.apply((a) => JSON.stringify(serviceTrustPolicy(service, sourceAccountCondition(a)))),
  };
}
