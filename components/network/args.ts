// The network's settings as one schema: every default, range and rule of a Network is stated here once. The Network
// component resolves its args with it and the stack config composes it as `edge-mlops:network`.
import { z } from "zod";
import { retentionDays as retention } from "../args";

export const networkSettings = z.strictObject({
  /**
   * IPv4 range of the VPC, /16 to /20 (VPC allows /16 to /28; below /20 the private subnets get too small for MWAA
   * and Fargate tasks). @default "10.0.0.0/16"
   */
  cidrBlock: z
    .string()
    .regex(
      /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(1[6-9]|20)$/,
      "must be an IPv4 CIDR block with a prefix from /16 to /20",
    )
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
