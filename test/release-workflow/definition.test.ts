// The release workflow's definition: valid ASL (asl-validator), Retry and Catch on every Task, argument checks, and
// simulated executions that run the real release handlers against in-memory AWS fakes (support.ts): an Approved
// release end to end, a failed and a timed-out rollout rolled back (the pointer put back), a Rejected package that is
// not the released one, and a Rejected released package that re-releases the previous one.
import { beforeEach, describe, expect, it } from "vitest";
import { listTaskStates, tasksWithoutRetryOrCatch } from "../../components/training-workflow/asl";
import type { ParallelState } from "../../components/release-workflow/asl";
import { buildReleaseDefinition, cloudBranch, ROLLED_BACK_ERROR } from "../../components/release-workflow/definition";
import { ArgError } from "../../components/args";
import type { EdgeBranch } from "../../components/release-workflow/edge-branch";
import { simulate, type Json } from "./simulate";
import {
  BOOTSTRAP_URI,
  DATA_BUCKET,
  EXAMPLE_DEFINITION_ARGS as ARGS,
  fakeAws,
  type FakeAws,
  HEALTH_ALARMS,
  MODEL,
  MODEL_BUCKET,
  packageArn,
  POINTER,
  RELEASED_VERSION,
  sha,
  stateChange,
  TOPIC,
} from "./support";

interface AslResult {
  isValid: boolean;
  errors: { "Error code": string; Message: string }[];
  errorsText: (separator?: string) => string;
}
// asl-validator 4 ships no type declarations; it writes QueryLanguage into what it checks, so it is given a copy.
const aslValidator = require("asl-validator") as (definition: unknown) => AslResult;
const validate = (definition: unknown) => aslValidator(JSON.parse(JSON.stringify(definition)));

/** A stand-in edge branch, for the Parallel's shape only (the edge branch's own tests cover its states). */
const EDGE: EdgeBranch = {
  StartAt: "EdgeReleased",
  States: { EdgeReleased: { Type: "Succeed", Comment: "stand-in" } },
};

const V7 = `s3://${MODEL_BUCKET}/releases/v7/model.json`;
const V6 = `s3://${MODEL_BUCKET}/releases/v6/model.json`;
const CONTEXT = { Execution: { Id: "arn:aws:states:eu-west-1:123456789012:execution:dev-release:e1", Name: "e1" } };

