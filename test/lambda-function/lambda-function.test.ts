import { beforeAll, describe, expect, it } from "vitest";
import { LambdaFunction } from "../../components/lambda-function";
import { one, planProgram, type Plan } from "../support/offline";
import { policyDocument } from "../support/resources";

describe("LambdaFunction under mocks", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planProgram(() => {
      new LambdaFunction("hook", {
        folder: "provisioning-hook",
        environment: { THING_GROUP_NAME: "g" },
        statements: [{ Effect: "Allow", Action: ["iot:DescribeThing"], Resource: "arn:aws:iot:eu-west-1:123456789012:thing/*" }],
        reservedConcurrency: 5,
        logRetentionDays: 14,
      });
      new LambdaFunction("unreserved", { folder: "provisioning-hook" });
    });
  });

  it("leaves a function without reservedConcurrency unreserved: no reservedConcurrentExecutions input at all", () => {
    // A fresh account's concurrency quota is 10 and AWS keeps 10 unreserved: any reservation would fail there.
    const fn = one(plan, "aws:lambda/function:Function", "unreserved-fn");
    expect(Object.keys(fn.inputs)).not.toContain("reservedConcurrentExecutions");
    expect(fn.inputs.tracingConfig).toEqual({ mode: "Active" });
  });

  it("deploys the esbuild bundle with tracing, reserved concurrency and JSON logs to its own group", () => {
    const fn = one(plan, "aws:lambda/function:Function", "hook-fn");
    const logs = one(plan, "aws:cloudwatch/logGroup:LogGroup", "hook-logs");
    expect(logs.inputs.retentionInDays).toBe(14);
    expect(fn.inputs).toMatchObject({
      runtime: "nodejs22.x",
      handler: "index.handler",
      architectures: ["arm64"],
      reservedConcurrentExecutions: 5,
      tracingConfig: { mode: "Active" },
      loggingConfig: { logFormat: "JSON", logGroup: expect.stringMatching(/^\/edge-mlops\/lambda\/hook-/) },
      environment: { variables: { THING_GROUP_NAME: "g" } },
    });
    expect(fn.inputs.code).toMatchObject({ archive: { "index.js": { asset: "string", bytes: expect.any(Number) } } });
    expect(fn.dependsOn).toEqual([one(plan, "aws:iam/rolePolicy:RolePolicy", "hook-policy").urn]);
  });

  it("gives the role only its logs, traces and the caller's statements", () => {
    const trust = policyDocument(one(plan, "aws:iam/role:Role", "hook-role").inputs.assumeRolePolicy);
    expect(trust.Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } } },
    ]);
    const policy = policyDocument(one(plan, "aws:iam/rolePolicy:RolePolicy", "hook-policy").inputs.policy);
    const logGroup = one(plan, "aws:cloudwatch/logGroup:LogGroup", "hook-logs").inputs.namePrefix as string;
    expect(policy.Statement).toEqual([
      { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: expect.stringMatching(new RegExp(`^arn:aws:logs:eu-west-1:123456789012:log-group:${logGroup}[0-9a-f]{8}:\\*$`)) },
      { Sid: "WriteTraces", Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" },
      { Effect: "Allow", Action: ["iot:DescribeThing"], Resource: "arn:aws:iot:eu-west-1:123456789012:thing/*" },
    ]);
  });
});
