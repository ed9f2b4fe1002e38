// Documents of the inference service (IAM, the access-log bucket's log delivery statements, ECR lifecycle policy),
// built as typed objects by pure functions. The component calls them inside `pulumi.all(...).apply(...)` and passes
// `JSON.stringify(doc)` on.
// Least privilege: every Allow names its actions and resources; the only `*` resource is ecr:GetAuthorizationToken,
// which has no resource-level permissions.
import { POLICY_VERSION, serviceTrustPolicy, type PolicyDocument, type PolicyStatement, type TrustPolicy } from "../iam";
import { RELEASES_PREFIX } from "../../contracts/model-release";
import { IMAGES_IN_USE, MIN_KEEP_IMAGES } from "./args";
import { IN_USE_TAG_PREFIX } from "../../contracts/image-references";

/**
 * Images in use rule 1 keeps: more than any stack names at once. ECR allows 20,000 images per repository by default
 * (Amazon ECR service quotas); an imageCountMoreThan rule must name some count.
 */
export const IN_USE_IMAGES_KEPT = 10_000;

/** Days after push an untagged image expires. */
export const UNTAGGED_IMAGE_DAYS = 1;

/**
 * ECR lifecycle policy that cannot expire an image a task definition or a Greengrass component version names:
 * `in-use-*` images are never expired, untagged images expire UNTAGGED_IMAGE_DAYS after push, and of the other tagged
 * images the newest `keepImages` (by push time) stay.
 *
 * Why no image in use expires:
 * - The image-references Lambda (./image-references.ts, hourly) tags every image of the repository that an ACTIVE task
 *   definition of the service, a task definition of one of its deployments or a version of the stack's Greengrass
 *   components names `in-use-<hex>` (contracts/image-references.ts). Rule 1 selects those images and expires none of
 *   them (it would only beyond IN_USE_IMAGES_KEPT of them); ECR: "An image that matches the tagging requirements of a
 *   rule cannot be expired by a rule with a lower priority", so rules 2 and 3 never touch them.
 * - Between an image's first use and the Lambda's next run (at most an hour; ECR expires within 24 hours of an image
 *   meeting a rule) the image is among the newest pushes: the one just built and deployed, or the one rolled back to,
 *   which keepImages ≥ MIN_KEEP_IMAGES covers while fewer than keepImages − IMAGES_IN_USE pushes failed since.
 * - Images are named by digest; the digest the push of the content-tagged image returned keeps its IMMUTABLE tag, so
 *   the untagged rule never selects it.
 * AWS's evaluation rules: Amazon ECR User Guide, "Lifecycle policy evaluation rules".
 * @throws Error when keepImages is below MIN_KEEP_IMAGES or not a whole number.
 */
export function ecrLifecyclePolicy(keepImages: number) {
  if (!Number.isInteger(keepImages) || keepImages < MIN_KEEP_IMAGES) {
    throw new Error(`ecrLifecyclePolicy: keepImages must be a whole number of at least ${MIN_KEEP_IMAGES} (the images in use and one failed push), got ${keepImages}`);
  }
  return {
    rules: [
      {
        rulePriority: 1,
        description: "Keep every image in use (tagged in-use-* by the image-references function)",
        selection: { tagStatus: "tagged", tagPatternList: [`${IN_USE_TAG_PREFIX}*`], countType: "imageCountMoreThan", countNumber: IN_USE_IMAGES_KEPT },
        action: { type: "expire" },
      },
      {
        rulePriority: 2,
        description: `Expire untagged images ${UNTAGGED_IMAGE_DAYS} day after push (no task definition or deployment names one)`,
        selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: UNTAGGED_IMAGE_DAYS },
        action: { type: "expire" },
      },
      {
        rulePriority: 3,
        description: `Keep the last ${keepImages} tagged images (at least the ${IMAGES_IN_USE} in use)`,
        selection: { tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: keepImages },
        action: { type: "expire" },
      },
    ],
  };
}

/**
 * Trust policy letting ECS tasks assume a role. With `account`, only tasks of that account may (the confused-deputy
 * guard AWS documents for task roles: `aws:SourceAccount` and an `aws:SourceArn` of that account's ECS resources).
 */
