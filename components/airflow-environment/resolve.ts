// An AirflowEnvironment's args: its settings (args.ts, the schema the stack config shares) plus the wiring it takes from
// the stack, the network and the training workflow, resolved into the one plain object the builders read. Every bad
// arg fails here as an ArgError naming it, synchronously and before anything is registered: the settings by the
// schema, the wiring by the rules below, the source folder by reading it. What only shows once an Output resolves
// (subnets or a state machine ARN handed over by another component) is checked where it is read, with the same words,
// as a ResourceError.
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { AWS_REGION } from "../../contracts/patterns";
import { argError, ArgError, resolveArgs, resourceError } from "../args";
import { observabilitySettings } from "../observability/args";
import type { MonitoringArgs } from "../observability/contract";
import { airflowSettings, type AirflowSettingsInput } from "./args";
import { MWAA_ENVIRONMENT_NAME, MWAA_SUBNETS } from "./mwaa";
import { executionsOf } from "./policy";
import { collectAirflowSources } from "./sources";

const COMPONENT = "AirflowEnvironment";

/** What an enabled environment is wired to: the network, and the training workflow's bucket, feature group and pipeline. */
export interface EnvironmentWiring {
  /** VPC of the environment's security group. */
  readonly vpcId: pulumi.Input<string>;
  /**
   * Private subnets, one per availability zone in zone order (the shared network's `privateSubnetIds`): MWAA runs in
   * exactly 2 (CreateEnvironment `SubnetIds`), so the first two are used, which lie in different zones. At least 2.
   */
  readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Data bucket of the training workflow, which the DAG watches (its name, for the DAG's settings). */
  readonly dataBucketName: pulumi.Input<string>;
  /** The data bucket's ARN, for the execution role. */
  readonly dataBucketArn: pulumi.Input<string>;
  /** Customer-managed KMS key of the data bucket, if it has one. @default none (SSE-S3 or an AWS-managed key) */
  readonly dataKmsKeyArn?: pulumi.Input<string>;
  /** Feature group the DAG writes new rows to. */
  readonly featureGroupName: pulumi.Input<string>;
  /** The feature group's ARN, for the execution role. */
  readonly featureGroupArn: pulumi.Input<string>;
  /** Training state machine the DAG starts and follows. */
  readonly stateMachineArn: pulumi.Input<string>;
}

/** What an AirflowEnvironment takes from the rest of the stack. */
export interface AirflowEnvironmentWiring extends Partial<EnvironmentWiring> {
  /** Region of the stack (the provider's region): ARNs in the execution role policy, the monthly cost estimate. */
  readonly region: string;
  /** The Pulumi project's name: the start of the default `environmentName`. */
  readonly project: string;
  /** The stack's name: the middle of the default `environmentName`. */
  readonly stack: string;
  /**
   * Protect the DAG bucket from deletion; when false the bucket is also force-destroyable (it holds only copies of
   * `airflow/`). The stack's `protect`. @default false
   */
  readonly protect?: boolean;
  /**
   * The stack's alarm topic and thresholds: with it an enabled environment alarms on a missing scheduler heartbeat and
   * on a queued-task backlog. @default undefined (no alarms; an enabled environment still has its dashboard widgets)
   */
  readonly monitoring?: MonitoringArgs;
}

/**
 * An AirflowEnvironment's args: its settings (args.ts) and its wiring. Every field of EnvironmentWiring (except
 * `dataKmsKeyArn`) is required when `enabled` is true, and unused otherwise.
 */
export interface AirflowEnvironmentArgs extends AirflowSettingsInput, AirflowEnvironmentWiring {}

/** The plain wiring values, checked like settings. Thresholds are judged by the stack config's own schema. */
const wiringSchema = z.object({
  region: z.string().regex(AWS_REGION, "must be an AWS region such as eu-west-1"),
  project: z.string().min(1),
  stack: z.string().min(1),
  protect: z.boolean().default(false),
  monitoring: z.object({ thresholds: observabilitySettings.shape.alarms }).optional(),
});

/** The schema's own keys: a transform sits on top of it, so resolveArgs is handed only these (the rest is wiring). */
const SETTING_KEYS: readonly string[] = Object.keys(airflowSettings.in.shape);
const REQUIRED_WHEN_ENABLED = ["vpcId", "privateSubnetIds", "dataBucketName", "dataBucketArn", "featureGroupName", "featureGroupArn", "stateMachineArn"] as const;

/**
 * The settings an AirflowEnvironment named `name` is built from, defaults applied; `environment` holds the wiring
 * of an enabled environment and is undefined for a disabled one. @throws ArgError naming the first bad arg.
 */
export function resolveAirflowEnvironmentArgs(name: string, args: AirflowEnvironmentArgs) {
  const settings = resolveArgs(COMPONENT, airflowSettings, Object.fromEntries(Object.entries(args).filter(([key]) => SETTING_KEYS.includes(key))));
  const wiring = resolveArgs(COMPONENT, wiringSchema, args);
  const environmentName = settings.environmentName ?? defaultEnvironmentName(wiring.project, wiring.stack, name);
  const monitoring = args.monitoring && wiring.monitoring && { alarmTopicArn: args.monitoring.alarmTopicArn, thresholds: wiring.monitoring.thresholds };
  return {
    ...settings,
    environmentName,
    region: wiring.region,
    protect: wiring.protect,
    monitoring,
    sources: collectAirflowSources(settings.sourceDir),
    environment: settings.enabled ? environmentWiring(args) : undefined,
  };
}

export type AirflowEnvironmentSettings = ReturnType<typeof resolveAirflowEnvironmentArgs>;

function defaultEnvironmentName(project: string, stack: string, name: string): string {
  const environmentName = `${project}-${stack}-${name}`;
  if (!MWAA_ENVIRONMENT_NAME.test(environmentName)) {
    argError(COMPONENT, "environmentName", `the default '${environmentName}' (<project>-<stack>-<component name>) is not an MWAA name (a letter, then up to 79 letters, digits, '-' or '_'); set environmentName`);
  }
  return environmentName;
}

/** The wiring of an enabled environment, each part present; plain values are checked now, Outputs when they resolve. */
function environmentWiring(args: AirflowEnvironmentArgs): EnvironmentWiring {
  const missing = REQUIRED_WHEN_ENABLED.find((key) => args[key] === undefined);
  if (missing) argError(COMPONENT, missing, "is required when enabled is true");
  const w = args as AirflowEnvironmentArgs & EnvironmentWiring;
  const ids = w.privateSubnetIds;
  if (Array.isArray(ids) && ids.every((id) => typeof id === "string")) environmentSubnets(ids as string[]);
  if (typeof w.stateMachineArn === "string") executionsOf(w.stateMachineArn);
  return {
    vpcId: w.vpcId,
    privateSubnetIds: w.privateSubnetIds,
    dataBucketName: w.dataBucketName,
    dataBucketArn: w.dataBucketArn,
    dataKmsKeyArn: w.dataKmsKeyArn,
    featureGroupName: w.featureGroupName,
    featureGroupArn: w.featureGroupArn,
    stateMachineArn: w.stateMachineArn,
  };
}

/**
 * The two subnets the environment runs in: the first two of `privateSubnetIds`. The shared network lists one private
 * subnet per availability zone, in zone order, so these are in different zones as MWAA requires.
 * @throws ArgError naming `privateSubnetIds` when fewer than two different subnets are given.
 */
export function environmentSubnets(privateSubnetIds: readonly string[]): [string, string] {
  const [first, second] = privateSubnetIds;
  if (privateSubnetIds.length < MWAA_SUBNETS || first === second) {
    argError(COMPONENT, "privateSubnetIds", `must hold at least 2 different private subnets in different availability zones, got ${JSON.stringify(privateSubnetIds)}`);
  }
  return [first, second];
}

/** Runs a check on values an Output resolved to, inside `apply`: its ArgError becomes a ResourceError of `resource`. */
export function checkResolved<T>(resource: pulumi.Resource, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof ArgError) throw resourceError(e.component, e.arg, e.problem, resource);
    throw e;
  }
}
