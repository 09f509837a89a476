/**
 * Merchant names and tags on transactions: how they are normalised before storage and what is refused.
 * Pure functions; the request schemas (labels.schemas.ts) and the rule engine share them.
 */

export const MERCHANT_MAX_CHARS = 128;
export const TAG_MAX_CHARS = 32;
export const MAX_TAGS = 10;

export type Normalized<T> = { ok: true; value: T } | { ok: false; message: string };

// C0 and C1 control characters other than whitespace (which is collapsed) would corrupt CSV cells and logs.
function hasControlCharacter(text: string): boolean {
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const whitespace = code >= 0x09 && code <= 0x0d;
    if ((code < 0x20 && !whitespace) || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}
const WHITESPACE_RUN = /\s+/g;

/** Trimmed, inner whitespace collapsed to one space, 1-128 characters (code points) after that. */
export function normalizeMerchant(input: string): Normalized<string> {
  if (hasControlCharacter(input)) return { ok: false, message: "must not contain control characters" };
  const value = input.replace(WHITESPACE_RUN, " ").trim();
  const length = [...value].length;
  if (length === 0) return { ok: false, message: "must not be empty or only whitespace" };
  if (length > MERCHANT_MAX_CHARS) return { ok: false, message: `must be at most ${MERCHANT_MAX_CHARS} characters` };
  return { ok: true, value };
}

// ASCII letters only before lower-casing, so that e.g. the Kelvin sign (which lower-cases to "k") is refused.
const TAG = /^[A-Za-z0-9_-]{1,32}$/;

/** One tag, stored lower-case: 1-32 of [a-z0-9_-] (upper-case ASCII accepted on input). */
export function normalizeTag(input: string): Normalized<string> {
  if (!TAG.test(input)) return { ok: false, message: `must be 1-${TAG_MAX_CHARS} characters of a-z, 0-9, "_" or "-"` };
  return { ok: true, value: input.toLowerCase() };
}

export type NormalizedTags = { ok: true; value: string[] } | { ok: false; message: string; index: number | null };

/**
 * A tag list as stored: each tag normalised, repeats (after lower-casing) kept once in first-seen order,
 * at most 10 distinct tags. `index` names the offending entry (null when the list as a whole is too long).
 */
export function normalizeTags(input: readonly string[]): NormalizedTags {
  const seen = new Set<string>();
  for (const [index, raw] of input.entries()) {
    const tag = normalizeTag(raw);
    if (!tag.ok) return { ok: false, message: tag.message, index };
    seen.add(tag.value);
  }
  if (seen.size > MAX_TAGS) return { ok: false, message: `at most ${MAX_TAGS} distinct tags`, index: null };
  return { ok: true, value: [...seen] };
}

/** Adds one normalised tag to a stored list: no change when already present or when the list is full. */
export function addTag(tags: readonly string[], tag: string): string[] {
  if (tags.includes(tag) || tags.length >= MAX_TAGS) return [...tags];
  return [...tags, tag];
}