export function ecsTasksTrustPolicy(scope?: { partition: string; region: string; account: string }): TrustPolicy {
  return serviceTrustPolicy(
    "ecs-tasks.amazonaws.com",
    scope && {
      StringEquals: { "aws:SourceAccount": scope.account },
      ArnLike: { "aws:SourceArn": `arn:${scope.partition}:ecs:${scope.region}:${scope.account}:*` },
    },
  );
}

/**
 * What the ECS agent needs to start the task, scoped: pull from the given repositories and write to the task's log
 * group (an inline equivalent of AmazonECSTaskExecutionRolePolicy, which grants both on every resource).
 */
export function executionRolePolicy(args: { repositoryArns: readonly string[]; logGroupArn: string }): PolicyDocument {
  if (args.repositoryArns.length === 0) throw new Error("executionRolePolicy: repositoryArns must not be empty");
  return {
    Version: POLICY_VERSION,
    Statement: [
      // GetAuthorizationToken has no resource-level permissions: "*" is the only resource it accepts.
      { Sid: "EcrLogin", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
      {
        Sid: "EcrPull",
        Effect: "Allow",
        Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
        Resource: [...args.repositoryArns],
      },
      {
        Sid: "Logs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [`${args.logGroupArn}:log-stream:*`],
      },
    ],
  };
}

/**
 * The task role's only permissions: read the model pointer (one SSM parameter) and the released models it can name
 * (`releases/*` of the model store bucket, contracts/model-release.ts).
 */
export function taskRolePolicy(model: { bucketArn: string; pointerParameterArn: string }): PolicyDocument {
  return {
    Version: POLICY_VERSION,
    Statement: [
      { Sid: "ReadModelPointer", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: [model.pointerParameterArn] },
      { Sid: "ReadReleasedModels", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${model.bucketArn}/${RELEASES_PREFIX}*`] },
    ],
  };
}

/**
 * Elastic Load Balancing's log-delivery account per region, for regions opened before August 2022 (AWS's "Enable
 * access logs for your Application Load Balancer" guide). Regions opened since accept only the
 * `logdelivery.elasticloadbalancing.amazonaws.com` service principal.
 */
export const ELB_LOG_DELIVERY_ACCOUNTS: Readonly<Record<string, string>> = {
  "us-east-1": "127311923021",
  "us-east-2": "033677994240",
  "us-west-1": "027434742980",
  "us-west-2": "797873946194",
  "af-south-1": "098369216593",
  "ap-east-1": "754344448648",
  "ap-southeast-3": "589379963580",
  "ap-south-1": "718504428378",
  "ap-northeast-3": "383597477331",
  "ap-northeast-2": "600734575887",
  "ap-southeast-1": "114774131450",
  "ap-southeast-2": "783225319266",
  "ap-northeast-1": "582318560864",
  "ca-central-1": "985666609251",
  "eu-central-1": "054676820928",
  "eu-west-1": "156460612806",
  "eu-west-2": "652711504416",
  "eu-south-1": "635631232127",
  "eu-west-3": "009996457667",
  "eu-north-1": "897822967062",
  "me-south-1": "076674570225",
  "sa-east-1": "507241528517",
  "us-gov-west-1": "048591011584",
  "us-gov-east-1": "190560391635",
  "cn-north-1": "638102146993",
  "cn-northwest-1": "037604701340",
};

/**
 * Statements of the ALB access-log bucket's policy (after its TLS-only deny): log delivery may write under
 * `AWSLogs/<account>/` only. Delivery is granted to the `logdelivery.elasticloadbalancing.amazonaws.com` service
 * principal (regions opened since August 2022) and, in older regions, also to the region's ELB account, which is
 * what those regions still use.
 */
export function elbLogDeliveryStatements(args: { partition: string; region: string; account: string; bucketArn: string }): PolicyStatement[] {
  const logs = `${args.bucketArn}/AWSLogs/${args.account}/*`;
  const elbAccount = ELB_LOG_DELIVERY_ACCOUNTS[args.region];
  return [
    { Sid: "ElbLogDelivery", Effect: "Allow", Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" }, Action: "s3:PutObject", Resource: logs },
    ...(elbAccount
      ? [{ Sid: "ElbAccountLogDelivery", Effect: "Allow" as const, Principal: { AWS: `arn:${args.partition}:iam::${elbAccount}:root` }, Action: "s3:PutObject", Resource: logs }]
      : []),
  ];
}
