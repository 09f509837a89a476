import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../../src/http/context";
import { API_CSP, SECURE_HEADERS_OPTIONS, securityHeaders } from "../../src/http/security";

async function headersOf(app: Hono<AppEnv>, path = "/"): Promise<Record<string, string>> {
  return Object.fromEntries((await app.request(path)).headers);
}

describe("securityHeaders", () => {
  it("sets exactly what hono/secure-headers sets with the app's options, plus the API CSP", async () => {
    const theirs = new Hono<AppEnv>().use(secureHeaders(SECURE_HEADERS_OPTIONS)).get("/", (c) => c.json({ ok: true }));
    const ours = new Hono<AppEnv>().use(securityHeaders).get("/", (c) => c.json({ ok: true }));
    const expected = await headersOf(theirs);
    expect(Object.keys(expected).length).toBeGreaterThan(5);
    expect(await headersOf(ours)).toEqual({ ...expected, "content-security-policy": API_CSP });
  });

  it("keeps a route's own CSP, replaces a handler's secure header and drops X-Powered-By", async () => {
    const app = new Hono<AppEnv>().use(securityHeaders).get("/", (c) => {
      c.header("content-security-policy", "default-src 'self'");
      c.header("x-frame-options", "ALLOWALL");
      c.header("x-powered-by", "something");
      return c.text("page");
    });
    const headers = await headersOf(app);
    expect(headers["content-security-policy"]).toBe("default-src 'self'");
    expect(headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(headers["x-powered-by"]).toBeUndefined();
  });
});
