// Runs a Pulumi program under runtime mocks and records what it registers: the offline plan's engine, also used by
// component tests. Pulumi's runtime is process-global: call `runOffline` once per process.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { ConfigError, formatPath, unknownName } from "../../components/args";
import { createMocks } from "./mocks";

// The plan's shapes live in contracts/ (shared with the policy engine); re-exported for existing importers.
import { SECRET, type PlannedResource, type Violation } from "../../contracts/plan";
export { SECRET, type PlannedResource, type Violation };

/** The JSON contract of `npm run plan -- --json FILE`. Only ever extended by adding fields. */
export interface Plan {
  readonly project: string;
  readonly stack: string;
  readonly resources: PlannedResource[];
  readonly outputs: Record<string, unknown>;
  readonly violations: Violation[];
}

export interface StackFiles {
  readonly project: string;
  /** `namespace:key` to string value, as Pulumi hands config to a program (objects as JSON). */
  readonly config: Record<string, string>;
  readonly secretKeys: string[];
  /** The stack file imports Pulumi ESC environments (its `environment` key): the Pulumi CLI resolves them, this loader does not. */
  readonly importsEnvironments: boolean;
}

/** The top-level keys of a stack file (Pulumi's stack settings file reference); only `config` is read here. */
const STACK_FILE_KEYS = ["config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"];

/**
 * Reads `Pulumi.yaml` and a stack file (`Pulumi.<stack>.yaml` or `configFile`) the way the Pulumi CLI does. A file
 * that is not YAML, a top level that is not a mapping or has a key other than STACK_FILE_KEYS (a misspelled `config:`
 * would otherwise leave every key unset), a `config` that is not a mapping, or a number YAML allows but JSON and AWS
 * do not (`.inf`, `.nan`) is a ConfigError naming the file and position or the key.
 */
export function loadStackFiles(root: string, stack: string, configFile?: string): StackFiles {
  const projectFile = readProjectFile(root);
  const project = projectFile.name;
  const file = configFile ?? path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    const stacks = fs.readdirSync(root).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []).sort();
    const known = `the stacks here: ${stacks.join(", ") || "none"} (Pulumi.<stack>.yaml)`;
    const what = !fs.existsSync(file) ? "no such file" : fs.statSync(file).isDirectory() ? "is a folder, not a file" : "is not a regular file";
    throw new ConfigError(displayPath(file), configFile ? `${what} (a YAML stack file is needed)` : `no such stack file; ${known}`);
  }
  const stackFile = (readYaml(file) ?? {}) as { config?: Record<string, unknown>; environment?: unknown };
  if (typeof stackFile !== "object" || Array.isArray(stackFile)) {
    throw new ConfigError(displayPath(file), `must be a mapping of the top-level keys ${STACK_FILE_KEYS.join(", ")}`);
  }
  const unknown = Object.keys(stackFile).find((k) => !STACK_FILE_KEYS.includes(k));
  if (unknown !== undefined) throw new ConfigError(displayPath(file), `unknown top-level key ${unknownName(unknown, STACK_FILE_KEYS)}`);
  if (stackFile.config !== undefined && stackFile.config !== null && (typeof stackFile.config !== "object" || Array.isArray(stackFile.config))) {
    throw new ConfigError(displayPath(file), "'config' must be a mapping of keys to values");
  }
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const fullKey = (key: string) => (key.includes(":") ? key : `${project}:${key}`);
  for (const [key, decl] of Object.entries(projectFile.config ?? {})) {
    if (decl && typeof decl === "object" && "default" in decl) config[fullKey(key)] = asConfigString(decl.default);
  }
  for (const [key, value] of Object.entries(stackFile.config ?? {})) {
    const { value: plain, secret } = stripSecure(value);
    const bad = nonFinite(plain);
    if (bad) throw new ConfigError(`${fullKey(key)}${bad.path.length ? `.${formatPath(bad.path)}` : ""}`, `must be a finite number, got ${String(bad.value)}`);
    config[fullKey(key)] = asConfigString(plain);
    if (secret) secretKeys.push(fullKey(key));
  }
  return { project, config, secretKeys, importsEnvironments: stackFile.environment !== undefined && stackFile.environment !== null };
}

