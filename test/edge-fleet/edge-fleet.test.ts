import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArgError } from "../../components/args";
import { EdgeFleet, REPOSITORY_ROOT, resolveEdgeFleetArgs, type EdgeFleetArgs } from "../../components/edge-fleet";
import { observabilitySettings } from "../../components/observability/args";
import {
  claimPolicy,
  coreDevicePolicy,
  findPolicyViolations,
  provisioningTrustPolicy,
  tokenExchangeRolePolicy,
  tokenExchangeTrustPolicy,
} from "../../components/edge-fleet/policies";
import { HUB_IMAGES } from "../../components/edge-fleet/recipes";
import type { IotPolicyDocument } from "../../components/edge-fleet/policies";
import type { ProvisioningTemplateBody } from "../../components/edge-fleet/provisioning";
import { tokenExchangeMaxSession } from "../../components/edge-fleet/device-access";
import type { GreengrassRecipe } from "../../components/edge-fleet/recipes";
import type { TrustPolicy } from "../../components/iam";
import { ofType, one, parentAliases, planProgram, recordAliases, type Plan, type PlannedResource } from "../support/offline";
import { allInputsOf, inputsOf, parseDocument, policyDocument } from "../support/resources";

const ACCOUNT = "123456789012";
const IOT = `arn:aws:iot:eu-west-1:${ACCOUNT}`;
const SCOPE = { partition: "aws", region: "eu-west-1", accountId: ACCOUNT } as const;
const DIGEST = "ab".repeat(32);
const IMAGE = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/edge-mlops-inference@sha256:${DIGEST}`;
const REPO_ARN = `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/edge-mlops-inference`;
/** SHA-256 of the hub's compose file, the middle of its artifact key. */
const COMPOSE_SHA256 = createHash("sha256").update(readFileSync(path.resolve(__dirname, "../../edge/compose/docker-compose.yaml"))).digest("hex");

/** CSRs made the way a device makes them (edge/device-csr.sh), in a directory of their own. */
let csrDir: string;
function makeCsr(thingName: string): string {
  const result = spawnSync("sh", [path.resolve(__dirname, "../../edge/device-csr.sh"), "-o", csrDir, thingName], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`device-csr.sh ${thingName} failed: ${result.stderr}`);
  return `${thingName}.csr.pem`;
}
const csr = (file: string) => readFileSync(path.join(csrDir, file), "utf8");

beforeAll(() => {
  csrDir = mkdtempSync(path.join(tmpdir(), "edge-fleet-csr-"));
  for (const thing of ["hub-north-001", "hub-lab-002", "edge-mlops-claim-prod"]) makeCsr(thing);
  writeFileSync(path.join(csrDir, "not-a-csr.pem"), "-----BEGIN CERTIFICATE REQUEST-----\nbm90IGEgY3Ny\n-----END CERTIFICATE REQUEST-----\n");
  writeFileSync(path.join(csrDir, "with-key.pem"), csr("hub-lab-002.csr.pem") + readFileSync(path.join(csrDir, "hub-lab-002.key.pem"), "utf8"));
});
afterAll(() => rmSync(csrDir, { recursive: true, force: true }));

const base: EdgeFleetArgs = { stack: "dev", environment: "dev", inferenceImage: IMAGE, ecrRepositoryArns: [REPO_ARN] };
/** The stack config's default alarm thresholds. */
const THRESHOLDS = observabilitySettings.parse({}).alarms;

describe("resolveEdgeFleetArgs", () => {
  it("applies the documented defaults", () => {
    expect(resolveEdgeFleetArgs(base)).toEqual({
      stack: "dev",
      environment: "dev",
      rootGroupName: "edge-mlops-dev",
      childGroups: [],
      roleAliasName: "edge-mlops-dev-token-exchange",
      credentialDurationSeconds: 3600,
      allowGeneratedKeys: false,
      devices: [],
      provisioning: { enabled: true, serialNumberPattern: "^[A-Z0-9]{8,20}$", templateName: "edge-mlops-dev-fleet", claim: { kind: "none" }, devicesUseCsr: false },
      components: { composeRelease: "1.0", inferenceRelease: "1.0" },
      greengrass: { nucleusVersion: "2.14.3", dockerApplicationManagerVersion: "2.0.13", tokenExchangeServiceVersion: "2.0.3" },
      deployment: {
        rollout: { maximumPerMinute: 50 },
        abort: { failureThresholdPercentage: 10, minNumberOfExecutedThings: 10 },
        timeoutMinutes: 60,
        componentUpdateTimeoutSeconds: 60,
        configurationValidationTimeoutSeconds: 30,
      },
      protect: false,
      logRetentionDays: 30,
      monitoring: undefined,
    });
  });

  it("reads device and claim CSRs relative to csrBaseDir, and generates keys only where allowed", () => {
    const s = resolveEdgeFleetArgs({
      ...base,
      allowGeneratedKeys: true,
      childGroups: [{ name: "lab", kind: "site" }],
      devices: [{ name: "hub-north-001", group: "lab", csrFile: "hub-north-001.csr.pem" }, { name: "proto-1" }],
      provisioning: { claimCsrFile: "edge-mlops-claim-prod.csr.pem" },
      csrBaseDir: csrDir,
    });
    expect(s.devices).toEqual([
      { name: "hub-north-001", group: "lab", canary: false, key: { kind: "csr", file: "hub-north-001.csr.pem", pem: csr("hub-north-001.csr.pem") } },
      { name: "proto-1", canary: false, key: { kind: "generated" } },
    ]);
    expect(s.provisioning).toMatchObject({ claim: { kind: "csr", file: "edge-mlops-claim-prod.csr.pem", pem: csr("edge-mlops-claim-prod.csr.pem") } });
    expect(resolveEdgeFleetArgs({ ...base, allowGeneratedKeys: true }).provisioning).toMatchObject({ claim: { kind: "generated" } });
    expect(resolveEdgeFleetArgs({ ...base, provisioning: { enabled: false } }).provisioning).toEqual({ enabled: false });
  });

  it("resolves csrBaseDir against the repository root", () => {
    const relative = path.relative(REPOSITORY_ROOT, csrDir);
    const s = resolveEdgeFleetArgs({ ...base, devices: [{ name: "hub-lab-002", csrFile: "hub-lab-002.csr.pem" }], csrBaseDir: relative });
    expect(s.devices[0].key).toEqual({ kind: "csr", file: "hub-lab-002.csr.pem", pem: csr("hub-lab-002.csr.pem") });
  });

  it("derives the role alias with '-' for ':' and keeps ':' out of derived template names", () => {
    const s = resolveEdgeFleetArgs({ ...base, rootGroupName: "site:north", provisioning: { templateName: "north" } });
    expect([s.roleAliasName, s.provisioning.enabled && s.provisioning.templateName]).toEqual(["site-north-token-exchange", "north"]);
  });

  const withCsrDir = (args: Partial<EdgeFleetArgs>): EdgeFleetArgs => ({ ...base, csrBaseDir: csrDir, ...args });
  it.each<[string, Partial<EdgeFleetArgs>, string | RegExp]>([
    ["no stack", { stack: "" }, "EdgeFleet: stack: must be the stack's name"],
    ["an unknown environment", { environment: "qa" as "dev" }, 'EdgeFleet: environment: must be one of dev, staging, prod, got "qa"'],
    ["generated keys in prod", { environment: "prod", allowGeneratedKeys: true }, "EdgeFleet: allowGeneratedKeys: must be false when environment is prod (private keys would be stored in Pulumi state)"],
    // The default root group goes through the schema like a given one.
    ["a stack whose default root group is too long for the template name", { stack: "a-very-long-stack-name-x" }, /^EdgeFleet: rootGroupName: must be at most 30 characters when provisioning is on without provisioning\.templateName/],
    ["a stack name IoT does not take", { stack: "dev.1", provisioning: { enabled: false } }, "EdgeFleet: rootGroupName: must be 1-128 characters of a-z, A-Z, 0-9, ':', '_' or '-' (AWS IoT's rule)"],
    ["a range the schema states", { credentialDurationSeconds: 60 }, "EdgeFleet: credentialDurationSeconds: must be >= 900, got 60"],
    ["a missing CSR file", { devices: [{ name: "d1", csrFile: "missing.csr.pem" }] }, /^EdgeFleet: devices\[0\]\.csrFile: "missing\.csr\.pem" cannot be read \(ENOENT; resolved to .*missing\.csr\.pem\)$/],
    ["a CSR file that holds the private key", { devices: [{ name: "d1", csrFile: "with-key.pem" }] }, 'EdgeFleet: devices[0].csrFile: "with-key.pem" contains a private key; give only the CSR (the key must stay on the device)'],
    ["a file that is not a CSR", { devices: [{ name: "d1", csrFile: "not-a-csr.pem" }] }, 'EdgeFleet: devices[0].csrFile: "not-a-csr.pem" is not a PEM certificate signing request'],
    ["a private key given as a CSR", { devices: [{ name: "d1", csrFile: "hub-lab-002.key.pem" }] }, 'EdgeFleet: devices[0].csrFile: "hub-lab-002.key.pem" contains a private key'],
    ["a missing claim CSR", { provisioning: { claimCsrFile: "claim.csr.pem" } }, /^EdgeFleet: provisioning\.claimCsrFile: "claim\.csr\.pem" cannot be read/],
    ["a KMS alias for the alarm topic's key", { monitoring: { alarmTopicArn: "arn:aws:sns:eu-west-1:123456789012:t", alarmTopicKmsKeyArn: "alias/aws/sns", thresholds: THRESHOLDS } }, 'EdgeFleet: monitoring.alarmTopicKmsKeyArn: must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), got "alias/aws/sns"'],
  ])("rejects %s, naming the arg", (_, args, message) => {
    expect(() => resolveEdgeFleetArgs(withCsrDir(args))).toThrow(ArgError);
    expect(() => resolveEdgeFleetArgs(withCsrDir(args))).toThrow(message);
  });

  it("does not register anything when the args are impossible", () => {
    expect(() => new EdgeFleet("bad", { ...base, environment: "prod", allowGeneratedKeys: true })).toThrow(/^EdgeFleet: allowGeneratedKeys: /);
  });
});

// ---- under mocks ---------------------------------------------------------------------------------------------------

const DEV_DEPLOYMENT = { rollout: { maximumPerMinute: 100 }, abort: { failureThresholdPercentage: 50, minNumberOfExecutedThings: 1 }, timeoutMinutes: 30 };

/** Dev-like fleets that differ only in the number of static devices (all in the fleet's child group). */
function devFleet(name: string, deviceCount: number, common: Pick<EdgeFleetArgs, "inferenceImage" | "ecrRepositoryArns">): EdgeFleet {
  return new EdgeFleet(name, {
    stack: name,
    environment: "dev",
    childGroups: [{ name: `${name}-lab`, kind: "site", description: "Lab bench" }],
    allowGeneratedKeys: true,
    devices: Array.from({ length: deviceCount }, (_, i) => ({ name: `${name}-hub-0${i + 1}`, group: `${name}-lab` })),
    deployment: DEV_DEPLOYMENT,
    logRetentionDays: 7,
    ...common,
  });
}

const children = (plan: Plan, fleet: string) => plan.resources.filter((r) => r.name.startsWith(`${fleet}-`));
const byUrn = (plan: Plan, urn: string | null) => plan.resources.find((r) => r.urn === urn);
/** Physical name of a resource whose ARN ends in `/<name>`. */
const arnName = (r: PlannedResource) => String(r.arn).split("/").pop();

describe("EdgeFleet under mocks", () => {
  let plan: Plan;
  let repositoryUrl: string;
  let aliases: ReturnType<typeof recordAliases>;
  let prodFleet: EdgeFleet;

  beforeAll(async () => {
    plan = await planProgram(() => {
      aliases = recordAliases();
      // What the inference service hands over: its repository and the image it built, pinned by digest.
      const repo = new aws.ecr.Repository("shared-inference", {});
      // What the model store hands over: its bucket, whose releases/ the devices read.
      const models = new aws.s3.Bucket("shared-models", {});
      const common = { inferenceImage: pulumi.interpolate`${repo.repositoryUrl}@sha256:${DIGEST}`, ecrRepositoryArns: [repo.arn] };
      const dev = devFleet("dev", 2, common);
      devFleet("dev0", 0, common);
      devFleet("dev5", 5, common);
      const prod = new EdgeFleet("prod", {
        stack: "prod",
        environment: "prod",
        protect: true,
        childGroups: [
          { name: "site-north", kind: "site" },
          { name: "site-south", kind: "site" },
          { name: "hub-rev-b", kind: "hardware" },
        ],
        credentialDurationSeconds: 7200,
        devices: [
          { name: "hub-north-001", group: "site-north", canary: true, csrFile: "hub-north-001.csr.pem" },
          { name: "hub-lab-002", csrFile: "hub-lab-002.csr.pem" },
        ],
        provisioning: { serialNumberPattern: "^HBS[0-9]{9}$", claimCsrFile: "edge-mlops-claim-prod.csr.pem" },
        components: { composeRelease: "1.2", inferenceRelease: "2.0" },
        deployment: {
          rollout: { maximumPerMinute: 20, exponential: { baseRatePerMinute: 2, incrementFactor: 1.5, succeededThings: 10 } },
          abort: { failureThresholdPercentage: 5, minNumberOfExecutedThings: 10 },
          timeoutMinutes: 120,
          componentUpdateTimeoutSeconds: 120,
        },
        modelBucketArn: models.arn,
        logRetentionDays: 365,
        lambdaReservedConcurrency: 10,
        csrBaseDir: csrDir,
        ...common,
      });
      prodFleet = prod;
      const staging = new EdgeFleet("staging", { stack: "staging", environment: "staging", ...common });
      const off = new EdgeFleet("off", { stack: "off", environment: "dev", provisioning: { enabled: false }, ...common });
      return {
        repositoryUrl: repo.repositoryUrl,
        thingGroupArn: prod.thingGroupArn,
        canaryGroupArn: prod.canaryGroup.arn,
        fleetGroupArn: prod.fleetGroup.arn,
        roleAlias: prod.roleAlias.alias,
        provisioningTemplateName: prod.provisioningTemplateName,
        iotDataEndpoint: prod.iotDataEndpoint,
        credentialEndpoint: prod.credentialEndpoint,
        deploymentId: prod.deploymentId,
        childGroups: Object.keys(prod.childGroups),
        prodDevices: Object.keys(prod.devices),
        prodGeneratedKeys: prod.generatedPrivateKeys ?? "none",
        prodClaimKey: prod.claimPrivateKey ?? "none",
        // The offline plan hands back output values without their secret flag: ask Pulumi directly.
        devGeneratedKeys: dev.generatedPrivateKeys ? pulumi.isSecret(dev.generatedPrivateKeys) : "none",
        devGeneratedKeyNames: dev.generatedPrivateKeys?.apply((keys) => Object.keys(keys)),
        devClaimKey: dev.claimPrivateKey ? pulumi.isSecret(dev.claimPrivateKey) : "none",
        stagingClaimCertificate: staging.claimCertificate ? "yes" : "none",
        stagingClaimPolicyName: staging.claimPolicyName,
        offTemplate: off.provisioningTemplateName ?? "none",
      };
    });
    repositoryUrl = plan.outputs.repositoryUrl as string;
  });

  it("creates the root group and child groups under it, with their kind as an attribute", () => {
    expect(inputsOf(plan, "aws:iot/thingGroup:ThingGroup", "prod-group")).toEqual({
      name: "edge-mlops-prod",
      properties: {
        description: "Greengrass core devices of stack prod",
        attributePayload: { attributes: { kind: "stack", stack: "prod", environment: "prod" } },
      },
    });
    for (const [group, kind] of [["site-north", "site"], ["site-south", "site"], ["hub-rev-b", "hardware"]]) {
      expect(inputsOf(plan, "aws:iot/thingGroup:ThingGroup", `prod-group-${group}`)).toEqual({
        name: `edge-mlops-prod-${group}`,
        parentGroupName: "edge-mlops-prod",
        properties: { attributePayload: { attributes: { kind } } },
      });
    }
    expect(inputsOf(plan, "aws:iot/thingGroup:ThingGroup", "dev-group-dev-lab").properties).toEqual({
      description: "Lab bench",
      attributePayload: { attributes: { kind: "site" } },
    });
  });

  it("creates the two model groups as top-level siblings of the root group", () => {
    for (const role of ["canary", "fleet"] as const) {
      expect(inputsOf(plan, "aws:iot/thingGroup:ThingGroup", `prod-group-${role}`)).toEqual({
        name: `edge-mlops-prod-${role}`,
        properties: {
          description:
            role === "canary"
              ? "Canary core devices of stack prod: releases deploy models here first"
              : "Core devices of stack prod outside the canary: releases deploy models here after the canary",
          attributePayload: { attributes: { kind: "model", role, stack: "prod" } },
        },
      });
    }
    expect(plan.outputs).toMatchObject({ canaryGroupArn: `${IOT}:thinggroup/edge-mlops-prod-canary`, fleetGroupArn: `${IOT}:thinggroup/edge-mlops-prod-fleet` });
  });

  it("keeps component artifacts in an encrypted, versioned, private, TLS-only bucket, protected in prod", () => {
    const bucket = one(plan, "aws:s3/bucket:Bucket", "prod-artifacts-bucket");
    expect(inputsOf(plan, "aws:s3/bucket:Bucket", "prod-artifacts-bucket")).toEqual({ forceDestroy: false });
    expect(bucket.options.protect).toBe(true);
    expect(one(plan, "aws:s3/bucket:Bucket", "dev-artifacts-bucket").options.protect).toBe(false);
    expect(inputsOf(plan, "aws:s3/bucketVersioning:BucketVersioning", "prod-artifacts-versioning")).toEqual({
      bucket: bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    expect(inputsOf(plan, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "prod-artifacts-encryption")).toEqual({
      bucket: bucket.id,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    expect(inputsOf(plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "prod-artifacts-public-access")).toEqual({
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(policyDocument(inputsOf(plan, "aws:s3/bucketPolicy:BucketPolicy", "prod-artifacts-policy").policy).Statement).toEqual([
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucket.arn, `${bucket.arn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
    // Only the bucket itself holds state worth protecting.
    expect(children(plan, "prod").filter((r) => r.options.protect).map((r) => r.name)).toEqual(["prod-artifacts-bucket"]);
  });

  it("hands Pulumi an alias parent whose object graph does not grow with the fleet's devices", () => {
    // Pulumi resolves each alias with output(alias), whose unknown-value check walks every object reachable through
    // own enumerable properties (output.js containsUnknowns); the artifact bucket's aliases name the fleet itself.
    const reachable = (value: unknown): number => {
      const seen = new Set<object>();
      const walk = (v: unknown): void => {
        if (v === null || typeof v !== "object" || seen.has(v)) return;
        seen.add(v);
        for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k]);
      };
      walk(value);
      return seen.size;
    };
    const walked = (fleet: string) => {
      const [alias] = parentAliases(aliases, "aws:s3/bucketVersioning:BucketVersioning", `${fleet}-artifacts-versioning`);
      expect(alias?.parent, fleet).toBeDefined();
      return reachable(alias);
    };
    expect(walked("dev0")).toBeGreaterThan(100);
    // 2 and 5 devices with generated keys: the same graph (0 devices lacks only the generated keys' one Output).
    expect(walked("dev5")).toBe(walked("dev"));
  });

  it("keeps the URNs the artifact bucket and its settings had as direct children of the fleet", () => {
    const artifacts = one(plan, "edge-mlops:storage:SecureBucket", "prod-artifacts");
    const moved = children(plan, "prod").filter((r) => r.parent === artifacts.urn);
    expect(moved.map((r) => r.name)).toEqual(["bucket", "versioning", "encryption", "public-access", "policy"].map((c) => `prod-artifacts-${c}`));
    for (const r of moved) {
      const former = parentAliases(aliases, r.type, r.name);
      expect(former.map((a) => a.name), r.name).toEqual([r.name === "prod-artifacts-bucket" ? "prod-artifacts" : r.name]);
      expect(former[0].parent, r.name).toBe(prodFleet);
    }
  });

  /** The ComponentVersion a component's recipe declares. */
  const versionOf = (name: string) =>
    parseDocument<GreengrassRecipe>(inputsOf(plan, "aws-native:greengrassv2:ComponentVersion", name).inlineRecipe).ComponentVersion;

  it("uploads the compose file under artifacts/<component>/<sha256 of the file>/", () => {
    const bucket = one(plan, "aws:s3/bucket:Bucket", "prod-artifacts-bucket");
    expect(inputsOf(plan, "aws:s3/bucketObjectv2:BucketObjectv2", "prod-compose-artifact")).toEqual({
      bucket: bucket.id,
      key: `artifacts/com.hbs.hub.Container/${COMPOSE_SHA256}/docker-compose.yaml`,
      source: { asset: "file", path: path.relative(process.cwd(), path.resolve(__dirname, "../../edge/compose/docker-compose.yaml")) },
      contentType: "application/yaml",
    });
  });

  it("trusts only the IoT credentials provider and grants the token exchange role least privilege", () => {
    const role = one(plan, "aws:iam/role:Role", "prod-token-exchange-role");
    const trust = parseDocument<TrustPolicy>(inputsOf(plan, "aws:iam/role:Role", "prod-token-exchange-role").assumeRolePolicy);
    expect(trust).toEqual(tokenExchangeTrustPolicy());
    expect(trust.Statement[0].Principal).toEqual({ Service: "credentials.iot.amazonaws.com" });
    const rolePolicy = inputsOf(plan, "aws:iam/rolePolicy:RolePolicy", "prod-token-exchange-policy");
    expect(rolePolicy.role).toBe(role.id);
    const doc = policyDocument(rolePolicy.policy);
    const bucketArn = one(plan, "aws:s3/bucket:Bucket", "prod-artifacts-bucket").arn!;
    const repoArn = one(plan, "aws:ecr/repository:Repository", "shared-inference").arn!;
    const modelBucketArn = one(plan, "aws:s3/bucket:Bucket", "shared-models").arn!;
    expect(doc).toEqual(
      tokenExchangeRolePolicy({
        ...SCOPE,
        artifactBucketArn: bucketArn,
        artifactPrefix: "artifacts/",
        repositoryArns: [repoArn],
        logGroupPrefix: "/aws/greengrass/",
        modelBucketArn: modelBucketArn,
        modelPrefix: "releases/",
        stack: "prod",
      }),
    );
    expect(doc.Statement.map((s) => [s.Sid, s.Resource])).toEqual([
      ["GreengrassLogs", [`arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/aws/greengrass/*`, `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/aws/greengrass/*:log-stream:*`]],
      ["ComponentArtifacts", [`${bucketArn}/artifacts/*`]],
      ["ComponentArtifactBucketLocation", [bucketArn]],
      ["ModelArtifacts", [`${modelBucketArn}/releases/*`]],
      ["ModelArtifactBucketLocation", [modelBucketArn]],
      ["EcrAuthorization", ["*"]],
      ["EcrPull", [repoArn]],
      ["DeviceTelemetryPublish", ["samples", "metrics", "health"].map((k) => `arn:aws:iot:eu-west-1:${ACCOUNT}:topic/edge-mlops/prod/\${credentials-iot:ThingName}/${k}`)],
    ]);
    expect(findPolicyViolations(doc)).toEqual([]);
    // Without a model store the devices read no model.
    const devDoc = policyDocument(inputsOf(plan, "aws:iam/rolePolicy:RolePolicy", "dev-token-exchange-policy").policy);
    expect(devDoc.Statement.map((s) => s.Sid)).toEqual(["GreengrassLogs", "ComponentArtifacts", "ComponentArtifactBucketLocation", "EcrAuthorization", "EcrPull", "DeviceTelemetryPublish"]);
  });

  it("points the role alias at the token exchange role with the configured credential duration", () => {
    expect(inputsOf(plan, "aws:iot/roleAlias:RoleAlias", "prod-role-alias")).toEqual({
      alias: "edge-mlops-prod-token-exchange",
      roleArn: one(plan, "aws:iam/role:Role", "prod-token-exchange-role").arn,
      credentialDuration: 7200,
    });
    expect(inputsOf(plan, "aws:iot/roleAlias:RoleAlias", "dev-role-alias").credentialDuration).toBe(3600);
    // Devices get the role's credentials through the alias: its permissions exist first.
    expect(one(plan, "aws:iot/roleAlias:RoleAlias", "dev-role-alias").dependsOn).toEqual([one(plan, "aws:iam/rolePolicy:RolePolicy", "dev-token-exchange-policy").urn]);
  });

  it("lets every role alias' role keep sessions as long as the alias' credentials (STS refuses longer ones)", () => {
    const aliases = ofType(plan, "aws:iot/roleAlias:RoleAlias");
    expect(aliases.length).toBeGreaterThanOrEqual(5);
    for (const alias of aliases) {
      const role = plan.resources.find((r) => r.type === "aws:iam/role:Role" && r.arn === alias.inputs.roleArn);
      expect(role, `${alias.name}'s role`).toBeDefined();
      // IAM's default MaxSessionDuration is 3600 s.
      const maxSession = (role!.inputs.maxSessionDuration as number | undefined) ?? 3600;
      expect(maxSession, `${role!.name}.maxSessionDuration`).toBeGreaterThanOrEqual(alias.inputs.credentialDuration as number);
    }
    expect(inputsOf(plan, "aws:iam/role:Role", "prod-token-exchange-role").maxSessionDuration).toBe(7200);
    expect(inputsOf(plan, "aws:iam/role:Role", "dev-token-exchange-role").maxSessionDuration).toBe(3600);
  });

  it("sizes the token exchange role's session from the credential duration, within IAM's 3600 to 43200 s", () => {
    expect([900, 3600, 3601, 43200].map(tokenExchangeMaxSession)).toEqual([3600, 3600, 3601, 43200]);
  });

  it("gives core devices the minimal policy, with the role alias as the only role they may assume", () => {
    const doc = parseDocument<IotPolicyDocument>(inputsOf(plan, "aws:iot/policy:Policy", "prod-core-policy").policy);
    const roleAliasArn = `${IOT}:rolealias/edge-mlops-prod-token-exchange`;
    expect(doc).toEqual(coreDevicePolicy({ ...SCOPE, stack: "prod", roleAliasArn }));
    // Telemetry: publish only on this stack's topics of the connected thing, never a wildcard over other things.
    expect(doc.Statement.filter((s) => s.Action.length === 1 && s.Action[0] === "iot:Publish").map((s) => s.Resource)).toEqual([
      ["samples", "metrics", "health"].map((t) => `${IOT}:topic/edge-mlops/prod/\${iot:Connection.Thing.ThingName}/${t}`),
    ]);
    expect(doc.Statement.filter((s) => s.Action.includes("iot:AssumeRoleWithCertificate")).map((s) => s.Resource)).toEqual([[roleAliasArn]]);
    expect(findPolicyViolations(doc)).toEqual([]);
  });

  it("registers each prod device from its own CSR, attached exclusively, with the core policy, the root group, exactly one model group and its own group", () => {
    const corePolicy = one(plan, "aws:iot/policy:Policy", "prod-core-policy");
    const expectations: [string, string[]][] = [
      ["hub-north-001", ["edge-mlops-prod", "edge-mlops-prod-canary", "edge-mlops-prod-site-north"]],
      ["hub-lab-002", ["edge-mlops-prod", "edge-mlops-prod-fleet"]],
    ];
    for (const [thing, groups] of expectations) {
      const prefix = `prod-device-${thing}`;
      const device = one(plan, "edge-mlops:edge:StaticDevice", prefix);
      expect(device.parent).toBe(one(plan, "edge-mlops:edge:EdgeFleet", "prod").urn);
      expect(inputsOf(plan, "aws:iot/thing:Thing", `${prefix}-thing`)).toEqual({ name: thing });
      const cert = one(plan, "aws:iot/certificate:Certificate", `${prefix}-cert`);
      expect(inputsOf(plan, "aws:iot/certificate:Certificate", `${prefix}-cert`)).toEqual({ active: true, csr: csr(`${thing}.csr.pem`) });
      expect(inputsOf(plan, "aws:iot/thingPrincipalAttachment:ThingPrincipalAttachment", `${prefix}-principal`)).toEqual({
        thing,
        principal: cert.arn,
        thingPrincipalType: "EXCLUSIVE_THING",
      });
      expect(inputsOf(plan, "aws:iot/policyAttachment:PolicyAttachment", `${prefix}-policy`)).toEqual({ policy: arnName(corePolicy), target: cert.arn });
      expect(allInputsOf(plan, "aws:iot/thingGroupMembership:ThingGroupMembership", `${prefix}-in-`)).toEqual(groups.map((g) => ({ thingName: thing, thingGroupName: g })));
    }
    expect(plan.outputs.prodDevices).toEqual(["hub-north-001", "hub-lab-002"]);
  });

  it("keeps no private key in prod state: no tls resources, no generated key outputs", () => {
    expect(children(plan, "prod").filter((r) => r.type.startsWith("tls:"))).toEqual([]);
    expect(plan.outputs.prodGeneratedKeys).toBe("none");
    expect(plan.outputs.prodClaimKey).toBe("none");
  });

  it("generates ECDSA P-256 keys into state for dev prototypes only, exposed as secrets", () => {
    const prefix = "dev-device-dev-hub-01";
    expect(inputsOf(plan, "tls:index/privateKey:PrivateKey", `${prefix}-key`)).toEqual({ algorithm: "ECDSA", ecdsaCurve: "P256" });
    expect(inputsOf(plan, "tls:index/certRequest:CertRequest", `${prefix}-csr`)).toEqual({
      privateKeyPem: "[secret]",
      subject: { commonName: "dev-hub-01" },
    });
    expect(inputsOf(plan, "aws:iot/certificate:Certificate", `${prefix}-cert`)).toEqual({
      active: true,
      csr: "-----BEGIN CERTIFICATE REQUEST-----\n[offline]\n-----END CERTIFICATE REQUEST-----\n",
    });
    expect(allInputsOf(plan, "aws:iot/thingGroupMembership:ThingGroupMembership", `${prefix}-in-`)).toEqual([
      { thingName: "dev-hub-01", thingGroupName: "edge-mlops-dev" },
      { thingName: "dev-hub-01", thingGroupName: "edge-mlops-dev-fleet" },
      { thingName: "dev-hub-01", thingGroupName: "edge-mlops-dev-dev-lab" },
    ]);
    expect(plan.outputs.devGeneratedKeys).toBe(true);
    // Derived from a secret Output, the key names are secret too (Pulumi keeps secrecy through apply).
    expect(plan.outputs.devGeneratedKeyNames).toBe("[secret]");
    expect(plan.outputs.devClaimKey).toBe(true);
    expect(inputsOf(plan, "tls:index/privateKey:PrivateKey", "dev-claim-key")).toEqual({ algorithm: "ECDSA", ecdsaCurve: "P256" });
    expect(inputsOf(plan, "tls:index/certRequest:CertRequest", "dev-claim-csr").subject).toEqual({ commonName: "edge-mlops-dev-fleet-claim" });
  });

  it("provisions devices by claim through a template that adds them to the root group and the fleet model group with the core policy", () => {
    const template = one(plan, "aws:iot/provisioningTemplate:ProvisioningTemplate", "prod-provisioning-template");
    const role = one(plan, "aws:iam/role:Role", "prod-provisioning-role");
    const hook = one(plan, "aws:lambda/function:Function", "prod-provisioning-hook-fn");
    const { templateBody, ...rest } = inputsOf(plan, "aws:iot/provisioningTemplate:ProvisioningTemplate", "prod-provisioning-template");
    expect(rest).toEqual({
      name: "edge-mlops-prod-fleet",
      description: "Fleet provisioning by claim for stack prod: devices join edge-mlops-prod and edge-mlops-prod-fleet (canaries stay in edge-mlops-prod-canary)",
      enabled: true,
      type: "FLEET_PROVISIONING",
      provisioningRoleArn: role.arn,
      preProvisioningHook: { targetArn: hook.arn, payloadVersion: "2020-04-01" },
    });
    const body = parseDocument<ProvisioningTemplateBody>(templateBody);
    expect(Object.keys(body.Parameters)).toEqual(["ThingName", "SerialNumber", "AWS::IoT::Certificate::Id", "ModelGroup"]);
    // The hook names the model group on every request it admits; the default is the fleet group.
    expect(body.Parameters.ModelGroup).toEqual({ Type: "String", Default: "edge-mlops-prod-fleet" });
    expect(body.Resources.thing.Properties).toEqual({
      ThingName: { Ref: "ThingName" },
      AttributePayload: { serialNumber: { Ref: "SerialNumber" } },
      ThingGroups: ["edge-mlops-prod", { Ref: "ModelGroup" }],
    });
    expect(body.Resources.certificate.Properties).toEqual({ CertificateId: { Ref: "AWS::IoT::Certificate::Id" }, Status: "ACTIVE" });
    expect(body.Resources.policy.Properties).toEqual({ PolicyName: arnName(one(plan, "aws:iot/policy:Policy", "prod-core-policy")) });
    // The hook may be invoked before the template exists, and the role has its permissions first.
    expect(template.dependsOn).toEqual([
      one(plan, "aws:lambda/permission:Permission", "prod-provisioning-hook-invoke").urn,
      one(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "prod-provisioning-registration").urn,
    ]);
    expect(parseDocument<TrustPolicy>(inputsOf(plan, "aws:iam/role:Role", "prod-provisioning-role").assumeRolePolicy)).toEqual(provisioningTrustPolicy());
    expect(inputsOf(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "prod-provisioning-registration")).toEqual({
      role: arnName(role),
      policyArn: "arn:aws:iam::aws:policy/service-role/AWSIoTThingsRegistration",
    });
    expect(plan.outputs.provisioningTemplateName).toBe("edge-mlops-prod-fleet");
  });

  it("configures the pre-provisioning hook and lets only this template of this account invoke it", () => {
    const hook = one(plan, "aws:lambda/function:Function", "prod-provisioning-hook-fn");
    expect(inputsOf(plan, "aws:lambda/function:Function", "prod-provisioning-hook-fn")).toMatchObject({
      timeout: 5,
      reservedConcurrentExecutions: 10,
      environment: { variables: { SERIAL_NUMBER_PATTERN: "^HBS[0-9]{9}$", THING_GROUP_NAME: "edge-mlops-prod", CANARY_THING_GROUP_NAME: "edge-mlops-prod-canary", FLEET_THING_GROUP_NAME: "edge-mlops-prod-fleet", CHILD_THING_GROUP_NAMES: "edge-mlops-prod-site-north,edge-mlops-prod-site-south,edge-mlops-prod-hub-rev-b" } },
    });
    expect(inputsOf(plan, "aws:cloudwatch/logGroup:LogGroup", "prod-provisioning-hook-logs").retentionInDays).toBe(365);
    expect(inputsOf(plan, "aws:lambda/function:Function", "staging-provisioning-hook-fn").environment).toEqual({
      variables: { SERIAL_NUMBER_PATTERN: "^[A-Z0-9]{8,20}$", THING_GROUP_NAME: "edge-mlops-staging", CANARY_THING_GROUP_NAME: "edge-mlops-staging-canary", FLEET_THING_GROUP_NAME: "edge-mlops-staging-fleet", CHILD_THING_GROUP_NAMES: "" },
    });
    const policy = policyDocument(inputsOf(plan, "aws:iam/rolePolicy:RolePolicy", "prod-provisioning-hook-policy").policy);
    expect(policy.Statement.slice(2)).toEqual([
      { Sid: "ReadThingsBeingProvisioned", Effect: "Allow", Action: ["iot:DescribeThing", "iot:ListThingGroupsForThing"], Resource: [`${IOT}:thing/*`] },
    ]);
    expect(findPolicyViolations(policy, ["xray:PutTraceSegments", "xray:PutTelemetryRecords"])).toEqual([]);
    expect(inputsOf(plan, "aws:lambda/permission:Permission", "prod-provisioning-hook-invoke")).toEqual({
      action: "lambda:InvokeFunction",
      function: arnName(hook)?.split(":").pop(),
      principal: "iot.amazonaws.com",
      sourceAccount: ACCOUNT,
      sourceArn: `${IOT}:provisioningtemplate/edge-mlops-prod-fleet`,
    });
  });

  it("registers the prod claim certificate from its CSR and attaches the claim policy to it", () => {
    const claimDoc = parseDocument<IotPolicyDocument>(inputsOf(plan, "aws:iot/policy:Policy", "prod-claim-policy").policy);
    expect(claimDoc).toEqual(claimPolicy({ ...SCOPE, templateName: "edge-mlops-prod-fleet", useCsr: false }));
    expect(claimDoc.Statement[1].Resource).toEqual([
      `${IOT}:topic/$aws/certificates/create/*`,
      `${IOT}:topic/$aws/provisioning-templates/edge-mlops-prod-fleet/provision/*`,
    ]);
    expect(findPolicyViolations(claimDoc)).toEqual([]);
    const cert = one(plan, "aws:iot/certificate:Certificate", "prod-claim-cert");
    expect(inputsOf(plan, "aws:iot/certificate:Certificate", "prod-claim-cert")).toEqual({ active: true, csr: csr("edge-mlops-claim-prod.csr.pem") });
    expect(inputsOf(plan, "aws:iot/policyAttachment:PolicyAttachment", "prod-claim-policy-attachment")).toEqual({
      policy: arnName(one(plan, "aws:iot/policy:Policy", "prod-claim-policy")),
      target: cert.arn,
    });
  });

  it("leaves the claim certificate to an operator where no CSR is given and keys may not be generated", () => {
    expect(ofType(plan, "aws:iot/policy:Policy", "staging-claim-policy")).toHaveLength(1);
    expect(ofType(plan, "aws:iot/certificate:Certificate", "staging-")).toEqual([]);
    expect(children(plan, "staging").filter((r) => r.type.startsWith("tls:"))).toEqual([]);
    expect(plan.outputs.stagingClaimCertificate).toBe("none");
    // What the operator attaches to the claim certificate they register.
    expect(plan.outputs.stagingClaimPolicyName).toBe(arnName(one(plan, "aws:iot/policy:Policy", "staging-claim-policy")));
  });

  it("creates no provisioning resources when provisioning is off", () => {
    const types = new Set(children(plan, "off").map((r) => r.type));
    for (const type of ["aws:iot/provisioningTemplate:ProvisioningTemplate", "aws:lambda/function:Function", "aws:lambda/permission:Permission", "aws:iam/rolePolicyAttachment:RolePolicyAttachment"]) {
      expect(types.has(type)).toBe(false);
    }
    expect(ofType(plan, "aws:iot/policy:Policy", "off-").map((r) => r.name)).toEqual(["off-core-policy"]);
    expect(plan.outputs.offTemplate).toBe("none");
  });

  it("publishes the hub app with its compose file from the bucket and the hub images", () => {
    const bucket = one(plan, "aws:s3/bucket:Bucket", "prod-artifacts-bucket");
    const recipe = parseDocument<GreengrassRecipe>(inputsOf(plan, "aws-native:greengrassv2:ComponentVersion", "prod-hub-component").inlineRecipe);
    expect(recipe).toMatchObject({ RecipeFormatVersion: "2020-01-25", ComponentName: "com.hbs.hub.Container" });
    expect(recipe.ComponentVersion).toBe(versionOf("prod-hub-component"));
    expect(recipe.ComponentVersion).toMatch(/^1\.2\.\d{1,10}$/);
    expect(recipe.ComponentDependencies).toEqual({ "aws.greengrass.DockerApplicationManager": { VersionRequirement: "^2.0.0", DependencyType: "HARD" } });
    expect(recipe.Manifests[0].Artifacts.map((a) => a.URI)).toEqual([
      `s3://${bucket.id}/artifacts/com.hbs.hub.Container/${COMPOSE_SHA256}/docker-compose.yaml`,
      ...HUB_IMAGES,
    ]);
    expect(recipe.Manifests[0].Lifecycle.Startup).toMatchObject({ RequiresPrivilege: true, Script: expect.stringMatching(/ up -d$/) });
  });

  it("publishes the inference service's image as a component on port 5000 for amd64 and aarch64, serving the mounted model", () => {
    const recipe = parseDocument<GreengrassRecipe>(inputsOf(plan, "aws-native:greengrassv2:ComponentVersion", "prod-inference-component").inlineRecipe);
    expect(recipe).toMatchObject({ ComponentName: "com.edgemlops.Inference" });
    expect(recipe.ComponentVersion).toBe(versionOf("prod-inference-component"));
    expect(recipe.ComponentVersion).toMatch(/^2\.0\.\d{1,10}$/);
    expect(recipe.ComponentDependencies).toEqual({
      "aws.greengrass.DockerApplicationManager": { VersionRequirement: "^2.0.0", DependencyType: "HARD" },
      "aws.greengrass.TokenExchangeService": { VersionRequirement: "^2.0.0", DependencyType: "HARD" },
    });
    expect(recipe.Manifests.map((m) => [m.Platform, m.Artifacts, m.Lifecycle.Setenv])).toEqual(
      ["amd64", "aarch64"].map((architecture) => [
        { os: "linux", architecture },
        [{ URI: `docker:${repositoryUrl}@sha256:${DIGEST}` }],
        // The Service dimension of the device's metrics is the fleet's root group: the telemetry metrics rule requires it.
        { MODEL_PATH: "/opt/edge-mlops/model/model.json", PORT: "{configuration:/Port}", METRICS_SERVICE: "edge-mlops-prod-devices" },
      ]),
    );
    expect(recipe.Manifests[0].Lifecycle.Startup?.Script).toContain(" --mount type=bind,source=/var/lib/edge-mlops/model,target=/opt/edge-mlops/model,readonly ");
    expect(recipe.Manifests[0].Lifecycle.Startup?.Script).toContain(" -e MODEL_PATH -e PORT -e METRICS_SERVICE ");
    expect(recipe.ComponentConfiguration).toEqual({ DefaultConfiguration: { Port: "5000" } });
  });

  it("deploys pinned components to the root group with exponential rollout, abort, timeout and rollback in prod", () => {
    const deployment = one(plan, "aws-native:greengrassv2:Deployment", "prod-deployment");
    expect(inputsOf(plan, "aws-native:greengrassv2:Deployment", "prod-deployment")).toEqual({
      targetArn: `${IOT}:thinggroup/edge-mlops-prod`,
      deploymentName: expect.stringMatching(/^edge-mlops-prod-[0-9a-f]{16}$/),
      components: {
        "aws.greengrass.Nucleus": { componentVersion: "2.14.3" },
        "aws.greengrass.DockerApplicationManager": { componentVersion: "2.0.13" },
        "aws.greengrass.TokenExchangeService": { componentVersion: "2.0.3" },
        "com.hbs.hub.Container": { componentVersion: versionOf("prod-hub-component") },
        "com.edgemlops.Inference": { componentVersion: versionOf("prod-inference-component") },
      },
      deploymentPolicies: {
        failureHandlingPolicy: "ROLLBACK",
        componentUpdatePolicy: { action: "NOTIFY_COMPONENTS", timeoutInSeconds: 120 },
        configurationValidationPolicy: { timeoutInSeconds: 30 },
      },
      iotJobConfiguration: {
        jobExecutionsRolloutConfig: {
          maximumPerMinute: 20,
          exponentialRate: { baseRatePerMinute: 2, incrementFactor: 1.5, rateIncreaseCriteria: { numberOfSucceededThings: 10 } },
        },
        abortConfig: { criteriaList: [{ action: "CANCEL", failureType: "ALL", minNumberOfExecutedThings: 10, thresholdPercentage: 5 }] },
        timeoutConfig: { inProgressTimeoutInMinutes: 120 },
      },
    });
    // A replacement is created first and supersedes the old deployment, which is left alone rather than cancelled.
    expect(deployment.options).toMatchObject({ retainOnDelete: true, deleteBeforeReplace: false, protect: false });
    expect(deployment.dependsOn).toEqual([one(plan, "aws:iam/rolePolicy:RolePolicy", "prod-token-exchange-policy").urn]);
    // It deploys the component versions registered by this fleet.
    expect(deployment.inputDependencies).toEqual(
      expect.arrayContaining([
        one(plan, "aws-native:greengrassv2:ComponentVersion", "prod-hub-component").urn,
        one(plan, "aws-native:greengrassv2:ComponentVersion", "prod-inference-component").urn,
        one(plan, "aws:iot/thingGroup:ThingGroup", "prod-group").urn,
      ]),
    );
  });

  it("rolls dev out at a constant fast rate with its own abort and timeout settings", () => {
    const deployment = one(plan, "aws-native:greengrassv2:Deployment", "dev-deployment");
    const inputs = inputsOf(plan, "aws-native:greengrassv2:Deployment", "dev-deployment");
    expect(inputs.deploymentName).toMatch(/^edge-mlops-dev-[0-9a-f]{16}$/);
    expect(inputs.deploymentName).not.toBe(inputsOf(plan, "aws-native:greengrassv2:Deployment", "prod-deployment").deploymentName);
    expect(inputs.iotJobConfiguration).toEqual({
      jobExecutionsRolloutConfig: { maximumPerMinute: 100 },
      abortConfig: { criteriaList: [{ action: "CANCEL", failureType: "ALL", minNumberOfExecutedThings: 1, thresholdPercentage: 50 }] },
      timeoutConfig: { inProgressTimeoutInMinutes: 30 },
    });
    expect(deployment.options.retainOnDelete).toBe(true);
  });

  it("grows only with static devices: provisioned devices add no resources", () => {
    const count = (fleet: string) => children(plan, fleet).length;
    const perDevice = (fleet: string, n: number) => (count(fleet) - count("dev0")) / n;
    // Per static device: its component, thing, key, CSR, certificate, principal and policy attachments, 3 memberships
    // (root group, one model group, its child group).
    expect(perDevice("dev", 2)).toBe(10);
    expect(perDevice("dev5", 5)).toBe(10);
    expect(children(plan, "dev5").filter((r) => r.name.startsWith("dev5-device-")).length).toBe(50);
    // Everything else is the same fixed set whatever the fleet size; none of it takes a device count or list.
    const shape = (fleet: string) =>
      children(plan, fleet)
        .filter((r) => !r.name.startsWith(`${fleet}-device-`))
        .map((r) => `${r.type} ${r.name.split(fleet).join("<fleet>")}`)
        .sort();
    expect(shape("dev5")).toEqual(shape("dev0"));
    expect(shape("dev")).toEqual(shape("dev0"));
    expect(shape("dev0")).toEqual([
      "aws-native:greengrassv2:ComponentVersion <fleet>-hub-component",
      "aws-native:greengrassv2:ComponentVersion <fleet>-inference-component",
      "aws-native:greengrassv2:Deployment <fleet>-deployment",
      "aws:cloudwatch/logGroup:LogGroup <fleet>-provisioning-hook-logs",
      "aws:iam/role:Role <fleet>-provisioning-hook-role",
      "aws:iam/role:Role <fleet>-provisioning-role",
      "aws:iam/role:Role <fleet>-token-exchange-role",
      "aws:iam/rolePolicy:RolePolicy <fleet>-provisioning-hook-policy",
      "aws:iam/rolePolicy:RolePolicy <fleet>-token-exchange-policy",
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment <fleet>-provisioning-registration",
      "aws:iot/certificate:Certificate <fleet>-claim-cert",
      "aws:iot/policy:Policy <fleet>-claim-policy",
      "aws:iot/policy:Policy <fleet>-core-policy",
      "aws:iot/policyAttachment:PolicyAttachment <fleet>-claim-policy-attachment",
      "aws:iot/provisioningTemplate:ProvisioningTemplate <fleet>-provisioning-template",
      "aws:iot/roleAlias:RoleAlias <fleet>-role-alias",
      "aws:iot/thingGroup:ThingGroup <fleet>-group",
      "aws:iot/thingGroup:ThingGroup <fleet>-group-<fleet>-lab",
      "aws:iot/thingGroup:ThingGroup <fleet>-group-canary",
      "aws:iot/thingGroup:ThingGroup <fleet>-group-fleet",
      "aws:lambda/function:Function <fleet>-provisioning-hook-fn",
      "aws:lambda/permission:Permission <fleet>-provisioning-hook-invoke",
      "aws:s3/bucket:Bucket <fleet>-artifacts-bucket",
      "aws:s3/bucketObjectv2:BucketObjectv2 <fleet>-compose-artifact",
      "aws:s3/bucketPolicy:BucketPolicy <fleet>-artifacts-policy",
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock <fleet>-artifacts-public-access",
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration <fleet>-artifacts-encryption",
      "aws:s3/bucketVersioning:BucketVersioning <fleet>-artifacts-versioning",
      "edge-mlops:lambda:Function <fleet>-provisioning-hook",
      "edge-mlops:storage:SecureBucket <fleet>-artifacts",
      "tls:index/certRequest:CertRequest <fleet>-claim-csr",
      "tls:index/privateKey:PrivateKey <fleet>-claim-key",
    ]);
  });

  it("parents every child to its fleet", () => {
    const fleet = one(plan, "edge-mlops:edge:EdgeFleet", "prod");
    for (const r of children(plan, "prod")) {
      let parent = byUrn(plan, r.parent);
      while (parent && parent.urn !== fleet.urn) parent = byUrn(plan, parent.parent);
      expect(parent?.urn, r.name).toBe(fleet.urn);
    }
  });

  it("exports the group ARN, role alias, template name, endpoints and deployment id", () => {
    expect(plan.outputs).toMatchObject({
      thingGroupArn: `${IOT}:thinggroup/edge-mlops-prod`,
      roleAlias: "edge-mlops-prod-token-exchange",
      provisioningTemplateName: "edge-mlops-prod-fleet",
      childGroups: ["site-north", "site-south", "hub-rev-b"],
      deploymentId: one(plan, "aws-native:greengrassv2:Deployment", "prod-deployment").id,
    });
    expect(plan.outputs.iotDataEndpoint).toMatch(/^[0-9a-f]{14}-ats\.iot\.eu-west-1\.amazonaws\.com$/);
    expect(plan.outputs.credentialEndpoint).toMatch(/\.eu-west-1\.amazonaws\.com$/);
    expect(plan.outputs.deploymentId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
