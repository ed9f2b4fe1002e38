// Edge cases of the shared helpers, the CrossGuard adapter and the rules' less travelled paths: malformed documents,
// several companions or statements at once, lookalike values, and the exact wording of every joined list.
import * as policySdk from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import type { PlannedResource } from "../../contracts/plan";
import { describeMapping, plainProperties, toPolicy } from "../../policy/crossguard";
import { evaluate, evaluatePlan, fromPlanned } from "../../policy/engine";
import { resolveSettings } from "../../policy/rules/config";
import { ecrScanOnPush } from "../../policy/rules/ecr";
import { iamNoAdminManagedPolicies, iamNoWildcardActions, iamPassRoleScoped, policyDocuments } from "../../policy/rules/iam";
import { iotPolicyLeastPrivilege, iotRoleAliasCredentialDuration, iotRoleAliasRolePolicies, thingScopeFindings } from "../../policy/rules/iot";
import { lambdaLogRetention, lambdaReservedConcurrency, lambdaTracing } from "../../policy/rules/lambda";
import { logGroupRetention } from "../../policy/rules/logs";
import { statefulResourcesProtected } from "../../policy/rules/protection";
import { s3Encryption, s3PublicAccessBlock, s3TlsOnly, s3Versioning } from "../../policy/rules/s3";
import { UNKNOWN, type CheckedResource, type Rule } from "../../policy/rules/types";
import { actionMatches, asList, containsUnknown, deniesEveryoneWithoutTls, isObject, keysOf, physicalName, readDocument, statementsOf, str } from "../../policy/rules/util";
import { ACCOUNT, BUCKET_ARN, BUCKET_ID, REGION, ROLE_ARN, T, TOKEN_ROLE_ARN, bucket, doc, res, roleAliasStack, rolePolicy } from "./fixtures";

const messages = (resources: CheckedResource[], rules: readonly Rule[]) => evaluate(resources, "prod", rules).map((v) => v.message);

describe("util", () => {
  it("finds an unknown anywhere in a value, and only there", () => {
    expect(containsUnknown([1, "a", UNKNOWN])).toBe(true);
    expect(containsUnknown({ a: { b: [2, { c: UNKNOWN }] } })).toBe(true);
    expect(containsUnknown([1, { a: null }, "x"])).toBe(false);
    expect([isObject(null), isObject([]), isObject({})]).toEqual([false, false, true]);
    expect([asList(null), asList(undefined), asList("a"), asList(["a"])]).toEqual([[], [], ["a"], ["a"]]);
    expect([str(""), str(3), str("x")]).toEqual([undefined, undefined, "x"]);
    expect(keysOf("a", "", 3, undefined, "a", "b")).toEqual(["a", "b"]);
  });

  it("reads a document given as JSON or as an object, and says why anything else is not one", () => {
    expect(readDocument('{"a":1}', "d")).toEqual({ doc: { a: 1 } });
    expect(readDocument({ a: 1 }, "d")).toEqual({ doc: { a: 1 } });
    expect(readDocument(undefined, "policy of x")).toEqual({ error: "policy of x must be a JSON document, got nothing" });
    expect(readDocument(3, "policy of x")).toEqual({ error: "policy of x must be a JSON document, got number" });
    expect(readDocument([{ a: UNKNOWN }], "d")).toBe(UNKNOWN);
  });

  it("lists a document's statements and what is wrong with its shape", () => {
    expect(statementsOf("x")).toEqual({ statements: [], error: "the policy document is not a JSON object" });
    expect(statementsOf({ Statement: [] })).toEqual({ statements: [], error: "the policy document has no Statement" });
    expect(statementsOf({ Statement: [{ Effect: "Allow" }, "x"] })).toEqual({ statements: [{ Effect: "Allow" }], error: "a Statement entry is not an object" });
    expect(statementsOf({ Statement: { Effect: "Deny" } })).toEqual({ statements: [{ Effect: "Deny" }] });
  });

  it("matches IAM action patterns literally apart from * and ?, ignoring case", () => {
    expect(actionMatches("iam:PassRole", "IAM:PASSROLE")).toBe(true);
    expect(actionMatches("iam:Pass?ole", "iam:PassRole")).toBe(true);
    expect(actionMatches("iam:Pass*", "iam:PassRole")).toBe(true);
    expect(actionMatches("s3:Get.bject", "s3:GetObject")).toBe(false);
    expect(actionMatches("iam:PassRole", "xiam:PassRole")).toBe(false);
    expect(actionMatches("iam:PassRole", "iam:PassRoles")).toBe(false);
  });

  it("counts as a TLS deny only Deny for everyone under Bool or BoolIfExists aws:SecureTransport false, every value false", () => {
    const deny = (Condition: unknown, extra: Record<string, unknown> = {}) => deniesEveryoneWithoutTls({ Effect: "Deny", Principal: "*", Condition, ...extra });
    expect(deny({ BoolIfExists: { "aws:SecureTransport": "false" } })).toBe(true);
    expect(deny({ Bool: { "aws:SecureTransport": [false, "false"] } })).toBe(true);
    expect(deny({ Bool: { "aws:SecureTransport": ["false", "true"] } })).toBe(false);
    expect(deny({ StringEquals: { "aws:SecureTransport": "false" } })).toBe(false);
    expect(deny({ Bool: "aws:SecureTransport" })).toBe(false);
    expect(deny({ Bool: { "aws:SecureTransport": "false" } }, { Principal: { AWS: ["arn:aws:iam::1:root", "*"] } })).toBe(true);
    expect(deny({ Bool: { "aws:SecureTransport": "false" } }, { Principal: { Service: "*" } })).toBe(false);
  });

  it("names a resource by its name input, else its id", () => {
    expect(physicalName(res(T.fn, "f", { name: "given" }, { id: "f-1" }))).toBe("given");
    expect(physicalName(res(T.fn, "f", { name: "" }, { id: "f-1" }))).toBe("f-1");
  });
});

