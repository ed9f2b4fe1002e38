// The CrossGuard adapter: policies built from the rules, preview unknowns, and the per-environment config files.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as policySdk from "@pulumi/policy";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { describe, expect, it, vi } from "vitest";
import { describeMapping, packConfig, plainProperties, policies, toPolicy } from "../../policy/crossguard";
import { configPath, generateConfigs, renderConfig } from "../../policy/generate-config";
import { RULES } from "../../policy/rules";
import { ecrScanOnPush } from "../../policy/rules/ecr";
import { iotRoleAliasRolePolicies } from "../../policy/rules/iot";
import { logGroupRetention } from "../../policy/rules/logs";
import { s3Versioning } from "../../policy/rules/s3";
import { ENVIRONMENTS, UNKNOWN } from "../../policy/rules/types";

// The proxy CrossGuard wraps properties in; declared by @pulumi/policy at runtime only.
const unknownCheckingProxy = (policySdk as unknown as { unknownCheckingProxy: <T>(v: T) => T }).unknownCheckingProxy;

describe("plainProperties", () => {
  it("copies CrossGuard's proxied properties, with UNKNOWN where the value is unknown during preview", () => {
    const props = unknownCheckingProxy({
      name: "repo",
      imageScanningConfiguration: { scanOnPush: unknownValue },
      tags: [unknownValue, "a"],
      policy: unknownValue,
      nested: { list: [{ x: 1 }] },
    });
    expect(() => (props as { policy: unknown }).policy).toThrow(/can't be known during preview/);
    expect(plainProperties(props)).toEqual({
      name: "repo",
      imageScanningConfiguration: { scanOnPush: UNKNOWN },
      tags: [UNKNOWN, "a"],
      policy: UNKNOWN,
      nested: { list: [{ x: 1 }] },
    });
  });
});

describe("policies", () => {
  it("has one policy per rule, named after it, enforced at its prod level by default", () => {
    const built = policies();
    expect(built.map((p) => [p.name, p.enforcementLevel])).toEqual(RULES.map((r) => [r.name, r.severity.prod]));
    for (const [i, p] of built.entries()) {
      const rule = RULES[i];
      expect("validateResource" in p).toBe(rule.kind === "resource");
      expect("validateStack" in p).toBe(rule.kind === "stack");
      expect(p.description).toBe(`${rule.description} ${describeMapping(rule.mapsTo)}`);
    }
  });

  it("describes mappings in one sentence", () => {
    expect(describeMapping({ checkov: ["CKV_AWS_21"], trivy: ["AVD-AWS-0090"] })).toBe("Maps to Checkov CKV_AWS_21; Trivy AVD-AWS-0090.");
    expect(describeMapping({ deviceDefender: ["IOT_POLICY_OVERLY_PERMISSIVE_CHECK"], awsFsbp: ["S3.5"] })).toBe(
      "Maps to IoT Device Defender IOT_POLICY_OVERLY_PERMISSIVE_CHECK; AWS Foundational Security Best Practices S3.5.",
    );
    expect(describeMapping({ none: "no scanner sees it" })).toBe("Maps to no public check: no scanner sees it.");
  });

  it("a resource policy reports only on its own types, through reportViolation", () => {
    const policy = toPolicy(ecrScanOnPush) as policySdk.ResourceValidationPolicy;
    const reported: string[] = [];
    const args = (type: string, props: Record<string, unknown>) =>
      ({ type, name: "repo", urn: "urn:x", props: unknownCheckingProxy(props), opts: { protect: false }, getConfig: () => ({}) }) as unknown as policySdk.ResourceValidationArgs;
    const validate = policy.validateResource as policySdk.ResourceValidation;
    validate(args("aws:ecr/repository:Repository", { imageScanningConfiguration: { scanOnPush: false } }), (m) => reported.push(m));
    validate(args("aws:ecr/repository:Repository", { imageScanningConfiguration: { scanOnPush: unknownValue } }), (m) => reported.push(m));
    validate(args("aws:sns/topic:Topic", { imageScanningConfiguration: { scanOnPush: false } }), (m) => reported.push(m));
    expect(reported).toEqual([`repository "repo" does not scan images on push: set imageScanningConfiguration.scanOnPush to true`]);
  });

  it("a stack policy pairs resources through propertyDependencies when references are unknown", () => {
    const policy = toPolicy(s3Versioning) as policySdk.StackValidationPolicy;
    const bucket = { type: "aws:s3/bucket:Bucket", name: "b", urn: "urn:b", props: unknownCheckingProxy({ bucket: unknownValue }), opts: { protect: true }, propertyDependencies: {} };
    const versioning = {
      type: "aws:s3/bucketVersioning:BucketVersioning",
      name: "v",
      urn: "urn:v",
      props: unknownCheckingProxy({ bucket: unknownValue, versioningConfiguration: { status: "Suspended" } }),
      opts: { protect: false },
      propertyDependencies: { bucket: [bucket] },
    };
    const reported: [string, string | undefined][] = [];
    policy.validateStack({ resources: [bucket, versioning], getConfig: () => ({}) } as unknown as policySdk.StackValidationArgs, (m, u) => reported.push([m, u]));
    expect(reported).toEqual([[`bucket "b" has versioning "Suspended"; it must be "Enabled"`, "urn:b"]]);
  });

  it("a stack policy never takes an ARN unknown in preview for an unknown reference: it matches known ARNs only", () => {
    const policy = toPolicy(iotRoleAliasRolePolicies) as policySdk.StackValidationPolicy;
    const ROLE_ARN = "arn:aws:iam::123456789012:role/devices";
    const ADMIN = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });
    const resource = (type: string, name: string, props: Record<string, unknown>) => ({ type, name, urn: `urn:${name}`, props: unknownCheckingProxy(props), opts: { protect: false }, propertyDependencies: {} });
    const validate = (policyArn: unknown, managedArn: unknown) => {
      const resources = [
        resource("aws:iot/roleAlias:RoleAlias", "alias", { alias: "devices", roleArn: ROLE_ARN }),
        resource("aws:iam/role:Role", "role", { name: "devices", arn: ROLE_ARN }),
        resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "attachment", { role: "devices", policyArn }),
        resource("aws:iam/policy:Policy", "admin", { arn: managedArn, policy: ADMIN }),
      ];
      const reported: string[] = [];
      policy.validateStack({ resources, getConfig: () => ({}) } as unknown as policySdk.StackValidationArgs, (m) => reported.push(m));
      return reported;
    };
    const ADMIN_ARN = "arn:aws:iam::123456789012:policy/admin";
    expect(validate(ADMIN_ARN, ADMIN_ARN).length).toBeGreaterThan(0);
    expect(validate(unknownValue, unknownValue)).toEqual([]);
    expect(validate(ADMIN_ARN, unknownValue)).toEqual([]);
  });
});

