// The network's settings schema on its own, without mocks: the VPC range rule in every branch (not a CIDR block, the
// prefix bounds at their edges, host bits set, public and special-purpose ranges) with its exact words, through
// the stack config's one line as well, and the overlap test the stack config keeps stacks apart with.
import { describe, expect, it } from "vitest";
import { ConfigError, parseStackSettings } from "../../components/config";
import { blocksOverlap, networkSettings, parseIpv4Block, vpcCidrProblem } from "../../components/network/args";

const block = (cidr: string) => {
  const b = parseIpv4Block(cidr);
  if (!b) throw new Error(`test setup: ${cidr} is not a CIDR block`);
  return b;
};

describe("vpcCidrProblem", () => {
  const PREFIX = "must have a prefix from /16 to /20 (Amazon VPC allows /16 to /28; below /20 the private subnets get too small for MWAA and Fargate tasks)";

  it.each([
    ["10.0.0.0/16", undefined],
    ["172.16.0.0/16", undefined],
    ["192.168.16.0/20", undefined],
    ["10.0.0.0/15", PREFIX],
    ["10.0.0.0/8", PREFIX],
    ["10.0.0.0/21", PREFIX],
    ["10.0.0.0/24", PREFIX],
    ["10.0.0/16", "must be an IPv4 CIDR block of four decimal octets and a prefix, such as 10.0.0.0/16"],
    ["0x0a.0.0.0/16", "must be an IPv4 CIDR block of four decimal octets and a prefix, such as 10.0.0.0/16"],
    ["10.0.0.0", "must be an IPv4 CIDR block of four decimal octets and a prefix, such as 10.0.0.0/16"],
    ["10.0.1.0/16", "must be a network address with no host bits set (10.0.0.0/16 is the /16 that holds 10.0.1.0)"],
    ["10.0.0.1/20", "must be a network address with no host bits set (10.0.0.0/20 is the /20 that holds 10.0.0.1)"],
    ["8.8.0.0/16", "must lie in an RFC 1918 private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16); 8.8.0.0/16 is public"],
    ["100.64.0.0/16", "must lie in an RFC 1918 private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16); 100.64.0.0/16 is in the carrierGradeNat range"],
    ["169.254.0.0/16", "must lie in an RFC 1918 private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16); 169.254.0.0/16 is in the linkLocal range"],
  ])("%s: %s", (cidr, problem) => {
    expect(vpcCidrProblem(cidr)).toBe(problem);
  });

  it("is the stack config's one line for edge-mlops:network.cidrBlock", () => {
    let error: unknown;
    try {
      parseStackSettings({ environment: "dev", network: { cidrBlock: "10.0.1.0/16" } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      'config error: edge-mlops:network.cidrBlock: must be a network address with no host bits set (10.0.0.0/16 is the /16 that holds 10.0.1.0), got "10.0.1.0/16"',
    );
  });

  it("is the schema's default when no range is given", () => {
    expect(networkSettings.parse({}).cidrBlock).toBe("10.0.0.0/16");
  });
});

describe("blocksOverlap", () => {
  it.each([
    ["10.0.0.0/16", "10.0.128.0/20", true],
    ["10.0.128.0/20", "10.0.0.0/16", true],
    ["10.0.0.0/16", "10.0.0.0/16", true],
    ["10.0.0.0/16", "10.1.0.0/16", false],
    ["10.0.0.0/20", "10.0.16.0/20", false],
    ["10.0.16.0/20", "10.0.0.0/20", false],
  ])("%s and %s: %s", (a, b, overlap) => {
    expect(blocksOverlap(block(a), block(b))).toBe(overlap);
  });
});
