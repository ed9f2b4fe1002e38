import {
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  type ListModelPackagesCommandInput,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decide, handler } from "../../lambda/evaluate-results/index";

const sagemaker = mockClient(SageMakerClient);
const GROUP = "edge-mlops-dev-abalone";
const arn = (v: number) => `arn:aws:sagemaker:eu-west-1:123456789012:model-package/${GROUP}/${v}`;

const LIST_INPUT: ListModelPackagesCommandInput = {
  ModelPackageGroupName: GROUP,
  ModelApprovalStatus: "Approved",
  ModelPackageType: "Versioned",
  SortBy: "CreationTime",
  SortOrder: "Descending",
  MaxResults: 100,
};

/** A group whose Approved packages record these RMSE values (undefined: no metadata). */
function groupWith(rmses: Record<number, string | undefined>, pageSize = 100): void {
  const versions = Object.keys(rmses).map(Number);
  const pages: number[][] = [];
  for (let i = 0; i < versions.length; i += pageSize) pages.push(versions.slice(i, i + pageSize));
  pages.forEach((page, i) => {
    const input = i === 0 ? LIST_INPUT : { ...LIST_INPUT, NextToken: `t${i}` };
    sagemaker.on(ListModelPackagesCommand, input, true).resolves({
      ModelPackageSummaryList: page.map((v) => ({
        ModelPackageArn: arn(v),
        ModelPackageGroupName: GROUP,
        ModelPackageVersion: v,
        CreationTime: new Date(2025, 0, v),
        ModelPackageStatus: "Completed",
        ModelApprovalStatus: "Approved",
      })),
      NextToken: i + 1 < pages.length ? `t${i + 1}` : undefined,
    });
  });
  if (pages.length === 0) sagemaker.on(ListModelPackagesCommand, LIST_INPUT, true).resolves({ ModelPackageSummaryList: [] });
  for (const v of versions) {
    const rmse = rmses[v];
    sagemaker.on(DescribeModelPackageCommand, { ModelPackageName: arn(v) }, true).resolves({
      ModelPackageArn: arn(v),
      ModelPackageName: GROUP,
      CreationTime: new Date(),
      ModelPackageStatus: "Completed",
      CustomerMetadataProperties: rmse === undefined ? undefined : { rmse, modelVersion: `m${v}` },
    });
  }
}

beforeEach(() => {
  sagemaker.reset();
  delete process.env.QUALITY_THRESHOLD_RMSE;
});
afterEach(() => {
  delete process.env.QUALITY_THRESHOLD_RMSE;
});

