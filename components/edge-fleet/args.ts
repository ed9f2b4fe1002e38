// The edge fleet's settings as one schema: every default, range and cross-field rule of an EdgeFleet is stated here
// once. The EdgeFleet component resolves its args with it and the stack config composes it as `edge-mlops:edgeFleet`.
import { z } from "zod";
import { PROVISIONING_TEMPLATE_NAME_MAX_LENGTH, PROVISIONING_TEMPLATE_NAME_PATTERN } from "../../contracts/iot-names";
import { int, iotName, retentionDays as retention, semver } from "../args";

const regexSource = z.string().refine(
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

export const edgeFleetSettings = z.strictObject({
  /** Create the IoT / Greengrass fleet. @default true */
  enabled: z.boolean().default(true),
  /** Root thing group of the stack. @default "edge-mlops-<stack>" */
  rootGroupName: iotName.optional(),
  /** Child thing groups (sites, hardware revisions) under the root group. @default [] */
  childGroups: z
    .array(z.strictObject({ name: iotName, kind: z.enum(["site", "hardware"]), description: z.string().max(2028).optional() }))
    .max(100)
    .default([]),
  /** Retention of the fleet's log groups (provisioning hook). @default 30 */
  logRetentionDays: retention.default(30),
  /** Reserved concurrency of the provisioning hook. @default 5 */
  lambdaReservedConcurrency: int(1, 1000).default(5),
  /** Lifetime of the credentials the role alias hands to devices, 900 to 43200 s. @default 3600 */
  credentialDurationSeconds: int(900, 43200).default(3600),
  /** Allow certificates whose private key is generated into Pulumi state (prototypes only, never prod). @default false */
  allowGeneratedKeys: z.boolean().default(false),
  /** Statically registered prototype devices. Production devices join through fleet provisioning. @default [] */
  devices: z
    .array(
      z.strictObject({
        name: iotName,
        /** A child group to join besides the root group. */
        group: iotName.optional(),
        /** PEM CSR made on the device (edge/device-csr.sh); path relative to the project. Required unless allowGeneratedKeys. */
        csrFile: z.string().min(1).optional(),
      }),
    )
    .max(1000)
    .default([]),
  provisioning: z
    .strictObject({
      /** Fleet provisioning by claim with a pre-provisioning hook. @default true */
      enabled: z.boolean().default(true),
      /** Serial numbers the hook admits (anchored). @default "^[A-Z0-9]{8,20}$" */
      serialNumberPattern: regexSource.default("^[A-Z0-9]{8,20}$"),
      /** Provisioning template name. @default "<rootGroupName>-fleet" */
      templateName: z
        .string()
        .refine((v) => v.length >= 1 && v.length <= PROVISIONING_TEMPLATE_NAME_MAX_LENGTH && PROVISIONING_TEMPLATE_NAME_PATTERN.test(v), {
          message: `must be 1-${PROVISIONING_TEMPLATE_NAME_MAX_LENGTH} characters of 0-9, A-Z, a-z, '_' or '-'`,
        })
        .optional(),
      /** PEM CSR of the claim certificate (its key stays with the factory). No claim certificate is created when unset. */
      claimCsrFile: z.string().min(1).optional(),
      /** Devices send their own CSR (create-from-csr topics) instead of asking IoT to make keys. @default false */
      devicesUseCsr: z.boolean().default(false),
    })
    .prefault({}),
  components: z
    .strictObject({
      /** Version of the docker-compose app component. @default "1.0.0" */
      composeVersion: semver.default("1.0.0"),
      /** Version of the inference component. @default "1.0.0" */
      inferenceVersion: semver.default("1.0.0"),
    })
    .prefault({}),
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
  deployment: z
    .strictObject({
      rollout: z
        .strictObject({
          /** Devices notified per minute at most. @default 50 */
          maximumPerMinute: int(1, 1000).default(50),
          /** Exponential rollout: start slow, speed up as devices succeed. Off unless given. */
          exponential: z
            .strictObject({
              baseRatePerMinute: int(1, 1000),
              incrementFactor: z.number().min(1.1).max(5),
              /** Successful devices before the rate is raised. */
              succeededThings: int(1, 1000),
            })
            .optional(),
        })
        .prefault({}),
      abort: z
        .strictObject({
          /** Cancel the rollout when this share of executed devices failed. @default 10 */
          failureThresholdPercentage: z.number().min(0).max(100).default(10),
          /** Devices that must have run the deployment before the threshold applies. @default 10 */
          minNumberOfExecutedThings: int(1, 10000).default(10),
        })
        .prefault({}),
      /** A device that has not finished after this many minutes times out. @default 60 */
      timeoutMinutes: int(1, 10080).default(60),
      /** How long components may delay an update (NOTIFY_COMPONENTS). @default 60 */
      componentUpdateTimeoutSeconds: int(1, 3600).default(60),
      /** How long components may take to validate a new configuration. @default 30 */
      configurationValidationTimeoutSeconds: int(1, 3600).default(30),
    })
    .prefault({}),
}).superRefine((s, ctx) => {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
  const duplicate = (names: string[], list: string) => {
    const i = names.findIndex((n, k) => names.indexOf(n) !== k);
    if (i >= 0) issue([list, i, "name"], `'${names[i]}' is used twice; names must be unique`);
  };
  duplicate(s.childGroups.map((g) => g.name), "childGroups");
  duplicate(s.devices.map((d) => d.name), "devices");
  const groups = new Set(s.childGroups.map((g) => g.name));
  s.devices.forEach((d, i) => {
    if (d.group !== undefined && !groups.has(d.group)) issue(["devices", i, "group"], `'${d.group}' is not one of edgeFleet.childGroups`);
    if (d.csrFile === undefined && !s.allowGeneratedKeys) issue(["devices", i, "csrFile"], "is required unless edgeFleet.allowGeneratedKeys is true");
    if (d.csrFile === undefined && d.name.length > 64) issue(["devices", i, "name"], "must be at most 64 characters for a generated key (X.509 common name limit)");
  });
  const e = s.deployment.rollout.exponential;
  if (e && Math.round(e.incrementFactor * 10) !== e.incrementFactor * 10) {
    issue(["deployment", "rollout", "exponential", "incrementFactor"], "may have at most one decimal (IoT jobs' rule), e.g. 1.5");
  }
  const t = s.deployment.abort.failureThresholdPercentage;
  if (Math.round(t * 100) !== t * 100) issue(["deployment", "abort", "failureThresholdPercentage"], "may have at most two decimals (IoT jobs' rule)");
  if (s.provisioning.enabled && s.provisioning.templateName === undefined && (s.rootGroupName ?? "").length > 30) {
    issue(["rootGroupName"], "must be at most 30 characters when provisioning is on without provisioning.templateName (the template is named <rootGroupName>-fleet, at most 36)");
  }
  if (e && e.baseRatePerMinute > s.deployment.rollout.maximumPerMinute) {
    issue(["deployment", "rollout", "exponential", "baseRatePerMinute"], "must be <= rollout.maximumPerMinute");
  }
});

/** An EdgeFleet's settings as given (defaults optional). */
export type EdgeFleetSettingsInput = z.input<typeof edgeFleetSettings>;
/** An EdgeFleet's settings with every default applied. */
export type EdgeFleetSettings = z.output<typeof edgeFleetSettings>;
