import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { isSemver } from "../../contracts/iot-names";
import {
  HUB_IMAGES,
  composeAppRecipe,
  dockerPreflight,
  findRecipeProblems,
  inferenceRecipe,
  serializeRecipe,
  validateDockerImageUri,
  type GreengrassRecipe,
} from "../../components/edge-fleet/recipes";

const COMPOSE_URI = "s3://edge-mlops-artifacts/dev/components/com.hbs.hub.Container/1.0.0/docker-compose.yaml";
const ECR_IMAGE = "docker:123456789012.dkr.ecr.eu-west-1.amazonaws.com/edge-mlops/inference:1.4.2";

/** What Greengrass receives: the serialized recipe, parsed back. */
function published(recipe: GreengrassRecipe): Record<string, unknown> {
  return JSON.parse(serializeRecipe(recipe)) as Record<string, unknown>;
}

const DOCKER_MANAGER = { VersionRequirement: "^2.0.0", DependencyType: "HARD" };

/** The same manifest for Linux on amd64 and on 64-bit Arm (`aarch64`, as the Greengrass nucleus names it). */
function onLinuxAmd64AndArm64(manifest: Record<string, unknown>): Record<string, unknown>[] {
  return ["amd64", "aarch64"].map((architecture) => ({ Platform: { os: "linux", architecture }, ...manifest }));
}

