// The workflow's stateful stores: the data bucket (a new SecureBucket, or an existing bucket adopted by name) and the
// model package group. Both are protected when the stack says so; an adopted bucket is not managed here at all.
import * as pulumi from "@pulumi/pulumi";
import { SecureBucket } from "../secure-bucket";
import type { WorkflowContext } from "./context";
import * as sagemaker from "@pulumi/aws/sagemaker";

export interface DataBucket {
  /** The created bucket; undefined with `dataBucket.existing`. */
  readonly bucket?: SecureBucket;
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  /** The created bucket's settings (encryption, policy, ...): writers of objects wait for them. Empty when adopted. */
  readonly settings: pulumi.Resource[];
}

/** The data bucket: adopted by name, or created with the platform's secure defaults under the pipeline's prefix. */
export function buildDataBucket(ctx: WorkflowContext): DataBucket {
  const { name, settings: s } = ctx;
  const existing = s.dataBucket.existing;
  if (existing !== undefined) {
    const bucketName = existing.bucketName;
    return { bucketName: pulumi.output(bucketName), bucketArn: pulumi.interpolate`arn:${ctx.partition}:s3:::${bucketName}`, settings: [] };
  }
  const bucket = new SecureBucket(
    `${name}-data`,
    { bucketPrefix: s.bucketPrefix, noncurrentVersionDays: s.dataBucket.noncurrentVersionDays, kmsKeyArn: s.kmsKeyArn, protect: s.protect },
    // The data bucket was an `edge-mlops:training:DataBucket` before SecureBucket existed: keep its URN.
    { parent: ctx.parent, aliases: [{ type: "edge-mlops:training:DataBucket" }] },
  );
  return { bucket, bucketName: bucket.bucketName, bucketArn: bucket.bucketArn, settings: bucket.settings };
}

/** The model registry: the package group register-model adds versions to. */
export function buildModelPackageGroup(ctx: WorkflowContext): sagemaker.ModelPackageGroup {
  return new sagemaker.ModelPackageGroup(
    `${ctx.name}-models`,
    { modelPackageGroupName: ctx.settings.modelPackageGroupName, modelPackageGroupDescription: "Abalone rings regressors trained by the training workflow" },
    { parent: ctx.parent, protect: ctx.settings.protect },
  );
}
