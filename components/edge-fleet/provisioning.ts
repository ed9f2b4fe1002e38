/**
 * Fleet provisioning by claim: production devices join the fleet without a resource per device.
 *
 * A device that holds the claim certificate calls `RegisterThing` with `ThingName` and
 * `SerialNumber`; the pre-provisioning hook (lambda/provisioning-hook) admits only serial numbers
 * of the stack's pattern; AWS IoT then runs the template: it creates (or updates) the thing with
 * its serial number, puts it in the stack's thing group and in one model group, activates the
 * device's new certificate and attaches the core device policy to it. The model group is the
 * template parameter `ModelGroup`, which the hook always sets (a device cannot choose it): a thing
 * already in `<root>-canary` stays a canary when it provisions again, every other thing joins
 * `<root>-fleet`, so the two model groups stay disjoint. The template body is a typed object built by a pure
 * function; `buildFleetProvisioning` registers the template, its role, the hook and the claim
 * policy (and certificate).
 *
 * The claim private key must never enter Pulumi state, so without `provisioning.claimCsrFile`
 * (and outside prototypes that allow generated keys) the fleet creates the claim policy but no
 * claim certificate. An operator makes the claim key where it will live (a factory HSM or a
 * secured workstation), then
 *   sh edge/device-csr.sh -o claim edge-mlops-claim-<stack>        # claim/<name>.key.pem stays there
 *   aws iot create-certificate-from-csr --set-as-active \
 *       --certificate-signing-request file://claim/edge-mlops-claim-<stack>.csr.pem   # prints certificateArn
 *   aws iot attach-policy --policy-name <EdgeFleet.claimPolicyName> --target <certificateArn>
 * or sets `provisioning.claimCsrFile` to the CSR so the stack registers the certificate (a CSR
 * holds no secret). While provisioning, a device connects with the client id
 * `edge-mlops-claim-<serial number>` (the Greengrass fleet provisioning plugin's `deviceId`):
 * the claim policy admits no other client id.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { LambdaFunction } from "../lambda-function";
import type { FleetContext } from "./context";
import { canaryGroupName, childGroupName, fleetGroupName, type ThingGroups } from "./groups";
import { claimPolicy, provisioningTrustPolicy } from "./policies";
import { describeValue, validateThingGroupName } from "../../contracts/iot-names";
import { MODEL_GROUP_PARAMETER } from "../../contracts/provisioning";
import * as awsIot from "@pulumi/aws/iot";
import * as awsIam from "@pulumi/aws/iam";
import * as awsLambda from "@pulumi/aws/lambda";

/**
 * Template parameters: the device sends ThingName and SerialNumber, AWS IoT fills in the certificate id, and the
 * pre-provisioning hook sets ModelGroup (its `parameterOverrides` replace whatever a device sent).
 */
export const TEMPLATE_PARAMETERS = ["ThingName", "SerialNumber", "AWS::IoT::Certificate::Id", MODEL_GROUP_PARAMETER] as const;

type Ref = { readonly Ref: (typeof TEMPLATE_PARAMETERS)[number] };

export interface ProvisioningTemplateBody {
  readonly Parameters: Readonly<Record<(typeof TEMPLATE_PARAMETERS)[number], { readonly Type: "String"; readonly Default?: string }>>;
  readonly Resources: {
    readonly thing: {
      readonly Type: "AWS::IoT::Thing";
      readonly Properties: {
        readonly ThingName: Ref;
        readonly AttributePayload: { readonly serialNumber: Ref };
        readonly ThingGroups: readonly [string, Ref];
      };
      readonly OverrideSettings: { readonly AttributePayload: "MERGE"; readonly ThingGroups: "MERGE" };
    };
    readonly certificate: {
      readonly Type: "AWS::IoT::Certificate";
      readonly Properties: { readonly CertificateId: Ref; readonly Status: "ACTIVE" };
    };
    readonly policy: { readonly Type: "AWS::IoT::Policy"; readonly Properties: { readonly PolicyName: string } };
  };
}

export interface ProvisioningTemplateBodyArgs {
  /** The stack's root thing group every provisioned device joins. */
  readonly thingGroupName: string;
  /**
   * The model group a new device joins: `<root>-fleet`, the default of the template's ModelGroup parameter (the hook
   * sets it on every admitted request; the default only applies if it did not). Moving a device to the canary is an
   * operator's step (`aws iot remove-thing-from-thing-group` from `<root>-fleet`, then `add-thing-to-thing-group` to
   * `<root>-canary`); it stays there when it provisions again.
   */
  readonly fleetGroupName: string;
  /** Name of the existing core device IoT policy attached to every new certificate. */
  readonly policyName: string;
}

