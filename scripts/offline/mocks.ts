// Runtime mocks for the offline plan and the component tests: every resource gets deterministic, realistic
// computed values (ids, ARNs in the stack's region and account 123456789012, URLs), and every data-source call the
// program makes gets a realistic answer. A call nobody planned for fails loudly instead of returning nothing.
import { partition as awsPartition } from "@aws-sdk/core/client";
import type * as pulumi from "@pulumi/pulumi";
import { SKLEARN_IMAGE_REGISTRY } from "../../components/regions";
import { vpcOutputs } from "./awsx-vpc";
import { hex } from "./hash";
import { identitySeed } from "./replacement";

export { hex };

export const ACCOUNT_ID = "123456789012";

/**
 * The registry account of SageMaker's prebuilt images, per repository and region: the tables the stack config judges
 * `aws:region` by (components/regions.ts), so a region the config lets through is one these answer for.
 */
const SAGEMAKER_REGISTRY: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "sagemaker-scikit-learn": SKLEARN_IMAGE_REGISTRY,
};

type State = Record<string, unknown>;

/**
 * The partition of a region and its DNS suffix (`aws` and `amazonaws.com`, `aws-cn` and `amazonaws.com.cn`, …), from
 * the AWS SDK's own partition table: ARNs and hostnames of a stack in China, GovCloud or an isolated region read as
 * they would there.
 */
export function partitionOf(region: string): { name: string; dnsSuffix: string } {
  const { name, dnsSuffix } = awsPartition(region);
  return { name, dnsSuffix };
}

/** The ARN "kind" segment AWS uses for a resource type, keyed by `module/Type`. */
const ARN_KIND: Readonly<Record<string, string>> = {
  "iam/Role": "role",
  "iam/Policy": "policy",
  "iam/InstanceProfile": "instance-profile",
  "ec2/Vpc": "vpc",
  "ec2/Subnet": "subnet",
  "ec2/SecurityGroup": "security-group",
  "ec2/FlowLog": "vpc-flow-log",
  "ec2/VpcEndpoint": "vpc-endpoint",
  "ecs/Cluster": "cluster",
  "ecs/Service": "service",
  "ecs/TaskDefinition": "task-definition",
  "ecr/Repository": "repository",
  "iot/ThingGroup": "thinggroup",
  "iot/Thing": "thing",
  "iot/Policy": "policy",
  "iot/RoleAlias": "rolealias",
  "iot/Certificate": "cert",
  "iot/ProvisioningTemplate": "provisioningtemplate",
  "sagemaker/FeatureGroup": "feature-group",
  "sagemaker/ModelPackageGroup": "model-package-group",
  "ssm/Parameter": "parameter",
  "kms/Key": "key",
  "scheduler/Schedule": "schedule",
  "mwaa/Environment": "environment",
};

/**
 * Physical names: the explicit one when the program gave it, a prefix plus 8 hex, else Pulumi's auto-name
 * (`<name>-<7 hex>`). The hex follows `ident` (type, name and the inputs that force replacement): a replacement gets a
 * new auto-name, as Pulumi's create-before-delete does.
 */
function physicalName(ident: string, inputs: State): string {
  for (const key of ["name", "bucket", "functionName", "thingGroupName", "featureGroupName", "modelPackageGroupName"]) {
    if (typeof inputs[key] === "string") return inputs[key] as string;
  }
  for (const key of ["namePrefix", "bucketPrefix"]) {
    if (typeof inputs[key] === "string") return `${inputs[key] as string}${hex(ident, 8)}`;
  }
  return `${ident.split("::")[1]}-${hex(ident, 7)}`;
}