describe("composeAppRecipe", () => {
  it("builds the hub application recipe from the reference format", () => {
    const recipe = published(composeAppRecipe({ version: "1.0.0", composeFileUri: COMPOSE_URI, images: HUB_IMAGES, usesEcr: false }));
    const compose = "docker compose -p com-hbs-hub-container -f {artifacts:path}/docker-compose.yaml";
    const preflight = dockerPreflight("com.hbs.hub.Container", true);
    expect(recipe).toEqual({
      RecipeFormatVersion: "2020-01-25",
      ComponentName: "com.hbs.hub.Container",
      ComponentVersion: "1.0.0",
      ComponentDescription: "Multi-container hub application (nginx web, hello-world app, redis db) run with Docker Compose v2.",
      ComponentPublisher: "edge-mlops",
      ComponentDependencies: { "aws.greengrass.DockerApplicationManager": DOCKER_MANAGER },
      Manifests: onLinuxAmd64AndArm64({
        Lifecycle: {
          Install: { Script: preflight, RequiresPrivilege: true, Timeout: 60 },
          Startup: { Script: `${preflight}\n${compose} up -d`, RequiresPrivilege: true, Timeout: 300 },
          Shutdown: { Script: `${compose} down`, RequiresPrivilege: true, Timeout: 120 },
        },
        Artifacts: [
          { URI: COMPOSE_URI, Unarchive: "NONE", Permission: { Read: "OWNER", Execute: "NONE" } },
          { URI: "docker:nginx:1.27-alpine" },
          { URI: "docker:hello-world:linux" },
          { URI: "docker:redis:7.4-alpine" },
        ],
      }),
    });
    expect(isSemver(recipe.ComponentVersion)).toBe(true);
  });

  it("depends on the token exchange service when images come from private ECR", () => {
    const recipe = published(
      composeAppRecipe({
        componentName: "com.hbs.hub.Private",
        version: "2.1.0-rc.1",
        composeFileUri: COMPOSE_URI,
        images: [...HUB_IMAGES, ECR_IMAGE],
        usesEcr: true,
      }),
    );
    expect(recipe.ComponentName).toBe("com.hbs.hub.Private");
    expect(recipe.ComponentVersion).toBe("2.1.0-rc.1");
    expect(recipe.ComponentDependencies).toEqual({
      "aws.greengrass.DockerApplicationManager": DOCKER_MANAGER,
      "aws.greengrass.TokenExchangeService": DOCKER_MANAGER,
    });
    const [manifest] = recipe.Manifests as { Artifacts: { URI: string }[]; Lifecycle: { Startup: { Script: string } } }[];
    expect(manifest.Artifacts.map((a) => a.URI)).toContain(ECR_IMAGE);
    expect(manifest.Lifecycle.Startup.Script.split("\n").at(-1)).toBe(
      "docker compose -p com-hbs-hub-private -f {artifacts:path}/docker-compose.yaml up -d",
    );
  });

  const base = { version: "1.0.0", composeFileUri: COMPOSE_URI, images: HUB_IMAGES, usesEcr: false };
  it.each([
    [{ version: "1.0" }, 'version: component version "1.0" is not a semantic version (MAJOR.MINOR.PATCH with optional -PRERELEASE and +BUILD, semver 2.0.0)'],
    [{ componentName: "aws.greengrass.Hub" }, 'componentName: component name "aws.greengrass.Hub" must not start with "aws.greengrass.", which is reserved for AWS-provided components'],
    [{ composeFileUri: "https://bucket/docker-compose.yaml" }, 'composeFileUri "https://bucket/docker-compose.yaml" must be an s3://bucket/.../docker-compose.yaml URI'],
    [{ composeFileUri: "s3://edge-mlops-artifacts/dev/compose.yml" }, 'composeFileUri "s3://edge-mlops-artifacts/dev/compose.yml" must be an s3://bucket/.../docker-compose.yaml URI'],
    [{ images: [] }, "images must list at least one docker: image URI"],
    [{ images: ["docker:nginx"] }, 'images: image "docker:nginx" must be a Greengrass docker artifact URI pinned by tag or digest (docker:[registry/]image:tag or docker:[registry/]image@sha256:<digest>)'],
    [{ images: ["nginx:1.27-alpine"] }, 'images: image "nginx:1.27-alpine" must be a Greengrass docker artifact URI pinned by tag or digest (docker:[registry/]image:tag or docker:[registry/]image@sha256:<digest>)'],
    [{ images: ["docker:redis:latest"] }, 'images: image "docker:redis:latest" must be pinned to a version tag or digest, not "latest"'],
    [{ images: ["docker:redis:7.4-alpine", "docker:redis:7.4-alpine"] }, "images must not contain duplicates"],
    [{ usesEcr: true }, "usesEcr is true but no image is in a private ECR repository; set usesEcr to false"],
    [{ images: [ECR_IMAGE] }, `usesEcr is false but ${ECR_IMAGE} is in a private ECR repository; set usesEcr to true`],
  ])("rejects %j naming the argument", (override, message) => {
    expect(() => composeAppRecipe({ ...base, ...override })).toThrow(`composeAppRecipe: ${message}`);
  });
});

