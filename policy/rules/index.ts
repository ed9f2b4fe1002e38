/** Every rule of the edge-mlops policy pack, in the order reports list them. */
import { ALB_RULES } from "./alb";
import { ECR_RULES } from "./ecr";
import { ECS_RULES } from "./ecs";
import { IAM_RULES } from "./iam";
import { IOT_RULES } from "./iot";
import { LAMBDA_RULES } from "./lambda";
import { LOG_RULES } from "./logs";
import { MWAA_RULES } from "./mwaa";
import { PROTECTION_RULES } from "./protection";
import { S3_RULES } from "./s3";
import { SNS_RULES } from "./sns";
import { SFN_RULES } from "./sfn";
import type { Rule } from "./types";

export const RULES: readonly Rule[] = [
  ...S3_RULES,
  ...ECR_RULES,
  ...ECS_RULES,
  ...ALB_RULES,
  ...IAM_RULES,
  ...LAMBDA_RULES,
  ...SFN_RULES,
  ...MWAA_RULES,
  ...IOT_RULES,
  ...LOG_RULES,
  ...SNS_RULES,
  ...PROTECTION_RULES,
];

export * from "./types";
