// Reads a Pulumi provider SDK as installed in node_modules: which resource class a type token is, the input
// properties of its `<Name>Args` (and of the nested `inputs.<module>.<Type>` they refer to), and what the SDK itself
// declares as `replaceOnChanges`. The generator uses it to put Terraform attribute paths into Pulumi's input names and
// to check that every name it writes is one the program could set.
import * as fs from "node:fs";
import * as path from "node:path";

export interface SdkProperty {
  readonly name: string;
  /** The nested input type the property holds (`ecs.TaskDefinitionVolume`), if any. */
  readonly ref?: string;
  readonly array: boolean;
}

export class PulumiSdk {
  private inputTypes?: string;
  constructor(readonly dir: string) {}

  get version(): string {
    return (JSON.parse(fs.readFileSync(path.join(this.dir, "package.json"), "utf8")) as { version: string }).version;
  }

  /** `aws:ec2/flowLog:FlowLog` → `ec2/flowLog`; `aws-native:iot:ScheduledAudit` → `iot/scheduledAudit`. */
  static modulePath(token: string): string {
    const [, mod, name] = token.split(":");
    if (mod.includes("/")) return mod.replace(/^index\//, "");
    return `${mod}/${name[0].toLowerCase()}${name.slice(1)}`;
  }

  private file(token: string, ext: string): string {
    const f = path.join(this.dir, `${PulumiSdk.modulePath(token)}${ext}`);
    if (!fs.existsSync(f)) throw new Error(`${token}: no ${path.relative(process.cwd(), f)} in the installed SDK`);
    return fs.readFileSync(f, "utf8");
  }

  /** The type token the SDK class declares (guards against a wrong module path). */
  declaredToken(token: string): string | undefined {
    return /__pulumiType = ['"]([^'"]+)['"]/.exec(this.file(token, ".js"))?.[1];
  }

  /** `replaceOnChanges` the generated SDK passes for this resource (aws-native: CloudFormation create-only properties). */
  replaceOnChanges(token: string): string[] {
    const m = /replaceOnChanges:\s*\[([^\]]*)\]/.exec(this.file(token, ".js"));
    return m ? [...m[1].matchAll(/["']([^"']+)["']/g)].map((x) => x[1]) : [];
  }

  /** Input properties of the resource's Args interface. */
  args(token: string): SdkProperty[] {
    const name = token.split(":")[2];
    const text = this.file(token, ".d.ts");
    const start = text.indexOf(`export interface ${name}Args {`);
    if (start < 0) return [];
    return properties(text.slice(start, text.indexOf("\n}", start)));
  }

  /** Properties of a nested input type such as `ecs.TaskDefinitionVolume`. */
  nested(ref: string): SdkProperty[] {
    this.inputTypes ??= fs.readFileSync(path.join(this.dir, "types", "input.d.ts"), "utf8");
    // `ecs.TaskDefinitionVolume` lives in `namespace ecs`; a provider without modules (tls) declares them at the top.
    const [mod, name] = ref.includes(".") ? ref.split(".") : [undefined, ref];
    const ns = mod === undefined ? 0 : this.inputTypes.indexOf(`export declare namespace ${mod} {`);
    if (ns < 0) return [];
    const indent = mod === undefined ? "export " : "    ";
    const at = this.inputTypes.indexOf(`${indent}interface ${name} {`, ns);
    if (at < 0) return [];
    return properties(this.inputTypes.slice(at, this.inputTypes.indexOf(mod === undefined ? "\n}" : "\n    }", at)));
  }
}

function properties(body: string): SdkProperty[] {
  const out: SdkProperty[] = [];
  for (const m of body.matchAll(/^\s+(?:readonly\s+)?(\w+)\??: (.+);$/gm)) {
    const ref = /inputs\.((?:\w+\.)?\w+)/.exec(m[2])?.[1];
    out.push({ name: m[1], ref, array: /\[\]/.test(m[2]) });
  }
  return out;
}
