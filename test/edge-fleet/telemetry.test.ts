// Device telemetry of the edge fleet (components/edge-fleet/telemetry.ts): the samples and metrics topic rules, their
// roles and log groups as registered under mocks, the keys the samples land at against the DAG's own sensor pattern,
// and the dashboard section.
import { beforeAll, describe, expect, it } from "vitest";
import {
  incomingPrefixProblem,
  EdgeFleet,
  metricsRuleSql,
  samplesObjectKey,
  samplesRulePolicy,
  samplesRuleSql,
  telemetryRuleName,
  type EdgeFleetArgs,
} from "../../components/edge-fleet";
import { dashboardBody, validateDashboardBody, type Widget } from "../../components/observability";
import { topicRuleTrustPolicy } from "../../components/edge-fleet/monitoring";
import { DEVICE_TOPICS } from "../../contracts/model-release";
import { readConfig } from "../../service/src/config";
import type { GreengrassRecipe } from "../../components/edge-fleet/recipes";
import { runFeatureIngest } from "../support/feature-ingest";
import { ofType, one, planProgram, type Plan } from "../support/offline";
import { TEST_THRESHOLDS } from "../support/thresholds";
import { inputsOf, parseDocument, policyDocument } from "../support/resources";

const ACCOUNT = "123456789012";
const IMAGE = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/edge-mlops-inference@sha256:${"ab".repeat(32)}`;
const REPO_ARN = `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/edge-mlops-inference`;
const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/0b7f1c2e-1111-4222-8333-444455556666`;
const BUCKET = "edge-mlops-prod-data-0a1b2c3d";
const LOGS = `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:`;
const TOPIC = `arn:aws:sns:eu-west-1:${ACCOUNT}:edge-mlops-prod-alarms`;
const T = {
  topicRule: "aws:iot/topicRule:TopicRule",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
} as const;

const fleet = (stack: "prod" | "dev"): EdgeFleetArgs => ({ stack, environment: stack, inferenceImage: IMAGE, ecrRepositoryArns: [REPO_ARN] });

let plan: Plan;
let widgets: { prod: Widget[]; dev: Widget[]; endpoint: string };

beforeAll(async () => {
  plan = await planProgram(() => {
    const prod = new EdgeFleet("prod", {
      ...fleet("prod"),
      logRetentionDays: 365,
      monitoring: { alarmTopicArn: TOPIC, thresholds: TEST_THRESHOLDS },
      telemetry: { dataBucketName: BUCKET, dataBucketArn: `arn:aws:s3:::${BUCKET}`, dataBucketKmsKeyArn: KEY, incomingPrefix: "landing/new/" },
    });
    const dev = new EdgeFleet("dev", fleet("dev"));
    return { prod: prod.telemetryWidgets, dev: dev.telemetryWidgets, endpoint: prod.iotDataEndpoint };
  });
  widgets = plan.outputs as typeof widgets;
}, 120_000);

