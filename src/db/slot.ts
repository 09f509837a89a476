// A user's logical slot (issue 17, docs/scaling.md). Dependency-free: scripts/seed.mjs loads it too.

export const SLOT_COUNT = 256;

/** The slot of a user id: FNV-1a (32 bit) of its UTF-16 code units, modulo 256. Never change it. */
export function slotOf(userId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    hash ^= userId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % SLOT_COUNT;
}
