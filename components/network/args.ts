// The network's settings as one schema: every default, range and rule of a Network is stated here once. The Network
// component resolves its args with it and the stack config composes it as `edge-mlops:network`.
//
// The VPC's range is judged with ipaddr.js (parsing, network address, RFC 1918 ranges) rather than bit arithmetic of
// our own. Whether two stacks' ranges overlap is a question about the project, not one network: components/config.ts.
import ipaddr from "ipaddr.js";
import { z } from "zod";
import { retentionDays as retention } from "../args";

/** Prefix lengths a VPC range may have here: /16 (VPC's largest) to /20 (below it the private subnets are too small). */
export const VPC_PREFIX = { min: 16, max: 20 } as const;

/** RFC 1918's private IPv4 ranges, the only ones a VPC of this project may use. */
export const RFC1918_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] as const;

/** A parsed IPv4 CIDR block. */
export type Ipv4Block = [ipaddr.IPv4, number];

/** Parses a CIDR block written as four decimal octets and a prefix (`10.0.0.0/16`), or undefined. */
export function parseIpv4Block(cidr: string): Ipv4Block | undefined {
  return ipaddr.IPv4.isValidCIDRFourPartDecimal(cidr) ? ipaddr.IPv4.parseCIDR(cidr) : undefined;
}

/** Whether two CIDR blocks share any address: one holds the other's network address at its own prefix. */
export function blocksOverlap([a, aBits]: Ipv4Block, [b, bBits]: Ipv4Block): boolean {
  return a.match(b, bBits) || b.match(a, aBits);
}

/** What is wrong with a VPC range, in words (undefined when it is fine). */
export function vpcCidrProblem(cidr: string): string | undefined {
  const block = parseIpv4Block(cidr);
  if (!block) return "must be an IPv4 CIDR block of four decimal octets and a prefix, such as 10.0.0.0/16";
  const [address, bits] = block;
  if (bits < VPC_PREFIX.min || bits > VPC_PREFIX.max) {
    return `must have a prefix from /${VPC_PREFIX.min} to /${VPC_PREFIX.max} (Amazon VPC allows /16 to /28; below /20 the private subnets get too small for MWAA and Fargate tasks)`;
  }
  const network = ipaddr.IPv4.networkAddressFromCIDR(cidr).toString();
  if (network !== address.toString()) {
    return `must be a network address with no host bits set (${network}/${bits} is the /${bits} that holds ${address.toString()})`;
  }
  if (address.range() !== "private") {
    return `must lie in an RFC 1918 private range (${RFC1918_RANGES.join(", ")}); ${network}/${bits} is ${address.range() === "unicast" ? "public" : `in the ${address.range()} range`}`;
  }
  return undefined;
}

export const networkSettings = z.strictObject({
  /**
   * IPv4 range of the VPC: a network address (no host bits set) in an RFC 1918 private range (10.0.0.0/8,
   * 172.16.0.0/12, 192.168.0.0/16), /16 to /20 (Amazon VPC allows /16 to /28; below /20 the private subnets get too
   * small for MWAA and Fargate tasks). The stack config also keeps it apart from every other stack of the project.
   * @default "10.0.0.0/16"
   */
  cidrBlock: z
    .string()
    .superRefine((cidr, ctx) => {
      const problem = vpcCidrProblem(cidr);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .default("10.0.0.0/16"),
  /** Availability zones, each with a public and a private subnet. @default 2 */
  availabilityZones: z.union([z.literal(2), z.literal(3)], { message: "must be 2 or 3" }).default(2),
  /**
   * NAT gateways: one per AZ ("onePerAz": private subnets keep their egress when an AZ fails), or one shared
   * ("single": about a third of the hourly cost with 3 AZs, a single point of failure). Resilient by default; a stack
   * that wants the cheaper layout says so (dev does). Prod requires "onePerAz". @default "onePerAz"
   */
  natGateways: z.enum(["single", "onePerAz"]).default("onePerAz"),
  flowLogs: z
    .strictObject({
      /** VPC flow logs to CloudWatch Logs. @default true */
      enabled: z.boolean().default(true),
      /** @default 30 */
      retentionDays: retention.default(30),
      /** @default "ALL" */
      trafficType: z.enum(["ALL", "ACCEPT", "REJECT"]).default("ALL"),
    })
    .prefault({}),
});

/** A Network's settings as given (defaults optional). */
export type NetworkSettingsInput = z.input<typeof networkSettings>;
/** A Network's settings with every default applied. */
export type NetworkSettings = z.output<typeof networkSettings>;
