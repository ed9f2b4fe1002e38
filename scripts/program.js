// The compiled program: `pulumi preview/up` (Pulumi.yaml `main:`) and `npm run plan` run JavaScript that esbuild
// compiled from the TypeScript sources, not a TypeScript loader transpiling ~200 files on every run. There is no
// build step to forget: this entry hashes every source the build reads (with esbuild's version and this file) and
// rebuilds dist/program/ whenever that key changed, so a stale build can never be previewed or planned.
// `require("./scripts/program")` is the program; `node scripts/program.js plan ARGS…` is the offline plan.
"use strict";
const path = require("node:path");
const { ensureBuilt } = require("./build-program");

const ROOT = path.resolve(__dirname, "..");
const OUT = path.join(ROOT, "dist", "program");

if (require.main === module) {
  const [command, ...args] = process.argv.slice(2);
  if (command !== "plan") {
    process.stderr.write(`program: unknown command ${JSON.stringify(command ?? "")}; allowed: plan\n`);
    process.exit(1);
  }
  ensureBuilt(ROOT).then(() => require(path.join(OUT, "plan.js")).cli(args), (err) => {
    process.stderr.write(`program: building dist/program failed: ${err.message}\n`);
    process.exit(1);
  });
} else {
  // Pulumi's Node.js host awaits a program that exports a promise and takes its value as the stack outputs.
  module.exports = ensureBuilt(ROOT).then(() => require(path.join(OUT, "index.js")));
}
