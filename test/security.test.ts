import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { sign } from "hono/jwt";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import worker from "../src/index";
import {
  analyticsState,
  authed,
  call,
  claimsFor,
  createTransaction,
  directoryRows,
  eventually,
  expectProblem,
  json,
  jsonInit,
  newUser,
  rows,
  TEST_SECRET,
  type TestUser,
  type TransactionRecord,
  unknownTransactionId,
  validationPaths,
} from "./harness";

const TX = "/api/v1/transaction";
const USER = "/api/v1/user";

// ---------------------------------------------------------------------------------------------------------------------
// Helpers

type HeaderMap = Record<string, string>;

const me = (token: string) => call(`${USER}/me`, authed(token));
const login = (username: string, password: string, headers: HeaderMap = {}) =>
  call(`${USER}/login`, jsonInit("POST", { username, password }, undefined, headers));
const logout = (token: string, headers: HeaderMap = {}) => call(`${USER}/logout`, authed(token, { method: "POST", headers }));
const changePassword = (token: string, body: Record<string, unknown>, headers: HeaderMap = {}) =>
  call(`${USER}/change_password`, jsonInit("POST", body, token, headers));
const requestId = (label: string) => `req-${label}-${crypto.randomUUID()}`;

async function accessToken(res: Response): Promise<string> {
  return (await json<{ access_token: string }>(res, 200)).access_token;
}

/** A 401 problem+json with a Bearer challenge. */
async function expectUnauthorized(res: Response) {
  const body = await expectProblem(res, 401);
  expect(res.headers.get("www-authenticate") ?? "").toMatch(/^Bearer\b/);
  return body;
}

/** A 429 problem+json whose Retry-After is a positive number of seconds. */
async function expectThrottled(res: Response): Promise<number> {
  await expectProblem(res, 429);
  const retryAfter = res.headers.get("retry-after") ?? "";
  expect(retryAfter).toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThan(0);
  return Number(retryAfter);
}

/**
 * Wall time of one call. Workers clocks only advance across I/O, so a trivial D1 read after the call
 * makes sure the end timestamp includes any CPU work the call did after its last I/O (as in auth.test.ts).
 */
async function timed(send: () => Promise<Response>): Promise<{ ms: number; res: Response }> {
  const start = performance.now();
  const res = await send();
  await env.DB.prepare("SELECT 1").first();
  return { ms: performance.now() - start, res };
}

interface AuditEntry {
  id: string;
  action: string;
  target_id: string | null;
  request_id: string;
  client_ip: string | null;
  details: Record<string, { transaction_amount?: string; [key: string]: unknown }> | null;
  created_at: string;
}

interface AuditPage {
  data: AuditEntry[];
  has_more: boolean;
  next_cursor: string | null;
}

const auditRequest = (token: string, query = "") => call(`${USER}/audit${query}`, authed(token));

/** Every audit entry of the caller, in one page. */
async function allAudit(token: string): Promise<AuditEntry[]> {
  const page = await json<AuditPage>(await auditRequest(token, "?limit=200"), 200);
  expect(page.has_more).toBe(false);
  return page.data;
}

/** Lines the app wrote with console.log while `spy` was active. */
function logLines(spy: { mock: { calls: unknown[][] } }): string[] {
  return spy.mock.calls.map((args) => args.map(String).join(" "));
}

