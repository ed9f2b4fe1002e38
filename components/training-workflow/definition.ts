/**
 * The training workflow's Step Functions definition (Amazon States Language, JSONPath), built as
 * typed objects from plain strings and numbers; serialise it with `JSON.stringify`.
 *
 *   CreateExperiment (Lambda) → Preprocess (processing job) → Train (training job)
 *     → Evaluate (processing job) → ReadEvaluation (S3 GetObject of evaluation.json)
 *     → EvaluateResults (Lambda) → ShouldRegister (Choice on `register`)
 *         ├─ true  → RegisterModel (Lambda) → Registered (Succeed)
 *         └─ false → NotRegistered (Succeed)
 *   any Task's error, once its retries are spent → Failed (Fail, error and cause of the failure)
 *
 * A model that is not good enough is a normal outcome, so NotRegistered succeeds (its output
 * carries `decision.reason`); only errors end in Failed, which is what alarms should watch.
 *
 * The Lambda payloads are typed by the functions' events in contracts/training-payloads.ts, and
 * what each function returns is kept where that contract says (definition-tasks.ts), so the
 * handlers and this definition cannot disagree on a field name.
 *
 * Every SageMaker job has a StoppingCondition and is named `<jobPrefix>-<suffix>`, where jobPrefix
 * comes from CreateExperiment and is unique per execution (see contracts/training-run.ts). Each run
 * writes under `<outputS3Uri>/<jobPrefix>/`: train/, validation/, test/ (preprocess), model/
 * (training job output) and evaluation/evaluation.json.
 *
 * The three jobs run the scripts of `training/` from one S3 prefix (`codeS3Uri`, which must hold
 * preprocess.py, train.py, evaluate.py and model_format.py) in SageMaker's prebuilt scikit-learn
 * image, started with an explicit `python3 <script>` entrypoint and explicit paths.
 */
import {
  EVALUATION_REPORT,
  type CreateExperimentEvent,
  type EvaluateResultsEvent,
  type RegisterModelEvent,
} from "../../contracts/training-payloads";
import { JOB_SUFFIXES } from "../../contracts/training-run";
import { argError } from "../args";
import { fromPath, payload, type State, type StateMachineDefinition } from "./asl";
import { trainingDefinitionArgProblems, type TrainerHyperparameters, type TrainingDefinitionArgs } from "./definition-args";
import {
  CATCH_ALL,
  clusterConfig,
  experimentConfig,
  JOB_TIMEOUT_MARGIN_SECONDS,
  jobNameExpression,
  lambdaTask,
  PROCESSING,
  processingTask,
  READ_TIMEOUT_SECONDS,
  runPath,
  runState,
  S3_RETRY,
  s3Input,
  s3Output,
  SAGEMAKER_RETRIES,
  STATE_NAMES,
  TRAINING_INPUT,
  trainingChannel,
  trimSlash,
} from "./definition-tasks";

function trainerArguments(hp: TrainerHyperparameters): string[] {
  const options: [string, number | undefined][] = [
    ["--n-estimators", hp.nEstimators],
    ["--max-depth", hp.maxDepth],
    ["--learning-rate", hp.learningRate],
    ["--random-state", hp.randomState],
  ];
  return options.flatMap(([flag, value]) => (value === undefined ? [] : [flag, String(value)]));
}

// ---------------------------------------------------------------------------------------------
// The definition

/**
 * The training workflow definition.
 * @throws ArgError (`TrainingDefinition: args: <every problem>`, see trainingDefinitionArgProblems) on bad arguments.
 */
