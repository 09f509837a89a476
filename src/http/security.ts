import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
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

/** The options of hono/secure-headers this app keeps to (a two-year HSTS, no COEP). */
export const SECURE_HEADERS_OPTIONS = {
  contentSecurityPolicy: undefined,
  strictTransportSecurity: "max-age=63072000; includeSubDomains",
  crossOriginEmbedderPolicy: false,
} as const;

/**
 * What hono/secure-headers sets with SECURE_HEADERS_OPTIONS, as one list (a unit test keeps it equal to what
 * that middleware sets), so one middleware can set them with the default CSP.
 */
export const SECURE_HEADERS: readonly (readonly [string, string])[] = [
  ["Cross-Origin-Resource-Policy", "same-origin"],
  ["Cross-Origin-Opener-Policy", "same-origin"],
  ["Origin-Agent-Cluster", "?1"],
  ["Referrer-Policy", "no-referrer"],
  ["Strict-Transport-Security", SECURE_HEADERS_OPTIONS.strictTransportSecurity],
  ["X-Content-Type-Options", "nosniff"],
  ["X-DNS-Prefetch-Control", "off"],
  ["X-Download-Options", "noopen"],
  ["X-Frame-Options", "SAMEORIGIN"],
  ["X-Permitted-Cross-Domain-Policies", "none"],
  ["X-XSS-Protection", "0"],
];

/**
 * The security headers on every response: the strict API CSP unless a route chose its own, then the
 * secure-headers set (replacing any a handler set) and no X-Powered-By. One middleware instead of
 * hono/secure-headers plus a CSP one: a layer less on every request.
 */
export const securityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const headers = c.res.headers;
  if (!headers.has("content-security-policy")) headers.set("content-security-policy", API_CSP);
  for (const [name, value] of SECURE_HEADERS) headers.set(name, value);
  headers.delete("x-powered-by");
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
