// A Lambda function from `lambda/<folder>/index.ts`, secure by default: bundled by esbuild (no closure
// serialisation), its own least-privilege role, JSON logs to a log group with retention, X-Ray tracing and reserved
// concurrency. Callers add the statements their handler needs and grant invoke permissions themselves.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { POLICY_VERSION, serviceTrustPolicy, sourceAccountCondition, type PolicyStatement } from "../iam";
import { bundleLambda } from "../lambda-bundle";

export interface LambdaFunctionArgs {
  /** Folder under `lambda/` holding the handler's `index.ts` (exported `handler`). */
  readonly folder: string;
  /** @default "" */
  readonly description?: string;
  /** Environment variables of the function. @default {} */
  readonly environment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** What the handler may do besides writing its logs and traces. @default [] (nothing) */
  readonly statements?: pulumi.Input<PolicyStatement[]>;
  /** Concurrent executions reserved (and capped), 1 to 1000. @default 1 */
  readonly reservedConcurrency?: number;
  /** @default 30 */
  readonly timeoutSeconds?: number;
  /** @default 256 */
  readonly memoryMb?: number;
  /** Days the function's log group keeps logs. @default 30 */
  readonly logRetentionDays?: number;
  /** @default "arm64" */
  readonly architecture?: "arm64" | "x86_64";
}

/** Validates the args; throws naming the bad arg. */
export function resolveLambdaFunctionArgs(args: LambdaFunctionArgs) {
  const out = {
    reservedConcurrency: args.reservedConcurrency ?? 1,
    timeoutSeconds: args.timeoutSeconds ?? 30,
    memoryMb: args.memoryMb ?? 256,
    logRetentionDays: args.logRetentionDays ?? 30,
    architecture: args.architecture ?? "arm64",
  };
  const check = (ok: boolean, arg: string, rule: string, value: unknown) => {
    if (!ok) throw new Error(`LambdaFunction: ${arg} must be ${rule}, got ${JSON.stringify(value)}`);
  };
  check(/^[a-z0-9-]+$/.test(args.folder), "folder", "a folder name under lambda/", args.folder);
  check(Number.isInteger(out.reservedConcurrency) && out.reservedConcurrency >= 1 && out.reservedConcurrency <= 1000, "reservedConcurrency", "an integer from 1 to 1000", out.reservedConcurrency);
  check(Number.isInteger(out.timeoutSeconds) && out.timeoutSeconds >= 1 && out.timeoutSeconds <= 900, "timeoutSeconds", "an integer from 1 to 900", out.timeoutSeconds);
  check(Number.isInteger(out.memoryMb) && out.memoryMb >= 128 && out.memoryMb <= 10240, "memoryMb", "an integer from 128 to 10240", out.memoryMb);
  return out;
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
    const bundle = bundleLambda(args.folder);
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
        description: args.description ?? "",
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