describe("inferenceRecipe", () => {
  it("runs the ECR image hardened on amd64 and aarch64, with the device's model directory mounted read-only", () => {
    const recipe = published(inferenceRecipe({ version: "1.4.2", imageUri: ECR_IMAGE }));
    const name = "com.edgemlops.Inference";
    const manifest = (architecture: string) => ({
      Platform: { os: "linux", architecture },
      Lifecycle: {
        Setenv: { MODEL_PATH: "/opt/edge-mlops/model/model.json", PORT: "{configuration:/Port}" },
        Install: { Script: dockerPreflight(name, false), RequiresPrivilege: true, Timeout: 60 },
        Startup: {
          Script:
            `${dockerPreflight(name, false)}\n` +
            "install -d -m 0755 /var/lib/edge-mlops/model\n" +
            `docker rm -f ${name} >/dev/null 2>&1 || true\n` +
            `docker run -d --name ${name} --restart unless-stopped ` +
            "--read-only --tmpfs /tmp:rw,noexec,nosuid,size=64m --user 65532:65532 " +
            "--cap-drop ALL --security-opt no-new-privileges --network host " +
            "--mount type=bind,source=/var/lib/edge-mlops/model,target=/opt/edge-mlops/model,readonly -e MODEL_PATH -e PORT " +
            "-e AWS_REGION -e AWS_CONTAINER_CREDENTIALS_FULL_URI -e AWS_CONTAINER_AUTHORIZATION_TOKEN " +
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/edge-mlops/inference:1.4.2",
          RequiresPrivilege: true,
          Timeout: 120,
        },
        Shutdown: {
          Script: `if docker inspect ${name} >/dev/null 2>&1; then docker stop --time 20 ${name} && docker rm ${name}; fi`,
          RequiresPrivilege: true,
          Timeout: 60,
        },
      },
      Artifacts: [{ URI: ECR_IMAGE }],
    });
    expect(recipe).toEqual({
      RecipeFormatVersion: "2020-01-25",
      ComponentName: name,
      ComponentVersion: "1.4.2",
      ComponentDescription: "Inference service container (same image as the cloud service), serving POST /forecast.",
      ComponentPublisher: "edge-mlops",
      ComponentDependencies: {
        "aws.greengrass.DockerApplicationManager": DOCKER_MANAGER,
        "aws.greengrass.TokenExchangeService": DOCKER_MANAGER,
      },
      ComponentConfiguration: { DefaultConfiguration: { Port: "8080" } },
      Manifests: [manifest("amd64"), manifest("aarch64")],
    });
  });

  it("keeps configuration values out of the shell: they reach docker only through Setenv; no model URI anywhere", () => {
    const recipe = inferenceRecipe({ version: "1.4.2", imageUri: ECR_IMAGE, port: 9000 });
    const lifecycle = recipe.Manifests[0].Lifecycle;
    expect(recipe.ComponentConfiguration?.DefaultConfiguration).toEqual({ Port: "9000" });
    expect(lifecycle.Startup?.Script).not.toContain("{configuration:");
    expect(lifecycle.Startup?.Script.split("\n").at(-1)).toMatch(/^docker run -d .* -e MODEL_PATH -e PORT /);
    expect(JSON.stringify(recipe)).not.toMatch(/s3:\/\/|MODEL_URI|ModelUri/);
  });

  it("passes the metrics Service value (the fleet's root group) to the container through Setenv only", () => {
    const recipe = inferenceRecipe({ version: "1.4.2", imageUri: ECR_IMAGE, metricsService: "edge-mlops-prod" });
    const lifecycle = recipe.Manifests[0].Lifecycle;
    expect(lifecycle.Setenv).toEqual({ MODEL_PATH: "/opt/edge-mlops/model/model.json", PORT: "{configuration:/Port}", METRICS_SERVICE: "edge-mlops-prod" });
    expect(lifecycle.Startup?.Script.split("\n").at(-1)).toMatch(/^docker run -d .* -e MODEL_PATH -e PORT -e METRICS_SERVICE -e AWS_REGION /);
    expect(lifecycle.Startup?.Script).not.toContain("edge-mlops-prod");
    expect(() => inferenceRecipe({ version: "1.4.2", imageUri: ECR_IMAGE, metricsService: "" })).toThrow(
      'inferenceRecipe: metricsService "" must be a non-empty string (the fleet\'s root thing group)',
    );
  });

  it("passes the telemetry settings through Setenv and component configuration, the thing name from Greengrass", () => {
    const telemetry = { iotDataEndpoint: "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com", topicRoot: "edge-mlops/prod" };
    const recipe = inferenceRecipe({ version: "1.4.2", imageUri: ECR_IMAGE, telemetry: { ...telemetry, sampleRate: 0.25 } });
    const lifecycle = recipe.Manifests[0].Lifecycle;
    expect(lifecycle.Setenv).toEqual({
      MODEL_PATH: "/opt/edge-mlops/model/model.json",
      PORT: "{configuration:/Port}",
      IOT_DATA_ENDPOINT: telemetry.iotDataEndpoint,
      TELEMETRY_TOPIC_ROOT: "edge-mlops/prod",
      TELEMETRY_SAMPLE_RATE: "{configuration:/TelemetrySampleRate}",
    });
    expect(recipe.ComponentConfiguration?.DefaultConfiguration).toEqual({ Port: "8080", TelemetrySampleRate: "0.25" });
    const run = lifecycle.Startup?.Script.split("\n").at(-1);
    expect(run).toMatch(/ -e MODEL_PATH -e PORT -e IOT_DATA_ENDPOINT -e AWS_IOT_THING_NAME -e TELEMETRY_TOPIC_ROOT -e TELEMETRY_SAMPLE_RATE -e AWS_REGION /);
    expect(run).not.toContain(telemetry.iotDataEndpoint);
    expect(inferenceRecipe({ version: "1.4.2", imageUri: ECR_IMAGE, telemetry }).ComponentConfiguration?.DefaultConfiguration).toEqual({ Port: "8080", TelemetrySampleRate: "0.01" });
    expect(JSON.stringify(inferenceRecipe({ version: "1.4.2", imageUri: ECR_IMAGE }))).not.toMatch(/IOT_DATA_ENDPOINT|TELEMETRY_|AWS_IOT_THING_NAME/);
  });

  it.each([
    [{ iotDataEndpoint: "https://a1-ats.iot.eu-west-1.amazonaws.com" }, 'telemetry.iotDataEndpoint "https://a1-ats.iot.eu-west-1.amazonaws.com" must be an AWS IoT data endpoint host (<id>-ats.iot.<region>.amazonaws.com)'],
    [{ topicRoot: "edge-mlops/#" }, "telemetry.topicRoot \"edge-mlops/#\" must be a topic prefix such as edge-mlops/prod (letters, digits, '.', '_', '-' and '/')"],
    [{ sampleRate: 2 }, "telemetry.sampleRate number 2 must be a number from 0 to 1"],
  ])("refuses telemetry %j", (override, message) => {
    const telemetry = { iotDataEndpoint: "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com", topicRoot: "edge-mlops/prod", ...override };
    expect(() => inferenceRecipe({ version: "1.4.2", imageUri: ECR_IMAGE, telemetry })).toThrow(`inferenceRecipe: ${message}`);
  });

  it("accepts an image pinned by digest", () => {
    const digest = `docker:123456789012.dkr.ecr.eu-west-1.amazonaws.com/edge-mlops/inference@sha256:${"a".repeat(64)}`;
    const recipe = inferenceRecipe({ version: "1.0.0", imageUri: digest });
    expect(recipe.Manifests.map((m) => m.Artifacts)).toEqual([[{ URI: digest }], [{ URI: digest }]]);
  });

  const base = { version: "1.0.0", imageUri: ECR_IMAGE };
  it.each([
    [{ imageUri: "docker:nginx:1.27-alpine" }, 'imageUri "docker:nginx:1.27-alpine" must be a private ECR image (docker:<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>)'],
    [{ imageUri: "docker:123456789012.dkr.ecr.eu-west-1.amazonaws.com/edge-mlops/inference:latest" }, 'imageUri: image "docker:123456789012.dkr.ecr.eu-west-1.amazonaws.com/edge-mlops/inference:latest" must be pinned to a version tag or digest, not "latest"'],
    [{ imageUri: "docker:123456789012.dkr.ecr.eu-west-1.amazonaws.com/edge-mlops/inference" }, 'imageUri: image "docker:123456789012.dkr.ecr.eu-west-1.amazonaws.com/edge-mlops/inference" must be a Greengrass docker artifact URI pinned by tag or digest (docker:[registry/]image:tag or docker:[registry/]image@sha256:<digest>)'],
    [{ port: 80 }, "port number 80 must be an integer from 1024 to 65535 (the container is not root)"],
    [{ port: 70000 }, "port number 70000 must be an integer from 1024 to 65535 (the container is not root)"],
    [{ port: 8080.5 }, "port number 8080.5 must be an integer from 1024 to 65535 (the container is not root)"],
    [{ version: "01.0.0" }, 'version: component version "01.0.0" is not a semantic version (MAJOR.MINOR.PATCH with optional -PRERELEASE and +BUILD, semver 2.0.0)'],
  ])("rejects %j naming the argument", (override, message) => {
    expect(() => inferenceRecipe({ ...base, ...override })).toThrow(`inferenceRecipe: ${message}`);
  });
});

