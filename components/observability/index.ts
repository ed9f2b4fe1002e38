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
import * as pulumi from "@pulumi/pulumi";
import { resolveArgs } from "../args";
import { POLICY_VERSION, type PolicyDocument } from "../iam";
import { dashboardSettings, notificationSettings, type DashboardSettingsInput, type NotificationSettingsInput } from "./args";
import { dashboardBody, type Widget } from "./widgets";
import { getPartitionOutput } from "@pulumi/aws/getPartition";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import * as sns from "@pulumi/aws/sns";
import * as awsKms from "@pulumi/aws/kms";
import * as cloudwatch from "@pulumi/aws/cloudwatch";

export * from "./contract";
export * from "./widgets";
export * from "./drift";
export { createAlarm, validateAlarmSpec, type AlarmQuery, type AlarmSpec, type ComparisonOperator, type TreatMissingData } from "./alarms";

/** Services that publish to the alarm topic: CloudWatch alarms and EventBridge rules. */
export const PUBLISHING_SERVICES = ["cloudwatch.amazonaws.com", "events.amazonaws.com"] as const;

/**
 * Notifications' args: its settings (components/observability/args.ts), the key ARN also as an Output, and each
 * recipient also as an Output: a secret from the stack config (`pulumi.secret`), which stays encrypted in the state.
 */
export interface NotificationsArgs extends Omit<NotificationSettingsInput, "kmsKeyArn" | "emails" | "httpsEndpoints"> {
  /** See `notificationSettings.kmsKeyArn`; an Output is taken as it is (checked when it is a plain string). */
  readonly kmsKeyArn?: pulumi.Input<string>;
  /** See `notificationSettings.emails`; an Output is taken as it is, plain strings are checked. @default [] */
  readonly emails?: readonly pulumi.Input<string>[];
  /** See `notificationSettings.httpsEndpoints`; an Output is taken as it is, plain strings are checked. @default [] */
  readonly httpsEndpoints?: readonly pulumi.Input<string>[];
}

/** Resource name suffix of a subscription: stable when the list is reordered. */
export function subscriptionSuffix(endpoint: string): string {
  return createHash("sha256").update(endpoint).digest("hex").slice(0, 8);
}

/**
 * The settings Notifications is built from, defaults applied; recipients given as Outputs (secrets) keep their place
 * in their list and are not checked here (the stack config checked them before they became secrets).
 * @throws ArgError naming the first bad arg.
 */
export function resolveNotificationsArgs(args: NotificationsArgs) {
  const { kmsKeyArn, emails = [], httpsEndpoints = [], ...settings } = args;
  const plain = (list: readonly pulumi.Input<string>[]) => list.filter((v): v is string => typeof v === "string");
  const resolved = resolveArgs("Notifications", notificationSettings, {
    ...settings,
    ...(typeof kmsKeyArn === "string" ? { kmsKeyArn } : {}),
    ...(args.emails ? { emails: plain(emails) } : {}),
    ...(args.httpsEndpoints ? { httpsEndpoints: plain(httpsEndpoints) } : {}),
  });
  return { ...resolved, emails: [...emails], httpsEndpoints: [...httpsEndpoints], kmsKeyArn };
}

/**
 * Resource name suffix of a subscription: the hash of its endpoint (stable when the list is reordered), or, for a
 * secret one, `secret-<position>` (nothing derived from a secret goes into a name, which the state keeps in plain text).
 */
function subscriptionName(endpoint: pulumi.Input<string>, index: number): string {
  return typeof endpoint === "string" ? subscriptionSuffix(endpoint) : `secret-${index}`;
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
  public readonly topic: sns.Topic;
  /** Give this to every component's `monitoring.alarmTopicArn` and to event rule targets. */
  public readonly topicArn: pulumi.Output<string>;
  /** The key the component created, when no `kmsKeyArn` was given. */
  public readonly kmsKey?: awsKms.Key;
  /** The key encrypting the topic; whoever publishes needs kms:GenerateDataKey* and kms:Decrypt on it. */
  public readonly kmsKeyArn: pulumi.Output<string>;
  public readonly subscriptions: sns.TopicSubscription[];

  constructor(name: string, args: NotificationsArgs, opts?: pulumi.ComponentResourceOptions) {
    const s = resolveNotificationsArgs(args);
    super("edge-mlops:observability:Notifications", name, {}, opts);
    const parent = { parent: this };
    const partition = getPartitionOutput({}, parent).partition;
    const accountId = getCallerIdentityOutput({}, parent).accountId;

    if (s.kmsKeyArn === undefined) {
      this.kmsKey = new awsKms.Key(
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

    this.topic = new sns.Topic(
      `${name}-alarms`,
      { displayName: s.displayName ?? `edge-mlops ${name} alarms`, kmsMasterKeyId: this.kmsKeyArn },
      parent,
    );
    this.topicArn = this.topic.arn;
    new sns.TopicPolicy(
      `${name}-alarms-policy`,
      { arn: this.topic.arn, policy: pulumi.all([this.topic.arn, accountId]).apply(([arn, a]) => JSON.stringify(alarmTopicPolicy(arn, a))) },
      parent,
    );

    this.subscriptions = [
      ...s.emails.map(
        (email, i) =>
          new sns.TopicSubscription(`${name}-email-${subscriptionName(email, i)}`, { topic: this.topic.arn, protocol: "email", endpoint: email }, parent),
      ),
      ...s.httpsEndpoints.map(
        (url, i) =>
          new sns.TopicSubscription(
            `${name}-https-${subscriptionName(url, i)}`,
            { topic: this.topic.arn, protocol: "https", endpoint: url, endpointAutoConfirms: false },
            parent,
          ),
      ),
    ];

    this.registerOutputs({ topicArn: this.topicArn, kmsKeyArn: this.kmsKeyArn });
  }
}

export interface DashboardArgs extends DashboardSettingsInput {
  /**
   * Widget lists contributed by components (each component's `widgets`), in the order they appear. Each list starts
   * on a new row; empty lists take no space.
   */
  readonly sections: readonly pulumi.Input<Widget[]>[];
}

/** The settings a Dashboard is built from, defaults applied. @throws ArgError naming the first bad arg. */
export function resolveDashboardArgs(args: DashboardArgs, defaultName: string) {
  const s = resolveArgs("Dashboard", dashboardSettings, args);
  return { ...s, dashboardName: s.dashboardName ?? defaultName };
}

/** One CloudWatch dashboard per stack; its body is laid out from the contributed sections when they resolve. */
export class Dashboard extends pulumi.ComponentResource {
  public readonly dashboard: cloudwatch.Dashboard;
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
    this.dashboard = new cloudwatch.Dashboard(`${name}-dashboard`, { dashboardName: s.dashboardName, dashboardBody: this.body }, { parent: this });
    this.url = `https://${s.region}.console.aws.amazon.com/cloudwatch/home?region=${s.region}#dashboards/dashboard/${s.dashboardName}`;
    this.registerOutputs({ dashboardName: this.dashboardName, url: this.url });
  }
}
