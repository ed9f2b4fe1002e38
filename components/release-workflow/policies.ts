// The release workflow's IAM documents, built as typed objects by pure functions from plain strings: the state
// machine's role, each function's statements and the EventBridge rule's role. The component calls them inside
// `pulumi.all(...).apply(...)` and passes `JSON.stringify(doc)` on.
//
// Least privilege: the state machine may invoke only its functions, put only the released-version parameter, read
// only the pointer, tag only the group's packages and publish only to the stack's topic; release-stage reads only the
// training runs' model.json and writes only under releases/; release-cloud puts only the pointer and updates only
// the one service. `*` appears only for actions without resource-level permissions (named beside each).
import { RELEASES_PREFIX } from "../../contracts/model-release";
import { MODEL_JSON_FILE } from "../../contracts/training-payloads";
import { POLICY_VERSION, stateMachineObservabilityStatements, type PolicyDocument, type PolicyStatement } from "../iam";
import { PREFIXES, scopedArn, type Scope } from "../training-workflow/policies";

/** Where release-stage finds the model schema it validates models against, in the model bucket. */
export const MODEL_SCHEMA_KEY = "schemas/model.schema.json";

/** ARN of an SSM parameter named `/a/b` (the name's leading `/` is part of `parameter/a/b`). */
export function parameterArn(s: Scope, name: string): string {
  return scopedArn(s, "ssm", `parameter${name}`);
}

/** Use of a customer-managed key through one service only. */
function keyVia(sid: string, s: Scope, keyArn: string, service: string, actions: readonly string[]): PolicyStatement {
  return { Sid: sid, Effect: "Allow", Action: actions, Resource: keyArn, Condition: { StringEquals: { "kms:ViaService": `${service}.${s.region}.amazonaws.com` } } };
}

export interface StateMachinePolicyInputs extends Scope {
  /** The release functions (resolve, stage, cloud, and edge when the stack has a fleet). */
  readonly functionArns: readonly string[];
  readonly pointerParameterName: string;
  readonly releasedVersionParameterName: string;
  readonly modelPackageGroupName: string;
  readonly alarmTopicArn: string;
  /** The topic's key: publishing to an encrypted topic needs it. */
  readonly alarmTopicKmsKeyArn?: string;
}

/**
 * The state machine's role: invoke its functions, read the pointer (ReadPointer), put the released version
 * (RecordVersion), tag the group's model packages (TagPackage), publish to the stack's topic, deliver logs and traces.
 */
export function stateMachinePolicy(p: StateMachinePolicyInputs): PolicyDocument {
  const statements: PolicyStatement[] = [
    { Sid: "InvokeReleaseFunctions", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: p.functionArns.flatMap((fn) => [fn, `${fn}:*`]) },
    { Sid: "ReadPointer", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: parameterArn(p, p.pointerParameterName) },
    { Sid: "RecordReleasedVersion", Effect: "Allow", Action: ["ssm:PutParameter"], Resource: parameterArn(p, p.releasedVersionParameterName) },
    { Sid: "TagReleasedPackages", Effect: "Allow", Action: ["sagemaker:AddTags"], Resource: scopedArn(p, "sagemaker", `model-package/${p.modelPackageGroupName}/*`) },
    { Sid: "Notify", Effect: "Allow", Action: ["sns:Publish"], Resource: p.alarmTopicArn },
    ...(p.alarmTopicKmsKeyArn ? [keyVia("EncryptNotifications", p, p.alarmTopicKmsKeyArn, "sns", ["kms:GenerateDataKey*", "kms:Decrypt"])] : []),
    ...stateMachineObservabilityStatements(),
  ];
  return { Version: POLICY_VERSION, Statement: statements };
}

/** release-resolve: read the released version; list the group's packages (List* has no resource-level permissions). */
export function resolveStatements(s: Scope, releasedVersionParameterName: string): PolicyStatement[] {
  return [
    { Sid: "ReadReleasedVersion", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: parameterArn(s, releasedVersionParameterName) },
    { Sid: "ListModelPackages", Effect: "Allow", Action: ["sagemaker:ListModelPackages"], Resource: "*" },
  ];
}

export interface StageStatementInputs {
  readonly modelPackageGroupName: string;
  /** The training data bucket: register-model writes each run's model.json under `training/`. */
  readonly dataBucketArn: string;
  readonly dataBucketKmsKeyArn?: string;
  readonly modelBucketArn: string;
}

