import { describe, expect, it } from "vitest";
import {
  deploymentComponents,
  deploymentName,
  deploymentPolicies,
  iotJobConfiguration,
  type DeploymentSettings,
} from "../../components/edge-fleet/deployment";
import { inferenceImageUri } from "../../components/edge-fleet";
import { provisioningTemplateBody } from "../../components/edge-fleet/provisioning";

const greengrass = { nucleusVersion: "2.14.3", dockerApplicationManagerVersion: "2.0.13", tokenExchangeServiceVersion: "2.0.3" };

const settings: DeploymentSettings = {
  rollout: { maximumPerMinute: 20, exponential: { baseRatePerMinute: 2, incrementFactor: 1.5, succeededThings: 10 } },
  abort: { failureThresholdPercentage: 5, minNumberOfExecutedThings: 10 },
  timeoutMinutes: 120,
  componentUpdateTimeoutSeconds: 120,
  configurationValidationTimeoutSeconds: 30,
};

describe("deployment builders", () => {
  it("names the deployment after a hash of its content: equal content, equal name; any change, a new name", () => {
    const content = {
      components: deploymentComponents(greengrass, [{ componentName: "com.example.A", componentVersion: "1.0.12345" }]),
      deploymentPolicies: deploymentPolicies(settings),
      iotJobConfiguration: iotJobConfiguration(settings),
    };
    const name = deploymentName("edge-mlops-prod", content);
    expect(name).toMatch(/^edge-mlops-prod-[0-9a-f]{16}$/);
    expect(deploymentName("edge-mlops-prod", structuredClone(content))).toBe(name);
    const moved = deploymentComponents(greengrass, [{ componentName: "com.example.A", componentVersion: "1.0.12346" }]);
    expect(deploymentName("edge-mlops-prod", { ...content, components: moved })).not.toBe(name);
    expect(deploymentName("edge-mlops-prod", { ...content, iotJobConfiguration: iotJobConfiguration({ ...settings, timeoutMinutes: 121 }) })).not.toBe(name);
  });

  it("rolls back failed devices and lets components defer an update for the configured time", () => {
    expect(deploymentPolicies(settings)).toEqual({
      failureHandlingPolicy: "ROLLBACK",
      componentUpdatePolicy: { action: "NOTIFY_COMPONENTS", timeoutInSeconds: 120 },
      configurationValidationPolicy: { timeoutInSeconds: 30 },
    });
  });

  it("rolls out exponentially, cancels on any kind of failure past the threshold and times devices out", () => {
    expect(iotJobConfiguration(settings)).toEqual({
      jobExecutionsRolloutConfig: {
        maximumPerMinute: 20,
        exponentialRate: { baseRatePerMinute: 2, incrementFactor: 1.5, rateIncreaseCriteria: { numberOfSucceededThings: 10 } },
      },
      abortConfig: { criteriaList: [{ action: "CANCEL", failureType: "ALL", minNumberOfExecutedThings: 10, thresholdPercentage: 5 }] },
      timeoutConfig: { inProgressTimeoutInMinutes: 120 },
    });
  });

  it("keeps a constant rate when exponential rollout is off", () => {
    const config = iotJobConfiguration({ ...settings, rollout: { maximumPerMinute: 100 } });
    expect(config.jobExecutionsRolloutConfig).toEqual({ maximumPerMinute: 100 });
    expect("exponentialRate" in config.jobExecutionsRolloutConfig).toBe(false);
  });

  it("pins the public components and ours, and refuses a component twice", () => {
    const versions = { nucleusVersion: "2.14.3", dockerApplicationManagerVersion: "2.0.13", tokenExchangeServiceVersion: "2.0.3" };
    expect(deploymentComponents(versions, [{ componentName: "com.hbs.hub.Container", componentVersion: "1.0.0" }])).toEqual({
      "aws.greengrass.Nucleus": { componentVersion: "2.14.3" },
      "aws.greengrass.DockerApplicationManager": { componentVersion: "2.0.13" },
      "aws.greengrass.TokenExchangeService": { componentVersion: "2.0.3" },
      "com.hbs.hub.Container": { componentVersion: "1.0.0" },
    });
    expect(() => deploymentComponents(versions, [{ componentName: "aws.greengrass.Nucleus", componentVersion: "2.15.0" }])).toThrow(
      'deploymentComponents: component "aws.greengrass.Nucleus" appears twice',
    );
  });
});

