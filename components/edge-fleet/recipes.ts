/**
 * Greengrass v2 component recipes as typed objects, and their serialization.
 *
 * Follows the AWS IoT Greengrass component recipe reference (`RecipeFormatVersion`
 * 2020-01-25). Recipes are built by code and serialized to JSON, which the edge-fleet
 * component passes to `greengrassv2.ComponentVersion` as `inlineRecipe`; no recipe is
 * written by hand.
 */
import { describeValue, validateComponentName, validateComponentVersion } from "../../contracts/iot-names";
import { DEVICE_MODEL_DIR } from "../../contracts/model-release";
import { SERVICE_DIMENSION_ENV } from "../../contracts/drift";
import { ECR_IMAGE, parseS3Uri } from "../../contracts/patterns";

export const RECIPE_FORMAT_VERSION = "2020-01-25";
export const COMPONENT_PUBLISHER = "edge-mlops";

/** Public component that pulls `docker:` artifacts (and ECR credentials) for a component. */
export const DOCKER_APPLICATION_MANAGER = "aws.greengrass.DockerApplicationManager";
/** Public component that serves the token exchange role's credentials to components. */
export const TOKEN_EXCHANGE_SERVICE = "aws.greengrass.TokenExchangeService";
/** Version range of the public components above that our recipes accept. */
export const PUBLIC_COMPONENT_VERSION_REQUIREMENT = "^2.0.0";

/** Default name of the multi-container hub application. */
export const COMPOSE_APP_COMPONENT_NAME = "com.hbs.hub.Container";
/** Default name of the inference component. */
export const INFERENCE_COMPONENT_NAME = "com.edgemlops.Inference";
/** File name the compose artifact must have; the lifecycle scripts refer to it. */
export const COMPOSE_FILE_NAME = "docker-compose.yaml";
/**
 * Images of the hub application, pinned by tag; the same images as `edge/compose/docker-compose.yaml`.
 * `hello-world` publishes no version tags, so it is pinned to its `linux` tag.
 */
export const HUB_IMAGES: readonly string[] = [
  "docker:nginx:1.27-alpine",
  "docker:hello-world:linux",
  "docker:redis:7.4-alpine",
];
/** Default port of the inference service on the device. */
export const DEFAULT_INFERENCE_PORT = 8080;
/** Where the device's model directory ({@link DEVICE_MODEL_DIR}) is mounted, read-only, inside the inference container. */
export const INFERENCE_MODEL_MOUNT = "/opt/edge-mlops/model";
/** The model file the server serves and watches: `MODEL_PATH` inside the container. */
export const INFERENCE_MODEL_PATH = `${INFERENCE_MODEL_MOUNT}/model.json`;
/** A Greengrass recipe platform architecture (AWS IoT Greengrass component recipe reference, `Platform`). */
export type GreengrassArchitecture = "amd64" | "aarch64" | "arm" | "x86";
/** uid:gid the inference container runs as (never root). */
export const INFERENCE_CONTAINER_USER = "65532:65532";

/**
 * Processor architectures the recipes declare, in the Greengrass nucleus' terms (`os.arch` as it reports it: `amd64`,
 * `aarch64` for 64-bit Arm). The inference image is built for linux/amd64 and linux/arm64 to match.
 */
export const SUPPORTED_ARCHITECTURES = ["amd64", "aarch64"] as const;

/**
 * Shell that stops a lifecycle step with one line on stderr when the device lacks Docker or, when `compose` is set,
 * the Compose v2 plugin (`docker compose`; the retired v1 `docker-compose` is not used).
 */
export function dockerPreflight(componentName: string, compose: boolean): string {
  const lines = [
    `command -v docker >/dev/null 2>&1 || { echo "${componentName}: Docker is not installed on this device; install Docker Engine${compose ? " with the Compose v2 plugin" : ""}" >&2; exit 1; }`,
    `docker info >/dev/null 2>&1 || { echo "${componentName}: the Docker daemon is not reachable (docker info failed); start it" >&2; exit 1; }`,
  ];
  if (compose) {
    lines.push(
      `docker compose version >/dev/null 2>&1 || { echo "${componentName}: Docker Compose v2 is missing ('docker compose version' failed); install the docker-compose-plugin package" >&2; exit 1; }`,
    );
  }
  return lines.join("\n");
}

