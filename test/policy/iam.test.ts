// IAM and IoT rules: statement shapes, wildcard forms, PassRole scoping and its service condition, IoT resources scoped
// to the connecting thing, and the role behind an IoT role alias.
import { describe, expect, it } from "vitest";
import { CLAIM_CLIENT_ID_PREFIX, THING_NAME_VARIABLE, WILDCARD_RESOURCE_EXCEPTIONS } from "../../components/edge-fleet/policies";
import { evaluate } from "../../policy/engine";
import { IAM_RULES, iamNoAdminManagedPolicies, iamNoWildcardActions, iamPassRolePassedToService, iamPassRoleScoped, isAdminPolicyArn } from "../../policy/rules/iam";
import { iotPolicyLeastPrivilege, iotRoleAliasCredentialDuration, iotRoleAliasRolePolicies, iotRoleAliasSessionFitsRole, THING_SCOPE_EXCEPTIONS, thingScopeProblem } from "../../policy/rules/iot";
import { UNKNOWN, type CheckedResource, type Rule } from "../../policy/rules/types";
import { ACCOUNT, REGION, ROLE_ARN, T, TOKEN_ROLE_ARN, doc, res, roleAliasStack, rolePolicy, sessionStack, tokenExchangePolicyJson } from "./fixtures";

const messages = (resources: CheckedResource[], rules: readonly Rule[]) => evaluate(resources, "prod", rules).map((v) => v.message);

describe("iam-no-wildcard-actions", () => {
  it("flags *, *:*, whole services and NotAction in Allow statements, as string or list, Statement as object or list", () => {
    const single = JSON.stringify({ Version: "2012-10-17", Statement: { Effect: "Allow", Action: "*", Resource: "*" } });
    expect(messages([rolePolicy("p", single)], [iamNoWildcardActions])).toEqual([`policy of "p": Statement[0] allows action "*": every action of every service`]);
    const many = doc(
      { Effect: "Allow", Action: "*:*", Resource: "*" },
      { Effect: "Allow", Action: ["logs:PutLogEvents", "SageMaker:*"], Resource: "*" },
      { Effect: "Allow", NotAction: "iam:*", Resource: "*" },
    );
    expect(messages([rolePolicy("p", many)], [iamNoWildcardActions])).toEqual([
      `policy of "p": Statement[0] allows action "*:*": every action of every service`,
      `policy of "p": Statement[1] allows action "SageMaker:*": every SageMaker action`,
      `policy of "p": Statement[2] allows with NotAction, which grants every action not listed`,
    ]);
  });

  it("ignores Deny statements and action prefixes such as s3:Get*", () => {
    const policy = doc({ Effect: "Deny", Action: "s3:*", Resource: "*", Principal: "*" }, { Effect: "Allow", Action: "s3:Get*", Resource: "arn:aws:s3:::b/*" });
    expect(messages([rolePolicy("p", policy)], [iamNoWildcardActions])).toEqual([]);
  });

  it("reads role inline policies, managed policies and policy objects; reports unreadable documents", () => {
    const role = res(T.role, "r", { assumeRolePolicy: "{}", inlinePolicies: [{ name: "inline", policy: doc({ Effect: "Allow", Action: "ecr:*", Resource: "*" }) }] });
    const managed = res(T.policy, "m", { policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] } });
    expect(messages([role, managed, rolePolicy("broken", "{"), rolePolicy("empty", doc())], [iamNoWildcardActions])).toEqual([
      `inline policy "inline" of role "r": Statement[0] allows action "ecr:*": every ecr action`,
      `policy of "m": Statement[0] allows action "*": every action of every service`,
      expect.stringMatching(/^policy of "broken" is not valid JSON/),
      `policy of "empty": the policy document has no Statement`,
    ]);
  });

  it("reads `inlinePolicies: [{}]` as a role without inline policies", () => {
    expect(messages([res(T.role, "r", { assumeRolePolicy: "{}", inlinePolicies: [{}] })], IAM_RULES)).toEqual([]);
  });

  it("skips documents that are unknown in preview", () => {
    const role = res(T.role, "r", { inlinePolicies: UNKNOWN });
    expect(messages([role, rolePolicy("p", UNKNOWN), rolePolicy("q", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: UNKNOWN }] })], IAM_RULES)).toEqual([]);
  });
});