describe("serializeRecipe", () => {
  it("is stable: equal recipes give identical JSON whatever the key order", () => {
    const a = inferenceRecipe({ version: "1.4.2", imageUri: ECR_IMAGE });
    const b = inferenceRecipe({ version: "1.4.2", imageUri: ECR_IMAGE });
    const reordered = Object.fromEntries(Object.entries(a).reverse()) as unknown as GreengrassRecipe;
    expect(serializeRecipe(a)).toBe(serializeRecipe(b));
    expect(serializeRecipe(reordered)).toBe(serializeRecipe(a));
    const keys = Object.keys(JSON.parse(serializeRecipe(a)) as object);
    expect(keys).toEqual([...keys].sort());
    expect(serializeRecipe(a).split("\n").length).toBeGreaterThan(20);
  });

  it("changes when the recipe changes", () => {
    const v1 = serializeRecipe(inferenceRecipe({ version: "1.4.2", imageUri: ECR_IMAGE }));
    const v2 = serializeRecipe(inferenceRecipe({ version: "1.4.3", imageUri: ECR_IMAGE }));
    expect(v1).not.toBe(v2);
  });

  it("refuses recipes Greengrass would reject", () => {
    const good = composeAppRecipe({ version: "1.0.0", composeFileUri: COMPOSE_URI, images: HUB_IMAGES, usesEcr: false });
    const manifest = good.Manifests[0];
    const bad: GreengrassRecipe = {
      ...good,
      ComponentVersion: "1.0",
      Manifests: [
        {
          ...manifest,
          Lifecycle: { ...manifest.Lifecycle, Run: { Script: "sleep infinity" } },
          Artifacts: [
            ...manifest.Artifacts,
            { URI: "s3://other-bucket/x/docker-compose.yaml" },
            { URI: "https://example.com/file" },
            { URI: "docker:redis:latest" },
          ],
        },
      ],
    };
    const problems = [
      'ComponentVersion: component version "1.0" is not a semantic version (MAJOR.MINOR.PATCH with optional -PRERELEASE and +BUILD, semver 2.0.0)',
      "Manifests[0].Lifecycle may define Startup or Run, not both",
      'Manifests[0].Artifacts: file name "docker-compose.yaml" appears twice',
      'Manifests[0].Artifacts: URI "https://example.com/file" must be an s3:// or docker: URI',
      'Manifests[0].Artifacts: image "docker:redis:latest" must be pinned to a version tag or digest, not "latest"',
    ];
    expect(findRecipeProblems(bad)).toEqual(problems);
    expect(() => serializeRecipe(bad)).toThrow(`serializeRecipe: invalid recipe "com.hbs.hub.Container": ${problems.join("; ")}`);
    expect(() => serializeRecipe({ ...good, Manifests: [] })).toThrow("Manifests must contain at least one manifest");
  });
});

