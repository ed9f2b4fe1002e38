/** ECR repository rules: images are scanned when pushed and a tag, once pushed, always names the same image. */
import { ALWAYS_MANDATORY, type ResourceRule } from "./types";
import { get, isUnknown } from "./util";

const REPOSITORY_TYPES = ["aws:ecr/repository:Repository"];

export const ecrScanOnPush: ResourceRule = {
  kind: "resource",
  name: "ecr-scan-on-push",
  description: "ECR repositories scan every image for known vulnerabilities when it is pushed (imageScanningConfiguration.scanOnPush true).",
  mapsTo: { checkov: ["CKV_AWS_163"], trivy: ["AVD-AWS-0030"] },
  severity: ALWAYS_MANDATORY,
  awsDefaults: [
    {
      setting: "imageScanningConfiguration.scanOnPush",
      whenAbsent: "false: images are scanned only when a scan is started by hand (unless the registry's scanning configuration says otherwise, which no preview can see)",
      compliant: false,
      source: "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageScanningConfiguration.html",
    },
  ],
  resourceTypes: REPOSITORY_TYPES,
  checkResource: (r) => {
    const scan = get(r.inputs, "imageScanningConfiguration", "scanOnPush");
    if (isUnknown(scan) || scan === true) return [];
    return [`repository "${r.name}" does not scan images on push: set imageScanningConfiguration.scanOnPush to true`];
  },
};

export const ecrImmutableTags: ResourceRule = {
  kind: "resource",
  name: "ecr-immutable-tags",
  description:
    "ECR repositories use IMMUTABLE tags, so a deployed tag can never be overwritten by a different image " +
    "(the *_WITH_EXCLUSION modes leave some tags mutable and do not pass).",
  mapsTo: { checkov: ["CKV_AWS_51"], trivy: ["AVD-AWS-0031"] },
  severity: ALWAYS_MANDATORY,
  awsDefaults: [
    {
      setting: "imageTagMutability",
      whenAbsent: "MUTABLE: a pushed tag can be moved to another image",
      compliant: false,
      source: "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html",
    },
  ],
  resourceTypes: REPOSITORY_TYPES,
  checkResource: (r) => {
    const mutability = r.inputs.imageTagMutability;
    if (isUnknown(mutability) || mutability === "IMMUTABLE") return [];
    const current = mutability === undefined ? "unset (MUTABLE by default)" : JSON.stringify(mutability);
    return [`repository "${r.name}" has imageTagMutability ${current}; it must be "IMMUTABLE"`];
  },
};

export const ECR_RULES = [ecrScanOnPush, ecrImmutableTags];
