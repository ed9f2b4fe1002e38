// `npm run gate` end to end, as the deploy runs it: the CLI in its own process with the real AWS SDK clients, against
// moto's emulator (ECS, CloudWatch, SSM, S3 on 127.0.0.1) and the real model server on loopback. What moto cannot do
// (a rollout that fails, a circuit breaker) is covered by the recorded answers in gate.test.ts.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from "@aws-sdk/client-cloudwatch";
import { CreateClusterCommand, CreateServiceCommand, ECSClient, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { motoServerForFile, REGION } from "../support/moto";
import { modelText, startService } from "../service/support";

// moto reports a service's deployment COMPLETED once this many tasks run (its stand-in for a finished rollout).
process.env.MOTO_ECS_SERVICE_RUNNING = "1";
const moto = motoServerForFile();

const ROOT = path.resolve(__dirname, "../..");
const TOPIC = `arn:aws:sns:${REGION}:123456789012:dev-alarms-1a2b3c4`;
const OUTPUTS = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gate-moto-")), "outputs.json");

let server: Awaited<ReturnType<typeof startService>>;
let revisions: string[];
const cloudwatch = () => new CloudWatchClient({});

beforeAll(async () => {
  server = await startService();
  const ecs = new ECSClient({});
  await ecs.send(new CreateClusterCommand({ clusterName: "dev-cluster-abc1234" }));
  const register = () =>
    ecs.send(
      new RegisterTaskDefinitionCommand({
        family: "dev-inference",
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: "256",
        memory: "512",
        containerDefinitions: [{ name: "inference", image: `123456789012.dkr.ecr.${REGION}.amazonaws.com/inference@sha256:${"ab".repeat(32)}`, essential: true }],
      }),
    );
  revisions = [(await register()).taskDefinition!.taskDefinitionArn!, (await register()).taskDefinition!.taskDefinitionArn!];
  await ecs.send(new CreateServiceCommand({ cluster: "dev-cluster-abc1234", serviceName: "dev-service-abc1234", taskDefinition: revisions[0], desiredCount: 1, launchType: "FARGATE" }));
  const s3 = new S3Client({});
  await s3.send(new CreateBucketCommand({ Bucket: "dev-models-1a2b3c4", CreateBucketConfiguration: { LocationConstraint: REGION } }));
  await s3.send(new PutObjectCommand({ Bucket: "dev-models-1a2b3c4", Key: "releases/bootstrap/model.json", Body: modelText() }));
  await new SSMClient({}).send(new PutParameterCommand({ Name: "/edge-mlops/dev/inference/current-model", Type: "String", Value: "s3://dev-models-1a2b3c4/releases/bootstrap/model.json" }));
  const alarm = (name: string, topic: string) =>
    cloudwatch().send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        Namespace: "AWS/ApplicationELB",
        MetricName: "HTTPCode_Target_5XX_Count",
        Statistic: "Sum",
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 5,
        ComparisonOperator: "GreaterThanThreshold",
        AlarmActions: [topic],
      }),
    );
  await alarm("dev-5xx-1a2b3c4", TOPIC);
  // Another stack's alarm, in ALARM: not this stack's, so it must not fail the gate.
  await alarm("staging-5xx-9f8e7d6", `arn:aws:sns:${REGION}:123456789012:staging-alarms-9f8e7d6`);
  await cloudwatch().send(new SetAlarmStateCommand({ AlarmName: "staging-5xx-9f8e7d6", StateValue: "ALARM", StateReason: "other stack" }));
}, 60_000);

afterAll(async () => {
  await server?.service.shutdown(1_000);
});

function gate(taskDefinitionArn: string) {
  const outputs = {
    serviceUrl: `http://127.0.0.1:${server.port}`,
    inferenceClusterName: "dev-cluster-abc1234",
    inferenceServiceName: "dev-service-abc1234",
    inferenceTaskDefinitionArn: taskDefinitionArn,
    alarmTopicArn: TOPIC,
    currentModelParameter: "/edge-mlops/dev/inference/current-model",
    stackTags: { stack: "dev" },
  };
  fs.writeFileSync(OUTPUTS, JSON.stringify(outputs));
  // The CLI inherits AWS_ENDPOINT_URL and the test credentials (useEndpoint); an endpoint that is an IP address makes
  // S3 use path-style requests, which moto serves.
  const env = { ...process.env, NODE_NO_WARNINGS: "1" };
  // Asynchronous: the model server answering the CLI runs in this process.
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const args = ["scripts/gate.ts", "--stack", "dev", "--outputs", OUTPUTS, "--rollout-timeout", "0", "--http-attempts", "1"];
    execFile(path.join(ROOT, "node_modules/.bin/tsx"), args, { cwd: ROOT, env, encoding: "utf8", timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? ((err as { code?: number }).code ?? null) : 0, stdout: stdout.trim(), stderr: stderr.trim() });
    });
  });
}

it("passes: moto's service runs the expected revision, COMPLETED; the server answers; this stack's alarm is OK", async () => {
  expect(moto().url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(await gate(revisions[0]!)).toEqual({ status: 0, stdout: `gate dev: passed (rollout COMPLETED on ${revisions[0]}, http://127.0.0.1:${server.port} answers, no alarm in ALARM)`, stderr: "" });
});

it("fails with one line when the service runs another revision than the stack's", async () => {
  const run = await gate(revisions[1]!);
  expect([run.status, run.stdout]).toEqual([1, ""]);
  expect(run.stderr).toBe(
    `gate dev: FAILED rollout: the service runs ${revisions[0]} (COMPLETED: ECS deployment ${/ecs-svc\/\d+/.exec(run.stderr)?.[0]} completed.), not ${revisions[1]} (rolled back or replaced by another deployment)`,
  );
});

it("fails with one line when this stack's alarm is in ALARM", async () => {
  await cloudwatch().send(new SetAlarmStateCommand({ AlarmName: "dev-5xx-1a2b3c4", StateValue: "ALARM", StateReason: "Threshold Crossed: 12 > 5" }));
  expect(await gate(revisions[0]!)).toEqual({ status: 1, stdout: "", stderr: "gate dev: FAILED alarms: dev-5xx-1a2b3c4 is in ALARM: Threshold Crossed: 12 > 5" });
});