describe("validateDockerImageUri", () => {
  it.each([
    "docker:nginx:1.27-alpine",
    "docker:library/redis:7.4-alpine",
    "docker:public.ecr.aws/docker/library/nginx:1.27",
    "docker:registry.example.com:5000/team/app:2024.06.01",
    ECR_IMAGE,
  ])("accepts %j", (uri) => {
    expect(validateDockerImageUri(uri)).toBeUndefined();
  });

  it.each(["docker:nginx", "docker:nginx:latest", "docker:Nginx:1", "docker:nginx@sha256:abc", "s3://b/k", "", 5])(
    "rejects %j",
    (uri) => {
      expect(validateDockerImageUri(uri)).toMatch(/^image .* must be /);
    },
  );
});

describe("edge/compose/docker-compose.yaml", () => {
  const file = parse(readFileSync(path.resolve(__dirname, "../../edge/compose/docker-compose.yaml"), "utf8")) as {
    services: Record<string, Record<string, unknown>>;
    networks: Record<string, Record<string, unknown>>;
  };

  it("runs the web, app and db services with the images the recipe pulls", () => {
    expect(Object.keys(file.services)).toEqual(["web", "app", "db"]);
    const images = Object.values(file.services).map((s) => `docker:${String(s.image)}`);
    expect(images).toEqual([...HUB_IMAGES]);
    for (const image of images) expect(validateDockerImageUri(image)).toBeUndefined();
  });

  it("hardens every service", () => {
    for (const [name, service] of Object.entries(file.services)) {
      expect(service.privileged, name).toBeUndefined();
      expect(service.read_only, name).toBe(true);
      expect(service.cap_drop, name).toEqual(["ALL"]);
      expect(service.security_opt, name).toEqual(["no-new-privileges:true"]);
      expect(String(service.restart), name).toMatch(/^(unless-stopped|always|on-failure(:\d+)?)$/);
      expect(service.network_mode, name).toBeUndefined();
    }
    expect(file.services.web.cap_add).toEqual(["CHOWN", "SETGID", "SETUID", "NET_BIND_SERVICE"]);
    expect(file.services.db.user).toBe("redis");
  });

  it("exposes only the web server; the app and redis sit on an internal network", () => {
    expect(file.services.web.ports).toEqual(["80:80"]);
    expect(file.services.app.ports).toBeUndefined();
    expect(file.services.db.ports).toBeUndefined();
    expect(file.services.db.networks).toEqual(["backend"]);
    expect(file.networks.backend).toEqual({ internal: true });
  });
});

