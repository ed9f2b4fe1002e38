/**
 * Policy documents of the edge fleet, built as typed objects by pure functions.
 *
 * Plain strings in, plain objects out: the edge-fleet component calls these inside
 * `pulumi.all(...).apply(...)` and passes `JSON.stringify(doc)` to the resource. Every
 * builder checks its inputs and throws an `Error` naming the bad argument.
 *
 * Least privilege: no `iot:*`, no `*:*`, and no `*` resource except the actions listed in
 * {@link WILDCARD_RESOURCE_EXCEPTIONS}, where AWS offers nothing narrower.
 * {@link findPolicyViolations} enforces that on any document (the policy pack reuses it).
 */
import { DEVICE_TOPICS } from "../../contracts/model-release";
import { POLICY_VERSION, type Condition, type PolicyDocument, type PolicyStatement, type TrustPolicy } from "../iam";
import { validateProvisioningTemplateName } from "../../contracts/iot-names";
import { arnPattern, AWS_REGION, escapeRegExp, S3_BUCKET_NAME } from "../../contracts/patterns";

export type Effect = "Allow" | "Deny";

/** One statement of an AWS IoT policy. */
export interface IotPolicyStatement {
  readonly Effect: Effect;
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
  readonly Condition?: Condition;
}

/** An AWS IoT policy document (attached to certificates). */
export interface IotPolicyDocument {
  readonly Version: typeof POLICY_VERSION;
  readonly Statement: readonly IotPolicyStatement[];
}

/** An action allowed on resource `*`, and why nothing narrower is possible. */
export interface WildcardResourceException {
  readonly action: string;
  readonly reason: string;
}

const GREENGRASS_DATA_PLANE_REASON =
  "Greengrass data-plane call a core makes over HTTPS; AWS's minimal core-device IoT policy grants it on \"*\" " +
  "because thing policy variables are not evaluated for Greengrass data-plane operations";

/**
 * The only actions any policy of ours may grant on resource `*`. Everything else must name
 * its resources.
 */
export const WILDCARD_RESOURCE_EXCEPTIONS: readonly WildcardResourceException[] = [
  { action: "greengrass:GetComponentVersionArtifact", reason: GREENGRASS_DATA_PLANE_REASON },
  { action: "greengrass:ResolveComponentCandidates", reason: GREENGRASS_DATA_PLANE_REASON },
  { action: "greengrass:GetDeploymentConfiguration", reason: GREENGRASS_DATA_PLANE_REASON },
  { action: "greengrass:ListThingGroupsForCoreDevice", reason: GREENGRASS_DATA_PLANE_REASON },
  {
    action: "ecr:GetAuthorizationToken",
    reason: "ECR authorization tokens are registry-wide; the action supports no resource-level permissions",
  },
];

/** Client IDs a device uses while it holds only the claim certificate: `<prefix><serial or uuid>`. */
export const CLAIM_CLIENT_ID_PREFIX = "edge-mlops-claim-";

/** The thing name of the connected device, resolved by AWS IoT from the certificate's thing. */
export const THING_NAME_VARIABLE = "${iot:Connection.Thing.ThingName}";
/**
 * IAM policy variable of the thing name in a role the AWS IoT credentials provider assumes through a role alias
 * (AWS IoT Developer Guide, "Authorizing direct calls to AWS services using AWS IoT Core credential provider"): set
 * when the caller sends its thing name in the x-amzn-iot-thingname header, as the Greengrass nucleus's token exchange
 * service does.
 */
export const CREDENTIALS_THING_NAME_VARIABLE = "${credentials-iot:ThingName}";

/** Where every core publishes and receives its own application messages: `edge-mlops/<thing>/...`. */
export const DEVICE_TOPIC_ROOT = "edge-mlops";

/** Greengrass log groups are `/aws/greengrass/<componentType>/<region>/<componentName>`. */
export const GREENGRASS_LOG_GROUP_ROOT = "/aws/greengrass/";

