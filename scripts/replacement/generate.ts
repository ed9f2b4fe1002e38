// Generates scripts/offline/replacements.json: for every resource type this program can plan, which inputs force the
// provider to replace the resource, read from the providers themselves, with each provider's source and version.
//
//   npx tsx scripts/replacement/generate.ts --terraform-provider-aws DIR [--aws-rev REV]
//       --terraform-provider-tls DIR [--tls-rev REV] --terraform-provider-time DIR [--time-rev REV] [--out FILE]
//
// DIR is a checkout of the provider's repository, or its git directory read at REV. Sources per provider:
// - aws (`@pulumi/aws`, bridged from terraform-provider-aws): `ForceNew: true` and `RequiresReplace` in the Go schema,
//   put into Pulumi input names (camelCase, list blocks pluralised) and checked against the installed SDK's Args types;
// - aws-native: the `replaceOnChanges` the generated SDK in node_modules declares (CloudFormation create-only props);
// - tls (`@pulumi/tls`, bridged from terraform-provider-tls) and time (`@pulumiverse/time`, bridged from
//   terraform-provider-time): `RequiresReplace` in their framework schemas;
// - docker: the SDK declares nothing and its provider decides in code, so every change "may replace";
// - awsx: `awsx:ec2:Vpc` children are modelled in scripts/offline/awsx-vpc.ts; their types are covered like any other.
// The types come from the program's sources (`new awsIot.TopicRule(` after `import * as awsIot from "@pulumi/aws/iot"`,
// `new Sleep(` after `import { Sleep } from "@pulumiverse/time/sleep"`), the awsx model, and Pulumi's provider resources.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { AWSX_VPC_CHILD_TYPES, AWSX_VPC_SOURCE } from "../offline/awsx-vpc";
import { PulumiSdk, type SdkProperty } from "./sdk";
import { sourceVersion, TerraformProvider, type Source } from "./terraform";

const ROOT = path.resolve(__dirname, "..", "..");
const NODE_MODULES = path.join(ROOT, "node_modules", "@pulumi");

export interface TypeEntry {
  readonly provider: string;
  /** The upstream resource read (Terraform name and file), where there is one. */
  readonly upstream?: string;
  /** Inputs (Pulumi names; `[]` marks list elements, `*` any key) whose change replaces the resource. */
  readonly replaceOn: string[];
  /** Blocks whose addition, removal or count change replaces the resource (their own leaves may update in place). */
  readonly replaceOnCount?: string[];
  /** Inputs whose change may replace it: the provider decides at plan time, or the reader could not tell. */
  readonly mayReplaceOn?: string[];
  /** Upstream paths marked as forcing replacement that have no input of that name in the installed SDK. */
  readonly unmapped?: string[];
}

/** Pulumi tokens whose Terraform name is not `aws_<module>_<snake name>` (ec2 drops the module), from pulumi-aws's mapping. */
const TF_NAMES: Readonly<Record<string, string>> = {
  "aws:lb/loadBalancer:LoadBalancer": "aws_lb",
  "aws:s3/bucketObjectv2:BucketObjectv2": "aws_s3_object",
};

const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function terraformName(token: string): string {
  if (TF_NAMES[token]) return TF_NAMES[token];
  const [mod, name] = token.split(":")[1].split("/");
  return mod === "ec2" ? `aws_${snake(name)}` : `aws_${mod}_${snake(name)}`;
}

/** Packages whose resource classes the program constructs, by npm name. */
const RESOURCE_PACKAGES = ["@pulumi/aws", "@pulumi/aws-native", "@pulumi/awsx", "@pulumi/docker", "@pulumi/tls", "@pulumiverse/time"];

/**
 * The types the program constructs, read from its sources: each `import * as x from "<package>[/<module>]"` or
 * `import { Y } from "<package>/<module>"` of a package above, then every `new x.Y(` or `new Y(` of such a name,
 * resolved to the SDK class's type token (`new awsIot.TopicRule(` → `aws:iot/topicRule:TopicRule`).
 */
