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
