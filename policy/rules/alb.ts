/**
 * Load balancer rules (`aws.lb` and its `aws.alb` aliases). Listeners name their load balancer by
 * `loadBalancerArn`, so the HTTPS-redirect rule groups listeners by that value.
 */
import { ALWAYS_MANDATORY, MANDATORY_IN_PROD, type CheckedResource, type ResourceRule, type StackFinding, type StackRule } from "./types";
import { asList, companionsOf, get, isUnknown, keysOf, ofTypes, refersTo, str } from "./util";

const LOAD_BALANCER_TYPES = ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"];
const LISTENER_TYPES = ["aws:lb/listener:Listener", "aws:alb/listener:Listener"];

/** TLS 1.2+ security policies of the families before TLS 1.3 support, named one by one. */
export const TLS12_SSL_POLICIES = [
  "ELBSecurityPolicy-TLS-1-2-2017-01",
  "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
  "ELBSecurityPolicy-FS-1-2-2019-08",
  "ELBSecurityPolicy-FS-1-2-Res-2019-08",
  "ELBSecurityPolicy-FS-1-2-Res-2020-10",
];
/** The TLS13-1-2-* and TLS13-1-3-* families (base, Res, Ext, FIPS and post-quantum variants) negotiate TLS 1.2 or 1.3 only. */
const TLS13_FAMILY = /^ELBSecurityPolicy-TLS13-1-[23]-[A-Za-z0-9-]+$/;

/** Whether an ELB security policy allows only TLS 1.2 and later. */
export function isTls12OrLater(policy: string): boolean {
  return TLS12_SSL_POLICIES.includes(policy) || TLS13_FAMILY.test(policy);
}

/** Whether a load balancer is an application one (no loadBalancerType is one); a type unknown in preview is not known to be. */
function isApplication(r: { inputs: Readonly<Record<string, unknown>> }): boolean {
  const t = r.inputs.loadBalancerType;
  return t === undefined || t === "application";
}

export const albTlsPolicy: ResourceRule = {
  kind: "resource",
  name: "alb-tls-policy",
  description:
    "HTTPS and TLS listeners use a security policy that allows TLS 1.2 or later only (ELBSecurityPolicy-TLS13-1-2-*, " +
    "-TLS13-1-3-*, -TLS-1-2-*, -FS-1-2-*); without sslPolicy the API default ELBSecurityPolicy-2016-08 still allows TLS 1.0.",
  mapsTo: { checkov: ["CKV_AWS_103"], trivy: ["AVD-AWS-0047"] },
  severity: ALWAYS_MANDATORY,
  awsDefaults: [
    {
      setting: "sslPolicy",
      whenAbsent: "ELBSecurityPolicy-2016-08 for listeners created through the API, CloudFormation or a provider (the console's default differs), which allows TLS 1.0 and 1.1",
      compliant: false,
      source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html",
    },
  ],
  resourceTypes: LISTENER_TYPES,
  checkResource: (r) => {
    const protocol = r.inputs.protocol;
    if (protocol !== "HTTPS" && protocol !== "TLS") return [];
    const policy = r.inputs.sslPolicy;
    if (isUnknown(policy)) return [];
    if (policy === undefined) return [`${protocol} listener "${r.name}" has no sslPolicy, so it gets ELBSecurityPolicy-2016-08 (TLS 1.0): set a TLS 1.2+ policy such as ELBSecurityPolicy-TLS13-1-2-2021-06`];
    if (typeof policy === "string" && isTls12OrLater(policy)) return [];
    return [`${protocol} listener "${r.name}" uses sslPolicy ${JSON.stringify(policy)}, which allows TLS older than 1.2: use e.g. ELBSecurityPolicy-TLS13-1-2-2021-06`];
  },
};

export const albDropInvalidHeaders: ResourceRule = {
  kind: "resource",
  name: "alb-drop-invalid-headers",
  description: "Application load balancers drop HTTP headers that are not valid (dropInvalidHeaderFields true), a defence against request smuggling.",
  mapsTo: { checkov: ["CKV_AWS_131"], trivy: ["AVD-AWS-0052"], awsFsbp: ["ELB.4"] },
  severity: ALWAYS_MANDATORY,
  awsDefaults: [
    {
      setting: "dropInvalidHeaderFields",
      whenAbsent: "false (routing.http.drop_invalid_header_fields.enabled): headers that are not valid are forwarded to the targets",
      compliant: false,
      source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#load-balancer-attributes",
    },
  ],
  resourceTypes: LOAD_BALANCER_TYPES,
  checkResource: (r) => {
    const drop = r.inputs.dropInvalidHeaderFields;
    if (!isApplication(r) || isUnknown(drop) || drop === true) return [];
    return [`application load balancer "${r.name}" forwards invalid header fields: set dropInvalidHeaderFields to true`];
  },
};

