// The edge fleet's settings as one schema: every default, range and cross-field rule of an EdgeFleet is stated here
// once. The EdgeFleet component resolves its args with it (components/edge-fleet/resolve.ts) and the stack config
// composes it as `edge-mlops:edgeFleet`. Whether a stack has a fleet at all is the stack's choice, not the fleet's:
// `edgeFleet.enabled` is added by components/config.ts and read by index.ts, which then does not construct EdgeFleet.
import { z } from "zod";
import {
  PROVISIONING_TEMPLATE_NAME_MAX_LENGTH,
  PROVISIONING_TEMPLATE_NAME_PATTERN,
  validateProvisioningTemplateName,
} from "../../contracts/iot-names";
import { int, iotName, retentionDays as retention, semver } from "../args";
import { RELEASE_PATTERN } from "./content-version";

/**
 * The largest count an IoT job criterion takes. The AWS IoT Greengrass V2 API reference states only a minimum of 1 for
 * `IoTJobRateIncreaseCriteria.numberOfSucceededThings` and `IoTJobAbortCriteria.minNumberOfExecutedThings`; the
 * CloudFormation schema of `AWS::GreengrassV2::Deployment` (which aws-native's `greengrassv2.Deployment` is) caps both
 * at 2147483647, a 32-bit integer.
 */
export const IOT_JOB_COUNT_MAX = 2_147_483_647;

/** AWS IoT thing group names: `[a-zA-Z0-9:_-]`, 1 to 128 characters (CreateThingGroup). */
export const THING_GROUP_NAME_MAX_LENGTH = 128;

/** AWS IoT role alias names: `[\w=,@-]`, 1 to 128 characters (CreateRoleAlias). */
export const ROLE_ALIAS_NAME_MAX_LENGTH = 128;
/** The role alias is `<rootGroupName>-token-exchange`. */
export const ROLE_ALIAS_SUFFIX = "-token-exchange";
/** The provisioning template is `<rootGroupName>-fleet` unless `provisioning.templateName` names it. */
export const TEMPLATE_NAME_SUFFIX = "-fleet";

/** The root thing group of a stack whose settings name none. */
export function defaultRootGroupName(stack: string): string {
  return `edge-mlops-${stack}`;
}

/** The role alias name of a root group: role alias names allow `[\w=,@-]`, so ':' (valid in group names) becomes '-'. */
export function roleAliasName(rootGroupName: string): string {
  return `${rootGroupName.replace(/:/g, "-")}${ROLE_ALIAS_SUFFIX}`;
}

/**
 * True when `value` has at most `digits` decimals. AWS IoT jobs take one decimal for rollout increment factors and two
 * for abort thresholds; binary floating point makes `1.1 * 10` 11.000000000000002, hence the tolerance.
 */
export function hasAtMostDecimals(value: number, digits: number): boolean {
  const scaled = value * 10 ** digits;
  return Math.abs(scaled - Math.round(scaled)) < 1e-6;
}

/** A string that is not empty: describeIssue words a string's length as a number range, this says what is meant. */
const nonEmpty = (message = "must not be empty") => z.string().refine((v) => v !== "", { message });

const regexSource = nonEmpty("must not be empty (an empty pattern admits no device)").refine(
    (s) => {
      try {
        new RegExp(s);
        return true;
      } catch {
        return false;
      }
    },
    { message: "must be a valid regular expression" },
  );

/** `MAJOR.MINOR` of a component's content-derived versions (components/edge-fleet/content-version.ts). */
const release = z.string().regex(RELEASE_PATTERN, { message: "must be MAJOR.MINOR, e.g. \"1.0\" (the patch is derived from the component's content)" });

