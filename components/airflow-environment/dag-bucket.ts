// The DAG bucket and what is uploaded to it. The bucket is a SecureBucket named `airflow-<name>-…` (MWAA reads only
// buckets whose name starts with `airflow-`), versioned because MWAA pins requirements.txt, plugins.zip and startup.sh
// by object version, encrypted with the environment's key when it has one, and protected where the stack says so.
// The uploads are the source folder's `dags/**` and each support file present (sources.ts), written only once
// versioning and encryption are on, so that every object has a version MWAA can pin and none is stored unencrypted.
//
// The bucket and its uploads exist whether or not the environment does: they cost a few cents a month, CI can keep
// syncing DAGs, and the protected bucket survives switching the environment off and on.
import * as pulumi from "@pulumi/pulumi";
import { SecureBucket } from "../secure-bucket";
import type { AirflowEnvironmentSettings } from "./resolve";
import type { SourceFile } from "./sources";
import * as s3 from "@pulumi/aws/s3";

/**
 * `bucketPrefix` of the DAG bucket: `airflow-` (MWAA requires it) plus the component name, lowercased, limited to
 * S3's characters and to the 37 characters a bucket prefix may have (S3 appends 26 for a unique name).
 */
export function dagBucketPrefix(name: string): string {
  const body = name.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 28).replace(/-+$/, "");
  return `airflow-${body || "dags"}-`;
}

/** S3 object versions MWAA is pinned to; each is set only when that file exists in the source folder. */
export interface ObjectVersions {
  readonly requirements?: pulumi.Output<string>;
  readonly plugins?: pulumi.Output<string>;
  readonly startupScript?: pulumi.Output<string>;
}

export interface DagBucket {
  readonly bucket: s3.Bucket;
  readonly bucketName: pulumi.Output<string>;
  /** Every uploaded object: DAG files first, then requirements.txt, plugins.zip and startup.sh when present. */
  readonly objects: s3.BucketObjectv2[];
  readonly objectVersions: ObjectVersions;
}

/**
 * Registers the SecureBucket `<name>-dags` and one `<name>-<key>` object per uploaded file under `parent`. The
 * bucket's own children keep the URNs they had as direct children of `parent` (SecureBucket's `formerParent`).
 */
export function dagBucket(parent: pulumi.Resource, name: string, s: Pick<AirflowEnvironmentSettings, "kmsKeyArn" | "protect" | "sources">): DagBucket {
  const dags = new SecureBucket(
    `${name}-dags`,
    { bucketPrefix: dagBucketPrefix(name), kmsKeyArn: s.kmsKeyArn, protect: s.protect, forceDestroy: !s.protect, formerParent: parent },
    { parent },
  );
  const upload = (file: SourceFile) =>
    new s3.BucketObjectv2(
      `${name}-${file.key}`,
      { bucket: dags.bucketName, key: file.key, source: new pulumi.asset.FileAsset(file.path), sourceHash: file.sha256 },
      // Objects written before versioning is on would have the version "null", which MWAA cannot pin.
      { parent, dependsOn: [dags.versioning, dags.encryption] },
    );
  const objects = s.sources.dags.map(upload);
  const supportFile = (file: SourceFile | undefined) => {
    if (!file) return undefined;
    const object = upload(file);
    objects.push(object);
    return object.versionId;
  };
  const objectVersions = {
    requirements: supportFile(s.sources.requirements),
    plugins: supportFile(s.sources.plugins),
    startupScript: supportFile(s.sources.startupScript),
  };
  return { bucket: dags.bucket, bucketName: dags.bucketName, objects, objectVersions };
}