export const albDeletionProtection: ResourceRule = {
  kind: "resource",
  name: "alb-deletion-protection",
  description:
    "Load balancers have deletion protection on (enableDeletionProtection true), so a replacement or a stray destroy " +
    "cannot take the public endpoint down. Advisory outside prod, where stacks are torn down freely.",
  mapsTo: { checkov: ["CKV_AWS_150"] },
  severity: MANDATORY_IN_PROD,
  awsDefaults: [
    {
      setting: "enableDeletionProtection",
      whenAbsent: "false (deletion_protection.enabled): the load balancer can be deleted",
      compliant: false,
      source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#load-balancer-attributes",
    },
  ],
  resourceTypes: LOAD_BALANCER_TYPES,
  checkResource: (r) => {
    const on = r.inputs.enableDeletionProtection;
    if (isUnknown(on) || on === true) return [];
    return [`load balancer "${r.name}" has no deletion protection: set enableDeletionProtection to true`];
  },
};

/** The load balancer a listener belongs to: its ARN, or (unknown in preview) the resources it comes from. */
function loadBalancerKey(l: CheckedResource): string | undefined {
  const arn = l.inputs.loadBalancerArn;
  if (typeof arn === "string") return arn;
  const deps = l.propertyDependencies?.loadBalancerArn;
  return isUnknown(arn) && deps && deps.length > 0 ? `depends-on:${[...deps].sort().join(",")}` : undefined;
}

function redirectsToHttps(actions: unknown): boolean {
  const list = asList(actions);
  return list.length > 0 && list.every((a) => get(a, "type") === "redirect" && get(a, "redirect", "protocol") === "HTTPS");
}

export const albHttpsRedirect: StackRule = {
  kind: "stack",
  subjectTypes: LISTENER_TYPES,
  name: "alb-https-redirect",
  description:
    "Where a certificate is configured, traffic is served over HTTPS: a listener with a certificate uses protocol " +
    "HTTPS, and every HTTP listener of a load balancer that has an HTTPS listener only redirects to HTTPS.",
  mapsTo: { checkov: ["CKV_AWS_2", "CKV2_AWS_20"], awsFsbp: ["ELB.1"] },
  severity: ALWAYS_MANDATORY,
  checkStack: (resources) => {
    const findings: StackFinding[] = [];
    const groups = new Map<string, CheckedResource[]>();
    for (const l of ofTypes(resources, LISTENER_TYPES)) {
      const certificate = l.inputs.certificateArn;
      if (l.inputs.protocol === "HTTP" && str(certificate)) {
        findings.push({ urn: l.urn, message: `listener "${l.name}" has a certificate but protocol HTTP: serve HTTPS on it` });
      }
      const key = loadBalancerKey(l);
      if (key) groups.set(key, [...(groups.get(key) ?? []), l]);
    }
    for (const listeners of groups.values()) {
      const https = listeners.filter((l) => l.inputs.protocol === "HTTPS");
      if (https.length === 0) continue;
      for (const l of listeners) {
        // A listener without protocol on an application load balancer is HTTP.
        if (l.inputs.protocol !== "HTTP" && l.inputs.protocol !== undefined) continue;
        if (isUnknown(l.inputs.defaultActions) || redirectsToHttps(l.inputs.defaultActions)) continue;
        findings.push({
          urn: l.urn,
          message:
            `listener "${l.name}" serves plain HTTP on a load balancer with HTTPS listener "${https[0].name}": ` +
            `make its default action a redirect with protocol HTTPS`,
        });
      }
    }
    return findings;
  },
};

const WEB_ACL_TYPES = ["aws:wafv2/webAcl:WebAcl"];
const WEB_ACL_ASSOCIATION_TYPES = ["aws:wafv2/webAclAssociation:WebAclAssociation"];
/** Listener actions that authenticate users before the forward (ELB: "Authenticate users using an Application Load Balancer"). */
const AUTHENTICATE_ACTIONS = ["authenticate-oidc", "authenticate-cognito"];

