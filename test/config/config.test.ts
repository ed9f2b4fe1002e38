import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CONFIG_KEYS, ConfigError, parseStackConfig, parseStackSettings } from "../../components/config";
import { loadStackFiles } from "../../scripts/offline/run";
import { configErrorOf } from "../support/config-error";

const ROOT = path.resolve(__dirname, "../..");

describe("stack files", () => {
  for (const stack of ["dev", "staging", "prod"]) {
    it(`Pulumi.${stack}.yaml is valid`, () => {
      const files = loadStackFiles(ROOT, stack);
      const config = parseStackConfig(files.config, files.project, stack);
      expect(config.environment).toBe(stack);
      expect(config.region).toBe("eu-west-1");
    });
  }

  it("gives each stack its cost and safety profile", () => {
    const load = (s: string) => parseStackConfig(loadStackFiles(ROOT, s).config, "edge-mlops", s);
    const dev = load("dev");
    const staging = load("staging");
    const prod = load("prod");
    expect(dev.network.natGateways).toBe("single");
    expect(dev.inference.desiredCount).toBe(1);
    expect(dev.airflow.enabled).toBe(false);
    expect(staging.airflow).toMatchObject({ enabled: true, environmentClass: "mw1.small", webserverAccessMode: "PRIVATE_ONLY" });
    expect(prod.protect).toBe(true);
    expect(prod.network).toMatchObject({ natGateways: "onePerAz", availabilityZones: 3 });
    expect(prod.inference.desiredCount).toBeGreaterThanOrEqual(2);
    expect(prod.airflow.webserverAccessMode).toBe("PRIVATE_ONLY");
    expect(prod.training.modelApproval).toBe("PendingManualApproval");
    expect(prod.edgeFleet.allowGeneratedKeys).toBe(false);
    expect(prod.edgeFleet.devices).toEqual([]);
  });

  it("declares every top-level key of the schema in Pulumi.yaml", () => {
    const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { config: Record<string, unknown> };
    const declared = Object.keys(project.config).map((k) => k.replace(/^edge-mlops:/, "")).sort();
    expect(declared).toEqual([...CONFIG_KEYS].sort());
    expect(declared).toContain("accountSettings");
    expect(declared).toContain("release");
  });
});

describe("airflow/requirements.txt", () => {
  it("pins the constraints of the Airflow version every stack runs", () => {
    const text = fs.readFileSync(path.join(ROOT, "airflow", "requirements.txt"), "utf8");
    const pinned = text.match(/constraints-(\d+\.\d+\.\d+)\/constraints-3\.\d+\.txt/)?.[1];
    for (const stack of ["dev", "staging", "prod"]) {
      expect(parseStackConfig(loadStackFiles(ROOT, stack).config, "edge-mlops", stack).airflow.airflowVersion).toBe(pinned);
    }
  });
});

describe("defaults", () => {
  it("fills every section from a minimal config, safe by default", () => {
    const c = parseStackSettings({ environment: "staging" });
    expect(c.protect).toBe(true);
    expect(c.network).toEqual({ cidrBlock: "10.0.0.0/16", availabilityZones: 2, natGateways: "onePerAz", flowLogs: { enabled: true, retentionDays: 30, trafficType: "ALL" } });
    expect(c.airflow.enabled).toBe(false);
    expect(c.airflow.webserverAccessMode).toBe("PRIVATE_ONLY");
    expect(c.inference).toMatchObject({ cpu: 256, memory: 512, containerPort: 5000, platform: "linux/amd64" });
    expect(c.training.modelApproval).toBe("PendingManualApproval");
    expect(c.edgeFleet.allowGeneratedKeys).toBe(false);
  });
});

