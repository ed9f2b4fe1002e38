// The ReleaseWorkflow under mocks: the rule's pattern (this group's Approved and Rejected packages only), the roles'
// trust (EventBridge for this rule only, Step Functions and Lambda for this account only) and least privilege (each
// action on exactly the resources it needs), and the state machine's definition and logging (the settings' rules: args.test.ts).
import { beforeAll, describe, expect, it } from "vitest";
import { ReleaseWorkflow } from "../../components/release-workflow";
import type { ParallelState, StateMachineDefinition, TaskState } from "../../components/release-workflow/asl";
import type { PolicyDocument, PolicyStatement } from "../../components/iam";
import { tasksWithoutRetryOrCatch } from "../../components/training-workflow/asl";
import { one, planProgram, type Plan } from "../support/offline";
import { inputsOf, parseDocument, policyDocument } from "../support/resources";

const ACCOUNT = "123456789012";
const REGION = "eu-west-1";
const MODEL_BUCKET_ARN = "arn:aws:s3:::dev-models-bucket-7810fb4";
const DATA_BUCKET_ARN = "arn:aws:s3:::dev-data-bucket-1a2b3c4";
const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:dev-alarms`;
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ALARM_ARNS = ["dev-alarm-5xx-rate", "dev-alarm-p99-latency"].map((n) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${n}`);
const CANARY = `arn:aws:iot:${REGION}:${ACCOUNT}:thinggroup/edge-mlops-fleet-canary`;
const FLEET = `arn:aws:iot:${REGION}:${ACCOUNT}:thinggroup/edge-mlops-fleet-fleet`;
// asl-validator 4 ships no type declarations; it writes QueryLanguage into what it checks, so it is given a copy.
const aslValidator = require("asl-validator") as (definition: unknown) => { errors: unknown[] };
const param = (name: string) => `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${name}`;

/** Every Allow of a document as `action → resources`, so a test states the whole grant at once. */
function grants(doc: PolicyDocument): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const st of doc.Statement as PolicyStatement[]) {
    if (st.Effect !== "Allow") continue;
    for (const action of [st.Action].flat()) out[action] = [...(out[action] ?? []), ...[st.Resource ?? []].flat()].sort();
  }
  return out;
}

