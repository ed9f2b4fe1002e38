import { describe, expect, it } from "vitest";
import { ArgError } from "../../components/args";
import { executionRolePolicy, executionsOf, executionTrustPolicy, WILDCARD_RESOURCE_ACTIONS, type ExecutionPolicyInputs } from "../../components/airflow-environment/policy";

const inputs: ExecutionPolicyInputs = {
  partition: "aws",
  region: "us-east-1",
  accountId: "111122223333",
  environmentName: "edge-mlops-dev-airflow",
  dagBucketArn: "arn:aws:s3:::airflow-dev-abc",
  dataBucketArn: "arn:aws:s3:::data-dev",
  newDataPrefix: "incoming/",
  archivePrefix: "archive/",
  stateMachineArn: "arn:aws:states:us-east-1:111122223333:stateMachine:training-dev",
  featureGroupArn: "arn:aws:sagemaker:us-east-1:111122223333:feature-group/abalone-dev",
};

const bySid = (doc: ReturnType<typeof executionRolePolicy>) => Object.fromEntries(doc.Statement.map((s) => [s.Sid, s]));

describe("executionTrustPolicy", () => {
  it("lets both MWAA service principals assume the role, nothing else", () => {
    expect(executionTrustPolicy()).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: ["airflow.amazonaws.com", "airflow-env.amazonaws.com"] }, Action: "sts:AssumeRole" }],
    });
  });
});

describe("executionRolePolicy with AWS-owned keys", () => {
  const doc = executionRolePolicy(inputs);
  const s = bySid(doc);

  it("allows the AWS-owned Celery queue key only outside this account and only through SQS", () => {
    expect(s.UseCeleryQueueKey).toEqual({
      Sid: "UseCeleryQueueKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:Encrypt"],
      NotResource: ["arn:aws:kms:*:111122223333:key/*"],
      Condition: { StringLike: { "kms:ViaService": ["sqs.us-east-1.amazonaws.com"] } },
    });
    expect(s.UseEnvironmentKey).toBeUndefined();
    expect(s.UseDataBucketKey).toBeUndefined();
  });

  it("scopes every other statement to this environment, its bucket, queues and the training resources", () => {
    expect(s.PublishEnvironmentMetrics.Resource).toEqual(["arn:aws:airflow:us-east-1:111122223333:environment/edge-mlops-dev-airflow"]);
    expect(s.WriteEnvironmentLogs.Resource).toEqual(["arn:aws:logs:us-east-1:111122223333:log-group:airflow-edge-mlops-dev-airflow-*"]);
    expect(s.UseCeleryQueues.Resource).toEqual(["arn:aws:sqs:us-east-1:*:airflow-celery-*"]);
    expect(s.FollowTraining.Resource).toEqual(["arn:aws:states:us-east-1:111122223333:execution:training-dev:*"]);
  });

  it("uses no * action and a * resource only for the documented exceptions", () => {
    for (const st of doc.Statement) {
      const actions = [st.Action].flat();
      for (const a of actions) expect(a === "*" || a.endsWith(":*")).toBe(false);
      if ([st.Resource ?? []].flat().includes("*")) expect(actions.every((a) => (WILDCARD_RESOURCE_ACTIONS as readonly string[]).includes(a))).toBe(true);
    }
  });
});

describe("executionRolePolicy with customer-managed keys", () => {
  const s = bySid(executionRolePolicy({ ...inputs, kmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/env", dataKmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/data" }));

  it("uses the environment key through SQS and S3 only, and the data key through S3 only", () => {
    expect(s.UseEnvironmentKey).toEqual({
      Sid: "UseEnvironmentKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:Encrypt"],
      Resource: ["arn:aws:kms:us-east-1:111122223333:key/env"],
      Condition: { StringLike: { "kms:ViaService": ["sqs.us-east-1.amazonaws.com", "s3.us-east-1.amazonaws.com"] } },
    });
    expect(s.UseDataBucketKey).toEqual({
      Sid: "UseDataBucketKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: ["arn:aws:kms:us-east-1:111122223333:key/data"],
      Condition: { StringLike: { "kms:ViaService": ["s3.us-east-1.amazonaws.com"] } },
    });
    expect(s.UseCeleryQueueKey).toBeUndefined();
  });
});

describe("executionsOf", () => {
  it("turns a state machine ARN into the ARN pattern of its executions, in any partition", () => {
    expect(executionsOf("arn:aws-cn:states:cn-north-1:111122223333:stateMachine:t_1")).toBe("arn:aws-cn:states:cn-north-1:111122223333:execution:t_1:*");
  });
  it("rejects anything else with an ArgError naming stateMachineArn", () => {
    const problem = "AirflowEnvironment: stateMachineArn: must be a Step Functions state machine ARN (arn:aws:states:<region>:<account>:stateMachine:<name>), got";
    expect(() => executionsOf("arn:aws:lambda:us-east-1:111122223333:function:f")).toThrow(ArgError);
    expect(() => executionsOf("arn:aws:lambda:us-east-1:111122223333:function:f")).toThrow(`${problem} 'arn:aws:lambda:us-east-1:111122223333:function:f'`);
    expect(() => executionsOf("arn:aws:states:us-east-1:111122223333:execution:t:run-1")).toThrow(`${problem} 'arn:aws:states:us-east-1:111122223333:execution:t:run-1'`);
    expect(() => executionRolePolicy({ ...inputs, stateMachineArn: "training" })).toThrow(`${problem} 'training'`);
  });
});
