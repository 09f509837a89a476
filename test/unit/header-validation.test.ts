import { createRoute, z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/http/create-app";

function appWithHeaders() {
  const app = createApp();
  const route = createRoute({
    method: "get",
    path: "/h",
    request: { headers: z.object({ "x-count": z.string().regex(/^\d+$/, "digits only"), "X-Mode": z.enum(["a", "b"]).optional() }) },
    responses: { 200: { description: "the validated headers" } },
  });
  app.openapi(route, (c) => c.json(c.req.valid("header"), 200));
  return app;
}

describe("route header schemas", () => {
  it("hand the handler only the declared headers, matched case-insensitively", async () => {
    const res = await appWithHeaders().request("/h", { headers: { "X-Count": "12", "x-mode": "b", "x-other": "ignored" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ "x-count": "12", "X-Mode": "b" });
  });

  it("answer a missing or invalid header with the 422 problem naming it", async () => {
    const app = appWithHeaders();
    for (const headers of [{}, { "x-count": "twelve" }, { "x-count": "1", "x-mode": "c" }] as Record<string, string>[]) {
      const res = await app.request("/h", { headers });
      expect(res.status, JSON.stringify(headers)).toBe(422);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      const body = (await res.json()) as { errors: { path: string }[] };
      expect(body.errors.map((e) => e.path)).toEqual([headers["x-count"] === "1" ? "X-Mode" : "x-count"]);
    }
  });
});
