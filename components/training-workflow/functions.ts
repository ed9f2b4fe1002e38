// The workflow's three Lambdas, each bundled from `lambda/<folder>/` with its own role allowed only what its handler
// calls (policies.ts), reserved concurrency, log retention and tracing. register-model learns the approval status of
// new model packages from its environment (contracts/training-payloads.ts, RegisterModelEnvironment).
import * as pulumi from "@pulumi/pulumi";
import { MODEL_JSON_FILE, type RegisterModelEnvironment } from "../../contracts/training-payloads";
import type { PolicyStatement } from "../iam";
import { LambdaFunction } from "../lambda-function";
import type { WorkflowContext } from "./context";
import type { DataBucket } from "./data";
import type { WorkflowLambda } from "./monitoring";
import { PREFIXES, s3KeyStatement, scopedArn, type Scope } from "./policies";

/** Timeout of each workflow Lambda; the state machine's Lambda tasks wait 120 s (definition.ts), above this. */
export const LAMBDA_TIMEOUT_SECONDS = 60;

export interface WorkflowLambdas {
  readonly createExperiment: LambdaFunction;
  readonly evaluateResults: LambdaFunction;
  readonly registerModel: LambdaFunction;
}

export function buildFunctions(ctx: WorkflowContext, data: Pick<DataBucket, "bucketArn">): WorkflowLambdas {
  const { name, parent, settings: s } = ctx;
  const lambda = (folder: WorkflowLambda, description: string, statements: pulumi.Input<PolicyStatement[]>, environment?: Record<string, string>) =>
    new LambdaFunction(
      `${name}-${folder}`,
      {
        folder,
        description,
        statements,
        environment,
        reservedConcurrency: s.lambdaReservedConcurrency,
        timeoutSeconds: LAMBDA_TIMEOUT_SECONDS,
        logRetentionDays: s.logRetentionDays,
      },
      { parent },
    );
  const registerModelEnvironment: RegisterModelEnvironment = { MODEL_APPROVAL_STATUS: s.modelApproval };
  return {
    createExperiment: lambda(
      "create-experiment",
      `Names each run of ${s.stateMachineName} (SageMaker experiment and trial)`,
      ctx.scope.apply((sc) => createExperimentStatements(sc, s.pipelineName)),
    ),
    evaluateResults: lambda(
      "evaluate-results",
      `Decides whether a model trained by ${s.stateMachineName} is registered`,
      ctx.scope.apply((sc) => evaluateResultsStatements(sc, s.modelPackageGroupName)),
    ),
    registerModel: lambda(
      "register-model",
      `Registers models trained by ${s.stateMachineName} in ${s.modelPackageGroupName}`,
      pulumi
        .all([ctx.scope, data.bucketArn])
        .apply(([sc, bucketArn]) => registerModelStatements(sc, s.modelPackageGroupName, { bucketArn, kmsKeyArn: s.kmsKeyArn })),
      { ...registerModelEnvironment },
    ),
  };
}

/** The functions by their `lambda/` folder, in WORKFLOW_LAMBDAS order. */
export function functionsByFolder(l: WorkflowLambdas): Record<WorkflowLambda, LambdaFunction> {
  return { "create-experiment": l.createExperiment, "evaluate-results": l.evaluateResults, "register-model": l.registerModel };
}

// ---- what each handler may call (added to each LambdaFunction's own logs and traces) ------------------------------

/** create-experiment: the experiment `<pipeline>` and the trials `<pipeline>-*` (tagged with the data prefix). */
export function createExperimentStatements(s: Scope, pipelineName: string): PolicyStatement[] {
  return [
    { Sid: "CreateExperiment", Effect: "Allow", Action: ["sagemaker:CreateExperiment"], Resource: scopedArn(s, "sagemaker", `experiment/${pipelineName}`) },
    {
      Sid: "CreateTrials",
      Effect: "Allow",
      Action: ["sagemaker:CreateTrial", "sagemaker:AddTags"],
      Resource: scopedArn(s, "sagemaker", `experiment-trial/${pipelineName}-*`),
    },
  ];
}

/** evaluate-results: list the group's packages and describe them (reads only). */
export function evaluateResultsStatements(s: Scope, modelPackageGroupName: string): PolicyStatement[] {
  return [
    { Sid: "ListModelPackages", Effect: "Allow", Action: ["sagemaker:ListModelPackages"], Resource: "*" },
    {
      Sid: "DescribeModelPackages",
      Effect: "Allow",
      Action: ["sagemaker:DescribeModelPackage"],
      Resource: scopedArn(s, "sagemaker", `model-package/${modelPackageGroupName}/*`),
    },
  ];
}

/**
 * register-model: read a run's model.tar.gz and put its model.json beside it (under the runs' `training/` prefix
 * only), then add versions to the one model package group.
 */
export function registerModelStatements(
  s: Scope,
  modelPackageGroupName: string,
  data: { readonly bucketArn: string; readonly kmsKeyArn?: string },
): PolicyStatement[] {
  const runs = `${data.bucketArn}/${PREFIXES.training}*`;
  return [
    { Sid: "ReadModelArchives", Effect: "Allow", Action: ["s3:GetObject"], Resource: `${runs}/model.tar.gz` },
    { Sid: "WriteModelJson", Effect: "Allow", Action: ["s3:PutObject"], Resource: `${runs}/${MODEL_JSON_FILE}` },
    ...(data.kmsKeyArn ? [s3KeyStatement("UseDataKey", s, data.kmsKeyArn, ["kms:Decrypt", "kms:GenerateDataKey"])] : []),
    {
      Sid: "CreateModelPackages",
      Effect: "Allow",
      Action: ["sagemaker:CreateModelPackage"],
      Resource: [scopedArn(s, "sagemaker", `model-package-group/${modelPackageGroupName}`), scopedArn(s, "sagemaker", `model-package/${modelPackageGroupName}/*`)],
    },
  ];
}
