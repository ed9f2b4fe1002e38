import { createHash } from "node:crypto";
import {
  CreateExperimentCommand,
  CreateTrialCommand,
  ResourceInUse,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { handler } from "../../lambda/create-experiment/index";
import { jobName, jobPrefix, MAX_JOB_NAME_LENGTH, MAX_JOB_PREFIX_LENGTH } from "../../contracts/training-run";

const sagemaker = mockClient(SageMakerClient);
const JOB_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const EXECUTION_ARN = "arn:aws:states:eu-west-1:123456789012:execution:edge-mlops-dev-training:run-42";

function hash10(name: string, start: string): string {
  return createHash("sha256").update(`${name}\n${start}`).digest("hex").slice(0, 10);
}

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: {} });
}

beforeEach(() => {
  sagemaker.reset();
  delete process.env.PIPELINE_NAME;
});
afterEach(() => {
  delete process.env.PIPELINE_NAME;
});

describe("create-experiment", () => {
  it("creates the experiment and the execution's trial, and returns the run's names", async () => {
    sagemaker.on(CreateExperimentCommand).resolves({ ExperimentArn: "arn:experiment" });
    sagemaker.on(CreateTrialCommand).resolves({ TrialArn: "arn:trial" });
    const start = "2025-03-01T10:00:00.123Z";
    const result = await handler({
      executionName: "run-42",
      executionStartTime: start,
      executionArn: EXECUTION_ARN,
      pipelineName: "edge-mlops-dev",
      dataPrefix: "s3://edge-mlops-dev-data/offline-store/abalone",
    });
    const prefix = `edge-mlops-dev-run-42-${hash10("run-42", start)}`;
    expect(result).toEqual({ experimentName: "edge-mlops-dev", trialName: prefix, jobPrefix: prefix });
    expect(sagemaker.commandCalls(CreateExperimentCommand).map((c) => c.args[0].input)).toEqual([
      { ExperimentName: "edge-mlops-dev", Description: "Training runs of the edge-mlops-dev workflow" },
    ]);
    expect(sagemaker.commandCalls(CreateTrialCommand).map((c) => c.args[0].input)).toEqual([
      {
        TrialName: prefix,
        ExperimentName: "edge-mlops-dev",
        MetadataProperties: { GeneratedBy: EXECUTION_ARN },
        Tags: [{ Key: "edge-mlops:data-prefix", Value: "s3://edge-mlops-dev-data/offline-store/abalone" }],
      },
    ]);
    expect(sagemaker.calls()).toHaveLength(2);
  });

  it("takes the pipeline name from PIPELINE_NAME when the event has none", async () => {
    process.env.PIPELINE_NAME = "edge-mlops-prod";
    sagemaker.on(CreateExperimentCommand).resolves({});
    sagemaker.on(CreateTrialCommand).resolves({});
    const result = await handler({ executionName: "nightly" });
    expect(result.experimentName).toBe("edge-mlops-prod");
    expect(result.jobPrefix).toBe(`edge-mlops-prod-nightly-${hash10("nightly", "")}`);
    expect(sagemaker.commandCalls(CreateTrialCommand)[0].args[0].input).toEqual({
      TrialName: result.trialName,
      ExperimentName: "edge-mlops-prod",
    });
  });

  it("is idempotent: an existing experiment or trial is not an error", async () => {
    sagemaker
      .on(CreateExperimentCommand)
      .rejects(new ResourceInUse({ message: "Experiment edge-mlops-dev already exists", $metadata: {} }));
    sagemaker
      .on(CreateTrialCommand)
      .rejects(awsError("ValidationException", "Trial names must be unique within an AWS account and region"));
    const first = await handler({ executionName: "run-1", pipelineName: "edge-mlops-dev" });
    const second = await handler({ executionName: "run-1", pipelineName: "edge-mlops-dev" });
    expect(second).toEqual(first);
    expect(sagemaker.commandCalls(CreateTrialCommand)).toHaveLength(2);
  });

  it("lets other AWS errors through with their names, for Step Functions to retry", async () => {
    sagemaker.on(CreateExperimentCommand).resolves({});
    sagemaker.on(CreateTrialCommand).rejects(awsError("ThrottlingException", "Rate exceeded"));
    await expect(handler({ executionName: "run-1", pipelineName: "edge-mlops-dev" })).rejects.toMatchObject({
      name: "ThrottlingException",
      message: "Rate exceeded",
    });
    sagemaker.reset();
    sagemaker.on(CreateExperimentCommand).rejects(awsError("ValidationException", "1 validation error detected"));
    await expect(handler({ executionName: "run-1", pipelineName: "edge-mlops-dev" })).rejects.toMatchObject({
      name: "ValidationException",
    });
    expect(sagemaker.commandCalls(CreateTrialCommand)).toHaveLength(0);
  });

  it.each([
    [undefined, "invalid event: event: expected object, got nothing"],
    [{}, "invalid event: event.executionName: expected string, got nothing"],
    [{ executionName: "" }, "invalid event: event.executionName: must be at least 1 character(s) long"],
    [{ executionName: 42 }, "invalid event: event.executionName: expected string, got 42"],
    [
      { executionName: "r", pipelineName: "-bad-" },
      'invalid event: event.pipelineName: "-bad-" does not match /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$/',
    ],
    [
      { executionName: "r", pipelineName: "p", dataPrefix: "https://x" },
      `invalid event: event.dataPrefix: "https://x" does not match ${"/^s3:\\/\\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\\/[A-Za-z0-9_.\\/=+@-]*)?$/"}`,
    ],
    [{ executionName: "r" }, "invalid event: event.pipelineName: missing, and PIPELINE_NAME is not set"],
  ])("rejects the event %j before any AWS call", async (event, message) => {
    await expect(handler(event)).rejects.toMatchObject({ name: "InvalidEvent", message });
    expect(sagemaker.calls()).toHaveLength(0);
  });

  it("rejects a malformed PIPELINE_NAME before any AWS call", async () => {
    process.env.PIPELINE_NAME = "has space";
    await expect(handler({ executionName: "r" })).rejects.toMatchObject({
      name: "InvalidConfiguration",
      message: 'invalid environment: env.PIPELINE_NAME: "has space" does not match /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$/',
    });
    expect(sagemaker.calls()).toHaveLength(0);
  });
});

