// The stack's model store: a protected SecureBucket `models` holding released models at immutable keys
// (`releases/v<N>/model.json`), the bootstrap model uploaded from service/model/model.json at
// `releases/bootstrap/model.json`, and the two SSM String parameters that say what is served:
// - the pointer `/edge-mlops/<stack>/inference/current-model`: the s3:// URI of the model.json the cloud service
//   serves, initialised to the bootstrap object;
// - `/edge-mlops/<stack>/release/released-version`: the model package version last released, initialised to
//   "bootstrap".
// Pulumi creates both parameters once and never moves them (`ignoreChanges: ["value"]`): the release workflow owns
// their values, so a `pulumi up` never moves a service or a device to another model. Created first in index.ts; the
// inference service, training, release and edge components receive it as wiring.
import * as path from "node:path";
import * as s3 from "@pulumi/aws/s3";
import * as ssm from "@pulumi/aws/ssm";
import * as pulumi from "@pulumi/pulumi";
import { BOOTSTRAP_MODEL_KEY, currentModelParameterName, releasedVersionParameterName } from "../../contracts/model-release";
import { resolveArgs } from "../args";
import { SecureBucket } from "../secure-bucket";
import { modelStoreSettings, type ModelStoreSettingsInput } from "./args";
export { modelStoreSettings, type ModelStoreSettingsInput } from "./args";

/** The model the stack starts from, uploaded by Pulumi (the image does not contain it). */
export const BOOTSTRAP_MODEL_FILE = path.join(__dirname, "..", "..", "service", "model", "model.json");

/** The value of the released-version parameter before any release. */
export const BOOTSTRAP_RELEASED_VERSION = "bootstrap";

/** Inputs of the two parameters whose values the release workflow owns: Pulumi ignores changes to them. */
export const OWNED_BY_RELEASE = ["value", "insecureValue"] as const;

export type ModelStoreArgs = ModelStoreSettingsInput;

/** The settings a ModelStore is built from, defaults applied. @throws ArgError naming the first bad arg. */
export function resolveModelStoreArgs(args: ModelStoreArgs) {
  return resolveArgs("ModelStore", modelStoreSettings, args);
}

/** What other components receive: where models live and the pointer naming the served one. */
export interface ModelStoreWiring {
  readonly bucketName: pulumi.Input<string>;
  readonly bucketArn: pulumi.Input<string>;
  /** Name of the SSM pointer parameter (`/edge-mlops/<stack>/inference/current-model`). */
  readonly pointerParameterName: pulumi.Input<string>;
  /** ARN of the SSM pointer parameter. */
  readonly pointerParameterArn: pulumi.Input<string>;
}

export class ModelStore extends pulumi.ComponentResource {
  public readonly bucket: SecureBucket;
  public readonly bucketName: pulumi.Output<string>;
  public readonly bucketArn: pulumi.Output<string>;
  /** The bootstrap model object (`releases/bootstrap/model.json`). */
  public readonly bootstrapModel: s3.BucketObjectv2;
  /** The s3:// URI of the bootstrap model. */
  public readonly bootstrapModelUri: pulumi.Output<string>;
  /** The pointer the cloud service reads (value owned by the release workflow after creation). */
  public readonly pointer: ssm.Parameter;
  /** The model package version last released (value owned by the release workflow after creation). */
  public readonly releasedVersion: ssm.Parameter;
  /** Bucket and pointer, as the consumers' args take them. */
  public readonly wiring: ModelStoreWiring;

  constructor(name: string, args: ModelStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    const s = resolveModelStoreArgs(args);
    super("edge-mlops:models:ModelStore", name, {}, opts);
    const parent = { parent: this };

    this.bucket = new SecureBucket(`${name}-models`, { protect: s.protect, noncurrentVersionDays: s.noncurrentVersionDays }, parent);
    this.bucketName = this.bucket.bucketName;
    this.bucketArn = this.bucket.bucketArn;

    this.bootstrapModel = new s3.BucketObjectv2(
      `${name}-bootstrap-model`,
      {
        bucket: this.bucketName,
        key: BOOTSTRAP_MODEL_KEY,
        source: new pulumi.asset.FileAsset(BOOTSTRAP_MODEL_FILE),
        contentType: "application/json",
      },
      // Written only once the bucket is versioned and encrypted.
      { parent: this, dependsOn: this.bucket.settings },
    );
    this.bootstrapModelUri = pulumi.interpolate`s3://${this.bootstrapModel.bucket}/${this.bootstrapModel.key}`;

    // Created once with the bootstrap values; the release workflow moves them, Pulumi never does. A String
    // parameter's value is given as `insecureValue` (the provider marks `value` secret); a refresh reads the value
    // back into either field, so both are ignored.
    const owned: pulumi.CustomResourceOptions = { parent: this, ignoreChanges: [...OWNED_BY_RELEASE] };
    this.pointer = new ssm.Parameter(
      `${name}-current-model`,
      {
        name: currentModelParameterName(s.stack),
        type: "String",
        insecureValue: this.bootstrapModelUri,
        description: "s3:// URI of the model.json the inference service serves (moved by the release workflow)",
      },
      owned,
    );
    this.releasedVersion = new ssm.Parameter(
      `${name}-released-version`,
      {
        name: releasedVersionParameterName(s.stack),
        type: "String",
        insecureValue: BOOTSTRAP_RELEASED_VERSION,
        description: "Model package version last released to this stack (moved by the release workflow)",
      },
      owned,
    );
    this.wiring = { bucketName: this.bucketName, bucketArn: this.bucketArn, pointerParameterName: this.pointer.name, pointerParameterArn: this.pointer.arn };
    this.registerOutputs({ bucketName: this.bucketName, pointerParameterName: this.pointer.name, releasedVersionParameterName: this.releasedVersion.name });
  }
}