describe("the CrossGuard adapter", () => {
  it("joins several ids of a tool with commas, and tools with semicolons", () => {
    expect(describeMapping({ checkov: ["CKV_AWS_1", "CKV_AWS_2"], trivy: ["AVD-AWS-0001", "AVD-AWS-0002"], deviceDefender: ["IOT_A_CHECK", "IOT_B_CHECK"], awsFsbp: ["S3.1", "S3.2"] })).toBe(
      "Maps to Checkov CKV_AWS_1, CKV_AWS_2; Trivy AVD-AWS-0001, AVD-AWS-0002; IoT Device Defender IOT_A_CHECK, IOT_B_CHECK; AWS Foundational Security Best Practices S3.1, S3.2.",
    );
  });

  it("copies nulls and plain values as they are", () => {
    expect(plainProperties({ a: null, b: [null, 1], c: "x" })).toEqual({ a: null, b: [null, 1], c: "x" });
    expect(plainProperties(null)).toBeNull();
  });

  it("rethrows what is not an unknown-value error", () => {
    const throwing = new Proxy({}, { ownKeys: () => ["x"], getOwnPropertyDescriptor: () => ({ enumerable: true, configurable: true }), get: () => { throw new TypeError("boom"); } });
    expect(() => plainProperties(throwing)).toThrow("boom");
  });

  it("passes a resource's protect option and the pack config's settings to the rule", () => {
    const policy = toPolicy(statefulResourcesProtected) as policySdk.ResourceValidationPolicy;
    const reported: string[] = [];
    for (const protect of [true, false]) {
      const args = { type: T.featureGroup, name: "features", urn: "urn:f", props: {}, opts: { protect }, getConfig: () => ({}) };
      (policy.validateResource as policySdk.ResourceValidation)(args as unknown as policySdk.ResourceValidationArgs, (m) => reported.push(m));
    }
    expect(reported).toEqual([`FeatureGroup "features" holds data but is not protected: pass { protect: true }`]);
    expect(toPolicy(logGroupRetention).configSchema?.properties.minimumRetentionDays).toMatchObject({ type: "integer", default: 365 });
    expect("configSchema" in toPolicy(ecrScanOnPush)).toBe(false);
  });

  it("gives stack rules each resource's id and ARN from its properties, and the config's settings", () => {
    const policy = toPolicy(iotRoleAliasRolePolicies) as policySdk.StackValidationPolicy;
    const [alias, role, rp] = roleAliasStack(doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }));
    const asPolicyResource = (r: CheckedResource, props: Record<string, unknown>) => ({ type: r.type, name: r.name, urn: r.urn, props, opts: { protect: false } });
    const resources = [asPolicyResource(alias, alias.inputs), asPolicyResource(role, { ...role.inputs, id: role.id, arn: role.arn }), asPolicyResource(rp, rp.inputs)];
    const reported: string[] = [];
    policy.validateStack({ resources, getConfig: () => ({}) } as unknown as policySdk.StackValidationArgs, (m) => reported.push(m));
    expect(reported).toEqual([`role alias "token-exchange-alias" -> role "token-exchange": policy of "token-exchange-policy": Statement[0] allows "s3:GetObject" on resource "*", which is not a documented wildcard exception`]);
    const blank = [asPolicyResource(alias, alias.inputs), asPolicyResource(role, { ...role.inputs, id: "", arn: "" })];
    const unmanaged: string[] = [];
    policy.validateStack({ resources: blank, getConfig: () => ({}) } as unknown as policySdk.StackValidationArgs, (m) => unmanaged.push(m));
    expect(unmanaged).toEqual([`role alias "token-exchange-alias" points at "${TOKEN_ROLE_ARN}", a role this stack does not manage, so its policies cannot be checked`]);
  });
});

