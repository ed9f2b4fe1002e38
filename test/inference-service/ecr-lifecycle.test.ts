// The inference repository's ECR lifecycle policy against the images a stack uses. ECR's evaluation is modelled from
// the Amazon ECR User Guide ("Lifecycle policy evaluation rules"): rules apply by priority, an image is expired by at
// most one rule, an image matching a rule's tag selection cannot be expired by a rule of lower priority, counts include
// images a higher rule expired, and imageCountMoreThan keeps the youngest by push time. A run of `pulumi up`s (each
// pushing a content-tagged image, most deploying it) must never leave a digest in use expired: through the `in-use-`
// tags the image-references function keeps on every image in use (modelled after each up, as its hourly run does
// before ECR's daily expiry), and, without them, through the count alone.
import { describe, expect, it } from "vitest";
import { IMAGES_IN_USE, MIN_KEEP_IMAGES } from "../../components/inference-service/args";
import { ecrLifecyclePolicy, UNTAGGED_IMAGE_DAYS } from "../../components/inference-service/policies";
import { inUseTag, IN_USE_TAG_PREFIX } from "../../contracts/image-references";

interface Image {
  readonly digest: string;
  tags: readonly string[];
  /** Push time in days. */
  readonly pushedAt: number;
}
type Policy = ReturnType<typeof ecrLifecyclePolicy>;
type Rule = Policy["rules"][number];

const wildcard = (pattern: string) => new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);

/** Whether an image matches a rule's tag selection (every pattern matching one of its tags). */
function selects(rule: Rule, image: Image): boolean {
  const s = rule.selection as { tagStatus: string; tagPatternList?: string[] };
  if (s.tagStatus === "untagged") return image.tags.length === 0;
  if (s.tagStatus === "any") return true;
  return image.tags.length > 0 && (s.tagPatternList ?? []).every((p) => image.tags.some((t) => wildcard(p).test(t)));
}

/** The digests ECR expires under `policy` at day `now`. */
function expiredBy(policy: Policy, images: readonly Image[], now: number): Set<string> {
  const expired = new Set<string>();
  const claimed = new Set<string>();
  for (const rule of [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority)) {
    const matching = images.filter((i) => selects(rule, i)).sort((a, b) => b.pushedAt - a.pushedAt);
    const sel = rule.selection as { countType: string; countNumber: number };
    const over = sel.countType === "imageCountMoreThan" ? matching.slice(sel.countNumber) : matching.filter((i) => now - i.pushedAt > sel.countNumber);
    for (const i of over) if (!claimed.has(i.digest)) expired.add(i.digest);
    for (const i of matching) claimed.add(i.digest);
  }
  return expired;
}

/** What the image-references function does to `images`: exactly the digests in use carry their in-use tag. */
function markInUse(images: Image[], inUse: readonly string[]): void {
  for (const image of images) {
    const others = image.tags.filter((t) => !t.startsWith(IN_USE_TAG_PREFIX));
    image.tags = inUse.includes(image.digest) ? [...others, inUseTag(image.digest)] : others;
  }
}

/** A digest per day: `sha256:` and the day in 64 hex digits, as ECR's digests are. */
const digestOf = (day: number | string) => `sha256:${String(day).padStart(64, "0")}`;

/**
 * A day-by-day run of `pulumi up`s: each pushes an image tagged by content; `fails` lists the ups whose deployment
 * failed after the push; `alsoInUse` names older days whose image stays in use (a device group still on it). With
 * `marked`, the image-references function tags the images in use after each up. Returns, after each up, the days in
 * use whose image the policy would expire.
 */
function expiredInUse(policy: Policy, ups: number, fails: ReadonlySet<number>, options: { marked?: boolean; alsoInUse?: readonly number[] } = {}) {
  const images: Image[] = [];
  const deployed: number[] = [];
  const out: { day: number; expired: number[] }[] = [];
  for (let day = 1; day <= ups; day++) {
    images.push({ digest: digestOf(day), tags: [`content${day}`], pushedAt: day });
    // Stray untagged manifests (an interrupted push) should be cleaned up, never in use.
    images.push({ digest: digestOf(`f${day}`), tags: [], pushedAt: day });
    if (!fails.has(day)) deployed.push(day);
    const inUse = [...new Set([...deployed.slice(-IMAGES_IN_USE), ...(options.alsoInUse ?? []).filter((d) => d <= day)])];
    if (options.marked) markInUse(images, inUse.map(digestOf));
    const expired = expiredBy(policy, images, day + UNTAGGED_IMAGE_DAYS + 1);
    out.push({ day, expired: inUse.filter((d) => expired.has(digestOf(d))) });
    for (let i = images.length - 1; i >= 0; i--) if (expired.has(images[i].digest)) images.splice(i, 1);
  }
  return out;
}

