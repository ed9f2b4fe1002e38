// Documents of the inference service (IAM, the access-log bucket's log delivery statements, ECR lifecycle policy),
// built as typed objects by pure functions. The component calls them inside `pulumi.all(...).apply(...)` and passes
// `JSON.stringify(doc)` on.
// Least privilege: every Allow names its actions and resources; the only `*` resource is ecr:GetAuthorizationToken,
// which has no resource-level permissions.
import { POLICY_VERSION, serviceTrustPolicy, type PolicyDocument, type PolicyStatement, type TrustPolicy } from "../iam";
import { RELEASES_PREFIX } from "../../contracts/model-release";
import { IMAGES_IN_USE, MIN_KEEP_IMAGES } from "./args";

/** Days after push an untagged image expires. */
export const UNTAGGED_IMAGE_DAYS = 1;

/**
 * ECR lifecycle policy that cannot expire an image a task definition or a Greengrass deployment uses: untagged images
 * expire UNTAGGED_IMAGE_DAYS after push; of tagged images, the newest `keepImages` (by push time) stay.
 *
 * Why no image in use expires:
 * - In use means named by digest by the service's task definition or by the inference component the fleet's deployment
 *   runs: the digest the push of the content-tagged image returned (./image.ts). Tags are IMMUTABLE, so that tag never
 *   moves and the digest stays tagged: the untagged rule never selects it. (An image given by `image.existing` that
 *   lives in this repository must carry a tag too.)
 * - ECR applies rules by priority and an image is expired by at most one rule, so the tagged rule alone decides about
 *   tagged images; it expires only images beyond the newest `keepImages` pushes.
 * - A stack runs at most IMAGES_IN_USE images (the deployed one and the one rolled back to), both among its latest
 *   pushes; each push not followed by its deployment puts one more image ahead of the older of them. So the images in
 *   use are kept while at most keepImages − IMAGES_IN_USE pushes failed since the image rolled back to was pushed:
 *   FAILED_PUSHES_TOLERATED at the fewest (MIN_KEEP_IMAGES). Stacks whose ups often fail after the push keep more.
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
        description: `Expire untagged images ${UNTAGGED_IMAGE_DAYS} day after push (no task definition or deployment names one)`,
        selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: UNTAGGED_IMAGE_DAYS },
        action: { type: "expire" },
      },
      {
        rulePriority: 2,
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