describe("engine and config", () => {
  it("reads a planned resource's ids, hides secrets at any depth, and keeps nulls", () => {
    const planned: PlannedResource = {
      urn: "urn:x", type: T.fn, name: "f", parent: null, custom: true, dependsOn: [],
      inputs: { a: null, b: ["[secret]", { c: "[secret]" }] },
      options: { protect: true, retainOnDelete: true, deleteBeforeReplace: false, ignoreChanges: [] },
      id: null, arn: "arn:aws:lambda:eu-west-1:123456789012:function:f",
    };
    expect(fromPlanned(planned)).toEqual({ urn: "urn:x", type: T.fn, name: "f", inputs: { a: null, b: [UNKNOWN, { c: UNKNOWN }] }, options: { protect: true, retainOnDelete: true }, id: undefined, arn: planned.arn });
    expect(fromPlanned({ ...planned, arn: null }).arn).toBeUndefined();
    expect(() => evaluate([], "qa" as "dev")).toThrow('evaluate: environment must be one of dev, staging, prod, got "qa"');
  });

  it("names what a rule without settings has, and rejects fractional or non-numeric settings", () => {
    expect(() => resolveSettings(ecrScanOnPush, "prod", { days: 3 })).toThrow("policy config: ecr-scan-on-push.days is not a setting of this rule (it has none)");
    expect(() => resolveSettings(logGroupRetention, "prod", { minimumRetentionDays: 30.5 })).toThrow(/must be a whole number of at least 1/);
    expect(() => resolveSettings(logGroupRetention, "prod", { minimumRetentionDays: "30" })).toThrow(/got "30"/);
    expect(resolveSettings(logGroupRetention, "staging")).toEqual({ minimumRetentionDays: 30 });
    expect(evaluatePlan([], "prod", { config: { "ecr-scan-on-push": { enforcementLevel: "advisory" } } })).toEqual([]);
  });
});