/** The policy with the count of its last rule (the newest tagged images kept) set to `n`. */
const withCount = (n: number): Policy => {
  const p = ecrLifecyclePolicy(MIN_KEEP_IMAGES);
  return { rules: p.rules.map((r) => (r.selection.tagPatternList?.[0] === "*" ? { ...r, selection: { ...r.selection, countNumber: n } } : r)) } as Policy;
};

describe("ECR lifecycle policy of the inference repository", () => {
  it("never expires an image marked in use: ten failed pushes in a row, and a device group a month behind", () => {
    const fails = new Set([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(expiredInUse(ecrLifecyclePolicy(MIN_KEEP_IMAGES), 40, fails, { marked: true, alsoInUse: [3] }).filter((r) => r.expired.length > 0)).toEqual([]);
    // Without the marks the count alone loses both.
    const unmarked = expiredInUse(ecrLifecyclePolicy(MIN_KEEP_IMAGES), 40, fails, { alsoInUse: [3] }).filter((r) => r.expired.length > 0);
    expect(unmarked.map((r) => r.expired)).toContainEqual([3]);
    expect(unmarked.some((r) => r.expired.includes(10))).toBe(true);
  });

  it("expires an image once it is no longer in use and its mark is gone", () => {
    const images: Image[] = Array.from({ length: 8 }, (_, i) => ({ digest: digestOf(i), tags: [`c${i}`], pushedAt: i }));
    markInUse(images, [digestOf(0)]);
    expect(expiredBy(ecrLifecyclePolicy(MIN_KEEP_IMAGES), images, 9).has(digestOf(0))).toBe(false);
    markInUse(images, []);
    expect(expiredBy(ecrLifecyclePolicy(MIN_KEEP_IMAGES), images, 9).has(digestOf(0))).toBe(true);
  });

  it("never expires a digest in use over 40 ups by the count alone, with a failed push now and then, at the fewest images it keeps", () => {
    // At most one failed push since the older image in use (FAILED_PUSHES_TOLERATED is 1).
    const fails = new Set([5, 12, 20, 31, 39]);
    const run = expiredInUse(ecrLifecyclePolicy(MIN_KEEP_IMAGES), 40, fails);
    expect(run.filter((r) => r.expired.length > 0)).toEqual([]);
  });

  it("still cleans up: old tagged images beyond the count and every untagged one expire", () => {
    const images: Image[] = Array.from({ length: 8 }, (_, i) => ({ digest: `sha256:${i}`, tags: [`c${i}`], pushedAt: i }));
    images.push({ digest: "sha256:untagged", tags: [], pushedAt: 7 });
    const expired = expiredBy(ecrLifecyclePolicy(MIN_KEEP_IMAGES), images, 7 + UNTAGGED_IMAGE_DAYS + 1);
    expect([...expired].sort()).toEqual(["sha256:0", "sha256:1", "sha256:2", "sha256:3", "sha256:4", "sha256:untagged"]);
  });

  it("by the count alone, keeps keepImages − IMAGES_IN_USE failed pushes since the image rolled back to, and no more", () => {
    // Ups 12 and 14 fail: on day 14 the image rolled back to (11) is behind two failed pushes.
    const twoFailures = new Set([12, 14]);
    expect(expiredInUse(ecrLifecyclePolicy(MIN_KEEP_IMAGES), 16, twoFailures).find((r) => r.expired.length > 0)).toEqual({ day: 14, expired: [11] });
    expect(expiredInUse(ecrLifecyclePolicy(MIN_KEEP_IMAGES + 1), 16, twoFailures).filter((r) => r.expired.length > 0)).toEqual([]);
  });

  it("would expire the image rolled back to with fewer: 2 kept and one failed push, 1 kept and none", () => {
    expect(expiredInUse(withCount(2), 6, new Set([4])).find((r) => r.expired.length > 0)).toEqual({ day: 4, expired: [2] });
    expect(expiredInUse(withCount(1), 3, new Set()).find((r) => r.expired.length > 0)).toEqual({ day: 2, expired: [1] });
  });

  it("refuses to build a policy that keeps fewer than the images in use and one failed push", () => {
    expect(MIN_KEEP_IMAGES).toBe(3);
    expect(() => ecrLifecyclePolicy(2)).toThrow("ecrLifecyclePolicy: keepImages must be a whole number of at least 3 (the images in use and one failed push), got 2");
    expect(ecrLifecyclePolicy(3).rules.map((r) => [r.rulePriority, r.selection.tagStatus, r.selection.countNumber])).toEqual([
      [1, "tagged", 10_000],
      [2, "untagged", 1],
      [3, "tagged", 3],
    ]);
  });
});
