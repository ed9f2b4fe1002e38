// A Lambda function from `lambda/<folder>/index.ts`, secure by default: bundled by esbuild (no closure
// serialisation), its own least-privilege role, JSON logs to a log group with retention, X-Ray tracing and reserved
// concurrency. Callers add the statements their handler needs and grant invoke permissions themselves.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { resolveArgs } from "../args";
import { POLICY_VERSION, serviceTrustPolicy, sourceAccountCondition, type PolicyStatement } from "../iam";
import { bundleLambda } from "../lambda-bundle";
import { lambdaFunctionSettings, type LambdaFunctionSettingsInput } from "./args";

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
  public readonly function: aws.lambda.Function;
  public readonly role: aws.iam.Role;
  public readonly logGroup: aws.cloudwatch.LogGroup;
  /** Size in bytes of the deployed bundle. */
  public readonly bundleBytes: number;

  constructor(name: string, args: LambdaFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edge-mlops:lambda:Function", name, {}, opts);
    const settings = resolveLambdaFunctionArgs(args);
    const bundle = bundleLambda(settings.folder);
    this.bundleBytes = bundle.bytes;

    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { namePrefix: `/edge-mlops/lambda/${name}-`, retentionInDays: settings.logRetentionDays },
      { parent: this },
    );
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        assumeRolePolicy: account.apply((a) => JSON.stringify(serviceTrustPolicy("lambda.amazonaws.com", sourceAccountCondition(a)))),
      },
      { parent: this },
    );
    const policy = new aws.iam.RolePolicy(
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

    this.function = new aws.lambda.Function(
      `${name}-fn`,
      {
        description: settings.description,
        runtime: aws.lambda.Runtime.NodeJS22dX,
        architectures: [settings.architecture],
        handler: "index.handler",
        code: bundle.archive,
        sourceCodeHash: Buffer.from(bundle.sha256, "hex").toString("base64"),
        role: this.role.arn,
        memorySize: settings.memoryMb,
        timeout: settings.timeoutSeconds,
        reservedConcurrentExecutions: settings.reservedConcurrency,
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