describe("telemetry rules under mocks", () => {
  it("lands every device's samples payload unchanged under the DAG's prefix, one object per message", () => {
    expect(inputsOf(plan, T.topicRule, "prod-device-samples")).toEqual({
      name: "edge_mlops_prod_device_samples",
      description: "Sampled inputs and predictions (CSV) of edge fleet edge-mlops-prod into the training data's incoming prefix",
      enabled: true,
      sql: "SELECT * FROM 'edge-mlops/prod/+/samples'",
      sqlVersion: "2016-03-23",
      s3: [{ bucketName: BUCKET, key: "landing/new/devices/${topic(3)}/${timestamp()}-${newuuid()}.csv", roleArn: expect.stringMatching(/^arn:aws:iam::123456789012:role\/prod-device-samples-role-/) }],
      errorAction: { cloudwatchLogs: { logGroupName: "/edge-mlops/prod/device-telemetry/errors", roleArn: expect.stringMatching(/role\/prod-device-samples-role-/) } },
    });
  });

  it("writes devices' EMF documents of the fleet's Service value to the metrics log group, adding the thing name", () => {
    expect(inputsOf(plan, T.topicRule, "prod-device-metrics")).toEqual({
      name: "edge_mlops_prod_device_metrics",
      description: "Inference metrics (EMF) of edge fleet edge-mlops-prod into CloudWatch Logs, which extracts them",
      enabled: true,
      sql: "SELECT *, topic(3) AS ThingName FROM 'edge-mlops/prod/+/metrics' WHERE Service = 'edge-mlops-prod-devices'",
      sqlVersion: "2016-03-23",
      cloudwatchLogs: [{ logGroupName: "/edge-mlops/prod/device-telemetry/metrics", roleArn: expect.stringMatching(/role\/prod-device-metrics-role-/), batchMode: false }],
      errorAction: { cloudwatchLogs: { logGroupName: "/edge-mlops/prod/device-telemetry/errors", roleArn: expect.stringMatching(/role\/prod-device-metrics-role-/) } },
    });
  });

  it("keeps both log groups as long as the fleet's other logs", () => {
    expect(inputsOf(plan, T.logGroup, "prod-telemetry-metrics")).toEqual({ name: "/edge-mlops/prod/device-telemetry/metrics", retentionInDays: 365 });
    expect(inputsOf(plan, T.logGroup, "prod-telemetry-errors")).toEqual({ name: "/edge-mlops/prod/device-telemetry/errors", retentionInDays: 365 });
  });

  it("gives each rule a role only AWS IoT may assume, for that rule of this account, attached before the rule", () => {
    for (const kind of ["samples", "metrics"]) {
      // The document itself is spelled out in monitoring.test.ts (the job-events rule's role).
      const ruleArn = `arn:aws:iot:eu-west-1:${ACCOUNT}:rule/edge_mlops_prod_device_${kind}`;
      expect(parseDocument(inputsOf(plan, T.role, `prod-device-${kind}-role`).assumeRolePolicy)).toEqual(topicRuleTrustPolicy(ACCOUNT, ruleArn));
      const rule = one(plan, T.topicRule, `prod-device-${kind}`);
      expect(rule.dependsOn).toContain(one(plan, T.rolePolicy, `prod-device-${kind}-policy`).urn);
      expect(JSON.stringify(rule.inputs)).toContain(`"roleArn":"${one(plan, T.role, `prod-device-${kind}-role`).arn}"`);
    }
  });

  it("lets the samples role put objects under the devices' folder only, with the bucket's key through S3", () => {
    expect(policyDocument(inputsOf(plan, T.rolePolicy, "prod-device-samples-policy").policy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Sid: "PutDeviceSamples", Effect: "Allow", Action: ["s3:PutObject"], Resource: [`arn:aws:s3:::${BUCKET}/landing/new/devices/*`] },
        { Sid: "EncryptDeviceSamples", Effect: "Allow", Action: ["kms:GenerateDataKey"], Resource: [KEY], Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } } },
        {
          Sid: "WriteRuleErrors",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
          Resource: [`${LOGS}/edge-mlops/prod/device-telemetry/errors`, `${LOGS}/edge-mlops/prod/device-telemetry/errors:log-stream:*`],
        },
      ],
    });
  });

  it("lets the metrics role write its two log groups and nothing else", () => {
    const doc = policyDocument(inputsOf(plan, T.rolePolicy, "prod-device-metrics-policy").policy);
    expect(doc.Statement.map((s) => [s.Sid, s.Action, s.Resource])).toEqual([
      ["WriteDeviceMetrics", ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"], [`${LOGS}/edge-mlops/prod/device-telemetry/metrics`, `${LOGS}/edge-mlops/prod/device-telemetry/metrics:log-stream:*`]],
      ["WriteRuleErrors", ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"], [`${LOGS}/edge-mlops/prod/device-telemetry/errors`, `${LOGS}/edge-mlops/prod/device-telemetry/errors:log-stream:*`]],
    ]);
  });

  it("alarms when a rule's error action wrote anything: a message was not delivered", () => {
    expect(inputsOf(plan, T.alarm, "prod-alarm-telemetry-undelivered")).toMatchObject({
      namespace: "AWS/Logs",
      metricName: "IncomingLogEvents",
      dimensions: { LogGroupName: "/edge-mlops/prod/device-telemetry/errors" },
      statistic: "Sum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      period: 60,
      evaluationPeriods: 2,
      datapointsToAlarm: 1,
      treatMissingData: "notBreaching",
      alarmActions: [TOPIC],
    });
  });

  it("has the inference container publish to the fleet's data endpoint on the stack's topics, at the default sample rate", () => {
    const recipe = (fleet: string) =>
      parseDocument<GreengrassRecipe>(inputsOf(plan, "aws-native:greengrassv2:ComponentVersion", `${fleet}-inference-component`).inlineRecipe);
    const prod = recipe("prod");
    const lifecycle = prod.Manifests[0]!.Lifecycle;
    expect(lifecycle.Setenv).toMatchObject({
      IOT_DATA_ENDPOINT: widgets.endpoint,
      TELEMETRY_TOPIC_ROOT: "edge-mlops/prod",
      TELEMETRY_SAMPLE_RATE: "{configuration:/TelemetrySampleRate}",
    });
    expect(prod.ComponentConfiguration?.DefaultConfiguration).toEqual({ Port: "5000", TelemetrySampleRate: "0.01" });
    expect(lifecycle.Startup?.Script).toContain(" -e IOT_DATA_ENDPOINT -e AWS_IOT_THING_NAME -e TELEMETRY_TOPIC_ROOT -e TELEMETRY_SAMPLE_RATE ");
    // What the container receives (Greengrass resolves the configuration and sets the thing name) is a valid setting
    // of the service, whose topics are the rules' topics.
    const env = { ...lifecycle.Setenv, PORT: "5000", TELEMETRY_SAMPLE_RATE: "0.01", AWS_IOT_THING_NAME: "hub-7" };
    const config = readConfig(env).telemetry!;
    expect(config).toMatchObject({ endpoint: widgets.endpoint, region: "eu-west-1", sampleRate: 0.01 });
    expect(`${config.topicRoot}/${config.thingName}/samples`).toBe(DEVICE_TOPICS.samples("prod", "hub-7"));
    // Without the wiring the container publishes nothing.
    expect(JSON.stringify(recipe("dev"))).not.toMatch(/IOT_DATA_ENDPOINT|TELEMETRY_/);
  });

  it("builds nothing without the telemetry wiring", () => {
    expect(ofType(plan, T.topicRule, "dev-device-")).toEqual([]);
    expect(ofType(plan, T.logGroup, "dev-telemetry-")).toEqual([]);
    expect(ofType(plan, T.alarm, "dev-")).toEqual([]);
    expect(widgets.dev).toEqual([]);
  });
});

