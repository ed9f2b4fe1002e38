/**
 * ECS rules. A task definition's containers arrive as the `containerDefinitions` JSON string;
 * each container is checked and named in the message. Services deploy with the circuit breaker
 * and its rollback on.
 */
import { ALWAYS_MANDATORY, type ResourceRule, type ResourceView } from "./types";
import { asList, get, isObject, isUnknown, readDocument, str } from "./util";

const TASK_DEFINITION_TYPES = ["aws:ecs/taskDefinition:TaskDefinition"];
const SERVICE_TYPES = ["aws:ecs/service:Service"];

/** Runs `check` on every container of a task definition; unknown definitions pass, unreadable ones fail. */
function perContainer(r: ResourceView, check: (container: Record<string, unknown>, label: string) => string | undefined): string[] {
  const read = readDocument(r.inputs.containerDefinitions, `containerDefinitions of task definition "${r.name}"`);
  if (isUnknown(read)) return [];
  if ("error" in read) return [read.error];
  if (!Array.isArray(read.doc)) return [`containerDefinitions of task definition "${r.name}" must be a JSON array`];
  const messages: string[] = [];
  read.doc.forEach((container, i) => {
    if (!isObject(container)) {
      messages.push(`container ${i} of task definition "${r.name}" is not an object`);
      return;
    }
    const message = check(container, `container "${str(container.name) ?? i}" of task definition "${r.name}"`);
    if (message) messages.push(message);
  });
  return messages;
}

