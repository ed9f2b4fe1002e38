/** Amazon MWAA rules: the Airflow web server is reachable from the VPC only, and every log type is kept. */
import { ALWAYS_MANDATORY, MANDATORY_IN_PROD, type ResourceRule } from "./types";
import { get, isUnknown } from "./util";

const ENVIRONMENT_TYPES = ["aws:mwaa/environment:Environment"];
/** The five Airflow log types MWAA can send to CloudWatch Logs. */
export const MWAA_LOG_TYPES = ["dagProcessingLogs", "schedulerLogs", "taskLogs", "webserverLogs", "workerLogs"];

export const mwaaPrivateWebserver: ResourceRule = {
  kind: "resource",
  name: "mwaa-private-webserver",
  description:
    "The Airflow web server of an MWAA environment is reachable from its VPC only (webserverAccessMode " +
    "PRIVATE_ONLY, MWAA's default). Advisory outside prod, where a public UI may be used while iterating.",
  mapsTo: { checkov: ["CKV2_AWS_66"] },
  severity: MANDATORY_IN_PROD,
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
  resourceTypes: ENVIRONMENT_TYPES,
  checkResource: (r) => {
    const logging = r.inputs.loggingConfiguration;
    if (isUnknown(logging)) return [];
    const off = MWAA_LOG_TYPES.filter((t) => {
      const enabled = get(logging, t, "enabled");
      return !isUnknown(enabled) && enabled !== true;
    });
    return off.length === 0 ? [] : [`MWAA environment "${r.name}" does not enable ${off.join(", ")}: set loggingConfiguration.<type>.enabled to true for all five`];
  },
};

export const MWAA_RULES = [mwaaPrivateWebserver, mwaaLogging];
