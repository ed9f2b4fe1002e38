#!/usr/bin/env node
// The project's Python virtual environments: `.venv/<name>` is made from `python/requirements-<name>.txt` (exact
// `==` pins from PyPI, optionally with `-c`/`-r` files beside it) with `python3 -m venv` and pip, and made again only
// when it is missing or when those files, or the interpreter, changed since it was made. Each environment records a
// stamp (`.venv/<name>/.requirements.sha256`) after a complete install, so an interrupted install is redone.
// A new environment is one more requirements file and one more `ensureVenv("<name>")` call.
//
// CLI: `node scripts/python-env.mjs NAME...` makes or checks the named environments (npm test does this itself).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(import.meta.dirname, "..");
/** Folder holding every environment; ignored by git. */
export const VENV_ROOT = path.join(ROOT, ".venv");
/** Folder holding `requirements-<name>.txt` and the files they reference. */
export const REQUIREMENTS_DIR = path.join(ROOT, "python");
const STAMP = ".requirements.sha256";
const NAME = /^[a-z][a-z0-9-]{0,31}$/;
/** `# requires-python: 3.11` in a requirements file: the interpreter's major.minor must be exactly this. */
const REQUIRES_PYTHON = /^#\s*requires-python:\s*(\d+\.\d+)\s*$/m;
/** `-r FILE`, `-c FILE`, `--requirement FILE`, `--constraint FILE` (also with `=`): files pip reads as well. */
const NESTED = /^\s*(?:-r|-c|--requirement|--constraint)[\s=]+("?)([^"\s]+)\1\s*$/;

/** A Python environment that could not be made; `message` is one line saying what is missing and how to get it. */
export class PythonEnvError extends Error {
  constructor(message, detail = "") {
    super(message);
    this.name = "PythonEnvError";
    /** pip's or python's own output, to print after the one-line message. */
    this.detail = detail;
  }
}

/** `.venv/<name>` (absolute). */
export function venvDir(name) {
  return path.join(VENV_ROOT, checkName(name));
}

/** The environment's own interpreter, `.venv/<name>/bin/python`. */
export function venvPython(name) {
  return path.join(venvDir(name), "bin", "python");
}

/** `.venv/<name>/bin/<command>`, e.g. `moto_server`. */
export function venvBin(name, command) {
  return path.join(venvDir(name), "bin", command);
}

function checkName(name) {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new PythonEnvError(`python env name ${JSON.stringify(name)} is not allowed: lower-case letters, digits and '-', starting with a letter, at most 32 characters`);
  }
  return name;
}

function relative(p) {
  return path.relative(ROOT, p) || ".";
}

/** The requirements file and every `-r`/`-c` file it names, recursively, in reading order. */
function requirementFiles(file, seen = new Set()) {
  if (seen.has(file)) return [];
  seen.add(file);
  if (!fs.existsSync(file)) {
    throw new PythonEnvError(`${relative(file)} does not exist: each python env needs python/requirements-<name>.txt and the files it names with -r/-c`);
  }
  const files = [file];
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    const m = NESTED.exec(line);
    // Relative paths in a requirements file are relative to that file, as pip reads them.
    if (m && !/^[a-z]+:\/\//.test(m[2])) files.push(...requirementFiles(path.resolve(path.dirname(file), m[2]), seen));
  }
  return files;
}

/** Version and path of `python`, or a PythonEnvError saying what is missing. */
function inspectPython(python) {
  const probe = spawnSync(python, ["-c", "import sys, venv, ensurepip; print('%d.%d.%d' % sys.version_info[:3]); print(sys.executable)"], {
    encoding: "utf8",
  });
  if (probe.error) {
    throw new PythonEnvError(
      `${python} not found: install Python 3 with its venv module (Debian/Ubuntu: apt-get install python3 python3-venv), or set PYTHON to an interpreter`,
    );
  }
  if (probe.status !== 0) {
    const missing = /No module named '?(\w+)/.exec(probe.stderr)?.[1];
    if (missing === undefined) {
      const said = probe.stderr.split("\n").find((l) => l.trim() !== "") ?? "no output";
      throw new PythonEnvError(`${python} could not be run (exit ${probe.status}: ${said.trim()}): install Python 3 with its venv module, or set PYTHON to an interpreter`, probe.stderr);
    }
    throw new PythonEnvError(
      `${python} has no ${missing} module, which creating a virtual environment needs: install it (Debian/Ubuntu: apt-get install python3-venv)`,
      probe.stderr,
    );
  }
  const [version, executable] = probe.stdout.trim().split("\n");
  return { version, executable };
}

function run(cmd, args, log) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  fs.appendFileSync(log, `$ ${[cmd, ...args].join(" ")}\n${r.stdout ?? ""}${r.stderr ?? ""}\n`);
  return r;
}

/** pip's notes that never say what failed. */
const PIP_NOISE = /^(WARNING: |ERROR: Ignored the following versions|ERROR: ResolutionImpossible)/;

