// What the stack config catches beyond one section's schema: namespaces and keys nothing reads, regions, secrets,
// VPC ranges that collide with another stack of the project, CSR files, and integer fields without an AWS limit.
// Each bad config must fail with one line `config error: <key>: <what is wrong and what is allowed>`.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { SECRET_PLACEHOLDER } from "../../components/args";
import { ConfigError, parseStackConfig, parseStackSettings, PROVIDER_CONFIG_KEYS, stackSchema, type StackConfigOptions } from "../../components/config";
import { AWS_REGIONS, SKLEARN_IMAGE_REGISTRY } from "../../components/regions";
import { configErrorOf } from "../support/config-error";

const ROOT = path.resolve(__dirname, "../..");
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "stack-config-"));

/** A dev stack's config as Pulumi hands it over, with `extra` keys (objects as JSON). */
function config(extra: Record<string, unknown> = {}): Record<string, string> {
  const all: Record<string, unknown> = { "aws:region": "eu-west-1", "edge-mlops:environment": "dev", ...extra };
  return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

/** The ConfigError parseStackConfig throws; fails the test when it throws none or another error. */
function configError(all: Record<string, string>, options: StackConfigOptions = {}, stack = "qa"): ConfigError {
  const error = configErrorOf(() => parseStackConfig(all, "edge-mlops", stack, options));
  expect(error.message).not.toContain("\n");
  return error;
}

describe("namespaces and keys", () => {
  it.each([
    ["a mistyped project namespace", { "edge-mlop:inference": { cpu: 512 } }, "edge-mlop:inference", "unknown config namespace 'edge-mlop' (did you mean 'edge-mlops:inference'?"],
    ["a namespace nothing reads", { "azure:location": "westeurope" }, "azure:location", "unknown config namespace 'azure'"],
    ["a key without a namespace", { environment: "dev" }, "environment", "has no namespace (did you mean 'edge-mlops:environment'?"],
    ["a mistyped aws key", { "aws:profil": "ops" }, "aws:profil", "is not a setting of the aws provider (did you mean 'aws:profile'?)"],
    ["a mistyped Pulumi key", { "pulumi:disable-default-provider": '["*"]' }, "pulumi:disable-default-provider", "is not a setting of Pulumi (did you mean 'pulumi:disable-default-providers'?)"],
  ])("rejects %s, naming the nearest valid key", (_, extra, key, problem) => {
    const e = configError(config(extra));
    expect(e.key).toBe(key);
    expect(e.message.startsWith(`config error: ${key}: ${problem}`)).toBe(true);
  });

  it("lists the namespaces it reads", () => {
    expect(configError(config({ "azure:location": "x" })).message).toContain("this program reads edge-mlops:, pulumi:, aws:, aws-native:, docker:, tls:)");
  });

  it("takes the settings of the providers the program uses and Pulumi's own keys", () => {
    const c = parseStackConfig(
      config({ "aws:profile": "ops", "aws-native:region": "eu-west-1", "docker:host": "ssh://builder", "tls:proxy": { fromEnv: true }, "pulumi:autonaming": { mode: "default" } }),
      "edge-mlops",
      "qa",
    );
    expect(c.region).toBe("eu-west-1");
    // The lists come from the provider packages themselves, not from a copy of ours.
    expect(PROVIDER_CONFIG_KEYS.aws).toEqual(expect.arrayContaining(["region", "profile", "defaultTags", "skipCredentialsValidation"]));
    expect(PROVIDER_CONFIG_KEYS.docker).toContain("host");
  });

  it("names the nearest key inside a section, and lists the section's keys", () => {
    const e = configError(config({ "edge-mlops:network": { natGateway: "single" } }));
    expect(e.message).toBe(
      "config error: edge-mlops:network.natGateway: unknown key 'natGateway' (did you mean 'natGateways'? allowed: cidrBlock, availabilityZones, natGateways, flowLogs)",
    );
    expect(configError(config({ "edge-mlops:airflw": { enabled: true } })).message).toMatch(/^config error: edge-mlops:airflw: unknown key 'airflw' \(did you mean 'airflow'\? allowed: environment, protect, tags, network, /);
    expect(configError(config({ "edge-mlops:edgeFleet": { deployment: { rollout: { maximumPerMinut: 5 } } } })).message).toContain("(did you mean 'maximumPerMinute'?");
  });
});

describe("aws:region", () => {
  it("takes the regions of @pulumi/aws's Region enum", () => {
    expect(AWS_REGIONS).toEqual(expect.arrayContaining(["eu-west-1", "us-east-1", "mx-central-1", "ap-southeast-7", "cn-north-1", "us-gov-west-1"]));
    expect(AWS_REGIONS.length).toBeGreaterThanOrEqual(40);
  });

  it("names the nearest region for a typo", () => {
    expect(configError(config({ "aws:region": "eu-wset-1" })).message).toBe(
      'config error: aws:region: is not a region aws.Provider accepts (@pulumi/aws Region enum; did you mean \'eu-west-1\'?), got "eu-wset-1"',
    );
    expect(configError(config({ "aws:region": "us-east-3" })).message).toContain("did you mean 'us-east-1'?");
  });

  it("plans in every region where SageMaker's scikit-learn image is published, and says why not elsewhere", () => {
    const planned: string[] = [];
    for (const region of AWS_REGIONS) {
      if (SKLEARN_IMAGE_REGISTRY[region] !== undefined) {
        expect(parseStackConfig(config({ "aws:region": region }), "edge-mlops", "qa").region).toBe(region);
        planned.push(region);
      } else {
        expect(configError(config({ "aws:region": region })).message).toMatch(
          new RegExp(`^config error: aws:region: SageMaker's scikit-learn image, which the training workflow's jobs run in, is not published in ${region} \\(SageMaker Python SDK, image_uri_config/sklearn.json\\); it is in af-south-1, `),
        );
      }
    }
    expect(planned.length).toBe(37);
    // The registry table knows no region the provider does not.
    expect(Object.keys(SKLEARN_IMAGE_REGISTRY).filter((r) => !AWS_REGIONS.includes(r))).toEqual([]);
  });
});

describe("secrets", () => {
  const secret = SECRET_PLACEHOLDER;
  const observability = (notifications: Record<string, unknown>) => ({ "edge-mlops:observability": { notifications } });

  it("takes a secret HTTPS endpoint and email in a secret key, keeping the placeholder", () => {
    const c = parseStackConfig(
      config({ ...observability({ emails: [secret, "ops@example.com"], httpsEndpoints: ["https://a.example.com/hook", secret, secret] }), "edge-mlops:tags": { owner: secret } }),
      "edge-mlops",
      "qa",
      { secretKeys: ["edge-mlops:observability", "edge-mlops:tags", "aws:secretKey"] },
    );
    expect(c.observability.notifications).toMatchObject({ emails: [secret, "ops@example.com"], httpsEndpoints: ["https://a.example.com/hook", secret, secret] });
    expect(c.tags).toEqual({ owner: secret });
    expect(c.secretKeys).toEqual(["observability", "tags"]);
    // A secret key the stack does not set is not one of its secret keys.
    expect(parseStackConfig(config(), "edge-mlops", "qa", { secretKeys: ["edge-mlops:tags"] }).secretKeys).toEqual([]);
  });

  it("still checks the plain values and the list beside a secret", () => {
    const options = { secretKeys: ["edge-mlops:observability"] };
    expect(configError(config(observability({ httpsEndpoints: [secret, "http://x.example.com"] })), options).message).toBe(
      'config error: edge-mlops:observability.notifications.httpsEndpoints[1]: must be an https:// URL, got "http://x.example.com"',
    );
    expect(configError(config(observability({ httpsEndpoints: Array(21).fill(secret) })), options).message).toBe(
      "config error: edge-mlops:observability.notifications.httpsEndpoints: must have at most 20 items, got 21",
    );
  });

  it("rejects the placeholder as plain text in a key that holds no secret", () => {
    expect(configError(config(observability({ httpsEndpoints: [secret] }))).message).toBe(
      'config error: edge-mlops:observability.notifications.httpsEndpoints[0]: is the text "[secret]", which stands for a secret value, but edge-mlops:observability holds no secret; give the value itself (`pulumi config set --secret --path \'edge-mlops:observability.notifications.httpsEndpoints[0]\' <value>` keeps it secret)',
    );
  });

  it.each([
    ["an email list given as an object", { "edge-mlops:observability": { notifications: { emails: { first: secret } } } }, "observability.notifications.emails.first"],
    ["tags given as a list", { "edge-mlops:tags": [secret] }, "tags[0]"],
    ["a tag value nested one level deeper", { "edge-mlops:tags": { team: { name: secret } } }, "tags.team.name"],
  ])("takes a secret only at the exact place of a secret field, not in %s", (_, extra, at) => {
    const e = configError(config(extra), { secretKeys: Object.keys(extra) });
    expect(e.message.startsWith(`config error: edge-mlops:${at}: is a secret, which only tags.<key>, observability.notifications.emails[], observability.notifications.httpsEndpoints[] may be`)).toBe(true);
  });

  it("looks for secrets through a null value without tripping over it", () => {
    expect(configError(config({ "edge-mlops:network": { cidrBlock: null } })).message).toBe("config error: edge-mlops:network.cidrBlock: must be a string, got null");
  });

  it("rejects a secret in a field that is not passed on as one", () => {
    const e = configError(config({ "edge-mlops:inference": { loadBalancer: { certificateArn: secret } } }), { secretKeys: ["edge-mlops:inference"] });
    expect(e.message).toBe(
      "config error: edge-mlops:inference.loadBalancer.certificateArn: is a secret, which only tags.<key>, observability.notifications.emails[], observability.notifications.httpsEndpoints[] may be (those are passed on as secrets; this one would reach the state in plain text): store it as plain text",
    );
  });
});

describe("the VPC range keeps apart from the project's other stacks", () => {
  const project = fs.mkdtempSync(path.join(TMP, "project-"));
  fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: edge-mlops\nruntime: nodejs\n");
  fs.writeFileSync(path.join(project, "Pulumi.alpha.yaml"), "config:\n  edge-mlops:network:\n    cidrBlock: 10.1.16.0/20\n");
  fs.writeFileSync(path.join(project, "Pulumi.beta.yaml"), "config:\n  edge-mlops:environment: dev\n"); // the default range
  fs.writeFileSync(path.join(project, "Pulumi.gamma.yaml"), "config:\n  edge-mlops:network:\n    cidrBlock:\n      secure: v1:AAAA\n");
  const options = { projectDir: project };
  const network = (cidrBlock: string) => config({ "edge-mlops:network": { cidrBlock } });

  it.each([
    ["the default range of a stack that sets none", "10.0.0.0/16", "10.0.0.0/16", "beta"],
    ["a range inside another stack's", "10.0.16.0/20", "10.0.0.0/16", "beta"],
    ["a range holding another stack's", "10.1.0.0/16", "10.1.16.0/20", "alpha"],
  ])("rejects %s, naming the stack and its file", (_, mine, theirs, stack) => {
    expect(configError(network(mine), options).message).toBe(
      `config error: edge-mlops:network.cidrBlock: overlaps ${theirs} of stack '${stack}' (Pulumi.${stack}.yaml); each stack of the project needs its own range (VPC peering, Transit Gateway and VPN routes need disjoint ones), got "${mine}"`,
    );
  });

  it("takes a range of its own, next to its own stack file's and a secret one", () => {
    expect(parseStackConfig(network("10.1.32.0/20"), "edge-mlops", "qa", options).network.cidrBlock).toBe("10.1.32.0/20");
    expect(parseStackConfig(network("10.1.0.0/16"), "edge-mlops", "alpha", options).network.cidrBlock).toBe("10.1.0.0/16");
  });

  it("keeps the repository's three stacks apart", () => {
    for (const [stack, cidr] of [["dev", "10.10.0.0/16"], ["staging", "10.20.0.0/16"], ["prod", "10.30.0.0/16"]]) {
      expect(configError(network(cidr)).message).toContain(`overlaps ${cidr} of stack '${stack}' (Pulumi.${stack}.yaml)`);
    }
  });

  it("reads another stack's range given without the namespace, as Pulumi allows in a stack file", () => {
    const bare = fs.mkdtempSync(path.join(TMP, "bare-"));
    fs.writeFileSync(path.join(bare, "Pulumi.delta.yaml"), "config:\n  network:\n    cidrBlock: 10.5.0.0/16\n");
    expect(configError(network("10.5.0.0/20"), { projectDir: bare }).message).toContain("overlaps 10.5.0.0/16 of stack 'delta' (Pulumi.delta.yaml)");
  });

  it("reads an empty stack file, one without a network and one with a malformed range as that stack's business", () => {
    const odd = fs.mkdtempSync(path.join(TMP, "odd-"));
    fs.writeFileSync(path.join(odd, "Pulumi.empty.yaml"), "");
    fs.writeFileSync(path.join(odd, "Pulumi.nulled.yaml"), "config:\n  edge-mlops:network:\n");
    fs.writeFileSync(path.join(odd, "Pulumi.typo.yaml"), "config:\n  edge-mlops:network:\n    cidrBlock: 10.7.0.0\n");
    // The empty file and the one with an empty network section both hold the default range.
    expect(configError(network("10.0.0.0/16"), { projectDir: odd }).message).toContain("overlaps 10.0.0.0/16 of stack 'empty' (Pulumi.empty.yaml)");
    fs.rmSync(path.join(odd, "Pulumi.empty.yaml"));
    expect(configError(network("10.0.0.0/16"), { projectDir: odd }).message).toContain("overlaps 10.0.0.0/16 of stack 'nulled' (Pulumi.nulled.yaml)");
    expect(parseStackConfig(network("10.7.0.0/16"), "edge-mlops", "qa", { projectDir: odd }).network.cidrBlock).toBe("10.7.0.0/16");
  });

  it("reads Pulumi.<stack>.yaml and .yml files only, and a file without a config section", () => {
    const named = fs.mkdtempSync(path.join(TMP, "named-"));
    for (const file of ["backup-Pulumi.old.yaml", "Pulumi.old.yaml.bak", "Pulumi.yaml"]) {
      fs.writeFileSync(path.join(named, file), "config:\n  edge-mlops:network:\n    cidrBlock: 10.8.0.0/16\n");
    }
    fs.writeFileSync(path.join(named, "Pulumi.short.yml"), "config:\n  edge-mlops:network:\n    cidrBlock: 10.9.0.0/16\n");
    fs.writeFileSync(path.join(named, "Pulumi.plain.yaml"), "encryptionsalt: v1:abc\n");
    expect(parseStackConfig(network("10.8.0.0/16"), "edge-mlops", "qa", { projectDir: named }).network.cidrBlock).toBe("10.8.0.0/16");
    expect(configError(network("10.9.0.0/16"), { projectDir: named }).message).toContain("overlaps 10.9.0.0/16 of stack 'short' (Pulumi.short.yml)");
    expect(configError(network("10.0.0.0/16"), { projectDir: named }).message).toContain("overlaps 10.0.0.0/16 of stack 'plain' (Pulumi.plain.yaml)");
  });

  it("names the first overlapping stack in file name order", () => {
    const two = fs.mkdtempSync(path.join(TMP, "two-"));
    for (const name of ["zeta", "eta", "theta"]) fs.writeFileSync(path.join(two, `Pulumi.${name}.yaml`), "config:\n  edge-mlops:network:\n    cidrBlock: 10.6.0.0/16\n");
    expect(configError(network("10.6.0.0/16"), { projectDir: two }).message).toContain("of stack 'eta' (Pulumi.eta.yaml)");
  });

  it("says which stack file cannot be read", () => {
    const broken = fs.mkdtempSync(path.join(TMP, "broken-"));
    fs.writeFileSync(path.join(broken, "Pulumi.delta.yaml"), "config:\n  edge-mlops:network: [\n");
    // The YAML parser's own first line of its message (the rest shows the place in the file over several lines).
    let yamlProblem = "";
    try {
      parseYaml("config:\n  edge-mlops:network: [\n");
    } catch (e) {
      yamlProblem = (e as Error).message.split("\n")[0];
    }
    expect(yamlProblem.length).toBeGreaterThan(10);
    expect(configError(network("10.2.0.0/16"), { projectDir: broken }).message).toBe(
      `config error: edge-mlops:network.cidrBlock: cannot be compared with stack 'delta': Pulumi.delta.yaml is not valid YAML (${yamlProblem})`,
    );
  });
});

describe("the default root thing group", () => {
  // The provisioning template is named `<rootGroupName>-fleet` (at most 36 characters), and the default root group is
  // `edge-mlops-<stack>`: a stack name of 19 characters is the longest that fits.
  const long = "s".repeat(20);

  it("refuses a stack whose default root group is over 30 characters, with provisioning on and no template name", () => {
    const e = configError(config(), {}, long);
    expect(e.message).toBe(`config error: edge-mlops:edgeFleet.rootGroupName: the default 'edge-mlops-${long}' is over 30 characters; set rootGroupName or provisioning.templateName`);
  });

  it.each([
    ["a stack name of 19 characters", {}, "s".repeat(19)],
    ["a root group named", { "edge-mlops:edgeFleet": { rootGroupName: "fleet" } }, long],
    ["a template named", { "edge-mlops:edgeFleet": { provisioning: { templateName: "fleet-template" } } }, long],
    ["provisioning off", { "edge-mlops:edgeFleet": { provisioning: { enabled: false } } }, long],
    ["no edge fleet", { "edge-mlops:edgeFleet": { enabled: false } }, long],
  ])("takes %s", (_, extra, stack) => {
    expect(parseStackConfig(config(extra), "edge-mlops", stack).stack).toBe(stack);
  });
});

describe("CSR files", () => {
  const dir = fs.mkdtempSync(path.join(TMP, "csr-"));
  const made = spawnSync("sh", [path.join(ROOT, "edge", "device-csr.sh"), "-o", dir, "hub-01"], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`edge/device-csr.sh failed: ${made.stderr}`);
  const good = path.join(dir, "hub-01.csr.pem");
  const text = fs.readFileSync(good, "utf8");
  const write = (name: string, content: string) => (fs.writeFileSync(path.join(dir, name), content), path.join(dir, name));
  const der = Buffer.from(text.replace(/-----[A-Z ]+-----|\s/g, ""), "base64");
  const pem = (bytes: Buffer) => `-----BEGIN CERTIFICATE REQUEST-----\n${bytes.toString("base64")}\n-----END CERTIFICATE REQUEST-----\n`;
  const tampered = write("tampered.csr.pem", pem(Buffer.from(der.toString("latin1").replace("hub-01", "hub-99"), "latin1")));
  const truncated = write("truncated.csr.pem", pem(der.subarray(0, der.length - 20)));
  const certificate = write("cert.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  const devices = (...files: string[]) => config({ "edge-mlops:edgeFleet": { devices: files.map((csrFile, i) => ({ name: `hub-0${i}`, csrFile })) } });

  it("takes a CSR made by edge/device-csr.sh", () => {
    expect(parseStackConfig(devices(good), "edge-mlops", "qa").edgeFleet.devices[0].csrFile).toBe(good);
  });

  it.each([
    ["a missing file", () => path.join(dir, "nope.csr.pem"), "cannot be read: no such file"],
    ["a directory", () => dir, "cannot be read: a directory"],
    ["a private key", () => path.join(dir, "hub-01.key.pem"), "holds a private key; give only the CSR (the key stays on the device)"],
    ["a certificate", () => certificate, "is not one PEM certificate signing request"],
    ["a truncated CSR", () => truncated, "is not a PKCS #10 certificate signing request"],
    ["a CSR changed after signing", () => tampered, "has a signature that does not match its content"],
  ])("rejects %s, naming the key and index", (_, file, problem) => {
    const e = configError(devices(good, file()));
    expect(e.key).toBe("edge-mlops:edgeFleet.devices[1].csrFile");
    expect(e.message).toContain(`: ${problem}`);
    expect(e.message.endsWith(`, got ${JSON.stringify(file())}`)).toBe(true);
  });

  it("checks the claim CSR of fleet provisioning", () => {
    const e = configError(config({ "edge-mlops:edgeFleet": { provisioning: { enabled: true, claimCsrFile: "edge/missing-claim.csr.pem" } } }));
    expect(e.message).toBe(
      `config error: edge-mlops:edgeFleet.provisioning.claimCsrFile: cannot be read: no such file (${path.join(ROOT, "edge", "missing-claim.csr.pem")}), got "edge/missing-claim.csr.pem"`,
    );
  });
});

describe("integer limits", () => {
  /** Paths of integer fields whose upper bound is zod's own 2^53 - 1 rather than an AWS limit. */
  function unboundedIntegers(schema: z.ZodType, at: string): string[] {
    const def = (schema as unknown as { _zod: { def: Record<string, any> } })._zod.def;
    if (def.type === "number") return (schema as z.ZodNumber).isInt && ((schema as z.ZodNumber).maxValue ?? Infinity) >= Number.MAX_SAFE_INTEGER ? [at] : [];
    if (def.innerType) return unboundedIntegers(def.innerType, at);
    if (def.type === "pipe") return [...unboundedIntegers(def.in, at), ...unboundedIntegers(def.out, at)];
    if (def.type === "object") return Object.entries(def.shape as Record<string, z.ZodType>).flatMap(([k, v]) => unboundedIntegers(v, at ? `${at}.${k}` : k));
    if (def.type === "array") return unboundedIntegers(def.element, `${at}[]`);
    if (def.type === "record") return unboundedIntegers(def.valueType, `${at}.<key>`);
    if (def.type === "union") return (def.options as z.ZodType[]).flatMap((o) => unboundedIntegers(o, at));
    return [];
  }

  it("gives every integer field of the stack config an upper bound", () => {
    expect(unboundedIntegers(stackSchema, "")).toEqual([]);
  });

  it.each([
    [{ inference: { desiredCount: 1e25 } }, "inference.desiredCount: must be <= 100, got 10000000000000000000000000"],
    [{ inference: { minCount: 2 ** 53 + 2 } }, "inference.minCount: must be <= 100, got 9007199254740994"],
    [{ inference: { memory: 1e20 } }, "inference.memory: must be <= 122880, got 100000000000000000000"],
    [{ edgeFleet: { credentialDurationSeconds: 1e21 } }, "edgeFleet.credentialDurationSeconds: must be <= 43200, got 1000000000000000000000"],
    [{ inference: { cpu: 1e21 } }, "inference.cpu: must be one of Fargate's CPU sizes: 256, 512, 1024, 2048, 4096, 8192, 16384, got 1000000000000000000000"],
  ])("states the AWS limit and the number as written: %j", (settings, message) => {
    expect(() => parseStackSettings({ environment: "dev", ...settings })).toThrow(`config error: edge-mlops:${message}`);
  });
});