describe("rule settings in CrossGuard", () => {
  // Built inside each test, so that mutation testing attributes the adapter's code to the tests that run it.
  const logPolicy = () => toPolicy(logGroupRetention) as policySdk.ResourceValidationPolicy;
  const check = (retentionInDays: number, config: object) => {
    const policy = logPolicy();
    const reported: string[] = [];
    const args = { type: "aws:cloudwatch/logGroup:LogGroup", name: "logs", urn: "urn:x", props: unknownCheckingProxy({ retentionInDays }), opts: { protect: false }, getConfig: () => config };
    (policy.validateResource as policySdk.ResourceValidation)(args as unknown as policySdk.ResourceValidationArgs, (m) => reported.push(m));
    return reported;
  };

  it("declares each setting as an integer config property whose default is the prod value", () => {
    expect(logPolicy().configSchema).toEqual({
      properties: { minimumRetentionDays: { type: "integer", minimum: 1, default: 365, description: "shortest retentionInDays accepted, in days" } },
    });
    expect(toPolicy(ecrScanOnPush).configSchema).toBeUndefined();
  });

  it("reads the setting from the pack config, and uses the prod value when the config leaves it out", () => {
    expect(check(30, { minimumRetentionDays: 30 })).toEqual([]);
    expect(check(30, {})).toEqual([
      `log group "logs" has retentionInDays 30, below this tier's minimum of 365 days (log-group-retention.minimumRetentionDays): keep logs at least 365 days`,
    ]);
  });

  it("rejects a config value the rule cannot use, naming the rule and setting", () => {
    expect(() => check(30, { minimumRetentionDays: 0 })).toThrow(
      "policy config: log-group-retention.minimumRetentionDays must be a whole number of at least 1 (shortest retentionInDays accepted, in days), got 0",
    );
    expect(() => check(30, { minimumRetentionDay: 30 })).toThrow("policy config: log-group-retention.minimumRetentionDay is not a setting of this rule (it has minimumRetentionDays)");
  });
});

