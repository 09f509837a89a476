import { describe, expect, it } from "vitest";
import { call } from "./harness";

/** The directives of a CSP header by name, e.g. { "script-src": ["'self'"] }. */
function cspDirectives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name!.toLowerCase(), values]),
  );
}

describe("GET /dashboard", () => {
  it("serves the HTML shell under a CSP with no inline scripts or styles", async () => {
    const res = await call("/dashboard");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = cspDirectives(res.headers.get("content-security-policy") ?? "");
    for (const directive of ["script-src", "style-src"]) {
      expect(csp.get(directive), directive).toEqual(["'self'"]);
    }
    expect(csp.get("connect-src")).toEqual(["'self'"]);
    expect(csp.get("frame-ancestors")).toEqual(["'none'"]);

    const page = await res.text();
    // Every script and stylesheet is a file from this origin; no inline <script>, <style> or style="" attribute.
    const scripts = [...page.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.map((m) => /\bsrc="([^"]+)"/.exec(m[1] ?? "")?.[1])).toEqual([
      "/static/vendor/chart.js/chart.umd.min.js",
      "/dashboard/app.js",
    ]);
    for (const [, , body] of scripts) expect(body?.trim()).toBe("");
    expect(page).not.toMatch(/<style\b/i);
    expect(page).not.toMatch(/\sstyle=/i);
    expect(page).toContain('<link rel="stylesheet" href="/dashboard/dashboard.css" />');
    expect(page).not.toMatch(/https?:\/\//i);
  });

  it("is linked from / and from the OpenAPI description shown on both docs pages", async () => {
    expect(await (await call("/")).text()).toContain('href="/dashboard"');
    const doc = (await (await call("/openapi.json")).json()) as { info: { description: string } };
    expect(doc.info.description).toContain("(/dashboard)");
  });

  it("POST /dashboard is not the page: 405 with Allow, like every known path", async () => {
    const res = await call("/dashboard", { method: "POST" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toContain("GET");
  });
});
