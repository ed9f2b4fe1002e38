// The deploy's image tag (scripts/image-tag.ts) is the tag the InferenceService component gives the image it builds,
// and it follows the build inputs only: a change to the server code changes it, a new model does not.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect, it } from "vitest";
import { SERVICE_BUILD_INPUTS } from "../../components/inference-service/args";
import { resolveInferenceServiceArgs } from "../../components/inference-service/resolve";
import { serviceImageTag } from "../../scripts/image-tag";

const ROOT = path.resolve(__dirname, "../..");

it("`npm run image-tag` prints the tag the component gives a build of this tree", () => {
  const run = spawnSync("npm", ["run", "--silent", "image-tag"], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  expect(run.status).toBe(0);
  const built = resolveInferenceServiceArgs({
    region: "eu-west-1",
    vpcId: "vpc-1",
    privateSubnetIds: ["subnet-1"],
    vpcCidrBlock: "10.0.0.0/16",
    modelStore: { bucketArn: "arn:aws:s3:::models", pointerParameterName: "/edge-mlops/dev/inference/current-model", pointerParameterArn: "arn:aws:ssm:eu-west-1:123456789012:parameter/edge-mlops/dev/inference/current-model" },
  }).image;
  expect(built.kind === "build" && built.tag).toMatch(/^[0-9a-f]{16}$/);
  expect(run.stdout).toBe(`${built.kind === "build" ? built.tag : ""}\n`);
});

it("changes with the server code and not with the model", () => {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), "image-tag-"));
  for (const p of [...SERVICE_BUILD_INPUTS, "service/model"]) {
    fs.cpSync(path.join(ROOT, p), path.join(copy, p), { recursive: true });
  }
  const before = serviceImageTag(copy);
  expect(before).toBe(serviceImageTag(ROOT));
  fs.appendFileSync(path.join(copy, "service/model/model.json"), "\n");
  expect(serviceImageTag(copy)).toBe(before);
  fs.appendFileSync(path.join(copy, "service/src/server.ts"), "\n// changed\n");
  expect(serviceImageTag(copy)).not.toBe(before);
});
