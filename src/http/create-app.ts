import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ZodError } from "zod";
import { logEvent } from "../lib/log";
import type { AppEnv } from "./context";
import { ApiError, ERROR_CODES, type ErrorCode, problemResponse, validationError } from "./problem";
import { zodFieldErrors } from "./validation";

function codeForStatus(status: number): ErrorCode {
  const entry = Object.entries(ERROR_CODES).find(([, s]) => s === status);
  return (entry?.[0] as ErrorCode | undefined) ?? (status >= 500 ? "internal_error" : "bad_request");
}

/** Maps anything thrown in a handler to problem+json; only our own bugs become a 500. */
export function handleError(err: unknown, c: Context<AppEnv>): Response {
  const requestId = c.get("requestId") ?? "unknown";
  if (err instanceof ApiError) return problemResponse(err, requestId);
  if (err instanceof HTTPException) {
    const res = err.getResponse();
    const headers: Record<string, string> = {};
    const challenge = res.headers.get("www-authenticate");
    if (challenge) headers["www-authenticate"] = challenge;
    return problemResponse(new ApiError(codeForStatus(err.status), err.message || res.statusText, { headers }), requestId);
  }
  logEvent("unhandled_error", {
    request_id: requestId,
    error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
  });
  return problemResponse(new ApiError("internal_error", "An unexpected error occurred"), requestId);
}

/** A router whose validation failures are 422 problems naming each field. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    strict: true,
    defaultHook: (result) => {
      if (!result.success) {
        throw validationError(zodFieldErrors(result.error as ZodError));
      }
    },
  });
}

export function createApp() {
  const app = createRouter();
  app.notFound((c) =>
    problemResponse(new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}`), c.get("requestId") ?? "unknown"),
  );
  app.onError(handleError);
  return app;
}