/** `Pulumi.yaml` of the project in `root`: its name and its config declarations. */
function readProjectFile(root: string): { name: string; config?: Record<string, { default?: unknown } | unknown> } {
  return readYaml(path.join(root, "Pulumi.yaml")) as { name: string; config?: Record<string, { default?: unknown } | unknown> };
}

/** The project's name (`Pulumi.yaml` in `root`), which a plan and its URNs carry. */
export function loadProjectName(root: string): string {
  return readProjectFile(root).name;
}

/** A file as the user named it: relative to the working directory when inside it. */
function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith("..") ? relative : file;
}

/** Parses a YAML file; a syntax error (or a key given twice) is a ConfigError at `<file>:<line>:<column>`. */
function readYaml(file: string): unknown {
  const text = fs.readFileSync(file, "utf8");
  try {
    return parseYaml(text);
  } catch (e) {
    // yaml reports an alias without its anchor (`*name`) as a ReferenceError, with no position.
    if (e instanceof ReferenceError) throw new ConfigError(displayPath(file), `is not valid YAML: ${e.message}`);
    if (!(e instanceof YAMLParseError)) throw e;
    const at = e.linePos?.[0];
    const problem = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw new ConfigError(`${displayPath(file)}${at ? `:${at.line}:${at.col}` : ""}`, `is not valid YAML: ${problem}`);
  }
}

/** The first number that JSON cannot carry (Infinity, NaN) inside a YAML value, with its path. */
function nonFinite(value: unknown, at: (string | number)[] = []): { path: (string | number)[]; value: number } | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? undefined : { path: at, value };
  if (value === null || typeof value !== "object") return undefined;
  for (const [k, v] of Object.entries(value)) {
    const found = nonFinite(v, [...at, Array.isArray(value) ? Number(k) : k]);
    if (found) return found;
  }
  return undefined;
}