describe("evaluate-results", () => {
  it("registers a model that passes the threshold and beats the best approved package", async () => {
    groupWith({ 1: "2.4", 2: "2.05", 3: undefined, 4: "not-a-number", 5: "2.2" });
    const result = await handler({
      evaluation: { rmse: 1.9 },
      modelPackageGroupName: GROUP,
      qualityThresholdRmse: 2.5,
    });
    expect(result).toEqual({
      rmse: 1.9,
      thresholdRmse: 2.5,
      baselineRmse: 2.05,
      baselineModelPackageArn: arn(2),
      passesThreshold: true,
      improves: true,
      register: true,
      reason: `RMSE 1.9 meets the quality threshold 2.5 and the best approved model ${arn(2)} has RMSE 2.05`,
    });
    expect(sagemaker.commandCalls(ListModelPackagesCommand).map((c) => c.args[0].input)).toEqual([LIST_INPUT]);
    expect(sagemaker.commandCalls(DescribeModelPackageCommand).map((c) => c.args[0].input.ModelPackageName)).toEqual(
      [1, 2, 3, 4, 5].map(arn),
    );
  });

  it("does not register a model that is no better than the baseline", async () => {
    groupWith({ 7: "1.8" });
    const result = await handler({ evaluation: { rmse: 1.8 }, modelPackageGroupName: GROUP, qualityThresholdRmse: 2.5 });
    expect(result).toMatchObject({ baselineRmse: 1.8, passesThreshold: true, improves: false, register: false });
    expect(result.reason).toBe(`RMSE 1.8 does not improve on the baseline: the best approved model ${arn(7)} has RMSE 1.8`);
  });

  it("does not register a model above the threshold, reading the threshold from QUALITY_THRESHOLD_RMSE", async () => {
    process.env.QUALITY_THRESHOLD_RMSE = "2.0";
    groupWith({});
    const result = await handler({ evaluation: { rmse: 2.1 }, modelPackageGroupName: GROUP });
    expect(result).toEqual({
      rmse: 2.1,
      thresholdRmse: 2,
      baselineRmse: null,
      baselineModelPackageArn: null,
      passesThreshold: false,
      improves: true,
      register: false,
      reason: "RMSE 2.1 is above the quality threshold 2",
    });
  });

  it("prefers the threshold in the event over the environment", async () => {
    process.env.QUALITY_THRESHOLD_RMSE = "1.0";
    groupWith({});
    const result = await handler({ evaluation: { rmse: 1.5 }, modelPackageGroupName: GROUP, qualityThresholdRmse: 3 });
    expect(result).toMatchObject({ thresholdRmse: 3, register: true });
    expect(result.reason).toBe("RMSE 1.5 meets the quality threshold 3 and no approved model has a recorded RMSE yet");
  });

  it("follows ListModelPackages pagination and describes every approved package", async () => {
    const rmses: Record<number, string> = {};
    for (let v = 1; v <= 12; v++) rmses[v] = String(3 - v / 10);
    groupWith(rmses, 5);
    const result = await handler({ evaluation: { rmse: 1.7 }, modelPackageGroupName: GROUP, qualityThresholdRmse: 5 });
    expect(result).toMatchObject({ baselineRmse: 1.8, baselineModelPackageArn: arn(12), register: true });
    expect(sagemaker.commandCalls(ListModelPackagesCommand).map((c) => c.args[0].input.NextToken)).toEqual([
      undefined,
      "t1",
      "t2",
    ]);
    expect(sagemaker.commandCalls(DescribeModelPackageCommand)).toHaveLength(12);
  });

  it("lets AWS errors through with their names, for Step Functions to retry", async () => {
    sagemaker.on(ListModelPackagesCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
    await expect(
      handler({ evaluation: { rmse: 1 }, modelPackageGroupName: GROUP, qualityThresholdRmse: 2 }),
    ).rejects.toMatchObject({ name: "ThrottlingException", message: "Rate exceeded" });
  });

  it.each([
    [{ modelPackageGroupName: GROUP, qualityThresholdRmse: 2 }, "invalid event: event.evaluation: expected object, got nothing"],
    [
      { evaluation: { rmse: "1.2" }, modelPackageGroupName: GROUP, qualityThresholdRmse: 2 },
      'invalid event: event.evaluation.rmse: expected number, got "1.2"',
    ],
    [
      { evaluation: { rmse: -1 }, modelPackageGroupName: GROUP, qualityThresholdRmse: 2 },
      "invalid event: event.evaluation.rmse: must be >= 0",
    ],
    [
      { evaluation: { rmse: 1 }, modelPackageGroupName: "bad_name", qualityThresholdRmse: 2 },
      'invalid event: event.modelPackageGroupName: "bad_name" does not match /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/',
    ],
    [
      { evaluation: { rmse: 1 }, modelPackageGroupName: GROUP, qualityThresholdRmse: 0 },
      "invalid event: event.qualityThresholdRmse: must be > 0",
    ],
    [
      { evaluation: { rmse: 1 }, modelPackageGroupName: GROUP },
      "invalid event: event.qualityThresholdRmse: missing, and QUALITY_THRESHOLD_RMSE is not set",
    ],
  ])("rejects the event %j before any AWS call", async (event, message) => {
    await expect(handler(event)).rejects.toMatchObject({ name: "InvalidEvent", message });
    expect(sagemaker.calls()).toHaveLength(0);
  });

  it.each(["abc", "-1", "0", ""])("rejects QUALITY_THRESHOLD_RMSE=%j before any AWS call", async (value) => {
    process.env.QUALITY_THRESHOLD_RMSE = value;
    await expect(
      handler({ evaluation: { rmse: 1 }, modelPackageGroupName: GROUP, qualityThresholdRmse: 2 }),
    ).rejects.toMatchObject({ name: "InvalidConfiguration", message: expect.stringMatching(/^invalid environment: env\.QUALITY_THRESHOLD_RMSE: /) });
    expect(sagemaker.calls()).toHaveLength(0);
  });
});

describe("decide", () => {
  it("registers only when the RMSE is within the threshold and strictly better than the baseline", () => {
    const baseline = { rmse: 2, modelPackageArn: arn(1) };
    expect(decide(2.5, 2.5, undefined)).toMatchObject({ passesThreshold: true, improves: true, register: true });
    expect(decide(2.6, 2.5, undefined)).toMatchObject({ passesThreshold: false, register: false });
    expect(decide(1.99, 2.5, baseline)).toMatchObject({ improves: true, register: true });
    expect(decide(2, 2.5, baseline)).toMatchObject({ improves: false, register: false });
    expect(decide(3, 2.5, baseline)).toMatchObject({ passesThreshold: false, improves: false, register: false });
  });
});