describe("buildReleaseDefinition", () => {
  const definition = buildReleaseDefinition(ARGS);

  it.each([
    ["the cloud branch only", ARGS],
    ["cloud and edge branches", { ...ARGS, edge: EDGE }],
  ])("passes the Amazon States Language validator with %s", (_label, args) => {
    const result = validate(buildReleaseDefinition(args));
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it("is caught by the validator when broken (the check is not vacuous)", () => {
    const broken = JSON.parse(JSON.stringify(definition));
    broken.States.Rollout.Branches[0].States.Point.Next = "Nowhere";
    expect(validate(broken).errorsText()).toMatch(/MISSING_TRANSITION_TARGET/);
  });

  it("gives every Task, in the branches too, a bounded Retry and a Catch", () => {
    expect(listTaskStates(definition).map((t) => t.path)).toEqual([
      "Resolve",
      "Stage",
      "Rollout/ReadPointer",
      "Rollout/Point",
      "Rollout/CheckRollout",
      "Rollout/Rollback",
      "RecordVersion",
      "TagPackage",
      "Notify",
      "NotifyFailure",
    ]);
    expect(tasksWithoutRetryOrCatch(definition)).toEqual([]);
    const broken = JSON.parse(JSON.stringify(definition));
    delete broken.States.Rollout.Branches[0].States.Rollback.Catch;
    expect(tasksWithoutRetryOrCatch(broken)).toEqual(["Rollout/Rollback: no Catch"]);
  });

  it("has only the cloud branch without an edge fleet, and the edge branch beside it with one", () => {
    const rollout = (d: typeof definition) => d.States.Rollout as ParallelState;
    expect(rollout(definition).Branches).toEqual([cloudBranch(ARGS)]);
    expect(rollout(buildReleaseDefinition({ ...ARGS, edge: EDGE })).Branches).toEqual([cloudBranch(ARGS), EDGE]);
  });

  it("refuses bad arguments, naming each", () => {
    const bad = { ...ARGS, cloudFunctionArn: "dev-release-cloud", rollout: { checkIntervalSeconds: 1, maxChecks: 0 }, healthAlarmNames: [""] };
    expect(() => buildReleaseDefinition(bad)).toThrow(ArgError);
    expect(() => buildReleaseDefinition(bad)).toThrow(
      'ReleaseDefinition: args: cloudFunctionArn: "dev-release-cloud" is not a Lambda function ARN; healthAlarmNames: [""] must be at most 100 alarm names of 1-255 characters (CloudWatch DescribeAlarms); rollout.checkIntervalSeconds: 1 must be an integer from 5 to 3600; rollout.maxChecks: 0 must be an integer from 1 to 1000',
    );
    expect(() => buildReleaseDefinition({ ...ARGS, edge: { StartAt: "Missing", States: {} } })).toThrow('edge.StartAt: "Missing" must name one of the branch\'s states');
  });
});

describe("a simulated release", () => {
  let aws: FakeAws;
  beforeEach(async () => {
    aws = await fakeAws();
  });
  const run = (event: Json, args = ARGS) => simulate(buildReleaseDefinition(args), event, aws.respond, CONTEXT);
  const ops = () => aws.log.map(([op]) => op);

  it("of an Approved package stages it, moves the pointer, waits for COMPLETED, records and tags it, and notifies", async () => {
    aws.rollouts = ["IN_PROGRESS", "COMPLETED"];
    const result = await run(stateChange(7, "Approved"));
    expect(result.end).toBe("Released");
    expect(ops()).toEqual([
      "SageMaker.DescribeModelPackage",
      "S3.GetObject",
      "S3.GetObject",
      "S3.PutObject",
      "SSM.GetParameter",
      "SSM.PutParameter",
      "ECS.UpdateService",
      "ECS.DescribeServices",
      "CloudWatch.DescribeAlarms",
      "ECS.DescribeServices",
      "CloudWatch.DescribeAlarms",
      "SSM.PutParameter",
      "SageMaker.AddTags",
      "SNS.Publish",
    ]);
    const [describe, source, schema, put, read, point, update, , alarms, , , record, tag, publish] = aws.log.map(([, input]) => input);
    expect(describe).toEqual({ ModelPackageName: packageArn(7) });
    expect(source).toEqual({ Bucket: DATA_BUCKET, Key: "training/run-7/model/model.json" });
    expect(schema).toEqual({ Bucket: MODEL_BUCKET, Key: "schemas/model.schema.json", VersionId: "v-schema-1" });
    expect(put).toMatchObject({ Bucket: MODEL_BUCKET, Key: "releases/v7/model.json", IfNoneMatch: "*", Body: `<${sha(MODEL)}>` });
    expect(read).toEqual({ Name: POINTER });
    expect(point).toEqual({ Name: POINTER, Value: V7, Type: "String", Overwrite: true });
    expect(update).toEqual({ cluster: "dev-cluster", service: "dev-service", forceNewDeployment: true });
    expect(alarms).toEqual({ AlarmNames: HEALTH_ALARMS, AlarmTypes: ["MetricAlarm"] });
    expect(record).toEqual({ Name: RELEASED_VERSION, Value: "7", Type: "String", Overwrite: true });
    expect(tag).toEqual({ ResourceArn: packageArn(7), Tags: [{ Key: "edge-mlops:released-dev", Value: "2026-12-01T01:00:00.000Z" }] });
    expect(publish).toEqual({
      TopicArn: TOPIC,
      Subject: "edge-mlops dev: model released",
      Message: `Model package version 7 is released to dev (version 7 approved). Model: ${V7} (SHA-256 ${sha(MODEL)}).`,
    });
    expect(aws.parameters.get(POINTER)).toBe(V7);
    expect(aws.parameters.get(RELEASED_VERSION)).toBe("7");
    expect(aws.objects.get(`${MODEL_BUCKET}/releases/v7/model.json`)).toEqual(MODEL);
    expect((result.output as { rollout: Json }).rollout).toEqual({
      cloud: { state: "COMPLETED", reason: "deployment ecs-svc/222 completed; 2 health alarm(s) not in ALARM", attempt: 2, alarmsInAlarm: [] },
    });
  });

  it("rolls back when the deployment fails: the pointer is put back, nothing is recorded, the failure is notified", async () => {
    aws.rollouts = ["IN_PROGRESS", "FAILED"];
    const result = await run(stateChange(7, "Approved"));
    expect(result.end).toBe("Failed");
    expect(result.error).toEqual({ Error: ROLLED_BACK_ERROR, Cause: "deployment ecs-svc/222 failed: ECS deployment circuit breaker: tasks failed to start." });
    expect(result.path.filter((s) => s.startsWith("Rollout/"))).toEqual([
      "Rollout/ReadPointer",
      "Rollout/Point",
      "Rollout/StartChecks",
      "Rollout/WaitForRollout",
      "Rollout/CheckRollout",
      "Rollout/RolloutDone",
      "Rollout/WaitForRollout",
      "Rollout/CheckRollout",
      "Rollout/RolloutDone",
      "Rollout/Rollback",
      "Rollout/RolledBack",
    ]);
    expect(aws.log.filter(([op]) => op === "SSM.PutParameter").map(([, input]) => input)).toEqual([
      { Name: POINTER, Value: V7, Type: "String", Overwrite: true },
      { Name: POINTER, Value: BOOTSTRAP_URI, Type: "String", Overwrite: true },
    ]);
    expect(ops().slice(-3)).toEqual(["SSM.PutParameter", "ECS.UpdateService", "SNS.Publish"]);
    expect(aws.parameters.get(POINTER)).toBe(BOOTSTRAP_URI);
    expect(aws.parameters.get(RELEASED_VERSION)).toBe("bootstrap");
    expect(aws.log.at(-1)).toEqual([
      "SNS.Publish",
      {
        TopicArn: TOPIC,
        Subject: "edge-mlops dev: release failed",
        Message: "The release started by model package version 7 (Approved) failed in dev: RolloutFailed: deployment ecs-svc/222 failed: ECS deployment circuit breaker: tasks failed to start.",
      },
    ]);
  });

  it("rolls back when a health alarm goes to ALARM, and when the checks run out", async () => {
    aws.rollouts = ["COMPLETED"];
    aws.alarmStates = ["OK", "ALARM"];
    const alarmed = await run(stateChange(7, "Approved"));
    expect(alarmed.error).toEqual({ Error: "RolloutFailed", Cause: "alarm(s) in ALARM: dev-alarm-p99-latency" });
    expect(aws.parameters.get(POINTER)).toBe(BOOTSTRAP_URI);

    aws = await fakeAws();
    aws.rollouts = ["IN_PROGRESS"];
    const timedOut = await run(stateChange(7, "Approved"));
    expect(timedOut.error).toEqual({ Error: "RolloutFailed", Cause: "deployment ecs-svc/222 still IN_PROGRESS after 4 check(s)" });
    expect(ops().filter((op) => op === "ECS.DescribeServices")).toHaveLength(ARGS.rollout.maxChecks);
    expect(aws.parameters.get(POINTER)).toBe(BOOTSTRAP_URI);
  });

  it("of a Rejected package that is not the released one releases nothing and says why", async () => {
    aws.parameters.set(RELEASED_VERSION, "6");
    const result = await run(stateChange(7, "Rejected"));
    expect(result.end).toBe("NothingToRelease");
    expect(result.output).toEqual({ release: false, reason: "version 7 rejected; released is 6: nothing to do" });
    expect(ops()).toEqual(["SSM.GetParameter"]);
  });

  it("of the released package, Rejected, re-releases the newest other Approved one", async () => {
    aws.parameters.set(RELEASED_VERSION, "7");
    aws.parameters.set(POINTER, V7);
    aws.objects.set(`${MODEL_BUCKET}/releases/v6/model.json`, MODEL);
    aws.approved = [5, 6, 7];
    const result = await run(stateChange(7, "Rejected"));
    expect(result.end).toBe("Released");
    expect(aws.parameters.get(POINTER)).toBe(V6);
    expect(aws.parameters.get(RELEASED_VERSION)).toBe("6");
    // v6 was staged by its own release: the conditional write finds the same bytes and writes nothing.
    expect(ops().slice(0, 7)).toEqual([
      "SSM.GetParameter",
      "SageMaker.ListModelPackages",
      "SageMaker.DescribeModelPackage",
      "S3.GetObject",
      "S3.GetObject",
      "S3.PutObject",
      "S3.GetObject",
    ]);
    expect(aws.log[5]).toEqual(["S3.PutObject", expect.objectContaining({ Key: "releases/v6/model.json", IfNoneMatch: "*" })]);
    expect(aws.log.find(([op]) => op === "SNS.Publish")?.[1]).toMatchObject({
      Message: expect.stringMatching(/^Model package version 6 is released to dev \(released version 7 rejected; re-releasing version 6\)/),
    });
  });

  it("notifies a failure to stage and releases nothing", async () => {
    aws.objects.set(`${MODEL_BUCKET}/releases/v7/model.json`, Buffer.from("{}"));
    const result = await run(stateChange(7, "Approved"));
    expect(result.end).toBe("Failed");
    expect(result.error?.Error).toBe("StagedModelConflict");
    expect(ops()).not.toContain("ECS.UpdateService");
    expect(aws.parameters.get(POINTER)).toBe(BOOTSTRAP_URI);
    expect(ops().at(-1)).toBe("SNS.Publish");
  });
});