export function programTypes(): string[] {
  const files = ["index.ts", ...walk(path.join(ROOT, "components")).map((f) => path.relative(ROOT, f))];
  const types = new Set<string>();
  const packageOf = (spec: string) => RESOURCE_PACKAGES.find((p) => spec === p || spec.startsWith(`${p}/`));
  for (const f of files) {
    const text = fs.readFileSync(path.join(ROOT, f), "utf8");
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const modules = new Map<string, any>();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const classes = new Map<string, any>();
    for (const m of text.matchAll(/^import \* as (\w+) from "([^"]+)";$/gm)) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      if (packageOf(m[2])) modules.set(m[1], require(m[2]));
    }
    for (const m of text.matchAll(/^import \{([^}]+)\} from "([^"]+)";$/gm)) {
      if (!packageOf(m[2])) continue;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(m[2]);
      for (const name of m[1].split(",").map((n) => n.trim()).filter((n) => n !== "" && !n.startsWith("type "))) {
        const [imported, local] = name.split(/\s+as\s+/);
        classes.set(local ?? imported, mod[imported]);
      }
    }
    const resolve = (cls: { __pulumiType?: string } | undefined, what: string) => {
      const token = cls?.__pulumiType;
      if (!token) throw new Error(`${f}: cannot resolve ${what} to a resource type`);
      // Provider classes declare just their package name; the engine's type is pulumi:providers:<package>.
      types.add(token.includes(":") ? token : `pulumi:providers:${token}`);
    };
    for (const m of text.matchAll(/new (\w+)\.([A-Za-z0-9.]+)\(/g)) {
      if (!modules.has(m[1])) continue;
      let cls = modules.get(m[1]);
      for (const part of m[2].split(".")) cls = cls?.[part];
      resolve(cls, `${m[1]}.${m[2]}`);
    }
    for (const m of text.matchAll(/new (\w+)\(/g)) if (classes.has(m[1])) resolve(classes.get(m[1]), m[1]);
  }
  return [...types].sort();
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
}

/** Puts a Terraform attribute path into Pulumi input names, walking the SDK's types; undefined when a name is missing. */
function pulumiPath(sdk: PulumiSdk, token: string, tfPath: string): string | undefined {
  let props: SdkProperty[] = sdk.args(token);
  const out: string[] = [];
  const segs = tfPath.split(".");
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i].replace(/\[\]$/, "");
    const c = camel(seg);
    // The bridge's names: camelCase, list blocks pluralised; pulumi-aws also drops a `<resource>_name`/`_arn`
    // suffix (`alarm_name` → `name`, `topic_arn` → `topic`, permission `function_name` → `function`).
    const stripped = c.replace(/(Name|Arn)$/, "");
    const candidates = [c, `${c}s`, c.replace(/y$/, "ies"), `${c}es`, ...(stripped !== c ? [stripped, "name"] : [])];
    const prop = candidates.map((n) => props.find((p) => p.name === n)).find(Boolean);
    if (!prop) return undefined;
    const elements = segs[i].endsWith("[]");
    out.push(prop.name + (elements && prop.array ? "[]" : ""));
    if (i < segs.length - 1) {
      if (!prop.ref) return undefined;
      props = sdk.nested(prop.ref);
    }
  }
  return out.join(".").replace(/\.\[\]/g, "[]");
}

function awsEntry(tf: TerraformProvider, sdk: PulumiSdk, token: string): TypeEntry {
  const name = terraformName(token);
  const res = tf.resource(name);
  const replaceOn: string[] = [];
  const replaceOnCount: string[] = [];
  const unmapped: string[] = [];
  for (const a of res.attributes) {
    if (!a.forceNew) continue;
    const tfPath = a.path;
    const p = pulumiPath(sdk, token, tfPath);
    if (!p) {
      // Computed-only attributes (no input of that name) cannot change from the program.
      unmapped.push(tfPath);
      continue;
    }
    // A ForceNew list of blocks replaces when blocks come or go; a primitive list or a leaf when its value changes.
    (a.block ? replaceOnCount : replaceOn).push(p);
  }
  const mayReplaceOn = res.conditional.map((c) => (c === "*" ? "*" : pulumiPath(sdk, token, c.replace(/\[\]$/, "")) ?? c));
  return {
    provider: "aws",
    upstream: `${name} (${res.file})`,
    replaceOn: [...new Set(replaceOn)].sort(),
    ...(replaceOnCount.length ? { replaceOnCount: [...new Set(replaceOnCount)].sort() } : {}),
    ...(mayReplaceOn.length ? { mayReplaceOn: [...new Set(mayReplaceOn)].sort() } : {}),
    ...(unmapped.length ? { unmapped: unmapped.sort() } : {}),
  };
}

/** A resource of a plugin-framework Terraform provider (tls, time): `RequiresReplace()` plan modifiers. */
function frameworkEntry(provider: "tls" | "time", tf: TerraformProvider, sdk: PulumiSdk, token: string): TypeEntry {
  // tls names its files after the resource (resource_private_key.go), time after the provider and resource.
  const resourceFile = `internal/provider/resource_${provider === "time" ? "time_" : ""}${snake(token.split(":")[2])}.go`;
  const res = tf.resource(`${provider}_${snake(token.split(":")[2])}`, resourceFile);
  const replaceOn = res.attributes.filter((a) => a.forceNew).map((a) => pulumiPath(sdk, token, a.path) ?? a.path);
  return {
    provider,
    upstream: `${provider}_${snake(token.split(":")[2])} (${resourceFile})`,
    replaceOn: [...new Set(replaceOn)].sort(),
    ...(res.conditional.length ? { mayReplaceOn: res.conditional.map((c) => pulumiPath(sdk, token, c) ?? c) } : {}),
  };
}

function gitCommit(src: Source): string | undefined {
  if (!src.rev) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require("node:child_process") as typeof import("node:child_process")).execFileSync("git", ["--git-dir", src.dir, "rev-parse", src.rev], { encoding: "utf8" }).trim();
}

