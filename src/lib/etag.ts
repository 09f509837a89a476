/** Strong entity tags (RFC 9110 §8.8.3) and the conditional-request checks built on them. */

export function quoteEtag(tag: string): string {
  return `"${tag}"`;
}

/** The entries of an If-Match / If-None-Match list: the bare wildcard "*" or entity tags (quoted, maybe W/). */
function listedTags(header: string): string[] {
  return header
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean);
}

/** If-None-Match uses weak comparison: W/"x" matches "x". Only a bare * is the wildcard. */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return listedTags(header).some((t) => t === "*" || t.replace(/^W\//, "") === etag);
}

/** A parsed If-Match: the wildcard (any current representation) or the strong tags listed (unquoted). */
export type IfMatch = "*" | readonly string[];

/** RFC 9110 §13.1.1: a bare * or a list of entity tags; weak tags never match (strong comparison). */
export function parseIfMatch(header: string | undefined): IfMatch | undefined {
  if (header === undefined) return undefined;
  const tags = listedTags(header);
  if (tags.includes("*")) return "*";
  return tags.flatMap((t) => (/^"[^"]*"$/.test(t) ? [t.slice(1, -1)] : []));
}

/** Whether a row with `etag` passes the If-Match condition (absent: always). */
export function ifMatchPasses(ifMatch: IfMatch | undefined, etag: string): boolean {
  return ifMatch === undefined || ifMatch === "*" || ifMatch.includes(etag);
}

/** A strong ETag for a response body: the first 16 bytes of its SHA-256. */
export async function bodyEtag(body: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body)));
  return quoteEtag([...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join(""));
}
