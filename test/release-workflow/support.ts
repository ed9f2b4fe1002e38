// What the release workflow's tests share: example definition args, and an in-memory AWS behind the real release
// handlers (aws-sdk-client-mock fakes that keep SSM parameters, S3 objects and ECS deployments as state), so a
// simulated execution runs lambda/release-* for real and every AWS call, the handlers' and the state machine's own
// integrations alike, lands in one ordered log.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { GetObjectCommand, type GetObjectCommandOutput, PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { DescribeModelPackageCommand, ListModelPackagesCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { GetParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import type { ReleaseDefinitionArgs } from "../../components/release-workflow/definition-args";
import { currentModelParameterName, releasedVersionParameterName } from "../../contracts/model-release";
import { vi } from "vitest";
import { TaskError, type Json, type Respond } from "./simulate";

export const ACCOUNT = "123456789012";
export const REGION = "eu-west-1";
export const STACK = "dev";
export const GROUP = "edge-mlops-dev-abalone";
export const MODEL_BUCKET = "edge-mlops-dev-models-0a1b2c3";
export const DATA_BUCKET = "edge-mlops-dev-data-4d5e6f7";
export const SCHEMA_KEY = "schemas/model.schema.json";
export const POINTER = currentModelParameterName(STACK);
export const RELEASED_VERSION = releasedVersionParameterName(STACK);
export const BOOTSTRAP_URI = `s3://${MODEL_BUCKET}/releases/bootstrap/model.json`;
export const TASK_DEF = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/dev-task:12`;
export const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:dev-alarms`;
export const HEALTH_ALARMS = ["dev-alarm-5xx-rate", "dev-alarm-p99-latency"];
const fn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:dev-release-${name}`;
export const packageArn = (v: number) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/${GROUP}/${v}`;

export const EXAMPLE_DEFINITION_ARGS: ReleaseDefinitionArgs = {
  stack: STACK,
  resolveFunctionArn: fn("resolve"),
  stageFunctionArn: fn("stage"),
  cloudFunctionArn: fn("cloud"),
  pointerParameterName: POINTER,
  releasedVersionParameterName: RELEASED_VERSION,
  alarmTopicArn: TOPIC,
  healthAlarmNames: HEALTH_ALARMS,
  rollout: { checkIntervalSeconds: 30, maxChecks: 4 },
  lambdaTaskTimeoutSeconds: 150,
};

const ROOT = path.resolve(__dirname, "..", "..");
export const MODEL = fs.readFileSync(path.join(ROOT, "service", "model", "model.json"));
const SCHEMA = fs.readFileSync(path.join(ROOT, "service", "model", "model.schema.json"));
export const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** The "SageMaker Model Package State Change" event EventBridge sends. */
export const stateChange = (version: number, status: "Approved" | "Rejected") => ({
  version: "0",
  id: "5c1b3c39-3b0a-4c8e-9d2e-3f0d2f6c1a11",
  "detail-type": "SageMaker Model Package State Change",
  source: "aws.sagemaker",
  account: ACCOUNT,
  time: "2026-12-01T00:59:00Z",
  region: REGION,
  resources: [packageArn(version)],
  detail: { ModelPackageGroupName: GROUP, ModelPackageVersion: version, ModelPackageArn: packageArn(version), ModelApprovalStatus: status, ModelPackageStatus: "Completed" },
});

/** The world a release runs in: what each call saw and did, in order, and the state it left. */
export interface FakeAws {
  readonly log: [string, Json][];
  readonly parameters: Map<string, string>;
  readonly objects: Map<string, Buffer>;
  /** Rollout states DescribeServices reports for the newest deployment, one per call (the last one repeats). */
  rollouts: string[];
  /** Health alarm states, in HEALTH_ALARMS order. */
  alarmStates: string[];
  /** Approved versions ListModelPackages returns. */
  approved: number[];
  respond: Respond;
}

/**
 * Installs the fakes and the handlers' environment, and loads the handlers afresh (a new execution environment each:
 * release-stage reads the model schema once per environment); call in beforeEach.
 */
