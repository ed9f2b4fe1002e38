// evaluatePlan over offline plans (synthetic ones here; one recorded from @pulumi/aws resources in recorded-plan.test.ts).
import { describe, expect, it } from "vitest";
import { evaluatePlan } from "../../policy/engine";
import { RULES } from "../../policy/rules";
import { ENVIRONMENTS } from "../../policy/rules/types";
import type { PlannedResource } from "../../contracts/plan";

function planned(type: string, name: string, inputs: Record<string, unknown>, over: Partial<PlannedResource> = {}): PlannedResource {
  return {
    urn: `urn:pulumi:dev::edge-mlops::${type}::${name}`,
    type,
    name,
    parent: null,
    custom: true,
    inputs,
    options: { protect: false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [] },
    dependsOn: [],
    id: `${name}-1a2b3c4`,
    arn: null,
    ...over,
  };
}

describe("rule metadata", () => {
  it("names are unique kebab-case; every rule says what it requires", () => {
    const names = RULES.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    for (const r of RULES) {
      expect(r.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)+$/);
      expect(r.description.length).toBeGreaterThan(40);
    }
  });

  it("maps every rule to well-formed public check ids, or says why there is none", () => {
    for (const { name, mapsTo } of RULES) {
      if ("none" in mapsTo) {
        expect(mapsTo.none.length, name).toBeGreaterThan(20);
        continue;
      }
      const ids = [...(mapsTo.checkov ?? []), ...(mapsTo.trivy ?? []), ...(mapsTo.deviceDefender ?? []), ...(mapsTo.awsFsbp ?? [])];
      expect(ids.length, name).toBeGreaterThan(0);
      for (const id of mapsTo.checkov ?? []) expect(id).toMatch(/^CKV2?_AWS_\d+$/);
      for (const id of mapsTo.trivy ?? []) expect(id).toMatch(/^AVD-AWS-\d{4}$/);
      for (const id of mapsTo.deviceDefender ?? []) expect(id).toMatch(/^IOT_[A-Z_]+_CHECK$/);
      for (const id of mapsTo.awsFsbp ?? []) expect(id).toMatch(/^[A-Za-z0-9]+\.\d+$/);
    }
  });

  it("is mandatory in prod except two advisory rules, and never stricter outside prod than in it", () => {
    const advisoryInProd = RULES.filter((r) => r.severity.prod === "advisory").map((r) => r.name);
    // Reserved concurrency is advisory: a new account's quota of 10 leaves nothing to reserve.
    expect(advisoryInProd.sort()).toEqual(["iot-role-alias-credential-duration", "lambda-reserved-concurrency"]);
    const relaxedOutsideProd = RULES.filter((r) => r.severity.prod === "mandatory" && r.severity.dev === "advisory").map((r) => r.name);
    expect(relaxedOutsideProd).toEqual(["alb-deletion-protection", "alb-public-closed", "mwaa-private-webserver", "stateful-resources-protected"]);
    for (const r of RULES) {
      for (const env of ENVIRONMENTS) if (r.severity.prod === "advisory") expect(r.severity[env]).toBe("advisory");
      expect(r.severity.staging).toBe(r.severity.dev);
    }
  });
});

describe("evaluatePlan on a synthetic plan", () => {
  const bucketId = "data-1a2b3c4";
  const resources: PlannedResource[] = [
    planned("edge-mlops:network:Network", "dev", {}, { custom: false, id: null }),
    planned("aws:s3/bucket:Bucket", "data", { forceDestroy: true }),
    planned("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "data-encryption", { bucket: bucketId, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }),
    planned("aws:s3/bucketVersioning:BucketVersioning", "data-versioning", { bucket: bucketId, versioningConfiguration: { status: "Enabled" } }),
    planned("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "data-pab", { bucket: bucketId, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }),
    planned("aws:s3/bucketPolicy:BucketPolicy", "data-policy", {
      bucket: bucketId,
      policy: JSON.stringify({ Statement: [{ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [`arn:aws:s3:::${bucketId}`, `arn:aws:s3:::${bucketId}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } }] }),
    }),
    planned("aws:ecr/repository:Repository", "repo", { imageScanningConfiguration: { scanOnPush: true }, imageTagMutability: "MUTABLE" }, { options: { protect: true, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [] } }),
    // A secret is unreadable offline ("[secret]"): rules treat it as unknown rather than as a broken document.
    planned("aws:iam/rolePolicy:RolePolicy", "secret-policy", { role: "r", policy: "[secret]" }),
  ];

  it("returns each violation with the rule, the resource and the environment's severity", () => {
    expect(evaluatePlan(resources, "dev")).toEqual([
      { policy: "ecr-immutable-tags", severity: "mandatory", urn: "urn:pulumi:dev::edge-mlops::aws:ecr/repository:Repository::repo", message: `repository "repo" has imageTagMutability "MUTABLE"; it must be "IMMUTABLE"` },
      { policy: "stateful-resources-protected", severity: "advisory", urn: "urn:pulumi:dev::edge-mlops::aws:s3/bucket:Bucket::data", message: `Bucket "data" holds data but is not protected: pass { protect: true }` },
    ]);
    expect(evaluatePlan(resources, "prod").map((v) => [v.policy, v.severity])).toEqual([
      ["ecr-immutable-tags", "mandatory"],
      ["stateful-resources-protected", "mandatory"],
    ]);
  });

  it("judges each tier by its policy config, or by the config the caller passes", () => {
    const groups = [planned("aws:cloudwatch/logGroup:LogGroup", "logs", { namePrefix: "/edge-mlops/x/", retentionInDays: 30 })];
    const retention = (env: "dev" | "staging" | "prod", config?: Parameters<typeof evaluatePlan>[2]) =>
      evaluatePlan(groups, env, config).filter((v) => v.policy === "log-group-retention").map((v) => v.message);
    expect(retention("staging")).toEqual([]);
    expect(retention("prod")).toEqual([`log group "logs" has retentionInDays 30, below this tier's minimum of 365 days (log-group-retention.minimumRetentionDays): keep logs at least 365 days`]);
    expect(retention("prod", { config: { "log-group-retention": { minimumRetentionDays: 30 } } })).toEqual([]);
    expect(retention("dev", { config: { "log-group-retention": { minimumRetentionDays: 60 } } })).toHaveLength(1);
    expect(retention("prod", { config: { "log-group-retention": { enforcementLevel: "disabled" } } })).toEqual([]);
    expect(evaluatePlan(groups, "prod", { config: { "log-group-retention": { enforcementLevel: "advisory" } } }).map((v) => v.severity)).toEqual(["advisory"]);
    expect(() => evaluatePlan(groups, "prod", { config: { "log-group-retention": { enforcementLevel: "warn" as "advisory" } } })).toThrow(
      'policy config: log-group-retention.enforcementLevel must be one of mandatory, advisory, disabled, got "warn"',
    );
  });

  it("rejects an unknown environment or a non-array, naming the argument", () => {
    expect(() => evaluatePlan(resources, "qa" as "dev")).toThrow('evaluatePlan: environment must be one of dev, staging, prod, got "qa"');
    expect(() => evaluatePlan({} as PlannedResource[], "dev")).toThrow("evaluatePlan: resources must be the plan's resources array");
  });
});
