// Reading the training workflow's planned state machine in tests: the definition parsed into the builder's own ASL
// types, a Task state by name (failing the test if it is not a Task), and a checked walk into payload templates; and
// one set of valid definition arguments for the tests that build the definition directly.
import type { StateMachineDefinition, TaskState } from "../../components/training-workflow/asl";
import type { TrainingDefinitionArgs } from "../../components/training-workflow/definition-args";
import { inputsOf, parseDocument } from "../support/resources";
import type { Plan } from "../support/offline";

/** The definition of the planned state machine `name`. */
export function definitionOf(plan: Plan, name: string): StateMachineDefinition {
  return parseDocument<StateMachineDefinition>(inputsOf(plan, "aws:sfn/stateMachine:StateMachine", name).definition);
}

/** The Task state `name` of a definition; throws if it is missing or not a Task. */
export function taskOf(definition: StateMachineDefinition, name: string): TaskState {
  const state = definition.States[name];
  if (state?.Type !== "Task") throw new Error(`${name} is not a Task state (${state?.Type ?? "missing"})`);
  return state;
}

/** The value at `path` inside the Parameters of the Task state `state`. */
export function parameterOf(definition: StateMachineDefinition, state: string, ...path: string[]): unknown {
  return at(taskOf(definition, state).Parameters, ...path);
}

/** The value at `path` inside `value` (objects by key, arrays by index); throws naming the first step that is missing. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const [i, key] of path.entries()) {
    if (current === null || typeof current !== "object" || !(key in current)) throw new Error(`no ${path.slice(0, i + 1).join(".")}`);
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

export const ACCOUNT = "123456789012";
/** SageMaker's prebuilt scikit-learn image in eu-west-1. */
export const SKLEARN = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3";
/** Valid arguments of the definition builder, as the dev stack would resolve them. */
export const EXAMPLE_DEFINITION_ARGS: TrainingDefinitionArgs = {
  createExperimentFunctionArn: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:edge-mlops-dev-create-experiment`,
  evaluateResultsFunctionArn: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:edge-mlops-dev-evaluate-results`,
  registerModelFunctionArn: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:edge-mlops-dev-register-model`,
  sagemakerRoleArn: `arn:aws:iam::${ACCOUNT}:role/edge-mlops-dev-sagemaker`,
  processingImageUri: SKLEARN,
  trainingImageUri: SKLEARN,
  inferenceImageUri: `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/edge-mlops-dev-forecast:3f2a9c1d7e6b`,
  dataS3Uri: `s3://edge-mlops-dev-data/feature-store/${ACCOUNT}/sagemaker/eu-west-1/offline-store/abalone-1700000000/data`,
  outputS3Uri: "s3://edge-mlops-dev-data/training/",
  codeS3Uri: "s3://edge-mlops-dev-data/code/training/",
  jobNamePrefix: "edge-mlops-dev",
  modelPackageGroupName: "edge-mlops-dev-abalone",
  qualityThresholdRmse: 2.5,
  preprocessing: { instanceType: "ml.m5.large", maxRuntimeSeconds: 1800 },
  training: { instanceType: "ml.m5.xlarge", instanceCount: 1, volumeSizeGb: 20, maxRuntimeSeconds: 3600 },
  evaluation: { instanceType: "ml.t3.medium", maxRuntimeSeconds: 900 },
};
