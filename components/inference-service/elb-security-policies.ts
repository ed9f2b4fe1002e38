// Elastic Load Balancing's predefined security policies (the protocol and cipher sets an HTTPS listener negotiates)
// that an Application Load Balancer offers and that accept TLS 1.2 and TLS 1.3 only. The inference service's HTTPS
// listener may use any of these and nothing older: the args schema accepts exactly this list.
//
// Source: Elastic Load Balancing, User Guide for Application Load Balancers, "Security policies for your Application
// Load Balancer" (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html).
// A policy's name states its oldest protocol: `TLS13-1-2` and `TLS13-1-3` allow TLS 1.2 (or 1.3) and newer, `TLS-1-2` and
// `FS-1-2` TLS 1.2 only. Left out on purpose, because they also accept TLS 1.0 or 1.1: ELBSecurityPolicy-2016-08 (the
// default of the API, CLI and CloudFormation), -TLS-1-0-2015-04, -TLS-1-1-2017-01, -FS-2018-06, -FS-1-1-2019-08 and
// every -TLS13-1-0-* and -TLS13-1-1-* policy; ELBSecurityPolicy-2015-05 is a Network Load Balancer policy.
// ELB adds policies over time (each name carries its date): add a new TLS 1.2+ one here when a stack needs it.

/** The ALB security policies that allow TLS 1.2 and newer only, grouped as the ELB guide lists them. */
export const ALB_TLS12_SECURITY_POLICIES = [
  // TLS 1.3 and 1.2
  "ELBSecurityPolicy-TLS13-1-2-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
  "ELBSecurityPolicy-TLS13-1-3-2021-06",
  // FIPS 140-3 validated cryptography
  "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
  // hybrid post-quantum key exchange (ML-KEM)
  "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
  "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
  "ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09",
  "ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09",
  "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
  // FIPS with hybrid post-quantum key exchange
  "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
  "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
  "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09",
  "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-PQ-2025-09",
  "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-PQ-2025-09",
  "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
  // RFC 9151 (CNSA 1.0): strict, and interop policies for clients on their way there
  "ELBSecurityPolicy-TLS13-1-2-RFC9151-FIPS-2023-07",
  "ELBSecurityPolicy-TLS13-1-2-Ext0-RFC9151-FIPS-2023-07",
  "ELBSecurityPolicy-TLS13-1-3-RFC9151-FIPS-2023-07",
  "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP1-FIPS-2023-07",
  "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP2-FIPS-2023-07",
  "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP3-FIPS-2023-07",
  "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP4-FIPS-2023-07",
  // TLS 1.2 only
  "ELBSecurityPolicy-TLS-1-2-2017-01",
  "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
  // TLS 1.2 only, forward secrecy ciphers only
  "ELBSecurityPolicy-FS-1-2-2019-08",
  "ELBSecurityPolicy-FS-1-2-Res-2019-08",
  "ELBSecurityPolicy-FS-1-2-Res-2020-10",
] as const;

/** One of {@link ALB_TLS12_SECURITY_POLICIES}. */
export type AlbTls12SecurityPolicy = (typeof ALB_TLS12_SECURITY_POLICIES)[number];
