// The alb-public-closed rule: an internet-facing load balancer in prod must serve HTTPS only, authenticate users before
// the forward and carry a WAFv2 web ACL with a rate-based rule; an internal one passes. Settings left out are judged as
// AWS's defaults (no `internal` is internet-facing, no listener protocol is HTTP).
import { describe, expect, it } from "vitest";
import { evaluate } from "../../policy/engine";
import { albPublicClosed } from "../../policy/rules/alb";
import { UNKNOWN } from "../../policy/rules/types";
import { CERT_ARN, LB_ARN, forward, listener, redirectToHttps, res, T } from "./fixtures";

const ACL_ARN = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/inference/11111111-2222-3333-4444-555555555555";
const lb = (inputs: Record<string, unknown>) => res(T.loadBalancer, "lb", { loadBalancerType: "application", ...inputs }, { id: LB_ARN, arn: LB_ARN });
const oidc = { type: "authenticate-oidc", order: 1, authenticateOidc: { issuer: "https://idp.example.com" } };
const https = (defaultActions: unknown[]) =>
  listener("https", { port: 443, protocol: "HTTPS", certificateArn: CERT_ARN, sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06", defaultActions });
const rateRule = { name: "per-ip", priority: 1, action: { block: {} }, statement: { rateBasedStatement: { limit: 2000, aggregateKeyType: "IP" } } };
const managedRule = { name: "common", priority: 2, statement: { managedRuleGroupStatement: { vendorName: "AWS", name: "AWSManagedRulesCommonRuleSet" } } };
const acl = (rules: unknown[]) => res("aws:wafv2/webAcl:WebAcl", "acl", { scope: "REGIONAL", rules }, { id: ACL_ARN, arn: ACL_ARN });
const association = res("aws:wafv2/webAclAssociation:WebAclAssociation", "acl-lb", { resourceArn: LB_ARN, webAclArn: ACL_ARN });
const closedPublic = () => [
  lb({ internal: false }),
  https([oidc, { ...forward[0], order: 2 }]),
  listener("http", { port: 80, protocol: "HTTP", defaultActions: redirectToHttps }),
  acl([managedRule, rateRule]),
  association,
];
const messages = (resources: ReturnType<typeof res>[]) => evaluate(resources, "prod", [albPublicClosed]).map((v) => v.message);

describe("alb-public-closed", () => {
  it("is mandatory in prod and advisory elsewhere", () => {
    expect(albPublicClosed.severity).toEqual({ dev: "advisory", staging: "advisory", prod: "mandatory" });
  });

  it("passes an internal load balancer serving HTTP inside the VPC", () => {
    expect(messages([lb({ internal: true }), listener("http", { port: 80, protocol: "HTTP", defaultActions: forward })])).toEqual([]);
  });

  it("passes an internet-facing one with HTTPS only, authentication before the forward and a rate-limiting web ACL", () => {
    expect(messages(closedPublic())).toEqual([]);
  });

  it("judges omitted settings as AWS's defaults: no internal is internet-facing, no protocol is HTTP", () => {
    expect(messages([lb({}), listener("plain", { port: 80, defaultActions: forward })])).toEqual([
      `internet-facing load balancer "lb": listener "plain" serves plain HTTP: make it internal, or redirect HTTP to HTTPS`,
      `internet-facing load balancer "lb" has no WAFv2 web ACL associated: associate one with a rate-based rule, or make it internal`,
    ]);
  });

  it("fails an HTTPS listener that forwards without authentication, or authenticates after the forward", () => {
    const expected = `internet-facing load balancer "lb": listener "https" forwards without authentication: put an authenticate-oidc or authenticate-cognito action before the forward, or make it internal`;
    const [, , ...rest] = closedPublic();
    expect(messages([lb({ internal: false }), https(forward), ...rest])).toEqual([expected]);
    expect(messages([lb({ internal: false }), https([{ ...forward[0], order: 1 }, { ...oidc, order: 2 }]), ...rest])).toEqual([expected]);
  });

  it("orders actions without `order` as listed, and counts only an authenticate action as authentication", () => {
    const expected = `internet-facing load balancer "lb": listener "https" forwards without authentication: put an authenticate-oidc or authenticate-cognito action before the forward, or make it internal`;
    const [balancer, , ...rest] = closedPublic();
    const judge = (actions: unknown[]) => messages([balancer, https(actions), ...rest]);
    const { order: _, ...unordered } = oidc;
    expect(judge([unordered, forward[0]])).toEqual([]);
    expect(judge([forward[0], unordered])).toEqual([expected]);
    expect(judge([{ ...forward[0], order: 2 }, oidc])).toEqual([]);
    const fixed = { type: "fixed-response", order: 1, fixedResponse: { contentType: "text/plain", statusCode: "403" } };
    expect(judge([fixed, { ...forward[0], order: 2 }])).toEqual([expected]);
    expect(judge([fixed])).toEqual([expected]);
  });

  it("skips a listener whose actions are unknown in preview, and an association it cannot place", () => {
    const [balancer, secure, , rateAcl] = closedPublic();
    const pending = listener("http", { port: 80, protocol: "HTTP", defaultActions: UNKNOWN });
    const unplaced = res("aws:wafv2/webAclAssociation:WebAclAssociation", "acl-lb", { resourceArn: UNKNOWN, webAclArn: ACL_ARN });
    expect(messages([balancer, secure, pending, rateAcl, association])).toEqual([]);
    expect(messages([balancer, secure, pending, rateAcl, unplaced])).toEqual([]);
  });

  it("judges the web ACL the association names, not another one in the stack; an unknown one may be any", () => {
    const [balancer, secure, redirect] = closedPublic();
    const other = res("aws:wafv2/webAcl:WebAcl", "rate-limited", { scope: "REGIONAL", rules: [rateRule] }, { id: `${ACL_ARN}-2`, arn: `${ACL_ARN}-2` });
    expect(messages([balancer, secure, redirect, acl([managedRule]), other, association])).toEqual([
      `internet-facing load balancer "lb": its WAFv2 web ACL has no rate-based rule: add a rule with a rateBasedStatement`,
    ]);
    const pending = res("aws:wafv2/webAclAssociation:WebAclAssociation", "acl-lb", { resourceArn: LB_ARN, webAclArn: UNKNOWN });
    expect(messages([balancer, secure, redirect, acl([managedRule]), other, pending])).toEqual([]);
  });

  it("fails a web ACL without a rate-based rule, and a load balancer with no web ACL", () => {
    const [balancer, secure, redirect] = closedPublic();
    expect(messages([balancer, secure, redirect, acl([managedRule]), association])).toEqual([
      `internet-facing load balancer "lb": its WAFv2 web ACL has no rate-based rule: add a rule with a rateBasedStatement`,
    ]);
    expect(messages([balancer, secure, redirect])).toEqual([
      `internet-facing load balancer "lb" has no WAFv2 web ACL associated: associate one with a rate-based rule, or make it internal`,
    ]);
  });
});
