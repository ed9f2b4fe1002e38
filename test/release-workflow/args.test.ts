// The release workflow's settings schema on its own, without mocks (components/release-workflow/args.ts): its
// defaults, and the cap on how long a cloud rollout is watched (checkIntervalSeconds × maxChecks ≤ 6 h) at its edge.
import { describe, expect, it } from "vitest";
import { resolveArgs } from "../../components/args";
import { MAX_ROLLOUT_WATCH_SECONDS, releaseWorkflowSettings } from "../../components/release-workflow/args";

const resolve = (input: unknown) => resolveArgs("ReleaseWorkflow", releaseWorkflowSettings, input as never);

describe("releaseWorkflowSettings", () => {
  it("defaults to enabled, 40 checks 30 s apart", () => {
    expect(resolve({})).toEqual({
      enabled: true,
      rollout: { checkIntervalSeconds: 30, maxChecks: 40 },
      edge: {
        component: { waitSeconds: 15, maxChecks: 40 },
        canary: { successThreshold: 1, waitSeconds: 60, maxChecks: 60 },
        fleet: { successThreshold: 0.95, waitSeconds: 120, maxChecks: 90 },
      },
      logRetentionDays: 30,
      includeExecutionData: true,
    });
  });

  it("watches a rollout for at most 6 hours: exactly 6 h passes, one check more is refused on maxChecks", () => {
    expect(MAX_ROLLOUT_WATCH_SECONDS).toBe(21600);
    expect(resolve({ rollout: { checkIntervalSeconds: 3600, maxChecks: 6 } }).rollout).toEqual({ checkIntervalSeconds: 3600, maxChecks: 6 });
    expect(resolve({ rollout: { checkIntervalSeconds: 5, maxChecks: 1000 } }).rollout).toEqual({ checkIntervalSeconds: 5, maxChecks: 1000 });
    expect(() => resolve({ rollout: { checkIntervalSeconds: 3600, maxChecks: 7 } })).toThrow(
      "ReleaseWorkflow: rollout.maxChecks: checkIntervalSeconds × maxChecks is 25200 s; at most 21600 s (6 h) are allowed: a rollout still in progress after that is stuck, and the service must not wait longer for its rollback",
    );
  });

  it("refuses a rollout watched longer than 6 hours and out-of-range values, naming the field", () => {
    expect(() => resolve({ rollout: { checkIntervalSeconds: 600, maxChecks: 100 } })).toThrow(
      "ReleaseWorkflow: rollout.maxChecks: checkIntervalSeconds × maxChecks is 60000 s; at most 21600 s (6 h) are allowed",
    );
    expect(() => resolve({ rollout: { checkIntervalSeconds: 1 } })).toThrow("ReleaseWorkflow: rollout.checkIntervalSeconds: must be >= 5, got 1");
    expect(() => resolve({ rollout: { maxCheck: 3 } })).toThrow(/ReleaseWorkflow: rollout\.maxCheck/);
  });
});
