// Autoscaling of the inference service: Application Auto Scaling owns the service's desired count between minCount and
// maxCount, by two target-tracking policies, average CPU and ALB requests per task. Either may scale out; the count
// goes in only when both allow it. Out after a minute, in after five, so that a burst does not flap the task count.
import * as pulumi from "@pulumi/pulumi";
import type { InferenceServiceSettings } from "./resolve";
import * as appautoscaling from "@pulumi/aws/appautoscaling";
import type * as aws from "@pulumi/aws";

const SCALE_OUT_COOLDOWN_SECONDS = 60;
const SCALE_IN_COOLDOWN_SECONDS = 300;

/** Registers `<name>-scaling`, `<name>-scale-cpu` and `<name>-scale-requests` under `parent`; returns the scalable target. */
export function autoscaling(
  parent: pulumi.Resource,
  name: string,
  s: Pick<InferenceServiceSettings, "minCount" | "maxCount" | "cpuTargetPercent" | "requestsPerTarget">,
  refs: { clusterName: pulumi.Input<string>; serviceName: pulumi.Input<string>; loadBalancerArnSuffix: pulumi.Input<string>; targetGroupArnSuffix: pulumi.Input<string> },
): appautoscaling.Target {
  const opts = { parent };
  const target = new appautoscaling.Target(
    `${name}-scaling`,
    {
      serviceNamespace: "ecs",
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: pulumi.interpolate`service/${refs.clusterName}/${refs.serviceName}`,
      minCapacity: s.minCount,
      maxCapacity: s.maxCount,
    },
    opts,
  );
  const tracking = (predefinedMetricSpecification: aws.types.input.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification, targetValue: number) => ({
    serviceNamespace: target.serviceNamespace,
    scalableDimension: target.scalableDimension,
    resourceId: target.resourceId,
    policyType: "TargetTrackingScaling",
    targetTrackingScalingPolicyConfiguration: {
      predefinedMetricSpecification,
      targetValue,
      scaleOutCooldown: SCALE_OUT_COOLDOWN_SECONDS,
      scaleInCooldown: SCALE_IN_COOLDOWN_SECONDS,
    },
  });
  new appautoscaling.Policy(`${name}-scale-cpu`, tracking({ predefinedMetricType: "ECSServiceAverageCPUUtilization" }, s.cpuTargetPercent), opts);
  new appautoscaling.Policy(
    `${name}-scale-requests`,
    tracking(
      { predefinedMetricType: "ALBRequestCountPerTarget", resourceLabel: pulumi.interpolate`${refs.loadBalancerArnSuffix}/${refs.targetGroupArnSuffix}` },
      s.requestsPerTarget,
    ),
    opts,
  );
  return target;
}
