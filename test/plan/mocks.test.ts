// The offline plan's mocks outside the three repository stacks: a region's partition shows in what they answer, and a
// call they cannot answer fails with its own message, not with Pulumi's empty `error serializing property "…": `.
import * as aws from "@pulumi/aws";
import { describe, expect, it } from "vitest";
import { SKLEARN_IMAGE_REGISTRY } from "../../components/regions";
import { createMocks, partitionOf } from "../../scripts/offline/mocks";
import { planProgram } from "../support/offline";

describe("partitionOf", () => {
  it.each([
    ["eu-west-1", "aws", "amazonaws.com"],
    ["mx-central-1", "aws", "amazonaws.com"],
    ["cn-northwest-1", "aws-cn", "amazonaws.com.cn"],
    ["us-gov-east-1", "aws-us-gov", "amazonaws.com"],
    ["us-isob-east-1", "aws-iso-b", "sc2s.sgov.gov"],
  ])("%s is in %s (%s)", (region, name, dnsSuffix) => {
    expect(partitionOf(region)).toEqual({ name, dnsSuffix });
  });
});

describe("createMocks", () => {
  it("answers for SageMaker's scikit-learn image in every region of the registry table", () => {
    for (const [region, account] of Object.entries(SKLEARN_IMAGE_REGISTRY)) {
      const answer = createMocks({ region }).call({
        token: "aws:sagemaker/getPrebuiltEcrImage:getPrebuiltEcrImage",
        inputs: { repositoryName: "sagemaker-scikit-learn", imageTag: "1.2-1-cpu-py3" },
        provider: "",
      }) as Record<string, string>;
      expect(answer.registryPath).toBe(`${account}.dkr.ecr.${region}.${partitionOf(region).dnsSuffix}/sagemaker-scikit-learn:1.2-1-cpu-py3`);
    }
  });

  it("gives the partition of the region to getPartition", () => {
    const answer = createMocks({ region: "cn-north-1" }).call({ token: "aws:index/getPartition:getPartition", inputs: {}, provider: "" });
    expect(answer).toEqual({ id: "aws-cn", partition: "aws-cn", dnsSuffix: "amazonaws.com.cn", reverseDnsPrefix: "cn.com.amazonaws" });
  });
});

describe("a call the mocks cannot answer", () => {
  it("fails with the mocks' own message", async () => {
    let failure: unknown;
    await planProgram(async () => {
      try {
        await aws.sagemaker.getPrebuiltEcrImage({ repositoryName: "sagemaker-xgboost", imageTag: "1.7-1" });
      } catch (e) {
        failure = e;
      }
      return {};
    });
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/offline plan: no registry of SageMaker's sagemaker-xgboost images known for eu-west-1/);
  });
});
