// Edge cases of the container, load balancer, Lambda, Step Functions and MWAA rules.
import { describe, expect, it } from "vitest";
import { evaluate } from "../../policy/engine";
import { ALB_RULES, albDropInvalidHeaders, albHttpsRedirect, albTlsPolicy, isTls12OrLater } from "../../policy/rules/alb";
import { ecrImmutableTags } from "../../policy/rules/ecr";
import { ECS_RULES, ecsContainerInsights, ecsDeploymentCircuitBreaker } from "../../policy/rules/ecs";
import { lambdaLogRetention, lambdaReservedConcurrency } from "../../policy/rules/lambda";
import { mwaaLogging as mwaaLoggingRule, mwaaPrivateWebserver } from "../../policy/rules/mwaa";
import { SFN_RULES, sfnTaskRetryCatch, unguardedTasks } from "../../policy/rules/sfn";
import { UNKNOWN, type CheckedResource, type Rule } from "../../policy/rules/types";
import { CATCH, CERT_ARN, LB_ARN, RETRY, T, container, forward, listener, machine, mwaaLogging, redirectToHttps, res, task, taskDefinition } from "./fixtures";

const messages = (resources: CheckedResource[], rules: readonly Rule[]) => evaluate(resources, "prod", rules).map((v) => v.message);

describe("ECR and ECS", () => {
  it("ECR: the *_WITH_EXCLUSION tag modes do not count as immutable", () => {
    const repo = res(T.repository, "repo", { imageTagMutability: "IMMUTABLE_WITH_EXCLUSION", imageScanningConfiguration: { scanOnPush: true } });
    expect(messages([repo], [ecrImmutableTags])).toEqual([`repository "repo" has imageTagMutability "IMMUTABLE_WITH_EXCLUSION"; it must be "IMMUTABLE"`]);
  });

  it("report each offending container of a task definition, by name", () => {
    const td = taskDefinition([container({ name: "a", readonlyRootFilesystem: false }), container({ name: "b", privileged: true, logConfiguration: {} })]);
    expect(messages([td], ECS_RULES)).toEqual([
      `container "a" of task definition "task" has a writable root filesystem: set readonlyRootFilesystem to true`,
      `container "b" of task definition "task" is privileged: remove privileged or set it to false`,
      `container "b" of task definition "task" has no logConfiguration.logDriver: its logs are lost`,
    ]);
  });

  it("report containerDefinitions that are not a JSON array, and skip unknown ones", () => {
    const notArray = res(T.taskDefinition, "task", { containerDefinitions: JSON.stringify({ name: "x" }) });
    expect(messages([notArray], [ECS_RULES[0]])).toEqual([`containerDefinitions of task definition "task" must be a JSON array`]);
    expect(messages([res(T.taskDefinition, "task", { containerDefinitions: UNKNOWN })], ECS_RULES)).toEqual([]);
  });

  it("report containerDefinitions that are not JSON, and a container that is not an object, by its place", () => {
    expect(messages([res(T.taskDefinition, "task", { containerDefinitions: "[{not json" })], [ECS_RULES[0]])[0]).toMatch(/^containerDefinitions of task definition "task" is not valid JSON/);
    expect(messages([res(T.taskDefinition, "task", { containerDefinitions: JSON.stringify([42]) })], [ECS_RULES[0]])).toEqual([`container 0 of task definition "task" is not an object`]);
  });

  it("Container Insights: only the containerInsights setting counts, every value of it is named, unknown settings are skipped", () => {
    const cluster = (settings: unknown) => messages([res(T.cluster, "c", { settings })], [ecsContainerInsights]);
    expect(cluster([{ name: "other", value: "enabled" }])).toEqual([`cluster "c" has no containerInsights setting: add the setting containerInsights = "enabled"`]);
    expect(cluster([{ name: "containerInsights", value: "disabled" }, { name: "containerInsights", value: "off" }])).toEqual([
      `cluster "c" has containerInsights "disabled", "off": add the setting containerInsights = "enabled"`,
    ]);
    expect(cluster(UNKNOWN)).toEqual([]);
  });

  it("Container Insights: enhanced passes, a missing setting fails, an unknown value is skipped", () => {
    expect(messages([res(T.cluster, "c", { settings: [{ name: "containerInsights", value: "enhanced" }] })], [ecsContainerInsights])).toEqual([]);
    expect(messages([res(T.cluster, "c", {})], [ecsContainerInsights])).toEqual([`cluster "c" has no containerInsights setting: add the setting containerInsights = "enabled"`]);
    expect(messages([res(T.cluster, "c", { settings: [{ name: "containerInsights", value: UNKNOWN }] })], [ecsContainerInsights])).toEqual([]);
  });
});