/**
 * release-stage: describe the group's packages, read the runs' model.json, read the model schema at its version,
 * write (and read back) models under releases/ only.
 */
export function stageStatements(s: Scope, i: StageStatementInputs): PolicyStatement[] {
  return [
    { Sid: "DescribeModelPackages", Effect: "Allow", Action: ["sagemaker:DescribeModelPackage"], Resource: scopedArn(s, "sagemaker", `model-package/${i.modelPackageGroupName}/*`) },
    { Sid: "ReadTrainedModels", Effect: "Allow", Action: ["s3:GetObject"], Resource: `${i.dataBucketArn}/${PREFIXES.training}*/${MODEL_JSON_FILE}` },
    { Sid: "ReadModelSchema", Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: `${i.modelBucketArn}/${MODEL_SCHEMA_KEY}` },
    { Sid: "StageReleasedModels", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: `${i.modelBucketArn}/${RELEASES_PREFIX}*` },
    ...(i.dataBucketKmsKeyArn ? [keyVia("ReadTrainedModelsKey", s, i.dataBucketKmsKeyArn, "s3", ["kms:Decrypt"])] : []),
  ];
}

export interface CloudStatementInputs {
  readonly pointerParameterName: string;
  readonly clusterName: string;
  readonly serviceName: string;
  /** The health alarms check reads. */
  readonly alarmArns: readonly string[];
}

/** release-cloud: put the pointer, update and describe the one service, read its health alarms. */
export function cloudStatements(s: Scope, i: CloudStatementInputs): PolicyStatement[] {
  return [
    { Sid: "MovePointer", Effect: "Allow", Action: ["ssm:PutParameter"], Resource: parameterArn(s, i.pointerParameterName) },
    { Sid: "RollService", Effect: "Allow", Action: ["ecs:UpdateService", "ecs:DescribeServices"], Resource: scopedArn(s, "ecs", `service/${i.clusterName}/${i.serviceName}`) },
    ...(i.alarmArns.length > 0 ? [{ Sid: "ReadHealthAlarms", Effect: "Allow" as const, Action: ["cloudwatch:DescribeAlarms"], Resource: [...i.alarmArns] }] : []),
  ];
}

/** The EventBridge rule's role: start executions of the release state machine, nothing else. */
export function startExecutionPolicy(stateMachineArn: string): PolicyDocument {
  return { Version: POLICY_VERSION, Statement: [{ Sid: "StartRelease", Effect: "Allow", Action: ["states:StartExecution"], Resource: stateMachineArn }] };
}

export interface EdgeStatementInputs {
  /** The model component (one name, a version per released model). */
  readonly componentName: string;
  /** The canary and fleet thing groups the deployments target. */
  readonly groupArns: readonly string[];
}

/**
 * release-edge: publish and read the model component's versions; create and read deployments, which Greengrass
 * carries out as IoT jobs on the target thing groups (the IoT actions CreateDeployment needs, per "Authorize
 * Greengrass deployments" in the AWS IoT Greengrass V2 developer guide), and read those jobs and the groups' things.
 */
export function edgeStatements(s: Scope, i: EdgeStatementInputs): PolicyStatement[] {
  const component = scopedArn(s, "greengrass", `components:${i.componentName}`);
  return [
    {
      Sid: "PublishModelComponent",
      Effect: "Allow",
      Action: ["greengrass:CreateComponentVersion", "greengrass:DescribeComponent", "greengrass:GetComponent"],
      Resource: [component, `${component}:versions:*`],
    },
    {
      Sid: "DeployToModelGroups",
      Effect: "Allow",
      Action: ["greengrass:CreateDeployment", "iot:DescribeThingGroup", "iot:ListThingsInThingGroup"],
      Resource: [...i.groupArns],
    },
    { Sid: "ReadDeployments", Effect: "Allow", Action: ["greengrass:GetDeployment"], Resource: scopedArn(s, "greengrass", "deployments:*") },
    {
      Sid: "RunDeploymentJobs",
      Effect: "Allow",
      Action: ["iot:CreateJob", "iot:DescribeJob", "iot:UpdateJob", "iot:CancelJob"],
      Resource: [scopedArn(s, "iot", "job/*"), ...i.groupArns],
    },
    {
      Sid: "DeploymentShadows",
      Effect: "Allow",
      Action: ["iot:DescribeThing", "iot:GetThingShadow", "iot:UpdateThingShadow", "iot:DeleteThingShadow"],
      Resource: scopedArn(s, "iot", "thing/*"),
    },
  ];
}
