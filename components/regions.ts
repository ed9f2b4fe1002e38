// AWS regions as this program knows them, and where the regional things it cannot do without are published. The stack
// config judges `aws:region` by these lists before anything is planned, and the offline plan's mocks answer from the
// same tables, so a region either plans with realistic values or fails with one line saying why — never deep inside a
// resource with an empty message.
import { Region } from "@pulumi/aws/types/enums";

/**
 * Every region `aws.Provider` accepts: the values of @pulumi/aws's own `Region` enum (`@pulumi/aws/types/enums`), so
 * the list moves with the provider version in package.json rather than with a copy of ours.
 */
export const AWS_REGIONS: readonly string[] = Object.values(Region);

/**
 * The account of the ECR registry holding SageMaker's prebuilt scikit-learn images (`sagemaker-scikit-learn`), per
 * region. The training workflow's processing and training jobs run in that image, so a stack needs its region here.
 * Source: AWS's SageMaker Python SDK, sagemaker-core 2.27.0 (PyPI), `sagemaker/core/image_uri_config/sklearn.json`:
 * every version (0.20.0 to 1.9-0, training and inference) lists these 37 regions with these accounts. `pulumi preview`
 * looks the image up in terraform-provider-aws's own table (`aws_sagemaker_prebuilt_ecr_image`): the 23 regions of
 * that table as of provider 5.46 hold the same accounts; a newer provider lists more, and a region this table has but
 * the provider lacks fails there with the provider's own "no registry ID available for region" error.
 */
export const SKLEARN_IMAGE_REGISTRY: Readonly<Record<string, string>> = {
  "af-south-1": "510948584623",
  "ap-east-1": "651117190479",
  "ap-northeast-1": "354813040037",
  "ap-northeast-2": "366743142698",
  "ap-northeast-3": "867004704886",
  "ap-south-1": "720646828776",
  "ap-south-2": "628508329040",
  "ap-southeast-1": "121021644041",
  "ap-southeast-2": "783357654285",
  "ap-southeast-3": "951798379941",
  "ap-southeast-4": "106583098589",
  "ca-central-1": "341280168497",
  "ca-west-1": "190319476487",
  "cn-north-1": "450853457545",
  "cn-northwest-1": "451049120500",
  "eu-central-1": "492215442770",
  "eu-central-2": "680994064768",
  "eu-north-1": "662702820516",
  "eu-south-1": "978288397137",
  "eu-south-2": "104374241257",
  "eu-west-1": "141502667606",
  "eu-west-2": "764974769150",
  "eu-west-3": "659782779980",
  "il-central-1": "898809789911",
  "me-central-1": "272398656194",
  "me-south-1": "801668240914",
  "sa-east-1": "737474898029",
  "us-east-1": "683313688378",
  "us-east-2": "257758044811",
  "us-gov-east-1": "237065988967",
  "us-gov-west-1": "414596584902",
  "us-iso-east-1": "833128469047",
  "us-isob-east-1": "281123927165",
  "us-isof-east-1": "108575199400",
  "us-isof-south-1": "124985052026",
  "us-west-1": "746614075791",
  "us-west-2": "246618743249",
};

/** Why this program cannot run in `region`, in words, or undefined when it can (`region` is one of AWS_REGIONS). */
export function regionProblem(region: string): string | undefined {
  if (SKLEARN_IMAGE_REGISTRY[region] === undefined) {
    return (
      `SageMaker's scikit-learn image, which the training workflow's jobs run in, is not published in ${region} ` +
      `(SageMaker Python SDK, image_uri_config/sklearn.json); it is in ${Object.keys(SKLEARN_IMAGE_REGISTRY).join(", ")}`
    );
  }
  return undefined;
}
