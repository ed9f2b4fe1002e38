// Log retention, secret-bearing SSM parameters, protection of stateful resources and Greengrass deployment safety.
import { describe, expect, it } from "vitest";
import { evaluate } from "../../policy/engine";
import { logGroupRetention, looksSecret, ssmSecureStringForSecrets } from "../../policy/rules/logs";
import { greengrassDeploymentSafety, STATEFUL_TYPES, statefulResourcesProtected } from "../../policy/rules/protection";
import { UNKNOWN, type CheckedResource, type Rule } from "../../policy/rules/types";
import { T, deploymentInputs, res } from "./fixtures";

const messages = (resources: CheckedResource[], rules: readonly Rule[]) => evaluate(resources, "prod", rules).map((v) => v.message);

describe("log-group-retention", () => {
  it("treats 0 as never expiring and skips an unknown retention", () => {
    expect(messages([res(T.logGroup, "g", { retentionInDays: 0 })], [logGroupRetention])).toEqual([`log group "g" keeps its logs forever (retentionInDays 0): set a retention of at least 365 days`]);
    expect(messages([res(T.logGroup, "g", { retentionInDays: UNKNOWN })], [logGroupRetention])).toEqual([]);
  });

  it("asks each tier for its own minimum: 1 day in dev, 30 in staging, 365 in prod, the minimum itself included", () => {
    const group = (retentionInDays: unknown) => [res(T.logGroup, "g", { retentionInDays })];
    const fails = (env: "dev" | "staging" | "prod", days: unknown) => evaluate(group(days), env, [logGroupRetention]).length > 0;
    expect([fails("dev", 1), fails("staging", 14), fails("staging", 30), fails("prod", 180), fails("prod", 365), fails("prod", 3653)]).toEqual([false, true, false, true, false, false]);
    expect(messages(group("365"), [logGroupRetention])).toEqual([
      `log group "g" has retentionInDays "365", below this tier's minimum of 365 days (log-group-retention.minimumRetentionDays): keep logs at least 365 days`,
    ]);
  });
});

describe("ssm-secure-string-for-secrets", () => {
  it("recognises secret words in names and descriptions, not ordinary settings", () => {
    for (const secret of ["/app/db/password", "/app/apiKey", "/app/API_TOKEN", "github-token", "/app/signing-key", "client secret", "/x/privatekey", "credentials"]) {
      expect(looksSecret(secret)).toBe(true);
    }
    for (const plain of ["/edge-mlops/prod/model-version", "/app/region", "/app/monkey-business", "keyboard layout"]) {
      expect(looksSecret(plain)).toBe(false);
    }
  });

  it("checks the description too, and leaves plain parameters alone", () => {
    const byDescription = res(T.parameter, "p", { name: "/app/upstream", description: "Bearer token for the upstream API", type: "String", value: "x" });
    expect(messages([byDescription], [ssmSecureStringForSecrets])).toEqual([
      `parameter "p" looks like a secret ("Bearer token for the upstream API") but has type "String": use SecureString`,
    ]);
    expect(messages([res(T.parameter, "p", { name: "/app/region", type: "String", value: "eu-west-1" })], [ssmSecureStringForSecrets])).toEqual([]);
    expect(messages([res(T.parameter, "p", { name: "/app/password", type: UNKNOWN })], [ssmSecureStringForSecrets])).toEqual([]);
  });
});

describe("stateful-resources-protected", () => {
  it("covers buckets, ECR repositories, the feature group and the model package group", () => {
    const unprotected = STATEFUL_TYPES.map((type, i) => res(type, `r${i}`, {}));
    expect(messages(unprotected, [statefulResourcesProtected])).toEqual([
      `Bucket "r0" holds data but is not protected: pass { protect: true }`,
      `BucketV2 "r1" holds data but is not protected: pass { protect: true }`,
      `Repository "r2" holds data but is not protected: pass { protect: true }`,
      `FeatureGroup "r3" holds data but is not protected: pass { protect: true }`,
      `ModelPackageGroup "r4" holds data but is not protected: pass { protect: true }`,
    ]);
  });

  it("is advisory in dev and staging and mandatory in prod", () => {
    const bucket = [res(T.bucket, "b", {})];
    expect(["dev", "staging", "prod"].map((env) => evaluate(bucket, env as "dev", [statefulResourcesProtected])[0].severity)).toEqual(["advisory", "advisory", "mandatory"]);
  });
});

describe("greengrass-deployment-safety", () => {
  const deployment = (inputs: Record<string, unknown>, retainOnDelete?: boolean) => res(T.deployment, "d", inputs, { options: { protect: false, retainOnDelete } });

  it("reports every missing safeguard; a left-out failureHandlingPolicy is Greengrass's default ROLLBACK", () => {
    expect(messages([deployment({ targetArn: "arn:aws:iot:eu-west-1:123456789012:thinggroup/g" }, false)], [greengrassDeploymentSafety])).toEqual([
      `deployment "d" is not retained on delete: pass { retainOnDelete: true } so a replacement does not cancel it on the devices`,
      `deployment "d" has no iotJobConfiguration.abortConfig criteria: a failing rollout would not stop`,
      `deployment "d" has no iotJobConfiguration.jobExecutionsRolloutConfig with maximumPerMinute or exponentialRate: every device would be notified at once`,
    ]);
    expect(messages([deployment(deploymentInputs({ deploymentPolicies: { failureHandlingPolicy: "DO_NOTHING" } }), true)], [greengrassDeploymentSafety])).toEqual([
      `deployment "d" has failureHandlingPolicy "DO_NOTHING": set deploymentPolicies.failureHandlingPolicy to "ROLLBACK" or leave it out (the default)`,
    ]);
  });

  it("skips retainOnDelete where the runner does not expose it (CrossGuard), and unknown job settings", () => {
    expect(messages([deployment(deploymentInputs(), undefined)], [greengrassDeploymentSafety])).toEqual([]);
    expect(messages([deployment(deploymentInputs({ iotJobConfiguration: UNKNOWN }), true)], [greengrassDeploymentSafety])).toEqual([]);
  });
});
