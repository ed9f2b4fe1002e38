import { describe, expect, it } from "vitest";
import {
  CLAIM_CLIENT_ID_PREFIX,
  WILDCARD_RESOURCE_EXCEPTIONS,
  claimPolicy,
  coreDevicePolicy,
  findPolicyViolations,
  provisioningTrustPolicy,
  tokenExchangeRolePolicy,
  tokenExchangeTrustPolicy,
} from "../../components/edge-fleet/policies";

const scope = { partition: "aws", region: "eu-west-1", accountId: "123456789012" } as const;
const ARN = "arn:aws:iot:eu-west-1:123456789012";
const THING = "${iot:Connection.Thing.ThingName}";
const ROLE_ALIAS = `${ARN}:rolealias/edge-mlops-dev-tes`;

/** What AWS receives: the document as JSON, parsed back. */
function roundTrip(doc: unknown): unknown {
  return JSON.parse(JSON.stringify(doc));
}

describe("coreDevicePolicy", () => {
  it("grants exactly the minimal Greengrass core permissions, scoped to the device's own thing", () => {
    expect(roundTrip(coreDevicePolicy({ ...scope, stack: "prod", roleAliasArn: ROLE_ALIAS }))).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: ["iot:Connect"],
          Resource: [`${ARN}:client/${THING}`, `${ARN}:client/${THING}#*`],
          Condition: { Bool: { "iot:Connection.Thing.IsAttached": ["true"] } },
        },
        {
          Effect: "Allow",
          Action: ["iot:Publish", "iot:Receive"],
          Resource: [
            `${ARN}:topic/edge-mlops/${THING}/*`,
            `${ARN}:topic/$aws/things/${THING}/jobs/*`,
            `${ARN}:topic/$aws/things/${THING}/shadow/*`,
            `${ARN}:topic/$aws/things/${THING}/greengrass/health/json`,
            `${ARN}:topic/$aws/things/${THING}/greengrassv2/health/json`,
          ],
        },
        {
          Effect: "Allow",
          Action: ["iot:Publish"],
          Resource: [
            `${ARN}:topic/edge-mlops/prod/${THING}/samples`,
            `${ARN}:topic/edge-mlops/prod/${THING}/metrics`,
            `${ARN}:topic/edge-mlops/prod/${THING}/health`,
          ],
        },
        {
          Effect: "Allow",
          Action: ["iot:Subscribe"],
          Resource: [
            `${ARN}:topicfilter/edge-mlops/${THING}/*`,
            `${ARN}:topicfilter/$aws/things/${THING}/jobs/*`,
            `${ARN}:topicfilter/$aws/things/${THING}/shadow/*`,
          ],
        },
        {
          Effect: "Allow",
          Action: ["iot:GetThingShadow", "iot:UpdateThingShadow", "iot:DeleteThingShadow"],
          Resource: [`${ARN}:thing/${THING}`],
        },
        { Effect: "Allow", Action: ["iot:AssumeRoleWithCertificate"], Resource: [ROLE_ALIAS] },
        {
          Effect: "Allow",
          Action: [
            "greengrass:GetComponentVersionArtifact",
            "greengrass:ResolveComponentCandidates",
            "greengrass:GetDeploymentConfiguration",
            "greengrass:ListThingGroupsForCoreDevice",
          ],
          Resource: ["*"],
        },
      ],
    });
  });

  it("refuses a stack name that would widen the telemetry topics", () => {
    for (const bad of ["", "+", "prod/#", "a*"]) {
      expect(() => coreDevicePolicy({ ...scope, stack: bad, roleAliasArn: ROLE_ALIAS })).toThrow(
        `coreDevicePolicy: stack ${JSON.stringify(bad)} must be a stack name (1 to 100 letters, digits, '.', '_' or '-'; no MQTT wildcards)`,
      );
    }
  });

  it("grants nothing for client devices", () => {
    const json = JSON.stringify(coreDevicePolicy({ ...scope, stack: "prod", roleAliasArn: ROLE_ALIAS }));
    for (const absent of ["PutCertificateAuthorities", "VerifyClientDevice", "-gci", "Connectivity", "iot:*", "greengrass:*"]) {
      expect(json).not.toContain(absent);
    }
  });

  it("builds ARNs in other partitions", () => {
    const doc = coreDevicePolicy({
      stack: "prod",
      partition: "aws-cn",
      region: "cn-north-1",
      accountId: "210987654321",
      roleAliasArn: "arn:aws-cn:iot:cn-north-1:210987654321:rolealias/tes",
    });
    expect(doc.Statement[0].Resource[0]).toBe(`arn:aws-cn:iot:cn-north-1:210987654321:client/${THING}`);
  });

  it("rejects a role alias of another account, region or type, naming the argument", () => {
    const expected =
      'coreDevicePolicy: roleAliasArn "%s" must be a role alias ARN of this account and region (arn:aws:iot:eu-west-1:123456789012:rolealias/<name>)';
    for (const bad of [
      "arn:aws:iot:eu-west-1:999999999999:rolealias/tes",
      "arn:aws:iot:us-east-1:123456789012:rolealias/tes",
      "arn:aws:iam::123456789012:role/tes",
      `${ARN}:rolealias/*`,
      "",
    ]) {
      expect(() => coreDevicePolicy({ ...scope, stack: "prod", roleAliasArn: bad })).toThrow(expected.replace("%s", bad));
    }
  });

  it("rejects a malformed partition, region or account", () => {
    expect(() => coreDevicePolicy({ ...scope, stack: "prod", partition: "aws-x", roleAliasArn: ROLE_ALIAS })).toThrow(
      'coreDevicePolicy: partition "aws-x" must be one of aws, aws-cn, aws-us-gov',
    );
    expect(() => coreDevicePolicy({ ...scope, stack: "prod", region: "*", roleAliasArn: ROLE_ALIAS })).toThrow(
      'coreDevicePolicy: region "*" is not an AWS region name (e.g. eu-west-1)',
    );
    expect(() => coreDevicePolicy({ ...scope, stack: "prod", accountId: "1234", roleAliasArn: ROLE_ALIAS })).toThrow(
      'coreDevicePolicy: accountId "1234" must be a 12-digit AWS account id',
    );
  });
});