/** [description, settings (merged over a valid dev base), expected key path, expected message fragment] */
const BAD: [string, Record<string, unknown>, string, RegExp][] = [
  ["unknown environment", { environment: "qa" }, "environment", /one of "dev", "staging", "prod"/],
  ["missing environment", { environment: undefined }, "environment", /required/],
  ["misspelled top-level key", { netwrk: {} }, "netwrk", /unknown key 'netwrk'/],
  ["misspelled nested key", { network: { natGateway: "single" } }, "network.natGateway", /unknown key/],
  ["protect as a string", { protect: "yes" }, "protect", /must be a boolean, got "yes"/],
  ["internet-facing load balancer not opened", { inference: { loadBalancer: { internal: false } } }, "inference.loadBalancer.internal", /is false \(internet-facing\) without authentication or a WAF web ACL: set internal true, or open it on purpose with loadBalancer.public.allowUnauthenticated true$/],
  ["opening an internal load balancer", { inference: { loadBalancer: { internal: true, public: { allowUnauthenticated: true } } } }, "inference.loadBalancer.public", /applies to an internet-facing load balancer only/],
  ["AZ count out of range", { network: { availabilityZones: 4 } }, "network.availabilityZones", /2 or 3/],
  ["CIDR too small", { network: { cidrBlock: "10.0.0.0/24" } }, "network.cidrBlock", /\/16 to \/20/],
  ["unknown NAT strategy", { network: { natGateways: "none" } }, "network.natGateways", /"single", "onePerAz"/],
  ["flow log retention not offered by CloudWatch", { network: { flowLogs: { retentionDays: 10 } } }, "network.flowLogs.retentionDays", /retention values/],
  ["negative task count", { inference: { desiredCount: -1 } }, "inference.desiredCount", />= 1, got -1/],
  ["task count as text", { inference: { desiredCount: "two" } }, "inference.desiredCount", /must be a number, got "two"/],
  ["fractional task count", { inference: { desiredCount: 1.5 } }, "inference.desiredCount", /integer/i],
  ["invalid Fargate CPU", { inference: { cpu: 300 } }, "inference.cpu", /Fargate's CPU sizes/],
  ["memory not valid for the CPU", { inference: { cpu: 256, memory: 4096 } }, "inference.memory", /Fargate allows 512, 1024, 2048/],
  ["minCount above desiredCount", { inference: { minCount: 3, desiredCount: 2, maxCount: 4 } }, "inference.minCount", /<= desiredCount/],
  ["desiredCount above maxCount", { inference: { desiredCount: 5, maxCount: 4 } }, "inference.desiredCount", /<= maxCount/],
  ["privileged container port", { inference: { containerPort: 80 } }, "inference.containerPort", />= 1024/],
  ["certificate that is not an ACM ARN", { inference: { loadBalancer: { certificateArn: "my-cert" } } }, "inference.loadBalancer.certificateArn", /acm ARN/],
  ["a model URI (the model store's pointer names the model)", { inference: { modelUri: "s3://x/model.json" } }, "inference.modelUri", /unknown key/],
  ["min workers above max", { airflow: { minWorkers: 5, maxWorkers: 2 } }, "airflow.minWorkers", /<= maxWorkers \(2\)/],
  ["unknown MWAA class", { airflow: { environmentClass: "mw1.huge" } }, "airflow.environmentClass", /mw1.small/],
  ["Airflow version MWAA does not offer", { airflow: { airflowVersion: "2.4.3" } }, "airflow.airflowVersion", /2.10.3/],
  ["log level outside the allowed set", { airflow: { logLevels: { task: "TRACE" } } }, "airflow.logLevels.task", /"INFO"/],
  ["one scheduler on a small class", { airflow: { schedulers: 1 } }, "airflow.schedulers", /2 to 5/],
  ["too many workers for dev", { airflow: { enabled: true, maxWorkers: 5 } }, "airflow.maxWorkers", /at most 2 in dev/],
  ["bad maintenance window", { airflow: { weeklyMaintenanceWindowStart: "SUN:03:15" } }, "airflow.weeklyMaintenanceWindowStart", /half hour/],
  ["wildcard in a prefix", { airflow: { newDataPrefix: "in*/" } }, "airflow.newDataPrefix", /no wildcards/],
  ["archive prefix inside the new-data prefix", { airflow: { newDataPrefix: "data/", archivePrefix: "data/archive/" } }, "airflow.archivePrefix", /must not contain or lie inside/],
  ["prefix without trailing slash", { airflow: { newDataPrefix: "incoming" } }, "airflow.newDataPrefix", /ending in '\/'/],
  ["invalid thing group name", { edgeFleet: { childGroups: [{ name: "bad name", kind: "site" }] } }, "edgeFleet.childGroups[0].name", /AWS IoT's rule/],
  ["thing group name over 128 characters", { edgeFleet: { rootGroupName: "g".repeat(129) } }, "edgeFleet.rootGroupName", /1-128/],
  ["component release that is not MAJOR.MINOR", { edgeFleet: { components: { composeRelease: "1.0.0" } } }, "edgeFleet.components.composeRelease", /MAJOR\.MINOR/],
  ["abort threshold over 100", { edgeFleet: { deployment: { abort: { failureThresholdPercentage: 150 } } } }, "edgeFleet.deployment.abort.failureThresholdPercentage", /<= 100, got 150/],
  ["credential duration below IoT's minimum", { edgeFleet: { credentialDurationSeconds: 60 } }, "edgeFleet.credentialDurationSeconds", />= 900/],
  ["device in an undeclared group", { edgeFleet: { allowGeneratedKeys: true, devices: [{ name: "d1", group: "nowhere" }] } }, "edgeFleet.devices[0].group", /not one of edgeFleet.childGroups/],
  ["device without CSR when keys may not be generated", { edgeFleet: { devices: [{ name: "d1" }] } }, "edgeFleet.devices[0].csrFile", /required unless/],
  ["duplicate device names", { edgeFleet: { allowGeneratedKeys: true, devices: [{ name: "d1" }, { name: "d1" }] } }, "edgeFleet.devices[1].name", /used twice/],
  ["increment factor with two decimals", { edgeFleet: { deployment: { rollout: { exponential: { baseRatePerMinute: 1, incrementFactor: 1.25, succeededThings: 1 } } } } }, "edgeFleet.deployment.rollout.exponential.incrementFactor", /one decimal/],
  ["abort threshold with three decimals", { edgeFleet: { deployment: { abort: { failureThresholdPercentage: 10.125 } } } }, "edgeFleet.deployment.abort.failureThresholdPercentage", /two decimals/],
  ["root group too long for the template name", { edgeFleet: { rootGroupName: "g".repeat(31) } }, "edgeFleet.rootGroupName", /at most 30 characters/],
  ["generated-key device name over 64 characters", { edgeFleet: { allowGeneratedKeys: true, devices: [{ name: "d".repeat(65) }] } }, "edgeFleet.devices[0].name", /64 characters/],
  ["invalid serial number pattern", { edgeFleet: { provisioning: { serialNumberPattern: "([A-Z" } } }, "edgeFleet.provisioning.serialNumberPattern", /regular expression/],
  ["devices as an object", { edgeFleet: { devices: { name: "d1" } } }, "edgeFleet.devices", /must be a list/],
  ["quality threshold not positive", { training: { qualityThresholdRmse: 0 } }, "training.qualityThresholdRmse", /> 0/],
  ["unknown model approval status", { training: { modelApproval: "Rejected" } }, "training.modelApproval", /PendingManualApproval/],
  ["bad schedule expression", { training: { schedule: { enabled: true, expression: "every day" } } }, "training.schedule.expression", /rate\(...\) or cron/],
  ["bad instance type", { training: { trainingInstanceType: "m5.large" } }, "training.trainingInstanceType", /ml\.m5\.large/],
  ["invalid alarm email", { observability: { notifications: { emails: ["oncall-at-example"] } } }, "observability.notifications.emails[0]", /email address/],
  ["alarm endpoint over plain HTTP", { observability: { notifications: { httpsEndpoints: ["http://x.example.com/hook"] } } }, "observability.notifications.httpsEndpoints[0]", /https:\/\//],
  ["negative alarm threshold", { observability: { alarms: { p99LatencyMs: -5 } } }, "observability.alarms.p99LatencyMs", /> 0/],
  ["zero evaluation periods", { observability: { alarms: { evaluationPeriods: 0 } } }, "observability.alarms.evaluationPeriods", />= 1, got 0/],
  ["unsupported alarm period", { observability: { alarms: { periodSeconds: 120 } } }, "observability.alarms.periodSeconds", /60, 300, 900 or 3600/],
  ["unknown IoT log level", { observability: { iotLogLevel: "TRACE" } }, "observability.iotLogLevel", /"ERROR"/],
  ["reserved tag key", { tags: { stack: "x" } }, "tags.stack", /set by the program/],
  ["reserved tag key project", { tags: { project: "x" } }, "tags.project", /set by the program/],
  ["reserved tag key managed-by", { tags: { "managed-by": "x" } }, "tags.managed-by", /set by the program/],
  ["tag key with aws: prefix", { tags: { "aws:owner": "x" } }, "tags.aws:owner", /must not start with 'aws:'/],
];

const PROD_BAD: [string, Record<string, unknown>, string, RegExp][] = [
  ["unprotected prod", { protect: false }, "protect", /must be true when environment is prod/],
  ["single NAT in prod", { network: { natGateways: "single" } }, "network.natGateways", /onePerAz/],
  ["one task in prod", { inference: { desiredCount: 1, minCount: 1 } }, "inference.desiredCount", /at least 2/],
  [
    "internet-facing load balancer in prod, even opened",
    { inference: { desiredCount: 2, minCount: 2, loadBalancer: { deletionProtection: true, internal: false, public: { allowUnauthenticated: true } } } },
    "inference.loadBalancer.internal",
    /must be true \(the component builds no authentication or WAF web ACL for an internet-facing load balancer\) when environment is prod$/,
  ],
  ["public MWAA web server in prod", { airflow: { webserverAccessMode: "PUBLIC_ONLY" } }, "airflow.webserverAccessMode", /PRIVATE_ONLY/],
  ["automatic approval in prod", { training: { modelApproval: "Approved" } }, "training.modelApproval", /PendingManualApproval/],
  ["weekly audit in prod", { observability: { auditFrequency: "WEEKLY" } }, "observability.auditFrequency", /DAILY/],
  ["generated keys in prod", { edgeFleet: { allowGeneratedKeys: true } }, "edgeFleet.allowGeneratedKeys", /never|must be false/],
  ["internet-facing load balancer in prod, not opened", { inference: { desiredCount: 2, minCount: 2, loadBalancer: { deletionProtection: true, internal: false } } }, "inference.loadBalancer.internal", /must be true \(the component builds no authentication or WAF web ACL for an internet-facing load balancer\) when environment is prod$/],
  ["load balancer without deletion protection in prod", { inference: { desiredCount: 2, minCount: 2, loadBalancer: { deletionProtection: false } } }, "inference.loadBalancer.deletionProtection", /^config error: [^:]+:[^:]+: must be true when environment is prod$/],
  ["execution data kept in prod", { training: { includeExecutionData: true } }, "training.includeExecutionData", /must be false \(execution data may hold training data\) when environment is prod$/],
  ["alarms nobody receives in prod", { observability: { notifications: { emails: [], httpsEndpoints: [] } } }, "observability.notifications", /must name at least one email or HTTPS endpoint \(alarms nobody receives help no one\) when environment is prod$/],
];

function attempt(settings: Record<string, unknown>): ConfigError {
  return configErrorOf(() => parseStackSettings(settings));
}

describe("bad config fails naming the key", () => {
  it.each(BAD)("%s", (_, override, key, message) => {
    const e = attempt({ environment: "dev", ...override });
    expect(e.key).toBe(`edge-mlops:${key}`);
    expect(e.message).toMatch(message);
    expect(e.message.startsWith(`config error: edge-mlops:${key}: `)).toBe(true);
    expect(e.message).not.toContain("\n");
  });

  const prodBase = parseStackConfig(loadStackFiles(ROOT, "prod").config, "edge-mlops", "prod");
  it.each(PROD_BAD)("%s", (_, override, key, message) => {
    const { project: _p, stack: _s, region: _r, secretKeys: _k, ...settings } = prodBase;
    const merged: Record<string, unknown> = { ...settings };
    for (const [k, v] of Object.entries(override)) {
      merged[k] = v !== null && typeof v === "object" ? { ...(settings as Record<string, any>)[k], ...v } : v;
    }
    const e = attempt(merged);
    expect(e.key).toBe(`edge-mlops:${key}`);
    expect(e.message).toMatch(message);
  });

  it("has at least 25 distinct bad configs", () => {
    expect(new Set([...BAD, ...PROD_BAD].map(([d]) => d)).size).toBeGreaterThanOrEqual(25);
  });
});

describe("stack-level rules at their edges", () => {
  const prod = parseStackConfig(loadStackFiles(ROOT, "prod").config, "edge-mlops", "prod");
  const { project: _p, stack: _s, region: _r, secretKeys: _k, ...prodSettings } = prod;
  const notified = (notifications: { emails?: string[]; httpsEndpoints?: string[] }) =>
    parseStackSettings({ ...prodSettings, observability: { ...prodSettings.observability, notifications } }).observability.notifications;

  it("prod: one email or one HTTPS endpoint is enough, and both are taken", () => {
    expect(notified({ emails: ["oncall@example.com"] }).emails).toEqual(["oncall@example.com"]);
    expect(notified({ httpsEndpoints: ["https://hooks.example.com/a"] }).httpsEndpoints).toEqual(["https://hooks.example.com/a"]);
    expect(notified({ emails: ["oncall@example.com"], httpsEndpoints: ["https://hooks.example.com/a"] }).emails).toHaveLength(1);
  });

  it("dev: up to 2 MWAA workers, judged only when Airflow is on and only in dev", () => {
    expect(parseStackSettings({ environment: "dev", airflow: { enabled: true, maxWorkers: 2 } }).airflow.maxWorkers).toBe(2);
    expect(attempt({ environment: "dev", airflow: { enabled: true, maxWorkers: 3 } }).message).toBe(
      "config error: edge-mlops:airflow.maxWorkers: must be at most 2 in dev (MWAA bills every hour)",
    );
    expect(parseStackSettings({ environment: "dev", airflow: { enabled: false, maxWorkers: 5 } }).airflow.maxWorkers).toBe(5);
    expect(parseStackSettings({ environment: "staging", airflow: { enabled: true, maxWorkers: 5 } }).airflow.maxWorkers).toBe(5);
  });

  it("an internet-facing load balancer opened by name outside prod", () => {
    const lb = parseStackSettings({ environment: "staging", inference: { loadBalancer: { internal: false, public: { allowUnauthenticated: true } } } }).inference.loadBalancer;
    expect(lb).toMatchObject({ internal: false, public: { allowUnauthenticated: true } });
    expect(attempt({ environment: "staging", inference: { loadBalancer: { internal: false, public: { allowUnauthenticated: false } } } }).key).toBe("edge-mlops:inference.loadBalancer.internal");
  });
});

describe("parseStackConfig", () => {
  it("requires and checks aws:region", () => {
    expect(() => parseStackConfig({ "edge-mlops:environment": "dev" }, "edge-mlops", "dev")).toThrow("config error: aws:region: is required");
    expect(() => parseStackConfig({ "aws:region": "Europe", "edge-mlops:environment": "dev" }, "edge-mlops", "dev")).toThrow(
      /^config error: aws:region: is not a region aws.Provider accepts \(@pulumi\/aws Region enum; did you mean '[a-z0-9-]+'\?\), got "Europe"$/,
    );
  });
  it("parses Pulumi's string values: JSON objects, booleans and plain strings", () => {
    const c = parseStackConfig(
      { "aws:region": "us-east-1", "edge-mlops:environment": "dev", "edge-mlops:protect": "false", "edge-mlops:inference": '{"desiredCount":1,"maxCount":3}', "pulumi:tags": '{"team":"ml"}' },
      "edge-mlops",
      "dev",
    );
    expect(c).toMatchObject({ region: "us-east-1", protect: false, inference: { desiredCount: 1, maxCount: 3 }, stack: "dev", secretKeys: [] });
  });
});