function asConfigString(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** `secure:` values are ciphertext only the Pulumi service can decrypt; offline they read `[secret]`. */
function stripSecure(value: unknown): { value: unknown; secret: boolean } {
  if (value === null || typeof value !== "object") return { value, secret: false };
  const entries = Object.entries(value as Record<string, unknown>);
  if (!Array.isArray(value) && entries.length === 1 && entries[0][0] === "secure") return { value: SECRET, secret: true };
  let secret = false;
  const walk = (v: unknown) => {
    const r = stripSecure(v);
    secret ||= r.secret;
    return r.value;
  };
  const out = Array.isArray(value) ? value.map(walk) : Object.fromEntries(entries.map(([k, v]) => [k, walk(v)]));
  return { value: out, secret };
}

interface Recorded {
  readonly resource: pulumi.Resource;
  readonly type: string;
  readonly name: string;
  readonly props: pulumi.Inputs;
  readonly opts: pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions;
}

function settle<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

/** Awaits every Output and Promise in a value; secret values become "[secret]", assets become descriptions. */
export async function resolveDeep(value: unknown, deps?: Set<pulumi.Resource>): Promise<unknown> {
  const again = (v: unknown) => resolveDeep(v, deps);
  if (pulumi.Output.isInstance(value)) {
    // Every Output knows the resources its value came from: Pulumi's own dependency graph.
    const internal = value as unknown as { allResources?: () => Promise<Set<pulumi.Resource>> };
    if (deps && typeof internal.allResources === "function") for (const r of await internal.allResources()) deps.add(r);
    const [v, secret] = await Promise.all([settle(value), pulumi.isSecret(value)]);
    return secret ? SECRET : again(v);
  }
  if (value instanceof Promise) return again(await value);
  if (pulumi.Resource.isInstance(value)) return settle(value.urn);
  if (pulumi.asset.Asset.isInstance(value) || pulumi.asset.Archive.isInstance(value)) return describeAsset(value);
  if (Array.isArray(value)) return Promise.all((value as unknown[]).map(again));
  if (value !== null && typeof value === "object") {
    const entries = await Promise.all(
      Object.entries(value).filter(([, v]) => v !== undefined).map(async ([k, v]) => [k, await again(v)] as const),
    );
    return Object.fromEntries(entries);
  }
  return value;
}

async function describeAsset(a: pulumi.asset.Asset | pulumi.asset.Archive): Promise<Record<string, unknown>> {
  const fields = a as unknown as Record<string, Promise<unknown> | undefined>;
  if (fields.text !== undefined) {
    const text = String(await fields.text);
    return { asset: "string", bytes: Buffer.byteLength(text), sha256: sha256(text) };
  }
  if (fields.path !== undefined) return { asset: "file", path: path.relative(process.cwd(), String(await fields.path)) };
  if (fields.assets !== undefined) {
    const assets = (await fields.assets) as Record<string, pulumi.asset.Asset | pulumi.asset.Archive>;
    const files = await Promise.all(Object.entries(assets).map(async ([k, v]) => [k, await describeAsset(v)] as const));
    return { archive: Object.fromEntries(files) };
  }
  return { asset: "other" };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * The mock monitor puts the root stack's type in every URN's type chain; the engine leaves it out
 * (`urn:pulumi:dev::edge-mlops::aws:s3/bucket:Bucket::data`). Plans carry the engine's URNs.
 */
export function engineUrn(urn: string): string {
  return urn.replace("::pulumi:pulumi:Stack$", "::");
}

function list<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

export interface OfflineRun {
  readonly project: string;
  readonly stack: string;
  readonly config: Record<string, string>;
  readonly secretKeys?: string[];
  /** The program; its resolved return value becomes the stack outputs. */
  readonly program: () => Promise<unknown> | unknown;
  /** Applied to every resource before it is recorded, e.g. to plan a code change without making it. */
  readonly transformations?: pulumi.ResourceTransformation[];
}

/** The SDK's per-resource call-site capture (resource.js), which the offline run turns off. */
const resourceClass = pulumi.Resource as unknown as { callsites: () => unknown[] };
/** The SDK's debuggable promises (runtime/debuggable.js; internal, so not in its typings), which the offline run turns off. */
const debuggable = createRequire(__filename)("@pulumi/pulumi/runtime/debuggable") as {
  debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T>;
};

/**
 * Runs `fn` without @pulumi/pulumi's debugging aids unless `PULUMI_DEBUG_PROMISE_LEAKS` is set, and restores them
 * afterwards. The offline plan reads none of what they gather, and the SDK has no switch to skip them:
 * - its debuggable promises (runtime/debuggable.js): every output and resource promise gets `new Error().stack`,
 *   three debug properties, a place in a set of leak candidates and two more promises, for a report of promises still
 *   pending at exit. Here `debuggablePromise` hands the promise back as it is, and `Error.stackTraceLimit = 0` empties
 *   the stacks of what else makes an Error. Together they were about a fifth of a plan's CPU time, and a quarter of
 *   the peak memory a static device adds.
 * - every resource's constructor takes an unlimited stack (`Resource.callsites`, which sets its own limit), parses
 *   each frame and turns each file into a URL, for the engine's source position of the resource: the mocks drop it,
 *   and here `callsites` answers no frames (about 8 % of a 200-device plan's allocations).
 * Errors keep their message (config errors still print their one line); set the variable to get stacks and the leak
 * report back. A program whose resources or outputs never resolve lets the process end with nothing to run (the
 * SDK's report only counts its own promises, and is off here): while `fn` is pending, an emptied event loop
 * (`beforeExit`: nothing can settle it any more) prints STALLED_MESSAGE and sets exit code 1, with or without the
 * variable.
 */
export async function withoutStackCapture<T>(fn: () => Promise<T>): Promise<T> {
  process.on("beforeExit", stalled);
  try {
    return await (process.env.PULUMI_DEBUG_PROMISE_LEAKS ? fn() : withoutDebugAids(fn));
  } finally {
    process.off("beforeExit", stalled);
  }
}

async function withoutDebugAids<T>(fn: () => Promise<T>): Promise<T> {
  const limit = Error.stackTraceLimit;
  const { callsites } = resourceClass;
  const { debuggablePromise } = debuggable;
  Error.stackTraceLimit = 0;
  resourceClass.callsites = () => [];
  debuggable.debuggablePromise = (p) => p;
  try {
    return await fn();
  } finally {
    Error.stackTraceLimit = limit;
    resourceClass.callsites = callsites;
    debuggable.debuggablePromise = debuggablePromise;
  }
}

export const STALLED_MESSAGE = "plan failed: the program stopped with resources or outputs that never resolved";
/** What STALLED_MESSAGE adds when the SDK's own report is off. */
export const STALLED_HINT = "; run it again with PULUMI_DEBUG_PROMISE_LEAKS=1 to list the pending promises";

function stalled(): void {
  process.off("beforeExit", stalled);
  process.stderr.write(`${STALLED_MESSAGE}${process.env.PULUMI_DEBUG_PROMISE_LEAKS ? "" : STALLED_HINT}\n`);
  process.exitCode = 1;
}

/** Runs a program under mocks inside a root stack and returns what it registered, fully resolved. */
export function runOffline(run: OfflineRun): Promise<Plan> {
  return withoutStackCapture(() => runOfflineNow(run));
}

async function runOfflineNow(run: OfflineRun): Promise<Plan> {
  const region = run.config["aws:region"] ?? "us-east-1";
  pulumi.runtime.setAllConfig(run.config, run.secretKeys ?? []);
  const computed = new Map<string, { id: string | undefined; state: Record<string, unknown> }[]>();
  const onResource = (type: string, name: string, result: { id: string | undefined; state: Record<string, unknown> }) => {
    const key = `${type}::${name}`;
    computed.set(key, [...(computed.get(key) ?? []), result]);
  };
  await pulumi.runtime.setMocks(createMocks({ region, onResource }), run.project, run.stack, false);
  const recorded: Recorded[] = [];
  // The program's own return value, not what runInPulumiStack resolves it to: that drops which outputs are secret.
  let exported: unknown;
  await pulumi.runtime.runInPulumiStack(async () => {
    for (const t of run.transformations ?? []) pulumi.runtime.registerStackTransformation(t);
    pulumi.runtime.registerStackTransformation((args) => {
      recorded.push({ resource: args.resource, type: args.type, name: args.name, props: args.props, opts: args.opts });
      return undefined;
    });
    exported = await run.program();
    return exported;
  });

  const urns = new Map<pulumi.Resource, string>();
  await Promise.all(recorded.map(async (r) => urns.set(r.resource, engineUrn(await settle(r.resource.urn)))));
  const protectOf = new Map<pulumi.Resource, boolean>();
  const resources: PlannedResource[] = [];
  for (const r of recorded) {
    // Pulumi's protect is inherited from the parent unless set; recorded order is parent-first.
    const protect = r.opts.protect ?? (r.opts.parent ? protectOf.get(r.opts.parent) ?? false : false);
    protectOf.set(r.resource, protect);
    const state = pulumi.CustomResource.isInstance(r.resource) ? computed.get(`${r.type}::${r.name}`)?.shift() : undefined;
    const deps = new Set<pulumi.Resource>();
    const inputs = (await resolveDeep(r.props ?? {}, deps)) as Record<string, unknown>;
    resources.push({
      urn: urns.get(r.resource)!,
      type: r.type,
      name: r.name,
      parent: r.opts.parent ? urns.get(r.opts.parent) ?? engineUrn(await settle(r.opts.parent.urn)) : null,
      custom: pulumi.CustomResource.isInstance(r.resource),
      inputs,
      options: {
        protect,
        retainOnDelete: r.opts.retainOnDelete ?? false,
        deleteBeforeReplace: r.opts.deleteBeforeReplace ?? false,
        ignoreChanges: r.opts.ignoreChanges ?? [],
        replaceOnChanges: r.opts.replaceOnChanges ?? [],
      },
      dependsOn: await Promise.all(
        list((await resolveDependsOn(r.opts.dependsOn)) as pulumi.Resource[]).map(async (d) => urns.get(d) ?? engineUrn(await settle(d.urn))),
      ),
      id: state?.id ?? null,
      arn: typeof state?.state.arn === "string" ? state.state.arn : null,
      inputDependencies: await Promise.all([...deps].filter((d) => d !== r.resource).map(async (d) => urns.get(d) ?? engineUrn(await settle(d.urn)))),
    });
  }
  return {
    project: run.project,
    stack: run.stack,
    resources,
    outputs: ((await resolveDeep(exported ?? {})) ?? {}) as Record<string, unknown>,
    violations: [],
  };
}

async function resolveDependsOn(d: pulumi.CustomResourceOptions["dependsOn"]): Promise<pulumi.Resource[]> {
  if (d === undefined) return [];
  const v = pulumi.Output.isInstance(d) ? await settle(d as pulumi.Output<unknown>) : await d;
  return list(v as pulumi.Resource | pulumi.Resource[]);
}