function awsState(type: string, name: string, inputs: State, region: string): { id: string; state: State } {
  const [pkgModule, kind] = type.split(":").slice(1) as [string, string];
  const module = pkgModule.split("/")[0];
  // Every computed identity below derives from `ident`, so it changes exactly when the resource would be replaced.
  const ident = identitySeed(type, name, inputs);
  const physical = physicalName(ident, inputs);
  const key = `${module}/${kind}`;
  const region_ = `${region}:${ACCOUNT_ID}`;
  const { name: partition, dnsSuffix } = partitionOf(region);
  const out: State = { ...inputs };
  let id = physical;
  let arn: string | undefined;
  switch (key) {
    case "s3/BucketV2":
    case "s3/Bucket":
      out.bucket = physical;
      arn = `arn:${partition}:s3:::${physical}`;
      out.bucketDomainName = `${physical}.s3.${dnsSuffix}`;
      out.bucketRegionalDomainName = `${physical}.s3.${region}.${dnsSuffix}`;
      break;
    case "s3/BucketObjectv2":
    case "s3/BucketObject":
      id = String(inputs.key ?? physical);
      out.versionId = hex(`${ident}::${JSON.stringify(inputs.source ?? inputs.content ?? "")}`, 32);
      out.etag = hex(`etag::${ident}`, 32);
      break;
    case "cloudwatch/LogGroup":
      arn = `arn:${partition}:logs:${region_}:log-group:${physical}`;
      break;
    case "cloudwatch/MetricAlarm":
      arn = `arn:${partition}:cloudwatch:${region_}:alarm:${physical}`;
      break;
    case "cloudwatch/EventRule":
      arn = `arn:${partition}:events:${region_}:rule/${physical}`;
      break;
    case "cloudwatch/Dashboard":
      out.dashboardArn = `arn:${partition}:cloudwatch::${ACCOUNT_ID}:dashboard/${String(inputs.dashboardName ?? physical)}`;
      break;
    case "lambda/Function":
      arn = `arn:${partition}:lambda:${region_}:function:${physical}`;
      out.invokeArn = `arn:${partition}:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}/invocations`;
      out.qualifiedArn = `${arn}:$LATEST`;
      out.version = "$LATEST";
      break;
    case "sfn/StateMachine":
      arn = `arn:${partition}:states:${region_}:stateMachine:${physical}`;
      break;
    case "sns/Topic":
      arn = `arn:${partition}:sns:${region_}:${physical}`;
      break;
    case "sqs/Queue":
      arn = `arn:${partition}:sqs:${region_}:${physical}`;
      out.url = `https://sqs.${region}.${dnsSuffix}/${ACCOUNT_ID}/${physical}`;
      break;
    case "ecr/Repository":
      arn = `arn:${partition}:ecr:${region_}:repository/${physical}`;
      out.repositoryUrl = `${ACCOUNT_ID}.dkr.ecr.${region}.${dnsSuffix}/${physical}`;
      out.registryId = ACCOUNT_ID;
      break;
    case "lb/LoadBalancer": {
      const suffix = `app/${physical}/${hex(`lb::${ident}`, 16)}`;
      arn = `arn:${partition}:elasticloadbalancing:${region_}:loadbalancer/${suffix}`;
      out.arnSuffix = suffix;
      out.dnsName = `${physical}-${parseInt(hex(`dns::${ident}`, 8), 16)}.${region}.elb.${dnsSuffix}`;
      out.zoneId = "Z32O12XQLNTSW2";
      id = arn;
      break;
    }
    case "lb/TargetGroup": {
      const suffix = `targetgroup/${physical}/${hex(`tg::${ident}`, 16)}`;
      arn = `arn:${partition}:elasticloadbalancing:${region_}:${suffix}`;
      out.arnSuffix = suffix;
      id = arn;
      break;
    }
    case "lb/Listener":
      arn = `arn:${partition}:elasticloadbalancing:${region_}:listener/app/${physical}/${hex(`ls::${ident}`, 16)}`;
      id = arn;
      break;
    case "ec2/SecurityGroup":
      id = `sg-${hex(`sg::${ident}`, 17)}`;
      arn = `arn:${partition}:ec2:${region_}:security-group/${id}`;
      break;
    case "iam/Role":
      arn = `arn:${partition}:iam::${ACCOUNT_ID}:role${inputs.path ?? "/"}${physical}`;
      out.uniqueId = `AROA${hex(`role::${ident}`, 17).toUpperCase()}`;
      break;
    case "iam/Policy":
      arn = `arn:${partition}:iam::${ACCOUNT_ID}:policy/${physical}`;
      id = arn;
      break;
    case "iot/Certificate":
      id = hex(`cert::${ident}`, 64);
      arn = `arn:${partition}:iot:${region_}:cert/${id}`;
      out.certificatePem = "-----BEGIN CERTIFICATE-----\n[offline]\n-----END CERTIFICATE-----\n";
      break;
    case "iot/RoleAlias":
      arn = `arn:${partition}:iot:${region_}:rolealias/${String(inputs.alias ?? physical)}`;
      id = String(inputs.alias ?? physical);
      break;
    case "ecs/Cluster":
      arn = `arn:${partition}:ecs:${region_}:cluster/${physical}`;
      break;
    case "ecs/TaskDefinition":
      {
        // A replaced task definition is a new revision; offline the number is derived from the identity.
        const revision = 1 + (parseInt(hex(`rev::${ident}`, 6), 16) % 997);
        arn = `arn:${partition}:ecs:${region_}:task-definition/${String(inputs.family ?? physical)}:${revision}`;
        out.revision = revision;
        out.arnWithoutRevision = `arn:${partition}:ecs:${region_}:task-definition/${String(inputs.family ?? physical)}`;
      }
      break;
    case "kms/Key":
      id = `${hex(`kms::${ident}`, 8)}-${hex(`kms2::${ident}`, 4)}-4${hex(`kms3::${ident}`, 3)}-8${hex(`kms4::${ident}`, 3)}-${hex(`kms5::${ident}`, 12)}`;
      arn = `arn:${partition}:kms:${region_}:key/${id}`;
      out.keyId = id;
      break;
    case "sagemaker/FeatureGroup":
      arn = `arn:${partition}:sagemaker:${region_}:feature-group/${physical.toLowerCase()}`;
      {
        // SageMaker resolves the offline store's s3Uri to <s3Uri>/<account>/sagemaker/<region>/offline-store/<name>-<creation epoch>/data.
        const offline = inputs.offlineStoreConfig as { s3StorageConfig?: Record<string, unknown> } | undefined;
        const s3 = offline?.s3StorageConfig;
        if (s3 && typeof s3.s3Uri === "string") {
          const created = 1700000000 + (parseInt(hex(`fg::${ident}`, 6), 16) % 1000000);
          const resolvedOutputS3Uri = `${s3.s3Uri.replace(/\/+$/, "")}/${ACCOUNT_ID}/sagemaker/${region}/offline-store/${physical}-${created}/data`;
          out.offlineStoreConfig = { ...offline, s3StorageConfig: { ...s3, resolvedOutputS3Uri } };
        }
      }
      break;
    case "mwaa/Environment":
      arn = `arn:${partition}:airflow:${region_}:environment/${physical}`;
      out.webserverUrl = `${hex(`mwaa::${ident}`, 8)}-${hex(`mwaa2::${ident}`, 4)}.c${parseInt(hex(`mw::${ident}`, 2), 16) % 9}.${region}.airflow.${dnsSuffix}`;
      out.serviceRoleArn = `arn:${partition}:iam::${ACCOUNT_ID}:role/aws-service-role/airflow.amazonaws.com/AWSServiceRoleForAmazonMWAA`;
      break;
    default:
      if (ARN_KIND[key]) {
        const service = module === "lb" ? "elasticloadbalancing" : module;
        arn = module === "iam" ? `arn:${partition}:iam::${ACCOUNT_ID}:${ARN_KIND[key]}/${physical}` : `arn:${partition}:${service}:${region_}:${ARN_KIND[key]}/${physical}`;
      }
  }
  if (module === "ec2" && !id.startsWith("sg-") && ["Vpc", "Subnet", "FlowLog", "VpcEndpoint", "RouteTable", "InternetGateway", "NatGateway", "Eip"].includes(kind)) {
    const prefix: Record<string, string> = { Vpc: "vpc", Subnet: "subnet", FlowLog: "fl", VpcEndpoint: "vpce", RouteTable: "rtb", InternetGateway: "igw", NatGateway: "nat", Eip: "eipalloc" };
    id = `${prefix[kind]}-${hex(ident, 17)}`;
  }
  if (out.name === undefined && !["s3", "ec2"].includes(module)) out.name = physical;
  if (arn !== undefined) out.arn = arn;
  return { id, state: out };
}