export const edgeFleetSettings = z
  .strictObject({
    /**
     * Root thing group of the stack: every device joins it and the deployment targets it. An AWS IoT thing group name
     * (`[a-zA-Z0-9:_-]`, 1 to 128), at most 113 characters so that the role alias `<rootGroupName>-token-exchange`
     * stays within IoT's 128, and at most 30 without a ':' while provisioning derives its template name from it.
     * @default "edge-mlops-<stack>"
     */
    rootGroupName: iotName.optional(),
    /** Child thing groups (sites, hardware revisions) under the root group, at most 100. @default [] */
    childGroups: z
      .array(
        z.strictObject({
          /** Thing group name (`[a-zA-Z0-9:_-]`, 1 to 128), unique and not the root group's. */
          name: iotName,
          /** What the group stands for; stored as its `kind` attribute. */
          kind: z.enum(["site", "hardware"]),
          /** At most 2028 characters (AWS IoT thing group descriptions). @default none */
          description: z.string().max(2028).optional(),
        }),
      )
      .max(100)
      .default([]),
    /** Days the provisioning hook's log group keeps logs (a CloudWatch Logs retention value). @default 30 */
    logRetentionDays: retention.default(30),
    /**
     * Reserved concurrency of the provisioning hook, 1 to 1000 (Lambda's default account quota). A reservation must
     * leave the account's UnreservedConcurrentExecutions at 10 or more (PutFunctionConcurrency), so it fails in a new
     * account whose quota is 10 (components/lambda-function/args.ts). @default undefined (unreserved)
     */
    lambdaReservedConcurrency: int(1, 1000).optional(),
    /** Lifetime of the credentials the role alias hands to devices, 900 to 43200 s (AWS IoT CreateRoleAlias). @default 3600 */
    credentialDurationSeconds: int(900, 43200).default(3600),
    /**
     * Allow certificates whose private key is generated into Pulumi state (prototypes only; EdgeFleet and the stack
     * config refuse it in prod). @default false
     */
    allowGeneratedKeys: z.boolean().default(false),
    /**
     * Directory `devices[].csrFile` and `provisioning.claimCsrFile` are relative to, itself relative to the repository
     * root (an absolute path is taken as it is). @default "." (the repository root)
     */
    csrBaseDir: nonEmpty().default("."),
    /** Statically registered prototype devices, at most 1000. Production devices join through fleet provisioning. @default [] */
    devices: z
      .array(
        z.strictObject({
          /** Thing name (`[a-zA-Z0-9:_-]`, 1 to 128); at most 64 with a generated key (X.509 common name). */
          name: iotName,
          /** A child group to join besides the root group: the name of one of `childGroups`. @default none (root group only) */
          group: iotName.optional(),
          /**
           * Join the canary model group `<rootGroupName>-canary` instead of `<rootGroupName>-fleet`: releases deploy a
           * new model to canary devices first. A device is in exactly one of the two. @default false
           */
          canary: z.boolean().default(false),
          /** PEM CSR made on the device (edge/device-csr.sh), relative to `csrBaseDir`. Required unless allowGeneratedKeys. */
          csrFile: nonEmpty().optional(),
        }),
      )
      .max(1000)
      .default([]),
    provisioning: z
      .strictObject({
        /** Fleet provisioning by claim with a pre-provisioning hook. @default true */
        enabled: z.boolean().default(true),
        /**
         * Serial numbers the hook admits, matched against the whole serial number; a non-empty regular expression (an
         * empty one would admit no device). @default "^[A-Z0-9]{8,20}$"
         */
        serialNumberPattern: regexSource.default("^[A-Z0-9]{8,20}$"),
        /** Provisioning template name (`[0-9A-Za-z_-]`, 1 (the pattern needs one) to 36, AWS IoT's rule). @default "<rootGroupName>-fleet" */
        templateName: z
          .string()
          .refine((v) => v.length <= PROVISIONING_TEMPLATE_NAME_MAX_LENGTH && PROVISIONING_TEMPLATE_NAME_PATTERN.test(v), {
            message: `must be 1-${PROVISIONING_TEMPLATE_NAME_MAX_LENGTH} characters of 0-9, A-Z, a-z, '_' or '-'`,
          })
          .optional(),
        /**
         * PEM CSR of the claim certificate (its key stays with the factory), relative to `csrBaseDir`. Without it the
         * claim certificate is generated into state when allowGeneratedKeys, or left to an operator
         * (components/edge-fleet/provisioning.ts). @default none
         */
        claimCsrFile: nonEmpty().optional(),
        /**
         * Devices send their own CSR when they provision (`CreateCertificateFromCsr`) instead of asking AWS IoT for a key
         * pair; the claim policy allows only the matching topics. @default false
         */
        devicesUseCsr: z.boolean().default(false),
      })
      .prefault({}),
    /**
     * Greengrass component versions are `<release>.<patch>`: the release (`MAJOR.MINOR`) is set here, the patch is
     * derived from a hash of the component's recipe (components/edge-fleet/content-version.ts), so any change to the
     * compose file, image digest or model mount publishes a new version and identical content keeps its version.
     */
    components: z
      .strictObject({
        /** `MAJOR.MINOR` of the docker-compose hub component's versions. @default "1.0" */
        composeRelease: release.default("1.0"),
        /** `MAJOR.MINOR` of the inference component's versions. @default "1.0" */
        inferenceRelease: release.default("1.0"),
      })
      .prefault({}),
    /** Versions of the public Greengrass components the deployment pins. */
    greengrass: z
      .strictObject({
        /** @default "2.14.3" */
        nucleusVersion: semver.default("2.14.3"),
        /** @default "2.0.13" */
        dockerApplicationManagerVersion: semver.default("2.0.13"),
        /** @default "2.0.3" */
        tokenExchangeServiceVersion: semver.default("2.0.3"),
      })
      .prefault({}),
    /** Rollout, abort, timeout and update policies of the deployment (the IoT job that carries it). */
    deployment: z
      .strictObject({
        rollout: z
          .strictObject({
            /** Devices notified per minute at most, 1 to 1000 (IoTJobExecutionsRolloutConfig.maximumPerMinute). @default 50 */
            maximumPerMinute: int(1, 1000).default(50),
            /**
             * Exponential rollout: start at `baseRatePerMinute`, multiply by `incrementFactor` after every
             * `succeededThings` successes. @default none (constant rate)
             */
            exponential: z
              .strictObject({
                /** Devices notified per minute at the start, 1 to 1000 (IoTJobExponentialRolloutRate), at most maximumPerMinute. */
                baseRatePerMinute: int(1, 1000),
                /**
                 * Factor the rate grows by, 1.1 to 5 with at most one decimal. The Greengrass V2 API reference says 1 to 5;
                 * the job is an AWS IoT job, whose ExponentialRolloutRate takes 1.1 to 5.
                 */
                incrementFactor: z.number().min(1.1).max(5),
                /**
                 * Devices that must succeed before the rate grows, 1 to 2147483647 (IOT_JOB_COUNT_MAX: the Greengrass V2
                 * API's IoTJobRateIncreaseCriteria states a minimum of 1, the AWS::GreengrassV2::Deployment schema the
                 * maximum). This schema allowed 1000 and EdgeFleet 1,000,000, both bounds of our own; AWS's limits are
                 * the rule now, since a count above the fleet's size only means "never speed up", which is safe.
                 */
                succeededThings: int(1, IOT_JOB_COUNT_MAX),
              })
              .optional(),
          })
          .prefault({}),
        abort: z
          .strictObject({
            /**
             * Cancel the job once this share of executed devices failed, was rejected or timed out: 0 to 100 percent with
             * at most two decimals (IoTJobAbortCriteria.thresholdPercentage). @default 10
             */
            failureThresholdPercentage: z.number().min(0).max(100).default(10),
            /**
             * Devices that must have run the deployment before the threshold applies, 1 to 2147483647
             * (IOT_JOB_COUNT_MAX: IoTJobAbortCriteria's minimum in the Greengrass V2 API, the maximum from the
             * AWS::GreengrassV2::Deployment schema). This schema allowed 10000 and EdgeFleet 1,000,000, both our own
             * bounds; AWS's limits are the rule now. Abort stays on by default (10); a stack that raises this past its
             * fleet's size turns abort off and says so in its stack file. @default 10
             */
            minNumberOfExecutedThings: int(1, IOT_JOB_COUNT_MAX).default(10),
          })
          .prefault({}),
        /** A device still in progress after this many minutes times out: 1 to 10080, i.e. 7 days (IoTJobTimeoutConfig). @default 60 */
        timeoutMinutes: int(1, 10080).default(60),
        /**
         * How long running components may defer an update (NOTIFY_COMPONENTS), 1 to 3600 s. AWS allows up to 2147483647
         * (AWS::GreengrassV2::Deployment); an hour is the longest we let one device hold up a rollout. @default 60
         */
        componentUpdateTimeoutSeconds: int(1, 3600).default(60),
        /**
         * How long components may take to validate a configuration change, 1 to 3600 s (AWS allows up to 2147483647;
         * the bound is ours, as above). @default 30
         */
        configurationValidationTimeoutSeconds: int(1, 3600).default(30),
      })
      .prefault({}),
  })
  .superRefine((s, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
    const duplicate = (names: string[], list: string) => {
      const i = names.findIndex((n, k) => names.indexOf(n) !== k);
      if (i >= 0) issue([list, i, "name"], `'${names[i]}' is used twice; names must be unique`);
    };
    duplicate(s.childGroups.map((g) => g.name), "childGroups");
    duplicate(s.devices.map((d) => d.name), "devices");
    const root = s.rootGroupName;
    if (root !== undefined) {
      const clash = s.childGroups.findIndex((g) => g.name === root);
      if (clash >= 0) issue(["childGroups", clash, "name"], `'${root}' is the root group's name; child groups need names of their own`);
      // Child groups are named `<root>-<child>` (components/edge-fleet/groups.ts); AWS IoT allows 128 characters.
      s.childGroups.forEach((g, i) => {
        if (root.length + 1 + g.name.length > THING_GROUP_NAME_MAX_LENGTH) {
          issue(["childGroups", i, "name"], `must be at most ${THING_GROUP_NAME_MAX_LENGTH - root.length - 1} characters (the thing group is named <rootGroupName>-<name>, at most ${THING_GROUP_NAME_MAX_LENGTH})`);
        }
        if (g.name === "canary" || g.name === "fleet") issue(["childGroups", i, "name"], `'${g.name}' is reserved: <rootGroupName>-${g.name} is a model group`);
      });
      if (roleAliasName(root).length > ROLE_ALIAS_NAME_MAX_LENGTH) {
        issue(["rootGroupName"], `must be at most ${ROLE_ALIAS_NAME_MAX_LENGTH - ROLE_ALIAS_SUFFIX.length} characters (the role alias <rootGroupName>${ROLE_ALIAS_SUFFIX} allows ${ROLE_ALIAS_NAME_MAX_LENGTH})`);
      } else if (s.provisioning.enabled && s.provisioning.templateName === undefined) {
        const derived = `${root}${TEMPLATE_NAME_SUFFIX}`;
        if (derived.length > PROVISIONING_TEMPLATE_NAME_MAX_LENGTH) {
          issue(["rootGroupName"], `must be at most 30 characters when provisioning is on without provisioning.templateName (the template is named <rootGroupName>${TEMPLATE_NAME_SUFFIX}, at most ${PROVISIONING_TEMPLATE_NAME_MAX_LENGTH})`);
        } else if (validateProvisioningTemplateName(derived) !== undefined) {
          issue(["rootGroupName"], `must not contain ':' when provisioning is on without provisioning.templateName (template names allow 0-9, A-Z, a-z, '_' and '-')`);
        }
      }
    }
    const groups = s.childGroups.map((g) => g.name);
    const declared = groups.length ? groups.join(", ") : "none are declared";
    s.devices.forEach((d, i) => {
      if (d.group !== undefined && !groups.includes(d.group)) issue(["devices", i, "group"], `'${d.group}' is not one of edgeFleet.childGroups (${declared})`);
      if (d.csrFile === undefined && !s.allowGeneratedKeys) issue(["devices", i, "csrFile"], "is required unless edgeFleet.allowGeneratedKeys is true");
      if (d.csrFile === undefined && d.name.length > 64) issue(["devices", i, "name"], "must be at most 64 characters for a generated key (X.509 common name limit)");
    });
    const e = s.deployment.rollout.exponential;
    if (e && !hasAtMostDecimals(e.incrementFactor, 1)) {
      issue(["deployment", "rollout", "exponential", "incrementFactor"], "may have at most one decimal (IoT jobs' rule), e.g. 1.5");
    }
    if (!hasAtMostDecimals(s.deployment.abort.failureThresholdPercentage, 2)) {
      issue(["deployment", "abort", "failureThresholdPercentage"], "may have at most two decimals (IoT jobs' rule)");
    }
    if (e && e.baseRatePerMinute > s.deployment.rollout.maximumPerMinute) {
      issue(["deployment", "rollout", "exponential", "baseRatePerMinute"], "must be <= rollout.maximumPerMinute");
    }
  });

/** An EdgeFleet's settings as given (defaults optional). */
export type EdgeFleetSettingsInput = z.input<typeof edgeFleetSettings>;
/** An EdgeFleet's settings with every default applied. */
export type EdgeFleetSettings = z.output<typeof edgeFleetSettings>;
