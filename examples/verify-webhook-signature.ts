// Verifying a FinAnalyze webhook delivery. Copy this file into your receiver; it needs only Web Crypto
// (Node 20+, Deno, Bun, Cloudflare Workers, browsers) and no package.
//
// Each delivery is a POST with the header
//   FinAnalyze-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=...]
// There is one v1= per active secret (two during the 24 h after a rotation); accept the delivery when any
// of them matches your secret. Always verify the RAW body bytes as received, before parsing the JSON.
// Deliveries are at least once and unordered: deduplicate by the FinAnalyze-Event-Id header.
//
//   const ok = await verifyWebhookSignature({
//     header: request.headers.get("FinAnalyze-Signature"),
//     rawBody: await request.text(),
//     secret: process.env.FINANALYZE_WEBHOOK_SECRET,
//   });
//   if (!ok) return new Response("bad signature", { status: 400 });

export interface VerifyWebhookSignatureInput {
  /** The FinAnalyze-Signature header value (null or undefined when missing). */
  header: string | null | undefined;
  /** The request body exactly as received. */
  rawBody: string | Uint8Array;
  /** Your endpoint's secret, "whsec_…" (the whole string is the HMAC key). */
  secret: string;
  /** Largest accepted distance between the signature's timestamp and now, in seconds (default 300). */
  toleranceSec?: number;
  /** The current time in unix seconds (default: the clock); for tests. */
  now?: number;
}

const SIGNATURE = /^[0-9a-f]{64}$/;
const encoder = new TextEncoder();

function hexToBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/**
 * True when the header carries a v1 signature of "<t>.<rawBody>" under `secret` and t is within
 * `toleranceSec` of now (so a captured delivery cannot be replayed later). The comparison is done by
 * crypto.subtle.verify, which is constant-time.
 */
export async function verifyWebhookSignature(input: VerifyWebhookSignatureInput): Promise<boolean> {
  const { header, rawBody, secret, toleranceSec = 300 } = input;
  const now = input.now ?? Math.floor(Date.now() / 1000);
  if (!header || !secret) return false;

  let timestamp: string | undefined;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const [key, value, extra] = part.trim().split("=");
    if (value === undefined || extra !== undefined) return false;
    if (key === "t") {
      if (timestamp !== undefined || !/^\d{1,15}$/.test(value)) return false;
      timestamp = value;
    } else if (key === "v1" && SIGNATURE.test(value)) {
      signatures.push(value);
    }
    // Other schemes (a future v2) are ignored, so a receiver keeps working when one is added.
  }
  if (timestamp === undefined || signatures.length === 0) return false;
  if (Math.abs(now - Number(timestamp)) > toleranceSec) return false;

  const body = typeof rawBody === "string" ? encoder.encode(rawBody) : rawBody;
  const head = encoder.encode(`${timestamp}.`);
  const message = new Uint8Array(head.byteLength + body.byteLength);
  message.set(head);
  message.set(body, head.byteLength);

  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  for (const signature of signatures) {
    if (await crypto.subtle.verify("HMAC", key, hexToBytes(signature), message)) return true;
  }
  return false;
}
