// The files an MWAA environment reads from its bucket, found in a source folder laid out like the repository's
// `airflow/`: `dags/**` (the DAG folder), and, each only when present, `requirements.txt`, `plugins.zip` and
// `startup.sh`. Read when the program runs, so whatever is in the folder at `pulumi up` is what gets uploaded.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { argError } from "../args";

/** One file to upload: its S3 key, its absolute path, and the SHA-256 of its content (hex). */
export interface SourceFile {
  readonly key: string;
  readonly path: string;
  readonly sha256: string;
}

export interface AirflowSources {
  /** Every file under `dags/`, sorted by key, as `dags/<relative path>`. */
  readonly dags: readonly SourceFile[];
  readonly requirements?: SourceFile;
  readonly plugins?: SourceFile;
  readonly startupScript?: SourceFile;
}

/** The S3 prefix of the DAG folder (the environment's `dagS3Path`). */
export const DAG_FOLDER = "dags";
/** Keys of the optional files at the bucket root; MWAA is given each path with its object version. */
export const SUPPORT_FILES = { requirements: "requirements.txt", plugins: "plugins.zip", startupScript: "startup.sh" } as const;

/** Python byte code and its cache folders are build output, never uploaded. */
function skipped(name: string, isDirectory: boolean): boolean {
  return isDirectory ? name === "__pycache__" : name.endsWith(".pyc");
}

function sourceFile(key: string, file: string): SourceFile {
  return { key, path: file, sha256: createHash("sha256").update(fs.readFileSync(file)).digest("hex") };
}

function walk(dir: string, relative: string, out: SourceFile[]): void {
  for (const entry of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, entry);
    const stat = fs.statSync(file);
    if (skipped(entry, stat.isDirectory())) continue;
    const rel = relative ? `${relative}/${entry}` : entry;
    if (stat.isDirectory()) walk(file, rel, out);
    else if (stat.isFile()) out.push(sourceFile(`${DAG_FOLDER}/${rel}`, file));
  }
}

/**
 * Lists the files to upload from `sourceDir` (relative to the working directory, where Pulumi runs the program).
 * @throws ArgError naming `sourceDir` when it, or its `dags`, is not a folder.
 */
export function collectAirflowSources(sourceDir: string): AirflowSources {
  const root = path.resolve(sourceDir);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    argError("AirflowEnvironment", "sourceDir", `must be a folder laid out like airflow/ (dags/, requirements.txt), got '${sourceDir}' (${root})`);
  }
  const dags: SourceFile[] = [];
  const dagDir = path.join(root, DAG_FOLDER);
  if (fs.existsSync(dagDir)) {
    if (!fs.statSync(dagDir).isDirectory()) argError("AirflowEnvironment", "sourceDir", `must hold ${DAG_FOLDER}/ as a folder, got a file at '${dagDir}'`);
    walk(dagDir, "", dags);
  }
  const optional = (key: string): SourceFile | undefined => {
    const file = path.join(root, key);
    return fs.existsSync(file) && fs.statSync(file).isFile() ? sourceFile(key, file) : undefined;
  };
  return {
    dags,
    requirements: optional(SUPPORT_FILES.requirements),
    plugins: optional(SUPPORT_FILES.plugins),
    startupScript: optional(SUPPORT_FILES.startupScript),
  };
}
