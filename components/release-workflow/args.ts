// The release workflow's settings as one schema: every default, range and rule stated once, with the AWS limit or the
// reason behind each. The stack config's `release` section is this schema (components/config.ts).
import { z } from "zod";
import { int, retentionDays } from "../args";

/** Longest a cloud rollout may be watched (checkIntervalSeconds × maxChecks): 6 hours, in seconds. */
export const MAX_ROLLOUT_WATCH_SECONDS = 6 * 3600;

export const releaseWorkflowSettings = z
  .strictObject({
    /** Release Approved (and re-release after Rejected) model packages automatically. @default true */
    enabled: z.boolean().default(true),
    rollout: z
      .strictObject({
        /**
         * Seconds between two checks of the ECS deployment, 5 to 3600 (a Wait state; ECS reports a rollout state
         * change within seconds, and a check costs one Lambda invocation). @default 30
         */
        checkIntervalSeconds: int(5, 3600).default(30),
        /**
         * Checks before a rollout still in progress counts as timed out and is rolled back, 1 to 1000. @default 40
         * (20 minutes at the default interval: a Fargate service of a few tasks completes a rolling deployment in
         * minutes; the ECS deployment circuit breaker fails a deployment that cannot start tasks well before that)
         */
        maxChecks: int(1, 1000).default(40),
      })
      .prefault({}),
    /**
     * The edge branch's checks (used when the stack has an edge fleet): the model component version until DEPLOYABLE,
     * then the canary group's deployment, then the fleet's. waitSeconds 10 to 3600, maxChecks 1 to 1000, the three
     * together at most 1500 checks (edge-branch.ts: Step Functions' 25,000 history events per execution);
     * successThreshold is the share of a group's devices that must succeed, in (0, 1].
     */
    edge: z
      .strictObject({
        component: z.strictObject({ waitSeconds: int(10, 3600).default(15), maxChecks: int(1, 1000).default(40) }).prefault({}),
        /** @default every canary device succeeds, checked every minute for up to an hour */
        canary: z
          .strictObject({ successThreshold: z.number().gt(0).max(1).default(1), waitSeconds: int(10, 3600).default(60), maxChecks: int(1, 1000).default(60) })
          .prefault({}),
        /** @default 95 % of the fleet succeeds, checked every 2 minutes for up to 3 hours */
        fleet: z
          .strictObject({ successThreshold: z.number().gt(0).max(1).default(0.95), waitSeconds: int(10, 3600).default(120), maxChecks: int(1, 1000).default(90) })
          .prefault({}),
      })
      .prefault({}),
    /** Days the state machine's and the functions' log groups keep logs. @default 30 */
    logRetentionDays: retentionDays.default(30),
    /**
     * Log each state's input and output (they hold model package ARNs, S3 URIs and digests, no secrets). @default true
     */
    includeExecutionData: z.boolean().default(true),
  })
  .superRefine((s, ctx) => {
    const watched = s.rollout.checkIntervalSeconds * s.rollout.maxChecks;
    if (watched > MAX_ROLLOUT_WATCH_SECONDS) {
      ctx.addIssue({
        code: "custom",
        path: ["rollout", "maxChecks"],
        message: `checkIntervalSeconds × maxChecks is ${watched} s; at most ${MAX_ROLLOUT_WATCH_SECONDS} s (6 h) are allowed: a rollout still in progress after that is stuck, and the service must not wait longer for its rollback`,
      });
    }
  });

/** The release workflow's settings as given (defaults optional). */
export type ReleaseWorkflowSettingsInput = z.input<typeof releaseWorkflowSettings>;
export type ReleaseWorkflowSettings = z.output<typeof releaseWorkflowSettings>;
