// release-resolve with aws-sdk-client-mock: what an Approved or Rejected model package state change releases, and
// that a bad event or environment is refused before any AWS call.
import { ListModelPackagesCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { handler } from "../../lambda/release-resolve/index";

const sagemaker = mockClient(SageMakerClient);
const ssm = mockClient(SSMClient);
const GROUP = "edge-mlops-dev-abalone";
const PARAMETER = "/edge-mlops/dev/release/released-version";
const arn = (v: number) => `arn:aws:sagemaker:eu-west-1:123456789012:model-package/${GROUP}/${v}`;

const event = (version: number, status: string, group = GROUP) => ({
  version: "0",
  id: "5c1b3c39-3b0a-4c8e-9d2e-3f0d2f6c1a11",
  "detail-type": "SageMaker Model Package State Change",
  source: "aws.sagemaker",
  account: "123456789012",
  time: "2026-11-30T22:00:00Z",
  region: "eu-west-1",
  resources: [arn(version)],
  detail: {
    ModelPackageGroupName: group,
    ModelPackageVersion: version,
    ModelPackageArn: arn(version),
    ModelApprovalStatus: status,
    ModelPackageStatus: "Completed",
  },
});

beforeEach(() => {
  sagemaker.reset();
  ssm.reset();
  process.env.MODEL_PACKAGE_GROUP_NAME = GROUP;
  process.env.RELEASED_VERSION_PARAMETER = PARAMETER;
});
afterEach(() => {
  delete process.env.MODEL_PACKAGE_GROUP_NAME;
  delete process.env.RELEASED_VERSION_PARAMETER;
});

describe("release-resolve", () => {
  it("releases an Approved package without reading anything", async () => {
    expect(await handler(event(7, "Approved"))).toEqual({ release: true, modelPackageArn: arn(7), version: 7, reason: "version 7 approved" });
    expect(sagemaker.calls()).toHaveLength(0);
    expect(ssm.calls()).toHaveLength(0);
  });

  it("re-releases the newest other Approved package when the released one is Rejected", async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: PARAMETER, Value: "7" } });
    sagemaker.on(ListModelPackagesCommand).resolves({
      ModelPackageSummaryList: [4, 7, 6].map((v) => ({
        ModelPackageArn: arn(v),
        ModelPackageVersion: v,
        ModelPackageGroupName: GROUP,
        ModelPackageStatus: "Completed",
        ModelApprovalStatus: "Approved",
        CreationTime: new Date(2026, 10, v),
      })),
    });
    expect(await handler(event(7, "Rejected"))).toEqual({
      release: true,
      modelPackageArn: arn(6),
      version: 6,
      reason: "released version 7 rejected; re-releasing version 6",
    });
    expect(ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input)).toEqual([{ Name: PARAMETER }]);
    expect(sagemaker.commandCalls(ListModelPackagesCommand).map((c) => c.args[0].input)).toEqual([
      {
        ModelPackageGroupName: GROUP,
        ModelApprovalStatus: "Approved",
        ModelPackageType: "Versioned",
        SortBy: "CreationTime",
        SortOrder: "Descending",
        MaxResults: 100,
      },
    ]);
  });

  it("releases nothing when the released one is Rejected and no other is Approved", async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: PARAMETER, Value: "7" } });
    sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [{ ModelPackageArn: arn(7), ModelPackageVersion: 7, ModelPackageGroupName: GROUP, ModelPackageStatus: "Completed", CreationTime: new Date() }] });
    expect(await handler(event(7, "Rejected"))).toEqual({ release: false, reason: "released version 7 rejected; no other Approved version to release" });
  });

  it.each([
    ["6", "version 7 rejected; released is 6: nothing to do"],
    ["bootstrap", "version 7 rejected; released is none: nothing to do"],
  ])("releases nothing when a package other than the released one (%s) is Rejected", async (value, reason) => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: PARAMETER, Value: value } });
    expect(await handler(event(7, "Rejected"))).toEqual({ release: false, reason });
    expect(sagemaker.calls()).toHaveLength(0);
  });

  it.each([
    [event(7, "PendingManualApproval"), 'invalid event: event.detail.ModelApprovalStatus: must be one of "Approved", "Rejected", got "PendingManualApproval"'],
    [event(0, "Approved"), "invalid event: event.detail.ModelPackageVersion: must be >= 1"],
    [{ ...event(7, "Approved"), source: "aws.s3" }, expect.stringMatching(/^invalid event: event\.source: /)],
    [{ detail: {} }, expect.stringMatching(/^invalid event: event\.detail-type: .*; event\.detail\.ModelPackageGroupName: expected string, got nothing/)],
    [event(7, "Approved", "edge-mlops-prod-abalone"), 'invalid event: event.detail.ModelPackageGroupName: "edge-mlops-prod-abalone" is not this stack\'s group "edge-mlops-dev-abalone"'],
  ])("refuses a bad event (%#) before any AWS call", async (bad, message) => {
    await expect(handler(bad)).rejects.toMatchObject({ name: "InvalidEvent", message });
    expect(sagemaker.calls()).toHaveLength(0);
    expect(ssm.calls()).toHaveLength(0);
  });

  it("refuses a missing environment before any AWS call", async () => {
    delete process.env.RELEASED_VERSION_PARAMETER;
    await expect(handler(event(7, "Rejected"))).rejects.toMatchObject({
      name: "InvalidConfiguration",
      message: "invalid environment: env.RELEASED_VERSION_PARAMETER: expected string, got nothing",
    });
    expect(ssm.calls()).toHaveLength(0);
  });
});
