// Synthetic resources for the policy tests: one failing and one passing case per rule, and for every setting a rule
// requires, three cases — the setting left out (judged as AWS's default), set wrong, and set right.
import { coreDevicePolicy, tokenExchangeRolePolicy } from "../../components/edge-fleet/policies";
import { tlsOnlyBucketPolicy } from "../../components/iam";
import type { CheckedResource } from "../../policy/rules/types";

export const ACCOUNT = "123456789012";
export const REGION = "eu-west-1";

/** A resource as the rules see it; the URN follows Pulumi's `urn:pulumi:<stack>::<project>::<type>::<name>`. */
export function res(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  extra: Partial<Pick<CheckedResource, "id" | "arn" | "propertyDependencies" | "options">> = {},
): CheckedResource {
  return { urn: urn(type, name), type, name, inputs, options: { protect: false, retainOnDelete: false }, ...extra };
}

export function urn(type: string, name: string): string {
  return `urn:pulumi:test::edge-mlops::${type}::${name}`;
}

export const T = {
  bucket: "aws:s3/bucket:Bucket",
  sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  versioning: "aws:s3/bucketVersioning:BucketVersioning",
  pab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  repository: "aws:ecr/repository:Repository",
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  service: "aws:ecs/service:Service",
  cluster: "aws:ecs/cluster:Cluster",
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
  listener: "aws:lb/listener:Listener",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  policy: "aws:iam/policy:Policy",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  fn: "aws:lambda/function:Function",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  stateMachine: "aws:sfn/stateMachine:StateMachine",
  mwaa: "aws:mwaa/environment:Environment",
  iotPolicy: "aws:iot/policy:Policy",
  roleAlias: "aws:iot/roleAlias:RoleAlias",
  parameter: "aws:ssm/parameter:Parameter",
  featureGroup: "aws:sagemaker/featureGroup:FeatureGroup",
  modelPackageGroup: "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
  deployment: "aws-native:greengrassv2:Deployment",
  topic: "aws:sns/topic:Topic",
  topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
} as const;

// ---- S3 ----------------------------------------------------------------------------------------------------------

export const BUCKET_ID = "data-5f3a2c1";
export const BUCKET_ARN = `arn:aws:s3:::${BUCKET_ID}`;

export function bucket(name = "data", id = BUCKET_ID, protect = true): CheckedResource {
  return res(T.bucket, name, { forceDestroy: false }, { id, arn: `arn:aws:s3:::${id}`, options: { protect, retainOnDelete: false } });
}

/** The bucket policy every bucket of the platform has (components/iam.ts), as JSON. */
export function tlsOnlyPolicy(bucketArn = BUCKET_ARN): string {
  return JSON.stringify(tlsOnlyBucketPolicy(bucketArn));
}

/** A bucket with every companion the S3 rules ask for. */
export function compliantBucket(name = "data", id = BUCKET_ID): CheckedResource[] {
  return [
    bucket(name, id),
    res(T.sse, `${name}-encryption`, { bucket: id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }),
    res(T.versioning, `${name}-versioning`, { bucket: id, versioningConfiguration: { status: "Enabled" } }),
    res(T.pab, `${name}-public-access`, { bucket: id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }),
    res(T.bucketPolicy, `${name}-policy`, { bucket: id, policy: tlsOnlyPolicy(`arn:aws:s3:::${id}`) }),
  ];
}

// ---- containers ---------------------------------------------------------------------------------------------------

