import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { newId } from "../lib/ids";
import { logRequest, requestLogPolicy, shouldLogRequest } from "../lib/log";
import type { AppEnv } from "./context";

const SAFE_REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * Echoes a well-formed X-Request-Id or makes one, and logs a line per request as the REQUEST_LOG policy says
 * (lib/log.ts: every request locally; in production 5xx and slow ones, which Workers Logs does not single out).
 */
export const requestContext: MiddlewareHandler<AppEnv> = async (c, next) => {
  const incoming = c.req.header("x-request-id");
  const requestId = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : newId("req");
  c.set("requestId", requestId);
  const started = Date.now();
  await next();
  c.res.headers.set("x-request-id", requestId);
  const now = Date.now();
  if (!shouldLogRequest(requestLogPolicy(c.env), c.res.status, now - started)) return;
  logRequest(
    { requestId, method: c.req.method, route: routePath(c), status: c.res.status, started, userId: c.get("user")?.id ?? null },
    now,
  );
};
