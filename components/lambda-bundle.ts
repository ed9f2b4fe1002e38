/**
 * Bundles a Lambda handler from `lambda/<name>/index.ts` into a Pulumi asset archive.
 *
 * esbuild builds in memory while the program runs: one minified CommonJS file for Node.js 22 with
 * the AWS SDK v3 left external (the `nodejs22.x` runtime ships it), no source map and no legal
 * comments, so the same sources always give the same bytes and the same archive, and an unchanged
 * function shows no diff in `pulumi preview`. The archive holds `index.js`; deploy it with the
 * handler `index.handler`. Results are cached per folder and name for the life of the process.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { buildSync } from "esbuild";

/** The repository's Lambda folder: one sub-folder per function, each with an index.ts. */
export const LAMBDA_DIR = path.resolve(__dirname, "..", "lambda");

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
  let code: string;
  let inputs: string[];
  try {
    const result = buildSync({
      entryPoints: [entry],
      absWorkingDir: path.dirname(lambdaDir),
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
    });
    code = result.outputFiles[0].text;
    inputs = Object.keys(result.metafile.inputs).sort();
  } catch (err) {
    throw new Error(`bundling lambda ${JSON.stringify(name)} (${entry}) failed: ${(err as Error).message}`);
  }
  const bundle: LambdaBundle = {
    archive: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(code) }),
    code,
    sha256: createHash("sha256").update(code).digest("hex"),
    bytes: Buffer.byteLength(code, "utf8"),
    inputs,
  };
  if (opts.cache !== false) cache.set(key, bundle);
  return bundle;
}
