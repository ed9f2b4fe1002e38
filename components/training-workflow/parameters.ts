// SSM parameters naming the workflow's resources under `/edge-mlops/<stack>/`, for the Airflow DAG and operators.
// Plain String parameters: names, an ARN and an S3 location, none of them secret. `insecureValue` keeps them readable
// in preview diffs (`value` would be shown as [secret]).
import type * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../../contracts/project";
import type { WorkflowContext } from "./context";
import * as ssm from "@pulumi/aws/ssm";

/** The SSM parameters, by key; each is `/edge-mlops/<stack>/<name>`. */
export const PARAMETER_NAMES = {
  dataBucket: "data-bucket",
  featureGroup: "feature-group",
  modelPackageGroup: "model-package-group",
  stateMachineArn: "state-machine-arn",
  monitoringBaselineUri: "monitoring-baseline-uri",
} as const;
export type ParameterKey = keyof typeof PARAMETER_NAMES;

/** What each parameter says. */
const DESCRIPTIONS: Readonly<Record<ParameterKey, string>> = {
  dataBucket: "Data bucket of the training workflow",
  featureGroup: "Feature group of the abalone features",
  modelPackageGroup: "Model package group of the abalone models",
  stateMachineArn: "State machine of the training workflow",
  monitoringBaselineUri: "S3 location of the model monitoring baseline",
};

export function buildParameters(ctx: WorkflowContext, values: Readonly<Record<ParameterKey, pulumi.Input<string>>>): Record<ParameterKey, ssm.Parameter> {
  const entries = (Object.keys(PARAMETER_NAMES) as ParameterKey[]).map((key) => {
    const parameter = new ssm.Parameter(
      `${ctx.name}-param-${PARAMETER_NAMES[key]}`,
      { name: `/${PROJECT}/${ctx.settings.stack}/${PARAMETER_NAMES[key]}`, type: "String", description: DESCRIPTIONS[key], insecureValue: values[key] },
      { parent: ctx.parent },
    );
    return [key, parameter] as const;
  });
  return Object.fromEntries(entries) as Record<ParameterKey, ssm.Parameter>;
}
