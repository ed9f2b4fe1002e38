// What a core device may do, and the AWS credentials it gets. The token exchange role holds the device's AWS
// permissions (component artifacts, released models in the model store, ECR pulls, Greengrass logs); devices reach it only through the IoT role
// alias, by presenting their certificate to the credentials provider. The core device policy, attached to every
// device certificate (static or provisioned), lets a device use its own thing's topics and shadows and assume that
// one role alias. Documents come from ./policies.ts. The role's maximum session is at least the alias' credential
// duration: the credentials provider asks STS for sessions that long.
import * as pulumi from "@pulumi/pulumi";
import { RELEASES_PREFIX } from "../../contracts/model-release";
import { ARTIFACT_PREFIX } from "./components";
import type { FleetContext } from "./context";
import { coreDevicePolicy, GREENGRASS_LOG_GROUP_ROOT, tokenExchangeRolePolicy, tokenExchangeTrustPolicy } from "./policies";
import * as iam from "@pulumi/aws/iam";
import * as iot from "@pulumi/aws/iot";

export interface DeviceAccess {
  /** Role core devices assume through the role alias (token exchange service). */
  readonly tokenExchangeRole: iam.Role;
  /** The role's permissions: the deployment waits for it, since devices fetch artifacts with it. */
  readonly tokenExchangePolicy: iam.RolePolicy;
  readonly roleAlias: iot.RoleAlias;
  /** IoT policy of every core device's certificate. */
  readonly corePolicy: iot.Policy;
}

/** What the token exchange role may read: the artifact bucket, the ECR repositories and the model store's releases. */
export interface DeviceReads {
  readonly artifactBucketArn: pulumi.Output<string>;
  readonly repositoryArns: pulumi.Output<string[]>;
  /** The model store bucket, whose `releases/` the model components' artifacts are in; "" when the stack has none. */
  readonly modelBucketArn: pulumi.Output<string>;
}

/** IAM's range of a role's MaxSessionDuration, in seconds (CreateRole: 3600 to 43200; unset means 3600). */
export const ROLE_MAX_SESSION_SECONDS = { min: 3600, max: 43200 } as const;

/**
 * The token exchange role's MaxSessionDuration for credentials of `credentialDurationSeconds` (900 to 43200, the role
 * alias' CredentialDurationSeconds): at least as long, since the credentials provider assumes the role for the alias'
 * duration and STS refuses a session longer than the role allows; never below IAM's minimum of 3600.
 */
export function tokenExchangeMaxSession(credentialDurationSeconds: number): number {
  return Math.min(ROLE_MAX_SESSION_SECONDS.max, Math.max(ROLE_MAX_SESSION_SECONDS.min, credentialDurationSeconds));
}

/** `<name>-token-exchange-role`, `<name>-token-exchange-policy`, `<name>-role-alias` and `<name>-core-policy`. */
export function buildDeviceAccess({ name, settings: s, scope, build, parent }: FleetContext, reads: DeviceReads): DeviceAccess {
  const tokenExchangeRole = new iam.Role(
    `${name}-token-exchange-role`,
    { assumeRolePolicy: JSON.stringify(tokenExchangeTrustPolicy()), maxSessionDuration: tokenExchangeMaxSession(s.credentialDurationSeconds) },
    parent,
  );
  const tokenExchangePolicy = new iam.RolePolicy(
    `${name}-token-exchange-policy`,
    {
      role: tokenExchangeRole.id,
      policy: pulumi.all([scope, reads.artifactBucketArn, reads.repositoryArns, reads.modelBucketArn]).apply(([sc, bucketArn, repos, modelBucketArn]) =>
        build(() =>
          JSON.stringify(
            tokenExchangeRolePolicy({
              ...sc,
              artifactBucketArn: bucketArn,
              artifactPrefix: ARTIFACT_PREFIX,
              repositoryArns: repos,
              logGroupPrefix: GREENGRASS_LOG_GROUP_ROOT,
              stack: s.stack,
              ...(modelBucketArn !== "" ? { modelBucketArn, modelPrefix: RELEASES_PREFIX } : {}),
            }),
          ),
        ),
      ),
    },
    parent,
  );
  const roleAlias = new iot.RoleAlias(
    `${name}-role-alias`,
    { alias: s.roleAliasName, roleArn: tokenExchangeRole.arn, credentialDuration: s.credentialDurationSeconds },
    // Devices get credentials of the role through the alias: with its permissions in place.
    pulumi.mergeOptions(parent, { dependsOn: [tokenExchangePolicy] }),
  );
  const corePolicy = new iot.Policy(
    `${name}-core-policy`,
    {
      policy: pulumi.all([scope, roleAlias.arn]).apply(([sc, roleAliasArn]) => JSON.stringify(build(() => coreDevicePolicy({ ...sc, stack: s.stack, roleAliasArn })))),
    },
    parent,
  );
  return { tokenExchangeRole, tokenExchangePolicy, roleAlias, corePolicy };
}
