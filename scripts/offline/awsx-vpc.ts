// The children an `awsx:ec2:Vpc` creates, modelled from awsx's source because under mocks the component is opaque (its
// children are never registered). For the inputs this program passes, awsx creates: the VPC; an internet gateway; per
// availability zone and subnet spec (public first) a subnet, its route table, the table's association and a default
// route (public: to the internet gateway; private: to a NAT gateway); per NAT gateway (one, or one per AZ) an Elastic IP
// and the gateway in that AZ's public subnet; one VPC endpoint per endpoint spec (gateway endpoints on every route
// table). Subnet CIDR blocks follow awsx's "Auto" allocation: each AZ gets an equal block (VPC mask + ceil(log2(AZs))
// bits) and the specs are laid out in order from the block's start; other strategies are described, not computed.
//
// The mocks take the VPC's and subnets' ids from here, and the diff compares these children like any other resource,
// so a CIDR change replaces the VPC and, through the ids, everything that sits in it.
import { identitySeed } from "./replacement";
import { hex } from "./hash";

export const AWSX_VPC_SOURCE =
  "pulumi/pulumi-awsx awsx/ec2/vpc.ts, subnetDistributorNew.ts, subnetNaming.ts (unchanged from v3.8.0 to e60adf3c, 2026-08-20), modelled in scripts/offline/awsx-vpc.ts";

export const AWSX_VPC_CHILD_TYPES = [
  "aws:ec2/vpc:Vpc",
  "aws:ec2/internetGateway:InternetGateway",
  "aws:ec2/subnet:Subnet",
  "aws:ec2/routeTable:RouteTable",
  "aws:ec2/routeTableAssociation:RouteTableAssociation",
  "aws:ec2/route:Route",
  "aws:ec2/eip:Eip",
  "aws:ec2/natGateway:NatGateway",
  "aws:ec2/vpcEndpoint:VpcEndpoint",
] as const;

const ID_PREFIX: Readonly<Record<string, string>> = {
  Vpc: "vpc", InternetGateway: "igw", Subnet: "subnet", RouteTable: "rtb", RouteTableAssociation: "rtbassoc", Route: "r",
  Eip: "eipalloc", NatGateway: "nat", VpcEndpoint: "vpce",
};

export interface ModelledChild {
  readonly type: string;
  readonly name: string;
  /** Type and name of the modelled child it is parented to; the Vpc component itself when absent. */
  readonly parent?: string;
  readonly inputs: Record<string, unknown>;
  readonly id: string;
}

interface Spec {
  readonly type: string;
  readonly name?: string;
  readonly cidrMask?: number;
}

type Inputs = Record<string, unknown>;

/** Dotted-quad ↔ number. */
const ip = (s: string) => s.split(".").reduce((n, o) => n * 256 + Number(o), 0);
const dotted = (n: number) => [24, 16, 8, 0].map((b) => Math.floor(n / 2 ** b) % 256).join(".");

/** Subnet CIDR blocks per AZ, in spec order, as awsx's Auto strategy lays them out (undefined when not Auto/explicit). */
export function autoSubnetCidrs(vpcCidr: string, azCount: number, specs: readonly Spec[], azCidrMask?: number): string[][] | undefined {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(vpcCidr);
  if (!m) return undefined;
  const base = ip(m[1]);
  const vpcMask = Number(m[2]);
  const azMask = azCidrMask ?? vpcMask + (azCount <= 1 ? 0 : Math.ceil(Math.log2(azCount)));
  const defaultMask = azMask + (specs.length <= 1 ? 0 : Math.ceil(Math.log2(specs.length)));
  const out: string[][] = [];
  for (let az = 0; az < azCount; az++) {
    const azBase = base + az * 2 ** (32 - azMask);
    const cidrs: string[] = [];
    let end = azBase; // first address after the previous subnet
    specs.forEach((spec, i) => {
      const mask = spec.cidrMask ?? defaultMask;
      const size = 2 ** (32 - mask);
      const start = i === 0 ? azBase : Math.ceil(end / size) * size;
      cidrs.push(`${dotted(start)}/${mask}`);
      end = start + size;
    });
    out.push(cidrs);
  }
  return out;
}

/** awsx's default NAT strategy is OnePerAz; "Single" puts one in the first AZ. */
function natCount(inputs: Inputs, azCount: number): number {
  const strategy = String((inputs.natGateways as Inputs | undefined)?.strategy ?? "OnePerAz").toLowerCase();
  return strategy === "none" ? 0 : strategy === "single" ? 1 : azCount;
}

/**
 * The children of Vpc `name` with these inputs in `region` (availability zones `<region>a`, `b`, ... as the mocks
 * answer them), each with the id the mocks give it: derived from the inputs that force its replacement.
 */
