import { ApiError } from "../lib/problem";

/**
 * The sync feed's cursor: "<seq>.<hex HMAC-SHA256(JWT_SECRET, 'sync-cursor|<user>|<seq>')>", so it is bound
 * to its user and cannot be altered. Opaque to clients; only the sequence position travels in it.
 */
const encoder = new TextEncoder();

async function mac(secret: string, userId: string, seq: number): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const bytes = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(`sync-cursor|${userId}|${seq}`)));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function signSyncCursor(secret: string, userId: string, seq: number): Promise<string> {
  return `${seq}.${await mac(secret, userId, seq)}`;
}

function timingSafeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** The sequence position of a cursor this user was given; 400 for anything else (altered, forged, another user's). */
export async function verifySyncCursor(secret: string, userId: string, cursor: string): Promise<number> {
  const match = /^(\d{1,15})\.([0-9a-f]{64})$/.exec(cursor);
  const seq = match ? Number(match[1]) : Number.NaN;
  if (!match || !Number.isSafeInteger(seq) || !timingSafeEqual(match[2] ?? "", await mac(secret, userId, seq))) {
    throw new ApiError("bad_request", "The cursor is not valid for this user; pass a next_cursor this API gave you");
  }
  return seq;
}