describe("claimPolicy", () => {
  it("allows only the claim client ids and the fleet provisioning MQTT API of one template", () => {
    expect(CLAIM_CLIENT_ID_PREFIX).toBe("edge-mlops-claim-");
    expect(roundTrip(claimPolicy({ ...scope, templateName: "edge-mlops-dev" }))).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["iot:Connect"], Resource: [`${ARN}:client/edge-mlops-claim-*`] },
        {
          Effect: "Allow",
          Action: ["iot:Publish", "iot:Receive"],
          Resource: [
            `${ARN}:topic/$aws/certificates/create/*`,
            `${ARN}:topic/$aws/provisioning-templates/edge-mlops-dev/provision/*`,
          ],
        },
        {
          Effect: "Allow",
          Action: ["iot:Subscribe"],
          Resource: [
            `${ARN}:topicfilter/$aws/certificates/create/*`,
            `${ARN}:topicfilter/$aws/provisioning-templates/edge-mlops-dev/provision/*`,
          ],
        },
      ],
    });
  });

  it("uses the create-from-csr topics instead when devices send their own CSR", () => {
    const doc = roundTrip(claimPolicy({ ...scope, templateName: "edge-mlops-dev", useCsr: true })) as {
      Statement: { Resource: string[] }[];
    };
    expect(doc.Statement[1].Resource).toEqual([
      `${ARN}:topic/$aws/certificates/create-from-csr/*`,
      `${ARN}:topic/$aws/provisioning-templates/edge-mlops-dev/provision/*`,
    ]);
    expect(doc.Statement[2].Resource).toEqual([
      `${ARN}:topicfilter/$aws/certificates/create-from-csr/*`,
      `${ARN}:topicfilter/$aws/provisioning-templates/edge-mlops-dev/provision/*`,
    ]);
  });

  it("rejects template names AWS IoT would reject", () => {
    expect(() => claimPolicy({ ...scope, templateName: "fleet/*" })).toThrow(
      `claimPolicy: templateName: provisioning template name "fleet/*" may contain only letters, digits, '_' and '-' (AWS IoT rule [0-9A-Za-z_-]+)`,
    );
  });
});