function awsNativeState(type: string, name: string, inputs: State, region: string): { id: string; state: State } {
  const { name: partition } = partitionOf(region);
  const out: State = { ...inputs };
  const ident = identitySeed(type, name, inputs);
  let id = `${name}-${hex(ident, 7)}`;
  if (type === "aws-native:greengrassv2:ComponentVersion") {
    let recipe: { ComponentName?: string; ComponentVersion?: string } = {};
    try {
      recipe = JSON.parse(String(inputs.inlineRecipe ?? "{}"));
    } catch {
      throw new Error(`offline plan: ${name}: inlineRecipe is not valid JSON`);
    }
    out.componentName = recipe.ComponentName;
    out.componentVersion = recipe.ComponentVersion;
    id = `arn:${partition}:greengrass:${region}:${ACCOUNT_ID}:components:${recipe.ComponentName}:versions:${recipe.ComponentVersion}`;
    out.arn = id;
  } else if (type === "aws-native:iot:ScheduledAudit") {
    id = String(inputs.scheduledAuditName ?? name);
    out.scheduledAuditArn = `arn:${partition}:iot:${region}:${ACCOUNT_ID}:scheduledaudit/${id}`;
  } else if (type === "aws-native:greengrassv2:Deployment") {
    id = `${hex(`dep::${ident}`, 8)}-${hex(`dep2::${ident}`, 4)}-4${hex(`dep3::${ident}`, 3)}-a${hex(`dep4::${ident}`, 3)}-${hex(`dep5::${ident}`, 12)}`;
    out.deploymentId = id;
  }
  return { id, state: out };
}

