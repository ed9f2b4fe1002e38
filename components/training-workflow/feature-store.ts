// The abalone feature group: its feature definitions (shared with the Airflow DAG's `airflow/dags/feature_ingest.py`),
// the role SageMaker Feature Store writes the offline store with, and the offline store in the data bucket's
// `feature-store/` prefix (encrypted with the stack's key when one is given), plus an online store when asked.
import * as pulumi from "@pulumi/pulumi";
import { POLICY_VERSION, type PolicyDocument, type PolicyStatement } from "../iam";
import type { WorkflowContext } from "./context";
import type { DataBucket } from "./data";
import { FEATURE_STORE_GLUE_DATABASE, PREFIXES, s3KeyStatement, scopedArn, type Scope } from "./policies";
import * as sagemaker from "@pulumi/aws/sagemaker";
import * as iam from "@pulumi/aws/iam";

/** The abalone features, shared with the Airflow DAG's `airflow/dags/feature_ingest.py`. */
export const RECORD_IDENTIFIER_FEATURE = "record_id";
export const EVENT_TIME_FEATURE = "event_time";
export const ABALONE_FEATURES: readonly { readonly featureName: string; readonly featureType: "String" | "Fractional" | "Integral" }[] = [
  { featureName: RECORD_IDENTIFIER_FEATURE, featureType: "String" },
  { featureName: EVENT_TIME_FEATURE, featureType: "String" },
  { featureName: "sex", featureType: "String" },
  ...["length", "diameter", "height", "whole_weight", "shucked_weight", "viscera_weight", "shell_weight"].map((featureName) => ({
    featureName,
    featureType: "Fractional" as const,
  })),
  { featureName: "rings", featureType: "Integral" },
];

export interface FeatureStore {
  readonly featureGroup: sagemaker.FeatureGroup;
  /**
   * Where the offline store writes its files, as SageMaker resolved it
   * (`s3://<bucket>/feature-store/<account>/sagemaker/<region>/offline-store/<group>-<created>/data`).
   */
  readonly offlineStoreUri: pulumi.Output<string>;
}

export function buildFeatureStore(ctx: WorkflowContext, data: DataBucket): FeatureStore {
  const { name, parent, settings: s } = ctx;
  const kmsKeyArn = s.kmsKeyArn;
  const role = new iam.Role(
    `${name}-feature-store-role`,
    { description: `SageMaker Feature Store: offline store of ${s.featureGroupName}`, assumeRolePolicy: ctx.trustedBy("sagemaker.amazonaws.com") },
    { parent },
  );
  const rolePolicy = new iam.RolePolicy(
    `${name}-feature-store-policy`,
    {
      role: role.id,
      policy: pulumi.all([ctx.scope, data.bucketArn]).apply(([sc, bucketArn]) => JSON.stringify(featureStorePolicy({ ...sc, bucketArn, kmsKeyArn }))),
    },
    { parent },
  );
  const configured = pulumi.interpolate`s3://${data.bucketName}/${PREFIXES.featureStore}`;
  const featureGroup = new sagemaker.FeatureGroup(
    `${name}-features`,
    {
      featureGroupName: s.featureGroupName,
      description: "Abalone measurements and rings, ingested by the continuous-training DAG",
      recordIdentifierFeatureName: RECORD_IDENTIFIER_FEATURE,
      eventTimeFeatureName: EVENT_TIME_FEATURE,
      featureDefinitions: ABALONE_FEATURES.map((f) => ({ featureName: f.featureName, featureType: f.featureType })),
      roleArn: role.arn,
      offlineStoreConfig: {
        s3StorageConfig: { s3Uri: configured, ...(kmsKeyArn ? { kmsKeyId: kmsKeyArn } : {}) },
        // SageMaker creates the offline store's Glue table (database sagemaker_featurestore) for Athena queries.
        disableGlueTableCreation: false,
      },
      onlineStoreConfig: s.onlineStore ? { enableOnlineStore: true, ...(kmsKeyArn ? { securityConfig: { kmsKeyId: kmsKeyArn } } : {}) } : undefined,
    },
    // The feature store checks its role when the group is created.
    { parent, protect: s.protect, dependsOn: [rolePolicy, ...data.settings] },
  );
  // The provider reports the resolved location; the configured prefix (which holds only this group's store) is the
  // fallback should it ever be empty.
  const offlineStoreUri = pulumi
    .all([featureGroup.offlineStoreConfig, configured])
    .apply(([config, fallback]) => config?.s3StorageConfig?.resolvedOutputS3Uri || fallback);
  return { featureGroup, offlineStoreUri };
}

// ---- the role's document ---------------------------------------------------------------------------------------

export interface FeatureStorePolicyInputs extends Scope {
  readonly bucketArn: string;
  /** Key of the data bucket and the offline store, when customer-managed. */
  readonly kmsKeyArn?: string;
}

/**
 * The feature store role: SageMaker Feature Store writes the offline store's Parquet files under `feature-store/`
 * (with the bucket-owner-full-control ACL, hence PutObjectAcl and GetBucketAcl) and keeps the offline store's Glue
 * table in this account's `sagemaker_featurestore` database.
 */
export function featureStorePolicy(p: FeatureStorePolicyInputs): PolicyDocument {
  const glue = (resource: string) => scopedArn(p, "glue", resource);
  const statements: PolicyStatement[] = [
    {
      Sid: "WriteOfflineStore",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:PutObjectAcl", "s3:GetObject"],
      Resource: `${p.bucketArn}/${PREFIXES.featureStore}*`,
    },
    { Sid: "ReadBucketSettings", Effect: "Allow", Action: ["s3:GetBucketAcl", "s3:GetBucketLocation"], Resource: p.bucketArn },
    {
      Sid: "KeepOfflineStoreTable",
      Effect: "Allow",
      Action: ["glue:GetDatabase", "glue:CreateDatabase", "glue:GetTable", "glue:CreateTable", "glue:UpdateTable"],
      Resource: [glue("catalog"), glue(`database/${FEATURE_STORE_GLUE_DATABASE}`), glue(`table/${FEATURE_STORE_GLUE_DATABASE}/*`)],
    },
  ];
  if (p.kmsKeyArn) statements.push(s3KeyStatement("UseDataKey", p, p.kmsKeyArn, ["kms:GenerateDataKey", "kms:Decrypt"]));
  return { Version: POLICY_VERSION, Statement: statements };
}