describe("tokenExchangeRolePolicy", () => {
  const args = {
    ...scope,
    artifactBucketArn: "arn:aws:s3:::edge-mlops-artifacts",
    artifactPrefix: "dev/components/",
    repositoryArns: [
      "arn:aws:ecr:eu-west-1:123456789012:repository/edge-mlops/inference",
      "arn:aws:ecr:eu-west-1:123456789012:repository/edge-mlops/hub",
    ],
    logGroupPrefix: "/aws/greengrass/",
    stack: "dev",
  };

  it("scopes logs, artifacts, ECR pulls and telemetry publishing to this stack's resources", () => {
    expect(roundTrip(tokenExchangeRolePolicy(args))).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "GreengrassLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          Resource: [
            "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/greengrass/*",
            "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/greengrass/*:log-stream:*",
          ],
        },
        {
          Sid: "ComponentArtifacts",
          Effect: "Allow",
          Action: ["s3:GetObject"],
          Resource: ["arn:aws:s3:::edge-mlops-artifacts/dev/components/*"],
        },
        {
          Sid: "ComponentArtifactBucketLocation",
          Effect: "Allow",
          Action: ["s3:GetBucketLocation"],
          Resource: ["arn:aws:s3:::edge-mlops-artifacts"],
        },
        { Sid: "EcrAuthorization", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: ["*"] },
        {
          Sid: "EcrPull",
          Effect: "Allow",
          Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
          Resource: [
            "arn:aws:ecr:eu-west-1:123456789012:repository/edge-mlops/inference",
            "arn:aws:ecr:eu-west-1:123456789012:repository/edge-mlops/hub",
          ],
        },
        {
          Sid: "DeviceTelemetryPublish",
          Effect: "Allow",
          Action: ["iot:Publish"],
          Resource: [
            "arn:aws:iot:eu-west-1:123456789012:topic/edge-mlops/dev/${credentials-iot:ThingName}/samples",
            "arn:aws:iot:eu-west-1:123456789012:topic/edge-mlops/dev/${credentials-iot:ThingName}/metrics",
            "arn:aws:iot:eu-west-1:123456789012:topic/edge-mlops/dev/${credentials-iot:ThingName}/health",
          ],
        },
      ],
    });
    expect(findPolicyViolations(roundTrip(tokenExchangeRolePolicy(args)))).toEqual([]);
  });

  it("grants no ECR access when there are no repositories, and lists a repository once", () => {
    const none = tokenExchangeRolePolicy({ ...args, repositoryArns: [] });
    expect(none.Statement.map((s) => s.Sid)).toEqual([
      "GreengrassLogs",
      "ComponentArtifacts",
      "ComponentArtifactBucketLocation",
      "DeviceTelemetryPublish",
    ]);
    const twice = tokenExchangeRolePolicy({ ...args, repositoryArns: [args.repositoryArns[0], args.repositoryArns[0]] });
    expect(twice.Statement[4].Resource).toEqual([args.repositoryArns[0]]);
  });

  it("lets the devices read the model store's releases/ prefix and the bucket's location, and nothing else of that bucket", () => {
    const doc = tokenExchangeRolePolicy({ ...args, repositoryArns: [], modelBucketArn: "arn:aws:s3:::edge-mlops-models-dev", modelPrefix: "releases/" });
    expect(roundTrip(doc.Statement.slice(3, 5))).toEqual([
      { Sid: "ModelArtifacts", Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::edge-mlops-models-dev/releases/*"] },
      { Sid: "ModelArtifactBucketLocation", Effect: "Allow", Action: ["s3:GetBucketLocation"], Resource: ["arn:aws:s3:::edge-mlops-models-dev"] },
    ]);
    expect(doc.Statement).toHaveLength(6);
    expect(findPolicyViolations(roundTrip(doc))).toEqual([]);
    for (const bad of ["arn:aws:s3:::edge-mlops-models/*", "arn:aws-cn:s3:::edge-mlops-models", "edge-mlops-models"]) {
      expect(() => tokenExchangeRolePolicy({ ...args, modelBucketArn: bad, modelPrefix: "releases/" })).toThrow(
        `tokenExchangeRolePolicy: modelBucketArn "${bad}" must be an S3 bucket ARN in partition aws (arn:aws:s3:::<bucket>)`,
      );
    }
    for (const bad of [undefined, "", "releases", "/releases/", "rel*/"]) {
      expect(() => tokenExchangeRolePolicy({ ...args, modelBucketArn: "arn:aws:s3:::models", modelPrefix: bad })).toThrow(
        `tokenExchangeRolePolicy: modelPrefix ${JSON.stringify(bad)} must be a non-empty key prefix ending with "/", without a leading "/", wildcards or spaces`,
      );
    }
  });

  it("narrows the log groups to a deeper prefix", () => {
    const doc = tokenExchangeRolePolicy({ ...args, logGroupPrefix: "/aws/greengrass/UserComponent/eu-west-1/" });
    expect(doc.Statement[0].Resource).toEqual([
      "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/greengrass/UserComponent/eu-west-1/*",
      "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/greengrass/UserComponent/eu-west-1/*:log-stream:*",
    ]);
  });

  it.each([
    [{ artifactPrefix: "" }, 'artifactPrefix "" must be a non-empty key prefix ending with "/", without a leading "/", wildcards or spaces'],
    [{ artifactPrefix: "dev" }, 'artifactPrefix "dev" must be a non-empty key prefix ending with "/", without a leading "/", wildcards or spaces'],
    [{ artifactPrefix: "/dev/" }, 'artifactPrefix "/dev/" must be a non-empty key prefix ending with "/", without a leading "/", wildcards or spaces'],
    [{ artifactPrefix: "*/" }, 'artifactPrefix "*/" must be a non-empty key prefix ending with "/", without a leading "/", wildcards or spaces'],
    [{ artifactBucketArn: "arn:aws:s3:::bucket/key" }, 'artifactBucketArn "arn:aws:s3:::bucket/key" must be an S3 bucket ARN in partition aws (arn:aws:s3:::<bucket>)'],
    [{ artifactBucketArn: "arn:aws:s3:::*" }, 'artifactBucketArn "arn:aws:s3:::*" must be an S3 bucket ARN in partition aws (arn:aws:s3:::<bucket>)'],
    [{ artifactBucketArn: "arn:aws-cn:s3:::bucket" }, 'artifactBucketArn "arn:aws-cn:s3:::bucket" must be an S3 bucket ARN in partition aws (arn:aws:s3:::<bucket>)'],
    [{ logGroupPrefix: "/aws/lambda/" }, 'logGroupPrefix "/aws/lambda/" must start with "/aws/greengrass/" and contain no wildcards, spaces or \':\''],
    [{ logGroupPrefix: "/aws/greengrass/*" }, 'logGroupPrefix "/aws/greengrass/*" must start with "/aws/greengrass/" and contain no wildcards, spaces or \':\''],
    [{ repositoryArns: ["arn:aws:ecr:eu-west-1:123456789012:repository/*"] }, 'repositoryArns entry "arn:aws:ecr:eu-west-1:123456789012:repository/*" must be an ECR repository ARN in partition aws (arn:aws:ecr:<region>:<account>:repository/<name>)'],
    [{ stack: "dev/+" }, "stack \"dev/+\" must be a stack name (1 to 100 letters, digits, '.', '_' or '-'; no MQTT wildcards)"],
    [{ repositoryArns: ["*"] }, 'repositoryArns entry "*" must be an ECR repository ARN in partition aws (arn:aws:ecr:<region>:<account>:repository/<name>)'],
  ])("rejects %j", (override, message) => {
    expect(() => tokenExchangeRolePolicy({ ...args, ...override })).toThrow(`tokenExchangeRolePolicy: ${message}`);
  });
});

