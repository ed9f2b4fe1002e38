// Versions and keys of the fleet's publish-once things, derived from their content.
//
// Greengrass keeps one recipe per component name and version and refuses a second (CreateComponentVersion answers
// ConflictException), devices verify an S3 artifact against the digest recorded when its version was published, and
// every property of a Greengrass deployment is create-only. A version or key set by hand is therefore one forgotten
// bump away from a failed `pulumi up` or a fleet that rejects its artifact. Here each one is a function of what it
// names: the same content always gives the same version or key, and any change moves it.
import { createHash } from "node:crypto";
import type { GreengrassRecipe } from "./recipes";
import { canonicalJson } from "./recipes";

/** SHA-256 (lower-case hex) of a string or bytes. */
export function sha256Hex(content: string | Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

/**
 * Largest patch number a content version uses: 2^31 - 1. The Greengrass nucleus parses versions with semver4j, whose
 * major, minor and patch are Java `int`s, so a patch is kept within a signed 32-bit integer.
 */
export const MAX_CONTENT_PATCH = 0x7fffffff;

/** `MAJOR.MINOR` a component's versions are released under, e.g. `1.0`. */
export const RELEASE_PATTERN = /^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})$/;

/**
 * `<release>.<patch>`: `release` is `MAJOR.MINOR` (from settings), `patch` the first 31 bits of the SHA-256 of
 * `content`, 0 to {@link MAX_CONTENT_PATCH}. A plain `MAJOR.MINOR.PATCH` (no pre-release or build metadata, which
 * Greengrass version requirements and semver precedence treat specially), deterministic, and different for different
 * content except with probability 2^-31 per change.
 * @throws Error when `release` is not `MAJOR.MINOR`.
 */
export function contentVersion(release: string, content: string | Buffer): string {
  if (!RELEASE_PATTERN.test(release)) {
    throw new Error(`contentVersion: release ${JSON.stringify(release)} must be MAJOR.MINOR (e.g. "1.0")`);
  }
  const patch = Number.parseInt(sha256Hex(content).slice(0, 8), 16) >>> 1;
  return `${release}.${patch}`;
}

/** Version that stands in for the real one while a recipe's content is hashed. */
const PLACEHOLDER_VERSION = "0.0.0";

/**
 * A recipe whose `ComponentVersion` is the {@link contentVersion} of everything else in it: `make` is called once with
 * a placeholder version to hash the recipe's canonical JSON, and once with the version that yields. The recipe must
 * name its version only in `ComponentVersion`; a recipe that changes with its version throws.
 */
export function contentVersionedRecipe(release: string, make: (version: string) => GreengrassRecipe): GreengrassRecipe {
  const draft = make(PLACEHOLDER_VERSION);
  const version = contentVersion(release, canonicalJson({ ...draft, ComponentVersion: undefined }));
  const recipe = make(version);
  if (canonicalJson({ ...recipe, ComponentVersion: undefined }) !== canonicalJson({ ...draft, ComponentVersion: undefined })) {
    throw new Error(`contentVersionedRecipe: recipe ${JSON.stringify(recipe.ComponentName)} changes with its version; it cannot be versioned by content`);
  }
  return recipe;
}

/** `<prefix><component>/<sha256 of content>/<fileName>`: a component artifact's key, one object per content. */
export function contentAddressedKey(prefix: string, component: string, fileName: string, content: string | Buffer): string {
  return `${prefix}${component}/${sha256Hex(content)}/${fileName}`;
}