export interface MockOptions {
  /** Region of the stack (ARNs, zones, endpoints). */
  readonly region: string;
  /** Told the computed id and state of every resource the mocks create. */
  readonly onResource?: (type: string, name: string, result: { id: string | undefined; state: State }) => void;
}

/** Mocks for `pulumi.runtime.setMocks`. */
export function createMocks({ region, onResource }: MockOptions): pulumi.runtime.Mocks {
  const { name: partition, dnsSuffix } = partitionOf(region);
  const mocks = {
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: State } {
      const inputs = (args.inputs ?? {}) as State;
      if (args.type === "awsx:ec2:Vpc") return { id: undefined, state: vpcOutputs(args.name, inputs, region) };
      if (args.type.startsWith("aws-native:")) return awsNativeState(args.type, args.name, inputs, region);
      if (args.type.startsWith("aws:")) return awsState(args.type, args.name, inputs, region);
      if (args.type === "docker:index/image:Image") {
        const imageName = String(inputs.imageName ?? args.name);
        return { id: imageName, state: { ...inputs, repoDigest: `${imageName.split(":")[0]}@sha256:${hex(imageName, 64)}` } };
      }
      if (args.type.startsWith("pulumi:providers:") || args.type.startsWith("tls:")) {
        const state: State = { ...inputs };
        if (args.type === "tls:index/privateKey:PrivateKey") {
          state.privateKeyPem = "-----BEGIN PRIVATE KEY-----\n[offline]\n-----END PRIVATE KEY-----\n";
          state.publicKeyPem = "-----BEGIN PUBLIC KEY-----\n[offline]\n-----END PUBLIC KEY-----\n";
        }
        if (args.type === "tls:index/certRequest:CertRequest") {
          state.certRequestPem = "-----BEGIN CERTIFICATE REQUEST-----\n[offline]\n-----END CERTIFICATE REQUEST-----\n";
        }
        return { id: `${args.name}-${hex(args.type + args.name, 7)}`, state };
      }
      // A time Sleep has no outputs beyond its inputs; its id is the time it was created (RFC 3339 in the provider).
      if (args.type === "time:index/sleep:Sleep") return { id: "2026-01-01T00:00:00Z", state: { ...inputs } };
      if (args.custom === false) return { id: undefined, state: inputs };
      throw new Error(`offline plan: no mock for resource type ${args.type} (${args.name})`);
    },
    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
      const inputs = (args.inputs ?? {}) as State;
      switch (args.token) {
        case "aws:index/getAvailabilityZones:getAvailabilityZones":
          return {
            id: region,
            names: ["a", "b", "c"].map((z) => `${region}${z}`),
            zoneIds: [1, 2, 3].map((n) => `${region.split("-").map((p) => p.slice(0, 3)).join("")}-az${n}`),
            state: "available",
          };
        case "aws:index/getCallerIdentity:getCallerIdentity":
          return { id: ACCOUNT_ID, accountId: ACCOUNT_ID, arn: `arn:${partition}:iam::${ACCOUNT_ID}:user/offline-plan`, userId: "AIDAOFFLINEPLAN" };
        case "aws:index/getPartition:getPartition":
          return { id: partition, partition, dnsSuffix, reverseDnsPrefix: dnsSuffix.split(".").reverse().join(".") };
        case "aws:index/getRegion:getRegion":
          return { id: region, name: region, region, endpoint: `ec2.${region}.${dnsSuffix}`, description: region };
        case "aws:iot/getEndpoint:getEndpoint": {
          const type = String(inputs.endpointType ?? "iot:Data-ATS");
          const hosts: Record<string, string> = {
            "iot:Data-ATS": `${hex("iot-endpoint", 14)}-ats.iot.${region}.${dnsSuffix}`,
            "iot:CredentialProvider": `${hex("iot-credentials", 14)}.credentials.iot.${region}.${dnsSuffix}`,
            "iot:Jobs": `${hex("iot-jobs", 14)}.jobs.iot.${region}.${dnsSuffix}`,
          };
          if (!hosts[type]) throw new Error(`offline plan: unexpected IoT endpoint type ${type}`);
          return { id: type, endpointType: type, endpointAddress: hosts[type] };
        }
        case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
          return {
            id: region,
            authorizationToken: "offline",
            userName: "AWS",
            password: "offline",
            proxyEndpoint: `https://${ACCOUNT_ID}.dkr.ecr.${region}.${dnsSuffix}`,
            expiresAt: "2099-01-01T00:00:00Z",
          };
        case "aws:sagemaker/getPrebuiltEcrImage:getPrebuiltEcrImage": {
          const repo = String(inputs.repositoryName);
          const registryId = SAGEMAKER_REGISTRY[repo]?.[region];
          if (!registryId) throw new Error(`offline plan: no registry of SageMaker's ${repo} images known for ${region}`);
          const tag = String(inputs.imageTag ?? "latest");
          return { id: `${registryId}/${repo}:${tag}`, registryId, registryPath: `${registryId}.dkr.ecr.${region}.${dnsSuffix}/${repo}:${tag}` };
        }
        default:
          throw new Error(`offline plan: unexpected call ${args.token}(${JSON.stringify(inputs)})`);
      }
    },
  };
  return {
    call: (args) => withDetails(() => mocks.call(args)),
    newResource(args) {
      const result = withDetails(() => mocks.newResource(args));
      onResource?.(args.type, args.name, result);
      return result;
    },
  };
}

/**
 * Runs a mock, giving an error it throws the gRPC `details` Pulumi's runtime reads its message from (without it the
 * message of a failed call or registration arrives empty: `error serializing property "…": `).
 */
function withDetails<T>(mock: () => T): T {
  try {
    return mock();
  } catch (e) {
    if (e instanceof Error) throw Object.assign(e, { details: e.message });
    throw e;
  }
}
