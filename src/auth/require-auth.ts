import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../lib/context";
import { ApiError } from "../lib/problem";
import { tokenConfig, verifyAccessToken } from "./tokens";
import { findTokenSubject } from "./users";

function unauthorized(detail: string, error?: "invalid_token"): ApiError {
  const challenge = error ? `Bearer realm="finanalyze", error="${error}"` : `Bearer realm="finanalyze"`;
  return new ApiError("unauthorized", detail, { headers: { "www-authenticate": challenge } });
}

/** Bearer-token guard: the token must verify and its user must still exist at the same token version. */
export const requireAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header("authorization");
  if (!header) throw unauthorized("Missing bearer token");
  const match = /^Bearer ([A-Za-z0-9_.=-]+)$/i.exec(header.trim());
  if (!match?.[1]) throw unauthorized("Malformed Authorization header", "invalid_token");
  const claims = await verifyAccessToken(tokenConfig(c.env), match[1]);
  if (!claims) throw unauthorized("Invalid or expired token", "invalid_token");
  const user = await findTokenSubject(c.env.DB, claims.sub);
  if (!user || user.tokenVersion !== claims.tv) throw unauthorized("Token has been revoked", "invalid_token");
  const { id, username, fullName, email, createdAt, timeZone, weekStart } = user;
  c.set("user", { id, username, fullName, email, createdAt, timeZone, weekStart });
  return next();
};
