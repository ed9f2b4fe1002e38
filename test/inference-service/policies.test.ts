// The service's documents as typed objects, without mocks: ECR lifecycle, ELB log delivery, execution role.
import { describe, expect, it } from "vitest";
import { ecrLifecyclePolicy, elbLogDeliveryStatements, executionRolePolicy } from "../../components/inference-service/policies";

describe("documents", () => {
  it("ECR lifecycle: images in use stay, untagged expire after a day, the newest N tagged stay", () => {
    expect(ecrLifecyclePolicy(7)).toEqual({
      rules: [
        {
          rulePriority: 1,
          description: "Keep every image in use (tagged in-use-* by the image-references function)",
          selection: { tagStatus: "tagged", tagPatternList: ["in-use-*"], countType: "imageCountMoreThan", countNumber: 10_000 },
          action: { type: "expire" },
        },
        {
          rulePriority: 2,
          description: "Expire untagged images 1 day after push (no task definition or deployment names one)",
          selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 1 },
          action: { type: "expire" },
        },
        {
          rulePriority: 3,
          description: "Keep the last 7 tagged images (at least the 2 in use)",
          selection: { tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: 7 },
          action: { type: "expire" },
        },
      ],
    });
  });

  it("grants ELB log delivery to the service principal everywhere and to the ELB account in older regions", () => {
    const args = { partition: "aws", account: "123456789012", bucketArn: "arn:aws:s3:::logs" };
    const delivery = (Sid: string, Principal: object) => ({ Sid, Effect: "Allow", Principal, Action: "s3:PutObject", Resource: "arn:aws:s3:::logs/AWSLogs/123456789012/*" });
    const service = delivery("ElbLogDelivery", { Service: "logdelivery.elasticloadbalancing.amazonaws.com" });
    expect(elbLogDeliveryStatements({ ...args, region: "eu-west-1" })).toEqual([service, delivery("ElbAccountLogDelivery", { AWS: "arn:aws:iam::156460612806:root" })]);
    // Melbourne opened in 2023: the service principal only.
    expect(elbLogDeliveryStatements({ ...args, region: "ap-southeast-4" })).toEqual([service]);
  });

  it("refuses an execution role that could pull from nothing", () => {
    expect(() => executionRolePolicy({ repositoryArns: [], logGroupArn: "arn:aws:logs:eu-west-1:123456789012:log-group:x" })).toThrow(
      "executionRolePolicy: repositoryArns must not be empty",
    );
  });
});
