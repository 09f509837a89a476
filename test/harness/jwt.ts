/** Building blocks for hand-made access tokens in the token-attack tests. */

/** The secret and issuer vitest.config.ts binds for the Worker under test. */
export const TEST_SECRET = "test-secret-that-is-at-least-32-bytes-long!!";
export const ISSUER = "finanalyze";

export function base64url(data: string | Uint8Array): string {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export interface Claims {
  sub: string;
  iat: number;
  exp: number;
  iss: string;
  tv: number;
  nbf?: number;
}

/** Valid claims for a user (token version 0, one hour), with any field overridden. */
export function claimsFor(userId: string, overrides: Partial<Claims> = {}): Claims {
  const iat = nowSeconds();
  return { sub: userId, iat, exp: iat + 3600, iss: ISSUER, tv: 0, ...overrides };
}

export function decodeBase64url(segment: string): string {
  const b64 = segment.replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Uint8Array.from(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)), (ch) => ch.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** Signs a token (header, claims and signature all chosen by the caller). */
export type Signer = (data: string) => Promise<Uint8Array>;

export function hmacSigner(hash: "SHA-256" | "SHA-512", secret = TEST_SECRET): Signer {
  return async (data) => {
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash }, false, ["sign"]);
    return new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(data)));
  };
}

/** RS256 with a key pair the attacker just made (the server has no RSA key at all). */
export const rsaSigner: Signer = async (data) => {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    false,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  return new Uint8Array(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", pair.privateKey, new TextEncoder().encode(data)));
};

/** A JWT with any header and claims; `jwt(HS256 header, claims, hmacSigner("SHA-256"))` is what the server issues. */
export async function jwt(header: Record<string, unknown>, claims: Claims, signer: Signer): Promise<string> {
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  return `${signingInput}.${base64url(await signer(signingInput))}`;
}

/** The same token with another header and the original signature. */
export function withHeader(token: string, header: Record<string, unknown>): string {
  const [, payload, signature] = token.split(".");
  return `${base64url(JSON.stringify(header))}.${payload}.${signature}`;
}
