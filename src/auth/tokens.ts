import { sign, verify } from "hono/jwt";
import type { JWTPayload } from "hono/utils/jwt/types";

export const JWT_ALG = "HS256" as const;
const DEFAULT_TTL_SECONDS = 3600;

export interface TokenConfig {
  secret: string;
  issuer: string;
  ttlSeconds: number;
}

export function tokenConfig(env: Env): TokenConfig {
  const ttl = Number.parseInt(env.JWT_TTL_SECONDS ?? "", 10);
  return {
    secret: env.JWT_SECRET,
    issuer: env.JWT_ISSUER || "finanalyze",
    ttlSeconds: Number.isSafeInteger(ttl) && ttl > 0 ? ttl : DEFAULT_TTL_SECONDS,
  };
}

export interface AccessClaims extends JWTPayload {
  sub: string;
  iat: number;
  exp: number;
  iss: string;
  /** The user's token version when issued; logout and password change bump it. */
  tv: number;
}

// The HMAC key imported once per isolate and secret: hono/jwt would import it from the string on every call,
// a measurable share of an authenticated request. Keyed by the secret, so a rotated secret gets its own key.
const hmacKeys = new Map<string, CryptoKey>();

// The key itself is cached, not the import's promise: a promise made in one request is never awaited by another.
async function hmacKey(secret: string): Promise<CryptoKey> {
  const cached = hmacKeys.get(secret);
  if (cached) return cached;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
  if (hmacKeys.size >= 4) hmacKeys.clear(); // a few secrets at most (rotation, tests): never grows without bound
  hmacKeys.set(secret, key);
  return key;
}

export async function issueAccessToken(config: TokenConfig, userId: string, tokenVersion: number, now = Date.now()) {
  const iat = Math.floor(now / 1000);
  const claims: AccessClaims = { sub: userId, iat, exp: iat + config.ttlSeconds, iss: config.issuer, tv: tokenVersion };
  return { token: await sign(claims, await hmacKey(config.secret), JWT_ALG), expiresIn: config.ttlSeconds };
}

/** Verified tokens per isolate (token string → claims): a client sends the same token with every request. */
export const VERIFIED_TOKENS_CACHED = 1_000;
const verified = new Map<string, { secret: string; issuer: string; claims: AccessClaims }>();

/**
 * Verifies signature (HS256 only), exp, nbf, iat and iss; returns null for any bad token. A token verified
 * before under the same secret and issuer is answered from the per-isolate cache (no HMAC, no parse) until its
 * exp, which is all that can change for it with time (nbf and iat, once passed, stay passed). Revocation is
 * not decided here but by the token-version check every authenticated request makes in D1, so it stays immediate.
 */
export async function verifyAccessToken(config: TokenConfig, token: string): Promise<AccessClaims | null> {
  const now = Math.floor(Date.now() / 1000);
  const hit = verified.get(token);
  if (hit && hit.secret === config.secret && hit.issuer === config.issuer) {
    if (hit.claims.exp > now) return hit.claims;
    verified.delete(token);
  }
  try {
    const payload = await verify(token, await hmacKey(config.secret), { alg: JWT_ALG, iss: config.issuer });
    if (typeof payload.sub !== "string" || typeof payload.tv !== "number" || typeof payload.exp !== "number") return null;
    const claims = Object.freeze(payload) as AccessClaims;
    verified.delete(token);
    if (verified.size >= VERIFIED_TOKENS_CACHED) verified.delete(verified.keys().next().value as string); // oldest first out
    verified.set(token, { secret: config.secret, issuer: config.issuer, claims });
    return claims;
  } catch {
    return null;
  }
}