describe("ECS deployment circuit breaker", () => {
  const service = (inputs: Record<string, unknown>) => res(T.service, "svc", inputs);

  it("reports a missing breaker and a missing rollback separately, each naming what to set", () => {
    expect(messages([service({})], [ecsDeploymentCircuitBreaker])).toEqual([
      `service "svc" has no deployment circuit breaker (deploymentCircuitBreaker.enable unset, so off): a failing deployment would keep launching tasks; set enable: true`,
      `service "svc" does not roll back a failed deployment (deploymentCircuitBreaker.rollback unset, so off): set rollback: true`,
    ]);
    expect(messages([service({ deploymentCircuitBreaker: { enable: false, rollback: true } })], [ecsDeploymentCircuitBreaker])).toEqual([
      `service "svc" has no deployment circuit breaker (deploymentCircuitBreaker.enable false): a failing deployment would keep launching tasks; set enable: true`,
    ]);
  });

  it("judges a service that names the ECS controller as one that names none", () => {
    expect(messages([service({ deploymentController: { type: "ECS" } })], [ecsDeploymentCircuitBreaker])).toEqual(messages([service({})], [ecsDeploymentCircuitBreaker]));
    expect(messages([service({ deploymentController: { type: "ECS" } })], [ecsDeploymentCircuitBreaker])).toHaveLength(2);
  });

  it("leaves CODE_DEPLOY and EXTERNAL deployments to their controller, and skips unknown values", () => {
    for (const type of ["CODE_DEPLOY", "EXTERNAL"]) expect(messages([service({ deploymentController: { type } })], [ecsDeploymentCircuitBreaker])).toEqual([]);
    expect(messages([service({ deploymentController: { type: UNKNOWN } })], [ecsDeploymentCircuitBreaker])).toEqual([]);
    expect(messages([service({ deploymentCircuitBreaker: UNKNOWN })], [ecsDeploymentCircuitBreaker])).toEqual([]);
    expect(messages([service({ deploymentCircuitBreaker: { enable: UNKNOWN, rollback: UNKNOWN } })], [ecsDeploymentCircuitBreaker])).toEqual([]);
  });
});