/** One manifest per supported architecture, all Linux, all alike otherwise. */
function linuxManifests(manifest: Omit<Manifest, "Platform">): Manifest[] {
  return SUPPORTED_ARCHITECTURES.map((architecture) => ({ Platform: { os: "linux", architecture }, ...manifest }));
}

export type DependencyType = "HARD" | "SOFT";

export interface ComponentDependency {
  /** npm-style semver range, e.g. `^2.0.0`. */
  readonly VersionRequirement: string;
  /** HARD: restart this component when the dependency changes state. */
  readonly DependencyType: DependencyType;
}

export interface LifecycleStep {
  readonly Script: string;
  /** Run the script as root instead of the component's system user. */
  readonly RequiresPrivilege?: boolean;
  /** Seconds before the nucleus stops the script. */
  readonly Timeout?: number;
  readonly Setenv?: Readonly<Record<string, string>>;
}

export interface Lifecycle {
  /** Environment for every lifecycle script; values may use recipe variables. */
  readonly Setenv?: Readonly<Record<string, string>>;
  readonly Install?: LifecycleStep;
  /** Starts a background process; the component is RUNNING once it exits 0. Exclusive with Run. */
  readonly Startup?: LifecycleStep;
  /** Runs in the foreground for the life of the component. Exclusive with Startup. */
  readonly Run?: LifecycleStep;
  readonly Shutdown?: LifecycleStep;
}

export type ArtifactPermissionLevel = "NONE" | "OWNER" | "ALL";

export interface Artifact {
  /** `s3://bucket/key` or `docker:registry/image[:tag|@digest]`. */
  readonly URI: string;
  readonly Unarchive?: "NONE" | "ZIP";
  readonly Permission?: { readonly Read?: ArtifactPermissionLevel; readonly Execute?: ArtifactPermissionLevel };
}

export interface Manifest {
  readonly Platform: { readonly os: "linux"; readonly architecture?: GreengrassArchitecture };
  readonly Lifecycle: Lifecycle;
  readonly Artifacts: readonly Artifact[];
}

export interface GreengrassRecipe {
  readonly RecipeFormatVersion: typeof RECIPE_FORMAT_VERSION;
  readonly ComponentName: string;
  readonly ComponentVersion: string;
  readonly ComponentDescription: string;
  readonly ComponentPublisher: string;
  readonly ComponentDependencies: Readonly<Record<string, ComponentDependency>>;
  readonly ComponentConfiguration?: { readonly DefaultConfiguration: Readonly<Record<string, unknown>> };
  readonly Manifests: readonly Manifest[];
}

function fail(fn: string, message: string): never {
  throw new Error(`${fn}: ${message}`);
}

function checkNameAndVersion(fn: string, componentName: unknown, version: unknown): void {
  const nameError = validateComponentName(componentName);
  if (nameError) fail(fn, `componentName: ${nameError}`);
  const versionError = validateComponentVersion(version);
  if (versionError) fail(fn, `version: ${versionError}`);
}

/** The bucket and key of an `s3://bucket/key` URI (contracts/patterns' rule) with a key, or undefined. */
function s3Object(uri: unknown): { bucket: string; key: string } | undefined {
  const object = typeof uri === "string" ? parseS3Uri(uri) : undefined;
  return object && object.key !== "" ? object : undefined;
}
const IMAGE_TAG = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
const IMAGE_DIGEST = "sha256:[a-f0-9]{64}";
/** `docker:` URI with a tag or digest; Docker Hub (`docker:name:tag`) or a registry host. */
const DOCKER_URI_PATTERN = new RegExp(
  `^docker:((?:[a-z0-9.-]+(?::\\d+)?/)?[a-z0-9]+(?:[._/-][a-z0-9]+)*)(?::(${IMAGE_TAG})|@(${IMAGE_DIGEST}))$`,
);

/** Why `uri` is not a pinned `docker:` artifact URI, or undefined when it is one. */
export function validateDockerImageUri(uri: unknown): string | undefined {
  const match = typeof uri === "string" ? DOCKER_URI_PATTERN.exec(uri) : null;
  if (!match) {
    return `image ${describeValue(uri)} must be a Greengrass docker artifact URI pinned by tag or digest (docker:[registry/]image:tag or docker:[registry/]image@sha256:<digest>)`;
  }
  if (match[2] === "latest") {
    return `image ${describeValue(uri)} must be pinned to a version tag or digest, not "latest"`;
  }
  return undefined;
}

