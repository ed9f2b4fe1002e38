// The release workflow: when a model package of the stack's group is Approved (or the released one Rejected), an
// EventBridge rule starts a Step Functions state machine (definition.ts) that stages the package's model.json at its
// immutable key in the model store, moves the cloud service's current-model pointer and rolls the ECS service onto
// it (rolling back when the rollout or a health alarm fails), rolls the model out to the edge fleet when the stack has
// one, records the released version, tags the package and notifies the stack's alarm topic.
//
// Children: the three release functions (release-resolve, release-stage, release-cloud: LambdaFunction, each with
// only the statements of policies.ts), the model schema release-stage validates against (uploaded beside the models,
// read at its exact S3 version), the state machine with its log group and role, and the rule with its role (allowed
// to start this state machine only, assumed by EventBridge for this rule only). Pulumi owns none of what a release
// moves: the pointer and released-version parameters are the model store's, with their values ignored.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { currentModelParameterName, releasedVersionParameterName } from "../../contracts/model-release";
import type { ModelDeploymentPolicies, ModelIotJobConfiguration, ReleaseEdgeEnvironment } from "../../contracts/release-edge-payloads";
import { RELEASE_TRIGGER_STATUSES, type CloudEnvironment, type ResolveEnvironment, type StageEnvironment } from "../../contracts/release-payloads";
import { resolveArgs } from "../args";
import { serviceTrustPolicy, type PolicyStatement } from "../iam";
import { LambdaFunction } from "../lambda-function";
import { scopedArn, type Scope } from "../training-workflow/policies";
import { releaseWorkflowSettings, type ReleaseWorkflowSettingsInput } from "./args";
import { buildReleaseDefinition } from "./definition";
import { buildEdgeBranch, type EdgeBranch } from "./edge-branch";
import { cloudStatements, edgeStatements, MODEL_SCHEMA_KEY, resolveStatements, stageStatements, startExecutionPolicy, stateMachinePolicy } from "./policies";
import { getPartitionOutput } from "@pulumi/aws/getPartition";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as iam from "@pulumi/aws/iam";
import * as s3 from "@pulumi/aws/s3";
import * as sfn from "@pulumi/aws/sfn";

export { releaseWorkflowSettings, MAX_ROLLOUT_WATCH_SECONDS, type ReleaseWorkflowSettings, type ReleaseWorkflowSettingsInput } from "./args";
export { MODEL_SCHEMA_KEY } from "./policies";

/** The model schema release-stage validates staged models against (the one the model server documents). */
export const MODEL_SCHEMA_FILE = path.join(__dirname, "..", "..", "service", "model", "model.schema.json");

/** Timeout of each release function; the Lambda tasks wait LAMBDA_TASK_TIMEOUT_SECONDS, above it. */
export const RELEASE_LAMBDA_TIMEOUT_SECONDS = 120;
export const LAMBDA_TASK_TIMEOUT_SECONDS = 150;

export interface ReleaseWorkflowArgs extends ReleaseWorkflowSettingsInput {
  /** The stack: names the parameters (contracts/model-release.ts), the state machine and the released tag. */
  readonly stack: string;
  readonly region: string;
  /** The model store's bucket. */
  readonly modelBucketName: pulumi.Input<string>;
  readonly modelBucketArn: pulumi.Input<string>;
  /** The training workflow's model package group and data bucket (where register-model writes each model.json). */
  readonly modelPackageGroupName: pulumi.Input<string>;
  readonly dataBucketArn: pulumi.Input<string>;
  /** The inference service the cloud branch rolls, and its health alarms (names and ARNs, in the same order). */
  readonly service: {
    readonly clusterName: pulumi.Input<string>;
    readonly serviceName: pulumi.Input<string>;
    readonly healthAlarmNames: pulumi.Input<pulumi.Input<string>[]>;
    readonly healthAlarmArns: pulumi.Input<pulumi.Input<string>[]>;
  };
  /** The stack's alarm topic (notifications) and its key. */
  readonly alarmTopicArn: pulumi.Input<string>;
  readonly alarmTopicKmsKeyArn?: pulumi.Input<string>;
  /**
   * The edge fleet the rollout's edge branch deploys to (EdgeFleet.canaryGroup and fleetGroup), the model component's
   * name and the fleet's deployment settings (edge-fleet/deployment.ts's deploymentPolicies and iotJobConfiguration).
   * @default undefined (no edge fleet: the Rollout has the cloud branch only)
   */
  readonly edgeFleet?: {
    readonly canaryGroupArn: pulumi.Input<string>;
    readonly fleetGroupArn: pulumi.Input<string>;
    readonly componentName: string;
    readonly deploymentPolicies: ModelDeploymentPolicies;
    readonly iotJobConfiguration: ModelIotJobConfiguration;
  };
}

