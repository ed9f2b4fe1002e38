// The contract between index.ts and the deploy: the offline plan's stack outputs are what scripts/gate.ts reads, the
// task definition the gate expects is the one the ECS service is given, and a stack runs the image the deploy
// promotes (inference.image.existing) on Fargate and on the devices alike.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect, it } from "vitest";
import { parseStackOutputs } from "../../scripts/gate";
import type { Plan } from "../../scripts/offline/run";

const ROOT = path.resolve(__dirname, "../..");
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "gate-outputs-"));

function plan(stack: string, ...args: string[]): Plan {
  const json = path.join(TMP, `${stack}.json`);
  const run = spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), ["scripts/plan.ts", "--stack", stack, "--json", json, ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  expect(run.stderr).toBe("");
  return JSON.parse(fs.readFileSync(json, "utf8")) as Plan;
}

it("the dev plan's outputs parse as the gate's, naming the planned cluster, service and task definition", () => {
  const dev = plan("dev");
  const outputs = parseStackOutputs(JSON.stringify(dev.outputs), "dev", "the dev plan");
  const one = (type: string, name: string) => dev.resources.find((r) => r.type === type && r.name === name)!;
  const service = one("aws:ecs/service:Service", "dev-service");
  expect(service.inputs.taskDefinition).toBe(outputs.inferenceTaskDefinitionArn);
  expect(service.inputs.cluster).toMatch(new RegExp(`:cluster/${outputs.inferenceClusterName}$`));
  expect(outputs.inferenceServiceName).toMatch(/^dev-service-[0-9a-f]{7}$/);
  expect(outputs.currentModelParameter).toBe("/edge-mlops/dev/inference/current-model");
  // Every alarm of the stack notifies the topic the gate filters on (DescribeAlarms ActionPrefix).
  const alarms = dev.resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm");
  expect(alarms.length).toBeGreaterThan(0);
  for (const alarm of alarms) expect(alarm.inputs.alarmActions).toEqual([outputs.alarmTopicArn]);
});

it("prod runs a promoted image by digest: nothing is built, and the tasks and the devices may pull it from its repository", () => {
  const image = `999988887777.dkr.ecr.eu-west-1.amazonaws.com/edge-mlops/inference@sha256:${"ab".repeat(32)}`;
  const file = path.join(TMP, "Pulumi.prod.yaml");
  const text = fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8");
  fs.writeFileSync(file, text.replace(/^  edge-mlops:inference:\n/m, `  edge-mlops:inference:\n    image:\n      existing: ${image}\n`));
  const prod = plan("prod", "--config-file", file);
  expect(prod.outputs.imageRef).toBe(image);
  expect(prod.resources.filter((r) => r.type.startsWith("docker:"))).toEqual([]);
  const task = prod.resources.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition")!;
  expect(JSON.parse(task.inputs.containerDefinitions as string)[0].image).toBe(image);
  const pulling = prod.resources.filter((r) => JSON.stringify(r.inputs).includes("arn:aws:ecr:eu-west-1:999988887777:repository/edge-mlops/inference")).map((r) => r.name);
  expect(pulling.sort()).toEqual(["prod-execution-policy", "prod-token-exchange-policy"]);
});
