// A SecureBucket's settings schema on its own, without mocks (components/secure-bucket/args.ts): its defaults, and
// the rule that the lifecycle rule's own settings (abortIncompleteUploadDays, lifecycleRuleId) need a rule to belong
// to, which noncurrentVersionDays or expirationDays makes. How the component turns them into a lifecycle rule is
// tested in secure-bucket.test.ts.
import { describe, expect, it } from "vitest";
import { resolveArgs } from "../../components/args";
import { secureBucketSettings, type SecureBucketSettingsInput } from "../../components/secure-bucket/args";

const parse = (input: SecureBucketSettingsInput) => resolveArgs("SecureBucket", secureBucketSettings, input);
const NEEDS_RULE = "needs noncurrentVersionDays or expirationDays (a lifecycle rule)";

describe("secureBucketSettings", () => {
  it("defaults to an unprotected bucket without a lifecycle rule, forceDestroy left to the provider", () => {
    expect(parse({})).toEqual({ protect: false });
  });

  it.each<SecureBucketSettingsInput>([{ noncurrentVersionDays: 30 }, { expirationDays: 90 }, { noncurrentVersionDays: 30, expirationDays: 90 }])(
    "takes the lifecycle rule's settings beside %j",
    (rule) => {
      const input = { ...rule, abortIncompleteUploadDays: 3, lifecycleRuleId: "expire-logs" };
      expect(parse(input)).toEqual({ protect: false, ...input });
    },
  );

  it("refuses abortIncompleteUploadDays or lifecycleRuleId without a rule, naming the first", () => {
    expect(() => parse({ abortIncompleteUploadDays: 1 })).toThrow(`SecureBucket: abortIncompleteUploadDays: ${NEEDS_RULE}, got 1`);
    expect(() => parse({ lifecycleRuleId: "expire" })).toThrow(`SecureBucket: lifecycleRuleId: ${NEEDS_RULE}, got "expire"`);
    expect(() => parse({ abortIncompleteUploadDays: 1, lifecycleRuleId: "expire" })).toThrow(`SecureBucket: abortIncompleteUploadDays: ${NEEDS_RULE}, got 1`);
  });
});
