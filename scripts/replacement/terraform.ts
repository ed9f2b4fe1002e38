// Reads which arguments of a Terraform AWS resource force its replacement, from the provider's own Go source: the
// `ForceNew: true` attributes of plugin-SDK resources and the `RequiresReplace` plan modifiers of plugin-framework
// resources, nested blocks included. `@pulumi/aws` is bridged from this provider, and the bridge replaces a resource
// exactly when Terraform's plan says "forces replacement", so these are the inputs that replace an `aws:` resource.
//
// This is a reader for the shapes the provider's schema code takes, not a Go parser: whatever it cannot resolve (a
// nested schema built by a helper it cannot find, a CustomizeDiff that forces replacement conditionally) is returned
// as `conditional` so the diff says "may replace" there instead of saying nothing.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** A checkout of terraform-provider-aws: a work tree, or a git directory read at `rev`. */
export interface Source {
  readonly dir: string;
  readonly rev?: string;
}

export function readSource(src: Source, file: string): string {
  if (!src.rev) return fs.readFileSync(path.join(src.dir, file), "utf8");
  return execFileSync("git", ["--git-dir", src.dir, "show", `${src.rev}:${file}`], { encoding: "utf8", maxBuffer: 64 << 20 });
}

function listFiles(src: Source, dir: string): string[] {
  if (!src.rev) return fs.readdirSync(path.join(src.dir, dir)).map((f) => `${dir}/${f}`);
  return execFileSync("git", ["--git-dir", src.dir, "ls-tree", "--name-only", `${src.rev}:${dir}`], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean)
    .map((f) => `${dir}/${f}`);
}

