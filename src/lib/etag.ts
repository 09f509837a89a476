/** Strong entity tags (RFC 9110 §8.8.3) and the conditional-request checks built on them. */

export function quoteEtag(tag: string): string {
  return `"${tag}"`;
}

function listedTags(header: string): string[] {
  return header.split(",").map((t) => t.trim());
}

/** If-None-Match uses weak comparison: W/"x" matches "x". */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return listedTags(header).some((t) => t === "*" || t.replace(/^W\//, "") === etag);
}

/** If-Match uses strong comparison; returns the tag to compare against, "*" or undefined when absent. */
export function ifMatchTag(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const tags = listedTags(header);
  if (tags.includes("*")) return "*";
  // Only strong tags can match; several tags are unusual for a single record, so the first one decides.
  const strong = tags.find((t) => /^"[^"]*"$/.test(t));
  return strong ? strong.slice(1, -1) : "\u0000never";
}

/** A strong ETag for a response body: the first 16 bytes of its SHA-256. */
export async function bodyEtag(body: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body)));
  return quoteEtag([...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join(""));
}
