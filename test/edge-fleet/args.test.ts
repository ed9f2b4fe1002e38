// The edge fleet's settings schema on its own, without mocks: every range at its bounds and one step past them, every
// cross-field rule, and the decisions taken where EdgeFleet and the stack config used to disagree.
import { describe, expect, it } from "vitest";
import { parseStackSettings } from "../../components/config";
import { resolveArgs } from "../../components/args";
import { edgeFleetSettings, hasAtMostDecimals, IOT_JOB_COUNT_MAX, roleAliasName, type EdgeFleetSettingsInput } from "../../components/edge-fleet/args";

/** The message, optionally followed by the value refused (`, got …`), as components/args.ts words it. */
const said = (message: string) => new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(, got .+)?$`);

/** The one-line ArgError for `input`, or "ok". */
function verdict(input: EdgeFleetSettingsInput): string {
  try {
    resolveArgs("EdgeFleet", edgeFleetSettings, input);
    return "ok";
  } catch (err) {
    return (err as Error).message;
  }
}

const exponential = (e: Partial<{ baseRatePerMinute: number; incrementFactor: number; succeededThings: number }>): EdgeFleetSettingsInput => ({
  deployment: { rollout: { maximumPerMinute: 1000, exponential: { baseRatePerMinute: 1, incrementFactor: 2, succeededThings: 1, ...e } } },
});
const group = (i: number) => ({ name: `g${i}`, kind: "site" as const });
const device = (i: number) => ({ name: `d${i}`, csrFile: `d${i}.csr.pem` });

describe("edgeFleetSettings ranges", () => {
  // [path, input for a value, lowest allowed, highest allowed, one step below, one step above]
  it.each<[string, (v: number) => EdgeFleetSettingsInput, number, number, number, number]>([
    ["credentialDurationSeconds", (v) => ({ credentialDurationSeconds: v }), 900, 43200, 899, 43201],
    ["lambdaReservedConcurrency", (v) => ({ lambdaReservedConcurrency: v }), 1, 1000, 0, 1001],
    ["deployment.rollout.maximumPerMinute", (v) => ({ deployment: { rollout: { maximumPerMinute: v } } }), 1, 1000, 0, 1001],
    ["deployment.rollout.exponential.baseRatePerMinute", (v) => exponential({ baseRatePerMinute: v }), 1, 1000, 0, 1001],
    ["deployment.rollout.exponential.incrementFactor", (v) => exponential({ incrementFactor: v }), 1.1, 5, 1, 5.1],
    ["deployment.rollout.exponential.succeededThings", (v) => exponential({ succeededThings: v }), 1, 2_147_483_647, 0, 2_147_483_648],
    ["deployment.abort.failureThresholdPercentage", (v) => ({ deployment: { abort: { failureThresholdPercentage: v } } }), 0, 100, -0.01, 100.01],
    ["deployment.abort.minNumberOfExecutedThings", (v) => ({ deployment: { abort: { minNumberOfExecutedThings: v } } }), 1, 2_147_483_647, 0, 2_147_483_648],
    ["deployment.timeoutMinutes", (v) => ({ deployment: { timeoutMinutes: v } }), 1, 10080, 0, 10081],
    ["deployment.componentUpdateTimeoutSeconds", (v) => ({ deployment: { componentUpdateTimeoutSeconds: v } }), 1, 3600, 0, 3601],
    ["deployment.configurationValidationTimeoutSeconds", (v) => ({ deployment: { configurationValidationTimeoutSeconds: v } }), 1, 3600, 0, 3601],
  ])("%s", (path, input, min, max, below, above) => {
    expect(verdict(input(min))).toBe("ok");
    expect(verdict(input(max))).toBe("ok");
    expect(verdict(input(below))).toBe(`EdgeFleet: ${path}: must be >= ${min}, got ${below}`);
    expect(verdict(input(above))).toBe(`EdgeFleet: ${path}: must be <= ${max}, got ${above}`);
  });

  it("takes at most 100 child groups and 1000 devices", () => {
    expect(verdict({ childGroups: Array.from({ length: 100 }, (_, i) => group(i)) })).toBe("ok");
    expect(verdict({ childGroups: Array.from({ length: 101 }, (_, i) => group(i)) })).toBe("EdgeFleet: childGroups: must have at most 100 items, got 101");
    expect(verdict({ devices: Array.from({ length: 1000 }, (_, i) => device(i)) })).toBe("ok");
    expect(verdict({ devices: Array.from({ length: 1001 }, (_, i) => device(i)) })).toBe("EdgeFleet: devices: must have at most 1000 items, got 1001");
  });

  it("takes thing group descriptions of up to 2028 characters", () => {
    expect(verdict({ childGroups: [{ ...group(1), description: "x".repeat(2028) }] })).toBe("ok");
    expect(verdict({ childGroups: [{ ...group(1), description: "x".repeat(2029) }] })).toBe("EdgeFleet: childGroups[0].description: must be at most 2028 characters long, got 2029");
  });

  it("takes CloudWatch Logs retention values only, and a non-empty CSR directory", () => {
    expect(verdict({ logRetentionDays: 7 })).toBe("ok");
    expect(verdict({ logRetentionDays: 8 })).toMatch(/^EdgeFleet: logRetentionDays: must be one of CloudWatch Logs' retention values: 1, 3, 5, 7, 14,/);
    expect(verdict({ csrBaseDir: "" })).toBe('EdgeFleet: csrBaseDir: must not be empty, got ""');
    expect(verdict({ devices: [{ name: "d1", csrFile: "" }] })).toBe('EdgeFleet: devices[0].csrFile: must not be empty, got ""');
  });

  it("takes IoT names of 1 to 128 characters of [a-zA-Z0-9:_-]", () => {
    const rule = "must be 1-128 characters of a-z, A-Z, 0-9, ':', '_' or '-' (AWS IoT's rule)";
    expect(verdict({ childGroups: [{ name: "g".repeat(128), kind: "site" }] })).toBe("ok");
    expect(verdict({ childGroups: [{ name: "g".repeat(129), kind: "site" }] })).toMatch(said(`EdgeFleet: childGroups[0].name: ${rule}`));
    expect(verdict({ childGroups: [{ name: "", kind: "site" }] })).toMatch(said(`EdgeFleet: childGroups[0].name: ${rule}`));
    expect(verdict({ devices: [{ name: "hub 1", csrFile: "hub.csr.pem" }] })).toMatch(said(`EdgeFleet: devices[0].name: ${rule}`));
  });

  it("takes provisioning template names of 1 to 36 characters of [0-9A-Za-z_-]", () => {
    const rule = "must be 1-36 characters of 0-9, A-Z, a-z, '_' or '-'";
    expect(verdict({ provisioning: { templateName: "t".repeat(36) } })).toBe("ok");
    expect(verdict({ provisioning: { templateName: "t".repeat(37) } })).toMatch(said(`EdgeFleet: provisioning.templateName: ${rule}`));
    expect(verdict({ provisioning: { templateName: "" } })).toMatch(said(`EdgeFleet: provisioning.templateName: ${rule}`));
  });

  it("takes a MAJOR.MINOR release for each component, the patch being derived from content", () => {
    expect(verdict({ components: { composeRelease: "2.13" } })).toBe("ok");
    expect(verdict({ components: { composeRelease: "1.0.0" } })).toBe(
      'EdgeFleet: components.composeRelease: must be MAJOR.MINOR, e.g. "1.0" (the patch is derived from the component\'s content), got "1.0.0"',
    );
    expect(verdict({ components: { inferenceRelease: "01.0" } })).toMatch(/^EdgeFleet: components\.inferenceRelease: must be MAJOR\.MINOR/);
    expect(verdict({ greengrass: { nucleusVersion: "latest" } })).toBe('EdgeFleet: greengrass.nucleusVersion: must be a semantic version such as 1.2.3, got "latest"');
  });
});

describe("edgeFleetSettings drift decisions", () => {
  it("follows AWS for rollout and abort counts: 1 to 2147483647, past both earlier bounds (1000/10000 here, 1,000,000 in EdgeFleet)", () => {
    expect(IOT_JOB_COUNT_MAX).toBe(2_147_483_647);
    for (const v of [1001, 10_001, 1_000_001, IOT_JOB_COUNT_MAX]) {
      expect(verdict(exponential({ succeededThings: v }))).toBe("ok");
      expect(verdict({ deployment: { abort: { minNumberOfExecutedThings: v } } })).toBe("ok");
    }
  });

  it("refuses an empty serial number pattern, as EdgeFleet did (the hook would admit no device), and an invalid one; takes a valid one", () => {
    expect(verdict({ provisioning: { serialNumberPattern: "" } })).toBe(
      'EdgeFleet: provisioning.serialNumberPattern: must not be empty (an empty pattern admits no device), got ""',
    );
    expect(verdict({ provisioning: { serialNumberPattern: "([A-Z" } })).toBe('EdgeFleet: provisioning.serialNumberPattern: must be a valid regular expression, got "([A-Z"');
    expect(verdict({ provisioning: { serialNumberPattern: "^HBS[0-9]{9}$" } })).toBe("ok");
  });

  it("keeps `enabled` out of the fleet's settings: the stack config has it and index.ts decides whether to build a fleet", () => {
    const parsed = edgeFleetSettings.safeParse({ enabled: false });
    expect(parsed.error?.issues.map((i) => [i.code, i.message])).toEqual([["unrecognized_keys", 'Unrecognized key: "enabled"']]);
    expect(parseStackSettings({ environment: "dev", edgeFleet: { enabled: false } }).edgeFleet.enabled).toBe(false);
    expect(parseStackSettings({ environment: "dev" }).edgeFleet.enabled).toBe(true);
    // The fleet's own rules still apply to a stack's edgeFleet section.
    expect(() => parseStackSettings({ environment: "dev", edgeFleet: { enabled: true, lambdaReservedConcurrency: 0 } })).toThrow(
      "config error: edge-mlops:edgeFleet.lambdaReservedConcurrency: must be >= 1, got 0",
    );
  });

  it("judges decimals with a tolerance, as EdgeFleet did: the schema refused thresholds such as 1.1 and 0.07 percent", () => {
    // Binary floating point: an exact `Math.round(v * 100) === v * 100` fails for 1,146 of the 10,001 two-decimal
    // percentages from 0 to 100.
    expect(1.1 * 100).not.toBe(110);
    expect(0.07 * 100).not.toBe(7);
    for (const v of [1.1, 0.07, 10.55, 99.99]) expect(verdict({ deployment: { abort: { failureThresholdPercentage: v } } })).toBe("ok");
    expect(verdict(exponential({ incrementFactor: 1.1 }))).toBe("ok");
    expect(hasAtMostDecimals(1.15, 1)).toBe(false);
    expect(hasAtMostDecimals(10.555, 2)).toBe(false);
  });
});

describe("roleAliasName", () => {
  it("is <rootGroupName>-token-exchange with ':' (valid in group names, not in role alias names) as '-'", () => {
    expect(roleAliasName("site:north:a")).toBe("site-north-a-token-exchange");
  });
});

describe("edgeFleetSettings cross-field rules", () => {
  it.each<[string, EdgeFleetSettingsInput, string]>([
    ["a child group used twice", { childGroups: [group(1), group(1)] }, "EdgeFleet: childGroups[1].name: 'g1' is used twice; names must be unique"],
    ["a device used twice", { devices: [device(1), device(1)] }, "EdgeFleet: devices[1].name: 'd1' is used twice; names must be unique"],
    ["a child group named like the root group", { rootGroupName: "fleet", childGroups: [{ name: "fleet", kind: "site" }] }, "EdgeFleet: childGroups[0].name: 'fleet' is the root group's name; child groups need names of their own"],
    ["a child group whose prefixed name passes 128 characters", { rootGroupName: "r".repeat(100), childGroups: [{ name: "c".repeat(28), kind: "site" }] }, "EdgeFleet: childGroups[0].name: must be at most 27 characters (the thing group is named <rootGroupName>-<name>, at most 128)"],
    ["a child group named like a model group", { rootGroupName: "fleet", childGroups: [{ name: "canary", kind: "site" }] }, "EdgeFleet: childGroups[0].name: 'canary' is reserved: <rootGroupName>-canary is a model group"],
    ["a child group named like the other model group", { rootGroupName: "site", childGroups: [{ name: "fleet", kind: "site" }] }, "EdgeFleet: childGroups[0].name: 'fleet' is reserved: <rootGroupName>-fleet is a model group"],
    ["a device in an undeclared group", { devices: [{ ...device(1), group: "nowhere" }] }, "EdgeFleet: devices[0].group: 'nowhere' is not one of edgeFleet.childGroups (none are declared)"],
    ["a device without CSR when keys may not be generated", { devices: [{ name: "d1" }] }, "EdgeFleet: devices[0].csrFile: is required unless edgeFleet.allowGeneratedKeys is true"],
    ["a generated key for a name over 64 characters", { allowGeneratedKeys: true, devices: [{ name: "d".repeat(65) }] }, "EdgeFleet: devices[0].name: must be at most 64 characters for a generated key (X.509 common name limit)"],
    ["an increment factor with two decimals", exponential({ incrementFactor: 1.55 }), "EdgeFleet: deployment.rollout.exponential.incrementFactor: may have at most one decimal (IoT jobs' rule), e.g. 1.5"],
    ["an abort threshold with three decimals", { deployment: { abort: { failureThresholdPercentage: 10.125 } } }, "EdgeFleet: deployment.abort.failureThresholdPercentage: may have at most two decimals (IoT jobs' rule)"],
    ["an exponential base above the maximum rate", { deployment: { rollout: { maximumPerMinute: 10, exponential: { baseRatePerMinute: 11, incrementFactor: 2, succeededThings: 5 } } } }, "EdgeFleet: deployment.rollout.exponential.baseRatePerMinute: must be <= rollout.maximumPerMinute"],
    ["a root group too long for the derived template name", { rootGroupName: "g".repeat(31) }, "EdgeFleet: rootGroupName: must be at most 30 characters when provisioning is on without provisioning.templateName (the template is named <rootGroupName>-fleet, at most 36)"],
    ["a ':' in a root group that names the template", { rootGroupName: "site:north" }, "EdgeFleet: rootGroupName: must not contain ':' when provisioning is on without provisioning.templateName (template names allow 0-9, A-Z, a-z, '_' and '-')"],
    ["a root group too long for the role alias", { rootGroupName: "g".repeat(114), provisioning: { enabled: false } }, "EdgeFleet: rootGroupName: must be at most 113 characters (the role alias <rootGroupName>-token-exchange allows 128)"],
  ])("rejects %s", (_, input, message) => {
    expect(verdict(input)).toMatch(said(message));
  });

  it.each<[string, EdgeFleetSettingsInput]>([
    ["a device in a declared group", { childGroups: [group(1)], devices: [{ ...device(1), group: "g1" }] }],
    ["a device without CSR when keys may be generated", { allowGeneratedKeys: true, devices: [{ name: "d".repeat(64) }] }],
    ["a device with a long name and its own CSR", { devices: [{ name: "d".repeat(128), csrFile: "d.csr.pem" }] }],
    ["a 30-character root group", { rootGroupName: "g".repeat(30) }],
    ["a child group whose prefixed name is 128 characters", { rootGroupName: "r".repeat(100), childGroups: [{ name: "c".repeat(27), kind: "site" }], provisioning: { enabled: false } }],
    ["a child group beside a named root group", { rootGroupName: "site", childGroups: [group(1)] }],
    ["a long root group with its own template name", { rootGroupName: "site:north-".repeat(10), provisioning: { templateName: "north" } }],
    ["a 113-character root group without provisioning", { rootGroupName: "g".repeat(113), provisioning: { enabled: false } }],
    ["an exponential base equal to the maximum rate", { deployment: { rollout: { maximumPerMinute: 10, exponential: { baseRatePerMinute: 10, incrementFactor: 2, succeededThings: 5 } } } }],
  ])("accepts %s", (_, input) => {
    expect(verdict(input)).toBe("ok");
  });
});
