// The stack config's account-wide settings (accountSettings) and the limits that depend on the account: which stack
// owns the singletons of an account and region, how it holds AWSIotLogsV2, ECS's service-linked role, reserved Lambda
// concurrency (none unless asked for) and the ECR images kept. Each bad value is one `config error:` line.
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseStackConfig, parseStackSettings } from "../../components/config";
import { loadStackFiles } from "../../scripts/offline/run";
import { configErrorOf } from "../support/config-error";

const ROOT = path.resolve(__dirname, "../..");
/** The least a prod stack must set besides the account's settings. */
const PROD_MINIMUM = {
  network: { natGateways: "onePerAz" },
  inference: { desiredCount: 2, loadBalancer: { deletionProtection: true } },
  training: { modelApproval: "PendingManualApproval" },
  observability: { notifications: { emails: ["oncall@example.com"] } },
};

function configError(settings: Record<string, unknown>): string {
  return configErrorOf(() => parseStackSettings({ environment: "dev", ...settings })).message;
}

describe("accountSettings", () => {
  it("owns nothing by default: a stack added to a shared account leaves the account's singletons alone", () => {
    expect(parseStackSettings({ environment: "dev" }).accountSettings).toEqual({ owner: false, ecsServiceLinkedRole: false });
    expect(parseStackSettings({ environment: "dev", accountSettings: { owner: true, iotLogGroup: "import", ecsServiceLinkedRole: true } }).accountSettings).toEqual({
      owner: true,
      iotLogGroup: "import",
      ecsServiceLinkedRole: true,
    });
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      "iotLogGroup without owner",
      { accountSettings: { iotLogGroup: "create" } },
      "config error: edge-mlops:accountSettings.iotLogGroup: applies only to the stack that owns the account's settings: set accountSettings.owner true here, or remove it",
    ],
    [
      "ecsServiceLinkedRole without owner",
      { accountSettings: { owner: false, ecsServiceLinkedRole: true } },
      "config error: edge-mlops:accountSettings.ecsServiceLinkedRole: applies only to the stack that owns the account's settings: set accountSettings.owner true here, or remove it",
    ],
    ["an unknown way to hold the log group", { accountSettings: { owner: true, iotLogGroup: "adopt" } }, 'config error: edge-mlops:accountSettings.iotLogGroup: must be one of "create", "import", "unmanaged", got "adopt"'],
    ["owner as text", { accountSettings: { owner: "yes" } }, "config error: edge-mlops:accountSettings.owner: must be a boolean"],
    [
      "the former observability.fleetAudit",
      { observability: { fleetAudit: true } },
      "config error: edge-mlops:observability.fleetAudit: is no longer read: the one stack per account and region that owns the account's IoT audit, logging and events sets accountSettings.owner true (default false)",
    ],
    [
      "an IoT log level in a stack that owns no IoT logging",
      { observability: { iotLogLevel: "INFO" } },
      "config error: edge-mlops:observability.iotLogLevel: applies only to the stack that owns the account's settings (accountSettings.owner true); this stack creates no IoT logging or audit, so nothing reads it: remove it",
    ],
    [
      "an audit frequency in a stack that owns no IoT audit",
      { observability: { auditFrequency: "DAILY" } },
      "config error: edge-mlops:observability.auditFrequency: applies only to the stack that owns the account's settings (accountSettings.owner true); this stack creates no IoT logging or audit, so nothing reads it: remove it",
    ],
    ["an empty observability section", { observability: null }, "config error: edge-mlops:observability: "],
    ["a reservation of 0", { training: { lambdaReservedConcurrency: 0 } }, "config error: edge-mlops:training.lambdaReservedConcurrency: must be >= 1, got 0"],
    ["fewer ECR images than are in use", { inference: { keepImages: 2 } }, "config error: edge-mlops:inference.keepImages: must be >= 3, got 2"],
  ])("rejects %s in one line", (_, settings, message) => {
    const said = configError(settings);
    expect(said.startsWith(message)).toBe(true);
    expect(said).not.toContain("\n");
  });

  it("asks a daily audit of prod only where it owns the account's settings", () => {
    expect(parseStackSettings({ environment: "prod", ...PROD_MINIMUM }).accountSettings.owner).toBe(false);
    expect(configError({ environment: "prod", ...PROD_MINIMUM, accountSettings: { owner: true } })).toBe(
      "config error: edge-mlops:observability.auditFrequency: must be DAILY when environment is prod",
    );
  });

  it("leaves reserved concurrency unset unless a stack asks for it", () => {
    const s = parseStackSettings({ environment: "dev" });
    expect(s.training.lambdaReservedConcurrency).toBeUndefined();
    expect(s.edgeFleet.lambdaReservedConcurrency).toBeUndefined();
  });
});

describe("the repository's stack files", () => {
  const load = (stack: string) => parseStackConfig(loadStackFiles(ROOT, stack).config, "edge-mlops", stack);

  it("give the account-wide settings to staging (the non-prod account dev shares) and prod (its own account)", () => {
    expect(["dev", "staging", "prod"].map((s) => [s, load(s).accountSettings.owner])).toEqual([
      ["dev", false],
      ["staging", true],
      ["prod", true],
    ]);
  });

  it("reserve no Lambda concurrency: a new account's quota of 10 leaves none to reserve", () => {
    for (const stack of ["dev", "staging", "prod"]) {
      const c = load(stack);
      expect([stack, c.training.lambdaReservedConcurrency, c.edgeFleet.lambdaReservedConcurrency]).toEqual([stack, undefined, undefined]);
    }
  });
});
