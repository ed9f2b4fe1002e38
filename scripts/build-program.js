// Builds the compiled program (dist/program/) from the TypeScript sources, keyed by their content: the build that
// scripts/program.js runs before `pulumi preview/up` and `npm run plan`. The key is esbuild's version, this file and
// the path and SHA-256 of every .ts/.json file under the folders the build reads; any changed byte rebuilds.
"use strict";
const { createHash } = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

/** Folders (and files) whose TypeScript the program and the plan are built from, relative to ROOT. */
const SOURCES = ["index.ts", "components", "contracts", "policy", "scripts", "package-lock.json", "tsconfig.json"];

function files(root, rel) {
  const abs = path.join(root, rel);
  if (!fs.existsSync(abs)) return [];
  if (fs.statSync(abs).isFile()) return [rel];
  return fs
    .readdirSync(abs)
    .filter((name) => name !== "node_modules" && !name.startsWith("."))
    .sort()
    .flatMap((name) => files(root, path.posix.join(rel, name)));
}

/** Content key of a build of `root`: esbuild's version, this file, and every source's path and SHA-256. */
function sourceKey(root, esbuildVersion) {
  const hash = createHash("sha256").update(`esbuild ${esbuildVersion}\n`).update(fs.readFileSync(__filename));
  for (const rel of SOURCES.flatMap((entry) => files(root, entry)).filter((f) => /\.(ts|json)$/.test(f))) {
    hash.update(`\n${rel}\n`).update(fs.readFileSync(path.join(root, rel)));
  }
  return hash.digest("hex");
}

// Each module keeps its own folder as `__dirname` (the program finds lambda/, training/, service/ from it).
const keepDirname = (root) => ({
  name: "keep-dirname",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const dir = path.relative(root, path.dirname(args.path)).split(path.sep).join("/");
      const text = fs.readFileSync(args.path, "utf8");
      const contents = /\b__dirname\b/.test(text)
        ? `const __dirname = require("node:path").join(__edgeMlopsRoot, ${JSON.stringify(dir)});\n${text}`
        : text;
      return { contents, loader: "ts" };
    });
  },
});

/**
 * Builds `<root>/dist/program/{index,plan}.js` from `index.ts` and `scripts/plan.ts` unless the sources are unchanged
 * since the last build. Resolves to "fresh" (nothing to do) or "built"; rejects with esbuild's errors.
 */
async function ensureBuilt(root) {
  const esbuild = require("esbuild");
  const out = path.join(root, "dist", "program");
  const key = sourceKey(root, esbuild.version);
  const keyFile = path.join(out, "key");
  if (fs.existsSync(keyFile) && fs.readFileSync(keyFile, "utf8") === key) return "fresh";
  fs.rmSync(out, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: { index: path.join(root, "index.ts"), plan: path.join(root, "scripts", "plan.ts") },
    outdir: out,
    absWorkingDir: root,
    bundle: true,
    packages: "external",
    platform: "node",
    target: "node20",
    format: "cjs",
    sourcemap: false,
    logLevel: "error",
    banner: { js: `const __edgeMlopsRoot = require("node:path").resolve(__dirname, "..", "..");` },
    define: { "process.env.EDGE_MLOPS_PROGRAM": JSON.stringify("dist/program/index.js") },
    plugins: [keepDirname(root)],
  });
  fs.writeFileSync(keyFile, key);
  return "built";
}

module.exports = { ensureBuilt, sourceKey };