describe("provisioningTemplateBody", () => {
  it("creates the thing with its serial number in the stack's group and attaches the core policy", () => {
    expect(JSON.parse(JSON.stringify(provisioningTemplateBody({ thingGroupName: "edge-mlops-prod", fleetGroupName: "edge-mlops-prod-fleet", policyName: "prod-core-policy-1a2b3c4" })))).toEqual({
      Parameters: {
        ThingName: { Type: "String" },
        SerialNumber: { Type: "String" },
        "AWS::IoT::Certificate::Id": { Type: "String" },
        ModelGroup: { Type: "String", Default: "edge-mlops-prod-fleet" },
      },
      Resources: {
        thing: {
          Type: "AWS::IoT::Thing",
          Properties: { ThingName: { Ref: "ThingName" }, AttributePayload: { serialNumber: { Ref: "SerialNumber" } }, ThingGroups: ["edge-mlops-prod", { Ref: "ModelGroup" }] },
          OverrideSettings: { AttributePayload: "MERGE", ThingGroups: "MERGE" },
        },
        certificate: { Type: "AWS::IoT::Certificate", Properties: { CertificateId: { Ref: "AWS::IoT::Certificate::Id" }, Status: "ACTIVE" } },
        policy: { Type: "AWS::IoT::Policy", Properties: { PolicyName: "prod-core-policy-1a2b3c4" } },
      },
    });
  });

  it("rejects a bad group or policy name, naming the argument", () => {
    expect(() => provisioningTemplateBody({ thingGroupName: "bad group", fleetGroupName: "g-fleet", policyName: "p" })).toThrow(/^provisioningTemplateBody: thingGroupName: thing group name "bad group"/);
    expect(() => provisioningTemplateBody({ thingGroupName: "g", fleetGroupName: "g fleet", policyName: "p" })).toThrow(/^provisioningTemplateBody: fleetGroupName: thing group name "g fleet"/);
    expect(() => provisioningTemplateBody({ thingGroupName: "g", fleetGroupName: "g-fleet", policyName: "a b" })).toThrow('provisioningTemplateBody: policyName "a b" must be an AWS IoT policy name');
  });
});

describe("inference image and model", () => {
  const repo = "arn:aws:ecr:eu-west-1:123456789012:repository/prod-inference";
  const image = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/prod-inference@sha256:${"c".repeat(64)}`;

  it("turns the service's image reference into a docker: artifact URI", () => {
    expect(inferenceImageUri(image, [repo], "aws")).toBe(`docker:${image}`);
    expect(inferenceImageUri(`docker:${image}`, [repo], "aws")).toBe(`docker:${image}`);
  });

  it("finds the repository of an image pinned by tag, in a nested repository path", () => {
    const tagged = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/inference:v1.2";
    expect(inferenceImageUri(tagged, ["arn:aws:ecr:eu-west-1:123456789012:repository/team/inference"], "aws")).toBe(`docker:${tagged}`);
    expect(() => inferenceImageUri(tagged, ["arn:aws:ecr:eu-west-1:123456789012:repository/team"], "aws")).toThrow(
      "is in arn:aws:ecr:eu-west-1:123456789012:repository/team/inference, which is not in ecrRepositoryArns",
    );
  });

  it("refuses an image devices could not pull with the token exchange role", () => {
    expect(() => inferenceImageUri(image, ["arn:aws:ecr:eu-west-1:123456789012:repository/other"], "aws")).toThrow(
      `EdgeFleet: inferenceImage: "${image.slice(0, 77)}..." is in ${repo}, which is not in ecrRepositoryArns (arn:aws:ecr:eu-west-1:123456789012:repository/other); devices could not pull it`,
    );
    expect(() => inferenceImageUri("nginx:1.27-alpine", [repo], "aws")).toThrow('EdgeFleet: inferenceImage: "nginx:1.27-alpine" must be a private ECR image');
  });
});
