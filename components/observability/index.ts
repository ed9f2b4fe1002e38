// Observability of a stack: where alarms go (Notifications: one encrypted SNS topic with the stack's email and HTTPS
// subscribers) and what people look at (Dashboard: one CloudWatch dashboard assembled from the widget lists the
// components contribute). The alarms themselves belong to the components that own the watched resources; they follow
// the contract in ./contract.ts.
//
// Encryption of the topic: CloudWatch alarms and EventBridge rules cannot publish to a topic encrypted with the AWS
// managed key `alias/aws/sns` (its key policy cannot be changed to admit them; the notifications are dropped without
// an error). The topic is therefore encrypted with a customer-managed key whose policy lets those two services use
// it, or with a key the caller brings and whose policy already does.
import { createHash } from "node:crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { POLICY_VERSION, type PolicyDocument } from "../iam";
import { dashboardBody, type Widget } from "./widgets";

export * from "./contract";
export * from "./widgets";
export * from "./drift";
export { createAlarm, validateAlarmSpec, type AlarmQuery, type AlarmSpec, type ComparisonOperator, type TreatMissingData } from "./alarms";

/** Services that publish to the alarm topic: CloudWatch alarms and EventBridge rules. */
export const PUBLISHING_SERVICES = ["cloudwatch.amazonaws.com", "events.amazonaws.com"] as const;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const KMS_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+$/;
const DASHBOARD_NAME = /^[A-Za-z0-9_-]{1,255}$/;

export interface NotificationsArgs {
  /** Email addresses subscribed to the topic; each confirms by the email SNS sends. @default [] */
  readonly emails?: readonly string[];
  /** HTTPS endpoints (chat webhooks, incident tools) subscribed to the topic; each confirms the subscription. @default [] */
  readonly httpsEndpoints?: readonly string[];
  /**
   * Customer-managed KMS key (key or alias ARN) that encrypts the topic. Its key policy must let
   * cloudwatch.amazonaws.com and events.amazonaws.com use kms:Decrypt and kms:GenerateDataKey*.
   * @default a key the component creates, with that policy and yearly rotation
   */
  readonly kmsKeyArn?: pulumi.Input<string>;
  /** Display name of the topic (the sender name of emails). @default "edge-mlops <stack> alarms" */
  readonly displayName?: string;
}

function fail(component: string, problem: string): never {
  throw new Error(`${component}: ${problem}`);
}

/** Resource name suffix of a subscription: stable when the list is reordered. */
export function subscriptionSuffix(endpoint: string): string {
  return createHash("sha256").update(endpoint).digest("hex").slice(0, 8);
}

/** The settings Notifications is built from, defaults applied. Throws on impossible args, naming the arg. */
export function resolveNotificationsArgs(args: NotificationsArgs) {
  const emails = [...(args.emails ?? [])];
  const httpsEndpoints = [...(args.httpsEndpoints ?? [])];
  emails.forEach((e, i) => {
    if (typeof e !== "string" || !EMAIL.test(e)) fail("Notifications", `emails[${i}] '${e}' is not an email address`);
  });
  httpsEndpoints.forEach((u, i) => {
    let url: URL | undefined;
    try {
      url = new URL(u);
    } catch {
      url = undefined;
    }
    if (!url || url.protocol !== "https:" || !url.hostname) fail("Notifications", `httpsEndpoints[${i}] '${u}' is not an https:// URL`);
  });
  for (const [arg, list] of [["emails", emails.map((e) => e.toLowerCase())], ["httpsEndpoints", httpsEndpoints]] as const) {
    const dup = list.findIndex((v, i) => list.indexOf(v) !== i);
    if (dup >= 0) fail("Notifications", `${arg}[${dup}] '${list[dup]}' is listed twice`);
  }
  if (typeof args.kmsKeyArn === "string" && !KMS_ARN.test(args.kmsKeyArn)) {
    fail("Notifications", `kmsKeyArn '${args.kmsKeyArn}' must be a KMS key or alias ARN (a customer-managed key; alias/aws/sns cannot serve alarms)`);
  }
  if (args.displayName !== undefined && (args.displayName.length === 0 || args.displayName.length > 100)) {
    fail("Notifications", `displayName must be 1 to 100 characters, got ${args.displayName.length}`);
  }
  return { emails, httpsEndpoints, kmsKeyArn: args.kmsKeyArn, displayName: args.displayName };
}

