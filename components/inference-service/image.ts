// The inference image's identity: a tag derived from the content of its build inputs (so a tag names exactly one
// build and IMMUTABLE tags never collide), and the parsing of an existing image reference given instead of a build.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** Directory names never part of the build inputs: build output and installed packages (the image builds its own). */
export const EXCLUDED_DIRECTORIES: readonly string[] = ["dist", "node_modules"];

/** Hex digits of the content hash used as the image tag (64 bits: collisions are not a practical concern). */
export const TAG_LENGTH = 16;

/** One file of the build inputs: its path relative to the build context (posix separators) and its bytes. */
export interface BuildInput {
  readonly path: string;
  readonly content: Buffer | string;
}

/**
 * SHA-256 (hex) of a set of build inputs, independent of the order they are given in. The hashed stream is, for each
 * file in ascending path order: `<path> NUL <byte length> NUL <content>`, so renaming, moving or editing any file
 * changes the hash. Pure: the same files always give the same hash. Throws if a path appears twice.
 */
export function hashBuildInputs(files: readonly BuildInput[]): string {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const hash = createHash("sha256");
  sorted.forEach((file, i) => {
    if (i > 0 && sorted[i - 1].path === file.path) throw new Error(`build input '${file.path}' is listed twice`);
    const bytes = typeof file.content === "string" ? Buffer.from(file.content, "utf8") : file.content;
    hash.update(`${file.path}\0${bytes.length}\0`);
    hash.update(bytes);
  });
  return hash.digest("hex");
}

/**
 * Reads the build inputs: every file under `paths` (files or directories, relative to `root`), skipping directories
 * named in {@link EXCLUDED_DIRECTORIES}. A symbolic link contributes its target path, not what it points to (Docker
 * copies links as links). Throws naming the path when one does not exist.
 */
export function readBuildInputs(root: string, paths: readonly string[]): BuildInput[] {
  const found = new Map<string, BuildInput>();
  const visit = (relative: string) => {
    const absolute = path.join(root, relative);
    const stat = fs.lstatSync(absolute);
    const key = relative.split(path.sep).join("/");
    if (stat.isSymbolicLink()) found.set(key, { path: key, content: `symlink:${fs.readlinkSync(absolute)}` });
    else if (stat.isFile()) found.set(key, { path: key, content: fs.readFileSync(absolute) });
    else if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(absolute, { withFileTypes: true })) {
        if (entry.isDirectory() && EXCLUDED_DIRECTORIES.includes(entry.name)) continue;
        visit(path.join(relative, entry.name));
      }
    }
  };
  for (const p of paths) {
    const relative = path.normalize(p);
    if (path.isAbsolute(relative) || relative.startsWith("..")) throw new Error(`build input '${p}' must be a path inside ${root}`);
    if (!fs.existsSync(path.join(root, relative))) throw new Error(`build input '${p}' does not exist under ${root}`);
    visit(relative);
  }
  return [...found.values()];
}

/** The image tag for the build inputs under `root`: the first {@link TAG_LENGTH} hex digits of their hash. */
export function imageContentTag(root: string, paths: readonly string[]): string {
  return hashBuildInputs(readBuildInputs(root, paths)).slice(0, TAG_LENGTH);
}

/** An image pinned by digest, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com/inference@sha256:<64 hex>`. */
export interface ImageReference {
  /** Registry and repository, without tag or digest. */
  readonly repository: string;
  /** `sha256:<64 hex>`. */
  readonly digest: string;
  /** Set when the image lives in a private ECR registry: what the execution role must be allowed to pull from. */
  readonly ecr?: { readonly account: string; readonly region: string; readonly name: string };
}

const ECR_REPOSITORY = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9][a-z0-9._\/-]*)$/;
const REPOSITORY = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/**
 * Parses an image reference pinned by digest (`<repository>[:<tag>]@sha256:<64 hex>`). A reference by tag alone is
 * rejected: tags can move, and the task definition must name exactly one image. Throws saying what is wrong and what
 * is allowed; the caller names the arg.
 */
export function parseImageReference(ref: string): ImageReference {
  const at = ref.indexOf("@");
  const digest = at < 0 ? "" : ref.slice(at + 1);
  if (at < 0 || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw new Error(`must be pinned by digest (<repository>[:<tag>]@sha256:<64 hex digits>), got '${ref}'`);
  }
  const name = ref.slice(0, at);
  const lastSlash = name.lastIndexOf("/");
  const tagAt = name.indexOf(":", lastSlash + 1);
  const repository = tagAt < 0 ? name : name.slice(0, tagAt);
  if (!REPOSITORY.test(repository)) throw new Error(`'${repository}' is not a repository name (lower-case letters and digits, separated by '.', '_', '-' or '/')`);
  const ecr = ECR_REPOSITORY.exec(repository);
  return { repository, digest, ...(ecr ? { ecr: { account: ecr[1], region: ecr[2], name: ecr[3] } } : {}) };
}