/** pip's output without its notes, as lines. */
function pipLines(output) {
  return output.split("\n").map((l) => l.trimEnd()).filter((l) => l.trim() !== "" && !PIP_NOISE.test(l));
}

/** pip's most telling line: its last ERROR line that says what failed, else its last line; at most 300 characters. */
function pipReason(output) {
  const lines = pipLines(output);
  const line = lines.findLast((l) => l.startsWith("ERROR:")) ?? lines.at(-1) ?? "no output";
  return line.replace(/^ERROR:\s*/, "").slice(0, 300);
}

/**
 * Makes `.venv/<name>` from `python/requirements-<name>.txt` unless it is already up to date, printing one line of
 * what it does. Returns the environment's folder.
 *
 * Up to date means: the stamp inside the environment holds the SHA-256 of the interpreter's version and path and of
 * the requirements file and every file it names with `-r`/`-c`. Otherwise the folder is removed, made again with
 * `python -m venv`, filled with `pip install -r`, and stamped. pip's full output goes to `.venv/<name>.log`.
 *
 * @param {string} name environment name: lower-case letters, digits and '-' (e.g. "airflow", "tools").
 * @param {{ python?: string, log?: (line: string) => void }} [opts] interpreter to build with (default: $PYTHON or
 *   `python3`); where the one line goes (default: stdout).
 * @throws {PythonEnvError} when the requirements file is missing, the interpreter or its venv module is missing or of
 *   the wrong version (`# requires-python: X.Y` in the requirements file), or pip fails; its message is one line.
 */
export function ensureVenv(name, opts = {}) {
  const python = opts.python ?? process.env.PYTHON ?? "python3";
  const log = opts.log ?? ((line) => process.stdout.write(`${line}\n`));
  const dir = venvDir(name);
  const requirements = path.join(REQUIREMENTS_DIR, `requirements-${name}.txt`);
  const files = requirementFiles(requirements);
  const interpreter = inspectPython(python);
  const required = REQUIRES_PYTHON.exec(fs.readFileSync(requirements, "utf8"))?.[1];
  if (required !== undefined && !interpreter.version.startsWith(`${required}.`)) {
    throw new PythonEnvError(
      `${relative(requirements)} needs Python ${required}, but ${python} is ${interpreter.version} (${interpreter.executable}): install Python ${required} with its venv module and put it first on PATH, or set PYTHON to it`,
    );
  }
  const hash = createHash("sha256");
  hash.update(`${interpreter.version}\n${interpreter.executable}\n`);
  for (const f of files) hash.update(`${relative(f)}\n`).update(fs.readFileSync(f));
  const digest = hash.digest("hex");

  const stampFile = path.join(dir, STAMP);
  const stamp = fs.existsSync(stampFile) ? fs.readFileSync(stampFile, "utf8").trim() : undefined;
  if (stamp === digest && fs.existsSync(venvPython(name))) {
    log(`python env ${relative(dir)}: up to date with ${files.map(relative).join(" + ")} (Python ${interpreter.version})`);
    return dir;
  }

  const why = stamp === undefined ? "missing" : "requirements or interpreter changed";
  log(`python env ${relative(dir)}: ${why}, installing ${files.map(relative).join(" + ")} with pip (Python ${interpreter.version}) ...`);
  const started = Date.now();
  const logFile = `${dir}.log`;
  fs.mkdirSync(VENV_ROOT, { recursive: true });
  fs.rmSync(dir, { recursive: true, force: true });
  fs.writeFileSync(logFile, "");
  const venv = run(python, ["-m", "venv", dir], logFile);
  if (venv.status !== 0) {
    throw new PythonEnvError(
      `${python} -m venv ${relative(dir)} failed: ${pipReason(`${venv.stdout}${venv.stderr}`)} (Debian/Ubuntu: apt-get install python3-venv)`,
      venv.stderr,
    );
  }
  const pip = run(venvPython(name), ["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "-r", requirements], logFile);
  if (pip.status !== 0) {
    throw new PythonEnvError(
      `pip could not install ${relative(requirements)} into ${relative(dir)}: ${pipReason(`${pip.stdout}\n${pip.stderr}`)} (PyPI must be reachable; full log: ${relative(logFile)})`,
      pipLines(pip.stderr).slice(-20).join("\n"),
    );
  }
  fs.writeFileSync(stampFile, `${digest}\n`);
  log(`python env ${relative(dir)}: installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return dir;
}

/** Runs ensureVenv for each name; on failure prints the one-line reason first, then pip's tail, and exits 1. */
export function ensureVenvsOrExit(names, opts) {
  try {
    return names.map((name) => ensureVenv(name, opts));
  } catch (err) {
    if (!(err instanceof PythonEnvError)) throw err;
    process.stderr.write(`${err.message}\n${err.detail ? `${err.detail.trimEnd()}\n` : ""}`);
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const names = process.argv.slice(2);
  if (names.length === 0) {
    process.stderr.write("usage: node scripts/python-env.mjs NAME... (python/requirements-NAME.txt -> .venv/NAME)\n");
    process.exit(2);
  }
  ensureVenvsOrExit(names);
}