/**
 * Key policy of the topic's key: the account administers it through IAM (the statement AWS puts on every new key;
 * without it nobody could manage the key), and CloudWatch alarms and EventBridge may use it to encrypt what they
 * publish. CloudWatch's use is scoped with aws:SourceAccount; EventBridge's request to KMS does not carry that key, so
 * a condition there would drop every event.
 */
export function topicKeyPolicy(partition: string, accountId: string): PolicyDocument {
  const use = ["kms:Decrypt", "kms:GenerateDataKey*"];
  return {
    Version: POLICY_VERSION,
    Statement: [
      { Sid: "AccountAdministersKeyThroughIam", Effect: "Allow", Principal: { AWS: `arn:${partition}:iam::${accountId}:root` }, Action: "kms:*", Resource: "*" },
      {
        Sid: "CloudWatchAlarmsEncrypt",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: use,
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      },
      { Sid: "EventBridgeRulesEncrypt", Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: use, Resource: "*" },
    ],
  };
}

/** Topic policy: CloudWatch alarms and EventBridge rules of this account may publish, and only over TLS. */
export function alarmTopicPolicy(topicArn: string, accountId: string): PolicyDocument {
  return {
    Version: POLICY_VERSION,
    Statement: [
      {
        Sid: "AlarmsAndRulesOfThisAccountPublish",
        Effect: "Allow",
        Principal: { Service: [...PUBLISHING_SERVICES] },
        Action: "sns:Publish",
        Resource: topicArn,
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      },
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "sns:Publish",
        Resource: topicArn,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
}

/** The stack's alarm topic and its subscribers. */
export class Notifications extends pulumi.ComponentResource {
  public readonly topic: aws.sns.Topic;
  /** Give this to every component's `monitoring.alarmTopicArn` and to event rule targets. */
  public readonly topicArn: pulumi.Output<string>;
  /** The key the component created, when no `kmsKeyArn` was given. */
  public readonly kmsKey?: aws.kms.Key;
  /** The key encrypting the topic; whoever publishes needs kms:GenerateDataKey* and kms:Decrypt on it. */
  public readonly kmsKeyArn: pulumi.Output<string>;
  public readonly subscriptions: aws.sns.TopicSubscription[];

  constructor(name: string, args: NotificationsArgs, opts?: pulumi.ComponentResourceOptions) {
    const s = resolveNotificationsArgs(args);
    super("edge-mlops:observability:Notifications", name, {}, opts);
    const parent = { parent: this };
    const partition = aws.getPartitionOutput({}, parent).partition;
    const accountId = aws.getCallerIdentityOutput({}, parent).accountId;

    if (s.kmsKeyArn === undefined) {
      this.kmsKey = new aws.kms.Key(
        `${name}-alarms-key`,
        {
          description: `Encrypts the alarm topic of ${name}; usable by CloudWatch alarms and EventBridge rules`,
          enableKeyRotation: true,
          deletionWindowInDays: 30,
          policy: pulumi.all([partition, accountId]).apply(([p, a]) => JSON.stringify(topicKeyPolicy(p, a))),
        },
        parent,
      );
      this.kmsKeyArn = this.kmsKey.arn;
    } else {
      this.kmsKeyArn = pulumi.output(s.kmsKeyArn);
    }

    this.topic = new aws.sns.Topic(
      `${name}-alarms`,
      { displayName: s.displayName ?? `edge-mlops ${pulumi.getStack()} alarms`, kmsMasterKeyId: this.kmsKeyArn },
      parent,
    );
    this.topicArn = this.topic.arn;
    new aws.sns.TopicPolicy(
      `${name}-alarms-policy`,
      { arn: this.topic.arn, policy: pulumi.all([this.topic.arn, accountId]).apply(([arn, a]) => JSON.stringify(alarmTopicPolicy(arn, a))) },
      parent,
    );

    this.subscriptions = [
      ...s.emails.map(
        (email) =>
          new aws.sns.TopicSubscription(`${name}-email-${subscriptionSuffix(email)}`, { topic: this.topic.arn, protocol: "email", endpoint: email }, parent),
      ),
      ...s.httpsEndpoints.map(
        (url) =>
          new aws.sns.TopicSubscription(
            `${name}-https-${subscriptionSuffix(url)}`,
            { topic: this.topic.arn, protocol: "https", endpoint: url, endpointAutoConfirms: false },
            parent,
          ),
      ),
    ];

    this.registerOutputs({ topicArn: this.topicArn, kmsKeyArn: this.kmsKeyArn });
  }
}

export interface DashboardArgs {
  /**
   * Widget lists contributed by components (each component's `widgets`), in the order they appear. Each list starts
   * on a new row; empty lists take no space.
   */
  readonly sections: readonly pulumi.Input<Widget[]>[];
  /** Region of the metrics (filled into metric and log widgets that name none) and of the console link. */
  readonly region: string;
  /** @default "<project>-<stack>" */
  readonly dashboardName?: string;
  /** Time range when the dashboard opens (ISO 8601 duration before now). @default "-PT3H" */
  readonly start?: string;
  /** "inherit" keeps each graph's period, "auto" adapts periods to the time range. @default "inherit" */
  readonly periodOverride?: "auto" | "inherit";
}

/** The settings a Dashboard is built from, defaults applied. Throws on impossible args, naming the arg. */
export function resolveDashboardArgs(args: DashboardArgs, defaultName: string) {
  const dashboardName = args.dashboardName ?? defaultName;
  if (!DASHBOARD_NAME.test(dashboardName)) fail("Dashboard", `dashboardName '${dashboardName}' must be 1-255 characters of A-Z, a-z, 0-9, '-' and '_'`);
  if (!/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/.test(args.region ?? "")) fail("Dashboard", `region '${args.region}' is not an AWS region name such as eu-west-1`);
  const start = args.start ?? "-PT3H";
  if (!/^-P(\d+[WD])?(T(\d+H)?(\d+M)?)?$/.test(start) || start === "-P" || start.endsWith("T")) {
    fail("Dashboard", `start '${start}' must be a negative ISO 8601 duration such as -PT3H or -P7D`);
  }
  const periodOverride = args.periodOverride ?? "inherit";
  if (periodOverride !== "auto" && periodOverride !== "inherit") fail("Dashboard", `periodOverride '${String(periodOverride)}' must be auto or inherit`);
  return { dashboardName, region: args.region, start, periodOverride };
}

/** One CloudWatch dashboard per stack; its body is laid out from the contributed sections when they resolve. */
export class Dashboard extends pulumi.ComponentResource {
  public readonly dashboard: aws.cloudwatch.Dashboard;
  public readonly dashboardName: string;
  /** The body as sent to CloudWatch (JSON). */
  public readonly body: pulumi.Output<string>;
  /** Console link to the dashboard. */
  public readonly url: string;

  constructor(name: string, args: DashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    const s = resolveDashboardArgs(args, `${pulumi.getProject()}-${pulumi.getStack()}`);
    super("edge-mlops:observability:Dashboard", name, {}, opts);
    this.dashboardName = s.dashboardName;
    this.body = pulumi.all(args.sections.map((section) => pulumi.output(section))).apply((sections) => {
      try {
        return JSON.stringify(dashboardBody(sections as Widget[][], { region: s.region, start: s.start, periodOverride: s.periodOverride }));
      } catch (e) {
        throw new pulumi.ResourceError(`Dashboard: ${(e as Error).message}`, this);
      }
    });
    this.dashboard = new aws.cloudwatch.Dashboard(`${name}-dashboard`, { dashboardName: s.dashboardName, dashboardBody: this.body }, { parent: this });
    this.url = `https://${s.region}.console.aws.amazon.com/cloudwatch/home?region=${s.region}#dashboards/dashboard/${s.dashboardName}`;
    this.registerOutputs({ dashboardName: this.dashboardName, url: this.url });
  }
}
