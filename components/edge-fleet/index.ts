// The edge fleet: Greengrass v2 core devices of one stack. A root thing group (and child groups for sites and
// hardware revisions), a token exchange role behind an IoT role alias, a least-privilege core device policy,
// prototype devices registered statically, fleet provisioning by claim with a pre-provisioning hook for production
// devices, the two platform Greengrass components (the docker-compose hub app and the inference service's image, which
// serves the model the release workflow deploys to the model groups) and one deployment to the root group that rolls out slowly, cancels itself on failures and rolls devices back.
//
// The class only wires named builders together, one AWS concept each: groups.ts, components.ts (artifacts and
// component versions), device-access.ts (token exchange role, role alias, core device policy), static-device.ts,
// provisioning.ts, deployment.ts and events.ts (fleet events to the alarm topic, dashboard widgets). Every child is
// registered with the fleet as its parent and the name it always had, so no URN changes. Settings: ./args.ts;
// args and their resolution: ./resolve.ts.
import type * as awsNative from "@pulumi/aws-native";
import * as pulumi from "@pulumi/pulumi";
import type { LambdaFunction } from "../lambda-function";
import type { Monitored } from "../observability/contract";
import type { Widget } from "../observability/widgets";
import { buildArtifactBucket, buildComponents } from "./components";
import { fleetContext } from "./context";
import { buildDeployment } from "./deployment";
import { buildDeviceAccess } from "./device-access";
import { buildFleetEvents, fleetWidgets } from "./events";
import { buildThingGroups } from "./groups";
import { buildFleetProvisioning } from "./provisioning";
import { resolveEdgeFleetArgs, type EdgeFleetArgs } from "./resolve";
import { buildStaticDevices, type StaticDevice } from "./static-device";
import { buildTelemetry, fleetTelemetryWidgets, type FleetTelemetry } from "./telemetry";
import * as iot from "@pulumi/aws/iot";
import * as s3 from "@pulumi/aws/s3";
import * as iam from "@pulumi/aws/iam";
import * as cloudwatch from "@pulumi/aws/cloudwatch";

export { edgeFleetSettings, type EdgeFleetSettings, type EdgeFleetSettingsInput } from "./args";
export { ARTIFACT_PREFIX, COMPOSE_FILE, INFERENCE_PORT, inferenceImageUri } from "./components";
export {
  deploymentFailureMessage,
  deploymentFailurePattern,
  edgeAlarmSpecs,
  edgeWidgets,
  jobEventsPublishPolicy,
  jobEventsTrustPolicy,
  jobExecutionEventConfigurations,
  jobFailureRuleName,
  jobFailureRuleSql,
  resolveEdgeFleetMonitoring,
  type EdgeFleetMonitoringArgs,
} from "./monitoring";
export { canaryGroupName, childGroupName, fleetGroupName } from "./groups";
export { HOOK_PAYLOAD_VERSION, HOOK_TIMEOUT_SECONDS } from "./provisioning";
export {
  readCsrFile,
  REPOSITORY_ROOT,
  resolveEdgeFleetArgs,
  type ClaimCertificate,
  type DeviceKey,
  type EdgeFleetArgs,
  type EdgeFleetWiring,
  type ProvisioningSettings,
  type ResolvedEdgeFleet,
} from "./resolve";
export { StaticDevice } from "./static-device";
export {
  incomingPrefixProblem,
  DEVICE_SAMPLES_FOLDER,
  metricsRulePolicy,
  metricsRuleSql,
  samplesObjectKey,
  samplesRulePolicy,
  samplesRuleSql,
  telemetryLogGroupName,
  telemetryRuleName,
  telemetryWidgets,
  THING_NAME_MEMBER,
  type FleetTelemetry,
  type TelemetryWiring,
} from "./telemetry";