export function vpcChildren(name: string, inputs: Inputs, region: string): ModelledChild[] {
  const azNames = Array.isArray(inputs.availabilityZoneNames)
    ? (inputs.availabilityZoneNames as string[])
    : ["a", "b", "c", "d", "e", "f"].slice(0, Number(inputs.numberOfAvailabilityZones ?? 3)).map((z) => `${region}${z}`);
  const specs: Spec[] = Array.isArray(inputs.subnetSpecs) && inputs.subnetSpecs.length > 0 ? (inputs.subnetSpecs as Spec[]) : [{ type: "Private" }, { type: "Public" }];
  const strategy = String(inputs.subnetStrategy ?? "Legacy");
  const cidrBlock = String(inputs.cidrBlock ?? "10.0.0.0/16");
  const auto = strategy === "Auto" ? autoSubnetCidrs(cidrBlock, azNames.length, specs, inputs.availabilityZoneCidrMask as number | undefined) : undefined;
  const tags = { Name: name, ...((inputs.tags as Inputs | undefined) ?? {}) };
  const out: ModelledChild[] = [];
  const add = (type: string, childName: string, childInputs: Inputs, parent?: string): ModelledChild => {
    const kind = type.split(":")[2];
    const child = { type, name: childName, parent, inputs: childInputs, id: `${ID_PREFIX[kind]}-${hex(identitySeed(type, childName, childInputs), 17)}` };
    out.push(child);
    return child;
  };
  const { natGateways: _n, subnetSpecs: _s, subnetStrategy: _st, vpcEndpointSpecs: _v, vpcEndpointStrategy: _vs, numberOfAvailabilityZones: _a, ...vpcArgs } = inputs;
  const vpc = add("aws:ec2/vpc:Vpc", name, { ...vpcArgs, cidrBlock, tags });
  const key = (c: ModelledChild) => `${c.type}::${c.name}`;
  const igw = add("aws:ec2/internetGateway:InternetGateway", name, { vpcId: vpc.id, tags }, key(vpc));
  const nats: ModelledChild[] = [];
  const routeTables: ModelledChild[] = [];
  const nNat = natCount(inputs, azNames.length);
  azNames.forEach((az, i) => {
    const ordered = specs.map((s, j) => ({ s, j })).sort((a, b) => Number(b.s.type.toLowerCase() === "public") - Number(a.s.type.toLowerCase() === "public"));
    for (const { s, j } of ordered) {
      const specName = `${name}-${s.name ?? s.type.toLowerCase()}-${i + 1}`;
      const subnetCidr = auto?.[i][j] ?? `allocated by awsx (${strategy}) from ${cidrBlock} for ${azNames.length} AZs, spec ${j}`;
      const subnet = add(
        "aws:ec2/subnet:Subnet",
        specName,
        { vpcId: vpc.id, availabilityZone: az, cidrBlock: subnetCidr, mapPublicIpOnLaunch: s.type.toLowerCase() === "public", assignIpv6AddressOnCreation: false, tags: { ...tags, Name: specName, SubnetType: s.type } },
        key(vpc),
      );
      const rt = add("aws:ec2/routeTable:RouteTable", specName, { vpcId: vpc.id, tags: { ...tags, Name: specName, SubnetType: s.type } }, key(subnet));
      routeTables.push(rt);
      add("aws:ec2/routeTableAssociation:RouteTableAssociation", specName, { routeTableId: rt.id, subnetId: subnet.id }, key(rt));
      if (s.type.toLowerCase() === "public" && nats.length < nNat && (nNat === azNames.length || i === 0)) {
        const eip = add("aws:ec2/eip:Eip", `${name}-${i + 1}`, { tags: { Name: `${name}-${i + 1}` } }, key(subnet));
        nats.push(add("aws:ec2/natGateway:NatGateway", `${name}-${i + 1}`, { subnetId: subnet.id, allocationId: eip.id, tags: { Name: `${name}-${i + 1}` } }, key(subnet)));
      }
      if (s.type.toLowerCase() === "public") {
        add("aws:ec2/route:Route", specName, { routeTableId: rt.id, gatewayId: igw.id, destinationCidrBlock: "0.0.0.0/0" }, key(rt));
      } else if (s.type.toLowerCase() === "private" && nNat > 0) {
        const nat = nNat === 1 ? nats[0] : nats[i];
        add("aws:ec2/route:Route", specName, { routeTableId: rt.id, natGatewayId: nat?.id, destinationCidrBlock: "0.0.0.0/0" }, key(rt));
      }
    }
  });
  for (const spec of (inputs.vpcEndpointSpecs as Inputs[] | undefined) ?? []) {
    const gateway = String(spec.vpcEndpointType ?? "").toLowerCase() === "gateway";
    add(
      "aws:ec2/vpcEndpoint:VpcEndpoint",
      String(spec.serviceName),
      { ...spec, vpcId: vpc.id, ...(gateway && spec.routeTableIds === undefined ? { routeTableIds: routeTables.map((r) => r.id) } : {}), tags },
      key(vpc),
    );
  }
  return out;
}

/** What the mocks return for the component: the VPC's id and the subnet ids by type, in AZ order. */
export function vpcOutputs(name: string, inputs: Inputs, region: string): Inputs {
  const children = vpcChildren(name, inputs, region);
  const subnets = (type: string) => children.filter((c) => c.type === "aws:ec2/subnet:Subnet" && (c.inputs.tags as Inputs).SubnetType === type);
  // awsx lists subnet ids per AZ in creation order.
  return {
    ...inputs,
    vpcId: children[0].id,
    publicSubnetIds: subnets("Public").map((s) => s.id),
    privateSubnetIds: subnets("Private").map((s) => s.id),
    isolatedSubnetIds: subnets("Isolated").map((s) => s.id),
  };
}
