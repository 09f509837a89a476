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

export async function issueAccessToken(config: TokenConfig, userId: string, tokenVersion: number, now = Date.now()) {
  const iat = Math.floor(now / 1000);
  const claims: AccessClaims = { sub: userId, iat, exp: iat + config.ttlSeconds, iss: config.issuer, tv: tokenVersion };
  return { token: await sign(claims, config.secret, JWT_ALG), expiresIn: config.ttlSeconds };
}

/** Verifies signature (HS256 only), exp, nbf, iat and iss; returns null for any bad token. */
export async function verifyAccessToken(config: TokenConfig, token: string): Promise<AccessClaims | null> {
  try {
    const payload = await verify(token, config.secret, { alg: JWT_ALG, iss: config.issuer });
    if (typeof payload.sub !== "string" || typeof payload.tv !== "number" || typeof payload.exp !== "number") return null;
    return payload as AccessClaims;
  } catch {
    return null;
  }
}