describe("telemetry rule builders", () => {
  it("match exactly the topics devices publish on (contracts/model-release.ts), one level per thing", () => {
    expect(samplesRuleSql("staging")).toBe(`SELECT * FROM '${DEVICE_TOPICS.samples("staging", "+")}'`);
    expect(metricsRuleSql("staging", "edge-mlops-staging")).toBe(`SELECT *, topic(3) AS ThingName FROM '${DEVICE_TOPICS.metrics("staging", "+")}' WHERE Service = 'edge-mlops-staging'`);
    // topic(3) is the thing name: edge-mlops / <stack> / <thing> / samples.
    expect(DEVICE_TOPICS.samples("staging", "hub-7").split("/")[2]).toBe("hub-7");
  });

  it("name rules within AWS IoT's [a-zA-Z0-9_]{1,128}", () => {
    expect(telemetryRuleName("site:north-1", "samples")).toBe("site_north_1_device_samples");
    expect(telemetryRuleName("g".repeat(128), "metrics")).toMatch(/^g{113}_device_metrics$/);
  });

  it("grant no key without one", () => {
    const doc = samplesRulePolicy({ bucketArn: "arn:aws:s3:::b", incomingPrefix: "incoming/", region: "eu-west-1", errorLogGroupArn: `${LOGS}e` });
    expect(doc.Statement.map((s) => s.Sid)).toEqual(["PutDeviceSamples", "WriteRuleErrors"]);
  });

  it.each(["incoming", "/incoming/", "in*/", ""])("refuse the incoming prefix %j before anything is registered, naming the arg", (prefix) => {
    expect(() => new EdgeFleet("bad", { ...fleet("dev"), telemetry: { dataBucketName: BUCKET, dataBucketArn: `arn:aws:s3:::${BUCKET}`, incomingPrefix: prefix } })).toThrow(
      `EdgeFleet: telemetry.incomingPrefix: must be a relative S3 prefix ending in '/' without * ? [ (what the DAG ingests), e.g. "incoming/"; got ${JSON.stringify(prefix)}`,
    );
    expect(incomingPrefixProblem("landing/new/")).toBeUndefined();
  });

  it("refuse a stack name that cannot stand in a topic filter", () => {
    expect(() => samplesRuleSql("it's")).toThrow(`telemetry: stack "it's" must be letters, digits, '.', '_' or '-'`);
    expect(() => metricsRuleSql("dev", "a'b")).toThrow(`telemetry: service "a'b" must not contain a quote`);
  });

  it("land keys the DAG's sensor and listing pick up (feature_ingest.new_data_pattern, list_new_keys' suffix)", () => {
    // The key as AWS IoT substitutes it for a message from thing `site:hub-7`.
    const key = samplesObjectKey("incoming/").replace("${topic(3)}", "site:hub-7").replace("${timestamp()}", "1764547200123").replace("${newuuid()}", "0f8fad5b-d9cb-469f-a165-70867728950e");
    const out = runFeatureIngest(
      ["import fnmatch", "key = sys.argv[1]", "print(fnmatch.fnmatchcase(key, fi.new_data_pattern('incoming/')), key.endswith('.csv'), key.startswith(fi.normalize_prefix('incoming/', 'p')))"],
      { args: [key] },
    );
    expect(out.trim()).toBe("True True True");
    expect(key).toBe("incoming/devices/site:hub-7/1764547200123-0f8fad5b-d9cb-469f-a165-70867728950e.csv");
  });
});

