// Deterministic hex strings for the mocks: the first `length` hex digits of SHA-256 of a seed.
import { createHash } from "node:crypto";

export function hex(seed: string, length: number): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, length);
}
