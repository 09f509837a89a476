/**
 * Webhook signatures (issue 13): `FinAnalyze-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`,
 * one `v1=` per active secret (two during the 24 h after a rotation). The HMAC key is the whole secret string,
 * "whsec_" included, as UTF-8 bytes. examples/verify-webhook-signature.ts is the receiving side.
 */
import { toBase64Url, toHex } from "../lib/encoding";

export const SIGNATURE_HEADER = "FinAnalyze-Signature";
export const EVENT_ID_HEADER = "FinAnalyze-Event-Id";
export const SECRET_PREFIX = "whsec_";

const encoder = new TextEncoder();

async function hmacHex(secret: string, message: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return toHex(new Uint8Array(await crypto.subtle.sign("HMAC", key, message)));
}

/** The signed message: "<t>." followed by the raw body bytes exactly as sent. */
function signedMessage(timestampSec: number, rawBody: string | Uint8Array): Uint8Array {
  const head = encoder.encode(`${timestampSec}.`);
  const body = typeof rawBody === "string" ? encoder.encode(rawBody) : rawBody;
  const message = new Uint8Array(head.byteLength + body.byteLength);
  message.set(head);
  message.set(body, head.byteLength);
  return message;
}

/** The FinAnalyze-Signature header value for a delivery sent at `timestampSec` (whole seconds). */
export async function signPayload(secrets: readonly string[], timestampSec: number, rawBody: string | Uint8Array): Promise<string> {
  if (!Number.isSafeInteger(timestampSec) || timestampSec < 0) throw new RangeError("timestampSec must be whole unix seconds");
  if (secrets.length === 0) throw new RangeError("at least one secret is required");
  const message = signedMessage(timestampSec, rawBody);
  const signatures = await Promise.all(secrets.map((secret) => hmacHex(secret, message)));
  return [`t=${timestampSec}`, ...signatures.map((s) => `v1=${s}`)].join(",");
}

/** A new signing secret: "whsec_" and 32 random bytes in base64url (43 characters). */
export function generateSecret(): string {
  return SECRET_PREFIX + toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}