describe("iam-no-admin-managed-policies", () => {
  it("matches AdministratorAccess and *FullAccess in any partition, not other managed policies", () => {
    expect(isAdminPolicyArn("arn:aws:iam::aws:policy/AdministratorAccess")).toBe(true);
    expect(isAdminPolicyArn("arn:aws-cn:iam::aws:policy/AmazonS3FullAccess")).toBe(true);
    expect(isAdminPolicyArn("arn:aws:iam::aws:policy/AWSLambda_FullAccess")).toBe(true);
    expect(isAdminPolicyArn("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")).toBe(false);
    expect(isAdminPolicyArn("arn:aws:iam::aws:policy/service-role/AmazonSageMakerServiceCatalogProductsUseRole")).toBe(false);
  });

  it("checks a role's managedPolicyArns and every attachment type", () => {
    const role = res(T.role, "r", { managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonSageMakerFullAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess"] });
    const user = res("aws:iam/userPolicyAttachment:UserPolicyAttachment", "u", { user: "ci", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" });
    expect(messages([role, user], [iamNoAdminManagedPolicies])).toEqual([
      `"r" attaches managed policy arn:aws:iam::aws:policy/AmazonSageMakerFullAccess: write a least-privilege policy instead`,
      `"u" attaches managed policy arn:aws:iam::aws:policy/AdministratorAccess: write a least-privilege policy instead`,
    ]);
  });
});

describe("iam:PassRole", () => {
  it("is found through wildcards such as iam:Pass* and iam:*", () => {
    const policy = doc({ Effect: "Allow", Action: ["iam:Pass*"], Resource: `arn:aws:iam::${ACCOUNT}:role/*` }, { Effect: "Allow", Action: "iam:*", NotResource: ROLE_ARN });
    expect(messages([rolePolicy("p", policy)], [iamPassRoleScoped])).toEqual([
      `policy of "p": Statement[0] grants iam:PassRole on "arn:aws:iam::${ACCOUNT}:role/*": name the roles it may pass`,
      `policy of "p": Statement[1] grants iam:PassRole with NotResource: name the roles it may pass`,
    ]);
  });

  it("names every role wildcard of a statement, in any partition", () => {
    const policy = doc({ Effect: "Allow", Action: "iam:PassRole", Resource: ["*", "arn:aws-cn:iam::123456789012:role/*", ROLE_ARN] });
    expect(messages([rolePolicy("p", policy)], [iamPassRoleScoped])).toEqual([
      `policy of "p": Statement[0] grants iam:PassRole on "*", "arn:aws-cn:iam::123456789012:role/*": name the roles it may pass`,
    ]);
    expect(messages([rolePolicy("p", doc({ Effect: "Allow", Action: "iam:PassRole", Resource: "arn:aws-us-gov:iam::123456789012:role/*" }))], [iamPassRoleScoped])).toHaveLength(1);
  });

  it("leaves an unreadable document to iam-no-wildcard-actions, which reports it once", () => {
    const broken = [rolePolicy("p", JSON.stringify({ Version: "2012-10-17", Statement: [42] }))];
    expect(messages(broken, [iamNoWildcardActions, iamPassRoleScoped, iamPassRolePassedToService])).toEqual([`policy of "p": a Statement entry is not an object`]);
  });

  it("accepts named roles, and role paths", () => {
    const policy = doc({ Effect: "Allow", Action: "iam:PassRole", Resource: [ROLE_ARN, `arn:aws:iam::${ACCOUNT}:role/service/*`], Condition: { StringLike: { "iam:PassedToService": "states.amazonaws.com" } } });
    expect(messages([rolePolicy("p", policy)], [iamPassRoleScoped, iamPassRolePassedToService])).toEqual([]);
  });

  it("reports a missing iam:PassedToService condition as mandatory in every environment", () => {
    const bad = [rolePolicy("p", doc({ Effect: "Allow", Action: "iam:PassRole", Resource: ROLE_ARN }))];
    for (const env of ["dev", "staging", "prod"] as const) {
      expect(evaluate(bad, env, [iamPassRolePassedToService]).map((v) => v.severity)).toEqual(["mandatory"]);
    }
    expect(messages(bad, [iamPassRolePassedToService])).toEqual([
      `policy of "p": Statement[0] grants iam:PassRole without an iam:PassedToService condition, so the role can be passed to any service that accepts it`,
    ]);
  });

  it("accepts iam:PassedToService only under StringEquals or StringLike, naming whole service principals", () => {
    const withCondition = (Condition: unknown) => messages([rolePolicy("p", doc({ Effect: "Allow", Action: "iam:PassRole", Resource: ROLE_ARN, Condition }))], [iamPassRolePassedToService]);
    expect(withCondition({ StringEquals: { "iam:PassedToService": ["sagemaker.amazonaws.com", "states.amazonaws.com"] } })).toEqual([]);
    expect(withCondition({ StringLike: { "IAM:PassedToService": "ecs-tasks.amazonaws.com" } })).toEqual([]);
    expect(withCondition({ StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com.cn" } })).toEqual([]);
    expect(withCondition({ StringNotEquals: { "iam:PassedToService": "ec2.amazonaws.com" } })).toEqual([
      `policy of "p": Statement[0] grants iam:PassRole with iam:PassedToService under StringNotEquals, which does not limit the service to the ones named: use StringEquals or StringLike`,
    ]);
    expect(withCondition({ StringEqualsIfExists: { "iam:PassedToService": "sagemaker.amazonaws.com" } })).toHaveLength(1);
    expect(withCondition({ StringLike: { "iam:PassedToService": "*.amazonaws.com" } })).toEqual([
      `policy of "p": Statement[0] grants iam:PassRole with iam:PassedToService ["*.amazonaws.com"]: name each service principal in full, e.g. "sagemaker.amazonaws.com", without wildcards`,
    ]);
    expect(withCondition({ StringEquals: { "iam:PassedToService": [] } })).toHaveLength(1);
    const without = `policy of "p": Statement[0] grants iam:PassRole without an iam:PassedToService condition, so the role can be passed to any service that accepts it`;
    // Other condition keys, or an operator holding no key map, are no iam:PassedToService condition.
    expect(withCondition({ StringEquals: { "aws:SourceAccount": "123456789012" } })).toEqual([without]);
    expect(withCondition({ StringEquals: "sagemaker.amazonaws.com" })).toEqual([without]);
    // Statements that grant no PassRole, and Deny statements, need no condition.
    expect(messages([rolePolicy("p", doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }, { Effect: "Deny", Action: "iam:PassRole", Resource: "*" }))], [iamPassRolePassedToService])).toEqual([]);
  });
});

describe("IoT", () => {
  it("uses the edge fleet's documented wildcard exceptions", () => {
    const allowed = WILDCARD_RESOURCE_EXCEPTIONS.map((e) => e.action);
    const policy = doc({ Effect: "Allow", Action: allowed, Resource: "*" });
    expect(messages([res(T.iotPolicy, "p", { policy })], [iotPolicyLeastPrivilege])).toEqual([]);
    const extra = doc({ Effect: "Allow", Action: ["iot:Publish"], Resource: "*" });
    expect(messages([res(T.iotPolicy, "p", { policy: extra })], [iotPolicyLeastPrivilege])).toEqual([
      `IoT policy "p": Statement[0] allows "iot:Publish" on resource "*", which is not a documented wildcard exception`,
    ]);
    expect(messages([res(T.iotPolicy, "p", { policy: UNKNOWN })], [iotPolicyLeastPrivilege])).toEqual([]);
  });

  describe("device resources are the connecting thing's own", () => {
    const arn = (resource: string) => `arn:aws:iot:${REGION}:${ACCOUNT}:${resource}`;
    const thing = THING_NAME_VARIABLE;
    const judge = (action: string, ...resources: string[]) =>
      messages([res(T.iotPolicy, "p", { policy: doc({ Effect: "Allow", Action: [action], Resource: resources.map(arn) }) })], [iotPolicyLeastPrivilege]);

    it("accepts the connecting thing's shadow, job executions, client ids and topics", () => {
      expect(judge("iot:GetThingShadow", `thing/${thing}`, `thing/${thing}/config`)).toEqual([]);
      expect(judge("iot:Connect", `client/${thing}`, `client/${thing}#*`)).toEqual([]);
      expect(judge("iot:Publish", `topic/edge-mlops/${thing}/*`, `topic/$aws/things/${thing}/jobs/*`, `topic/${thing}`)).toEqual([]);
      expect(judge("iot:Subscribe", `topicfilter/$aws/things/${thing}/shadow/#`, `topicfilter/${thing}/+/x`)).toEqual([]);
      expect(judge("iot:AssumeRoleWithCertificate", "rolealias/edge-mlops-prod-token-exchange")).toEqual([]);
    });

    it("rejects every thing, topic, topic filter or client id wider than the connecting thing's", () => {
      expect(judge("iot:GetThingShadow", "thing/*")).toEqual([
        `IoT policy "p": Statement[0] allows "iot:GetThingShadow" on "${arn("thing/*")}", which does not name the connecting thing (${thing})`,
      ]);
      expect(judge("iot:UpdateThingShadow", `thing/${thing}*`)).toEqual([
        `IoT policy "p": Statement[0] allows "iot:UpdateThingShadow" on "${arn(`thing/${thing}*`)}", which lets "*" follow ${thing}, so it also covers things whose names begin with the connecting thing's`,
      ]);
      for (const [action, resource] of [
        ["iot:Connect", "client/*"],
        ["iot:Connect", `client/${thing}-*`],
        ["iot:Connect", `client/x-${thing}`],
        ["iot:Publish", "topic/edge-mlops/*"],
        ["iot:Publish", `topic/$aws/things/other-${thing}/shadow/update`],
        ["iot:Publish", `topic/*/${thing}/data`],
        ["iot:Publish", `topic/edge-mlops/${thing}_b/data`],
        ["iot:Subscribe", `topicfilter/+/${thing}/data`],
        ["iot:Subscribe", "topicfilter/$aws/things/+/shadow/#"],
        ["iot:DescribeJobExecution", "thing/?"],
        ["iot:DescribeJob", "job/*"],
        ["iot:AssumeRoleWithCertificate", "rolealias/*"],
      ]) {
        expect(judge(action, resource), resource).toHaveLength(1);
      }
    });

    it("lets only the claim certificate's fleet-provisioning client ids and topics go unscoped", () => {
      expect(THING_SCOPE_EXCEPTIONS.map((e) => `${e.resourceType}/${e.pattern}`)).toEqual([
        `client/${CLAIM_CLIENT_ID_PREFIX}*`,
        "topic/$aws/certificates/create/*",
        "topic/$aws/certificates/create-from-csr/*",
        "topic/$aws/provisioning-templates/<template name>/provision/*",
        "topicfilter/$aws/certificates/create/*",
        "topicfilter/$aws/certificates/create-from-csr/*",
        "topicfilter/$aws/provisioning-templates/<template name>/provision/*",
      ]);
      expect(judge("iot:Connect", `client/${CLAIM_CLIENT_ID_PREFIX}*`)).toEqual([]);
      expect(judge("iot:Publish", "topic/$aws/provisioning-templates/edge-mlops-prod-fleet/provision/*", "topic/$aws/certificates/create-from-csr/*")).toEqual([]);
      for (const resource of [
        "topic/$aws/provisioning-templates/*/provision/*",
        "topic/$aws/provisioning-templates//provision/*",
        "topic/$aws/provisioning-templates/provision/*",
        "topic/$aws/provisioning-templates/fleet/provision/json",
        "topic/$aws/certificates/*",
        `client/${CLAIM_CLIENT_ID_PREFIX}x*`,
      ]) {
        expect(judge("iot:Publish", resource), resource).toHaveLength(1);
      }
    });

    it("rejects another thing's named shadow, and names no exception for a long topic that only looks like one", () => {
      expect(judge("iot:GetThingShadow", `thing/other/${thing}`)).toEqual([
        `IoT policy "p": Statement[0] allows "iot:GetThingShadow" on "${arn(`thing/other/${thing}`)}", which names "other/${thing}", not the connecting thing itself`,
      ]);
      expect(judge("iot:Connect", `client/x-${thing}`)[0]).toContain(`which names "x-${thing}", not the connecting thing itself`);
      expect(judge("iot:Publish", `topic/${"a".repeat(60)}`)).toHaveLength(1);
      expect(judge("iot:Publish", `topic/$aws/provisioning-templates/${"b".repeat(40)}`)).toHaveLength(1);
    });

    it("knows a thing name's characters: only a character thing names cannot hold may follow the variable", () => {
      expect(thingScopeProblem("client", `${thing}:x`)).toMatch(/lets ":" follow/);
      expect(thingScopeProblem("client", `${thing}?`)).toMatch(/lets "\?" follow/);
      expect(thingScopeProblem("topic", `a/${thing}`)).toBeUndefined();
      expect(thingScopeProblem("topic", `a${thing}`)).toMatch(/inside a topic level/);
      expect(thingScopeProblem("topic", `+/${thing}`)).toBeUndefined();
      expect(thingScopeProblem("topicfilter", `#/${thing}`)).toMatch(/wildcard before/);
    });
  });

  it("credential duration: unset means the one-hour default and passes", () => {
    expect(messages([res(T.roleAlias, "a", { alias: "a", roleArn: TOKEN_ROLE_ARN })], [iotRoleAliasCredentialDuration])).toEqual([]);
  });

  it("a credentialDuration that is not a number is reported once, by the credential-duration rule, whatever it reads as", () => {
    for (const duration of ["600", "7200"]) {
      const [alias, role] = sessionStack(7200, 3600);
      const stack = [res(T.roleAlias, alias.name, { ...alias.inputs, credentialDuration: duration }), role];
      expect(messages(stack, [iotRoleAliasCredentialDuration, iotRoleAliasSessionFitsRole]), duration).toEqual([
        `role alias "token-exchange-alias" hands out credentials for "${duration}" seconds: use at most 3600`,
      ]);
    }
  });

  describe("the role's maximum session against the alias' credentials", () => {
    it("judges only numbers it knows: values unknown in preview, or of another type, are skipped", () => {
      const [alias, role] = sessionStack(7200, 3600);
      const withAlias = (credentialDuration: unknown) => [res(T.roleAlias, alias.name, { ...alias.inputs, credentialDuration }), role];
      const withRole = (maxSessionDuration: unknown) => [alias, res(T.role, role.name, { ...role.inputs, maxSessionDuration }, { id: role.id, arn: role.arn })];
      expect(messages(sessionStack(7200, 3600), [iotRoleAliasSessionFitsRole])).toHaveLength(1);
      for (const stack of [withAlias(UNKNOWN), withRole(UNKNOWN), withRole("3600")]) expect(messages(stack, [iotRoleAliasSessionFitsRole])).toEqual([]);
    });

    it("leaves a role it cannot find to iot-role-alias-role-policies: one the stack does not manage, or an unknown ARN without dependencies", () => {
      const [, role] = sessionStack(7200, 3600);
      for (const roleArn of [`arn:aws:iam::${ACCOUNT}:role/elsewhere`, UNKNOWN]) {
        expect(messages([res(T.roleAlias, "a", { alias: "a", roleArn, credentialDuration: 7200 }), role], [iotRoleAliasSessionFitsRole])).toEqual([]);
      }
    });
  });

  describe("the role behind a role alias", () => {
    it("checks inline policies, role policies and attached customer managed policies", () => {
      const [alias, role] = roleAliasStack(tokenExchangePolicyJson());
      const withInline = res(T.role, role.name, { inlinePolicies: [{ name: "extra", policy: doc({ Effect: "Allow", Action: "sqs:*", Resource: `arn:aws:sqs:${REGION}:${ACCOUNT}:q` }) }] }, { id: role.id, arn: role.arn });
      const managedArn = `arn:aws:iam::${ACCOUNT}:policy/devices-extra`;
      const managed = res(T.policy, "devices-extra", { policy: doc({ Effect: "Allow", Action: "dynamodb:GetItem", Resource: "*" }) }, { arn: managedArn });
      const attachment = res(T.attachment, "attach", { role: role.id, policyArn: managedArn });
      const admin = res(T.attachment, "admin", { role: role.id, policyArn: "arn:aws:iam::aws:policy/AWSIoTFullAccess" });
      expect(messages([alias, withInline, managed, attachment, admin], [iotRoleAliasRolePolicies])).toEqual([
        `role alias "token-exchange-alias" -> role "token-exchange" has managed policy arn:aws:iam::aws:policy/AWSIoTFullAccess attached`,
        `role alias "token-exchange-alias" -> role "token-exchange": inline policy "extra" of role "token-exchange": Statement[0] allows action "sqs:*", which grants every sqs action`,
        `role alias "token-exchange-alias" -> role "token-exchange": policy of "devices-extra": Statement[0] allows "dynamodb:GetItem" on resource "*", which is not a documented wildcard exception`,
      ]);
    });

    it("judges a managed policy only when it is attached to the role, matched by its ARN", () => {
      const [alias, role] = roleAliasStack(tokenExchangePolicyJson());
      const admin = res(T.policy, "wide", { policy: doc({ Effect: "Allow", Action: "*", Resource: "*" }) }, { arn: `arn:aws:iam::${ACCOUNT}:policy/wide` });
      const attachment = res(T.attachment, "attach", { role: role.id, policyArn: `arn:aws:iam::${ACCOUNT}:policy/devices-extra` });
      expect(messages([alias, role, admin, attachment], [iotRoleAliasRolePolicies])).toEqual([]);
    });

    it("skips a policy document unknown in preview, and reports the others", () => {
      const [alias, role] = roleAliasStack(tokenExchangePolicyJson());
      const unknown = rolePolicy("later", UNKNOWN, role.id);
      const wide = rolePolicy("wide", doc({ Effect: "Allow", Action: "sqs:*", Resource: `arn:aws:sqs:${REGION}:${ACCOUNT}:q` }), role.id);
      expect(messages([alias, role, unknown, wide], [iotRoleAliasRolePolicies])).toEqual([
        `role alias "token-exchange-alias" -> role "token-exchange": policy of "wide": Statement[0] allows action "sqs:*", which grants every sqs action`,
      ]);
    });

    it("points at no other role when the one it names is not in the stack", () => {
      const [, role] = roleAliasStack(tokenExchangePolicyJson());
      const alias = res(T.roleAlias, "a", { alias: "a", roleArn: `arn:aws:iam::${ACCOUNT}:role/elsewhere` });
      expect(messages([alias, role], [iotRoleAliasRolePolicies])).toEqual([
        `role alias "a" points at "arn:aws:iam::${ACCOUNT}:role/elsewhere", a role this stack does not manage, so its policies cannot be checked`,
      ]);
    });

    it("ignores policies of other roles", () => {
      const stack = roleAliasStack(tokenExchangePolicyJson());
      const other = rolePolicy("other-policy", doc({ Effect: "Allow", Action: "*", Resource: "*" }), "other-role-1");
      expect(messages([...stack, other], [iotRoleAliasRolePolicies])).toEqual([]);
    });

    it("reports a role the stack does not manage, and skips an unknown role ARN", () => {
      const alias = res(T.roleAlias, "a", { alias: "a", roleArn: `arn:aws:iam::${ACCOUNT}:role/elsewhere` });
      expect(messages([alias], [iotRoleAliasRolePolicies])).toEqual([
        `role alias "a" points at "arn:aws:iam::${ACCOUNT}:role/elsewhere", a role this stack does not manage, so its policies cannot be checked`,
      ]);
      expect(messages([res(T.roleAlias, "a", { alias: "a", roleArn: UNKNOWN })], [iotRoleAliasRolePolicies])).toEqual([]);
    });

    it("finds the role through dependencies when its ARN is unknown", () => {
      const [, role, policy] = roleAliasStack(doc({ Effect: "Allow", Action: "iot:*", Resource: "*" }));
      const alias = res(T.roleAlias, "a", { alias: "a", roleArn: UNKNOWN }, { propertyDependencies: { roleArn: [role.urn] } });
      expect(messages([alias, role, policy], [iotRoleAliasRolePolicies])).toHaveLength(2);
    });
  });
});