export class EdgeFleet extends pulumi.ComponentResource implements Monitored {
  /** The stack's root thing group: every device joins it, the deployment targets it. */
  public readonly thingGroup: iot.ThingGroup;
  public readonly thingGroupArn: pulumi.Output<string>;
  /** Model group of canary devices (`<root>-canary`): a release's first model deployment targets it. */
  public readonly canaryGroup: iot.ThingGroup;
  /** Model group of every other device (`<root>-fleet`): a release's second model deployment targets it. */
  public readonly fleetGroup: iot.ThingGroup;
  /** Child thing groups by their configured name (the groups are named `<root>-<child>`). */
  public readonly childGroups: Readonly<Record<string, iot.ThingGroup>>;
  /** Bucket of the Greengrass component artifacts (under `artifacts/`). */
  public readonly artifactBucket: s3.Bucket;
  /** Role core devices assume through the role alias (token exchange service). */
  public readonly tokenExchangeRole: iam.Role;
  public readonly roleAlias: iot.RoleAlias;
  /** IoT policy of every core device's certificate. */
  public readonly corePolicy: iot.Policy;
  /** Static prototype devices by thing name. */
  public get devices(): Readonly<Record<string, StaticDevice>> {
    return this.#devices;
  }
  // Held in a private field, not an own enumerable property: Pulumi resolves an alias that names this fleet as a
  // former parent (the artifact bucket's settings have them) with output(alias), whose unknown-value check walks every
  // object reachable through own enumerable properties, once per alias and resource. As a public field, every
  // device's resources and outputs were walked again for each of them (some 40 objects per device in each of 30 walks):
  // about a quarter of what a device allocated during the plan and an eighth of its CPU time.
  readonly #devices: Readonly<Record<string, StaticDevice>>;
  /** Private keys generated into state, by thing name (secret); only when some device's key was generated. */
  public readonly generatedPrivateKeys?: pulumi.Output<Record<string, string>>;
  public readonly provisioningTemplate?: iot.ProvisioningTemplate;
  public readonly provisioningTemplateName?: pulumi.Output<string>;
  public readonly provisioningHook?: LambdaFunction;
  /** Policy of the claim certificate; attach it to a claim certificate made outside the stack. */
  public readonly claimPolicy?: iot.Policy;
  public readonly claimPolicyName?: pulumi.Output<string>;
  /** The claim certificate, when made from `claimCsrFile` or generated. */
  public readonly claimCertificate?: iot.Certificate;
  /** The generated claim private key (secret), only when generated into state. */
  public readonly claimPrivateKey?: pulumi.Output<string>;
  /** The Greengrass components: the docker-compose hub app and the inference service. */
  public readonly components: { readonly hub: awsNative.greengrassv2.ComponentVersion; readonly inference: awsNative.greengrassv2.ComponentVersion };
  public readonly deployment: awsNative.greengrassv2.Deployment;
  public readonly deploymentId: pulumi.Output<string>;
  /** The account's IoT data endpoint (ATS) devices connect to. */
  public readonly iotDataEndpoint: pulumi.Output<string>;
  /** The account's credential provider endpoint devices exchange their certificate at. */
  public readonly credentialEndpoint: pulumi.Output<string>;
  /** EventBridge rules forwarding fleet events to the alarm topic (deployment failures); empty without `monitoring`. */
  public readonly eventRules: cloudwatch.EventRule[];
  /** IoT topic rules forwarding fleet events to the alarm topic (failing job executions); empty without `monitoring`. */
  public readonly topicRules: iot.TopicRule[];
  /** The account's IoT event configuration, when `monitoring.enableJobExecutionEvents` turns JOB_EXECUTION events on. */
  public readonly iotEventConfigurations?: iot.EventConfigurations;
  /** Alarms on the delivery of fleet events and of device telemetry; empty without `monitoring`. */
  public readonly alarms: cloudwatch.MetricAlarm[];
  /** The fleet's dashboard widgets: where its events go, device connections, fleet failure events, alarm states. */
  public readonly widgets: pulumi.Output<Widget[]>;
  /** Device telemetry rules and log groups; only with the `telemetry` wiring. */
  public readonly telemetry?: FleetTelemetry;
  /** Dashboard widgets of the devices' inference metrics and telemetry rules (empty without `telemetry`): place them beside the cloud service's. */
  public readonly telemetryWidgets: pulumi.Output<Widget[]>;

