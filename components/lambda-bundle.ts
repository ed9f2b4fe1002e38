/**
 * Bundles a Lambda handler from `lambda/<name>/index.ts` into a Pulumi asset archive.
 *
 * esbuild builds in memory while the program runs: one minified CommonJS file for Node.js 22 with
 * the AWS SDK v3 left external (the `nodejs22.x` runtime ships it), no source map and no legal
 * comments, so the same sources always give the same bytes and the same archive, and an unchanged
 * function shows no diff in `pulumi preview`. The archive holds `index.js`; deploy it with the
 * handler `index.handler`. Results are cached per folder and name for the life of the process, and on disk
 * (`node_modules/.cache/edge-mlops/lambda/`) keyed by esbuild's version, the build options and the SHA-256 of every
 * input file esbuild read for the last build (its metafile inputs, the handler's own modules and the bundled
 * packages): a hit re-hashes each of those files, so any changed byte rebuilds, and the cached code is the
 * exact output of that build.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { buildSync, version as esbuildVersion, type BuildOptions } from "esbuild";

/** The repository's Lambda folder: one sub-folder per function, each with an index.ts. */
export const LAMBDA_DIR = path.resolve(__dirname, "..", "lambda");

/** Where bundles are kept between runs (node_modules is not committed). */
export const LAMBDA_CACHE_DIR = path.resolve(__dirname, "..", "node_modules", ".cache", "edge-mlops", "lambda");

/** Size target for one minified bundle. */
export const BUNDLE_SIZE_TARGET_BYTES = 50 * 1024;

/** Packages the Lambda runtime provides and bundles must not inline. */
export const EXTERNAL_PACKAGES: readonly string[] = ["@aws-sdk/*"];

export interface BundleOptions {
  /**
   * Folder holding the functions, one sub-folder with an `index.ts` each.
   * @default LAMBDA_DIR (`lambda/` at the repository root)
   */
  readonly lambdaDir?: string;
  /**
   * Reuse (and keep) the bundle of the same function built earlier in this process; `false`
   * builds afresh and leaves the cache as it is.
   * @default true
   */
  readonly cache?: boolean;
  /**
   * Folder of the on-disk bundle cache; `false` neither reads nor writes it.
   * @default LAMBDA_CACHE_DIR (`node_modules/.cache/edge-mlops/lambda/`)
   */
  readonly cacheDir?: string | false;
}

export interface LambdaBundle {
  /** `{"index.js": <code>}`, ready for `aws.lambda.Function`'s `code`. */
  readonly archive: pulumi.asset.AssetArchive;
  /** The bundled JavaScript. */
  readonly code: string;
  /** Hex SHA-256 of `code`. */
  readonly sha256: string;
  /** Size of `code` in bytes (UTF-8). */
  readonly bytes: number;
  /** Source files bundled in, relative to the folder above lambdaDir, sorted. */
  readonly inputs: readonly string[];
  /** Where the code came from: a fresh esbuild build, or the on-disk cache after every input was verified. */
  readonly source: "build" | "disk";
}

/** One on-disk cache entry: the build it came from and the hash of every input file then. */
interface DiskEntry {
  readonly key: string;
  readonly inputs: Record<string, string>;
  readonly code: string;
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

function hashInputs(workingDir: string, inputs: readonly string[]): Record<string, string> | undefined {
  const hashes: Record<string, string> = {};
  for (const input of inputs) {
    try {
      hashes[input] = sha256(fs.readFileSync(path.resolve(workingDir, input)));
    } catch {
      return undefined;
    }
  }
  return hashes;
}

function readDiskEntry(file: string, key: string, workingDir: string): DiskEntry | undefined {
  let entry: DiskEntry;
  try {
    entry = JSON.parse(fs.readFileSync(file, "utf8")) as DiskEntry;
  } catch {
    return undefined;
  }
  if (entry.key !== key || typeof entry.code !== "string" || typeof entry.inputs !== "object") return undefined;
  const now = hashInputs(workingDir, Object.keys(entry.inputs));
  if (!now || Object.keys(entry.inputs).some((input) => now[input] !== entry.inputs[input])) return undefined;
  return entry;
}

function writeDiskEntry(file: string, entry: DiskEntry): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(entry));
    fs.renameSync(temp, file);
  } catch {
    // A cache that cannot be written only costs the next run a build.
  }
}

const cache = new Map<string, LambdaBundle>();

/** Names of the functions in lambdaDir (sub-folders with an index.ts), sorted. */
export function availableLambdas(lambdaDir: string = LAMBDA_DIR): string[] {
  if (!fs.existsSync(lambdaDir)) return [];
  return fs
    .readdirSync(lambdaDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(lambdaDir, entry.name, "index.ts")))
    .map((entry) => entry.name)
    .sort();
}

/** Bundle `<lambdaDir>/<name>/index.ts`; throws naming the available functions when there is no such one. */
export function bundleLambda(name: string, opts: BundleOptions = {}): LambdaBundle {
  const lambdaDir = path.resolve(opts.lambdaDir ?? LAMBDA_DIR);
  const key = `${lambdaDir}\0${name}`;
  const cached = opts.cache === false ? undefined : cache.get(key);
  if (cached) return cached;

  const available = availableLambdas(lambdaDir);
  if (!available.includes(name)) {
    throw new Error(
      `unknown lambda ${JSON.stringify(name)}: no ${path.join(lambdaDir, name, "index.ts")}; ` +
        `available: ${available.length > 0 ? available.join(", ") : "none"}`,
    );
  }
  const entry = path.join(lambdaDir, name, "index.ts");
  const workingDir = path.dirname(lambdaDir);
  const options: BuildOptions = {
    entryPoints: [entry],
    absWorkingDir: workingDir,
    metafile: true,
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    minify: true,
    sourcemap: false,
    legalComments: "none",
    charset: "utf8",
    external: [...EXTERNAL_PACKAGES],
    write: false,
    logLevel: "silent",
  };
  const diskKey = sha256(JSON.stringify({ esbuild: esbuildVersion, options }));
  const diskFile = opts.cacheDir === false ? undefined : path.join(opts.cacheDir ?? LAMBDA_CACHE_DIR, `${sha256(entry)}.json`);
  const hit = diskFile ? readDiskEntry(diskFile, diskKey, workingDir) : undefined;
  let code: string;
  let inputs: string[];
  if (hit) {
    code = hit.code;
    inputs = Object.keys(hit.inputs).sort();
  } else {
    try {
      const result = buildSync({ ...options, write: false, metafile: true });
      code = result.outputFiles[0].text;
      inputs = Object.keys(result.metafile.inputs).sort();
    } catch (err) {
      throw new Error(`bundling lambda ${JSON.stringify(name)} (${entry}) failed: ${(err as Error).message}`);
    }
    const hashes = diskFile && hashInputs(workingDir, inputs);
    if (diskFile && hashes) writeDiskEntry(diskFile, { key: diskKey, inputs: hashes, code });
  }
  const bundle: LambdaBundle = {
    archive: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(code) }),
    code,
    sha256: sha256(code),
    bytes: Buffer.byteLength(code, "utf8"),
    inputs,
    source: hit ? "disk" : "build",
  };
  if (opts.cache !== false) cache.set(key, bundle);
  return bundle;
}
