/**
 * The fleet provisioning template body as a typed object, built by a pure function.
 *
 * A device that holds the claim certificate calls `RegisterThing` with `ThingName` and
 * `SerialNumber`; after the pre-provisioning hook allows it, AWS IoT runs this template: it
 * creates (or updates) the thing with its serial number, puts it in the stack's thing group,
 * activates the device's new certificate and attaches the core device policy to it. Nothing in
 * the template or around it depends on the number of devices: the fleet grows without adding
 * resources to the stack.
 */
import { describeValue, validateThingGroupName } from "../../contracts/iot-names";

/** Template parameters the device sends (and the certificate id AWS IoT fills in). */
export const TEMPLATE_PARAMETERS = ["ThingName", "SerialNumber", "AWS::IoT::Certificate::Id"] as const;

type Ref = { readonly Ref: (typeof TEMPLATE_PARAMETERS)[number] };

export interface ProvisioningTemplateBody {
  readonly Parameters: Readonly<Record<(typeof TEMPLATE_PARAMETERS)[number], { readonly Type: "String" }>>;
  readonly Resources: {
    readonly thing: {
      readonly Type: "AWS::IoT::Thing";
      readonly Properties: {
        readonly ThingName: Ref;
        readonly AttributePayload: { readonly serialNumber: Ref };
        readonly ThingGroups: readonly string[];
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
    },
    Resources: {
      thing: {
        Type: "AWS::IoT::Thing",
        Properties: {
          ThingName: { Ref: "ThingName" },
          AttributePayload: { serialNumber: { Ref: "SerialNumber" } },
          ThingGroups: [args.thingGroupName],
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
