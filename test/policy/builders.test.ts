// The component library's own policy builders, judged by the pack: the documents they write for devices, roles,
// roles pass the rules that judge them. A builder loosened by mistake (a shadow widened to thing/*, a PassRole without
// its service condition) fails here before any plan runs. The alarm topic's policy: alarm-topic.test.ts.
import { describe, expect, it } from "vitest";
import { claimPolicy, coreDevicePolicy } from "../../components/edge-fleet/policies";
import { stateMachinePolicy } from "../../components/training-workflow/policies";
import { evaluate } from "../../policy/engine";
import { IAM_RULES } from "../../policy/rules/iam";
import { iotPolicyLeastPrivilege } from "../../policy/rules/iot";
import type { CheckedResource, Rule } from "../../policy/rules/types";
import { ACCOUNT, REGION, ROLE_ALIAS_ARN, ROLE_ARN, SCOPE, T, res, rolePolicy } from "./fixtures";

const messages = (resources: CheckedResource[], rules: readonly Rule[]) => evaluate(resources, "prod", rules).map((v) => v.message);
const iotPolicy = (doc: unknown) => [res(T.iotPolicy, "policy", { policy: JSON.stringify(doc) })];

describe("IoT policies of the edge fleet", () => {
  it("the core device policy grants only the connecting thing's own resources", () => {
    expect(messages(iotPolicy(coreDevicePolicy({ ...SCOPE, stack: "prod", roleAliasArn: ROLE_ALIAS_ARN })), [iotPolicyLeastPrivilege])).toEqual([]);
  });

  it("the claim policy, with and without device CSRs, stays within the fleet-provisioning exceptions", () => {
    for (const useCsr of [false, true]) {
      expect(messages(iotPolicy(claimPolicy({ ...SCOPE, templateName: "edge-mlops-prod-fleet", useCsr })), [iotPolicyLeastPrivilege])).toEqual([]);
    }
  });
});

describe("IAM policies of the training workflow", () => {
  it("the state machine's role passes the SageMaker role to SageMaker only, and passes every IAM rule", () => {
    const doc = stateMachinePolicy({
      ...SCOPE,
      jobNamePrefix: "edge-mlops-prod",
      sagemakerRoleArn: ROLE_ARN,
      functionArns: [`arn:aws:lambda:${REGION}:${ACCOUNT}:function:prod-register-model-1a2b3c4`],
      bucketArn: "arn:aws:s3:::edge-mlops-prod-data-1a2b3c4",
    });
    expect(JSON.stringify(doc)).toContain("iam:PassRole");
    expect(messages([rolePolicy("state-machine-policy", JSON.stringify(doc))], IAM_RULES)).toEqual([]);
  });
});
