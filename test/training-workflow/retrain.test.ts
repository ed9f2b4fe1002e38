// Retraining on drift, planned under mocks: the rule's event pattern and target, the Lambda's environment, its
// least-privilege role and the permission that lets only the rule invoke it; nothing without a drift alarm prefix or
// with retrainOnDrift off. Then the input the Lambda passes is run through the planned definition (the offline
// simulator) under the execution name a drift run gets, and the settings' bounds are checked.
import { beforeAll, describe, expect, it } from "vitest";
import { driftAlarmPrefix } from "../../contracts/drift";
import { driftExecutionName, type DriftRetrainInput } from "../../contracts/drift-retrain";
import { jobPrefix, MAX_JOB_NAME_LENGTH } from "../../contracts/training-run";
import { TrainingWorkflow, trainingSettings } from "../../components/training-workflow";
import { ofType, one, planProgram, type Plan } from "../support/offline";
import { inputsOf, parseDocument, policyDocument } from "../support/resources";
import { simulate, type Json } from "./simulate";
import { definitionOf } from "./support";

const REGION = "eu-west-1";
const IMAGE = `123456789012.dkr.ecr.${REGION}.amazonaws.com/edge-mlops-dev-forecast@sha256:${"a".repeat(64)}`;
const PREFIX = driftAlarmPrefix("edge-mlops-dev");
const base = { region: REGION, inferenceImageUri: IMAGE, protect: false } as const;

let plan: Plan;
beforeAll(async () => {
  plan = await planProgram(() => {
    new TrainingWorkflow("dev", { ...base, stack: "dev", driftAlarmPrefix: PREFIX, retrainOnDrift: { coolDownHours: 12 } });
    new TrainingWorkflow("off", { ...base, stack: "off", driftAlarmPrefix: driftAlarmPrefix("edge-mlops-off"), retrainOnDrift: { enabled: false } });
    new TrainingWorkflow("none", { ...base, stack: "none" });
  });
});

describe("retraining on drift", () => {
  it("a default-bus rule matches the service's drift alarms going to ALARM", () => {
    const rule = inputsOf(plan, "aws:cloudwatch/eventRule:EventRule", "dev-drift-retrain-rule");
    expect(rule.eventBusName).toBeUndefined();
    expect(parseDocument(rule.eventPattern)).toEqual({
      source: ["aws.cloudwatch"],
      "detail-type": ["CloudWatch Alarm State Change"],
      detail: { alarmName: [{ prefix: "edge-mlops-dev-drift-" }], state: { value: ["ALARM"] } },
    });
  });

  it("targets the drift-retrain Lambda, which only the rule may invoke", () => {
    const fn = one(plan, "aws:lambda/function:Function", "dev-drift-retrain-fn");
    const rule = one(plan, "aws:cloudwatch/eventRule:EventRule", "dev-drift-retrain-rule");
    expect(inputsOf(plan, "aws:cloudwatch/eventTarget:EventTarget", "dev-drift-retrain-target")).toMatchObject({ rule: rule.inputs.name ?? rule.id, arn: fn.arn });
    expect(inputsOf(plan, "aws:lambda/permission:Permission", "dev-drift-retrain-invoke")).toMatchObject({
      action: "lambda:InvokeFunction",
      function: fn.inputs.name ?? fn.id,
      principal: "events.amazonaws.com",
      sourceArn: rule.arn,
    });
  });

  it("gives the Lambda the state machine, the prefix and the cool-down, and lets it start only that state machine", () => {
    const machine = one(plan, "aws:sfn/stateMachine:StateMachine", "dev-state-machine");
    expect(inputsOf(plan, "aws:lambda/function:Function", "dev-drift-retrain-fn").environment).toEqual({
      variables: { STATE_MACHINE_ARN: machine.arn, DRIFT_ALARM_PREFIX: "edge-mlops-dev-drift-", COOL_DOWN_HOURS: "12" },
    });
    const statements = policyDocument(inputsOf(plan, "aws:iam/rolePolicy:RolePolicy", "dev-drift-retrain-policy").policy).Statement;
    expect(statements.filter((s) => s.Sid !== "WriteOwnLogs" && s.Sid !== "WriteTraces")).toEqual([
      { Sid: "StartTraining", Effect: "Allow", Action: ["states:StartExecution"], Resource: machine.arn },
    ]);
  });

  it("builds nothing with retrainOnDrift.enabled false or without a drift alarm prefix", () => {
    for (const name of ["off", "none"]) {
      expect(ofType(plan, "aws:cloudwatch/eventRule:EventRule", `${name}-drift`)).toHaveLength(0);
      expect(ofType(plan, "aws:lambda/function:Function", `${name}-drift`)).toHaveLength(0);
    }
  });

  it("passes an input the training workflow runs with, under a name that makes valid job names", async () => {
    const definition = definitionOf(plan, "dev-state-machine");
    const name = driftExecutionName(Date.parse("2026-12-01T13:45:07Z"), 12);
    const input: DriftRetrainInput = {
      trigger: "drift",
      alarmName: `${PREFIX}feature-length`,
      eventId: "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
      eventTime: "2026-12-01T13:45:07Z",
      windowStart: "2026-12-01T12:00:00.000Z",
      coolDownHours: 12,
    };
    const prefix = jobPrefix("edge-mlops-dev", name, "2026-12-01T13:45:08.000Z");
    expect(`${prefix}-train`.length).toBeLessThanOrEqual(MAX_JOB_NAME_LENGTH);
    const results: Record<string, Json> = {
      CreateExperiment: { Payload: { experimentName: "edge-mlops-dev", trialName: prefix, jobPrefix: prefix }, StatusCode: 200 },
      Preprocess: { ProcessingJobName: `${prefix}-prep`, ProcessingJobArn: "arn:prep", ProcessingJobStatus: "Completed" },
      Train: { TrainingJobName: `${prefix}-train`, ModelArtifacts: { S3ModelArtifacts: `s3://b/training/${prefix}/model/model.tar.gz` } },
      Evaluate: { ProcessingJobName: `${prefix}-eval`, ProcessingJobArn: "arn:eval" },
      ReadEvaluation: { Body: JSON.stringify({ regression_metrics: { rmse: { value: 2.9 }, mae: { value: 2.1 } }, model_version: "x", test_rows: 10 }), ContentType: "application/json" },
      EvaluateResults: { Payload: { rmse: 2.9, thresholdRmse: 2.5, baselineRmse: 2.1, baselineModelPackageArn: "arn:x", passesThreshold: false, improves: false, register: false, reason: "above the quality bar" } },
    };
    const context = { Execution: { Name: name, StartTime: "2026-12-01T13:45:08.000Z", Id: `arn:aws:states:${REGION}:123456789012:execution:sm:${name}` } };
    const run = await simulate(definition, (state) => results[state], context, input as unknown as Json);
    expect(run.end).toBe("NotRegistered");
    expect(run.output).toMatchObject(input);
    expect((run.parameters.CreateExperiment as { Payload: { executionName: string } }).Payload.executionName).toBe("drift-20261201T1200Z-12h");
  });

  it("bounds the cool-down to 1-2160 hours, default 24", () => {
    expect(trainingSettings.parse({}).retrainOnDrift).toEqual({ enabled: true, coolDownHours: 24 });
    for (const bad of [0, 2161, 1.5]) expect(trainingSettings.safeParse({ retrainOnDrift: { coolDownHours: bad } }).success, String(bad)).toBe(false);
    expect(trainingSettings.safeParse({ retrainOnDrift: { coolDownHours: 2160 } }).success).toBe(true);
  });
});