export function buildTrainingDefinition(args: TrainingDefinitionArgs): StateMachineDefinition {
  const problems = trainingDefinitionArgProblems(args);
  if (problems.length > 0) argError("TrainingDefinition", "args", problems.join("; "));
  const out = trimSlash(args.outputS3Uri);
  const [, outBucket, outKey = ""] = /^s3:\/\/([^/]+)\/?(.*)$/.exec(out) ?? [];
  const report = `${EVALUATION_REPORT.folder}/${EVALUATION_REPORT.file}`;
  const evaluationKey = `${outKey === "" ? "" : `${outKey}/`}{}/${report}`;
  /** A field of the evaluation report, once ReadEvaluation has put it at `$.evaluation.report`. */
  const reportField = (path: string) => fromPath(`$.evaluation.report.${path}`);
  const lambdaTimeout = args.lambdaTaskTimeoutSeconds ?? 120;
  const S = STATE_NAMES;

  const states: Record<string, State> = {
    [S.createExperiment]: lambdaTask(
      args.createExperimentFunctionArn,
      payload<CreateExperimentEvent>({
        executionName: fromPath("$$.Execution.Name"),
        executionStartTime: fromPath("$$.Execution.StartTime"),
        executionArn: fromPath("$$.Execution.Id"),
        pipelineName: args.jobNamePrefix,
        dataPrefix: args.dataS3Uri,
      }),
      "experiment",
      S.preprocess,
      lambdaTimeout,
      "Names the run (SageMaker experiment and trial) and its jobs.",
    ),
    [S.preprocess]: processingTask(args, {
      suffix: JOB_SUFFIXES.preprocess,
      script: "preprocess.py",
      job: args.preprocessing,
      inputs: [s3Input("data", args.dataS3Uri, `${PROCESSING}/input/data`)],
      outputs: ["train", "validation", "test"].map((split) => s3Output(split, runPath(out, split), `${PROCESSING}/${split}`)),
      arguments: [
        "--input-dir", `${PROCESSING}/input/data`,
        "--train-dir", `${PROCESSING}/train`,
        "--validation-dir", `${PROCESSING}/validation`,
        "--test-dir", `${PROCESSING}/test`,
      ],
      result: "$.preprocessing",
      next: S.train,
      comment: "Deduplicates the offline store and writes the 80/15/5 splits.",
    }),
    [S.train]: {
      Type: "Task",
      Comment: "Trains the gradient-boosted trees and writes model.json (in model.tar.gz).",
      Resource: "arn:aws:states:::sagemaker:createTrainingJob.sync",
      Parameters: {
        "TrainingJobName.$": jobNameExpression(JOB_SUFFIXES.train),
        RoleArn: args.sagemakerRoleArn,
        AlgorithmSpecification: {
          TrainingImage: args.trainingImageUri,
          TrainingInputMode: "File",
          ContainerEntrypoint: ["python3", `${TRAINING_INPUT}/code/train.py`],
          ContainerArguments: [
            "--train", `${TRAINING_INPUT}/train`,
            "--validation", `${TRAINING_INPUT}/validation`,
            "--output-dir", "/opt/ml/model",
            "--output-data-dir", "/opt/ml/output/data",
            ...trainerArguments(args.hyperparameters ?? {}),
          ],
        },
        InputDataConfig: [
          trainingChannel("train", runPath(out, "train/"), true, "text/csv"),
          trainingChannel("validation", runPath(out, "validation/"), true, "text/csv"),
          trainingChannel("code", args.codeS3Uri, false),
        ],
        OutputDataConfig: {
          "S3OutputPath.$": runPath(out, "model"),
          ...(args.kmsKeyArn === undefined ? {} : { KmsKeyId: args.kmsKeyArn }),
        },
        ResourceConfig: clusterConfig(args.training, args.kmsKeyArn),
        StoppingCondition: { MaxRuntimeInSeconds: args.training.maxRuntimeSeconds },
        EnableNetworkIsolation: args.networkIsolation ?? true,
        ExperimentConfig: experimentConfig(JOB_SUFFIXES.train),
      },
      ResultSelector: { "jobName.$": "$.TrainingJobName", "modelDataUrl.$": "$.ModelArtifacts.S3ModelArtifacts" },
      ResultPath: "$.training",
      TimeoutSeconds: args.training.maxRuntimeSeconds + JOB_TIMEOUT_MARGIN_SECONDS,
      Retry: SAGEMAKER_RETRIES,
      Catch: CATCH_ALL,
      Next: S.evaluate,
    },
    [S.evaluate]: processingTask(args, {
      suffix: JOB_SUFFIXES.evaluate,
      script: "evaluate.py",
      job: args.evaluation,
      inputs: [
        s3Input("model", "$.training.modelDataUrl", `${PROCESSING}/model`, true),
        s3Input("test", runPath(out, "test/"), `${PROCESSING}/test`, true),
      ],
      outputs: [s3Output("evaluation", runPath(out, EVALUATION_REPORT.folder), `${PROCESSING}/evaluation`)],
      arguments: [
        "--model-dir", `${PROCESSING}/model`,
        "--test-dir", `${PROCESSING}/test`,
        "--output-dir", `${PROCESSING}/evaluation`,
      ],
      result: "$.evaluationJob",
      next: S.readEvaluation,
      comment: "Scores model.json on the test split and writes evaluation.json.",
    }),
    [S.readEvaluation]: {
      Type: "Task",
      Comment: "Reads the evaluation report the Evaluate job wrote.",
      Resource: "arn:aws:states:::aws-sdk:s3:getObject",
      Parameters: { Bucket: outBucket, "Key.$": `States.Format('${evaluationKey}', ${runState("experiment", "jobPrefix")})` },
      ResultSelector: { "report.$": "States.StringToJson($.Body)" },
      ResultPath: "$.evaluation",
      TimeoutSeconds: READ_TIMEOUT_SECONDS,
      Retry: [S3_RETRY],
      Catch: CATCH_ALL,
      Next: S.evaluateResults,
    },
    [S.evaluateResults]: lambdaTask(
      args.evaluateResultsFunctionArn,
      payload<EvaluateResultsEvent>({
        evaluation: { rmse: reportField(EVALUATION_REPORT.rmse) },
        modelPackageGroupName: args.modelPackageGroupName,
        qualityThresholdRmse: args.qualityThresholdRmse,
      }),
      "decision",
      S.shouldRegister,
      lambdaTimeout,
      "Compares the RMSE with the quality threshold and the best approved model.",
    ),
    [S.shouldRegister]: {
      Type: "Choice",
      Comment: "Register only a model within the threshold that beats the best approved one.",
      Choices: [{ Variable: runState("decision", "register"), BooleanEquals: true, Next: S.registerModel }],
      Default: S.notRegistered,
    },
    [S.registerModel]: lambdaTask(
      args.registerModelFunctionArn,
      payload<RegisterModelEvent>({
        modelPackageGroupName: args.modelPackageGroupName,
        modelDataUrl: fromPath("$.training.modelDataUrl"),
        imageUri: args.inferenceImageUri,
        evaluationS3Uri: fromPath(runPath(out, report)),
        rmse: fromPath(runState("decision", "rmse")),
        modelVersion: reportField(EVALUATION_REPORT.modelVersion),
        executionName: fromPath("$$.Execution.Name"),
      }),
      "registration",
      S.registered,
      lambdaTimeout,
      "Creates the model package version with its metrics.",
    ),
    [S.registered]: { Type: "Succeed", Comment: "A new model package version was registered." },
    [S.notRegistered]: {
      Type: "Succeed",
      Comment: "The model was not good enough to register; $.decision.reason says why.",
    },
    [S.failed]: {
      Type: "Fail",
      Comment: "A task failed after its retries; error and cause are the failing task's.",
      ErrorPath: "$.error.Error",
      CausePath: "$.error.Cause",
    },
  };
  return {
    Comment: `Training workflow of ${args.jobNamePrefix}: preprocess, train, evaluate, register.`,
    StartAt: S.createExperiment,
    States: states,
  };
}