describe("trust policies", () => {
  it("lets only the IoT credentials provider assume the token exchange role", () => {
    expect(roundTrip(tokenExchangeTrustPolicy())).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { Service: "credentials.iot.amazonaws.com" }, Action: ["sts:AssumeRole"] },
      ],
    });
  });

  it("lets only AWS IoT assume the provisioning role", () => {
    expect(roundTrip(provisioningTrustPolicy())).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "iot.amazonaws.com" }, Action: ["sts:AssumeRole"] }],
    });
  });
});

describe("findPolicyViolations", () => {
  it("finds nothing in any document this module builds", () => {
    const docs = [
      coreDevicePolicy({ ...scope, stack: "prod", roleAliasArn: ROLE_ALIAS }),
      claimPolicy({ ...scope, templateName: "edge-mlops-dev" }),
      claimPolicy({ ...scope, templateName: "edge-mlops-dev", useCsr: true }),
      tokenExchangeRolePolicy({
        ...scope,
        artifactBucketArn: "arn:aws:s3:::edge-mlops-artifacts",
        artifactPrefix: "dev/",
        repositoryArns: ["arn:aws:ecr:eu-west-1:123456789012:repository/edge-mlops/inference"],
        logGroupPrefix: "/aws/greengrass/",
        stack: "dev",
      }),
      tokenExchangeTrustPolicy(),
      provisioningTrustPolicy(),
    ];
    for (const doc of docs) {
      expect(findPolicyViolations(roundTrip(doc))).toEqual([]);
    }
  });

  it("documents a reason for every wildcard exception", () => {
    expect(WILDCARD_RESOURCE_EXCEPTIONS.map((e) => e.action)).toEqual([
      "greengrass:GetComponentVersionArtifact",
      "greengrass:ResolveComponentCandidates",
      "greengrass:GetDeploymentConfiguration",
      "greengrass:ListThingGroupsForCoreDevice",
      "ecr:GetAuthorizationToken",
    ]);
    for (const exception of WILDCARD_RESOURCE_EXCEPTIONS) {
      expect(exception.reason.length).toBeGreaterThan(40);
    }
  });

  it("flags service-wide and global action wildcards", () => {
    const doc = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "iot:*", Resource: `${ARN}:thing/a` },
        { Effect: "Allow", Action: ["*:*", "*"], Resource: [`${ARN}:thing/a`] },
        { Effect: "Allow", Action: ["greengrass:*", "iot:Publish"], Resource: [`${ARN}:topic/a`] },
      ],
    };
    expect(findPolicyViolations(doc)).toEqual([
      'Statement[0] allows action "iot:*", which grants every iot action',
      'Statement[1] allows action "*:*", which grants every action of every service',
      'Statement[1] allows action "*", which grants every action of every service',
      'Statement[2] allows action "greengrass:*", which grants every greengrass action',
    ]);
  });

  it("flags resource * for actions that are not documented exceptions", () => {
    const doc = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["iot:Publish", "greengrass:ResolveComponentCandidates"], Resource: "*" },
        { Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::bucket/key", "*"] },
      ],
    };
    expect(findPolicyViolations(doc)).toEqual([
      'Statement[0] allows "iot:Publish" on resource "*", which is not a documented wildcard exception',
      'Statement[1] allows "s3:GetObject" on resource "*", which is not a documented wildcard exception',
    ]);
    // The caller decides which exceptions apply, as action names or exception records.
    expect(findPolicyViolations(doc, ["iot:Publish", "greengrass:ResolveComponentCandidates", "s3:GetObject"])).toEqual([]);
    expect(findPolicyViolations(doc, [])).toHaveLength(3);
  });

  it("flags service-wide resource ARNs, NotAction and NotResource", () => {
    const doc = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::*"] },
        { Effect: "Allow", Action: ["iot:Connect"], Resource: ["arn:aws:iot:eu-west-1:123456789012:*"] },
        { Effect: "Allow", NotAction: ["iam:*"], Resource: [`${ARN}:thing/a`] },
        { Effect: "Allow", Action: ["iot:Publish"], NotResource: [`${ARN}:topic/secret`] },
      ],
    };
    expect(findPolicyViolations(doc)).toEqual([
      'Statement[0] allows resource "arn:aws:s3:::*", which covers every resource of the service',
      'Statement[1] allows resource "arn:aws:iot:eu-west-1:123456789012:*", which covers every resource of the service',
      "Statement[2] uses NotAction, which allows every other action",
      "Statement[3] uses NotResource, which allows every other resource",
    ]);
  });

  it("ignores Deny statements, which only take permissions away", () => {
    expect(
      findPolicyViolations({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }] }),
    ).toEqual([]);
  });

  it("reports documents that are not policies", () => {
    expect(findPolicyViolations(null)).toEqual(["policy document must be a JSON object"]);
    expect(findPolicyViolations("{}")).toEqual(["policy document must be a JSON object"]);
    expect(findPolicyViolations({ Version: "2012-10-17" })).toEqual(["policy document has no Statement"]);
    expect(findPolicyViolations({ Statement: [42, { Effect: "Maybe" }, { Effect: "Allow", Resource: ["*"] }] })).toEqual([
      "Statement[0] must be an object",
      'Statement[1] has Effect "Maybe"; expected "Allow" or "Deny"',
      "Statement[2] has no Action",
    ]);
  });
});