/** Account and region an IoT/IAM document is built for. */
export interface AccountScope {
  /** AWS partition, e.g. `aws`, `aws-cn`, `aws-us-gov`. */
  readonly partition: string;
  /** AWS region, e.g. `eu-west-1`. */
  readonly region: string;
  /** 12-digit AWS account id. */
  readonly accountId: string;
}

const PARTITIONS = ["aws", "aws-cn", "aws-us-gov"];
const ACCOUNT_PATTERN = /^\d{12}$/;

function fail(fn: string, message: string): never {
  throw new Error(`${fn}: ${message}`);
}

function checkScope(fn: string, scope: AccountScope): void {
  if (!PARTITIONS.includes(scope.partition)) {
    fail(fn, `partition ${JSON.stringify(scope.partition)} must be one of ${PARTITIONS.join(", ")}`);
  }
  if (typeof scope.region !== "string" || !AWS_REGION.test(scope.region)) {
    fail(fn, `region ${JSON.stringify(scope.region)} is not an AWS region name (e.g. eu-west-1)`);
  }
  if (typeof scope.accountId !== "string" || !ACCOUNT_PATTERN.test(scope.accountId)) {
    fail(fn, `accountId ${JSON.stringify(scope.accountId)} must be a 12-digit AWS account id`);
  }
}

/** Throws unless `stack` can sit in a topic: the telemetry topics are `edge-mlops/<stack>/<thing>/...`. */
function checkStack(fn: string, stack: unknown): void {
  if (typeof stack !== "string" || !/^[\w.-]{1,100}$/.test(stack)) {
    fail(fn, `stack ${JSON.stringify(stack)} must be a stack name (1 to 100 letters, digits, '.', '_' or '-'; no MQTT wildcards)`);
  }
}

function iotArn(scope: AccountScope, resource: string): string {
  return `arn:${scope.partition}:iot:${scope.region}:${scope.accountId}:${resource}`;
}

// ---------------------------------------------------------------------------------------------
// Core device IoT policy
// ---------------------------------------------------------------------------------------------

export interface CoreDevicePolicyArgs extends AccountScope {
  /** The stack's name: the telemetry topics are `edge-mlops/<stack>/<thing>/{samples,metrics,health}`. Letters, digits, '.', '_' and '-'. */
  readonly stack: string;
  /** ARN of the role alias that points at the token exchange role (same partition, region and account). */
  readonly roleAliasArn: string;
}

/**
 * AWS IoT policy for Greengrass v2 core devices, following AWS's "Minimal AWS IoT policy for
 * AWS IoT Greengrass V2 core devices", narrowed to the connected device's own thing name.
 *
 * - `iot:Connect` as `<thing>` (the nucleus's first connection) or `<thing>#<n>` (extra
 *   connections the nucleus opens past 50 subscriptions), only while the certificate is
 *   attached to that thing. IoT resolves `${iot:Connection.Thing.ThingName}` from the
 *   certificate when the certificate is attached exclusively (`EXCLUSIVE_THING`); with a
 *   non-exclusive attachment it resolves only when the client id equals the thing name.
 * - Publish/Receive/Subscribe only on the device's own topics: `edge-mlops/<thing>/*`, the
 *   Greengrass health telemetry topics, jobs and classic/named shadows.
 * - Publish only on the device's telemetry topics (contracts/model-release' DEVICE_TOPICS:
 *   samples, metrics, health) of its own thing name, never another thing's.
 * - Shadow get/update/delete on the device's own thing only.
 * - `iot:AssumeRoleWithCertificate` on the token exchange role alias only.
 * - The four Greengrass data-plane actions a core calls (see {@link WILDCARD_RESOURCE_EXCEPTIONS}).
 *
 * Client devices (local MQTT broker, `greengrass:PutCertificateAuthorities`,
 * `greengrass:VerifyClientDeviceIdentity`, `<thing>-gci` shadows) are not used by this fleet, so
 * none of their permissions are granted.
 */
