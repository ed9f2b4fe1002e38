// Bundles the inference service (entry service/src/main.ts, with fastify, pino, ajv, fast-json-stringify,
// @aws-sdk/client-s3 and zod) into one minified CommonJS file for Node 20+: service/dist/server.js, or the
// path given as `--outfile <path>`. Nothing is left outside the bundle: the service logs to a pino
// destination on stdout in its own thread (no pino transport, so no worker thread file to ship), and
// fastify's inject helper is never called at run time. The bundle finds the shipped model at
// <bundle dir>/../model/model.json.
import { build } from "esbuild";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const at = args.indexOf("--outfile");
if (args.length !== 0 && (at !== 0 || args.length !== 2)) {
  console.error("usage: node service/build.mjs [--outfile <path>]");
  process.exit(2);
}
const outfile = at === 0 ? resolve(args[1]) : resolve(here, "dist", "server.js");

await build({
  entryPoints: [resolve(here, "src", "main.ts")],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  minify: true,
  legalComments: "eof",
  logLevel: "warning",
});