export class ReleaseWorkflow extends pulumi.ComponentResource {
  public readonly functions: { readonly resolve: LambdaFunction; readonly stage: LambdaFunction; readonly cloud: LambdaFunction; readonly edge?: LambdaFunction };
  public readonly modelSchema: s3.BucketObjectv2;
  public readonly stateMachine: sfn.StateMachine;
  public readonly stateMachineArn: pulumi.Output<string>;
  public readonly logGroup: cloudwatch.LogGroup;
  public readonly role: iam.Role;
  public readonly rule: cloudwatch.EventRule;

  constructor(name: string, args: ReleaseWorkflowArgs, opts?: pulumi.ComponentResourceOptions) {
    const s = resolveArgs("ReleaseWorkflow", releaseWorkflowSettings, pickSettings(args));
    super("edge-mlops:release:ReleaseWorkflow", name, {}, opts);
    const parent = this;
    const partition = getPartitionOutput({}, { parent }).partition;
    const accountId = getCallerIdentityOutput({}, { parent }).accountId;
    const scope: pulumi.Output<Scope> = pulumi.all([partition, accountId]).apply(([p, a]) => ({ partition: p, region: args.region, accountId: a }));
    const pointer = currentModelParameterName(args.stack);
    const releasedVersion = releasedVersionParameterName(args.stack);

    this.modelSchema = new s3.BucketObjectv2(
      `${name}-model-schema`,
      { bucket: args.modelBucketName, key: MODEL_SCHEMA_KEY, source: new pulumi.asset.FileAsset(MODEL_SCHEMA_FILE), contentType: "application/schema+json" },
      { parent },
    );
    const fn = (folder: string, description: string, statements: pulumi.Input<PolicyStatement[]>, environment: Record<string, pulumi.Input<string>>) =>
      new LambdaFunction(
        `${name}-${folder}`,
        { folder, description, statements, environment, timeoutSeconds: RELEASE_LAMBDA_TIMEOUT_SECONDS, logRetentionDays: s.logRetentionDays, memoryMb: 512 },
        { parent },
      );
    const resolveEnv: Record<keyof ResolveEnvironment, pulumi.Input<string>> = { MODEL_PACKAGE_GROUP_NAME: args.modelPackageGroupName, RELEASED_VERSION_PARAMETER: releasedVersion };
    const stageEnv: Record<keyof StageEnvironment, pulumi.Input<string>> = {
      MODEL_BUCKET: args.modelBucketName,
      MODEL_PACKAGE_GROUP_NAME: args.modelPackageGroupName,
      MODEL_SCHEMA_KEY,
      MODEL_SCHEMA_VERSION_ID: this.modelSchema.versionId,
    };
    const cloudEnv: Record<keyof CloudEnvironment, pulumi.Input<string>> = { CLUSTER_NAME: args.service.clusterName, SERVICE_NAME: args.service.serviceName, POINTER_PARAMETER: pointer };
    this.functions = {
      resolve: fn("release-resolve", `Decides what a model package state change releases to ${args.stack}`, pulumi.all([scope]).apply(([sc]) => resolveStatements(sc, releasedVersion)), resolveEnv),
      stage: fn(
        "release-stage",
        `Stages released models of ${args.stack} at their immutable keys`,
        pulumi
          .all([scope, args.modelPackageGroupName, args.dataBucketArn, args.modelBucketArn])
          .apply(([sc, group, dataBucketArn, modelBucketArn]) => stageStatements(sc, { modelPackageGroupName: group, dataBucketArn, modelBucketArn })),
        stageEnv,
      ),
      cloud: fn(
        "release-cloud",
        `Moves the model pointer of ${args.stack} and rolls its inference service`,
        pulumi
          .all([scope, args.service.clusterName, args.service.serviceName, args.service.healthAlarmArns])
          .apply(([sc, clusterName, serviceName, alarmArns]) => cloudStatements(sc, { pointerParameterName: pointer, clusterName, serviceName, alarmArns })),
        cloudEnv,
      ),
    };

    const edge = args.edgeFleet;
    const edgeFn = edge
      ? fn(
          "release-edge",
          `Rolls released models of ${args.stack} out to the canary group, then the fleet`,
          pulumi
            .all([scope, edge.canaryGroupArn, edge.fleetGroupArn])
            .apply(([sc, canary, fleet]) => edgeStatements(sc, { componentName: edge.componentName, groupArns: [canary, fleet] })),
          {
            STACK: args.stack,
            DEPLOYMENT_POLICIES: JSON.stringify(edge.deploymentPolicies),
            IOT_JOB_CONFIGURATION: JSON.stringify(edge.iotJobConfiguration),
          } satisfies Record<keyof ReleaseEdgeEnvironment, string>,
        )
      : undefined;
    this.functions = { ...this.functions, ...(edgeFn ? { edge: edgeFn } : {}) };
    const edgeBranch = edge
      ? pulumi.all([edgeFn!.function.arn, edge.canaryGroupArn, edge.fleetGroupArn]).apply(([functionArn, canaryGroupArn, fleetGroupArn]) =>
          buildEdgeBranch({
            functionArn,
            canaryGroupArn,
            fleetGroupArn,
            componentName: edge.componentName,
            component: s.edge.component,
            canary: s.edge.canary,
            fleet: s.edge.fleet,
            lambdaTaskTimeoutSeconds: LAMBDA_TASK_TIMEOUT_SECONDS,
          }),
        )
      : undefined;

    const stateMachineName = `edge-mlops-${args.stack}-release`;
    this.logGroup = new cloudwatch.LogGroup(`${name}-release-logs`, { namePrefix: `/aws/vendedlogs/states/${stateMachineName}-`, retentionInDays: s.logRetentionDays }, { parent });
    this.role = new iam.Role(
      `${name}-release-role`,
      { description: `State machine ${stateMachineName}`, assumeRolePolicy: accountId.apply((a) => JSON.stringify(serviceTrustPolicy("states.amazonaws.com", { StringEquals: { "aws:SourceAccount": a } }))) },
      { parent },
    );
    const functionArns = [this.functions.resolve, this.functions.stage, this.functions.cloud].map((f) => f.function.arn);
    // (the edge function, when there is one, is added to the state machine's grant below)
    const rolePolicy = new iam.RolePolicy(
      `${name}-release-policy`,
      {
        role: this.role.id,
        policy: pulumi
          .all([scope, pulumi.all(functionArns), edgeFn?.function.arn, args.modelPackageGroupName, args.alarmTopicArn, args.alarmTopicKmsKeyArn])
          .apply(([sc, fns, edgeFn, group, topic, key]) =>
            JSON.stringify(
              stateMachinePolicy({
                ...sc,
                functionArns: edgeFn ? [...fns, edgeFn] : fns,
                pointerParameterName: pointer,
                releasedVersionParameterName: releasedVersion,
                modelPackageGroupName: group,
                alarmTopicArn: topic,
                ...(key ? { alarmTopicKmsKeyArn: key } : {}),
              }),
            ),
          ),
      },
      { parent },
    );
    const definition = pulumi
      .all([pulumi.all(functionArns), pulumi.output(edgeBranch), args.alarmTopicArn, pulumi.output(args.service.healthAlarmNames)])
      .apply(([[resolveArn, stageArn, cloudArn], edgeBranchStates, topic, alarmNames]) =>
        JSON.stringify(
          buildReleaseDefinition({
            stack: args.stack,
            resolveFunctionArn: resolveArn!,
            stageFunctionArn: stageArn!,
            cloudFunctionArn: cloudArn!,
            pointerParameterName: pointer,
            releasedVersionParameterName: releasedVersion,
            alarmTopicArn: topic,
            healthAlarmNames: alarmNames,
            rollout: s.rollout,
            lambdaTaskTimeoutSeconds: LAMBDA_TASK_TIMEOUT_SECONDS,
            ...(edgeBranchStates ? { edge: edgeBranchStates as unknown as EdgeBranch } : {}),
          }),
        ),
      );
    this.stateMachine = new sfn.StateMachine(
      `${name}-release`,
      {
        name: stateMachineName,
        type: "STANDARD",
        roleArn: this.role.arn,
        definition,
        loggingConfiguration: { level: "ALL", includeExecutionData: s.includeExecutionData, logDestination: pulumi.interpolate`${this.logGroup.arn}:*` },
        tracingConfiguration: { enabled: true },
      },
      // Step Functions checks at creation that the role may deliver logs.
      { parent, dependsOn: [rolePolicy] },
    );
    this.stateMachineArn = this.stateMachine.arn;
    this.rule = buildTrigger(name, parent, args, s.enabled, scope, this.stateMachineArn);
    this.registerOutputs({ stateMachineArn: this.stateMachineArn, ruleArn: this.rule.arn });
  }
}