export function coreDevicePolicy(args: CoreDevicePolicyArgs): IotPolicyDocument {
  const fn = "coreDevicePolicy";
  checkScope(fn, args);
  const aliasPattern = new RegExp(
    `^arn:${escapeRegExp(args.partition)}:iot:${escapeRegExp(args.region)}:${args.accountId}:rolealias/[\\w=,@-]{1,128}$`,
  );
  if (typeof args.roleAliasArn !== "string" || !aliasPattern.test(args.roleAliasArn)) {
    fail(
      fn,
      `roleAliasArn ${JSON.stringify(args.roleAliasArn)} must be a role alias ARN of this account and region ` +
        `(arn:${args.partition}:iot:${args.region}:${args.accountId}:rolealias/<name>)`,
    );
  }
  checkStack(fn, args.stack);
  const thing = THING_NAME_VARIABLE;
  const telemetryTopics = Object.values(DEVICE_TOPICS).map((topic) => topic(args.stack, thing));
  const ownTopics = [
    `${DEVICE_TOPIC_ROOT}/${thing}/*`,
    `$aws/things/${thing}/jobs/*`,
    `$aws/things/${thing}/shadow/*`,
  ];
  const healthTopics = [
    `$aws/things/${thing}/greengrass/health/json`,
    `$aws/things/${thing}/greengrassv2/health/json`,
  ];
  return {
    Version: POLICY_VERSION,
    Statement: [
      {
        Effect: "Allow",
        Action: ["iot:Connect"],
        Resource: [iotArn(args, `client/${thing}`), iotArn(args, `client/${thing}#*`)],
        Condition: { Bool: { "iot:Connection.Thing.IsAttached": ["true"] } },
      },
      {
        Effect: "Allow",
        Action: ["iot:Publish", "iot:Receive"],
        Resource: [...ownTopics, ...healthTopics].map((t) => iotArn(args, `topic/${t}`)),
      },
      {
        Effect: "Allow",
        Action: ["iot:Publish"],
        Resource: telemetryTopics.map((t) => iotArn(args, `topic/${t}`)),
      },
      {
        Effect: "Allow",
        Action: ["iot:Subscribe"],
        Resource: ownTopics.map((t) => iotArn(args, `topicfilter/${t}`)),
      },
      {
        Effect: "Allow",
        Action: ["iot:GetThingShadow", "iot:UpdateThingShadow", "iot:DeleteThingShadow"],
        Resource: [iotArn(args, `thing/${thing}`)],
      },
      {
        Effect: "Allow",
        Action: ["iot:AssumeRoleWithCertificate"],
        Resource: [args.roleAliasArn],
      },
      {
        Effect: "Allow",
        Action: [
          "greengrass:GetComponentVersionArtifact",
          "greengrass:ResolveComponentCandidates",
          "greengrass:GetDeploymentConfiguration",
          "greengrass:ListThingGroupsForCoreDevice",
        ],
        Resource: ["*"],
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Claim certificate IoT policy
// ---------------------------------------------------------------------------------------------

export interface ClaimPolicyArgs extends AccountScope {
  /** Name of the fleet provisioning template devices register with. */
  readonly templateName: string;
  /**
   * Devices send their own CSR (`CreateCertificateFromCsr`, the private key never leaves the
   * device) instead of asking AWS IoT for a key pair (`CreateKeysAndCertificate`).
   * @default false
   */
  readonly useCsr?: boolean;
}

/**
 * AWS IoT policy for the shared claim certificate: connect with a client id starting with
 * {@link CLAIM_CLIENT_ID_PREFIX}, then only the fleet-provisioning MQTT API — the certificate
 * topics and this template's `provision` topics — and nothing more.
 */
export function claimPolicy(args: ClaimPolicyArgs): IotPolicyDocument {
  const fn = "claimPolicy";
  checkScope(fn, args);
  const nameError = validateProvisioningTemplateName(args.templateName);
  if (nameError) fail(fn, `templateName: ${nameError}`);
  const topics = [
    args.useCsr === true ? "$aws/certificates/create-from-csr/*" : "$aws/certificates/create/*",
    `$aws/provisioning-templates/${args.templateName}/provision/*`,
  ];
  return {
    Version: POLICY_VERSION,
    Statement: [
      {
        Effect: "Allow",
        Action: ["iot:Connect"],
        Resource: [iotArn(args, `client/${CLAIM_CLIENT_ID_PREFIX}*`)],
      },
      {
        Effect: "Allow",
        Action: ["iot:Publish", "iot:Receive"],
        Resource: topics.map((t) => iotArn(args, `topic/${t}`)),
      },
      {
        Effect: "Allow",
        Action: ["iot:Subscribe"],
        Resource: topics.map((t) => iotArn(args, `topicfilter/${t}`)),
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Token exchange role (IAM)
// ---------------------------------------------------------------------------------------------

export interface TokenExchangeRolePolicyArgs extends AccountScope {
  /** ARN of the S3 bucket holding component artifacts, e.g. `arn:aws:s3:::my-artifacts`. */
  readonly artifactBucketArn: string;
  /** Key prefix of this stack's component artifacts; ends with `/`, e.g. `dev/components/`. */
  readonly artifactPrefix: string;
  /** ECR repositories whose images the devices pull. No ECR statements when empty. */
  readonly repositoryArns: readonly string[];
  /** Log group name prefix the devices write to; must start with `/aws/greengrass/`. */
  readonly logGroupPrefix: string;
  /**
   * The stack's model store bucket (`arn:<partition>:s3:::<bucket>`): the nucleus downloads the
   * release's model component artifacts from `<bucket>/<modelPrefix>*`.
   * @default undefined (devices read no model)
   */
  readonly modelBucketArn?: string;
  /** Key prefix of released models in the model store bucket, ending with "/". Required with modelBucketArn. */
  readonly modelPrefix?: string;
  /** The stack's name: devices publish their telemetry on `edge-mlops/<stack>/<thing>/{samples,metrics,health}`. */
  readonly stack: string;
}

/** An S3 bucket name (contracts/patterns' rule), without its anchors, to compose ARN patterns from. */
const BUCKET_NAME = S3_BUCKET_NAME.source.replace(/^\^|\$$/g, "");
const BUCKET_ARN_PATTERN = new RegExp(`^arn:([a-z-]+):s3:::(${BUCKET_NAME})$`);
const REPOSITORY_ARN_PATTERN = arnPattern("ecr", "repository/[a-z0-9][a-z0-9._/-]*");

/** A key prefix: non-empty, ending with "/", without a leading "/", wildcards or spaces. */
function isKeyPrefix(prefix: unknown): prefix is string {
  return typeof prefix === "string" && prefix.length > 0 && !prefix.startsWith("/") && prefix.endsWith("/") && !/[*?\s]/.test(prefix);
}

/**
 * IAM policy of the token exchange role that core devices assume through the role alias.
 *
 * - CloudWatch Logs (create group/stream, put events, describe streams) on the Greengrass log
 *   groups under `logGroupPrefix` in this account and region.
 * - `s3:GetObject` on `<bucket>/<artifactPrefix>*` only, plus `s3:GetBucketLocation` on that
 *   bucket: the nucleus looks up the artifact bucket's region before every download and
 *   fails the deployment when that call is denied.
 * - `s3:GetObject` on `<model bucket>/<modelPrefix>*` and `s3:GetBucketLocation` on the model
 *   bucket, when given: the release's model components are artifacts there.
 * - ECR pull (`ecr:BatchGetImage`, `ecr:GetDownloadUrlForLayer`) on the given repositories and
 *   `ecr:GetAuthorizationToken`, which has no resource-level permissions.
 * - `iot:Publish` on the device's own telemetry topics only (contracts/model-release.ts DEVICE_TOPICS with
 *   {@link CREDENTIALS_THING_NAME_VARIABLE}): the inference container publishes over HTTPS with these credentials.
 */
export function tokenExchangeRolePolicy(args: TokenExchangeRolePolicyArgs): PolicyDocument {
  const fn = "tokenExchangeRolePolicy";
  checkScope(fn, args);
  const bucket = BUCKET_ARN_PATTERN.exec(typeof args.artifactBucketArn === "string" ? args.artifactBucketArn : "");
  if (!bucket || bucket[1] !== args.partition) {
    fail(
      fn,
      `artifactBucketArn ${JSON.stringify(args.artifactBucketArn)} must be an S3 bucket ARN in partition ${args.partition} (arn:${args.partition}:s3:::<bucket>)`,
    );
  }
  const prefix = args.artifactPrefix;
  if (!isKeyPrefix(prefix)) {
    fail(
      fn,
      `artifactPrefix ${JSON.stringify(prefix)} must be a non-empty key prefix ending with "/", without a leading "/", wildcards or spaces`,
    );
  }
  const logPrefix = args.logGroupPrefix;
  if (typeof logPrefix !== "string" || !logPrefix.startsWith(GREENGRASS_LOG_GROUP_ROOT) || /[*?\s:]/.test(logPrefix)) {
    fail(
      fn,
      `logGroupPrefix ${JSON.stringify(logPrefix)} must start with "${GREENGRASS_LOG_GROUP_ROOT}" and contain no wildcards, spaces or ':'`,
    );
  }
  if (!Array.isArray(args.repositoryArns)) {
    fail(fn, "repositoryArns must be an array of ECR repository ARNs");
  }
  for (const repo of args.repositoryArns) {
    if (typeof repo !== "string" || !REPOSITORY_ARN_PATTERN.test(repo) || !repo.startsWith(`arn:${args.partition}:`)) {
      fail(
        fn,
        `repositoryArns entry ${JSON.stringify(repo)} must be an ECR repository ARN in partition ${args.partition} (arn:${args.partition}:ecr:<region>:<account>:repository/<name>)`,
      );
    }
  }
  const model = args.modelBucketArn !== undefined ? BUCKET_ARN_PATTERN.exec(typeof args.modelBucketArn === "string" ? args.modelBucketArn : "") : undefined;
  if (model === null || (model && model[1] !== args.partition)) {
    fail(fn, `modelBucketArn ${JSON.stringify(args.modelBucketArn)} must be an S3 bucket ARN in partition ${args.partition} (arn:${args.partition}:s3:::<bucket>)`);
  }
  if (model && !isKeyPrefix(args.modelPrefix)) {
    fail(fn, `modelPrefix ${JSON.stringify(args.modelPrefix)} must be a non-empty key prefix ending with "/", without a leading "/", wildcards or spaces`);
  }
  checkStack(fn, args.stack);
  const logGroup = `arn:${args.partition}:logs:${args.region}:${args.accountId}:log-group:${logPrefix}*`;
  const statements: PolicyStatement[] = [
    {
      Sid: "GreengrassLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
      Resource: [logGroup, `${logGroup}:log-stream:*`],
    },
    {
      Sid: "ComponentArtifacts",
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: [`${args.artifactBucketArn}/${prefix}*`],
    },
    {
      Sid: "ComponentArtifactBucketLocation",
      Effect: "Allow",
      Action: ["s3:GetBucketLocation"],
      Resource: [args.artifactBucketArn],
    },
  ];
  if (model) {
    statements.push(
      { Sid: "ModelArtifacts", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${args.modelBucketArn}/${args.modelPrefix}*`] },
      { Sid: "ModelArtifactBucketLocation", Effect: "Allow", Action: ["s3:GetBucketLocation"], Resource: [args.modelBucketArn as string] },
    );
  }
  if (args.repositoryArns.length > 0) {
    statements.push(
      { Sid: "EcrAuthorization", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: ["*"] },
      {
        Sid: "EcrPull",
        Effect: "Allow",
        Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        Resource: [...new Set(args.repositoryArns)],
      },
    );
  }
  statements.push({
    Sid: "DeviceTelemetryPublish",
    Effect: "Allow",
    Action: ["iot:Publish"],
    Resource: Object.values(DEVICE_TOPICS).map((topic) => iotArn(args, `topic/${topic(args.stack, CREDENTIALS_THING_NAME_VARIABLE)}`)),
  });
  return { Version: POLICY_VERSION, Statement: statements };
}

/** Trust policy of a role one service assumes, without conditions; the action is written as a one-element list. */
function assumedBy(service: string): TrustPolicy {
  return {
    Version: POLICY_VERSION,
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: ["sts:AssumeRole"] }],
  };
}

/** Trust policy of the token exchange role: assumed by the AWS IoT credentials provider. */
export function tokenExchangeTrustPolicy(): TrustPolicy {
  return assumedBy("credentials.iot.amazonaws.com");
}

/** Trust policy of the fleet provisioning role: assumed by AWS IoT while it runs the template. */
export function provisioningTrustPolicy(): TrustPolicy {
  return assumedBy("iot.amazonaws.com");
}

// ---------------------------------------------------------------------------------------------
// Checker
// ---------------------------------------------------------------------------------------------

function asList(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * Human-readable findings for a policy document (IoT, IAM identity or trust policy, as an
 * object or its parsed JSON). An empty array means the document is acceptable.
 *
 * Flags, on `Allow` statements: the actions `*`, `*:*` and any service-wide `<service>:*`
 * (e.g. `iot:*`); `NotAction` / `NotResource` (which grant everything else); resource `*`
 * for any action not in `allowedWildcards`; ARNs whose resource part is `*` (every resource
 * of a service); and documents that are not shaped like a policy.
 */
export function findPolicyViolations(
  doc: unknown,
  allowedWildcards: readonly (WildcardResourceException | string)[] = WILDCARD_RESOURCE_EXCEPTIONS,
): string[] {
  const allowed = new Set(allowedWildcards.map((w) => (typeof w === "string" ? w : w.action)));
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    return ["policy document must be a JSON object"];
  }
  const statements = (doc as { Statement?: unknown }).Statement;
  const list = asList(statements);
  if (list.length === 0) {
    return ["policy document has no Statement"];
  }
  const findings: string[] = [];
  list.forEach((raw, i) => {
    const where = `Statement[${i}]`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      findings.push(`${where} must be an object`);
      return;
    }
    const st = raw as Record<string, unknown>;
    if (st.Effect !== "Allow" && st.Effect !== "Deny") {
      findings.push(`${where} has Effect ${JSON.stringify(st.Effect)}; expected "Allow" or "Deny"`);
      return;
    }
    if (st.Effect === "Deny") return;
    if (st.NotAction !== undefined) findings.push(`${where} uses NotAction, which allows every other action`);
    if (st.NotResource !== undefined) findings.push(`${where} uses NotResource, which allows every other resource`);
    const actions = asList(st.Action);
    if (actions.length === 0 && st.NotAction === undefined) findings.push(`${where} has no Action`);
    for (const action of actions) {
      if (typeof action !== "string") {
        findings.push(`${where} has a non-string action`);
      } else if (action === "*" || action === "*:*") {
        findings.push(`${where} allows action "${action}", which grants every action of every service`);
      } else if (/^[a-z0-9-]+:\*$/i.test(action)) {
        findings.push(`${where} allows action "${action}", which grants every ${action.split(":")[0]} action`);
      }
    }
    for (const resource of asList(st.Resource)) {
      if (typeof resource !== "string") {
        findings.push(`${where} has a non-string resource`);
      } else if (resource === "*") {
        for (const action of actions) {
          if (typeof action === "string" && !allowed.has(action)) {
            findings.push(
              `${where} allows "${action}" on resource "*", which is not a documented wildcard exception`,
            );
          }
        }
      } else if (/^arn:[^:]+:[^:]+:[^:]*:[^:]*:\*$/.test(resource)) {
        findings.push(`${where} allows resource "${resource}", which covers every resource of the service`);
      }
    }
  });
  return findings;
}