export const ecsReadOnlyRootFilesystem: ResourceRule = {
  kind: "resource",
  name: "ecs-read-only-root-filesystem",
  description: "Every container of an ECS task definition has a read-only root filesystem (readonlyRootFilesystem true); writable paths are explicit volumes.",
  mapsTo: { checkov: ["CKV_AWS_336"], awsFsbp: ["ECS.5"] },
  severity: ALWAYS_MANDATORY,
  awsDefaults: [
    { setting: "containerDefinitions[].readonlyRootFilesystem", whenAbsent: "false: the container can write to its root filesystem", compliant: false, source: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html" },
  ],
  resourceTypes: TASK_DEFINITION_TYPES,
  checkResource: (r) =>
    perContainer(r, (c, label) => (c.readonlyRootFilesystem === true ? undefined : `${label} has a writable root filesystem: set readonlyRootFilesystem to true`)),
};

export const ecsNotPrivileged: ResourceRule = {
  kind: "resource",
  name: "ecs-not-privileged",
  description: "No container of an ECS task definition runs privileged (root-equivalent access to the host).",
  mapsTo: { awsFsbp: ["ECS.4"] },
  severity: ALWAYS_MANDATORY,
  awsDefaults: [
    { setting: "containerDefinitions[].privileged", whenAbsent: "false: the container is not privileged", compliant: true, source: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html" },
  ],
  resourceTypes: TASK_DEFINITION_TYPES,
  checkResource: (r) => perContainer(r, (c, label) => (c.privileged === true ? `${label} is privileged: remove privileged or set it to false` : undefined)),
};

export const ecsContainerLogging: ResourceRule = {
  kind: "resource",
  name: "ecs-container-logging",
  description: "Every container of an ECS task definition has a logConfiguration with a logDriver, so its output is kept.",
  mapsTo: { awsFsbp: ["ECS.9"] },
  severity: ALWAYS_MANDATORY,
  awsDefaults: [
    {
      setting: "containerDefinitions[].logConfiguration",
      whenAbsent: "no log driver: on Fargate the container's output is not kept anywhere",
      compliant: false,
      source: "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#container_definition_storage",
    },
  ],
  resourceTypes: TASK_DEFINITION_TYPES,
  checkResource: (r) =>
    perContainer(r, (c, label) => (str(get(c, "logConfiguration", "logDriver")) ? undefined : `${label} has no logConfiguration.logDriver: its logs are lost`)),
};

export const ecsServiceNoPublicIp: ResourceRule = {
  kind: "resource",
  name: "ecs-service-no-public-ip",
  description: "ECS services do not give their tasks public IP addresses (networkConfiguration.assignPublicIp false); tasks run in private subnets behind the load balancer.",
  mapsTo: { checkov: ["CKV_AWS_333"], awsFsbp: ["ECS.2"] },
  severity: ALWAYS_MANDATORY,
  awsDefaults: [
    {
      setting: "networkConfiguration.assignPublicIp",
      whenAbsent: "DISABLED: tasks get no public IP address",
      compliant: true,
      source: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_AwsVpcConfiguration.html",
    },
  ],
  resourceTypes: SERVICE_TYPES,
  checkResource: (r) => {
    const assign = get(r.inputs, "networkConfiguration", "assignPublicIp");
    if (isUnknown(assign) || assign !== true) return [];
    return [`service "${r.name}" assigns public IPs to its tasks: set networkConfiguration.assignPublicIp to false`];
  },
};

/** Container Insights settings values that turn it on. */
export const CONTAINER_INSIGHTS_ON = ["enabled", "enhanced"];

export const ecsContainerInsights: ResourceRule = {
  kind: "resource",
  name: "ecs-container-insights",
  description: "ECS clusters have CloudWatch Container Insights on (setting containerInsights enabled or enhanced).",
  mapsTo: { checkov: ["CKV_AWS_65"], trivy: ["AVD-AWS-0034"] },
  severity: ALWAYS_MANDATORY,
  awsDefaults: [
    {
      setting: "settings[containerInsights]",
      whenAbsent: "the account's containerInsights default, which is disabled unless the account turned it on (a setting no preview can see)",
      compliant: false,
      source: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ClusterSetting.html",
    },
  ],
  resourceTypes: ["aws:ecs/cluster:Cluster"],
  checkResource: (r) => {
    const settings = r.inputs.settings;
    if (isUnknown(settings)) return [];
    const insights = asList(settings).filter((s) => get(s, "name") === "containerInsights");
    const values = insights.map((s) => get(s, "value"));
    if (values.some((v) => isUnknown(v) || (typeof v === "string" && CONTAINER_INSIGHTS_ON.includes(v)))) return [];
    const current = values.length === 0 ? "no containerInsights setting" : `containerInsights ${values.map((v) => JSON.stringify(v)).join(", ")}`;
    return [`cluster "${r.name}" has ${current}: add the setting containerInsights = "enabled"`];
  },
};

const CIRCUIT_BREAKER_SOURCE = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html";

export const ecsDeploymentCircuitBreaker: ResourceRule = {
  kind: "resource",
  name: "ecs-deployment-circuit-breaker",
  description:
    "ECS services deployed by rolling update (the ECS deployment controller, the default) have the deployment circuit " +
    "breaker on with rollback (deploymentCircuitBreaker { enable: true, rollback: true }), so a deployment whose tasks " +
    "never become healthy stops and returns to the last deployment that completed. Services on the CODE_DEPLOY or " +
    "EXTERNAL controller roll back through that controller and are not judged.",
  mapsTo: { none: "Checkov, Trivy and Security Hub have no check of the ECS deployment circuit breaker" },
  severity: ALWAYS_MANDATORY,
  awsDefaults: [
    { setting: "deploymentCircuitBreaker.enable", whenAbsent: "off: a failing deployment keeps launching tasks", compliant: false, source: CIRCUIT_BREAKER_SOURCE },
    { setting: "deploymentCircuitBreaker.rollback", whenAbsent: "off: a failed deployment stops where it is", compliant: false, source: CIRCUIT_BREAKER_SOURCE },
  ],
  resourceTypes: SERVICE_TYPES,
  checkResource: (r) => {
    const controller = get(r.inputs, "deploymentController", "type");
    if (isUnknown(controller) || (controller !== undefined && controller !== "ECS")) return [];
    // A breaker unknown in preview makes both of its settings unknown (get), so neither is judged.
    const breaker = r.inputs.deploymentCircuitBreaker;
    const at = `service "${r.name}"`;
    const messages: string[] = [];
    const enable = get(breaker, "enable");
    if (!isUnknown(enable) && enable !== true) {
      messages.push(`${at} has no deployment circuit breaker (deploymentCircuitBreaker.enable ${enable === undefined ? "unset, so off" : JSON.stringify(enable)}): a failing deployment would keep launching tasks; set enable: true`);
    }
    const rollback = get(breaker, "rollback");
    if (!isUnknown(rollback) && rollback !== true) {
      messages.push(`${at} does not roll back a failed deployment (deploymentCircuitBreaker.rollback ${rollback === undefined ? "unset, so off" : JSON.stringify(rollback)}): set rollback: true`);
    }
    return messages;
  },
};

export const ECS_RULES = [ecsReadOnlyRootFilesystem, ecsNotPrivileged, ecsContainerLogging, ecsServiceNoPublicIp, ecsContainerInsights, ecsDeploymentCircuitBreaker];