export function container(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "inference",
    image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/repo@sha256:${"a".repeat(64)}`,
    essential: true,
    readonlyRootFilesystem: true,
    privileged: false,
    logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/edge-mlops/test/inference", "awslogs-region": REGION } },
    ...overrides,
  };
}

export function taskDefinition(containers: Record<string, unknown>[]): CheckedResource {
  return res(T.taskDefinition, "task", { family: "inference", containerDefinitions: JSON.stringify(containers), networkMode: "awsvpc" });
}

export const LB_ARN = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/lb-1/0123456789abcdef`;
export const TG_ARN = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/tg-1/0123456789abcdef`;
export const CERT_ARN = `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555`;

/** The application load balancer the listeners belong to (ARN `LB_ARN`). */
export function applicationLoadBalancer(): CheckedResource {
  return res(T.loadBalancer, "lb", { loadBalancerType: "application", dropInvalidHeaderFields: true, enableDeletionProtection: true }, { id: LB_ARN, arn: LB_ARN });
}

export function listener(name: string, inputs: Record<string, unknown>): CheckedResource {
  return res(T.listener, name, { loadBalancerArn: LB_ARN, ...inputs });
}
export const forward = [{ type: "forward", targetGroupArn: TG_ARN }];
export const redirectToHttps = [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }];

// ---- IAM ----------------------------------------------------------------------------------------------------------

export function doc(...statements: Record<string, unknown>[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

export function rolePolicy(name: string, policy: unknown, role = "role-1"): CheckedResource {
  return res(T.rolePolicy, name, { role, policy });
}

export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/sagemaker-execution`;

// ---- workflows ----------------------------------------------------------------------------------------------------

export const RETRY = [{ ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 }];
export const CATCH = [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Failed" }];

export function task(next?: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Retry: RETRY, Catch: CATCH, ...(next ? { Next: next } : { End: true }), ...extra };
}

export function machine(definition: unknown, inputs: Record<string, unknown> = {}): CheckedResource {
  return res(T.stateMachine, "training", {
    definition: JSON.stringify(definition),
    loggingConfiguration: { level: "ALL", includeExecutionData: false, logDestination: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/sfn/training:*` },
    tracingConfiguration: { enabled: true },
    ...inputs,
  });
}

export function mwaaLogging(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const on = { enabled: true, logLevel: "INFO" };
  return { dagProcessingLogs: on, schedulerLogs: on, taskLogs: on, webserverLogs: on, workerLogs: on, ...overrides };
}

// ---- IoT ----------------------------------------------------------------------------------------------------------

export const SCOPE = { partition: "aws", region: REGION, accountId: ACCOUNT };
export const ROLE_ALIAS_ARN = `arn:aws:iot:${REGION}:${ACCOUNT}:rolealias/edge-mlops-test-token-exchange`;
export const TOKEN_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/token-exchange-1a2b3c4`;

export function corePolicyJson(): string {
  return JSON.stringify(coreDevicePolicy({ ...SCOPE, stack: "dev", roleAliasArn: ROLE_ALIAS_ARN }));
}

export function tokenExchangePolicyJson(): string {
  return JSON.stringify(
    tokenExchangeRolePolicy({
      ...SCOPE,
      artifactBucketArn: "arn:aws:s3:::edge-artifacts-1a2b3c",
      artifactPrefix: "artifacts/",
      repositoryArns: [`arn:aws:ecr:${REGION}:${ACCOUNT}:repository/test-repo-1a2b3c`],
      logGroupPrefix: "/aws/greengrass/",
      stack: "dev",
    }),
  );
}

/** A role alias, its role (id `token-exchange-1a2b3c4`) and the role's policy. */
export function roleAliasStack(policy: string): CheckedResource[] {
  return [
    res(T.roleAlias, "token-exchange-alias", { alias: "edge-mlops-test-token-exchange", roleArn: TOKEN_ROLE_ARN, credentialDuration: 3600 }),
    res(T.role, "token-exchange", { assumeRolePolicy: "{}" }, { id: "token-exchange-1a2b3c4", arn: TOKEN_ROLE_ARN }),
    rolePolicy("token-exchange-policy", policy, "token-exchange-1a2b3c4"),
  ];
}

/** A role alias with credentials of `duration` seconds and its role, with `maxSession` (unset: IAM's 3600). */
export function sessionStack(duration: number, maxSession: number | undefined): CheckedResource[] {
  return [
    res(T.roleAlias, "token-exchange-alias", { alias: "edge-mlops-test-token-exchange", roleArn: TOKEN_ROLE_ARN, credentialDuration: duration }),
    res(T.role, "token-exchange", { assumeRolePolicy: "{}", ...(maxSession !== undefined ? { maxSessionDuration: maxSession } : {}) }, { id: "token-exchange-1a2b3c4", arn: TOKEN_ROLE_ARN }),
  ];
}

// ---- SNS ----------------------------------------------------------------------------------------------------------

export const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:alarms-1a2b3c4`;

/** The TLS-only deny of a topic policy, as the observability component writes it. */
export function denyPublishWithoutTls(topicArn = TOPIC_ARN): Record<string, unknown> {
  return { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "sns:Publish", Resource: topicArn, Condition: { Bool: { "aws:SecureTransport": "false" } } };
}

export const allowAlarmsToPublish = { Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: "sns:Publish", Resource: TOPIC_ARN };

/** A topic (id and ARN are its ARN, as for aws.sns.Topic) and, when given, a TopicPolicy with these statements. */
export function topicStack(...statements: Record<string, unknown>[]): CheckedResource[] {
  const topic = res(T.topic, "alarms", { kmsMasterKeyId: "alias/alarms" }, { id: TOPIC_ARN, arn: TOPIC_ARN });
  return statements.length === 0 ? [topic] : [topic, res(T.topicPolicy, "alarms-policy", { arn: TOPIC_ARN, policy: doc(...statements) })];
}

// ---- Greengrass ---------------------------------------------------------------------------------------------------

export function deploymentInputs(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    targetArn: `arn:aws:iot:${REGION}:${ACCOUNT}:thinggroup/fleet`,
    deploymentPolicies: { failureHandlingPolicy: "ROLLBACK", componentUpdatePolicy: { action: "NOTIFY_COMPONENTS", timeoutInSeconds: 60 } },
    iotJobConfiguration: {
      jobExecutionsRolloutConfig: { maximumPerMinute: 20 },
      abortConfig: { criteriaList: [{ action: "CANCEL", failureType: "ALL", minNumberOfExecutedThings: 10, thresholdPercentage: 5 }] },
    },
    ...overrides,
  };
}

// ---- one failing and one passing case per rule ---------------------------------------------------------------------

export interface RuleCase {
  /** Resources that break the rule... */
  readonly bad: CheckedResource[];
  /** ...with a message containing this text. */
  readonly fires: string;
  /** Resources that satisfy it. */
  readonly good: CheckedResource[];
}

const [dataBucket, sse, versioning, pab, bucketPolicyOk] = compliantBucket();

export const CASES: Record<string, RuleCase> = {
  "s3-encryption": {
    bad: [dataBucket, versioning, pab, bucketPolicyOk],
    fires: `bucket "data" has no BucketServerSideEncryptionConfiguration`,
    good: compliantBucket(),
  },
  "s3-versioning": {
    bad: [dataBucket, sse, res(T.versioning, "data-versioning", { bucket: BUCKET_ID, versioningConfiguration: { status: "Suspended" } })],
    fires: `bucket "data" has versioning "Suspended"; it must be "Enabled"`,
    good: compliantBucket(),
  },
  "s3-public-access-block": {
    bad: [dataBucket, res(T.pab, "data-public-access", { bucket: BUCKET_ID, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: false })],
    fires: `bucket "data" public access block leaves restrictPublicBuckets off`,
    good: compliantBucket(),
  },
  "s3-tls-only": {
    bad: [
      dataBucket,
      res(T.bucketPolicy, "data-policy", {
        bucket: BUCKET_ID,
        policy: doc({ Effect: "Allow", Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" }, Action: "s3:PutObject", Resource: `${BUCKET_ARN}/AWSLogs/*` }),
      }),
    ],
    fires: `bucket "data" accepts requests without TLS: "data-policy" has no Deny of s3:*`,
    good: compliantBucket(),
  },
  "ecr-scan-on-push": {
    bad: [res(T.repository, "repo", { imageScanningConfiguration: { scanOnPush: false }, imageTagMutability: "IMMUTABLE" })],
    fires: `repository "repo" does not scan images on push`,
    good: [res(T.repository, "repo", { imageScanningConfiguration: { scanOnPush: true }, imageTagMutability: "IMMUTABLE" })],
  },
  "ecr-immutable-tags": {
    bad: [res(T.repository, "repo", { imageScanningConfiguration: { scanOnPush: true } })],
    fires: `repository "repo" has imageTagMutability unset (MUTABLE by default); it must be "IMMUTABLE"`,
    good: [res(T.repository, "repo", { imageScanningConfiguration: { scanOnPush: true }, imageTagMutability: "IMMUTABLE" })],
  },
  "ecs-read-only-root-filesystem": {
    bad: [taskDefinition([container({ readonlyRootFilesystem: undefined })])],
    fires: `container "inference" of task definition "task" has a writable root filesystem`,
    good: [taskDefinition([container()])],
  },
  "ecs-not-privileged": {
    bad: [taskDefinition([container(), container({ name: "sidecar", privileged: true })])],
    fires: `container "sidecar" of task definition "task" is privileged`,
    good: [taskDefinition([container(), container({ name: "sidecar" })])],
  },
  "ecs-container-logging": {
    bad: [taskDefinition([container({ logConfiguration: undefined })])],
    fires: `container "inference" of task definition "task" has no logConfiguration.logDriver`,
    good: [taskDefinition([container()])],
  },
  "ecs-service-no-public-ip": {
    bad: [res(T.service, "service", { launchType: "FARGATE", networkConfiguration: { subnets: ["subnet-1"], assignPublicIp: true } })],
    fires: `service "service" assigns public IPs to its tasks`,
    good: [res(T.service, "service", { launchType: "FARGATE", networkConfiguration: { subnets: ["subnet-1"], assignPublicIp: false } })],
  },
  "ecs-container-insights": {
    bad: [res(T.cluster, "cluster", { settings: [{ name: "containerInsights", value: "disabled" }] })],
    fires: `cluster "cluster" has containerInsights "disabled"`,
    good: [res(T.cluster, "cluster", { settings: [{ name: "containerInsights", value: "enabled" }] })],
  },
  "ecs-deployment-circuit-breaker": {
    bad: [res(T.service, "service", { launchType: "FARGATE", deploymentCircuitBreaker: { enable: true, rollback: false } })],
    fires: `service "service" does not roll back a failed deployment (deploymentCircuitBreaker.rollback false)`,
    good: [res(T.service, "service", { launchType: "FARGATE", deploymentCircuitBreaker: { enable: true, rollback: true } })],
  },
  "alb-https-redirect": {
    bad: [
      applicationLoadBalancer(),
      listener("https", { port: 443, protocol: "HTTPS", certificateArn: CERT_ARN, sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06", defaultActions: forward }),
      listener("http", { port: 80, protocol: "HTTP", defaultActions: forward }),
    ],
    fires: `listener "http" serves plain HTTP on a load balancer with HTTPS listener "https"`,
    good: [
      applicationLoadBalancer(),
      listener("https", { port: 443, protocol: "HTTPS", certificateArn: CERT_ARN, sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06", defaultActions: forward }),
      listener("http", { port: 80, protocol: "HTTP", defaultActions: redirectToHttps }),
    ],
  },
  "alb-tls-policy": {
    bad: [listener("https", { port: 443, protocol: "HTTPS", certificateArn: CERT_ARN, sslPolicy: "ELBSecurityPolicy-2016-08", defaultActions: forward })],
    fires: `HTTPS listener "https" uses sslPolicy "ELBSecurityPolicy-2016-08", which allows TLS older than 1.2`,
    good: [listener("https", { port: 443, protocol: "HTTPS", certificateArn: CERT_ARN, sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06", defaultActions: forward })],
  },
  "alb-drop-invalid-headers": {
    bad: [res(T.loadBalancer, "lb", { loadBalancerType: "application", dropInvalidHeaderFields: false, enableDeletionProtection: true })],
    fires: `application load balancer "lb" forwards invalid header fields`,
    good: [res(T.loadBalancer, "lb", { loadBalancerType: "application", dropInvalidHeaderFields: true, enableDeletionProtection: true })],
  },
  "alb-deletion-protection": {
    bad: [res(T.loadBalancer, "lb", { dropInvalidHeaderFields: true })],
    fires: `load balancer "lb" has no deletion protection`,
    good: [res(T.loadBalancer, "lb", { dropInvalidHeaderFields: true, enableDeletionProtection: true })],
  },
  "alb-public-closed": {
    bad: [
      res(T.loadBalancer, "lb", { loadBalancerType: "application", dropInvalidHeaderFields: true, enableDeletionProtection: true, internal: false }, { id: LB_ARN, arn: LB_ARN }),
      listener("http", { port: 80, protocol: "HTTP", defaultActions: forward }),
    ],
    fires: `internet-facing load balancer "lb": listener "http" serves plain HTTP`,
    good: [
      res(T.loadBalancer, "lb", { loadBalancerType: "application", dropInvalidHeaderFields: true, enableDeletionProtection: true, internal: true }, { id: LB_ARN, arn: LB_ARN }),
      listener("https", { port: 443, protocol: "HTTPS", certificateArn: CERT_ARN, sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06", defaultActions: forward }),
    ],
  },
  "iam-no-wildcard-actions": {
    bad: [rolePolicy("policy", doc({ Sid: "Data", Effect: "Allow", Action: ["s3:*"], Resource: [BUCKET_ARN] }))],
    fires: `policy of "policy": Statement[0] (Sid "Data") allows action "s3:*": every s3 action`,
    good: [rolePolicy("policy", doc({ Sid: "Data", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: [`${BUCKET_ARN}/*`] }))],
  },
  "iam-no-admin-managed-policies": {
    bad: [res(T.attachment, "admin", { role: "role-1", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" })],
    fires: `"admin" attaches managed policy arn:aws:iam::aws:policy/AdministratorAccess`,
    good: [res(T.attachment, "basic", { role: "role-1", policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" })],
  },
  "iam-passrole-scoped": {
    bad: [rolePolicy("policy", doc({ Effect: "Allow", Action: "iam:PassRole", Resource: "*" }))],
    fires: `policy of "policy": Statement[0] grants iam:PassRole on "*"`,
    good: [rolePolicy("policy", doc({ Effect: "Allow", Action: "iam:PassRole", Resource: ROLE_ARN, Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } } }))],
  },
  "iam-passrole-passed-to-service": {
    bad: [rolePolicy("policy", doc({ Effect: "Allow", Action: "iam:PassRole", Resource: ROLE_ARN }))],
    fires: `policy of "policy": Statement[0] grants iam:PassRole without an iam:PassedToService condition`,
    good: [rolePolicy("policy", doc({ Effect: "Allow", Action: "iam:PassRole", Resource: ROLE_ARN, Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } } }))],
  },
  "lambda-tracing": {
    bad: [res(T.fn, "fn", { tracingConfig: { mode: "PassThrough" }, reservedConcurrentExecutions: 1 })],
    fires: `function "fn" has tracing "PassThrough"`,
    good: [res(T.fn, "fn", { tracingConfig: { mode: "Active" }, reservedConcurrentExecutions: 1 })],
  },
  "lambda-reserved-concurrency": {
    bad: [res(T.fn, "fn", { tracingConfig: { mode: "Active" }, reservedConcurrentExecutions: -1 })],
    fires: `function "fn" has reservedConcurrentExecutions -1`,
    good: [res(T.fn, "fn", { tracingConfig: { mode: "Active" }, reservedConcurrentExecutions: 5 })],
  },
  "lambda-log-retention": {
    bad: [res(T.fn, "fn", { name: "register-model" })],
    fires: `function "fn" logs to /aws/lambda/register-model, which no log group of this stack manages`,
    good: [res(T.fn, "fn", { name: "register-model" }), res(T.logGroup, "fn-logs", { name: "/aws/lambda/register-model", retentionInDays: 30 })],
  },
  "sfn-logging": {
    bad: [machine({ StartAt: "A", States: { A: task() } }, { loggingConfiguration: { level: "OFF" } })],
    fires: `state machine "training" has logging level "OFF"`,
    good: [machine({ StartAt: "A", States: { A: task() } })],
  },
  "sfn-tracing": {
    bad: [machine({ StartAt: "A", States: { A: task() } }, { tracingConfiguration: { enabled: false } })],
    fires: `state machine "training" is not traced`,
    good: [machine({ StartAt: "A", States: { A: task() } })],
  },
  "sfn-task-retry-catch": {
    bad: [machine({ StartAt: "A", States: { A: task("B"), B: { Type: "Task", Resource: "arn:aws:states:::sagemaker:createTrainingJob.sync", Retry: RETRY, End: true } } })],
    fires: `state machine "training": Task state B has no Catch`,
    good: [machine({ StartAt: "A", States: { A: task("B"), B: task() } })],
  },
  "mwaa-private-webserver": {
    bad: [res(T.mwaa, "airflow", { webserverAccessMode: "PUBLIC_ONLY", loggingConfiguration: mwaaLogging() })],
    fires: `MWAA environment "airflow" has webserverAccessMode "PUBLIC_ONLY"`,
    good: [res(T.mwaa, "airflow", { webserverAccessMode: "PRIVATE_ONLY", loggingConfiguration: mwaaLogging() })],
  },
  "mwaa-logging": {
    bad: [res(T.mwaa, "airflow", { webserverAccessMode: "PRIVATE_ONLY", loggingConfiguration: mwaaLogging({ workerLogs: { enabled: false } }) })],
    fires: `MWAA environment "airflow" does not enable workerLogs`,
    good: [res(T.mwaa, "airflow", { webserverAccessMode: "PRIVATE_ONLY", loggingConfiguration: mwaaLogging() })],
  },
  "iot-policy-least-privilege": {
    bad: [res(T.iotPolicy, "devices", { policy: doc({ Effect: "Allow", Action: ["iot:*"], Resource: [`arn:aws:iot:${REGION}:${ACCOUNT}:topic/edge-mlops/*`] }) })],
    fires: `IoT policy "devices": Statement[0] allows action "iot:*", which grants every iot action`,
    good: [res(T.iotPolicy, "devices", { policy: corePolicyJson() })],
  },
  "iot-role-alias-credential-duration": {
    bad: [res(T.roleAlias, "alias", { alias: "edge-mlops-test-token-exchange", roleArn: TOKEN_ROLE_ARN, credentialDuration: 43200 })],
    fires: `role alias "alias" hands out credentials for 43200 seconds`,
    good: [res(T.roleAlias, "alias", { alias: "edge-mlops-test-token-exchange", roleArn: TOKEN_ROLE_ARN, credentialDuration: 3600 })],
  },
  "iot-role-alias-role-policies": {
    bad: roleAliasStack(doc({ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["*"] })),
    fires: `role alias "token-exchange-alias" -> role "token-exchange": policy of "token-exchange-policy": Statement[0] allows "s3:GetObject" on resource "*"`,
    good: roleAliasStack(tokenExchangePolicyJson()),
  },
  "iot-role-alias-session-fits-role": {
    bad: sessionStack(7200, undefined),
    fires: `role alias "token-exchange-alias" hands out credentials for 7200 seconds but role "token-exchange" allows sessions of 3600: set its maxSessionDuration to at least 7200`,
    good: sessionStack(7200, 7200),
  },
  "log-group-retention": {
    bad: [res(T.logGroup, "logs", { namePrefix: "/edge-mlops/test/" })],
    fires: `log group "logs" keeps its logs forever (retentionInDays unset)`,
    good: [res(T.logGroup, "logs", { namePrefix: "/edge-mlops/test/", retentionInDays: 365 })],
  },
  "ssm-secure-string-for-secrets": {
    bad: [res(T.parameter, "db-password", { name: "/edge-mlops/test/db-password", type: "String", value: "x" })],
    fires: `parameter "db-password" looks like a secret ("/edge-mlops/test/db-password") but has type "String"`,
    good: [res(T.parameter, "db-password", { name: "/edge-mlops/test/db-password", type: "SecureString", value: "x" })],
  },
  "sns-tls-only": {
    bad: topicStack(allowAlarmsToPublish),
    fires: `topic "alarms" accepts publishes without TLS: policy of "alarms-policy" has no Deny of sns:Publish`,
    good: topicStack(allowAlarmsToPublish, denyPublishWithoutTls()),
  },
  "stateful-resources-protected": {
    bad: [res(T.featureGroup, "features", { featureGroupName: "abalone" })],
    fires: `FeatureGroup "features" holds data but is not protected`,
    good: [res(T.featureGroup, "features", { featureGroupName: "abalone" }, { options: { protect: true } })],
  },
  "greengrass-deployment-safety": {
    bad: [res(T.deployment, "deployment", deploymentInputs({ deploymentPolicies: { failureHandlingPolicy: "DO_NOTHING" } }), { options: { protect: false, retainOnDelete: true } })],
    fires: `deployment "deployment" has failureHandlingPolicy "DO_NOTHING"`,
    good: [res(T.deployment, "deployment", deploymentInputs(), { options: { protect: false, retainOnDelete: true } })],
  },
};

/**
 * Where a rule maps to several Checkov checks that each look at one part of it, the rule's `bad` case breaks one
 * part only. These cases break the part a given check looks at (per rule, per Checkov id); the rule fires on each
 * of them too. test/export/checkov-fixtures.test.ts runs Checkov on them.
 */
export const CHECKOV_BAD: Record<string, Record<string, CheckedResource[]>> = {
  "s3-public-access-block": {
    ...Object.fromEntries(
      (
        [
          ["CKV_AWS_53", "blockPublicAcls"],
          ["CKV_AWS_54", "blockPublicPolicy"],
          ["CKV_AWS_55", "ignorePublicAcls"],
        ] as const
      ).map(([id, flag]) => [id, [dataBucket, res(T.pab, "data-public-access", { ...pab.inputs, [flag]: false })]]),
    ),
    CKV2_AWS_6: [dataBucket, sse, versioning, bucketPolicyOk],
  },
  "iam-no-wildcard-actions": {
    CKV_AWS_62: [rolePolicy("policy", doc({ Sid: "Admin", Effect: "Allow", Action: "*", Resource: "*" }))],
  },
  "lambda-tracing": { CKV_AWS_50: [res(T.fn, "fn", { reservedConcurrentExecutions: 1 })] },
  "lambda-reserved-concurrency": { CKV_AWS_115: [res(T.fn, "fn", { tracingConfig: { mode: "Active" } })] },
  "lambda-log-retention": {
    CKV_AWS_66: [res(T.fn, "fn", { name: "register-model" }), res(T.logGroup, "fn-logs", { name: "/aws/lambda/register-model" })],
  },
  "mwaa-logging": {
    CKV_AWS_242: [res(T.mwaa, "airflow", { webserverAccessMode: "PRIVATE_ONLY", loggingConfiguration: mwaaLogging({ schedulerLogs: { enabled: false } }) })],
    CKV_AWS_244: [res(T.mwaa, "airflow", { webserverAccessMode: "PRIVATE_ONLY", loggingConfiguration: mwaaLogging({ webserverLogs: { enabled: false } }) })],
  },
};

// ---- settings left out, set wrong, set right ---------------------------------------------------------------------

/** Three cases for one setting a rule requires (see `awsDefaults` of the rule). */
export interface AbsentCase {
  /** The setting left out: fails exactly when AWS's default does not comply. */
  readonly omitted: CheckedResource[];
  /** The setting given a value the rule rejects. */
  readonly wrong: CheckedResource[];
  /** The setting given a value the rule accepts. */
  readonly passing: CheckedResource[];
}

const pabFlags = (flags: Record<string, unknown>) => res(T.pab, "data-public-access", { bucket: BUCKET_ID, ...flags });
const sseRules = (rules: unknown) => res(T.sse, "data-encryption", { bucket: BUCKET_ID, rules });
const repo = (inputs: Record<string, unknown>) => res(T.repository, "repo", inputs);
const service = (inputs: Record<string, unknown>) => res(T.service, "service", { launchType: "FARGATE", ...inputs });
const loadBalancer = (inputs: Record<string, unknown>) => res(T.loadBalancer, "lb", { loadBalancerType: "application", ...inputs });
const https = (inputs: Record<string, unknown>) => listener("https", { port: 443, protocol: "HTTPS", certificateArn: CERT_ARN, defaultActions: forward, ...inputs });
const fn = (inputs: Record<string, unknown>) => res(T.fn, "fn", inputs);
const passRole = (extra: Record<string, unknown>) => [rolePolicy("policy", doc({ Effect: "Allow", Action: "iam:PassRole", Resource: ROLE_ARN, ...extra }))];
const fnLogs = (name: string, retentionInDays?: number) => res(T.logGroup, "fn-logs", { name, retentionInDays });
const mwaa = (inputs: Record<string, unknown>) => res(T.mwaa, "airflow", inputs);
const deployment = (inputs: Record<string, unknown>) => res(T.deployment, "deployment", inputs, { options: { protect: false, retainOnDelete: true } });
const { iotJobConfiguration: job } = deploymentInputs() as { iotJobConfiguration: Record<string, unknown> };
const taskDefinitionWith = (overrides: Record<string, unknown>) => [taskDefinition([container(overrides)])];

export const ABSENT_CASES: Record<string, Record<string, AbsentCase>> = {
  "s3-encryption": {
    BucketServerSideEncryptionConfiguration: { omitted: [dataBucket, versioning, pab, bucketPolicyOk], wrong: [dataBucket, sseRules([])], passing: compliantBucket() },
    "BucketServerSideEncryptionConfiguration.rules[].applyServerSideEncryptionByDefault.sseAlgorithm": {
      omitted: [dataBucket, sseRules([{ bucketKeyEnabled: true }])],
      wrong: [dataBucket, sseRules([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "SSE-C" } }])],
      passing: [dataBucket, sseRules([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }])],
    },
  },
  "s3-versioning": {
    BucketVersioning: {
      omitted: [dataBucket, sse],
      wrong: [dataBucket, res(T.versioning, "data-versioning", { bucket: BUCKET_ID, versioningConfiguration: { status: "Suspended" } })],
      passing: [dataBucket, versioning],
    },
  },
  "s3-public-access-block": {
    BucketPublicAccessBlock: {
      omitted: [dataBucket, sse],
      wrong: [dataBucket, pabFlags({ blockPublicAcls: false, blockPublicPolicy: false, ignorePublicAcls: false, restrictPublicBuckets: false })],
      passing: [dataBucket, pab],
    },
    "BucketPublicAccessBlock.<blockPublicAcls|blockPublicPolicy|ignorePublicAcls|restrictPublicBuckets>": {
      omitted: [dataBucket, pabFlags({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true })],
      wrong: [dataBucket, pabFlags({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: false })],
      passing: [dataBucket, pabFlags({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true })],
    },
  },
  "s3-tls-only": {
    BucketPolicy: {
      omitted: [dataBucket, sse],
      wrong: [dataBucket, res(T.bucketPolicy, "data-policy", { bucket: BUCKET_ID, policy: doc({ Effect: "Deny", Principal: "*", Action: "s3:DeleteBucket", Resource: BUCKET_ARN }) })],
      passing: [dataBucket, bucketPolicyOk],
    },
  },
  "ecr-scan-on-push": {
    "imageScanningConfiguration.scanOnPush": {
      omitted: [repo({ imageTagMutability: "IMMUTABLE" })],
      wrong: [repo({ imageTagMutability: "IMMUTABLE", imageScanningConfiguration: { scanOnPush: false } })],
      passing: [repo({ imageTagMutability: "IMMUTABLE", imageScanningConfiguration: { scanOnPush: true } })],
    },
  },
  "ecr-immutable-tags": {
    imageTagMutability: {
      omitted: [repo({})],
      wrong: [repo({ imageTagMutability: "MUTABLE" })],
      passing: [repo({ imageTagMutability: "IMMUTABLE" })],
    },
  },
  "ecs-read-only-root-filesystem": {
    "containerDefinitions[].readonlyRootFilesystem": {
      omitted: taskDefinitionWith({ readonlyRootFilesystem: undefined }),
      wrong: taskDefinitionWith({ readonlyRootFilesystem: false }),
      passing: taskDefinitionWith({ readonlyRootFilesystem: true }),
    },
  },
  "ecs-not-privileged": {
    "containerDefinitions[].privileged": {
      omitted: taskDefinitionWith({ privileged: undefined }),
      wrong: taskDefinitionWith({ privileged: true }),
      passing: taskDefinitionWith({ privileged: false }),
    },
  },
  "ecs-container-logging": {
    "containerDefinitions[].logConfiguration": {
      omitted: taskDefinitionWith({ logConfiguration: undefined }),
      wrong: taskDefinitionWith({ logConfiguration: { options: { "awslogs-group": "/edge-mlops/test/inference" } } }),
      passing: taskDefinitionWith({}),
    },
  },
  "ecs-service-no-public-ip": {
    "networkConfiguration.assignPublicIp": {
      omitted: [service({ networkConfiguration: { subnets: ["subnet-1"] } })],
      wrong: [service({ networkConfiguration: { subnets: ["subnet-1"], assignPublicIp: true } })],
      passing: [service({ networkConfiguration: { subnets: ["subnet-1"], assignPublicIp: false } })],
    },
  },
  "ecs-container-insights": {
    "settings[containerInsights]": {
      omitted: [res(T.cluster, "cluster", {})],
      wrong: [res(T.cluster, "cluster", { settings: [{ name: "containerInsights", value: "disabled" }] })],
      passing: [res(T.cluster, "cluster", { settings: [{ name: "containerInsights", value: "enhanced" }] })],
    },
  },
  "ecs-deployment-circuit-breaker": {
    "deploymentCircuitBreaker.enable": {
      omitted: [service({ deploymentCircuitBreaker: { rollback: true } })],
      wrong: [service({ deploymentCircuitBreaker: { enable: false, rollback: true } })],
      passing: [service({ deploymentCircuitBreaker: { enable: true, rollback: true } })],
    },
    "deploymentCircuitBreaker.rollback": {
      omitted: [service({ deploymentCircuitBreaker: { enable: true } })],
      wrong: [service({ deploymentCircuitBreaker: { enable: true, rollback: false } })],
      passing: [service({ deploymentController: { type: "ECS" }, deploymentCircuitBreaker: { enable: true, rollback: true } })],
    },
  },
  "alb-tls-policy": {
    sslPolicy: {
      omitted: [https({})],
      wrong: [https({ sslPolicy: "ELBSecurityPolicy-2016-08" })],
      passing: [https({ sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06" })],
    },
  },
  "alb-drop-invalid-headers": {
    dropInvalidHeaderFields: {
      omitted: [loadBalancer({ enableDeletionProtection: true })],
      wrong: [loadBalancer({ enableDeletionProtection: true, dropInvalidHeaderFields: false })],
      passing: [loadBalancer({ enableDeletionProtection: true, dropInvalidHeaderFields: true })],
    },
  },
  "alb-deletion-protection": {
    enableDeletionProtection: {
      omitted: [loadBalancer({ dropInvalidHeaderFields: true })],
      wrong: [loadBalancer({ dropInvalidHeaderFields: true, enableDeletionProtection: false })],
      passing: [loadBalancer({ dropInvalidHeaderFields: true, enableDeletionProtection: true })],
    },
  },
  "iam-passrole-passed-to-service": {
    "Condition[iam:PassedToService]": {
      omitted: passRole({}),
      wrong: passRole({ Condition: { StringNotEquals: { "iam:PassedToService": "ec2.amazonaws.com" } } }),
      passing: passRole({ Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } } }),
    },
  },
  "lambda-tracing": {
    "tracingConfig.mode": {
      omitted: [fn({ reservedConcurrentExecutions: 1 })],
      wrong: [fn({ reservedConcurrentExecutions: 1, tracingConfig: { mode: "PassThrough" } })],
      passing: [fn({ reservedConcurrentExecutions: 1, tracingConfig: { mode: "Active" } })],
    },
  },
  "lambda-reserved-concurrency": {
    reservedConcurrentExecutions: {
      omitted: [fn({ tracingConfig: { mode: "Active" } })],
      wrong: [fn({ tracingConfig: { mode: "Active" }, reservedConcurrentExecutions: -1 })],
      passing: [fn({ tracingConfig: { mode: "Active" }, reservedConcurrentExecutions: 5 })],
    },
  },
  "lambda-log-retention": {
    "loggingConfig.logGroup": {
      omitted: [fn({ name: "register-model" }), fnLogs("/edge-mlops/lambda/register-model", 30)],
      wrong: [fn({ name: "register-model", loggingConfig: { logGroup: "/edge-mlops/lambda/elsewhere" } }), fnLogs("/edge-mlops/lambda/register-model", 30)],
      passing: [fn({ name: "register-model", loggingConfig: { logGroup: "/edge-mlops/lambda/register-model" } }), fnLogs("/edge-mlops/lambda/register-model", 30)],
    },
  },
  "sfn-logging": {
    "loggingConfiguration.level": {
      omitted: [machine({ StartAt: "A", States: { A: task() } }, { loggingConfiguration: undefined })],
      wrong: [machine({ StartAt: "A", States: { A: task() } }, { loggingConfiguration: { level: "OFF" } })],
      passing: [machine({ StartAt: "A", States: { A: task() } })],
    },
  },
  "sfn-tracing": {
    "tracingConfiguration.enabled": {
      omitted: [machine({ StartAt: "A", States: { A: task() } }, { tracingConfiguration: undefined })],
      wrong: [machine({ StartAt: "A", States: { A: task() } }, { tracingConfiguration: { enabled: false } })],
      passing: [machine({ StartAt: "A", States: { A: task() } })],
    },
  },
  "mwaa-private-webserver": {
    webserverAccessMode: {
      omitted: [mwaa({ loggingConfiguration: mwaaLogging() })],
      wrong: [mwaa({ loggingConfiguration: mwaaLogging(), webserverAccessMode: "PUBLIC_ONLY" })],
      passing: [mwaa({ loggingConfiguration: mwaaLogging(), webserverAccessMode: "PRIVATE_ONLY" })],
    },
  },
  "mwaa-logging": {
    "loggingConfiguration.taskLogs.enabled": {
      omitted: [mwaa({ loggingConfiguration: mwaaLogging({ taskLogs: undefined }) })],
      wrong: [mwaa({ loggingConfiguration: mwaaLogging({ taskLogs: { enabled: false, logLevel: "INFO" } }) })],
      passing: [mwaa({ loggingConfiguration: mwaaLogging() })],
    },
    "loggingConfiguration.<dagProcessingLogs|schedulerLogs|webserverLogs|workerLogs>.enabled": {
      omitted: [mwaa({ loggingConfiguration: mwaaLogging({ workerLogs: { logLevel: "WARNING" } }) })],
      wrong: [mwaa({ loggingConfiguration: mwaaLogging({ workerLogs: { enabled: false, logLevel: "WARNING" } }) })],
      passing: [mwaa({ loggingConfiguration: mwaaLogging() })],
    },
  },
  "iot-role-alias-credential-duration": {
    credentialDuration: {
      omitted: [res(T.roleAlias, "alias", { alias: "a", roleArn: TOKEN_ROLE_ARN })],
      wrong: [res(T.roleAlias, "alias", { alias: "a", roleArn: TOKEN_ROLE_ARN, credentialDuration: 43200 })],
      passing: [res(T.roleAlias, "alias", { alias: "a", roleArn: TOKEN_ROLE_ARN, credentialDuration: 3600 })],
    },
  },
  "iot-role-alias-session-fits-role": {
    maxSessionDuration: {
      omitted: sessionStack(7200, undefined),
      wrong: sessionStack(7200, 3600),
      passing: sessionStack(7200, 43200),
    },
  },
  "log-group-retention": {
    retentionInDays: {
      omitted: [res(T.logGroup, "logs", { namePrefix: "/edge-mlops/prod/" })],
      wrong: [res(T.logGroup, "logs", { namePrefix: "/edge-mlops/prod/", retentionInDays: 14 })],
      passing: [res(T.logGroup, "logs", { namePrefix: "/edge-mlops/prod/", retentionInDays: 400 })],
    },
  },
  "sns-tls-only": {
    "TopicPolicy (or the topic's policy)": {
      omitted: topicStack(),
      wrong: topicStack(allowAlarmsToPublish, { ...denyPublishWithoutTls(), Action: "sns:Subscribe" }),
      passing: topicStack(allowAlarmsToPublish, denyPublishWithoutTls()),
    },
  },
  "greengrass-deployment-safety": {
    "deploymentPolicies.failureHandlingPolicy": {
      omitted: [deployment(deploymentInputs({ deploymentPolicies: { componentUpdatePolicy: { action: "NOTIFY_COMPONENTS", timeoutInSeconds: 60 } } }))],
      wrong: [deployment(deploymentInputs({ deploymentPolicies: { failureHandlingPolicy: "DO_NOTHING" } }))],
      passing: [deployment(deploymentInputs())],
    },
    "iotJobConfiguration.abortConfig": {
      omitted: [deployment(deploymentInputs({ iotJobConfiguration: { jobExecutionsRolloutConfig: job.jobExecutionsRolloutConfig } }))],
      wrong: [deployment(deploymentInputs({ iotJobConfiguration: { ...job, abortConfig: { criteriaList: [] } } }))],
      passing: [deployment(deploymentInputs())],
    },
    "iotJobConfiguration.jobExecutionsRolloutConfig": {
      omitted: [deployment(deploymentInputs({ iotJobConfiguration: { abortConfig: job.abortConfig } }))],
      wrong: [deployment(deploymentInputs({ iotJobConfiguration: { ...job, jobExecutionsRolloutConfig: {} } }))],
      passing: [deployment(deploymentInputs({ iotJobConfiguration: { ...job, jobExecutionsRolloutConfig: { exponentialRate: { baseRatePerMinute: 2, incrementFactor: 1.5, rateIncreaseCriteria: { numberOfSucceededThings: 10 } } } } }))],
    },
  },
};
