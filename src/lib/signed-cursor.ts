/**
 * Opaque, HMAC-signed cursors for the sync feed and the event list (issue 13): base64url(JSON payload) "."
 * base64url(HMAC-SHA256). An altered, forged or another user's cursor decodes to null (the handler answers 400).
 * The key is derived from JWT_SECRET with a purpose label, so it is never the JWT key itself and a cursor
 * of one purpose ("sync") is not accepted for another ("events").
 */
import { fromBase64Url, toBase64Url } from "./encoding";

export interface CursorPayload {
  /** The user the cursor belongs to. */
  u: string;
  /** Position in that user's change sequence. */
  s: number;
  [extra: string]: string | number | boolean | null;
}

/** Longer inputs are refused before any decoding work. */
export const MAX_CURSOR_LENGTH = 512;

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

/** HMAC key for cursors of `purpose`: HMAC-SHA256(secret, "finanalyze-cursor:<purpose>"), cached per isolate. */
export function deriveCursorKey(secret: string, purpose: string): Promise<CryptoKey> {
  const cacheKey = `${purpose}\u0000${secret}`;
  let key = keys.get(cacheKey);
  if (!key) {
    key = (async () => {
      const root = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      const derived = await crypto.subtle.sign("HMAC", root, encoder.encode(`finanalyze-cursor:${purpose}`));
      return crypto.subtle.importKey("raw", derived, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    })();
    keys.set(cacheKey, key);
  }
  return key;
}

function validPayload(value: unknown): value is CursorPayload {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  if (typeof record.u !== "string" || record.u === "") return false;
  if (typeof record.s !== "number" || !Number.isSafeInteger(record.s) || record.s < 0) return false;
  return Object.values(record).every((v) => v === null || ["string", "number", "boolean"].includes(typeof v));
}

export async function encodeCursor(key: CryptoKey, payload: CursorPayload): Promise<string> {
  if (!validPayload(payload)) throw new TypeError("cursor payload needs a user id u and a non-negative integer s");
  const body = toBase64Url(encoder.encode(JSON.stringify(payload)));
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(body)));
  const cursor = `${body}.${toBase64Url(mac)}`;
  if (cursor.length > MAX_CURSOR_LENGTH) throw new RangeError("cursor payload too large");
  return cursor;
}

/** The payload of a cursor this server issued to `userId` with `key`, or null for anything else. */
export async function decodeCursor(key: CryptoKey, cursor: string, userId: string): Promise<CursorPayload | null> {
  if (cursor.length > MAX_CURSOR_LENGTH) return null;
  const [body, macText, extra] = cursor.split(".");
  if (!body || !macText || extra !== undefined) return null;
  const mac = fromBase64Url(macText);
  if (!mac || mac.byteLength !== 32) return null;
  // Verified before parsing: nothing an attacker wrote reaches JSON.parse. verify() compares in constant time.
  if (!(await crypto.subtle.verify("HMAC", key, mac, encoder.encode(body)))) return null;
  const bytes = fromBase64Url(body);
  if (!bytes) return null;
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
  if (!validPayload(payload) || payload.u !== userId) return null;
  return payload;
}
