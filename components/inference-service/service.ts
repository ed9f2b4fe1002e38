// The ECS side of the inference service: its cluster (Container Insights on), the Fargate service in private subnets
// without public IPs, and the two security groups that fence the traffic.
//
// Network: the tasks' group admits only the load balancer's group, on the container port. Their egress is HTTPS (443)
// to anywhere and nothing else: every call a task makes (ECR, the S3 layer storage behind it, CloudWatch Logs, the
// model in S3 through the VPC's gateway endpoint) is HTTPS, and DNS goes to the VPC resolver, which security groups do
// not filter. The load balancer's group admits port 80 (and 443 with a certificate) from
// `loadBalancer.ingressCidrBlocks` and may send only to the tasks' group on the container port. Every rule is its own
// resource (no inline rules), so a change to one never rewrites the others.
import * as pulumi from "@pulumi/pulumi";
import type { InferenceServiceSettings } from "./resolve";
import { CONTAINER_NAME } from "./task-definition";
import * as ec2 from "@pulumi/aws/ec2";
import * as vpc from "@pulumi/aws/vpc";
import * as ecs from "@pulumi/aws/ecs";
import * as awsLb from "@pulumi/aws/lb";

export interface InferenceSecurityGroups {
  readonly loadBalancer: ec2.SecurityGroup;
  readonly tasks: ec2.SecurityGroup;
}

/** Registers `<name>-lb-sg`, `<name>-tasks-sg` and their rules under `parent`. */
export function securityGroups(
  parent: pulumi.Resource,
  name: string,
  s: Pick<InferenceServiceSettings, "containerPort" | "loadBalancer">,
  vpcId: pulumi.Input<string>,
): InferenceSecurityGroups {
  const opts = { parent };
  const lb = new ec2.SecurityGroup(
    `${name}-lb-sg`,
    { vpcId, description: "Inference load balancer: listeners in, container port to the tasks out", revokeRulesOnDelete: true },
    opts,
  );
  const tasks = new ec2.SecurityGroup(
    `${name}-tasks-sg`,
    { vpcId, description: "Inference tasks: container port from the load balancer only, HTTPS out", revokeRulesOnDelete: true },
    opts,
  );
  const port = { ipProtocol: "tcp", fromPort: s.containerPort, toPort: s.containerPort };
  for (const listener of s.loadBalancer.certificateArn !== undefined ? [80, 443] : [80]) {
    s.loadBalancer.ingressCidrBlocks.forEach((cidr, i) => {
      new vpc.SecurityGroupIngressRule(
        `${name}-lb-in-${listener}-${i}`,
        { securityGroupId: lb.id, ipProtocol: "tcp", fromPort: listener, toPort: listener, cidrIpv4: cidr, description: `listener ${listener}` },
        opts,
      );
    });
  }
  new vpc.SecurityGroupEgressRule(
    `${name}-lb-out-tasks`,
    { securityGroupId: lb.id, ...port, referencedSecurityGroupId: tasks.id, description: "requests and health checks to the tasks" },
    opts,
  );
  new vpc.SecurityGroupIngressRule(
    `${name}-tasks-in-lb`,
    { securityGroupId: tasks.id, ...port, referencedSecurityGroupId: lb.id, description: "container port from the load balancer only" },
    opts,
  );
  new vpc.SecurityGroupEgressRule(
    `${name}-tasks-out-https`,
    { securityGroupId: tasks.id, ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0", description: "HTTPS to ECR, S3 and CloudWatch Logs" },
    opts,
  );
  return { loadBalancer: lb, tasks };
}

export interface FargateService {
  readonly cluster: ecs.Cluster;
  readonly service: ecs.Service;
}

/**
 * Registers `<name>-cluster` and `<name>-service` under `parent`. The service starts only once `dependsOn` exist (the
 * listeners, so that its target group is attached to the load balancer, and the execution role's policy), rolls back
 * a failed deployment, and leaves its task count to autoscaling after creation.
 *
 * `waitForSteadyState: true`: `pulumi up` returns only once the service is stable (the provider's
 * `aws ecs wait services-stable`: one deployment, running count = desired), and fails if that takes longer than the
 * provider's timeout (20 minutes for create and update), so nothing after the update starts while tasks are still
 * being replaced. It does not prove the new task definition runs: when the deployment circuit breaker rolls a failed
 * deployment back, the service becomes stable again on the previous task definition and the update still succeeds
 * (terraform-provider-aws issues 19519 and 20858). The deploy workflow's gate (scripts/gate.ts) is the real check: the
 * PRIMARY deployment on the task definition this update registered, its rollout COMPLETED.
 */
export function fargateService(
  parent: pulumi.Resource,
  name: string,
  s: Pick<InferenceServiceSettings, "containerInsights" | "desiredCount" | "minHealthyPercent" | "maxPercent" | "healthCheckGracePeriodSeconds" | "containerPort">,
  refs: {
    taskDefinition: ecs.TaskDefinition;
    targetGroup: awsLb.TargetGroup;
    tasksSecurityGroup: ec2.SecurityGroup;
    subnets: pulumi.Input<pulumi.Input<string>[]>;
    dependsOn: pulumi.Resource[];
  },
): FargateService {
  const cluster = new ecs.Cluster(`${name}-cluster`, { settings: [{ name: "containerInsights", value: s.containerInsights }] }, { parent });
  const service = new ecs.Service(
    `${name}-service`,
    {
      cluster: cluster.arn,
      taskDefinition: refs.taskDefinition.arn,
      launchType: "FARGATE",
      platformVersion: "LATEST",
      desiredCount: s.desiredCount,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      deploymentMinimumHealthyPercent: s.minHealthyPercent,
      deploymentMaximumPercent: s.maxPercent,
      healthCheckGracePeriodSeconds: s.healthCheckGracePeriodSeconds,
      networkConfiguration: { subnets: refs.subnets, securityGroups: [refs.tasksSecurityGroup.id], assignPublicIp: false },
      loadBalancers: [{ targetGroupArn: refs.targetGroup.arn, containerName: CONTAINER_NAME, containerPort: s.containerPort }],
      propagateTags: "SERVICE",
      enableEcsManagedTags: true,
      enableExecuteCommand: false,
      waitForSteadyState: true,
    },
    { parent, ignoreChanges: ["desiredCount"], dependsOn: refs.dependsOn },
  );
  return { cluster, service };
}
