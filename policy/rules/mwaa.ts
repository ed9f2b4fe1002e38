/** Amazon MWAA rules: the Airflow web server is reachable from the VPC only, and every log type is kept. */
import { ALWAYS_MANDATORY, MANDATORY_IN_PROD, type ResourceRule } from "./types";
import { get, isUnknown } from "./util";

const ENVIRONMENT_TYPES = ["aws:mwaa/environment:Environment"];
/** The five Airflow log types MWAA can send to CloudWatch Logs. */
export const MWAA_LOG_TYPES = ["dagProcessingLogs", "schedulerLogs", "taskLogs", "webserverLogs", "workerLogs"];
/** The one log type MWAA publishes when the configuration leaves it out. */
const DEFAULT_ON_LOG_TYPE = "taskLogs";

export const mwaaPrivateWebserver: ResourceRule = {
  kind: "resource",
  name: "mwaa-private-webserver",
  description:
    "The Airflow web server of an MWAA environment is reachable from its VPC only (webserverAccessMode " +
    "PRIVATE_ONLY, MWAA's default). Advisory outside prod, where a public UI may be used while iterating.",
  mapsTo: { checkov: ["CKV2_AWS_66"] },
  severity: MANDATORY_IN_PROD,
  awsDefaults: [
    {
      setting: "webserverAccessMode",
      whenAbsent: "PRIVATE_ONLY: the Airflow UI is reachable from the VPC only",
      compliant: true,
      source: "https://docs.aws.amazon.com/mwaa/latest/API/API_CreateEnvironment.html",
    },
  ],
  resourceTypes: ENVIRONMENT_TYPES,
  checkResource: (r) => {
    const mode = r.inputs.webserverAccessMode;
    if (isUnknown(mode) || mode === undefined || mode === "PRIVATE_ONLY") return [];
    return [`MWAA environment "${r.name}" has webserverAccessMode ${JSON.stringify(mode)}: use "PRIVATE_ONLY"`];
  },
};

export const mwaaLogging: ResourceRule = {
  kind: "resource",
  name: "mwaa-logging",
  description: `MWAA environments send all five Airflow log types to CloudWatch Logs (loggingConfiguration: ${MWAA_LOG_TYPES.join(", ")} enabled).`,
  mapsTo: { checkov: ["CKV_AWS_242", "CKV_AWS_243", "CKV_AWS_244"] },
  severity: ALWAYS_MANDATORY,
  awsDefaults: [
    {
      setting: "loggingConfiguration.taskLogs.enabled",
      whenAbsent: "enabled at INFO: task logs are published (MWAA's API reference states no default; the provider documents this one)",
      compliant: true,
      source: "https://www.pulumi.com/registry/packages/aws/api-docs/mwaa/environment/#environmentloggingconfiguration",
    },
    {
      setting: "loggingConfiguration.<dagProcessingLogs|schedulerLogs|webserverLogs|workerLogs>.enabled",
      whenAbsent: "disabled: that log type is not published",
      compliant: false,
      source: "https://www.pulumi.com/registry/packages/aws/api-docs/mwaa/environment/#environmentloggingconfiguration",
    },
  ],
  resourceTypes: ENVIRONMENT_TYPES,
  checkResource: (r) => {
    const logging = r.inputs.loggingConfiguration;
    if (isUnknown(logging)) return [];
    const off = MWAA_LOG_TYPES.filter((t) => {
      // An absent log type (or its `enabled`) takes MWAA's default: task logs on, every other type off.
      const enabled = get(logging, t, "enabled") ?? t === DEFAULT_ON_LOG_TYPE;
      return !isUnknown(enabled) && enabled !== true;
    });
    return off.length === 0 ? [] : [`MWAA environment "${r.name}" does not enable ${off.join(", ")}: set loggingConfiguration.<type>.enabled to true for all five`];
  },
};

export const MWAA_RULES = [mwaaPrivateWebserver, mwaaLogging];