describe("rules, less travelled paths", () => {
  it("IAM: only identity documents are read; unreadable ones are reported once; other attachment inputs are skipped", () => {
    expect(policyDocuments(res(T.attachment, "a", { policyArn: "x" }))).toEqual([]);
    expect(policyDocuments(res(T.role, "r", { inlinePolicies: UNKNOWN }))).toEqual([{ label: `inline policies of role "r"`, value: UNKNOWN }]);
    expect(messages([rolePolicy("p", "{")], [iamPassRoleScoped])).toEqual([]);
    expect(messages([res(T.attachment, "a", { role: "r", policyArn: UNKNOWN })], [iamNoAdminManagedPolicies])).toEqual([]);
    expect(messages([res(T.attachment, "a", { role: "r", policyArn: ["arn:aws:iam::aws:policy/AdministratorAccess", 3] })], [iamNoAdminManagedPolicies])).toHaveLength(1);
    expect(messages([res(T.role, "r", { managedPolicyArns: ["xarn:aws:iam::aws:policy/AdministratorAccess"] })], [iamNoAdminManagedPolicies])).toEqual([]);
    expect(messages([rolePolicy("p", doc({ Effect: "Allow", Action: ["xs3:*x", 7, "logs:Put*"], Resource: "*" }))], [iamNoWildcardActions])).toEqual([]);
    expect(messages([rolePolicy("p", doc({ Effect: "Allow", Action: ["s3:GetObject", "iam:PassRole"], Resource: [`arn:aws:iam::${ACCOUNT}:role/*`, 3, `xarn:aws:iam::${ACCOUNT}:role/*`, `arn:aws:iam::${ACCOUNT}:role/*x`] }))], [iamPassRoleScoped])).toEqual([
      `policy of "p": Statement[0] grants iam:PassRole on "arn:aws:iam::${ACCOUNT}:role/*": name the roles it may pass`,
    ]);
    expect(messages([rolePolicy("p", doc({ Effect: "Allow", Action: [5, "iam:PassRole"], Resource: ROLE_ARN, Condition: { StringEquals: { "iam:PassedToService": ["sagemaker.amazonaws.com", 5] } } }))], [iamPassRoleScoped])).toEqual([]);
  });

  it("IoT: unreadable documents are reported, non-IoT and malformed resources skipped, Deny statements not judged", () => {
    expect(messages([res(T.iotPolicy, "p", { policy: "{" })], [iotPolicyLeastPrivilege])[0]).toMatch(/^policy of IoT policy "p" is not valid JSON/);
    const arn = (r: string) => `arn:aws:iot:${REGION}:${ACCOUNT}:${r}`;
    expect(thingScopeFindings({ Statement: [{ Effect: "Deny", Action: "iot:*", Resource: arn("thing/*") }] })).toEqual([]);
    expect(thingScopeFindings({ Statement: [{ Effect: "Allow", Action: ["iot:Publish", 3], Resource: [5, "arn:aws:s3:::b/*", arn("topic/a/*")] }] })).toEqual([
      `Statement[0] allows "iot:Publish" on "${arn("topic/a/*")}", which does not name the connecting thing (\${iot:Connection.Thing.ThingName})`,
    ]);
    expect(thingScopeFindings({ Statement: [{ Effect: "Allow", Action: ["iot:Publish", "iot:Receive"], Resource: arn("topic/$aws/certificates/create/*") }] })).toEqual([]);
    expect(thingScopeFindings({ Statement: [{ Effect: "Allow", Action: "iot:Publish", Resource: arn("topicfilter/$aws/certificates/create/*x") }] })).toHaveLength(1);
    expect(thingScopeFindings({ Statement: [{ Effect: "Allow", Action: "iot:Connect", Resource: arn("topic/edge-mlops-claim-*") }] })).toHaveLength(1);
    expect(thingScopeFindings({ Statement: [{ Effect: "Allow", Action: ["iot:Publish", "iot:Receive"], Resource: arn("topic/*") }] })[0]).toContain(`allows "iot:Publish", "iot:Receive" on`);
  });

  it("IoT role alias: an unreadable role policy is reported; a managed policy is matched by its ARN only", () => {
    const [alias, role] = roleAliasStack("{}");
    expect(messages([alias, role, rolePolicy("bad", "{", role.id)], [iotRoleAliasRolePolicies])[0]).toMatch(/^role alias "token-exchange-alias" -> role "token-exchange": policy of "bad" is not valid JSON/);
    const other = res(T.policy, "other", { policy: doc({ Effect: "Allow", Action: "*", Resource: "*" }) });
    const attached = res(T.attachment, "attach", { role: role.id, policyArn: `arn:aws:iam::${ACCOUNT}:policy/attached` });
    expect(messages([alias, role, other, attached], [iotRoleAliasRolePolicies])).toEqual([]);
    const tooLong = res(T.roleAlias, "a", { alias: "a", roleArn: TOKEN_ROLE_ARN, credentialDuration: "7200" });
    expect(messages([tooLong], [iotRoleAliasCredentialDuration])).toEqual([`role alias "a" hands out credentials for "7200" seconds: use at most 3600`]);
    const viaDeps = res(T.roleAlias, "a", { alias: "a", roleArn: UNKNOWN }, { propertyDependencies: {} });
    expect(messages([viaDeps, role], [iotRoleAliasRolePolicies])).toEqual([]);
  });

  it("S3: the public access block closest to complete is named; lookalike encryption and policies fail", () => {
    const pab = (name: string, on: string[]) => res(T.pab, name, { bucket: BUCKET_ID, ...Object.fromEntries(["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].map((f) => [f, on.includes(f)])) });
    expect(messages([bucket(), pab("a", []), pab("b", ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls"]), pab("c", ["blockPublicAcls"])], [s3PublicAccessBlock])).toEqual([
      `bucket "data" public access block leaves restrictPublicBuckets off; all four flags must be true`,
    ]);
    const sse = (name: string, algorithm: unknown) => res(T.sse, name, { bucket: BUCKET_ID, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: algorithm } }] });
    expect(messages([bucket(), sse("e1", "DES"), sse("e2", 3)], [s3Encryption])).toEqual([
      `bucket "data" has no default encryption: "e1" sets no default sseAlgorithm of AES256, aws:kms, aws:kms:dsse (got ["DES"]); "e2" sets no default sseAlgorithm of AES256, aws:kms, aws:kms:dsse (got [3])`,
    ]);
    expect(messages([bucket(), sse("e", UNKNOWN)], [s3Encryption])).toEqual([]);
    expect(messages([bucket(), res(T.sse, "e", { bucket: BUCKET_ID, rules: UNKNOWN })], [s3Encryption])).toEqual([]);
    expect(messages([res(T.bucket, "b", { serverSideEncryptionConfiguration: { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "none" } } } }, { id: BUCKET_ID })], [s3Encryption])).toHaveLength(1);
    const versioning = (name: string, status: string) => res(T.versioning, name, { bucket: BUCKET_ID, versioningConfiguration: { status } });
    expect(messages([bucket(), versioning("v1", "Suspended"), versioning("v2", "Enabled")], [s3Versioning])).toEqual([]);
    expect(messages([bucket(), versioning("v1", "Suspended"), versioning("v2", "Disabled")], [s3Versioning])).toEqual([`bucket "data" has versioning "Suspended", "Disabled"; it must be "Enabled"`]);
    const policy = (name: string, statements: Record<string, unknown>[]) => res(T.bucketPolicy, name, { bucket: BUCKET_ID, policy: doc(...statements) });
    const deny = { Effect: "Deny", Principal: "*", Action: ["s3:GetObject", "s3:*"], Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } };
    expect(messages([bucket(), policy("p1", [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `${BUCKET_ARN}/*` }, deny])], [s3TlsOnly])).toEqual([]);
    expect(messages([bucket(), policy("p1", [{ ...deny, Action: "*" }])], [s3TlsOnly])).toEqual([]);
    expect(messages([bucket(), policy("p1", [{ ...deny, Resource: [`x${BUCKET_ARN}`, `${BUCKET_ARN}/*`, 4] }])], [s3TlsOnly])).toHaveLength(1);
    expect(messages([bucket(), policy("p1", [{ ...deny, Resource: [BUCKET_ARN, `${BUCKET_ARN}/*x`] }]), policy("p2", [])], [s3TlsOnly])).toEqual([
      `bucket "data" accepts requests without TLS: "p1" has no Deny of s3:* for Principal "*" on the bucket and its objects when aws:SecureTransport is "false"; "p2" has no Deny of s3:* for Principal "*" on the bucket and its objects when aws:SecureTransport is "false"`,
    ]);
    const dotted = res(T.bucket, "dotted", { bucket: "a.b" }, { id: "a.b" });
    const lookalike = res(T.bucketPolicy, "p", { bucket: "a.b", policy: doc({ ...deny, Resource: ["arn:aws:s3:::aXb", "arn:aws:s3:::aXb/*"] }) });
    expect(messages([dotted, lookalike], [s3TlsOnly])).toHaveLength(1);
    const nameless = res(T.bucket, "nameless", {});
    expect(messages([nameless, res(T.bucketPolicy, "p", { bucket: UNKNOWN, policy: doc(deny) }, { propertyDependencies: { bucket: [nameless.urn] } })], [s3TlsOnly])).toEqual([]);
  });

  it("Lambda: tracing, concurrency and log groups read exactly", () => {
    expect(messages([res(T.fn, "fn", {})], [lambdaTracing])).toEqual([`function "fn" has tracing off: set tracingConfig.mode to "Active"`]);
    expect(messages([res(T.fn, "fn", { reservedConcurrentExecutions: 1 })], [lambdaReservedConcurrency])).toEqual([]);
    expect(messages([res(T.fn, "fn", { reservedConcurrentExecutions: "5" })], [lambdaReservedConcurrency])).toHaveLength(1);
    const group = (retentionInDays: unknown) => res(T.logGroup, "g", { name: "/aws/lambda/f", retentionInDays });
    expect(messages([res(T.fn, "fn", { name: "f" }), group(1)], [lambdaLogRetention])).toEqual([]);
    for (const bad of [0, "30", undefined]) expect(messages([res(T.fn, "fn", { name: "f" }), group(bad)], [lambdaLogRetention]), String(bad)).toHaveLength(1);
    expect(messages([res(T.fn, "fn", { name: UNKNOWN }), group(undefined)], [lambdaLogRetention])).toEqual([]);
    expect(messages([res(T.fn, "fn", {}), group(undefined)], [lambdaLogRetention])).toEqual([]);
    expect(messages([res(T.fn, "fn", { loggingConfig: { logGroup: UNKNOWN } }, { propertyDependencies: {} }), group(undefined)], [lambdaLogRetention])).toEqual([]);
  });
});
