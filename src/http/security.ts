import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "./context";

/** JSON responses never need to load anything. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/** Docs pages load only our own scripts; Swagger UI and ReDoc need inline styles and blob workers. */
export const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join("; ");

/** The dashboard runs only our own files: no inline scripts or styles at all (Chart.js draws on a canvas). */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

export const securityHeaders = secureHeaders({
  contentSecurityPolicy: undefined,
  strictTransportSecurity: "max-age=63072000; includeSubDomains",
  crossOriginEmbedderPolicy: false,
});

/** Sets the strict API CSP unless a route chose its own. */
export const defaultCsp: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (!c.res.headers.has("content-security-policy")) c.res.headers.set("content-security-policy", API_CSP);
};

export const EXPOSED_HEADERS = ["Location", "X-Request-Id", "ETag", "Retry-After", "Idempotent-Replayed", "X-D1-Bookmark"];

/** The CORS middleware for one CORS_ORIGINS value: "*" or a comma-separated list. */
function corsFor(origins: string): MiddlewareHandler<AppEnv> {
  const configured = origins
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean);
  const allowAll = configured.includes("*");
  return cors({
    origin: (origin) => (allowAll ? "*" : configured.includes(origin) ? origin : null),
    allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "If-Match", "If-None-Match", "X-Request-Id", "X-D1-Bookmark"],
    allowMethods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
    exposeHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
}

// Built once per isolate and CORS_ORIGINS value, not per request (the var is fixed for a deployment).
let corsCache: { origins: string; middleware: MiddlewareHandler<AppEnv> } | undefined;

/** CORS origins come from the CORS_ORIGINS var: "*" or a comma-separated list. */
export const corsFromEnv: MiddlewareHandler<AppEnv> = (c, next) => {
  const origins = c.env.CORS_ORIGINS ?? "";
  if (corsCache?.origins !== origins) corsCache = { origins, middleware: corsFor(origins) };
  return corsCache.middleware(c, next);
};