/** `git grep -l` for a fixed string under a folder (the whole tree when no rev: a plain recursive scan). */
function grepFiles(src: Source, needle: string, under: string): string[] {
  if (src.rev) {
    try {
      return execFileSync("git", ["--git-dir", src.dir, "grep", "-l", "-F", needle, src.rev, "--", under], {
        encoding: "utf8",
        maxBuffer: 64 << 20,
        stdio: ["ignore", "pipe", "ignore"],
      })
        .split("\n")
        .filter(Boolean)
        .map((l) => l.slice(src.rev!.length + 1));
    } catch {
      return [];
    }
  }
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(path.join(src.dir, d), { withFileTypes: true })) {
      const rel = `${d}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith(".go") && fs.readFileSync(path.join(src.dir, rel), "utf8").includes(needle)) out.push(rel);
    }
  };
  walk(under);
  return out;
}

/** The provider release a checkout is: `version/VERSION`, else the newest released heading of CHANGELOG.md. */
export function sourceVersion(src: Source): string {
  try {
    return readSource(src, "version/VERSION").trim();
  } catch {
    const log = readSource(src, "CHANGELOG.md");
    const unreleased = /^## (\S+) \(Unreleased\)/m.exec(log);
    const released = /^## (\S+) \((?!Unreleased)[^)]+\)/m.exec(log);
    return unreleased ? `${unreleased[1]}-dev (after ${released?.[1] ?? "?"})` : released?.[1] ?? "unknown";
  }
}

export interface TfAttribute {
  /** Terraform path: block and attribute names joined by "."; a list or set block's elements add "[]". */
  readonly path: string;
  /** List or set (blocks and primitive collections), and whether it holds at most one item (MaxItems: 1). */
  readonly list: boolean;
  readonly maxOne: boolean;
  readonly block: boolean;
  readonly forceNew: boolean;
}

export interface TfResource {
  readonly name: string;
  readonly file: string;
  readonly kind: "sdk" | "framework";
  readonly attributes: TfAttribute[];
  /** Paths whose change replaces only under a condition the provider decides at plan time, or that were not read. */
  readonly conditional: string[];
}

// ---- a little Go text reading --------------------------------------------------------------------------------------

/** Index just past the bracket that closes the one at `open`, skipping strings, runes and comments. */
function closeOf(src: string, open: number): number {
  const pairs: Record<string, string> = { "{": "}", "(": ")", "[": "]" };
  const stack = [pairs[src[open]]];
  for (let i = open + 1; i < src.length; i++) {
    const c = src[i];
    if (c === "/" && src[i + 1] === "/") i = src.indexOf("\n", i);
    else if (c === "/" && src[i + 1] === "*") i = src.indexOf("*/", i) + 1;
    else if (c === '"') {
      for (i++; src[i] !== '"'; i++) if (src[i] === "\\") i++;
    } else if (c === "`") i = src.indexOf("`", i + 1);
    else if (c === "'") {
      for (i++; src[i] !== "'"; i++) if (src[i] === "\\") i++;
    } else if (pairs[c]) stack.push(pairs[c]);
    else if (c === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return i + 1;
    }
    if (i < 0) break;
  }
  throw new Error(`unbalanced bracket at offset ${open}`);
}

/** Splits the inside of a composite literal into its top-level elements (split on commas outside brackets). */
function elements(body: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "{" || c === "(" || c === "[") i = closeOf(body, i) - 1;
    else if (c === '"') {
      for (i++; body[i] !== '"'; i++) if (body[i] === "\\") i++;
    } else if (c === "`") i = body.indexOf("`", i + 1);
    else if (c === "/" && body[i + 1] === "/") i = body.indexOf("\n", i);
    else if (c === ",") {
      out.push(body.slice(start, i));
      start = i + 1;
    }
  }
  out.push(body.slice(start));
  return out.map((e) => e.replace(/^\s*(\/\/[^\n]*\n\s*)*/g, "").trim()).filter(Boolean);
}

/** `Key: value` at the top level of an element; key may be a quoted string or an identifier. */
function keyValue(el: string): [string, string] | undefined {
  for (let i = 0; i < el.length; i++) {
    const c = el[i];
    if (c === "{" || c === "(" || c === "[") i = closeOf(el, i) - 1;
    else if (c === '"') {
      for (i++; el[i] !== '"'; i++) if (el[i] === "\\") i++;
    } else if (c === ":") return [el.slice(0, i).trim(), el.slice(i + 1).trim()];
  }
  return undefined;
}

/** The body (between the braces) of the composite literal that starts at the first "{" at or after `from`. */
function literalBody(src: string, from: number): string {
  const open = src.indexOf("{", from);
  return src.slice(open + 1, closeOf(src, open) - 1);
}

// ---- the provider's packages ----------------------------------------------------------------------------------------

class Package {
  private files?: Map<string, string>;
  constructor(
    private readonly src: Source,
    readonly dir: string,
  ) {}
  all(): Map<string, string> {
    if (!this.files) {
      this.files = new Map();
      for (const f of listFiles(this.src, this.dir)) {
        if (f.endsWith(".go") && !f.endsWith("_test.go")) this.files.set(f, readSource(this.src, f));
      }
    }
    return this.files;
  }
  /** Source text of a package-level `var`/`func` named `ident`, as the expression it stands for. */
  resolve(ident: string): string | undefined {
    for (const text of this.all().values()) {
      const fn = new RegExp(`\\nfunc ${ident}\\([^)]*\\)[^{]*\\{`).exec(text);
      if (fn) {
        const body = text.slice(fn.index + fn[0].length - 1, closeOf(text, fn.index + fn[0].length - 1));
        const ret = /return\s+/.exec(body);
        if (ret) return body.slice(ret.index + ret[0].length);
      }
      const v = new RegExp(`(?:\\n\\s*|var\\s+)${ident}\\s*=\\s*`).exec(text);
      if (v) {
        const start = v.index + v[0].length;
        const open = text.indexOf("{", start);
        if (open >= 0 && !text.slice(start, open).includes("\n")) return text.slice(start, closeOf(text, open));
      }
    }
    return undefined;
  }
}

export class TerraformProvider {
  private readonly packages = new Map<string, Package>();
  private constants?: Map<string, string>;
  constructor(readonly src: Source) {}

  private pkg(dir: string): Package {
    if (!this.packages.has(dir)) this.packages.set(dir, new Package(this.src, dir));
    return this.packages.get(dir)!;
  }

  /** `names.AttrX` and similar string constants of the provider's `names` package. */
  private constant(expr: string): string | undefined {
    if (!this.constants) {
      this.constants = new Map();
      let files: Map<string, string> = new Map();
      try {
        files = this.pkg("names").all();
      } catch {
        // A provider without a `names` package (terraform-provider-tls) quotes its keys.
      }
      for (const [, text] of files) {
        for (const m of text.matchAll(/^\s*(\w+)\s*=\s*"([^"]*)"/gm)) this.constants.set(`names.${m[1]}`, m[2]);
      }
    }
    return this.constants.get(expr);
  }

  private key(expr: string, pkg: Package): string | undefined {
    const s = /^"([^"]+)"$/.exec(expr);
    if (s) return s[1];
    if (expr.startsWith("names.")) return this.constant(expr);
    const local = pkg.resolve(expr);
    return local && /^"([^"]+)"$/.exec(local.trim())?.[1];
  }

  private index?: Map<string, string>;

  /** Terraform resource name → file, from the registration annotations (one scan of the tree). */
  private fileOf(name: string): string | undefined {
    if (!this.index) {
      this.index = new Map();
      for (const needle of ["@SDKResource(\"", "@FrameworkResource(\"", "TypeName = \"aws_"]) {
        for (const file of grepFiles(this.src, needle, "internal/service")) {
          if (file.endsWith("_test.go")) continue;
          const text = readSource(this.src, file);
          for (const m of text.matchAll(/@(?:SDK|Framework)Resource\("(\w+)"|TypeName = "(aws_\w+)"/g)) {
            const n = m[1] ?? m[2];
            if (!this.index.has(n)) this.index.set(n, file);
          }
        }
      }
    }
    return this.index.get(name);
  }

  /** Finds and reads one resource by its Terraform name (in `knownFile` when the source does not name it there). */
  resource(name: string, knownFile?: string): TfResource {
    const file = knownFile ?? this.fileOf(name);
    if (!file) throw new Error(`${name}: no resource of that name in terraform-provider-aws at ${this.src.rev ?? this.src.dir}`);
    const pkg = this.pkg(path.posix.dirname(file));
    const text = pkg.all().get(file) ?? readSource(this.src, file);
    const sdk = new RegExp(`@SDKResource\\("${name}"[^\\n]*\\n(?://[^\\n]*\\n)*func (\\w+)\\(`).exec(text);
    const out: TfAttribute[] = [];
    const conditional: string[] = [];
    if (sdk) {
      const fnStart = text.indexOf("{", sdk.index + sdk[0].length);
      const fnBody = text.slice(fnStart, closeOf(text, fnStart));
      const at = /Schema:\s*map\[string\]\*schema\.Schema\s*\{|SchemaFunc:[^{]*\{\s*return\s+map\[string\]\*schema\.Schema\s*\{/.exec(fnBody);
      // `Schema: topicSchema` / `SchemaFunc: topicSchema`: a package-level map or a function returning one.
      const named = /Schema(?:Func)?:\s*(\w+)\s*(?:\(\))?\s*,/.exec(fnBody);
      const mapText = at ? fnBody.slice(at.index + at[0].length - 1) : named && pkg.resolve(named[1]);
      if (!mapText) throw new Error(`${name}: no schema map found in ${file}`);
      this.sdkMap(literalBody(mapText, 0), "", pkg, out, conditional);
      // CustomizeDiff functions that force replacement when a value changes in a particular way.
      for (const m of (fnBody + text).matchAll(/ForceNewIf(?:Change)?\(\s*("[^"]+"|names\.\w+)/g)) conditional.push(this.key(m[1], pkg) ?? m[1]);
      for (const m of text.matchAll(/\.ForceNew\(\s*("[^"]+"|names\.\w+)\s*\)/g)) conditional.push(this.key(m[1], pkg) ?? m[1]);
      return { name, file, kind: "sdk", attributes: out, conditional: [...new Set(conditional)] };
    }
    // The Schema method, here or on a type the resource embeds (the egress rule embeds the ingress rule's type).
    let schemaText = text;
    let schemaFn = /\nfunc \(\w+ \*?\w+\) Schema\([^)]*\)\s*\{/.exec(text);
    for (const [, other] of pkg.all()) {
      if (schemaFn) break;
      const m = /\nfunc \(\w+ \*?(\w+)\) Schema\([^)]*\)\s*\{/.exec(other);
      if (m && new RegExp(`\\b${m[1]}\\b`).test(text)) [schemaText, schemaFn] = [other, m];
    }
    if (!schemaFn) throw new Error(`${name}: neither an SDK schema nor a framework Schema method in ${file}`);
    let body = schemaText.slice(schemaFn.index, closeOf(schemaText, schemaFn.index + schemaFn[0].length - 1));
    // `resp.Schema = privateKeyResourceSchemaV1()`: the schema built by a function of the package.
    const built = /\.Schema\s*=\s*(\w+)\(\)/.exec(body);
    if (!/Attributes:/.test(body) && built) body = pkg.resolve(built[1]) ?? body;
    this.frameworkObject(body, "", pkg, out, conditional);
    // ModifyPlan setting RequiresReplace itself: replacement decided at plan time.
    if (/response\.RequiresReplace\s*=|resp\.RequiresReplace\s*=/.test(text + schemaText)) conditional.push("*");
    return { name, file, kind: "framework", attributes: out, conditional: [...new Set(conditional)] };
  }

  private sdkMap(body: string, prefix: string, pkg: Package, out: TfAttribute[], conditional: string[]): void {
    for (const el of elements(body)) {
      const kv = keyValue(el);
      if (!kv) continue;
      const key = this.key(kv[0], pkg);
      if (!key) {
        conditional.push(`${prefix}${kv[0]}`);
        continue;
      }
      this.sdkAttribute(kv[1], `${prefix}${key}`, pkg, out, conditional);
    }
  }

  private sdkAttribute(expr: string, p: string, pkg: Package, out: TfAttribute[], conditional: string[]): void {
    let value = expr.trim();
    // `names.AttrTags: tftags.TagsSchema()` and other helpers: resolve local ones; tags never force replacement.
    if (/^tftags\.Tags/.test(value) || /^(tags|tags_all)$/.test(p.split(".").pop()!)) {
      out.push({ path: p, list: false, maxOne: false, block: false, forceNew: false });
      return;
    }
    if (/^&?schema\.Schema\{/.test(value) === false && !value.startsWith("{")) {
      const ident = /^&?([A-Za-z_]\w*)(\(\))?$/.exec(value);
      const resolved = ident && pkg.resolve(ident[1]);
      if (!resolved) {
        conditional.push(p);
        return;
      }
      value = resolved.trim();
    }
    const fields = new Map(elements(literalBody(value, 0)).map((e) => keyValue(e)).filter((kv): kv is [string, string] => !!kv));
    const type = fields.get("Type") ?? "";
    const list = /TypeList|TypeSet/.test(type);
    const maxOne = fields.get("MaxItems") === "1";
    const forceNew = fields.get("ForceNew") === "true";
    const elem = fields.get("Elem");
    let block = false;
    if (list && elem) {
      let e = elem.trim();
      if (!/^&schema\.(Resource|Schema)\{/.test(e)) {
        const ident = /^&?([A-Za-z_]\w*)(\(\))?$/.exec(e);
        const resolved = ident && pkg.resolve(ident[1]);
        if (resolved) e = resolved.trim();
      }
      if (/^&schema\.Resource\{/.test(e)) {
        block = true;
        const inner = new Map(elements(literalBody(e, 0)).map((x) => keyValue(x)).filter((kv): kv is [string, string] => !!kv));
        const schema = inner.get("Schema") ?? inner.get("SchemaFunc");
        if (schema && /^map\[string\]\*schema\.Schema\{/.test(schema)) this.sdkMap(literalBody(schema, 0), `${p}[].`, pkg, out, conditional);
        else conditional.push(`${p}[]`);
      } else if (!/^&schema\.Schema\{/.test(e)) conditional.push(`${p}[]`);
    }
    out.push({ path: p, list, maxOne, block, forceNew });
  }

  private frameworkObject(body: string, prefix: string, pkg: Package, out: TfAttribute[], conditional: string[]): void {
    const attrs = /Attributes:\s*map\[string\]schema\.Attribute\s*\{/.exec(body);
    if (attrs) {
      for (const el of elements(literalBody(body, attrs.index + attrs[0].length - 1))) {
        const kv = keyValue(el);
        const key = kv && this.key(kv[0], pkg);
        if (!kv || !key) continue;
        const p = `${prefix}${key}`;
        const v = kv[1];
        // RequiresReplaceIf, or a plan modifier of the provider's own that may ask for replacement.
        if (/RequiresReplaceIf|\w*[Rr]eplace\w*\((?!\))/.test(v) || /[Rr]equire\w*Replace\w*If|[Rr]eplaceIf/.test(v)) conditional.push(p);
        const list = /schema\.(List|Set)(Nested)?Attribute/.test(v);
        out.push({ path: p, list, maxOne: false, block: false, forceNew: /RequiresReplace\(\)/.test(v) });
      }
    }
    const blocks = /Blocks:\s*map\[string\]schema\.Block\s*\{/.exec(body);
    if (blocks) {
      for (const el of elements(literalBody(body, blocks.index + blocks[0].length - 1))) {
        const kv = keyValue(el);
        const key = kv && this.key(kv[0], pkg);
        if (!kv || !key) continue;
        const p = `${prefix}${key}`;
        const maxOne = /listvalidator\.SizeAtMost\(1\)/.test(kv[1]);
        out.push({ path: p, list: true, maxOne, block: true, forceNew: /RequiresReplace\(\)/.test(kv[1].split("NestedObject")[0]) });
        const nested = /NestedObject:\s*schema\.NestedBlockObject\s*\{/.exec(kv[1]);
        if (nested) this.frameworkObject(literalBody(kv[1], nested.index + nested[0].length - 1), `${p}[].`, pkg, out, conditional);
        else conditional.push(`${p}[]`);
      }
    }
  }
}