/** Whether `text` contains `secret` as a whole token (so "short" does not match inside "shorter"). */
function mentions(text: string, secret: string): boolean {
  const escaped = secret.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?<![A-Za-z0-9])${escaped}(?![A-Za-z0-9])`).test(text);
}

afterEach(() => {
  vi.restoreAllMocks();
});

// ---------------------------------------------------------------------------------------------------------------------

describe("authorization matrix: another user's ids", () => {
  let owner: TestUser;
  let intruder: TestUser;
  let records: TransactionRecord[];
  let target: TransactionRecord;
  let targetEtag: string;
  let intruderOwn: TransactionRecord;
  let before: Awaited<ReturnType<typeof ownerView>>;

  const settled = async (user: TestUser) => {
    await eventually(async () => {
      const state = await analyticsState(user.id);
      return state !== null && state.snapshot !== null && state.snapshot_version === state.version;
    });
  };

  async function snapshot(res: Response) {
    return { status: res.status, etag: res.headers.get("etag"), body: await res.text() };
  }

  /** Everything the owner can see, through the API and in storage. */
  async function ownerView() {
    const ids = records.map((r) => r.id);
    return {
      records: await Promise.all(ids.map(async (id) => snapshot(await call(`${TX}/${id}`, authed(owner.token))))),
      list: await snapshot(await call(`${TX}/all?limit=1000`, authed(owner.token))),
      analytics: await snapshot(await call(`${TX}/analytics/me`, authed(owner.token))),
      audit: await allAudit(owner.token),
      storage: {
        transactions: await rows("SELECT * FROM transactions WHERE user_id = ? ORDER BY id", owner.id),
        rollups: await rows("SELECT * FROM daily_rollups WHERE user_id = ? ORDER BY currency, day", owner.id),
        analytics: await rows("SELECT * FROM analytics_state WHERE user_id = ?", owner.id),
        audit: await rows("SELECT * FROM audit_log WHERE user_id = ? ORDER BY id", owner.id),
      },
    };
  }

  beforeAll(async () => {
    [owner, intruder] = [await newUser("owner"), await newUser("intruder")];
    records = [
      await createTransaction(owner.token, {
        transaction_amount: "123.45",
        transaction_type: "debit",
        transaction_date: "2026-08-08",
        description: "owner only",
      }),
      await createTransaction(owner.token, {
        transaction_amount: "5000",
        transaction_type: "credit",
        currency: "JPY",
        transaction_date: "2026-08-09",
      }),
      await createTransaction(owner.token, {
        transaction_amount: "1.234",
        transaction_type: "credit",
        currency: "KWD",
        status: "pending",
        external_id: "owner-ext-1",
      }),
    ];
    target = records[0]!;
    intruderOwn = await createTransaction(intruder.token, {
      transaction_amount: "9.99",
      transaction_type: "debit",
      transaction_date: "2026-08-08",
    });
    targetEtag = (await call(`${TX}/${target.id}`, authed(owner.token))).headers.get("etag") ?? "";
    expect(targetEtag).toMatch(/^"[^"]+"$/);
    await settled(owner);
    before = await ownerView();
    expect(before.records.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(before.analytics.status).toBe(200);
  });

  type Probe = (token: string, id: string) => Promise<Response>;
  const hijack = { transaction_amount: "0.01", description: "hijacked", status: "failed" };
  const key = () => ({ "idempotency-key": `key-${crypto.randomUUID()}` });
  const probes: [string, Probe][] = [
    ["GET /transaction/{id}", (t, id) => call(`${TX}/${id}`, authed(t))],
    ["GET with If-None-Match: *", (t, id) => call(`${TX}/${id}`, authed(t, { headers: { "if-none-match": "*" } }))],
    ["GET with If-None-Match: the owner's ETag", (t, id) => call(`${TX}/${id}`, authed(t, { headers: { "if-none-match": targetEtag } }))],
    ["PUT update/{id}", (t, id) => call(`${TX}/update/${id}`, jsonInit("PUT", hijack, t))],
    ["PUT with If-Match: *", (t, id) => call(`${TX}/update/${id}`, jsonInit("PUT", hijack, t, { "if-match": "*" }))],
    ["PUT with If-Match: the owner's ETag", (t, id) => call(`${TX}/update/${id}`, jsonInit("PUT", hijack, t, { "if-match": targetEtag }))],
    ["PUT with Idempotency-Key", (t, id) => call(`${TX}/update/${id}`, jsonInit("PUT", hijack, t, key()))],
    [
      "PUT with If-Match and Idempotency-Key",
      (t, id) => call(`${TX}/update/${id}`, jsonInit("PUT", hijack, t, { ...key(), "if-match": targetEtag })),
    ],
    ["DELETE delete/{id}", (t, id) => call(`${TX}/delete/${id}`, authed(t, { method: "DELETE" }))],
    ["DELETE with Idempotency-Key", (t, id) => call(`${TX}/delete/${id}`, authed(t, { method: "DELETE", headers: key() }))],
    [
      "DELETE with If-Match: the owner's ETag",
      (t, id) => call(`${TX}/delete/${id}`, authed(t, { method: "DELETE", headers: { "if-match": targetEtag } })),
    ],
  ];

  /** The parts of a 404 that must not tell "someone else's" from "does not exist". */
  async function notFoundShape(res: Response) {
    const { type, title, status, detail, errors } = await expectProblem(res, 404);
    expect(res.headers.get("etag")).toBeNull();
    return { type, title, status, detail, errors };
  }

  it.each(probes)("%s with the owner's id answers the intruder exactly like a nonexistent id", async (_name, probe) => {
    const foreign = await notFoundShape(await probe(intruder.token, target.id));
    const missing = await notFoundShape(await probe(intruder.token, unknownTransactionId()));
    expect(foreign).toEqual(missing);
  });

  it("every owner id (not only the first) is a 404 for the intruder on GET, PUT and DELETE", async () => {
    for (const record of records) {
      for (const [, probe] of [probes[0]!, probes[3]!, probes[8]!]) {
        await notFoundShape(await probe(intruder.token, record.id));
      }
    }
  });

  it.each([
    ["no query", ""],
    ["?currency=JPY", "?currency=JPY"],
    ["a day range", "?from=2026-08-01&to=2026-08-31"],
  ])("analytics/{owner's user id} with %s answers the intruder 403", async (_name, query) => {
    const res = await call(`${TX}/analytics/${owner.id}${query}`, authed(intruder.token));
    const body = await expectProblem(res, 403);
    expect(Object.keys(body).sort()).toEqual(["detail", "request_id", "status", "title", "type"]);
    expect(res.headers.get("etag")).toBeNull();
  });

  it("analytics/{owner's user id} with the owner's analytics ETag is 403, not 304", async () => {
    const headers = { "if-none-match": before.analytics.etag ?? "*" };
    await expectProblem(await call(`${TX}/analytics/${owner.id}`, authed(intruder.token, { headers })), 403);
  });

  it("the intruder's list, export and audit never contain the owner's ids", async () => {
    const ownerIds = [owner.id, ...records.map((r) => r.id)];
    const listQueries = ["", "?currency=USD", "?from=2026-08-08&to=2026-08-08", "?status=success", "?transaction_type=debit"];
    const views: [string, string][] = [];
    for (const query of listQueries) {
      const sep = query ? "&" : "?";
      views.push([`list${query}`, await (await call(`${TX}/all${query}${sep}limit=1000`, authed(intruder.token))).text()]);
      views.push([`export${query}`, await (await call(`${TX}/export${query}`, authed(intruder.token))).text()]);
    }
    views.push(["audit", JSON.stringify(await allAudit(intruder.token))]);
    for (const [name, text] of views) {
      for (const id of ownerIds) expect(text.includes(id), `${name} contains ${id}`).toBe(false);
    }
    // Not vacuous: the intruder's own record is there.
    expect(views[0]![1]).toContain(intruderOwn.id);
    expect(views[1]![1]).toContain(intruderOwn.id);
    expect(views.at(-1)![1]).toContain(intruderOwn.id);
  });

  it("afterwards the owner's records, analytics and audit entries are unchanged", async () => {
    expect(await ownerView()).toStrictEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------------------------------

describe("revocation", () => {
  it("a token used after POST /api/v1/user/logout is refused everywhere", async () => {
    const user = await newUser("logout");
    expect(await json<{ message: string }>(await logout(user.token), 200)).toEqual({ message: "success" });
    await expectUnauthorized(await me(user.token));
    await expectUnauthorized(await logout(user.token));
    await expectUnauthorized(
      await call(`${TX}/create`, jsonInit("POST", { transaction_amount: "1.00", transaction_type: "debit" }, user.token)),
    );
    await expectUnauthorized(await auditRequest(user.token));
  });

  it("a token issued before logout is refused while one issued after logout works", async () => {
    const user = await newUser("relogin");
    const beforeLogout = await accessToken(await login(user.username, user.password));
    expect((await logout(beforeLogout)).status).toBe(200);
    const afterLogout = await accessToken(await login(user.username, user.password));
    expect((await json<{ id: string }>(await me(afterLogout), 200)).id).toBe(user.id);
    await expectUnauthorized(await me(beforeLogout));
    await expectUnauthorized(await me(user.token));
  });

  it("after change_password the old token is 401, the new password logs in and the old one is 401", async () => {
    const user = await newUser("chpw");
    const newPassword = "a much better passphrase";
    const res = await changePassword(user.token, { current_password: user.password, new_password: newPassword });
    expect(await json<{ message: string }>(res, 200)).toEqual({ message: "success" });
    await expectUnauthorized(await me(user.token));
    const fresh = await accessToken(await login(user.username, newPassword));
    expect((await json<{ id: string }>(await me(fresh), 200)).id).toBe(user.id);
    await expectUnauthorized(await login(user.username, user.password));
  });
});

describe("change_password errors", () => {
  it("a wrong current password is a 403 problem and changes nothing", async () => {
    const user = await newUser("wrongcur");
    const res = await changePassword(user.token, { current_password: "not my password", new_password: "another passphrase" });
    const body = await expectProblem(res, 403);
    expect(body.type).toMatch(/forbidden$/);
    expect((await me(user.token)).status).toBe(200);
    expect((await login(user.username, user.password)).status).toBe(200);
    await expectUnauthorized(await login(user.username, "another passphrase"));
  });

  it("a new password under 8 characters is a 422 naming new_password and changes nothing", async () => {
    const user = await newUser("weak");
    const res = await changePassword(user.token, { current_password: user.password, new_password: "short12" });
    expect(await validationPaths(res)).toContain("new_password");
    expect((await me(user.token)).status).toBe(200);
    expect((await login(user.username, user.password)).status).toBe(200);
  });

  it("a successful change is audited as user.password_change with its request id", async () => {
    const user = await newUser("auditpw");
    const rid = requestId("chpw");
    const res = await changePassword(
      user.token,
      { current_password: user.password, new_password: "yet another passphrase" },
      { "x-request-id": rid },
    );
    expect(res.status).toBe(200);
    const token = await accessToken(await login(user.username, "yet another passphrase"));
    const entries = (await allAudit(token)).filter((e) => e.action === "user.password_change");
    expect(entries.map((e) => e.request_id)).toEqual([rid]);
  });
});

// ---------------------------------------------------------------------------------------------------------------------

describe("brute force", () => {
  it("per username: slower after a few failures, 429 from the 10th on (even for the right password), all audited", async () => {
    const user = await newUser("brute");
    const attempts: { ms: number; res: Response }[] = [];
    for (let i = 1; i <= 11; i++) attempts.push(await timed(() => login(user.username, `wrong password ${i}`)));

    const [first, sixth] = [attempts[0]!, attempts[5]!];
    for (const { res } of attempts.slice(0, 9)) await expectUnauthorized(res);
    expect(sixth.ms - first.ms, JSON.stringify(attempts.map((a) => Math.round(a.ms)))).toBeGreaterThanOrEqual(400);
    for (const { res } of attempts.slice(9)) await expectThrottled(res);
    await expectThrottled(await login(user.username, user.password));

    const entries = await allAudit(user.token);
    const count = (action: string) => entries.filter((e) => e.action === action).length;
    expect(count("user.login_failed")).toBe(10);
    expect(count("user.login_throttled")).toBe(2);
  }, 60_000);

  it("per address: failures across many unknown usernames from one address end in 429", async () => {
    const address = { "cf-connecting-ip": "203.0.113.7" };
    const user = await newUser("sameaddr");
    const run = crypto.randomUUID().slice(0, 8);
    let limitedAt = 0;
    for (let i = 1; i <= 60 && limitedAt === 0; i++) {
      const res = await login(`ghost_${run}_${i}`, "wrong password!", address);
      if (res.status === 429) {
        limitedAt = i;
        await expectThrottled(res);
      } else {
        await expectUnauthorized(res);
      }
    }
    // The Rate Limiting binding allows 30 attempts a minute, the failure counter locks at 50.
    expect(limitedAt).toBeGreaterThan(5);
    expect(limitedAt).toBeLessThanOrEqual(50);
    await expectThrottled(await login(user.username, user.password, address));
    // Per address: the same user from another address, or with no address known, still logs in.
    expect((await login(user.username, user.password, { "cf-connecting-ip": "198.51.100.23" })).status).toBe(200);
    expect((await login(user.username, user.password)).status).toBe(200);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------------------------------

describe("audit log", () => {
  const username = `audited_${crypto.randomUUID().slice(0, 8)}`;
  const password = "correct horse battery";
  const ids = {
    signUp: requestId("signup"),
    login: requestId("login"),
    create: requestId("create"),
    update: requestId("update"),
    delete: requestId("delete"),
    logout: requestId("logout"),
    relogin: requestId("relogin"),
  };
  /** Actions in the order they happened, with the request that caused each. */
  const happened: [string, string][] = [
    ["user.sign_up", ids.signUp],
    ["user.login", ids.login],
    ["transaction.create", ids.create],
    ["transaction.update", ids.update],
    ["transaction.delete", ids.delete],
    ["user.logout", ids.logout],
    ["user.login", ids.relogin],
  ];
  let txnId: string;
  let token: string;
  let entries: AuditEntry[];

  beforeAll(async () => {
    const rid = (id: string) => ({ "x-request-id": id });
    const signUp = await call(
      `${USER}/sign_up`,
      jsonInit("POST", { username, password, full_name: "Audit Me" }, undefined, rid(ids.signUp)),
    );
    expect(signUp.status).toBe(201);
    const first = await accessToken(await login(username, password, rid(ids.login)));
    const created = await call(
      `${TX}/create`,
      jsonInit("POST", { transaction_amount: "12.34", transaction_type: "debit" }, first, rid(ids.create)),
    );
    txnId = (await json<TransactionRecord>(created, 201)).id;
    expect((await call(`${TX}/update/${txnId}`, jsonInit("PUT", { transaction_amount: "56.78" }, first, rid(ids.update)))).status).toBe(
      200,
    );
    expect((await call(`${TX}/delete/${txnId}`, authed(first, { method: "DELETE", headers: rid(ids.delete) }))).status).toBe(200);
    expect((await logout(first, rid(ids.logout))).status).toBe(200);
    token = await accessToken(await login(username, password, rid(ids.relogin)));
    entries = await allAudit(token);
  });

  it("lists the caller's entries newest first, each with the X-Request-Id of the request that caused it", () => {
    expect(entries.map((e) => [e.action, e.request_id]).sort()).toEqual([...happened].sort());
    const position = (rid: string) => entries.findIndex((e) => e.request_id === rid);
    for (let i = 1; i < happened.length; i++) {
      const [newer, older] = [entries[position(happened[i]![1])]!, entries[position(happened[i - 1]![1])]!];
      expect(newer.created_at >= older.created_at, `${newer.action} listed as older than ${older.action}`).toBe(true);
    }
    for (let i = 1; i < entries.length; i++) {
      const [a, b] = [entries[i - 1]!, entries[i]!];
      expect(a.created_at > b.created_at || (a.created_at === b.created_at && a.id > b.id), `order at ${i}`).toBe(true);
    }
  });

  it("transaction entries carry the amounts as decimal strings: after on create, before and after on update, before on delete", () => {
    const byAction = (action: string) => entries.find((e) => e.action === action);
    const create = byAction("transaction.create");
    const update = byAction("transaction.update");
    const del = byAction("transaction.delete");
    for (const entry of [create, update, del]) expect(entry?.target_id).toBe(txnId);
    expect(create?.details?.after?.transaction_amount).toBe("12.34");
    expect(update?.details?.before?.transaction_amount).toBe("12.34");
    expect(update?.details?.after?.transaction_amount).toBe("56.78");
    expect(del?.details?.before?.transaction_amount).toBe("56.78");
    expect(create?.details?.after).toMatchObject({ currency: "USD", transaction_type: "debit" });
  });

  it.each([1, 2, 3])("keyset pagination with limit=%i walks every entry exactly once, in order", async (limit) => {
    const walked: AuditEntry[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 50; pages++) {
      const query: string = `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page: AuditPage = await json<AuditPage>(await auditRequest(token, query), 200);
      expect(page.data.length).toBeLessThanOrEqual(limit);
      walked.push(...page.data);
      expect(page.next_cursor === null).toBe(!page.has_more);
      if (!page.has_more) break;
      cursor = page.next_cursor;
    }
    expect(walked.map((e) => e.id)).toEqual(entries.map((e) => e.id));
  });

  it.each([
    ["limit=201", "?limit=201", "limit"],
    ["limit=0", "?limit=0", "limit"],
    ["a garbage cursor", "?cursor=not-a-cursor", "cursor"],
  ])("%s is a 422 naming it", async (_name, query, path) => {
    expect(await validationPaths(await auditRequest(token, query))).toContain(path);
  });

  it("without a token is 401 with a Bearer challenge", async () => {
    await expectUnauthorized(await call(`${USER}/audit`));
  });
});