  constructor(name: string, args: EdgeFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    // Impossible args fail here, before anything is registered.
    const settings = resolveEdgeFleetArgs(args);
    super("edge-mlops:edge:EdgeFleet", name, {}, opts);
    const ctx = fleetContext(this, name, settings);

    const groups = buildThingGroups(ctx);
    this.thingGroup = groups.root;
    this.thingGroupArn = groups.root.arn;
    this.childGroups = groups.children;
    this.canaryGroup = groups.canary;
    this.fleetGroup = groups.fleet;

    const artifacts = buildArtifactBucket(ctx);
    this.artifactBucket = artifacts.bucket;
    this.iotDataEndpoint = iot.getEndpointOutput({ endpointType: "iot:Data-ATS" }, ctx.parent).endpointAddress;
    const inferenceSource = {
      image: args.inferenceImage,
      repositoryArns: pulumi.output(args.ecrRepositoryArns),
      ...(args.telemetry ? { iotDataEndpoint: this.iotDataEndpoint } : {}),
    };

    const access = buildDeviceAccess(ctx, {
      artifactBucketArn: artifacts.bucket.arn,
      repositoryArns: inferenceSource.repositoryArns,
      modelBucketArn: pulumi.output(args.modelBucketArn).apply((arn) => arn ?? ""),
    });
    this.tokenExchangeRole = access.tokenExchangeRole;
    this.roleAlias = access.roleAlias;
    this.corePolicy = access.corePolicy;

    const devices = buildStaticDevices(ctx, access.corePolicy.name, groups);
    this.#devices = devices.devices;
    this.generatedPrivateKeys = devices.generatedPrivateKeys;

    const provisioning = buildFleetProvisioning(ctx, groups, access.corePolicy);
    this.provisioningTemplate = provisioning?.template;
    this.provisioningTemplateName = provisioning?.template.name;
    this.provisioningHook = provisioning?.hook;
    this.claimPolicy = provisioning?.claimPolicy;
    this.claimPolicyName = provisioning?.claimPolicy.name;
    this.claimCertificate = provisioning?.claimCertificate;
    this.claimPrivateKey = provisioning?.claimPrivateKey;

    this.components = buildComponents(ctx, artifacts.composeObject, inferenceSource);
    this.deployment = buildDeployment(ctx, groups.root.arn, this.components, [access.tokenExchangePolicy]);
    this.deploymentId = this.deployment.deploymentId;

    const events = buildFleetEvents(ctx, this.deploymentId);
    this.eventRules = events.eventRules;
    this.topicRules = events.topicRules;
    this.iotEventConfigurations = events.iotEventConfigurations;
    this.widgets = fleetWidgets(ctx, this.deploymentId, events);

    this.telemetry = args.telemetry ? buildTelemetry(ctx, args.telemetry) : undefined;
    this.telemetryWidgets = args.telemetry && this.telemetry ? fleetTelemetryWidgets(ctx, args.telemetry, this.telemetry) : pulumi.output([]);
    this.alarms = [...events.alarms, ...(this.telemetry?.alarms ?? [])];

    this.credentialEndpoint = iot.getEndpointOutput({ endpointType: "iot:CredentialProvider" }, ctx.parent).endpointAddress;

    this.registerOutputs({
      thingGroupArn: this.thingGroupArn,
      canaryGroupName: this.canaryGroup.name,
      canaryGroupArn: this.canaryGroup.arn,
      fleetGroupName: this.fleetGroup.name,
      fleetGroupArn: this.fleetGroup.arn,
      roleAlias: this.roleAlias.alias,
      provisioningTemplateName: this.provisioningTemplateName,
      claimPolicyName: this.claimPolicyName,
      iotDataEndpoint: this.iotDataEndpoint,
      credentialEndpoint: this.credentialEndpoint,
      deploymentId: this.deploymentId,
    });
  }
}