/** True when a `docker:` URI points at a private ECR repository. */
export function isPrivateEcrImage(uri: string): boolean {
  return ECR_IMAGE.test(uri.replace(/^docker:/, ""));
}

function dockerDependencies(withTokenExchange: boolean): Record<string, ComponentDependency> {
  const dependency = { VersionRequirement: PUBLIC_COMPONENT_VERSION_REQUIREMENT, DependencyType: "HARD" } as const;
  return withTokenExchange
    ? { [DOCKER_APPLICATION_MANAGER]: dependency, [TOKEN_EXCHANGE_SERVICE]: dependency }
    : { [DOCKER_APPLICATION_MANAGER]: dependency };
}

// ---------------------------------------------------------------------------------------------
// docker-compose application
// ---------------------------------------------------------------------------------------------

export interface ComposeAppRecipeArgs {
  /** @default "com.hbs.hub.Container" */
  readonly componentName?: string;
  /** Component version, strict semver. */
  readonly version: string;
  /** `s3://bucket/.../docker-compose.yaml` of the compose file artifact. */
  readonly composeFileUri: string;
  /** `docker:` URIs of every image the compose file uses, pinned by tag or digest. */
  readonly images: readonly string[];
  /**
   * Some images come from private ECR: the component then also depends on the token exchange
   * service, whose credentials the docker application manager uses to log in to ECR. Must be
   * true exactly when `images` contains a private ECR image.
   */
  readonly usesEcr: boolean;
}

/** Docker Compose project name for a component: lower case, `.` replaced by `-`. */
export function composeProjectName(componentName: string): string {
  return componentName.toLowerCase().replace(/[^a-z0-9_-]/g, "-");
}

/**
 * Recipe of the hub's multi-container application: the compose file is an S3 artifact, the
 * images are `docker:` artifacts pulled by the docker application manager before startup, and
 * the lifecycle brings the compose project up detached (Startup) and down (Shutdown), both as
 * root. The project name is fixed (`-p`) so two compose components never share a project.
 */