describe("job names", () => {
  it("fit SageMaker's 63-character rule for the longest pipeline and execution names", () => {
    const pipeline = "p".repeat(32);
    const execution = "x".repeat(80);
    const prefix = jobPrefix(pipeline, execution, "2025-01-01T00:00:00Z");
    expect(prefix).toHaveLength(MAX_JOB_PREFIX_LENGTH);
    for (const job of ["preprocess", "train", "evaluate"] as const) {
      const name = jobName(prefix, job);
      expect(name.length).toBeLessThanOrEqual(MAX_JOB_NAME_LENGTH);
      expect(name).toMatch(JOB_NAME);
      expect(name.startsWith(`${pipeline}-`)).toBe(true);
    }
  });

  it("turn any execution name into valid characters and stay unique per execution and start time", () => {
    const a = jobPrefix("edge-mlops-dev", "Run_2025.03.01 (manual)", "2025-03-01T00:00:00Z");
    expect(a).toMatch(/^edge-mlops-dev-Run-2025-03-01-manual-[0-9a-f]{10}$/);
    expect(`${a}-train`).toMatch(JOB_NAME);
    const names = new Set([
      a,
      jobPrefix("edge-mlops-dev", "Run_2025.03.01 (manual)", "2025-06-01T00:00:00Z"),
      jobPrefix("edge-mlops-dev", "Run-2025-03-01-manual", "2025-03-01T00:00:00Z"),
      jobPrefix("edge-mlops-dev", "___", "2025-03-01T00:00:00Z"),
    ]);
    expect(names.size).toBe(4);
    expect(jobPrefix("edge-mlops-dev", "___")).toMatch(/^edge-mlops-dev-[0-9a-f]{10}$/);
    expect(() => jobPrefix("p".repeat(33), "x")).toThrow(/must be 1-32 letters, digits and hyphens/);
  });
});
