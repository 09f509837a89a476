import { beforeAll, describe, expect, it } from "vitest";
import { authed, call, jsonInit, newUser, problem, type TestUser } from "./harness";

// ---------------------------------------------------------------------------------------------------------------------
// Helpers

interface Operation {
  operationId?: string;
  summary?: string;
  security?: Record<string, string[]>[];
  responses?: Record<string, { content?: Record<string, unknown> }>;
}

interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  security?: Record<string, string[]>[];
  components?: {
    securitySchemes?: Record<string, { type?: string; scheme?: string }>;
    schemas?: Record<string, unknown>;
  };
}

const HTTP_METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

const API_PATHS = [
  "/api/v1/user/sign_up",
  "/api/v1/user/login",
  "/api/v1/user/me",
  "/api/v1/transaction/create",
  "/api/v1/transaction/all",
  "/api/v1/transaction/{transaction_id}",
  "/api/v1/transaction/update/{transaction_id}",
  "/api/v1/transaction/delete/{transaction_id}",
  "/api/v1/transaction/analytics/{user_id}",
];

/** The only operations that work without a bearer token. */
const PUBLIC_PATHS = new Set(["/api/v1/user/sign_up", "/api/v1/user/login"]);

async function openApi(path: string): Promise<OpenApiDoc> {
  const res = await call(path);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return (await res.json()) as OpenApiDoc;
}

function operations(doc: OpenApiDoc): { path: string; method: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.has(method))
      .map(([method, op]) => ({ path, method, op })),
  );
}

function requiresAuth(doc: OpenApiDoc, op: Operation): boolean {
  const security = op.security ?? doc.security ?? [];
  return security.some((requirement) => Object.keys(requirement).length > 0);
}

async function html(path: string): Promise<{ res: Response; text: string }> {
  const res = await call(path);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/html/);
  return { res, text: await res.text() };
}

/** The opening tags of every <script> and <link> element. */
function scriptAndLinkTags(page: string): string[] {
  return page.match(/<(script|link)\b[^>]*>/gi) ?? [];
}

/** One directive of a CSP header, e.g. "script-src 'self'". */
function cspDirective(csp: string, name: string): string | undefined {
  return csp
    .split(";")
    .map((d) => d.trim())
    .find((d) => d.split(/\s+/)[0]?.toLowerCase() === name);
}

/** Asserts a problem+json error with the full RFC 9457 member set and returns it. */
async function expectProblem(res: Response, status: number) {
  expect(res.status).toBe(status);
  const body = await problem(res);
  for (const key of ["type", "title", "detail", "request_id"] as const) {
    expect(typeof body[key], key).toBe("string");
    expect(body[key].length, key).toBeGreaterThan(0);
  }
  expect(body.status).toBe(status);
  expect(body.request_id).toBe(res.headers.get("x-request-id"));
  return body;
}

const validTransaction = { transaction_amount: "12.50", transaction_type: "debit", currency: "USD" };

// ---------------------------------------------------------------------------------------------------------------------