export async function fakeAws(): Promise<FakeAws> {
  const log: [string, Json][] = [];
  const parameters = new Map([[POINTER, BOOTSTRAP_URI], [RELEASED_VERSION, "bootstrap"]]);
  const objects = new Map<string, Buffer>([[`${MODEL_BUCKET}/${SCHEMA_KEY}`, SCHEMA]]);
  const record = (op: string, input: unknown) => log.push([op, JSON.parse(JSON.stringify(input, (_k, v: unknown) => (v instanceof Uint8Array ? `<${sha(v)}>` : v))) as Json]);
  let deployments = 111;
  const world: FakeAws = { log, parameters, objects, rollouts: ["COMPLETED"], alarmStates: ["OK", "OK"], approved: [], respond: undefined as unknown as Respond };

  const ssm = mockClient(SSMClient);
  ssm.on(GetParameterCommand).callsFake((input: { Name: string }) => (record("SSM.GetParameter", input), { Parameter: { Name: input.Name, Value: parameters.get(input.Name) } }));
  ssm.on(PutParameterCommand).callsFake((input: { Name: string; Value: string }) => (record("SSM.PutParameter", input), parameters.set(input.Name, input.Value), { Version: 2 }));

  const sagemaker = mockClient(SageMakerClient);
  sagemaker.on(DescribeModelPackageCommand).callsFake((input: { ModelPackageName: string }) => {
    record("SageMaker.DescribeModelPackage", input);
    const version = Number(input.ModelPackageName.split("/").pop());
    objects.set(`${DATA_BUCKET}/training/run-${version}/model/model.json`, MODEL);
    return {
      ModelPackageGroupName: GROUP,
      ModelPackageVersion: version,
      CustomerMetadataProperties: { ModelJsonUri: `s3://${DATA_BUCKET}/training/run-${version}/model/model.json`, ModelJsonSha256: sha(MODEL) },
    };
  });
  sagemaker.on(ListModelPackagesCommand).callsFake((input: unknown) => {
    record("SageMaker.ListModelPackages", input);
    return { ModelPackageSummaryList: world.approved.map((v) => ({ ModelPackageArn: packageArn(v), ModelPackageVersion: v, ModelPackageGroupName: GROUP, ModelPackageStatus: "Completed", CreationTime: new Date(2026, 10, v) })) };
  });

  const s3 = mockClient(S3Client);
  s3.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
    record("S3.GetObject", input);
    const bytes = objects.get(`${input.Bucket}/${input.Key}`);
    if (!bytes) throw new S3ServiceException({ name: "NoSuchKey", $fault: "client", $metadata: { httpStatusCode: 404 } });
    return { Body: { transformToByteArray: async () => new Uint8Array(bytes) } as unknown as GetObjectCommandOutput["Body"], ContentLength: bytes.length };
  });
  s3.on(PutObjectCommand).callsFake((input: { Bucket: string; Key: string; Body: Uint8Array; IfNoneMatch?: string }) => {
    record("S3.PutObject", input);
    const key = `${input.Bucket}/${input.Key}`;
    if (input.IfNoneMatch === "*" && objects.has(key)) throw new S3ServiceException({ name: "PreconditionFailed", $fault: "client", $metadata: { httpStatusCode: 412 } });
    objects.set(key, Buffer.from(input.Body));
    return {};
  });

  const ecs = mockClient(ECSClient);
  let checks = 0;
  ecs.on(UpdateServiceCommand).callsFake((input: unknown) => {
    record("ECS.UpdateService", input);
    deployments += 111;
    checks = 0;
    return { service: { deployments: [{ id: `ecs-svc/${deployments}`, status: "PRIMARY", rolloutState: "IN_PROGRESS", taskDefinition: TASK_DEF }] } };
  });
  ecs.on(DescribeServicesCommand).callsFake((input: unknown) => {
    record("ECS.DescribeServices", input);
    const rolloutState = world.rollouts[Math.min(checks++, world.rollouts.length - 1)];
    return { services: [{ deployments: [{ id: `ecs-svc/${deployments}`, status: "PRIMARY", rolloutState, taskDefinition: TASK_DEF, rolloutStateReason: rolloutState === "FAILED" ? "ECS deployment circuit breaker: tasks failed to start." : undefined }] }] };
  });
  const cloudwatch = mockClient(CloudWatchClient);
  cloudwatch.on(DescribeAlarmsCommand).callsFake((input: unknown) => {
    record("CloudWatch.DescribeAlarms", input);
    return { MetricAlarms: HEALTH_ALARMS.map((AlarmName, i) => ({ AlarmName, StateValue: world.alarmStates[i] })) };
  });

  Object.assign(process.env, {
    MODEL_PACKAGE_GROUP_NAME: GROUP,
    RELEASED_VERSION_PARAMETER: RELEASED_VERSION,
    MODEL_BUCKET,
    MODEL_SCHEMA_KEY: SCHEMA_KEY,
    MODEL_SCHEMA_VERSION_ID: "v-schema-1",
    CLUSTER_NAME: "dev-cluster",
    SERVICE_NAME: "dev-service",
    POINTER_PARAMETER: POINTER,
  });

  vi.resetModules();
  const handlers: Record<string, (event: unknown) => Promise<unknown>> = {
    [EXAMPLE_DEFINITION_ARGS.resolveFunctionArn]: (await import("../../lambda/release-resolve/index")).handler,
    [EXAMPLE_DEFINITION_ARGS.stageFunctionArn]: (await import("../../lambda/release-stage/index")).handler,
    [EXAMPLE_DEFINITION_ARGS.cloudFunctionArn]: (await import("../../lambda/release-cloud/index")).handler,
  };
  world.respond = async (_state, resource, given): Promise<Json> => {
    const p = given as Record<string, Json>;
    switch (resource) {
      case "arn:aws:states:::lambda:invoke":
        try {
          return { Payload: (await handlers[p.FunctionName as string]!(p.Payload)) as Json };
        } catch (err) {
          throw new TaskError((err as Error).name, (err as Error).message);
        }
      case "arn:aws:states:::aws-sdk:ssm:getParameter":
        record("SSM.GetParameter", p);
        return { Parameter: { Name: p.Name, Value: parameters.get(p.Name as string) ?? null } };
      case "arn:aws:states:::aws-sdk:ssm:putParameter":
        record("SSM.PutParameter", p);
        parameters.set(p.Name as string, p.Value as string);
        return { Version: 3 };
      case "arn:aws:states:::aws-sdk:sagemaker:addTags":
        record("SageMaker.AddTags", p);
        return { Tags: p.Tags };
      case "arn:aws:states:::sns:publish":
        record("SNS.Publish", p);
        return { MessageId: "b6e4f1a2-0000-4000-8000-000000000001" };
      default:
        throw new Error(`no fake for ${resource}`);
    }
  };
  return world;
}