describe("dockerPreflight", () => {
  const bin = mkdtempSync(path.join(tmpdir(), "preflight-"));
  afterAll(() => rmSync(bin, { recursive: true, force: true }));

  /** Runs the preflight with only a fake `docker` on PATH that fails the subcommands listed in `failing`. */
  function preflight(compose: boolean, docker: { failing: string[] } | "absent"): { status: number | null; stderr: string } {
    const dir = mkdtempSync(path.join(bin, "case-"));
    if (docker !== "absent") {
      const fake = `#!/bin/sh\ncase "$1" in ${docker.failing.map((c) => `${c}) exit 1;;`).join(" ")} *) exit 0;; esac\n`;
      writeFileSync(path.join(dir, "docker"), fake, { mode: 0o755 });
    }
    const run = spawnSync("/bin/sh", ["-c", dockerPreflight("com.example.Hub", compose)], { env: { PATH: dir }, encoding: "utf8", timeout: 10_000 });
    return { status: run.status, stderr: run.stderr.trim() };
  }

  it("passes when Docker runs and has the Compose v2 plugin", () => {
    expect(preflight(true, { failing: [] })).toEqual({ status: 0, stderr: "" });
  });

  it("stops with one line naming what is missing", () => {
    expect(preflight(true, "absent")).toEqual({
      status: 1,
      stderr: "com.example.Hub: Docker is not installed on this device; install Docker Engine with the Compose v2 plugin",
    });
    expect(preflight(true, { failing: ["compose"] })).toEqual({
      status: 1,
      stderr: "com.example.Hub: Docker Compose v2 is missing ('docker compose version' failed); install the docker-compose-plugin package",
    });
    expect(preflight(true, { failing: ["info"] })).toEqual({ status: 1, stderr: "com.example.Hub: the Docker daemon is not reachable (docker info failed); start it" });
  });

  it("does not ask for Compose where only docker run is used", () => {
    expect(preflight(false, { failing: ["compose"] })).toEqual({ status: 0, stderr: "" });
  });
});