describe("happy", () => {
  it("GET /health answers 200 {status: ok}", async () => {
    const res = await call("/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("GET / is an HTML page linking both docs pages", async () => {
    const { text } = await html("/");
    expect(text).toContain('href="/api/v1/docs"');
    expect(text).toContain('href="/external-api/v1/docs"');
  });

  describe("OpenAPI document", () => {
    let doc: OpenApiDoc;
    beforeAll(async () => {
      doc = await openApi("/openapi.json");
    });

    it("is OpenAPI 3.1 and identical at /openapi.json and /api/v1/openapi.json", async () => {
      expect(doc.openapi.startsWith("3.1")).toBe(true);
      expect(await openApi("/api/v1/openapi.json")).toEqual(doc);
    });

    it("lists every API path", () => {
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(API_PATHS));
    });

    it("declares bearerAuth as an http bearer scheme", () => {
      expect(doc.components?.securitySchemes?.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    });

    it("gives every operation an operationId and a summary, with unique operationIds", () => {
      const ops = operations(doc);
      expect(ops.length).toBeGreaterThanOrEqual(API_PATHS.length);
      for (const { path, method, op } of ops) {
        expect(op.operationId, `${method} ${path}`).toEqual(expect.any(String));
        expect(op.summary, `${method} ${path}`).toEqual(expect.any(String));
      }
      const ids = ops.map(({ op }) => op.operationId);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it("marks every non-public API operation as bearer-protected", () => {
      for (const { path, method, op } of operations(doc)) {
        if (!path.startsWith("/api/") || PUBLIC_PATHS.has(path)) continue;
        expect(requiresAuth(doc, op), `${method} ${path}`).toBe(true);
        expect(op.security ?? doc.security, `${method} ${path}`).toEqual(expect.arrayContaining([{ bearerAuth: [] }]));
      }
    });

    it("documents a problem+json 401 on every operation that requires auth", () => {
      const protectedOps = operations(doc).filter(({ op }) => requiresAuth(doc, op));
      expect(protectedOps.length).toBeGreaterThanOrEqual(API_PATHS.length - PUBLIC_PATHS.size);
      for (const { path, method, op } of protectedOps) {
        const unauthorized = op.responses?.["401"];
        expect(unauthorized, `${method} ${path}`).toBeDefined();
        expect(Object.keys(unauthorized?.content ?? {}), `${method} ${path}`).toContain("application/problem+json");
      }
    });

    it("has a Problem schema component", () => {
      expect(doc.components?.schemas).toHaveProperty("Problem");
    });

    it("documents login's 401 as a wrong username or password, not as a bearer-token problem", () => {
      const unauthorized = doc.paths["/api/v1/user/login"]?.post?.responses?.["401"] as { description?: string } | undefined;
      expect(unauthorized?.description).toBe("Incorrect username or password");
    });

    it("gives UserProfile a plain object schema (not allOf, which Swagger UI shows as 'any & object')", () => {
      const profile = doc.components?.schemas?.UserProfile as { type?: string; allOf?: unknown; properties?: object };
      expect(profile.allOf).toBeUndefined();
      expect(profile.type).toBe("object");
      expect(Object.keys(profile.properties ?? {})).toEqual([
        "id",
        "username",
        "full_name",
        "email",
        "time_zone",
        "week_start",
        "created_at",
      ]);
    });
  });

  it("/api/v1/docs serves Swagger UI from our own origin under a CSP without inline scripts", async () => {
    const { res, text } = await html("/api/v1/docs");
    expect(text).toContain("/static/vendor/swagger-ui/swagger-ui-bundle.js");
    const tags = scriptAndLinkTags(text);
    expect(tags.length).toBeGreaterThan(0);
    for (const tag of tags) expect(tag).not.toMatch(/https?:\/\//i);

    const csp = res.headers.get("content-security-policy") ?? "";
    const scriptSrc = cspDirective(csp, "script-src");
    expect(scriptSrc, csp).toBeDefined();
    expect(scriptSrc?.split(/\s+/)).toContain("'self'");
    expect(scriptSrc).not.toContain("'unsafe-inline'");
  });

  it("/external-api/v1/docs serves ReDoc from our own origin pointed at /openapi.json", async () => {
    const { text } = await html("/external-api/v1/docs");
    expect(text).toContain("/static/vendor/redoc/redoc.standalone.js");
    expect(text).toMatch(/spec-url="\/openapi\.json"/);
    for (const tag of scriptAndLinkTags(text)) expect(tag).not.toMatch(/https?:\/\//i);
  });

  it("every response carries X-Request-Id", async () => {
    for (const path of ["/health", "/", "/openapi.json", "/api/v1/docs", "/no/such/route", "/api/v1/user/me"]) {
      const res = await call(path);
      expect(res.headers.get("x-request-id"), path).toMatch(/\S+/);
    }
  });

  it("echoes a valid incoming X-Request-Id, and the problem body's request_id matches it", async () => {
    const requestId = `test-${crypto.randomUUID()}`;
    const ok = await call("/health", { headers: { "x-request-id": requestId } });
    expect(ok.headers.get("x-request-id")).toBe(requestId);

    const res = await call("/api/v1/user/me", { headers: { "x-request-id": requestId } });
    expect(res.headers.get("x-request-id")).toBe(requestId);
    expect((await expectProblem(res, 401)).request_id).toBe(requestId);
  });

  it("replaces a malformed incoming X-Request-Id instead of echoing it", async () => {
    const bad = "x".repeat(129);
    const res = await call("/health", { headers: { "x-request-id": bad } });
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(/\S+/);
    expect(id).not.toBe(bad);
  });

  it("sets security headers on API responses", async () => {
    const user = await newUser("headers");
    for (const res of [await call("/api/v1/user/me", authed(user.token)), await call("/health")]) {
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      const defaultSrc = cspDirective(res.headers.get("content-security-policy") ?? "", "default-src");
      expect(defaultSrc).toBe("default-src 'none'");
    }
  });

  it("answers a CORS preflight with Access-Control-Allow-Origin", async () => {
    const res = await call("/api/v1/transaction/create", {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    });
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get("access-control-allow-origin")).toMatch(/^(\*|https:\/\/app\.example\.com)$/);
    expect(res.headers.get("access-control-allow-methods") ?? "").toMatch(/POST/);
  });
});

// ---------------------------------------------------------------------------------------------------------------------

describe("errors", () => {
  it("an unknown route is a 404 problem+json", async () => {
    await expectProblem(await call("/api/v1/nothing-here"), 404);
    await expectProblem(await call("/definitely/not/a/route"), 404);
  });

  describe("request bodies on POST /api/v1/transaction/create", () => {
    let user: TestUser;
    beforeAll(async () => {
      user = await newUser("bodies");
    });

    const create = (init: RequestInit) => call("/api/v1/transaction/create", authed(user.token, { method: "POST", ...init }));
    const withType = (contentType: string, body: BodyInit) => create({ headers: { "content-type": contentType }, body });

    it("accepts a valid body (control for the error cases)", async () => {
      expect((await create(jsonInit("POST", validTransaction))).status).toBe(201);
    });

    it("malformed JSON is a 400 problem", async () => {
      await expectProblem(await withType("application/json", '{"transaction_amount": "1.00",'), 400);
    });

    it("a body that is not valid UTF-8 is a 400 problem", async () => {
      const prefix = new TextEncoder().encode('{"transaction_amount":"1.00","transaction_type":"debit","description":"');
      const bytes = new Uint8Array([...prefix, 0xff, 0xfe, 0xff, ...new TextEncoder().encode('"}')]);
      await expectProblem(await withType("application/json", bytes), 400);
    });

    it("a text/plain body is a 415 problem", async () => {
      await expectProblem(await withType("text/plain", JSON.stringify(validTransaction)), 415);
    });

    it("a JSON body over 64 KiB is a 413 problem", async () => {
      const body = JSON.stringify({ ...validTransaction, description: "x".repeat(64 * 1024) });
      expect(new TextEncoder().encode(body).byteLength).toBeGreaterThan(64 * 1024);
      await expectProblem(await withType("application/json", body), 413);
    });

    it("an unknown body field is a 422 problem naming it in errors[].path", async () => {
      const body = await expectProblem(await create(jsonInit("POST", { ...validTransaction, sneaky_field: 1 })), 422);
      expect((body.errors ?? []).map((e) => e.path)).toContain("sneaky_field");
    });
  });
});

describe("bodies are read after the token is checked", () => {
  /** A 10 MB CSV body that counts how much of it the server pulled. */
  function countingBody(total: number) {
    const chunk = new TextEncoder().encode(`${"x".repeat(1023)}\n`.repeat(64)); // 64 KiB
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= total) return controller.close();
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    return { stream, pulled: () => pulled };
  }

  it("an anonymous 10 MB import is a 401 without its body being read", async () => {
    const body = countingBody(10 * 1024 * 1024 - 1);
    const res = await call("/api/v1/transaction/import", {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: body.stream,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(401);
    await problem(res);
    // A stream is pulled a little ahead of any reader; reading it would have pulled all 10 MB.
    expect(body.pulled()).toBeLessThan(1024 * 1024);
  });

  it("malformed JSON without a token is a 401, not a 400", async () => {
    const res = await call("/api/v1/transaction/create", jsonInit("POST", '{"transaction_amount": "1.00",'));
    expect(res.status).toBe(401);
    await problem(res);
  });

  it("the 415 problem names the media type to send", async () => {
    const user = await newUser("body415");
    const res = await call(
      "/api/v1/transaction/create",
      authed(user.token, { method: "POST", headers: { "content-type": "text/plain" }, body: '{"transaction_amount":"1.00"}' }),
    );
    expect(res.status).toBe(415);
    expect((await problem(res)).detail).toContain("application/json");
  });
});

describe("wrong methods on known paths", () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await newUser("methods");
  });

  it.each([
    ["GET", "/api/v1/transaction/create", "POST"],
    ["GET", "/api/v1/user/login", "POST"],
    ["GET", "/api/v1/transaction/bulk", "POST"],
    ["PATCH", "/api/v1/transaction/update/txn_0k7m3q9x2c4v6b8n1p5r7t9w3y", "PUT"],
    ["PATCH", "/api/v1/transaction/txn_0k7m3q9x2c4v6b8n1p5r7t9w3y", "GET, HEAD"],
    ["DELETE", "/api/v1/user/me", "GET, HEAD, PATCH"],
  ])("%s %s is a 405 problem with Allow: %s", async (method, path, allow) => {
    const res = await call(path, authed(user.token, { method }));
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe(allow);
    expect((await problem(res)).detail).toContain(allow);
  });

  it("a path segment that is not a transaction id is not looked up as one", async () => {
    // "create" has no txn_ prefix: no GET route matches it, so it is not a 404 "Transaction not found".
    const res = await call("/api/v1/transaction/create", authed(user.token));
    expect((await problem(res)).title).toBe("Method Not Allowed");
    // A well-formed id that does not exist is still a plain 404.
    expect((await call("/api/v1/transaction/txn_0k7m3q9x2c4v6b8n1p5r7t9w3y", authed(user.token))).status).toBe(404);
  });

  it("an unknown path is still a 404", async () => {
    const res = await call("/api/v1/nothing-here", authed(user.token));
    expect(res.status).toBe(404);
    expect(res.headers.get("allow")).toBeNull();
  });
});