/** AWS IoT policy names: `[\w+=,.@-]`, 1 to 128 characters. */
const POLICY_NAME_PATTERN = /^[\w+=,.@-]{1,128}$/;

/**
 * Body of the fleet provisioning template. A thing that already exists (re-provisioning after a
 * certificate was lost; the hook admits it only if it is in this stack's groups and not blocked)
 * keeps its attributes and groups, merged with the new ones.
 */
export function provisioningTemplateBody(args: ProvisioningTemplateBodyArgs): ProvisioningTemplateBody {
  const groupError = validateThingGroupName(args.thingGroupName);
  if (groupError) throw new Error(`provisioningTemplateBody: thingGroupName: ${groupError}`);
  const fleetGroupError = validateThingGroupName(args.fleetGroupName);
  if (fleetGroupError) throw new Error(`provisioningTemplateBody: fleetGroupName: ${fleetGroupError}`);
  if (typeof args.policyName !== "string" || !POLICY_NAME_PATTERN.test(args.policyName)) {
    throw new Error(
      `provisioningTemplateBody: policyName ${describeValue(args.policyName)} must be an AWS IoT policy name (1 to 128 of letters, digits and _+=,.@-)`,
    );
  }
  return {
    Parameters: {
      ThingName: { Type: "String" },
      SerialNumber: { Type: "String" },
      "AWS::IoT::Certificate::Id": { Type: "String" },
      [MODEL_GROUP_PARAMETER]: { Type: "String", Default: args.fleetGroupName },
    },
    Resources: {
      thing: {
        Type: "AWS::IoT::Thing",
        Properties: {
          ThingName: { Ref: "ThingName" },
          AttributePayload: { serialNumber: { Ref: "SerialNumber" } },
          ThingGroups: [args.thingGroupName, { Ref: MODEL_GROUP_PARAMETER }],
        },
        OverrideSettings: { AttributePayload: "MERGE", ThingGroups: "MERGE" },
      },
      certificate: {
        Type: "AWS::IoT::Certificate",
        Properties: { CertificateId: { Ref: "AWS::IoT::Certificate::Id" }, Status: "ACTIVE" },
      },
      policy: { Type: "AWS::IoT::Policy", Properties: { PolicyName: args.policyName } },
    },
  };
}

/** Payload version of the pre-provisioning hook; the only one AWS IoT offers. */
export const HOOK_PAYLOAD_VERSION = "2020-04-01";
/** AWS IoT waits 5 seconds for a pre-provisioning hook. */
export const HOOK_TIMEOUT_SECONDS = 5;

export interface FleetProvisioning {
  readonly template: awsIot.ProvisioningTemplate;
  readonly hook: LambdaFunction;
  /** Policy of the claim certificate; attach it to a claim certificate made outside the stack. */
  readonly claimPolicy: awsIot.Policy;
  /** The claim certificate, when made from `claimCsrFile` or generated. */
  readonly claimCertificate?: awsIot.Certificate;
  /** The generated claim private key (secret), only when generated into state. */
  readonly claimPrivateKey?: pulumi.Output<string>;
}

/**
 * `<name>-provisioning-{role,registration,hook,hook-invoke,template}`, `<name>-claim-policy` and, with a claim CSR or a
 * generated claim key, `<name>-claim-{key,csr,cert,policy-attachment}`. Undefined when provisioning is off.
 */
