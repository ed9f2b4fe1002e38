// The IAM document builders every component uses (components/iam.ts): exact documents, as AWS receives them.
import { describe, expect, it } from "vitest";
import { POLICY_VERSION, denyInsecureTransport, serviceTrustPolicy, sourceAccountCondition, tlsOnlyBucketPolicy } from "../../components/iam";

describe("serviceTrustPolicy", () => {
  it("lets one service, or several, assume the role, without a condition unless given", () => {
    expect(serviceTrustPolicy("lambda.amazonaws.com")).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
    expect(serviceTrustPolicy(["states.amazonaws.com", "scheduler.amazonaws.com"]).Statement[0].Principal).toEqual({ Service: ["states.amazonaws.com", "scheduler.amazonaws.com"] });
    expect("Condition" in serviceTrustPolicy("lambda.amazonaws.com").Statement[0]).toBe(false);
  });

  it("adds the confused-deputy guard when given: the service acts for this account only", () => {
    expect(serviceTrustPolicy("sagemaker.amazonaws.com", sourceAccountCondition("123456789012")).Statement[0].Condition).toEqual({
      StringEquals: { "aws:SourceAccount": "123456789012" },
    });
  });
});

describe("the TLS-only bucket policy", () => {
  it("denies every S3 action to everyone on the bucket and its objects when the request is not TLS, and nothing else", () => {
    const arn = "arn:aws:s3:::data-1a2b3c";
    const deny = { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [arn, `${arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } };
    expect(denyInsecureTransport(arn)).toEqual(deny);
    expect(tlsOnlyBucketPolicy(arn)).toEqual({ Version: POLICY_VERSION, Statement: [deny] });
    expect(POLICY_VERSION).toBe("2012-10-17");
  });
});