describe("ReleaseWorkflow under mocks", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planProgram(() => {
      new ReleaseWorkflow("dev", {
        stack: "dev",
        region: REGION,
        rollout: { checkIntervalSeconds: 20, maxChecks: 30 },
        modelBucketName: "dev-models-bucket-7810fb4",
        modelBucketArn: MODEL_BUCKET_ARN,
        modelPackageGroupName: "edge-mlops-dev-abalone",
        dataBucketArn: DATA_BUCKET_ARN,
        service: { clusterName: "dev-cluster", serviceName: "dev-service", healthAlarmNames: ["dev-alarm-5xx-rate", "dev-alarm-p99-latency"], healthAlarmArns: ALARM_ARNS },
        alarmTopicArn: TOPIC,
        alarmTopicKmsKeyArn: KEY,
      });
      new ReleaseWorkflow("fleet", {
        stack: "fleet",
        region: REGION,
        modelBucketName: "fleet-models-bucket-1234567",
        modelBucketArn: "arn:aws:s3:::fleet-models-bucket-1234567",
        modelPackageGroupName: "edge-mlops-fleet-abalone",
        dataBucketArn: DATA_BUCKET_ARN,
        service: { clusterName: "fleet-cluster", serviceName: "fleet-service", healthAlarmNames: [], healthAlarmArns: [] },
        alarmTopicArn: TOPIC,
        edge: { canary: { waitSeconds: 999, successThreshold: 0.5, maxChecks: 7 } },
        edgeFleet: {
          canaryGroupArn: CANARY,
          fleetGroupArn: FLEET,
          componentName: "edge-mlops-fleet-model",
          deploymentPolicies: { failureHandlingPolicy: "ROLLBACK", componentUpdatePolicy: { action: "NOTIFY_COMPONENTS", timeoutInSeconds: 60 }, configurationValidationPolicy: { timeoutInSeconds: 30 } },
          iotJobConfiguration: {
            jobExecutionsRolloutConfig: { maximumPerMinute: 10 },
            abortConfig: { criteriaList: [{ action: "CANCEL", failureType: "ALL", minNumberOfExecutedThings: 10, thresholdPercentage: 10 }] },
            timeoutConfig: { inProgressTimeoutInMinutes: 60 },
          },
        },
      });
    });
  });

  it("with an edge fleet, runs the edge branch beside the cloud one, through release-edge, and the whole definition is valid ASL", () => {
    const definition = parseDocument<StateMachineDefinition>(inputsOf(plan, "aws:sfn/stateMachine:StateMachine", "fleet-release").definition);
    const branches = (definition.States.Rollout as ParallelState).Branches;
    expect(branches.map((b) => b.StartAt)).toEqual(["ReadPointer", "StartEdge"]);
    const result = aslValidator(JSON.parse(JSON.stringify(definition)));
    expect(result.errors).toEqual([]);
    expect(tasksWithoutRetryOrCatch(definition)).toEqual([]);
    const edgeFn = one(plan, "aws:lambda/function:Function", "fleet-release-edge-fn");
    const g = grants(policyDocument(inputsOf(plan, "aws:iam/rolePolicy:RolePolicy", "fleet-release-policy").policy));
    expect(g["lambda:InvokeFunction"]).toEqual(expect.arrayContaining([edgeFn.arn, `${edgeFn.arn}:*`]));
    const edge = grants(policyDocument(inputsOf(plan, "aws:iam/rolePolicy:RolePolicy", "fleet-release-edge-policy").policy));
    expect(edge["greengrass:CreateDeployment"]).toEqual([CANARY, FLEET].sort());
    expect(edge["greengrass:CreateComponentVersion"]).toEqual([
      `arn:aws:greengrass:${REGION}:${ACCOUNT}:components:edge-mlops-fleet-model`,
      `arn:aws:greengrass:${REGION}:${ACCOUNT}:components:edge-mlops-fleet-model:versions:*`,
    ]);
    expect(Object.keys(inputsOf(plan, "aws:lambda/function:Function", "fleet-release-edge-fn").environment?.variables ?? {})).toEqual(["STACK", "DEPLOYMENT_POLICIES", "IOT_JOB_CONFIGURATION"]);
    expect(() => one(plan, "aws:lambda/function:Function", "dev-release-edge-fn")).toThrow();
  });

  it("waits for the canary as the stack's release.edge settings say", () => {
    const definition = inputsOf(plan, "aws:sfn/stateMachine:StateMachine", "fleet-release").definition;
    const states = JSON.stringify(parseDocument<StateMachineDefinition>(definition));
    expect(states).toContain('"Seconds":999');
    expect(states).toContain('"successThreshold":0.5');
    expect(states).toContain('"NumericGreaterThanEquals":7');
  });

  it("starts on SageMaker's Approved and Rejected state changes of this stack's group only", () => {
    const rule = inputsOf(plan, "aws:cloudwatch/eventRule:EventRule", "dev-release-trigger");
    expect(parseDocument(rule.eventPattern)).toEqual({
      source: ["aws.sagemaker"],
      "detail-type": ["SageMaker Model Package State Change"],
      detail: { ModelPackageGroupName: ["edge-mlops-dev-abalone"], ModelApprovalStatus: ["Approved", "Rejected"] },
    });
    expect(rule.state).toBe("ENABLED");
    const target = inputsOf(plan, "aws:cloudwatch/eventTarget:EventTarget", "dev-release-target");
    const machine = one(plan, "aws:sfn/stateMachine:StateMachine", "dev-release");
    expect(target.arn).toBe(machine.arn);
  });

  it("lets EventBridge assume the trigger role only for this rule of this account, to start only this state machine", () => {
    const rule = one(plan, "aws:cloudwatch/eventRule:EventRule", "dev-release-trigger");
    const ruleArn = `arn:aws:events:${REGION}:${ACCOUNT}:rule/${String(rule.id)}`;
    expect(parseDocument(inputsOf(plan, "aws:iam/role:Role", "dev-release-trigger-role").assumeRolePolicy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": ruleArn } },
        },
      ],
    });
    const machineArn = one(plan, "aws:sfn/stateMachine:StateMachine", "dev-release").arn as string;
    expect(grants(policyDocument(inputsOf(plan, "aws:iam/rolePolicy:RolePolicy", "dev-release-trigger-policy").policy))).toEqual({ "states:StartExecution": [machineArn] });
  });

  it("gives the state machine its functions, the pointer (read), the released version (put), the group's packages (tag) and the topic", () => {
    const fns = ["resolve", "stage", "cloud"].map((f) => one(plan, "aws:lambda/function:Function", `dev-release-${f}-fn`).arn as string);
    const g = grants(policyDocument(inputsOf(plan, "aws:iam/rolePolicy:RolePolicy", "dev-release-policy").policy));
    expect(g["lambda:InvokeFunction"]).toEqual(fns.flatMap((f) => [f, `${f}:*`]).sort());
    expect(g["ssm:GetParameter"]).toEqual([param("/edge-mlops/dev/inference/current-model")]);
    expect(g["ssm:PutParameter"]).toEqual([param("/edge-mlops/dev/release/released-version")]);
    expect(g["sagemaker:AddTags"]).toEqual([`arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/edge-mlops-dev-abalone/*`]);
    expect(g["sns:Publish"]).toEqual([TOPIC]);
    expect(g["kms:GenerateDataKey*"]).toEqual([KEY]);
    // Only log delivery and X-Ray, which have no resource-level permissions, are granted on "*".
    expect(Object.entries(g).filter(([, r]) => r.includes("*")).map(([a]) => a.split(":")[0])).toEqual(Array(12).fill(0).map((_, i) => (i < 8 ? "logs" : "xray")));
    expect(Object.keys(g).filter((a) => /^(s3|ecs|cloudwatch):/.test(a))).toEqual([]);
  });

  it("limits each function to what its handler calls", () => {
    const fn = (f: string) => {
      const g = grants(policyDocument(inputsOf(plan, "aws:iam/rolePolicy:RolePolicy", `dev-release-${f}-policy`).policy));
      delete g["logs:CreateLogStream"];
      delete g["logs:PutLogEvents"];
      delete g["xray:PutTraceSegments"];
      delete g["xray:PutTelemetryRecords"];
      return g;
    };
    expect(fn("resolve")).toEqual({ "ssm:GetParameter": [param("/edge-mlops/dev/release/released-version")], "sagemaker:ListModelPackages": ["*"] });
    expect(fn("stage")).toEqual({
      "sagemaker:DescribeModelPackage": [`arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/edge-mlops-dev-abalone/*`],
      "s3:GetObject": [`${DATA_BUCKET_ARN}/training/*/model.json`, `${MODEL_BUCKET_ARN}/releases/*`, `${MODEL_BUCKET_ARN}/schemas/model.schema.json`],
      "s3:GetObjectVersion": [`${MODEL_BUCKET_ARN}/schemas/model.schema.json`],
      "s3:PutObject": [`${MODEL_BUCKET_ARN}/releases/*`],
    });
    expect(fn("cloud")).toEqual({
      "ssm:PutParameter": [param("/edge-mlops/dev/inference/current-model")],
      "ecs:UpdateService": [`arn:aws:ecs:${REGION}:${ACCOUNT}:service/dev-cluster/dev-service`],
      "ecs:DescribeServices": [`arn:aws:ecs:${REGION}:${ACCOUNT}:service/dev-cluster/dev-service`],
      "cloudwatch:DescribeAlarms": ALARM_ARNS,
    });
  });

  it("gives each function its environment, release-stage the schema object's version", () => {
    const schema = one(plan, "aws:s3/bucketObjectv2:BucketObjectv2", "dev-model-schema");
    expect(schema.inputs).toMatchObject({ key: "schemas/model.schema.json", bucket: "dev-models-bucket-7810fb4" });
    expect(schema.inputs.source).toEqual({ asset: "file", path: "service/model/model.schema.json" });
    expect(inputsOf(plan, "aws:lambda/function:Function", "dev-release-stage-fn").environment?.variables).toEqual({
      MODEL_BUCKET: "dev-models-bucket-7810fb4",
      MODEL_PACKAGE_GROUP_NAME: "edge-mlops-dev-abalone",
      MODEL_SCHEMA_KEY: "schemas/model.schema.json",
      // The mocks' versionId follows the object's content, as S3 gives a new version to new content.
      MODEL_SCHEMA_VERSION_ID: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(inputsOf(plan, "aws:lambda/function:Function", "dev-release-cloud-fn").environment?.variables).toEqual({
      CLUSTER_NAME: "dev-cluster",
      SERVICE_NAME: "dev-service",
      POINTER_PARAMETER: "/edge-mlops/dev/inference/current-model",
    });
  });

  it("runs the definition with the configured checks and health alarms, logged and traced", () => {
    const machine = inputsOf(plan, "aws:sfn/stateMachine:StateMachine", "dev-release");
    expect(machine).toMatchObject({ name: "edge-mlops-dev-release", type: "STANDARD", tracingConfiguration: { enabled: true } });
    expect(machine.loggingConfiguration).toMatchObject({ level: "ALL", includeExecutionData: true });
    const definition = parseDocument<StateMachineDefinition>(machine.definition);
    const cloud = (definition.States.Rollout as ParallelState).Branches[0]!;
    expect(cloud.States.WaitForRollout).toMatchObject({ Seconds: 20 });
    expect((cloud.States.CheckRollout as TaskState).Parameters.Payload).toMatchObject({ maxAttempts: 30, alarmNames: ["dev-alarm-5xx-rate", "dev-alarm-p99-latency"] });
  });
});
