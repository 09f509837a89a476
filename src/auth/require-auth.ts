import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/context";
import { ApiError, problemResponse } from "../http/problem";
import { tokenConfig, verifyAccessToken } from "./tokens";
import { Caller, isTokenRevoked, tokenCheck } from "./users";

function unauthorized(detail: string, error?: "invalid_token"): ApiError {
  const challenge = error ? `Bearer realm="finanalyze", error="${error}"` : `Bearer realm="finanalyze"`;
  return new ApiError("unauthorized", detail, { headers: { "www-authenticate": challenge } });
}

const revoked = () => unauthorized("Token has been revoked", "invalid_token");

/**
 * Bearer-token guard: the token must verify (here, no database) and its user must still exist at the
 * token's version. That check rides with each of the request's D1 round trips (see db/request-d1.ts): a
 * read answers only if it passed, a write's batch rolls back when it fails, and either answers 401.
 * A request whose handler made no query (an early 4xx, or /me) sends the check on its own afterwards.
 */
export const requireAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header("authorization");
  if (!header) throw unauthorized("Missing bearer token");
  const match = /^Bearer ([A-Za-z0-9_.=-]+)$/i.exec(header.trim());
  if (!match?.[1]) throw unauthorized("Malformed Authorization header", "invalid_token");
  const claims = await verifyAccessToken(tokenConfig(c.env), match[1]);
  if (!claims) throw unauthorized("Invalid or expired token", "invalid_token");
  const caller = new Caller(claims.sub, claims.tv);
  // Set first: the request's database handle opens on the caller's shard (http/database.ts).
  c.set("user", caller);
  const d1 = c.var.d1;
  d1.carry({
    statement: tokenCheck(d1.session, claims.sub, claims.tv),
    accept: (result) => caller.accept(result.results[0] as Parameters<Caller["accept"]>[0]),
    translate: (err) => (isTokenRevoked(err) ? revoked() : undefined),
  });
  await next();
  // Whatever the handler answered (a 404, a 422), a revoked token answers 401, as when the check ran first.
  try {
    await d1.settle();
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== "unauthorized") throw err;
    c.res = undefined; // replace, not merge: none of the first answer's headers belong to the 401
    c.res = problemResponse(err, c.get("requestId"));
  }
};