/** Whether a listener's actions authenticate, then forward: an authenticate-* action ordered before every forward. */
function authenticatesBeforeForward(actions: unknown): boolean {
  const list = asList(actions).map((a, i) => ({ type: get(a, "type"), order: typeof get(a, "order") === "number" ? (get(a, "order") as number) : i + 1 }));
  const auth = list.filter((a) => typeof a.type === "string" && AUTHENTICATE_ACTIONS.includes(a.type));
  const forwards = list.filter((a) => a.type === "forward");
  if (auth.length === 0) return false;
  const firstAuth = Math.min(...auth.map((a) => a.order));
  return forwards.every((f) => f.order > firstAuth);
}

/** Whether a web ACL has a rate-based rule (a rule whose statement is a rateBasedStatement). */
function hasRateBasedRule(acl: CheckedResource): boolean {
  return asList(acl.inputs.rules).some((rule) => get(rule, "statement", "rateBasedStatement") !== undefined);
}

export const albPublicClosed: StackRule = {
  kind: "stack",
  name: "alb-public-closed",
  subjectTypes: LOAD_BALANCER_TYPES,
  description:
    "A load balancer is internal, or, when internet-facing (internal absent or false, AWS's default), serves HTTPS " +
    "only (HTTP listeners redirect), authenticates users (an authenticate-oidc or authenticate-cognito action before " +
    "the forward) and has a WAFv2 web ACL with a rate-based rule associated with it. Advisory outside prod, where " +
    "inference.loadBalancer.public.allowUnauthenticated opens it; AWS WAF's association is CKV2_AWS_28 (not exported).",
  mapsTo: { checkov: ["CKV_AWS_2", "CKV_AWS_103", "CKV2_AWS_20"], awsFsbp: ["ELB.1"] },
  severity: MANDATORY_IN_PROD,
  checkStack: (resources) => {
    const findings: StackFinding[] = [];
    const listeners = ofTypes(resources, LISTENER_TYPES);
    const acls = ofTypes(resources, WEB_ACL_TYPES);
    const associations = ofTypes(resources, WEB_ACL_ASSOCIATION_TYPES);
    for (const lb of ofTypes(resources, LOAD_BALANCER_TYPES)) {
      const internal = lb.inputs.internal;
      if (isUnknown(internal) || internal === true) continue;
      const name = `internet-facing load balancer "${lb.name}"`;
      const keys = keysOf(lb.id, lb.arn);
      const own = companionsOf(lb, listeners, "loadBalancerArn", keys).found;
      for (const l of own) {
        const protocol = l.inputs.protocol ?? "HTTP";
        if (isUnknown(protocol) || isUnknown(l.inputs.defaultActions)) continue;
        if (protocol === "HTTP" && !redirectsToHttps(l.inputs.defaultActions)) {
          findings.push({ urn: l.urn, message: `${name}: listener "${l.name}" serves plain HTTP: make it internal, or redirect HTTP to HTTPS` });
        } else if (protocol === "HTTPS" && !authenticatesBeforeForward(l.inputs.defaultActions)) {
          findings.push({ urn: l.urn, message: `${name}: listener "${l.name}" forwards without authentication: put an authenticate-oidc or authenticate-cognito action before the forward, or make it internal` });
        }
      }
      const associated = companionsOf(lb, associations, "resourceArn", keys);
      if (associated.undecided) continue;
      const protecting = associated.found.flatMap((a) => acls.filter((acl) => refersTo(a, "webAclArn", acl, keysOf(acl.id, acl.arn)) !== false));
      if (protecting.length === 0) {
        findings.push({ urn: lb.urn, message: `${name} has no WAFv2 web ACL associated: associate one with a rate-based rule, or make it internal` });
      } else if (!protecting.some(hasRateBasedRule)) {
        findings.push({ urn: lb.urn, message: `${name}: its WAFv2 web ACL has no rate-based rule: add a rule with a rateBasedStatement` });
      }
    }
    return findings;
  },
};

export const ALB_RULES = [albHttpsRedirect, albTlsPolicy, albDropInvalidHeaders, albDeletionProtection, albPublicClosed];
