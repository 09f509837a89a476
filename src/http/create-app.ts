import { OpenAPIHono, type RouteConfig } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ZodError, ZodType } from "zod";
import { logEvent } from "../lib/log";
import { validateBody } from "./body";
import type { AppEnv } from "./context";
import { ApiError, ERROR_CODES, type ErrorCode, problemResponse, validationError } from "./problem";
import { parseOrThrow, zodFieldErrors } from "./validation";

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

/**
 * Path parameters that are ids, by the prefix every id of theirs has: a route only matches a segment
 * with that prefix, so `GET /transaction/create` is not read as a transaction id (it is a 405).
 */
const ID_PARAM_PATTERNS: Record<string, string> = { transaction_id: "txn_[0-9A-Za-z]+" };

function toHonoPath(path: string): string {
  return path.replaceAll(/\{(\w+)\}/g, (_m, name: string) => `{${name}${ID_PARAM_PATTERNS[name] ? `{${ID_PARAM_PATTERNS[name]}}` : ""}}`);
}

function asList(middleware: RouteConfig["middleware"]): MiddlewareHandler[] {
  return (middleware === undefined ? [] : Array.isArray(middleware) ? middleware : [middleware]) as MiddlewareHandler[];
}

/**
 * A router whose validation failures are 422 problems naming each field. Routes are documented as declared;
 * they are wired with id patterns in their paths, and a JSON or form body goes through our own validator
 * (validateBody: read once after the route's middleware, parsed once, 415 naming what to send) instead of
 * zod-openapi's, which would read the body itself before we could authenticate or keep money exact.
 */
export function createRouter() {
  const router = new OpenAPIHono<AppEnv>({
    strict: true,
    defaultHook: (result) => {
      if (!result.success) {
        throw validationError(zodFieldErrors(result.error as ZodError));
      }
    },
  });
  const wire = router.openapi;
  router.openapi = ((route: RouteConfig, handler: never, hook?: never) => {
    const { middleware, hide, ...documented } = route;
    if (!hide) router.openAPIRegistry.registerPath(documented);
    const content = (route.request?.body?.content ?? {}) as Record<string, { schema?: unknown }>;
    const json = content["application/json"]?.schema as ZodType | undefined;
    const form = content["application/x-www-form-urlencoded"]?.schema as ZodType | undefined;
    const headers = route.request?.headers as ZodType | undefined;
    const headerShape = headers && "shape" in headers ? (headers.shape as Record<string, unknown>) : undefined;
    const request =
      json || form || headerShape
        ? { ...route.request, ...(json || form ? { body: undefined } : {}), ...(headerShape ? { headers: undefined } : {}) }
        : route.request;
    const bodyValidator = json || form ? [validateBody({ json, form, required: route.request?.body?.required })] : [];
    const headerValidator = headers && headerShape ? [validateHeaders(headers, Object.keys(headerShape))] : [];
    return wire(
      {
        ...route,
        hide: true,
        path: toHonoPath(route.path),
        request,
        middleware: [...asList(middleware), ...bodyValidator, ...headerValidator],
      },
      handler,
      hook,
    );
  }) as typeof wire;
  return router;
}

/**
 * A route's header schema checked against the headers it names, each looked up by name (case-insensitive, as
 * zod-validator matches them): the generic validator copied every request header into an object first, a
 * measurable share of a short request. Failures are the same 422 as the other validators'.
 */
function validateHeaders(schema: ZodType, names: readonly string[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const value: Record<string, string> = {};
    for (const name of names) {
      const header = c.req.raw.headers.get(name);
      if (header !== null) value[name] = header;
    }
    c.req.addValidatedData("header", parseOrThrow(schema, value) as object);
    return next();
  };
}

/** The methods the app answers on `path` (HEAD with GET), for a 405's Allow header; empty for an unknown path. */
function allowedMethods(routes: readonly { method: string; path: string }[], path: string): string[] {
  const methods = new Set<string>();
  for (const route of routes) {
    if (route.method === "ALL" || route.path.includes("*")) continue;
    const pattern = route.path
      .split("/")
      .map((segment) => {
        const param = /^:\w+(?:\{(.+)\})?$/.exec(segment);
        return param ? (param[1] ?? "[^/]+") : segment.replaceAll(/[.*+?^${}()|[\]\\]/g, "\\$&");
      })
      .join("/");
    if (new RegExp(`^${pattern}$`).test(path)) methods.add(route.method);
  }
  if (methods.has("GET")) methods.add("HEAD");
  return [...methods].sort();
}

export function createApp() {
  const app = createRouter();
  app.notFound((c) => {
    const requestId = c.get("requestId") ?? "unknown";
    const allow = allowedMethods(app.routes, c.req.path);
    if (allow.length > 0 && !allow.includes(c.req.method)) {
      return problemResponse(
        new ApiError("method_not_allowed", `${c.req.method} is not allowed on ${c.req.path}; use ${allow.join(", ")}`, {
          headers: { allow: allow.join(", ") },
        }),
        requestId,
      );
    }
    return problemResponse(new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}`), requestId);
  });
  app.onError(handleError);
  return app;
}
