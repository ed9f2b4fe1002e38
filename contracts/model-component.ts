/**
 * The Greengrass v2 recipe of a released model: one component version per model package version
 * (modelComponentVersion), whose single artifact is the staged model.json and whose install step copies it into
 * DEVICE_MODEL_DIR atomically (copy to a temporary file in that directory, then rename over model.json: a rename
 * within one file system is atomic, so the inference server watching MODEL_PATH never reads half a model).
 * Built by the release's publish step (lambda/release-edge, action "publish"); no Pulumi here.
 */
import { DEVICE_MODEL_DIR, modelComponentVersion } from "./model-release";
import { S3_URI } from "./patterns";

/** Platforms the model component installs on (Greengrass recipe `Platform.architecture`, Linux only). */
export const MODEL_COMPONENT_ARCHITECTURES = ["amd64", "arm64"] as const;

/** What the recipe is built from. */
export interface ModelComponentInput {
  /** The model component's name (the edge fleet's, e.g. `edge-mlops-dev-model`). */
  readonly componentName: string;
  /** Model package version (integer >= 1); the component version is `<version>.0.0`. */
  readonly modelPackageVersion: number;
  /** The staged model.json: `s3://<model bucket>/releases/v<version>/model.json`. */
  readonly modelUri: string;
  /** Lowercase hex SHA-256 of the staged model.json (64 characters). */
  readonly sha256: string;
}

/** The install script: copy the artifact beside the model, then rename it over model.json. */
export function installScript(): string {
  const dir = DEVICE_MODEL_DIR;
  return `mkdir -p ${dir} && cp {artifacts:path}/model.json ${dir}/.model.json.tmp && chmod 0644 ${dir}/.model.json.tmp && mv -f ${dir}/.model.json.tmp ${dir}/model.json`;
}

/**
 * The recipe (RecipeFormatVersion 2020-01-25) as a JSON-serialisable object; the same input always gives the same
 * recipe, so publishing compares recipes to tell "already published" from "a different model under this version".
 * Throws RangeError naming the field when the input is out of range.
 */
export function modelComponentRecipe(input: ModelComponentInput) {
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(input.componentName)) {
    throw new RangeError(`componentName: ${JSON.stringify(input.componentName)} does not match /^[A-Za-z0-9._-]{1,128}$/`);
  }
  if (!S3_URI.test(input.modelUri)) throw new RangeError(`modelUri: ${JSON.stringify(input.modelUri)} is not an s3:// URI`);
  if (!/^[0-9a-f]{64}$/.test(input.sha256)) throw new RangeError(`sha256: ${JSON.stringify(input.sha256)} is not 64 lowercase hex digits`);
  const artifact = {
    Uri: input.modelUri,
    // Greengrass checks the downloaded artifact against this digest (base64 of the SHA-256).
    Digest: Buffer.from(input.sha256, "hex").toString("base64"),
    Algorithm: "SHA-256",
    Unarchive: "NONE",
    Permission: { Read: "OWNER", Execute: "NONE" },
  };
  return {
    RecipeFormatVersion: "2020-01-25",
    ComponentName: input.componentName,
    ComponentVersion: modelComponentVersion(input.modelPackageVersion),
    ComponentDescription: `Model package version ${input.modelPackageVersion}, installed at ${DEVICE_MODEL_DIR}/model.json`,
    ComponentPublisher: "edge-mlops",
    Manifests: MODEL_COMPONENT_ARCHITECTURES.map((architecture) => ({
      Platform: { os: "linux", architecture },
      Lifecycle: { Install: { Script: installScript(), RequiresPrivilege: true } },
      Artifacts: [artifact],
    })),
  };
}
