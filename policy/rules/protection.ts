/**
 * Data-safety rules: stateful resources are protected from deletion, and Greengrass deployments
 * (create-only: every change replaces them) are left on the devices when replaced, roll back a
 * failed update, and stop themselves before reaching the whole fleet.
 */
import { ALWAYS_MANDATORY, MANDATORY_IN_PROD, type ResourceRule } from "./types";
import { asList, get, isObject, isUnknown } from "./util";
import { BUCKET_TYPES } from "./s3";

export const STATEFUL_TYPES = [
  ...BUCKET_TYPES,
  "aws:ecr/repository:Repository",
  "aws:sagemaker/featureGroup:FeatureGroup",
  "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
];

export const statefulResourcesProtected: ResourceRule = {
  kind: "resource",
  name: "stateful-resources-protected",
  description:
    "Resources that hold data — S3 buckets, ECR repositories, the SageMaker feature group and model package group — " +
    "have the protect option, so no preview can delete or replace them. Advisory outside prod, whose stacks are torn down freely.",
  mapsTo: { none: "protect is a Pulumi resource option; infrastructure scanners do not see it" },
  severity: MANDATORY_IN_PROD,
  resourceTypes: STATEFUL_TYPES,
  checkResource: (r) => (r.options.protect ? [] : [`${r.type.split(":").pop()} "${r.name}" holds data but is not protected: pass { protect: true }`]),
};

export const greengrassDeploymentSafety: ResourceRule = {
  kind: "resource",
  name: "greengrass-deployment-safety",
  description:
    "Greengrass v2 deployments set retainOnDelete (a replaced deployment is superseded on the devices, not cancelled), " +
    "roll a failed device back (deploymentPolicies.failureHandlingPolicy ROLLBACK, the default), and iotJobConfiguration with an abortConfig and a " +
    "jobExecutionsRolloutConfig. CrossGuard does not expose retainOnDelete, so that part is checked by the offline plan only.",
  mapsTo: { none: "Checkov and Trivy do not model Greengrass v2 deployments" },
  severity: ALWAYS_MANDATORY,
  awsDefaults: [
    {
      setting: "deploymentPolicies.failureHandlingPolicy",
      whenAbsent: "ROLLBACK: a device whose update fails returns to its previous configuration",
      compliant: true,
      source: "https://docs.aws.amazon.com/greengrass/v2/APIReference/API_DeploymentPolicies.html",
    },
    {
      setting: "iotJobConfiguration.abortConfig",
      whenAbsent: "no abort criteria: a rollout that keeps failing is never stopped",
      compliant: false,
      source: "https://docs.aws.amazon.com/greengrass/v2/APIReference/API_DeploymentIoTJobConfiguration.html",
    },
    {
      setting: "iotJobConfiguration.jobExecutionsRolloutConfig",
      whenAbsent: "no rate limit: every device of the target is notified as fast as AWS IoT Jobs allows",
      compliant: false,
      source: "https://docs.aws.amazon.com/greengrass/v2/APIReference/API_DeploymentIoTJobConfiguration.html",
    },
  ],
  resourceTypes: ["aws-native:greengrassv2:Deployment"],
  checkResource: (r) => {
    const messages: string[] = [];
    const at = `deployment "${r.name}"`;
    if (r.options.retainOnDelete === false) messages.push(`${at} is not retained on delete: pass { retainOnDelete: true } so a replacement does not cancel it on the devices`);
    // Greengrass rolls a failed device back when failureHandlingPolicy is left out.
    const failure = get(r.inputs, "deploymentPolicies", "failureHandlingPolicy") ?? "ROLLBACK";
    if (!isUnknown(failure) && failure !== "ROLLBACK") {
      messages.push(`${at} has failureHandlingPolicy ${JSON.stringify(failure)}: set deploymentPolicies.failureHandlingPolicy to "ROLLBACK" or leave it out (the default)`);
    }
    const job = r.inputs.iotJobConfiguration;
    if (isUnknown(job)) return messages;
    const criteria = get(job, "abortConfig", "criteriaList");
    if (!isUnknown(criteria) && asList(criteria).length === 0) messages.push(`${at} has no iotJobConfiguration.abortConfig criteria: a failing rollout would not stop`);
    const rollout = get(job, "jobExecutionsRolloutConfig");
    if (!isUnknown(rollout) && !(isObject(rollout) && (rollout.maximumPerMinute !== undefined || rollout.exponentialRate !== undefined))) {
      messages.push(`${at} has no iotJobConfiguration.jobExecutionsRolloutConfig with maximumPerMinute or exponentialRate: every device would be notified at once`);
    }
    return messages;
  },
};

export const PROTECTION_RULES = [statefulResourcesProtected, greengrassDeploymentSafety];