export function generate(opts: { aws: Source; tls: Source; time: Source }): unknown {
  const sdks = {
    aws: new PulumiSdk(path.join(NODE_MODULES, "aws")),
    native: new PulumiSdk(path.join(NODE_MODULES, "aws-native")),
    tls: new PulumiSdk(path.join(NODE_MODULES, "tls")),
    docker: new PulumiSdk(path.join(NODE_MODULES, "docker")),
    awsx: new PulumiSdk(path.join(NODE_MODULES, "awsx")),
    time: new PulumiSdk(path.join(ROOT, "node_modules", "@pulumiverse", "time")),
  };
  const tfAws = new TerraformProvider(opts.aws);
  const tfTls = new TerraformProvider(opts.tls);
  const tfTime = new TerraformProvider(opts.time);
  const types = [...new Set([...programTypes(), ...AWSX_VPC_CHILD_TYPES])].sort();
  const entries: Record<string, TypeEntry> = {};
  for (const token of types) {
    const pkg = token.split(":")[0];
    if (pkg === "pulumi") continue;
    if (pkg === "aws") entries[token] = awsEntry(tfAws, sdks.aws, token);
    else if (pkg === "aws-native") entries[token] = { provider: "aws-native", replaceOn: sdks.native.replaceOnChanges(token) };
    else if (pkg === "tls") entries[token] = frameworkEntry("tls", tfTls, sdks.tls, token);
    else if (pkg === "time") entries[token] = frameworkEntry("time", tfTime, sdks.time, token);
    else if (pkg === "docker") entries[token] = { provider: "docker", replaceOn: [], mayReplaceOn: ["*"] };
    else if (token === "awsx:ec2:Vpc") entries[token] = { provider: "awsx", replaceOn: [], mayReplaceOn: [] };
    else throw new Error(`${token}: no source of replacement data for package ${pkg}`);
  }
  // Explicit provider resources: a change of their configuration may replace every resource they manage.
  for (const p of ["aws", "aws-native", "tls", "docker"]) entries[`pulumi:providers:${p}`] = { provider: p, replaceOn: [], mayReplaceOn: ["*"] };
  return {
    generatedBy: "scripts/replacement/generate.ts",
    providers: {
      aws: {
        package: `@pulumi/aws ${sdks.aws.version}`,
        source: "hashicorp/terraform-provider-aws",
        sourceVersion: sourceVersion(opts.aws),
        sourceCommit: gitCommit(opts.aws),
        reads: "ForceNew: true (plugin SDK) and RequiresReplace() (plugin framework), nested blocks included",
      },
      "aws-native": { package: `@pulumi/aws-native ${sdks.native.version}`, source: "node_modules/@pulumi/aws-native (replaceOnChanges of each resource class)" },
      tls: {
        package: `@pulumi/tls ${sdks.tls.version}`,
        source: "hashicorp/terraform-provider-tls",
        sourceVersion: sourceVersion(opts.tls),
        sourceCommit: gitCommit(opts.tls),
        reads: "RequiresReplace() plan modifiers",
      },
      time: {
        package: `@pulumiverse/time ${sdks.time.version}`,
        source: "hashicorp/terraform-provider-time",
        sourceVersion: sourceVersion(opts.time),
        sourceCommit: gitCommit(opts.time),
        reads: "RequiresReplace() plan modifiers",
      },
      docker: { package: `@pulumi/docker ${sdks.docker.version}`, source: "the SDK declares no replaceOnChanges; the provider decides in code: every change may replace" },
      awsx: { package: `@pulumi/awsx ${sdks.awsx.version}`, source: AWSX_VPC_SOURCE },
    },
    types: entries,
  };
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      "terraform-provider-aws": { type: "string" },
      "aws-rev": { type: "string" },
      "terraform-provider-tls": { type: "string" },
      "tls-rev": { type: "string" },
      "terraform-provider-time": { type: "string" },
      "time-rev": { type: "string" },
      out: { type: "string", default: path.join(ROOT, "scripts", "offline", "replacements.json") },
    },
  });
  const aws = values["terraform-provider-aws"];
  const tls = values["terraform-provider-tls"];
  const time = values["terraform-provider-time"];
  if (!aws || !tls || !time) {
    process.stderr.write(
      "usage: generate.ts --terraform-provider-aws DIR [--aws-rev REV] --terraform-provider-tls DIR [--tls-rev REV] --terraform-provider-time DIR [--time-rev REV] [--out FILE]\n",
    );
    process.exit(1);
  }
  const data = generate({ aws: { dir: aws, rev: values["aws-rev"] }, tls: { dir: tls, rev: values["tls-rev"] }, time: { dir: time, rev: values["time-rev"] } });
  fs.writeFileSync(values.out!, JSON.stringify(data, null, 2) + "\n");
  process.stdout.write(`wrote ${path.relative(process.cwd(), values.out!)} (${Object.keys((data as { types: object }).types).length} types)\n`);
}