// ---------------------------------------------------------------------------------------------------------------------

describe("refusing to serve with an unsafe JWT_SECRET", () => {
  /** Calls the Worker's fetch handler with a modified environment. */
  async function serve(overrides: Record<string, unknown>, token?: string): Promise<Response> {
    const ctx = createExecutionContext();
    const request = new Request("http://x/api/v1/user/me", token ? { headers: { authorization: `Bearer ${token}` } } : {});
    const res = await worker.fetch(request, { ...env, ...overrides } as Env, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  }

  it.each<[string, Record<string, unknown>, string | null]>([
    ["a short secret in production", { ENVIRONMENT: "production", JWT_SECRET: "short" }, "short"],
    ["a 31-byte secret in production", { ENVIRONMENT: "production", JWT_SECRET: "Qk7".repeat(10) + "Z" }, "Qk7".repeat(10) + "Z"],
    ["a 30-byte, 10-character secret in production", { ENVIRONMENT: "production", JWT_SECRET: "€".repeat(10) }, "€".repeat(10)],
    ["a short secret with ENVIRONMENT unset", { ENVIRONMENT: undefined, JWT_SECRET: "tiny-Secret-7" }, "tiny-Secret-7"],
    ["a missing secret in production", { ENVIRONMENT: "production", JWT_SECRET: undefined }, null],
    ["an empty secret in production", { ENVIRONMENT: "production", JWT_SECRET: "" }, null],
    ["a missing secret in development", { ENVIRONMENT: "development", JWT_SECRET: undefined }, null],
  ])("%s: 500 problem naming JWT_SECRET, a config.refused log line, the value nowhere", async (_name, overrides, secret) => {
    const spy = vi.spyOn(console, "log");
    const res = await serve(overrides);
    const lines = logLines(spy);
    const body = await expectProblem(res, 500);
    expect(body.detail).toContain("JWT_SECRET");
    const events = lines.map((line) => JSON.parse(line) as { event?: string; reason?: string });
    expect(events.find((e) => e.event === "config.refused")?.reason ?? "").toContain("JWT_SECRET");
    if (secret !== null) {
      expect(mentions(JSON.stringify(body), secret), body.detail).toBe(false);
      for (const line of lines) expect(mentions(line, secret), line).toBe(false);
    }
  });

  it.each<[string, string, string]>([
    ["a 32-byte secret in production", "production", "p".repeat(31) + "!"],
    ["a 33-byte, 11-character secret in production", "production", "€".repeat(11)],
    ["a short secret in development", "development", "short"],
  ])("%s is served", async (_name, environment, secret) => {
    const user = await newUser("config");
    const token = await sign({ ...claimsFor(user.id) }, secret, "HS256");
    const res = await serve({ ENVIRONMENT: environment, JWT_SECRET: secret }, token);
    expect((await json<{ id: string }>(res, 200)).id).toBe(user.id);
  });
});

describe("the request log line", () => {
  /** The request lines the Worker wrote for one GET /me with `overrides` applied to its environment. */
  async function requestLines(overrides: Record<string, unknown>, token?: string) {
    const spy = vi.spyOn(console, "log").mockImplementation(() => undefined);
    const ctx = createExecutionContext();
    const request = new Request(`http://x${USER}/me`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    const res = await worker.fetch(request, { ...env, ...overrides } as Env, ctx);
    await waitOnExecutionContext(ctx);
    const lines = logLines(spy).map((line) => JSON.parse(line) as { event: string; status?: number });
    spy.mockRestore();
    return { status: res.status, lines: lines.filter((l) => l.event === "request") };
  }

  it("in production is written for a 5xx but not for a 200 or a 401 (Workers Logs records those), unless REQUEST_LOG=all", async () => {
    const user = await newUser("reqlog");
    const ok = await requestLines({ ENVIRONMENT: "production" }, user.token);
    expect(ok.status).toBe(200);
    expect(ok.lines).toEqual([]);
    const unauthorized = await requestLines({ ENVIRONMENT: "production" });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.lines).toEqual([]);
    const failed = await requestLines({ ENVIRONMENT: "production", JWT_SECRET: "short" }, user.token);
    expect(failed.status).toBe(500);
    expect(failed.lines).toEqual([expect.objectContaining({ event: "request", status: 500 })]);
    const all = await requestLines({ ENVIRONMENT: "production", REQUEST_LOG: "all" }, user.token);
    expect(all.lines).toEqual([expect.objectContaining({ event: "request", status: 200 })]);
  });

  it("is written for every request locally", async () => {
    const user = await newUser("reqlog");
    const local = await requestLines({ ENVIRONMENT: "test" }, user.token);
    expect(local.lines).toEqual([expect.objectContaining({ event: "request", status: 200 })]);
  });
});

describe("logs never contain secrets", () => {
  it("across sign-up, logins, /me, change_password, a create and error paths", async () => {
    const spy = vi.spyOn(console, "log");
    const username = `leaky_${crypto.randomUUID().slice(0, 8)}`;
    const password = "leak-check-Passw0rd-1";
    const newPassword = "leak-check-N3wPass-2";
    const signUp = await call(`${USER}/sign_up`, jsonInit("POST", { username, password, full_name: "Leak Check" }));
    const userId = (await json<{ id: string }>(signUp, 201)).id;
    await expectUnauthorized(await login(username, `${password}-wrong`));
    const token = await accessToken(await login(username, password));
    expect((await me(token)).status).toBe(200);
    expect((await call(`${TX}/create`, jsonInit("POST", { transaction_amount: "3.00", transaction_type: "credit" }, token))).status).toBe(
      201,
    );
    expect((await call(`${TX}/create`, jsonInit("POST", { transaction_amount: password, transaction_type: "credit" }, token))).status).toBe(
      422,
    );
    expect((await call(`${TX}/${unknownTransactionId()}`, authed(token))).status).toBe(404);
    await expectUnauthorized(await me(`${token}x`));
    const oldHash = String((await directoryRows("SELECT password_hash FROM accounts WHERE id = ?", userId))[0]?.password_hash);
    await expectProblem(await changePassword(token, { current_password: newPassword, new_password: password }), 403);
    expect((await changePassword(token, { current_password: password, new_password: newPassword })).status).toBe(200);
    const newToken = await accessToken(await login(username, newPassword));
    expect((await me(newToken)).status).toBe(200);
    const newHash = String((await directoryRows("SELECT password_hash FROM accounts WHERE id = ?", userId))[0]?.password_hash);
    const lines = logLines(spy);

    const hashParts = [oldHash, newHash].flatMap((h) => h.split("$").slice(2));
    const secrets = [
      password,
      newPassword,
      token,
      newToken,
      token.split(".")[2]!,
      newToken.split(".")[2]!,
      TEST_SECRET,
      oldHash,
      newHash,
      ...hashParts,
    ];
    expect(oldHash).not.toBe(newHash);
    expect(hashParts.every((p) => p.length >= 16)).toBe(true);
    for (const line of lines) {
      for (const secret of secrets) expect(line.includes(secret), `log line contains a secret: ${line}`).toBe(false);
    }
    const events = lines.map((line) => (JSON.parse(line) as { event: string }).event);
    expect(events).toEqual(expect.arrayContaining(["auth.sign_up", "auth.login_failed", "auth.login", "auth.password_change", "request"]));
  });
});