function pickSettings(args: ReleaseWorkflowArgs): ReleaseWorkflowSettingsInput {
  const { enabled, rollout, edge, logRetentionDays, includeExecutionData } = args;
  return Object.fromEntries(Object.entries({ enabled, rollout, edge, logRetentionDays, includeExecutionData }).filter(([, v]) => v !== undefined));
}

/**
 * The EventBridge pattern of a release: SageMaker's model package state changes of this group only, to Approved or
 * Rejected (contracts/release-payloads.ts, RELEASE_TRIGGER_STATUSES).
 */
export function releaseEventPattern(modelPackageGroupName: string) {
  return {
    source: ["aws.sagemaker"],
    "detail-type": ["SageMaker Model Package State Change"],
    detail: { ModelPackageGroupName: [modelPackageGroupName], ModelApprovalStatus: [...RELEASE_TRIGGER_STATUSES] },
  };
}

/** The rule and its target; the role EventBridge assumes only for this rule (aws:SourceArn) may start only this machine. */
function buildTrigger(
  name: string,
  parent: pulumi.Resource,
  args: ReleaseWorkflowArgs,
  enabled: boolean,
  scope: pulumi.Output<Scope>,
  stateMachineArn: pulumi.Output<string>,
): cloudwatch.EventRule {
  const rule = new cloudwatch.EventRule(
    `${name}-release-trigger`,
    {
      description: `Releases model packages of the stack's group when they are Approved or Rejected (${args.stack})`,
      eventPattern: pulumi.output(args.modelPackageGroupName).apply((group) => JSON.stringify(releaseEventPattern(group))),
      state: enabled ? "ENABLED" : "DISABLED",
    },
    { parent },
  );
  const role = new iam.Role(
    `${name}-release-trigger-role`,
    {
      description: `EventBridge rule starting the ${args.stack} release`,
      // The rule's ARN on the default event bus, composed from its name (as IAM compares it).
      assumeRolePolicy: pulumi
        .all([scope, rule.name])
        .apply(([sc, ruleName]) =>
          JSON.stringify(
            serviceTrustPolicy("events.amazonaws.com", { StringEquals: { "aws:SourceAccount": sc.accountId, "aws:SourceArn": scopedArn(sc, "events", `rule/${ruleName}`) } }),
          ),
        ),
    },
    { parent },
  );
  const policy = new iam.RolePolicy(`${name}-release-trigger-policy`, { role: role.id, policy: stateMachineArn.apply((arn) => JSON.stringify(startExecutionPolicy(arn))) }, { parent });
  new cloudwatch.EventTarget(`${name}-release-target`, { rule: rule.name, arn: stateMachineArn, roleArn: role.arn }, { parent, dependsOn: [policy] });
  return rule;
}