describe("load balancers", () => {
  it("accept TLS 1.2+ policies only", () => {
    for (const ok of ["ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-3-2021-06", "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04", "ELBSecurityPolicy-TLS-1-2-Ext-2018-06", "ELBSecurityPolicy-FS-1-2-Res-2020-10"]) {
      expect(isTls12OrLater(ok)).toBe(true);
    }
    for (const weak of ["ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-TLS-1-1-2017-01", "ELBSecurityPolicy-TLS13-1-0-2021-06", "ELBSecurityPolicy-FS-1-1-2019-08", "ELBSecurityPolicy-TLS13-1-1-2021-06"]) {
      expect(isTls12OrLater(weak)).toBe(false);
    }
  });

  it("explain that an HTTPS listener without sslPolicy gets the TLS 1.0 default", () => {
    expect(messages([listener("https", { protocol: "HTTPS", certificateArn: CERT_ARN, defaultActions: forward })], [albTlsPolicy])).toEqual([
      `HTTPS listener "https" has no sslPolicy, so it gets ELBSecurityPolicy-2016-08 (TLS 1.0): set a TLS 1.2+ policy such as ELBSecurityPolicy-TLS13-1-2-2021-06`,
    ]);
    expect(messages([listener("http", { protocol: "HTTP", defaultActions: forward })], [albTlsPolicy])).toEqual([]);
  });

  it("HTTPS redirect: a plain HTTP load balancer (no certificate) passes; listeners are grouped per load balancer", () => {
    expect(messages([listener("http", { protocol: "HTTP", defaultActions: forward })], [albHttpsRedirect])).toEqual([]);
    const otherLb = res(T.listener, "other-http", { loadBalancerArn: `${LB_ARN}-other`, protocol: "HTTP", defaultActions: forward });
    const https = listener("https", { protocol: "HTTPS", certificateArn: CERT_ARN, sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06", defaultActions: forward });
    expect(messages([https, otherLb], [albHttpsRedirect])).toEqual([]);
  });

  it("HTTPS redirect: a certificate on an HTTP listener fails; a redirect to HTTP does not count", () => {
    expect(messages([listener("http", { protocol: "HTTP", certificateArn: CERT_ARN, defaultActions: forward })], [albHttpsRedirect])).toEqual([
      `listener "http" has a certificate but protocol HTTP: serve HTTPS on it`,
    ]);
    const https = listener("https", { protocol: "HTTPS", certificateArn: CERT_ARN, defaultActions: forward });
    const toHttp = listener("http", { protocol: "HTTP", defaultActions: [{ type: "redirect", redirect: { protocol: "HTTP", port: "8080" } }] });
    expect(messages([https, toHttp], [albHttpsRedirect])).toHaveLength(1);
    const fine = listener("http", { protocol: "HTTP", defaultActions: redirectToHttps });
    expect(messages([https, fine], [albHttpsRedirect])).toEqual([]);
  });

  it("HTTPS redirect: groups listeners by dependencies when the load balancer ARN is unknown", () => {
    const deps = { propertyDependencies: { loadBalancerArn: ["urn:lb"] } };
    const https = res(T.listener, "https", { loadBalancerArn: UNKNOWN, protocol: "HTTPS", certificateArn: UNKNOWN, defaultActions: forward }, deps);
    const http = res(T.listener, "http", { loadBalancerArn: UNKNOWN, protocol: "HTTP", defaultActions: forward }, deps);
    expect(messages([https, http], [albHttpsRedirect])).toEqual([
      `listener "http" serves plain HTTP on a load balancer with HTTPS listener "https": make its default action a redirect with protocol HTTPS`,
    ]);
    // Without recorded dependencies the two cannot be paired: nothing is reported.
    const bare = [https, http].map((l) => ({ ...l, propertyDependencies: undefined }));
    expect(messages(bare, [albHttpsRedirect])).toEqual([]);
  });

  it("TLS policy: a TLS listener (network load balancer) is judged as HTTPS is, an old policy is named, an unknown one is skipped", () => {
    expect(messages([listener("tls", { protocol: "TLS", port: 443 })], [albTlsPolicy])).toEqual([
      `TLS listener "tls" has no sslPolicy, so it gets ELBSecurityPolicy-2016-08 (TLS 1.0): set a TLS 1.2+ policy such as ELBSecurityPolicy-TLS13-1-2-2021-06`,
    ]);
    expect(messages([listener("https", { protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-2016-08" })], [albTlsPolicy])).toEqual([
      `HTTPS listener "https" uses sslPolicy "ELBSecurityPolicy-2016-08", which allows TLS older than 1.2: use e.g. ELBSecurityPolicy-TLS13-1-2-2021-06`,
    ]);
    expect(messages([listener("https", { protocol: "HTTPS", sslPolicy: UNKNOWN })], [albTlsPolicy])).toEqual([]);
  });

  it("HTTPS redirect: an HTTP listener only redirects to HTTPS: no actions, or a forward beside the redirect, do not count", () => {
    const https = listener("https", { protocol: "HTTPS", certificateArn: CERT_ARN, defaultActions: forward });
    const served = `on a load balancer with HTTPS listener "https": make its default action a redirect with protocol HTTPS`;
    for (const defaultActions of [[], [...redirectToHttps, ...forward]]) {
      expect(messages([https, listener("http", { protocol: "HTTP", defaultActions })], [albHttpsRedirect]), JSON.stringify(defaultActions)).toEqual([`listener "http" serves plain HTTP ${served}`]);
    }
    // No protocol on an application load balancer's listener is HTTP.
    expect(messages([https, listener("default", { defaultActions: forward })], [albHttpsRedirect])).toEqual([`listener "default" serves plain HTTP ${served}`]);
  });

  it("HTTPS redirect: unknown ARNs pair listeners only by the same recorded dependencies, in any order", () => {
    const at = (name: string, protocol: string, deps: string[]) => res(T.listener, name, { loadBalancerArn: UNKNOWN, protocol, defaultActions: forward }, { propertyDependencies: { loadBalancerArn: deps } });
    expect(messages([at("https", "HTTPS", ["urn:lb", "urn:sg"]), at("http", "HTTP", ["urn:sg", "urn:lb"])], [albHttpsRedirect])).toHaveLength(1);
    expect(messages([at("https", "HTTPS", ["urn:lb-1"]), at("http", "HTTP", ["urn:lb-2"])], [albHttpsRedirect])).toEqual([]);
    expect(messages([at("https", "HTTPS", []), at("http", "HTTP", [])], [albHttpsRedirect])).toEqual([]);
  });

  it("drop-invalid-headers: a load balancer without loadBalancerType is an application one, and is judged", () => {
    expect(messages([res(T.loadBalancer, "lb", {})], [albDropInvalidHeaders])).toEqual([`application load balancer "lb" forwards invalid header fields: set dropInvalidHeaderFields to true`]);
    expect(messages([res(T.loadBalancer, "lb", { loadBalancerType: UNKNOWN })], [albDropInvalidHeaders])).toEqual([]);
  });

  it("drop-invalid-headers applies to application load balancers only; unknowns are skipped", () => {
    expect(messages([res(T.loadBalancer, "nlb", { loadBalancerType: "network" })], [albDropInvalidHeaders])).toEqual([]);
    expect(messages([res(T.loadBalancer, "lb", { dropInvalidHeaderFields: UNKNOWN, enableDeletionProtection: UNKNOWN, internal: UNKNOWN })], ALB_RULES)).toEqual([]);
  });
});

describe("Lambda", () => {
  it("reserved concurrency: 0 and fractions fail, unknown passes", () => {
    const fn = (reservedConcurrentExecutions: unknown) => res(T.fn, "fn", { reservedConcurrentExecutions });
    expect(messages([fn(0)], [lambdaReservedConcurrency])).toEqual([`function "fn" has reservedConcurrentExecutions 0: reserve a whole number of at least 1 where the account's quota leaves room`]);
    expect(messages([fn(1.5)], [lambdaReservedConcurrency])).toHaveLength(1);
    expect(messages([fn(undefined)], [lambdaReservedConcurrency])).toEqual([`function "fn" has reservedConcurrentExecutions unset: reserve a whole number of at least 1 where the account's quota leaves room`]);
    expect(messages([fn(UNKNOWN)], [lambdaReservedConcurrency])).toEqual([]);
  });

  describe("log retention", () => {
    const group = (name: string, retentionInDays?: number) => res(T.logGroup, "fn-logs", { namePrefix: name.slice(0, -4), retentionInDays }, { id: name });

    it("follows loggingConfig.logGroup to a group named by its physical id", () => {
      const fn = res(T.fn, "fn", { loggingConfig: { logFormat: "JSON", logGroup: "/edge-mlops/lambda/fn-1a2b" } }, { id: "fn-9f8e7d6" });
      expect(messages([fn, group("/edge-mlops/lambda/fn-1a2b", 7)], [lambdaLogRetention])).toEqual([]);
      expect(messages([fn, group("/edge-mlops/lambda/fn-1a2b")], [lambdaLogRetention])).toEqual([`function "fn" logs to log group "fn-logs", which has no retentionInDays`]);
      expect(messages([fn], [lambdaLogRetention])).toEqual([
        `function "fn" logs to /edge-mlops/lambda/fn-1a2b, which no log group of this stack manages: its logs would never expire`,
      ]);
    });

    it("uses /aws/lambda/<physical name> when no log group is configured", () => {
      const fn = res(T.fn, "fn", {}, { id: "fn-9f8e7d6" });
      expect(messages([fn, res(T.logGroup, "g", { name: "/aws/lambda/fn-9f8e7d6", retentionInDays: 14 })], [lambdaLogRetention])).toEqual([]);
    });

    it("skips what it cannot know, and follows dependencies in preview", () => {
      const unknownGroup = res(T.fn, "fn", { loggingConfig: { logGroup: UNKNOWN } });
      expect(messages([unknownGroup], [lambdaLogRetention])).toEqual([]);
      const g = res(T.logGroup, "g", { namePrefix: "/edge-mlops/lambda/fn-" });
      const viaDeps = { ...unknownGroup, propertyDependencies: { loggingConfig: [g.urn] } };
      expect(messages([viaDeps, g], [lambdaLogRetention])).toEqual([`function "fn" logs to log group "g", which has no retentionInDays`]);
      // A group whose name is not known yet might be the function's group: no finding.
      expect(messages([res(T.fn, "fn", { name: "f" }), g], [lambdaLogRetention])).toEqual([]);
    });
  });
});

describe("Step Functions", () => {
  it("find Task states without Retry or Catch inside Parallel branches and Map iterators", () => {
    const definition = {
      StartAt: "Fan",
      States: {
        Fan: {
          Type: "Parallel",
          Branches: [
            { StartAt: "Ok", States: { Ok: task() } },
            { StartAt: "Bare", States: { Bare: { Type: "Task", Resource: "arn:aws:states:::glue:startJobRun.sync", End: true } } },
          ],
          Retry: RETRY,
          Catch: CATCH,
          Next: "Each",
        },
        Each: {
          Type: "Map",
          ItemProcessor: { ProcessorConfig: { Mode: "INLINE" }, StartAt: "Inner", States: { Inner: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Catch: CATCH, End: true } } },
          Next: "Legacy",
        },
        Legacy: { Type: "Map", Iterator: { StartAt: "Old", States: { Old: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Retry: [], End: true } } }, Next: "Done" },
        Done: { Type: "Succeed" },
        Failed: { Type: "Fail" },
      },
    };
    expect(unguardedTasks(definition)).toEqual([
      "Task state Fan.Branches[1].Bare has no Retry and no Catch",
      "Task state Each.ItemProcessor.Inner has no Retry",
      "Task state Legacy.Iterator.Old has no Retry and no Catch",
    ]);
  });

  it("report a definition without States, or not JSON; skip an unknown one", () => {
    expect(messages([machine({ StartAt: "A" })], [sfnTaskRetryCatch])).toEqual([`state machine "training": definition has no States`]);
    expect(messages([res(T.stateMachine, "m", { definition: "{" })], [sfnTaskRetryCatch])[0]).toMatch(/^definition of state machine "m" is not valid JSON/);
    expect(messages([res(T.stateMachine, "m", { definition: UNKNOWN, loggingConfiguration: UNKNOWN, tracingConfiguration: UNKNOWN })], SFN_RULES)).toEqual([]);
  });

  it("logging: no configuration at all means level OFF and no destination", () => {
    expect(messages([res(T.stateMachine, "m", { definition: JSON.stringify({ StartAt: "A", States: { A: task() } }), tracingConfiguration: { enabled: true } })], SFN_RULES)).toEqual([
      `state machine "m" has logging level unset (OFF): use ALL, ERROR or FATAL`,
      `state machine "m" has no loggingConfiguration.logDestination`,
    ]);
  });
});

describe("MWAA", () => {
  it("the default web server access mode is private; missing logging lists the four types MWAA leaves off", () => {
    expect(messages([res(T.mwaa, "a", { loggingConfiguration: mwaaLogging() })], [mwaaPrivateWebserver, mwaaLoggingRule])).toEqual([]);
    // Left out, task logs are MWAA's one log type on by default; the other four are off.
    expect(messages([res(T.mwaa, "a", {})], [mwaaLoggingRule])).toEqual([
      `MWAA environment "a" does not enable dagProcessingLogs, schedulerLogs, webserverLogs, workerLogs: set loggingConfiguration.<type>.enabled to true for all five`,
    ]);
    expect(messages([res(T.mwaa, "a", { webserverAccessMode: UNKNOWN, loggingConfiguration: mwaaLogging({ taskLogs: { enabled: UNKNOWN } }) })], [mwaaPrivateWebserver, mwaaLoggingRule])).toEqual([]);
  });
});