export function buildFleetProvisioning(ctx: FleetContext, groups: ThingGroups, corePolicy: awsIot.Policy): FleetProvisioning | undefined {
  const { fleet, name, settings: s, scope, build, parent } = ctx;
  const p = s.provisioning;
  if (!p.enabled) return undefined;
  const role = new awsIam.Role(`${name}-provisioning-role`, { assumeRolePolicy: JSON.stringify(provisioningTrustPolicy()) }, parent);
  const registration = new awsIam.RolePolicyAttachment(
    `${name}-provisioning-registration`,
    { role: role.name, policyArn: scope.apply((sc) => `arn:${sc.partition}:iam::aws:policy/service-role/AWSIoTThingsRegistration`) },
    parent,
  );
  const hook = new LambdaFunction(
    `${name}-provisioning-hook`,
    {
      folder: "provisioning-hook",
      description: `Pre-provisioning hook of fleet provisioning template ${p.templateName}`,
      environment: {
        SERIAL_NUMBER_PATTERN: p.serialNumberPattern,
        THING_GROUP_NAME: s.rootGroupName,
        // The model groups: a thing already in the canary group stays there, every other thing joins the fleet group.
        CANARY_THING_GROUP_NAME: canaryGroupName(s.rootGroupName),
        FLEET_THING_GROUP_NAME: fleetGroupName(s.rootGroupName),
        // Every other group of the stack: the (prefixed) child groups.
        CHILD_THING_GROUP_NAMES: s.childGroups.map((g) => childGroupName(s.rootGroupName, g.name)).join(","),
      },
      statements: scope.apply((sc) => [
        {
          Sid: "ReadThingsBeingProvisioned",
          Effect: "Allow" as const,
          Action: ["iot:DescribeThing", "iot:ListThingGroupsForThing"],
          Resource: [`arn:${sc.partition}:iot:${sc.region}:${sc.accountId}:thing/*`],
        },
      ]),
      reservedConcurrency: s.lambdaReservedConcurrency,
      timeoutSeconds: HOOK_TIMEOUT_SECONDS,
      logRetentionDays: s.logRetentionDays,
    },
    parent,
  );
  // The template's ARN is known from its name, so the permission exists before the template can call the hook.
  const invoke = new awsLambda.Permission(
    `${name}-provisioning-hook-invoke`,
    {
      action: "lambda:InvokeFunction",
      function: hook.function.name,
      principal: "iot.amazonaws.com",
      sourceAccount: scope.apply((sc) => sc.accountId),
      sourceArn: scope.apply((sc) => `arn:${sc.partition}:iot:${sc.region}:${sc.accountId}:provisioningtemplate/${p.templateName}`),
    },
    parent,
  );
  const template = new awsIot.ProvisioningTemplate(
    `${name}-provisioning-template`,
    {
      name: p.templateName,
      description: `Fleet provisioning by claim for stack ${s.stack}: devices join ${s.rootGroupName} and ${fleetGroupName(s.rootGroupName)} (canaries stay in ${canaryGroupName(s.rootGroupName)})`,
      enabled: true,
      type: "FLEET_PROVISIONING",
      provisioningRoleArn: role.arn,
      preProvisioningHook: { targetArn: hook.function.arn, payloadVersion: HOOK_PAYLOAD_VERSION },
      templateBody: pulumi
        .all([groups.root.name, groups.fleet.name, corePolicy.name])
        .apply(([thingGroupName, fleetGroupName, policyName]) => JSON.stringify(build(() => provisioningTemplateBody({ thingGroupName, fleetGroupName, policyName })))),
    },
    { parent: fleet, dependsOn: [invoke, registration] },
  );

  const policy = new awsIot.Policy(
    `${name}-claim-policy`,
    { policy: scope.apply((sc) => JSON.stringify(build(() => claimPolicy({ ...sc, templateName: p.templateName, useCsr: p.devicesUseCsr })))) },
    parent,
  );
  let csr: pulumi.Input<string> | undefined;
  let claimPrivateKey: pulumi.Output<string> | undefined;
  if (p.claim.kind === "csr") {
    csr = p.claim.pem;
  } else if (p.claim.kind === "generated") {
    // The claim private key is stored in state (secret): only ever when allowGeneratedKeys, never in prod.
    const key = new tls.PrivateKey(`${name}-claim-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, parent);
    claimPrivateKey = pulumi.secret(key.privateKeyPem);
    csr = new tls.CertRequest(`${name}-claim-csr`, { privateKeyPem: claimPrivateKey, subject: { commonName: `${p.templateName}-claim` } }, parent).certRequestPem;
  }
  if (csr === undefined) return { template, hook, claimPolicy: policy };
  const claimCertificate = new awsIot.Certificate(`${name}-claim-cert`, { active: true, csr }, parent);
  new awsIot.PolicyAttachment(`${name}-claim-policy-attachment`, { policy: policy.name, target: claimCertificate.arn }, parent);
  return { template, hook, claimPolicy: policy, claimCertificate, ...(claimPrivateKey ? { claimPrivateKey } : {}) };
}
