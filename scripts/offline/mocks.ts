// Runtime mocks for the offline plan and the component tests: every resource gets deterministic, realistic
// computed values (ids, ARNs in the stack's region and account 123456789012, URLs), and every data-source call the
// program makes gets a realistic answer. A call nobody planned for fails loudly instead of returning nothing.
import type * as pulumi from "@pulumi/pulumi";
import { vpcOutputs } from "./awsx-vpc";
import { hex } from "./hash";
import { identitySeed } from "./replacement";

export { hex };

export const ACCOUNT_ID = "123456789012";

/** The registry account of SageMaker's prebuilt framework images, per region (public AWS documentation). */
const SAGEMAKER_REGISTRY: Readonly<Record<string, string>> = {
  "us-east-1": "683313688378",
  "us-east-2": "257758044811",
  "us-west-2": "246618743249",
  "eu-west-1": "141502667606",
  "eu-central-1": "492215442770",
};

type State = Record<string, unknown>;

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
  const out: State = { ...inputs };
  let id = physical;
  let arn: string | undefined;
  switch (key) {
    case "s3/BucketV2":
    case "s3/Bucket":
      out.bucket = physical;
      arn = `arn:aws:s3:::${physical}`;
      out.bucketDomainName = `${physical}.s3.amazonaws.com`;
      out.bucketRegionalDomainName = `${physical}.s3.${region}.amazonaws.com`;
      break;
    case "s3/BucketObjectv2":
    case "s3/BucketObject":
      id = String(inputs.key ?? physical);
      out.versionId = hex(`${ident}::${JSON.stringify(inputs.source ?? inputs.content ?? "")}`, 32);
      out.etag = hex(`etag::${ident}`, 32);
      break;
    case "cloudwatch/LogGroup":
      arn = `arn:aws:logs:${region_}:log-group:${physical}`;
      break;
    case "cloudwatch/MetricAlarm":
      arn = `arn:aws:cloudwatch:${region_}:alarm:${physical}`;
      break;
    case "cloudwatch/Dashboard":
      out.dashboardArn = `arn:aws:cloudwatch::${ACCOUNT_ID}:dashboard/${String(inputs.dashboardName ?? physical)}`;
      break;
    case "lambda/Function":
      arn = `arn:aws:lambda:${region_}:function:${physical}`;
      out.invokeArn = `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}/invocations`;
      out.qualifiedArn = `${arn}:$LATEST`;
      out.version = "$LATEST";
      break;
    case "sfn/StateMachine":
      arn = `arn:aws:states:${region_}:stateMachine:${physical}`;
      break;
    case "sns/Topic":
      arn = `arn:aws:sns:${region_}:${physical}`;
      break;
    case "sqs/Queue":
      arn = `arn:aws:sqs:${region_}:${physical}`;
      out.url = `https://sqs.${region}.amazonaws.com/${ACCOUNT_ID}/${physical}`;
      break;
    case "ecr/Repository":
      arn = `arn:aws:ecr:${region_}:repository/${physical}`;
      out.repositoryUrl = `${ACCOUNT_ID}.dkr.ecr.${region}.amazonaws.com/${physical}`;
      out.registryId = ACCOUNT_ID;
      break;
    case "lb/LoadBalancer": {
      const suffix = `app/${physical}/${hex(`lb::${ident}`, 16)}`;
      arn = `arn:aws:elasticloadbalancing:${region_}:loadbalancer/${suffix}`;
      out.arnSuffix = suffix;
      out.dnsName = `${physical}-${parseInt(hex(`dns::${ident}`, 8), 16)}.${region}.elb.amazonaws.com`;
      out.zoneId = "Z32O12XQLNTSW2";
      id = arn;
      break;
    }
    case "lb/TargetGroup": {
      const suffix = `targetgroup/${physical}/${hex(`tg::${ident}`, 16)}`;
      arn = `arn:aws:elasticloadbalancing:${region_}:${suffix}`;
      out.arnSuffix = suffix;
      id = arn;
      break;
    }
    case "lb/Listener":
      arn = `arn:aws:elasticloadbalancing:${region_}:listener/app/${physical}/${hex(`ls::${ident}`, 16)}`;
      id = arn;
      break;
    case "ec2/SecurityGroup":
      id = `sg-${hex(`sg::${ident}`, 17)}`;
      arn = `arn:aws:ec2:${region_}:security-group/${id}`;
      break;
    case "iam/Role":
      arn = `arn:aws:iam::${ACCOUNT_ID}:role${inputs.path ?? "/"}${physical}`;
      out.uniqueId = `AROA${hex(`role::${ident}`, 17).toUpperCase()}`;
      break;
    case "iam/Policy":
      arn = `arn:aws:iam::${ACCOUNT_ID}:policy/${physical}`;
      id = arn;
      break;
    case "iot/Certificate":
      id = hex(`cert::${ident}`, 64);
      arn = `arn:aws:iot:${region_}:cert/${id}`;
      out.certificatePem = "-----BEGIN CERTIFICATE-----\n[offline]\n-----END CERTIFICATE-----\n";
      break;
    case "iot/RoleAlias":
      arn = `arn:aws:iot:${region_}:rolealias/${String(inputs.alias ?? physical)}`;
      id = String(inputs.alias ?? physical);
      break;
    case "ecs/Cluster":
      arn = `arn:aws:ecs:${region_}:cluster/${physical}`;
      break;
    case "ecs/TaskDefinition":
      {
        // A replaced task definition is a new revision; offline the number is derived from the identity.
        const revision = 1 + (parseInt(hex(`rev::${ident}`, 6), 16) % 997);
        arn = `arn:aws:ecs:${region_}:task-definition/${String(inputs.family ?? physical)}:${revision}`;
        out.revision = revision;
        out.arnWithoutRevision = `arn:aws:ecs:${region_}:task-definition/${String(inputs.family ?? physical)}`;
      }
      break;
    case "kms/Key":
      id = `${hex(`kms::${ident}`, 8)}-${hex(`kms2::${ident}`, 4)}-4${hex(`kms3::${ident}`, 3)}-8${hex(`kms4::${ident}`, 3)}-${hex(`kms5::${ident}`, 12)}`;
      arn = `arn:aws:kms:${region_}:key/${id}`;
      out.keyId = id;
      break;
    case "sagemaker/FeatureGroup":
      arn = `arn:aws:sagemaker:${region_}:feature-group/${physical.toLowerCase()}`;
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
      arn = `arn:aws:airflow:${region_}:environment/${physical}`;
      out.webserverUrl = `${hex(`mwaa::${ident}`, 8)}-${hex(`mwaa2::${ident}`, 4)}.c${parseInt(hex(`mw::${ident}`, 2), 16) % 9}.${region}.airflow.amazonaws.com`;
      out.serviceRoleArn = `arn:aws:iam::${ACCOUNT_ID}:role/aws-service-role/airflow.amazonaws.com/AWSServiceRoleForAmazonMWAA`;
      break;
    default:
      if (ARN_KIND[key]) {
        const service = module === "lb" ? "elasticloadbalancing" : module;
        arn = module === "iam" ? `arn:aws:iam::${ACCOUNT_ID}:${ARN_KIND[key]}/${physical}` : `arn:aws:${service}:${region_}:${ARN_KIND[key]}/${physical}`;
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
    id = `arn:aws:greengrass:${region}:${ACCOUNT_ID}:components:${recipe.ComponentName}:versions:${recipe.ComponentVersion}`;
    out.arn = id;
  } else if (type === "aws-native:iot:ScheduledAudit") {
    id = String(inputs.scheduledAuditName ?? name);
    out.scheduledAuditArn = `arn:aws:iot:${region}:${ACCOUNT_ID}:scheduledaudit/${id}`;
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
          return { id: ACCOUNT_ID, accountId: ACCOUNT_ID, arn: `arn:aws:iam::${ACCOUNT_ID}:user/offline-plan`, userId: "AIDAOFFLINEPLAN" };
        case "aws:index/getPartition:getPartition":
          return { id: "aws", partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
        case "aws:index/getRegion:getRegion":
          return { id: region, name: region, region, endpoint: `ec2.${region}.amazonaws.com`, description: region };
        case "aws:iot/getEndpoint:getEndpoint": {
          const type = String(inputs.endpointType ?? "iot:Data-ATS");
          const hosts: Record<string, string> = {
            "iot:Data-ATS": `${hex("iot-endpoint", 14)}-ats.iot.${region}.amazonaws.com`,
            "iot:CredentialProvider": `${hex("iot-credentials", 14)}.credentials.iot.${region}.amazonaws.com`,
            "iot:Jobs": `${hex("iot-jobs", 14)}.jobs.iot.${region}.amazonaws.com`,
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
            proxyEndpoint: `https://${ACCOUNT_ID}.dkr.ecr.${region}.amazonaws.com`,
            expiresAt: "2099-01-01T00:00:00Z",
          };
        case "aws:sagemaker/getPrebuiltEcrImage:getPrebuiltEcrImage": {
          const registryId = SAGEMAKER_REGISTRY[region];
          if (!registryId) throw new Error(`offline plan: no SageMaker registry known for ${region}`);
          const repo = String(inputs.repositoryName);
          const tag = String(inputs.imageTag ?? "latest");
          return { id: `${registryId}/${repo}:${tag}`, registryId, registryPath: `${registryId}.dkr.ecr.${region}.amazonaws.com/${repo}:${tag}` };
        }
        default:
          throw new Error(`offline plan: unexpected call ${args.token}(${JSON.stringify(inputs)})`);
      }
    },
  };
  return {
    call: (args) => mocks.call(args),
    newResource(args) {
      const result = mocks.newResource(args);
      onResource?.(args.type, args.name, result);
      return result;
    },
  };
}
