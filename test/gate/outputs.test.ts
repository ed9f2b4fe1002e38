// The contract between index.ts and the deploy gate: the offline plan's stack outputs are what scripts/gate.ts reads,
// and the task definition the gate expects is the one the ECS service is given.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect, it } from "vitest";
import { parseStackOutputs } from "../../scripts/gate";
import type { Plan } from "../../scripts/offline/run";

const ROOT = path.resolve(__dirname, "../..");

it("the dev plan's outputs parse as the gate's, naming the planned cluster, service and task definition", () => {
  const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gate-outputs-")), "dev.json");
  const run = spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), ["scripts/plan.ts", "--stack", "dev", "--json", json], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  expect(run.stderr).toBe("");
  const plan = JSON.parse(fs.readFileSync(json, "utf8")) as Plan;
  const outputs = parseStackOutputs(JSON.stringify(plan.outputs), "dev", json);
  const one = (type: string, name: string) => plan.resources.find((r) => r.type === type && r.name === name)!;
  const service = one("aws:ecs/service:Service", "dev-service");
  expect(service.inputs.taskDefinition).toBe(outputs.inferenceTaskDefinitionArn);
  expect(service.inputs.cluster).toMatch(new RegExp(`:cluster/${outputs.inferenceClusterName}$`));
  expect(outputs.inferenceServiceName).toMatch(/^dev-service-[0-9a-f]{7}$/);
  expect(outputs.currentModelParameter).toBe("/edge-mlops/dev/inference/current-model");
  // Every alarm of the stack notifies the topic the gate filters on (DescribeAlarms ActionPrefix).
  const alarms = plan.resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm");
  expect(alarms.length).toBeGreaterThan(0);
  for (const alarm of alarms) expect(alarm.inputs.alarmActions).toEqual([outputs.alarmTopicArn]);
});