export function composeAppRecipe(args: ComposeAppRecipeArgs): GreengrassRecipe {
  const fn = "composeAppRecipe";
  const componentName = args.componentName ?? COMPOSE_APP_COMPONENT_NAME;
  checkNameAndVersion(fn, componentName, args.version);
  const s3 = s3Object(args.composeFileUri);
  if (!s3 || !(s3.key === COMPOSE_FILE_NAME || s3.key.endsWith(`/${COMPOSE_FILE_NAME}`))) {
    fail(fn, `composeFileUri ${describeValue(args.composeFileUri)} must be an s3://bucket/.../${COMPOSE_FILE_NAME} URI`);
  }
  if (!Array.isArray(args.images) || args.images.length === 0) {
    fail(fn, "images must list at least one docker: image URI");
  }
  for (const image of args.images) {
    const imageError = validateDockerImageUri(image);
    if (imageError) fail(fn, `images: ${imageError}`);
  }
  if (new Set(args.images).size !== args.images.length) {
    fail(fn, "images must not contain duplicates");
  }
  if (typeof args.usesEcr !== "boolean") {
    fail(fn, `usesEcr must be a boolean, got ${describeValue(args.usesEcr)}`);
  }
  const ecrImages = args.images.filter(isPrivateEcrImage);
  if (args.usesEcr && ecrImages.length === 0) {
    fail(fn, "usesEcr is true but no image is in a private ECR repository; set usesEcr to false");
  }
  if (!args.usesEcr && ecrImages.length > 0) {
    fail(fn, `usesEcr is false but ${ecrImages.join(", ")} is in a private ECR repository; set usesEcr to true`);
  }
  const compose = `docker compose -p ${composeProjectName(componentName)} -f {artifacts:path}/${COMPOSE_FILE_NAME}`;
  const preflight = dockerPreflight(componentName, true);
  return {
    RecipeFormatVersion: RECIPE_FORMAT_VERSION,
    ComponentName: componentName,
    ComponentVersion: args.version,
    ComponentDescription: "Multi-container hub application (nginx web, hello-world app, redis db) run with Docker Compose v2.",
    ComponentPublisher: COMPONENT_PUBLISHER,
    ComponentDependencies: dockerDependencies(args.usesEcr),
    Manifests: linuxManifests({
      Lifecycle: {
        Install: { Script: preflight, RequiresPrivilege: true, Timeout: 60 },
        Startup: { Script: `${preflight}\n${compose} up -d`, RequiresPrivilege: true, Timeout: 300 },
        Shutdown: { Script: `${compose} down`, RequiresPrivilege: true, Timeout: 120 },
      },
      Artifacts: [
        { URI: args.composeFileUri, Unarchive: "NONE", Permission: { Read: "OWNER", Execute: "NONE" } },
        ...args.images.map((image) => ({ URI: image })),
      ],
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// Inference service
// ---------------------------------------------------------------------------------------------

export interface InferenceRecipeArgs {
  /** @default "com.edgemlops.Inference" */
  readonly componentName?: string;
  /** Component version, strict semver. */
  readonly version: string;
  /** `docker:` URI of the inference service image in private ECR, pinned by tag or digest. */
  readonly imageUri: string;
  /**
   * Port the service listens on (host network, non-root, so 1024-65535).
   * @default 8080
   */
  readonly port?: number;
  /**
   * Value of the Service dimension of the metrics the server writes (contracts/drift.ts, env METRICS_SERVICE): the
   * fleet's root thing group, which the telemetry metrics rule requires. @default undefined (the server's "local")
   */
  readonly metricsService?: string;
  /**
   * Device telemetry (service/src/publisher.ts): the container publishes sampled forecasts, its metrics and health
   * to AWS IoT Core on `<topicRoot>/<thing>/...`. @default undefined (the container publishes nothing)
   */
  readonly telemetry?: InferenceTelemetry;
}

/** What the inference container needs to publish its telemetry. */
export interface InferenceTelemetry {
  /** AWS IoT Core data endpoint host (`<id>-ats.iot.<region>.amazonaws.com`, the fleet's iotDataEndpoint). */
  readonly iotDataEndpoint: string;
  /** Topic prefix `edge-mlops/<stack>` (contracts/model-release.ts DEVICE_TOPICS). */
  readonly topicRoot: string;
  /**
   * Share of forecast instances published as samples, 0 to 1; component configuration `TelemetrySampleRate`, so a
   * deployment can change it per group. @default {@link DEFAULT_TELEMETRY_SAMPLE_RATE}
   */
  readonly sampleRate?: number;
}

/** Default share of forecast instances a device publishes as training samples (1 in 100). */
export const DEFAULT_TELEMETRY_SAMPLE_RATE = 0.01;
const IOT_DATA_ENDPOINT = /^[a-z0-9-]+\.iot\.[a-z]{2}(?:-[a-z]+)+-\d+\.amazonaws\.com(?:\.cn)?$/;

/** The Setenv entries, docker -e names and configuration defaults of the container's telemetry. */
function telemetrySettings(
  fn: string,
  telemetry: InferenceTelemetry | undefined,
): { env: Record<string, string>; names: string; configuration: Record<string, string> } {
  if (telemetry === undefined) return { env: {}, names: "", configuration: {} };
  if (typeof telemetry.iotDataEndpoint !== "string" || !IOT_DATA_ENDPOINT.test(telemetry.iotDataEndpoint)) {
    fail(fn, `telemetry.iotDataEndpoint ${describeValue(telemetry.iotDataEndpoint)} must be an AWS IoT data endpoint host (<id>-ats.iot.<region>.amazonaws.com)`);
  }
  if (typeof telemetry.topicRoot !== "string" || !/^[\w.-]+(\/[\w.-]+)*$/.test(telemetry.topicRoot)) {
    fail(fn, `telemetry.topicRoot ${describeValue(telemetry.topicRoot)} must be a topic prefix such as edge-mlops/prod (letters, digits, '.', '_', '-' and '/')`);
  }
  const rate = telemetry.sampleRate ?? DEFAULT_TELEMETRY_SAMPLE_RATE;
  if (typeof rate !== "number" || !(rate >= 0 && rate <= 1)) fail(fn, `telemetry.sampleRate ${describeValue(rate)} must be a number from 0 to 1`);
  return {
    env: { IOT_DATA_ENDPOINT: telemetry.iotDataEndpoint, TELEMETRY_TOPIC_ROOT: telemetry.topicRoot, TELEMETRY_SAMPLE_RATE: "{configuration:/TelemetrySampleRate}" },
    // Greengrass sets AWS_IOT_THING_NAME for every component process; docker -e passes it on.
    names: " -e IOT_DATA_ENDPOINT -e AWS_IOT_THING_NAME -e TELEMETRY_TOPIC_ROOT -e TELEMETRY_SAMPLE_RATE",
    configuration: { TelemetrySampleRate: String(rate) },
  };
}

/**
 * Recipe of the inference component: runs the inference service's ECR image detached, with
 * a read-only root file system, as a non-root user without capabilities, restarted by Docker
 * unless stopped. The model is not part of this recipe: the device's model directory
 * ({@link DEVICE_MODEL_DIR}, written by the release's model component) is bind-mounted
 * read-only at {@link INFERENCE_MODEL_MOUNT} and the server serves and watches
 * `MODEL_PATH` ({@link INFERENCE_MODEL_PATH}), reloading a valid new model. The directory, not
 * the file, is mounted: the model component replaces model.json by a rename, which a file
 * bind mount (pinned to the old inode) would never show. `Port` is component configuration;
 * it reaches the container as `PORT` through `Setenv`, so configuration values are never
 * parsed by the shell. The container uses the host network so it can reach the token exchange
 * service (`AWS_CONTAINER_CREDENTIALS_FULL_URI` on localhost). One manifest per architecture
 * the image is built for ({@link SUPPORTED_ARCHITECTURES}), so Greengrass refuses to
 * deploy the component to a device the image cannot run on. With `telemetry`, the container also
 * gets the IoT data endpoint, the topic root, the thing name and the sample rate, and publishes
 * its samples, metrics and health (service/src/publisher.ts).
 */
export function inferenceRecipe(args: InferenceRecipeArgs): GreengrassRecipe {
  const fn = "inferenceRecipe";
  const componentName = args.componentName ?? INFERENCE_COMPONENT_NAME;
  checkNameAndVersion(fn, componentName, args.version);
  const imageError = validateDockerImageUri(args.imageUri);
  if (imageError) fail(fn, `imageUri: ${imageError}`);
  if (!isPrivateEcrImage(args.imageUri)) {
    fail(fn, `imageUri ${describeValue(args.imageUri)} must be a private ECR image (docker:<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>)`);
  }
  const port = args.port ?? DEFAULT_INFERENCE_PORT;
  if (!Number.isInteger(port) || port < 1024 || port > 65535) {
    fail(fn, `port ${describeValue(port)} must be an integer from 1024 to 65535 (the container is not root)`);
  }
  if (args.metricsService !== undefined && (typeof args.metricsService !== "string" || args.metricsService === "")) {
    fail(fn, `metricsService ${describeValue(args.metricsService)} must be a non-empty string (the fleet's root thing group)`);
  }
  const telemetry = telemetrySettings(fn, args.telemetry);
  const container = componentName;
  const image = args.imageUri.slice("docker:".length);
  const run = [
    `docker run -d --name ${container}`,
    "--restart unless-stopped",
    "--read-only --tmpfs /tmp:rw,noexec,nosuid,size=64m",
    `--user ${INFERENCE_CONTAINER_USER}`,
    "--cap-drop ALL --security-opt no-new-privileges",
    "--network host",
    `--mount type=bind,source=${DEVICE_MODEL_DIR},target=${INFERENCE_MODEL_MOUNT},readonly`,
    `-e MODEL_PATH -e PORT${args.metricsService !== undefined ? ` -e ${SERVICE_DIMENSION_ENV}` : ""}${telemetry.names}`,
    "-e AWS_REGION -e AWS_CONTAINER_CREDENTIALS_FULL_URI -e AWS_CONTAINER_AUTHORIZATION_TOKEN",
    image,
  ].join(" ");
  return {
    RecipeFormatVersion: RECIPE_FORMAT_VERSION,
    ComponentName: componentName,
    ComponentVersion: args.version,
    ComponentDescription: "Inference service container (same image as the cloud service), serving POST /forecast.",
    ComponentPublisher: COMPONENT_PUBLISHER,
    ComponentDependencies: dockerDependencies(true),
    ComponentConfiguration: {
      // Greengrass recommends numbers as strings so they keep their type on the device.
      DefaultConfiguration: { Port: String(port), ...telemetry.configuration },
    },
    Manifests: linuxManifests({
      Lifecycle: {
        Setenv: { MODEL_PATH: INFERENCE_MODEL_PATH, PORT: "{configuration:/Port}", ...(args.metricsService !== undefined ? { [SERVICE_DIMENSION_ENV]: args.metricsService } : {}), ...telemetry.env },
        Install: { Script: dockerPreflight(componentName, false), RequiresPrivilege: true, Timeout: 60 },
        Startup: {
          // The model directory exists before the first model arrives (a bind mount of a missing source fails);
          // remove a container left by an earlier version before starting this one.
          Script: `${dockerPreflight(componentName, false)}\ninstall -d -m 0755 ${DEVICE_MODEL_DIR}\ndocker rm -f ${container} >/dev/null 2>&1 || true\n${run}`,
          RequiresPrivilege: true,
          Timeout: 120,
        },
        Shutdown: {
          Script: `if docker inspect ${container} >/dev/null 2>&1; then docker stop --time 20 ${container} && docker rm ${container}; fi`,
          RequiresPrivilege: true,
          Timeout: 60,
        },
      },
      Artifacts: [{ URI: args.imageUri }],
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// Serialization
// ---------------------------------------------------------------------------------------------

/** Why `recipe` is not a well-formed recipe, or an empty list. */
export function findRecipeProblems(recipe: GreengrassRecipe): string[] {
  const problems: string[] = [];
  if (recipe.RecipeFormatVersion !== RECIPE_FORMAT_VERSION) {
    problems.push(`RecipeFormatVersion must be "${RECIPE_FORMAT_VERSION}"`);
  }
  const nameError = validateComponentName(recipe.ComponentName);
  if (nameError) problems.push(`ComponentName: ${nameError}`);
  const versionError = validateComponentVersion(recipe.ComponentVersion);
  if (versionError) problems.push(`ComponentVersion: ${versionError}`);
  if (typeof recipe.ComponentPublisher !== "string" || recipe.ComponentPublisher.length === 0) {
    problems.push("ComponentPublisher must be a non-empty string");
  }
  for (const [name, dep] of Object.entries(recipe.ComponentDependencies ?? {})) {
    if (typeof dep.VersionRequirement !== "string" || dep.VersionRequirement.trim() === "") {
      problems.push(`ComponentDependencies.${name}.VersionRequirement must be a semver range`);
    }
    if (dep.DependencyType !== "HARD" && dep.DependencyType !== "SOFT") {
      problems.push(`ComponentDependencies.${name}.DependencyType must be HARD or SOFT`);
    }
  }
  if (!Array.isArray(recipe.Manifests) || recipe.Manifests.length === 0) {
    problems.push("Manifests must contain at least one manifest");
  }
  (recipe.Manifests ?? []).forEach((manifest, i) => {
    const where = `Manifests[${i}]`;
    if (manifest.Lifecycle.Startup && manifest.Lifecycle.Run) {
      problems.push(`${where}.Lifecycle may define Startup or Run, not both`);
    }
    const fileNames = new Set<string>();
    for (const artifact of manifest.Artifacts) {
      if (artifact.URI.startsWith("docker:")) {
        const imageError = validateDockerImageUri(artifact.URI);
        if (imageError) problems.push(`${where}.Artifacts: ${imageError}`);
      } else if (s3Object(artifact.URI) !== undefined) {
        const fileName = artifact.URI.slice(artifact.URI.lastIndexOf("/") + 1);
        if (fileNames.has(fileName)) problems.push(`${where}.Artifacts: file name "${fileName}" appears twice`);
        fileNames.add(fileName);
      } else {
        problems.push(`${where}.Artifacts: URI ${describeValue(artifact.URI)} must be an s3:// or docker: URI`);
      }
    }
  });
  return problems;
}

/** `value` as JSON with keys sorted at every level and undefined members dropped: equal values give equal strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/**
 * The recipe as a JSON document for `inlineRecipe`: checked with {@link findRecipeProblems},
 * keys sorted at every level and indented, so equal recipes always serialize to the same
 * string and a preview diff shows only what changed.
 */
export function serializeRecipe(recipe: GreengrassRecipe): string {
  const problems = findRecipeProblems(recipe);
  if (problems.length > 0) {
    throw new Error(`serializeRecipe: invalid recipe ${describeValue(recipe.ComponentName)}: ${problems.join("; ")}`);
  }
  return JSON.stringify(canonical(recipe), null, 2);
}
