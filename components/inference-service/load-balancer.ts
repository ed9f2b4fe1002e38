// The Application Load Balancer in front of the tasks: internet-facing in the public subnets or internal in the
// private ones, invalid header fields dropped, optional deletion protection and access logs, one `ip` target group
// health-checking GET /health, and the listeners.
//
// Routing: the service answers POST /forecast, GET /health and GET /model and replies 404 to anything else, so the
// listeners forward every request to the one target group by their default action; there are no listener rules. With
// a certificate, HTTPS on 443 uses a TLS 1.2+ security policy (elb-security-policies.ts) and HTTP on 80 answers with a
// 301 redirect to it; without one, HTTP on 80 forwards.
import * as pulumi from "@pulumi/pulumi";
import { SecureBucket } from "../secure-bucket";
import { elbLogDeliveryStatements } from "./policies";
import type { InferenceServiceSettings } from "./resolve";
import * as awsLb from "@pulumi/aws/lb";
import * as s3 from "@pulumi/aws/s3";
import * as ec2 from "@pulumi/aws/ec2";
import type * as aws from "@pulumi/aws";

export interface InferenceLoadBalancer {
  readonly loadBalancer: awsLb.LoadBalancer;
  readonly targetGroup: awsLb.TargetGroup;
  readonly listeners: { readonly http: awsLb.Listener; readonly https?: awsLb.Listener };
  /** The access-log bucket, when access logs are on. */
  readonly accessLogBucket?: s3.Bucket;
}

/**
 * Registers `<name>-lb` (after its access-log bucket `<name>-lb-logs`, when logs are on), `<name>-tg`, `<name>-http`
 * and, with a certificate, `<name>-https` under `parent`.
 */
export function loadBalancer(
  parent: pulumi.Resource,
  name: string,
  s: Pick<InferenceServiceSettings, "loadBalancer" | "containerPort" | "protect" | "region">,
  refs: {
    vpcId: pulumi.Input<string>;
    subnets: pulumi.Input<pulumi.Input<string>[]>;
    securityGroup: ec2.SecurityGroup;
    partition: pulumi.Input<string>;
    account: pulumi.Input<string>;
  },
): InferenceLoadBalancer {
  const opts = { parent };
  const settings = s.loadBalancer;
  let accessLogBucket: s3.Bucket | undefined;
  let accessLogs: aws.types.input.lb.LoadBalancerAccessLogs | undefined;
  const dependsOn: pulumi.Resource[] = [];
  if (settings.accessLogs) {
    // ALB access logs support SSE-S3 only. Versioned like every bucket of the platform, so an access log cannot be
    // overwritten unnoticed; old versions leave with the logs' own retention.
    const logs = new SecureBucket(
      `${name}-lb-logs`,
      {
        forceDestroy: false,
        protect: s.protect,
        expirationDays: settings.accessLogRetentionDays,
        noncurrentVersionDays: 1,
        abortIncompleteUploadDays: 1,
        lifecycleRuleId: "expire-access-logs",
        extraStatements: (bucketArn) =>
          pulumi.all([refs.partition, refs.account]).apply(([partition, account]) => elbLogDeliveryStatements({ partition, region: s.region, account, bucketArn })),
        formerParent: parent,
      },
      opts,
    );
    accessLogBucket = logs.bucket;
    // The load balancer checks that it may write to the bucket when logging is turned on: the policy comes first.
    dependsOn.push(logs.policy);
    accessLogs = { bucket: logs.bucketName, enabled: true };
  }
  const lb = new awsLb.LoadBalancer(
    `${name}-lb`,
    {
      loadBalancerType: "application",
      internal: settings.internal,
      subnets: refs.subnets,
      securityGroups: [refs.securityGroup.id],
      dropInvalidHeaderFields: true,
      enableDeletionProtection: settings.deletionProtection,
      idleTimeout: settings.idleTimeoutSeconds,
      ...(accessLogs ? { accessLogs } : {}),
    },
    { parent, dependsOn },
  );
  const targetGroup = new awsLb.TargetGroup(
    `${name}-tg`,
    {
      vpcId: refs.vpcId,
      targetType: "ip",
      protocol: "HTTP",
      port: s.containerPort,
      deregistrationDelay: settings.deregistrationDelaySeconds,
      healthCheck: { enabled: true, protocol: "HTTP", path: "/health", port: "traffic-port", matcher: "200", interval: 15, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 3 },
    },
    opts,
  );
  const forward = [{ type: "forward", targetGroupArn: targetGroup.arn }];
  const https = settings.certificateArn !== undefined;
  const http = new awsLb.Listener(
    `${name}-http`,
    {
      loadBalancerArn: lb.arn,
      port: 80,
      protocol: "HTTP",
      defaultActions: https ? [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }] : forward,
    },
    opts,
  );
  const listeners = https
    ? {
        http,
        https: new awsLb.Listener(
          `${name}-https`,
          { loadBalancerArn: lb.arn, port: 443, protocol: "HTTPS", certificateArn: settings.certificateArn, sslPolicy: settings.sslPolicy, defaultActions: forward },
          opts,
        ),
      }
    : { http };
  return { loadBalancer: lb, targetGroup, listeners, ...(accessLogBucket ? { accessLogBucket } : {}) };
}
