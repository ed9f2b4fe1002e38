// A Lambda function from `lambda/<folder>/index.ts`, secure by default: bundled by esbuild (no closure
// serialisation), its own least-privilege role, JSON logs to a log group with retention, X-Ray tracing, and reserved
// concurrency only when asked for (unset: unreserved, as AWS creates a function). Callers add the statements their
// handler needs and grant invoke permissions themselves.
import * as pulumi from "@pulumi/pulumi";
import { resolveArgs } from "../args";
import { POLICY_VERSION, serviceTrustPolicy, sourceAccountCondition, type PolicyStatement } from "../iam";
import { bundleLambda } from "../lambda-bundle";
import { lambdaFunctionSettings, type LambdaFunctionSettingsInput } from "./args";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import * as awsLambda from "@pulumi/aws/lambda";
import * as iam from "@pulumi/aws/iam";
import * as cloudwatch from "@pulumi/aws/cloudwatch";

export { lambdaFunctionSettings, type LambdaFunctionSettingsInput } from "./args";

export interface LambdaFunctionArgs extends LambdaFunctionSettingsInput {
  /** Environment variables of the function. @default {} */
  readonly environment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** What the handler may do besides writing its logs and traces. @default [] (nothing) */
  readonly statements?: pulumi.Input<PolicyStatement[]>;
}

/** The settings a LambdaFunction is built from, defaults applied. @throws ArgError naming the first bad arg. */
export function resolveLambdaFunctionArgs(args: LambdaFunctionArgs) {
  return resolveArgs("LambdaFunction", lambdaFunctionSettings, args);
}

export class LambdaFunction extends pulumi.ComponentResource {
  public readonly function: awsLambda.Function;
  public readonly role: iam.Role;
  public readonly logGroup: cloudwatch.LogGroup;
  /** Size in bytes of the deployed bundle. */
  public readonly bundleBytes: number;

  constructor(name: string, args: LambdaFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edge-mlops:lambda:Function", name, {}, opts);
    const settings = resolveLambdaFunctionArgs(args);
    const bundle = bundleLambda(settings.folder);
    this.bundleBytes = bundle.bytes;

    this.logGroup = new cloudwatch.LogGroup(
      `${name}-logs`,
      { namePrefix: `/edge-mlops/lambda/${name}-`, retentionInDays: settings.logRetentionDays },
      { parent: this },
    );
    const account = getCallerIdentityOutput({}, { parent: this }).accountId;
    this.role = new iam.Role(
      `${name}-role`,
      {
        assumeRolePolicy: account.apply((a) => JSON.stringify(serviceTrustPolicy("lambda.amazonaws.com", sourceAccountCondition(a)))),
      },
      { parent: this },
    );
    const policy = new iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.id,
        policy: pulumi.all([this.logGroup.arn, pulumi.output(args.statements ?? [])]).apply(([logGroupArn, extra]) => {
          const own: PolicyStatement[] = [
            { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${logGroupArn}:*` },
            // X-Ray's trace APIs have no resource-level permissions: AWS requires "*".
            { Sid: "WriteTraces", Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" },
          ];
          return JSON.stringify({ Version: POLICY_VERSION, Statement: [...own, ...extra] });
        }),
      },
      { parent: this },
    );

    this.function = new awsLambda.Function(
      `${name}-fn`,
      {
        description: settings.description,
        runtime: awsLambda.Runtime.NodeJS22dX,
        architectures: [settings.architecture],
        handler: "index.handler",
        code: bundle.archive,
        sourceCodeHash: Buffer.from(bundle.sha256, "hex").toString("base64"),
        role: this.role.arn,
        memorySize: settings.memoryMb,
        timeout: settings.timeoutSeconds,
        // Unset leaves the function unreserved (the provider's -1).
        ...(settings.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: settings.reservedConcurrency } : {}),
        tracingConfig: { mode: "Active" },
        loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.name },
        environment: args.environment ? { variables: args.environment } : undefined,
      },
      // The role's policy must exist before the first invocation can log.
      { parent: this, dependsOn: [policy] },
    );
    this.registerOutputs({ functionArn: this.function.arn, roleArn: this.role.arn });
  }
}

/**
 * Makes an EventBridge rule invoke the function: `<name>-invoke` (a lambda Permission for events.amazonaws.com with
 * the rule's ARN as source, so no other rule may) and `<name>-target`, which waits for it.
 */
export function invokeFromRule(name: string, rule: cloudwatch.EventRule, fn: LambdaFunction, opts: pulumi.ResourceOptions): cloudwatch.EventTarget {
  const invoke = new awsLambda.Permission(
    `${name}-invoke`,
    { action: "lambda:InvokeFunction", function: fn.function.name, principal: "events.amazonaws.com", sourceArn: rule.arn },
    opts,
  );
  return new cloudwatch.EventTarget(`${name}-target`, { rule: rule.name, arn: fn.function.arn }, pulumi.mergeOptions(opts, { dependsOn: [invoke] }));
}