describe("policy/config.<env>.json", () => {
  it("are exactly what the rules' severities and settings generate (npx tsx policy/generate-config.ts)", () => {
    for (const env of ENVIRONMENTS) {
      expect(path.basename(configPath(env))).toBe(`config.${env}.json`);
      expect(fs.readFileSync(configPath(env), "utf8")).toBe(renderConfig(env));
    }
  });

  it("are written where missing or stale, and only reported with --check", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-config-"));
    const out: string[] = [];
    const err: string[] = [];
    expect(generateConfigs(true, dir, (l) => out.push(l), (l) => err.push(l))).toBe(1);
    expect([out.length, err.length, fs.readdirSync(dir).length]).toEqual([0, 3, 0]);
    expect(err[0]).toMatch(/config\.dev\.json does not match the rules; run npx tsx policy\/generate-config\.ts\n$/);
    expect(generateConfigs(false, dir, (l) => out.push(l), (l) => err.push(l))).toBe(0);
    expect(out.map((l) => path.basename(l.trim()))).toEqual(["config.dev.json", "config.staging.json", "config.prod.json"]);
    expect(out[0]).toMatch(/^wrote .*config\.dev\.json\n$/);
    for (const env of ENVIRONMENTS) expect(fs.readFileSync(configPath(env, dir), "utf8")).toBe(renderConfig(env));
    fs.writeFileSync(configPath("staging", dir), "{}\n");
    out.length = 0;
    err.length = 0;
    expect(generateConfigs(true, dir, (l) => out.push(l), (l) => err.push(l))).toBe(1);
    expect(err).toHaveLength(1);
    expect(generateConfigs(false, dir, (l) => out.push(l), (l) => err.push(l))).toBe(0);
    expect(out).toHaveLength(1);
    expect(generateConfigs(true, dir, (l) => out.push(l), (l) => err.push(l))).toBe(0);
    fs.rmSync(dir, { recursive: true });
  });

  it("report on the command line's streams by default: what was written on stdout, a stale file on stderr", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-config-"));
    const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(generateConfigs(true, dir)).toBe(1);
      expect(generateConfigs(false, dir)).toBe(0);
      const lines = (spy: typeof stdout) => spy.mock.calls.map(([line]) => String(line));
      expect(lines(stderr).map((l) => l.replace(/^.*(config\.\w+\.json).*\n$/s, "$1"))).toEqual(["config.dev.json", "config.staging.json", "config.prod.json"]);
      expect(lines(stderr)[0]).toMatch(/ does not match the rules; run npx tsx policy\/generate-config\.ts\n$/);
      expect(lines(stdout).map((l) => l.replace(/^wrote .*(config\.\w+\.json)\n$/, "$1"))).toEqual(["config.dev.json", "config.staging.json", "config.prod.json"]);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
      fs.rmSync(dir, { recursive: true });
    }
  });

  it("set every policy's level per environment: relaxed in dev and staging only where the rule says so", () => {
    const dev = packConfig("dev");
    expect(Object.keys(dev)).toEqual(RULES.map((r) => r.name));
    expect(dev["stateful-resources-protected"]).toEqual({ enforcementLevel: "advisory" });
    expect(packConfig("prod")["stateful-resources-protected"]).toEqual({ enforcementLevel: "mandatory" });
    expect(packConfig("staging")["s3-encryption"]).toEqual({ enforcementLevel: "mandatory" });
    expect(["dev", "staging", "prod"].map((env) => packConfig(env as "dev")["log-group-retention"])).toEqual([
      { enforcementLevel: "mandatory", minimumRetentionDays: 1 },
      { enforcementLevel: "mandatory", minimumRetentionDays: 30 },
      { enforcementLevel: "mandatory", minimumRetentionDays: 365 },
    ]);
    expect(() => packConfig("qa" as "dev")).toThrow('packConfig: environment must be one of dev, staging, prod, got "qa"');
  });
});
