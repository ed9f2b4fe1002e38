// The Step Functions state machine that runs a training run (definition.ts): STANDARD, logged to a log group with
// retention (execution data only when the stack asks for it), traced with X-Ray, and run by a role allowed only its
// own jobs, functions and evaluation reports (policies.ts). It is created after the role may deliver logs and after
// the job scripts are in place, so the first run finds both.
import * as pulumi from "@pulumi/pulumi";
import { ArgError, resourceError } from "../args";
import type { WorkflowContext } from "./context";
import type { DataBucket } from "./data";
import { buildTrainingDefinition } from "./definition";
import type { TrainingDefinitionArgs } from "./definition-args";
import type { FeatureStore } from "./feature-store";
import type { WorkflowLambdas } from "./functions";
import type { JobRuntime } from "./jobs";
import { PREFIXES, stateMachinePolicy } from "./policies";
import * as awsSfn from "@pulumi/aws/sfn";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as iam from "@pulumi/aws/iam";

export interface StateMachineInputs {
  readonly data: DataBucket;
  readonly featureStore: FeatureStore;
  readonly jobs: JobRuntime;
  readonly scripts: readonly pulumi.Resource[];
  readonly functions: WorkflowLambdas;
  /** Image recorded in registered model packages. */
  readonly inferenceImageUri: pulumi.Input<string>;
}

export interface TrainingStateMachine {
  readonly stateMachine: awsSfn.StateMachine;
  readonly logGroup: cloudwatch.LogGroup;
}

export function buildStateMachine(ctx: WorkflowContext, i: StateMachineInputs): TrainingStateMachine {
  const { name, parent, settings: s } = ctx;
  const kmsKeyArn = s.kmsKeyArn;
  const functionArns = [i.functions.createExperiment, i.functions.evaluateResults, i.functions.registerModel].map((l) => l.function.arn);
  const logGroup = new cloudwatch.LogGroup(
    `${name}-sfn-logs`,
    // Under /aws/vendedlogs/ so the log delivery's resource policy does not grow with every log group.
    { namePrefix: `/aws/vendedlogs/states/${s.stateMachineName}-`, retentionInDays: s.logRetentionDays },
    { parent },
  );
  const role = new iam.Role(
    `${name}-sfn-role`,
    { description: `State machine ${s.stateMachineName}`, assumeRolePolicy: ctx.trustedBy("states.amazonaws.com") },
    { parent },
  );
  const rolePolicy = new iam.RolePolicy(
    `${name}-sfn-policy`,
    {
      role: role.id,
      policy: pulumi
        .all([ctx.scope, i.jobs.role.arn, i.data.bucketArn, pulumi.all(functionArns)])
        .apply(([sc, sagemakerRoleArn, bucketArn, fns]) =>
          JSON.stringify(stateMachinePolicy({ ...sc, jobNamePrefix: s.pipelineName, sagemakerRoleArn, functionArns: fns, bucketArn, kmsKeyArn })),
        ),
    },
    { parent },
  );
  const job = (instanceType: string) => ({ instanceType, maxRuntimeSeconds: s.maxRuntimeSeconds });
  const definition = pulumi
    .all([...functionArns, i.jobs.role.arn, i.jobs.imageUri, i.inferenceImageUri, i.featureStore.offlineStoreUri, i.data.bucketName])
    .apply(([createExperimentArn, evaluateResultsArn, registerModelArn, sagemakerRoleArn, sklearnImage, inferenceImageUri, dataS3Uri, bucketName]) => {
      const args: TrainingDefinitionArgs = {
        createExperimentFunctionArn: createExperimentArn,
        evaluateResultsFunctionArn: evaluateResultsArn,
        registerModelFunctionArn: registerModelArn,
        sagemakerRoleArn,
        processingImageUri: sklearnImage,
        trainingImageUri: sklearnImage,
        inferenceImageUri,
        dataS3Uri,
        outputS3Uri: `s3://${bucketName}/${PREFIXES.training}`,
        codeS3Uri: `s3://${bucketName}/${PREFIXES.code}`,
        jobNamePrefix: s.pipelineName,
        modelPackageGroupName: s.modelPackageGroupName,
        qualityThresholdRmse: s.qualityThresholdRmse,
        preprocessing: job(s.processingInstanceType),
        training: job(s.trainingInstanceType),
        evaluation: job(s.processingInstanceType),
        ...(kmsKeyArn ? { kmsKeyArn } : {}),
      };
      try {
        return JSON.stringify(buildTrainingDefinition(args));
      } catch (err) {
        // Values known only now (e.g. an inference image that is not in ECR) fail here, naming each bad one.
        if (err instanceof ArgError) throw resourceError("TrainingWorkflow", "definition", err.problem, parent);
        throw err;
      }
    });
  const stateMachine = new awsSfn.StateMachine(
    `${name}-state-machine`,
    {
      name: s.stateMachineName,
      type: "STANDARD",
      roleArn: role.arn,
      definition,
      loggingConfiguration: { level: "ALL", includeExecutionData: s.includeExecutionData, logDestination: pulumi.interpolate`${logGroup.arn}:*` },
      tracingConfiguration: { enabled: true },
    },
    // Step Functions checks at creation that the role may deliver logs; the scripts must be in place before a run.
    { parent, dependsOn: [rolePolicy, i.jobs.rolePolicy, ...i.scripts] },
  );
  return { stateMachine, logGroup };
}
