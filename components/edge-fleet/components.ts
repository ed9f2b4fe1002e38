// The fleet's two platform Greengrass components and what they are made of: the artifact bucket with the hub app's
// compose file, the docker-compose hub component, and the inference component running the inference service's image
// from private ECR. The model is not in either: the release workflow deploys it as its own component to the model
// groups, into the directory the inference container mounts.
//
// Greengrass records an artifact's digest and keeps one recipe per component name and version, refusing a second: a
// changed compose file or image digest needs a new component version. So both are derived from content
// (./content-version.ts): the compose file's key carries its SHA-256, so a changed file is a new object and never
// overwrites the one devices already verified, and each component's version carries a hash of its recipe, which names
// that key and the image digest.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describeValue } from "../../contracts/iot-names";
import { PROJECT } from "../../contracts/project";
import { deviceMetricsService } from "../../contracts/drift";
import { ECR_IMAGE } from "../../contracts/patterns";
import { argError } from "../args";
import { SecureBucket } from "../secure-bucket";
import { contentAddressedKey, contentVersionedRecipe } from "./content-version";
import type { FleetContext } from "./context";
import { COMPOSE_APP_COMPONENT_NAME, COMPOSE_FILE_NAME, composeAppRecipe, HUB_IMAGES, inferenceRecipe, serializeRecipe } from "./recipes";
import { REPOSITORY_ROOT } from "./resolve";
import * as awsS3 from "@pulumi/aws/s3";
import * as greengrassv2 from "@pulumi/aws-native/greengrassv2";

/** The hub app's compose file, uploaded as the compose component's artifact. */
export const COMPOSE_FILE = path.join(REPOSITORY_ROOT, "edge", "compose", COMPOSE_FILE_NAME);
/** Key prefix of every component artifact in the artifact bucket; the token exchange role reads only below it. */
export const ARTIFACT_PREFIX = "artifacts/";
/** Port the inference service listens on, in the cloud and on the devices. */
export const INFERENCE_PORT = 5000;

/**
 * The Greengrass `docker:` artifact URI of the inference image (`<repo url>@sha256:...` or `:<tag>`, with or without
 * `docker:`).
 * @throws ArgError naming `inferenceImage` when the image is not in private ECR or its repository is not among
 * `repositoryArns` (devices could not pull it with the token exchange role).
 */
export function inferenceImageUri(image: string, repositoryArns: readonly string[], partition: string): string {
  const ref = image.startsWith("docker:") ? image.slice("docker:".length) : image;
  if (!ECR_IMAGE.test(ref)) {
    argError("EdgeFleet", "inferenceImage", `${describeValue(image)} must be a private ECR image pinned by digest or tag (<account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<digest>)`);
  }
  const [host, ...rest] = ref.split("/");
  const [account, , , region] = host.split(".");
  const repository = rest.join("/").replace(/(@sha256:[a-f0-9]{64}|:[^:/]+)$/, "");
  const repositoryArn = `arn:${partition}:ecr:${region}:${account}:repository/${repository}`;
  if (!repositoryArns.includes(repositoryArn)) {
    argError("EdgeFleet", "inferenceImage", `${describeValue(image)} is in ${repositoryArn}, which is not in ecrRepositoryArns (${repositoryArns.join(", ") || "none"}); devices could not pull it`);
  }
  return `docker:${ref}`;
}

export interface ArtifactBucket {
  readonly bucket: awsS3.Bucket;
  /** The compose file, at `artifacts/<component>/<sha256 of the file>/docker-compose.yaml`. */
  readonly composeObject: awsS3.BucketObjectv2;
}

/** `<name>-artifacts` (a SecureBucket, protected with the stack) and `<name>-compose-artifact`. */
export function buildArtifactBucket({ fleet, name, settings: s, parent }: FleetContext): ArtifactBucket {
  const artifacts = new SecureBucket(`${name}-artifacts`, { forceDestroy: false, protect: s.protect, formerParent: fleet }, parent);
  const composeObject = new awsS3.BucketObjectv2(
    `${name}-compose-artifact`,
    {
      bucket: artifacts.bucket.id,
      key: contentAddressedKey(ARTIFACT_PREFIX, COMPOSE_APP_COMPONENT_NAME, COMPOSE_FILE_NAME, fs.readFileSync(COMPOSE_FILE)),
      source: new pulumi.asset.FileAsset(COMPOSE_FILE),
      contentType: "application/yaml",
    },
    { parent: fleet, dependsOn: [artifacts.encryption] },
  );
  return { bucket: artifacts.bucket, composeObject };
}

export interface FleetComponents {
  readonly hub: greengrassv2.ComponentVersion;
  readonly inference: greengrassv2.ComponentVersion;
}

/** What the inference component runs: the image other components built and the repositories devices may pull from. */
export interface InferenceSource {
  readonly image: pulumi.Input<string>;
  readonly repositoryArns: pulumi.Output<string[]>;
  /**
   * The account's AWS IoT Core data endpoint host when the fleet has its telemetry wiring: the container then
   * publishes its samples, metrics and health there on `edge-mlops/<stack>/<thing>/...`. @default undefined (it publishes nothing)
   */
  readonly iotDataEndpoint?: pulumi.Output<string>;
}

/** `<name>-hub-component` and `<name>-inference-component`. */
export function buildComponents(ctx: FleetContext, composeObject: awsS3.BucketObjectv2, source: InferenceSource): FleetComponents {
  const { name, settings: s, scope, build, parent } = ctx;
  const hub = new greengrassv2.ComponentVersion(
    `${name}-hub-component`,
    {
      inlineRecipe: pulumi.all([composeObject.bucket, composeObject.key]).apply(([b, k]) =>
        build(() =>
          serializeRecipe(
            contentVersionedRecipe(s.components.composeRelease, (version) =>
              composeAppRecipe({ version, composeFileUri: `s3://${b}/${k}`, images: HUB_IMAGES, usesEcr: false }),
            ),
          ),
        ),
      ),
    },
    parent,
  );
  const inference = new greengrassv2.ComponentVersion(
    `${name}-inference-component`,
    {
      inlineRecipe: pulumi.all([scope, pulumi.output(source.image), source.repositoryArns, source.iotDataEndpoint]).apply(([sc, image, repos, endpoint]) =>
        build(() => {
          const imageUri = inferenceImageUri(image, repos, sc.partition);
          const telemetry = endpoint === undefined ? undefined : { iotDataEndpoint: endpoint, topicRoot: `${PROJECT}/${s.stack}` };
          return serializeRecipe(
            contentVersionedRecipe(s.components.inferenceRelease, (version) => inferenceRecipe({ version, imageUri, port: INFERENCE_PORT, metricsService: deviceMetricsService(s.rootGroupName), telemetry })),
          );
        }),
      ),
    },
    parent,
  );
  return { hub, inference };
}