describe("telemetry widgets", () => {
  it("show device requests and predictions under the fleet's Service value, and the rules' messages", () => {
    const [header, text, requests, predictions, messages] = widgets.prod;
    expect(header.properties).toMatchObject({ markdown: "## Devices of edge fleet edge-mlops-prod" });
    expect((text.properties as { markdown: string }).markdown).toContain(`\`s3://${BUCKET}/landing/new/devices/<thing>/\``);
    expect(requests.properties).toMatchObject({ metrics: [["EdgeMlops/Inference", "RequestCount", "Service", "edge-mlops-prod-devices", { stat: "Sum", label: "requests" }]] });
    expect(predictions.properties).toMatchObject({ metrics: [["EdgeMlops/Inference", "Prediction_Z", "Service", "edge-mlops-prod-devices", { stat: "Average", label: "mean z of predictions" }]] });
    expect((messages.properties as { metrics: unknown[] }).metrics).toEqual([
      ["AWS/IoT", "TopicMatch", "RuleName", "edge_mlops_prod_device_samples", { stat: "Sum", label: "samples" }],
      ["AWS/IoT", "TopicMatch", "RuleName", "edge_mlops_prod_device_metrics", { stat: "Sum", label: "metrics" }],
      ["AWS/IoT", "ParseError", "RuleName", "edge_mlops_prod_device_metrics", { stat: "Sum", label: "metrics not JSON" }],
    ]);
    expect(widgets.prod.at(-1)).toMatchObject({ type: "alarm", properties: { alarms: [one(plan, T.alarm, "prod-alarm-telemetry-undelivered").arn] } });
    expect(validateDashboardBody(JSON.parse(JSON.stringify(dashboardBody([widgets.prod], { region: "eu-west-1" }))))).toEqual([]);
  });
});
