// Issue 10: what an attacker found against a running server, each fixed at its root and pinned here.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { activeFaults } from "../src/dev/faults";
import worker from "../src/index";
import { authed, call, createTransaction, expectProblem, json, jsonInit, newUser, rows, type TestUser, validationPaths } from "./harness";

const TX = "/api/v1/transaction";
const USER = "/api/v1/user";
type HeaderMap = Record<string, string>;

const login = (username: string, password: string, headers: HeaderMap = {}) =>
  call(`${USER}/login`, jsonInit("POST", { username, password }, undefined, headers));
const ip = (n: number) => ({ "cf-connecting-ip": `198.18.${Math.floor(n / 250)}.${(n % 250) + 1}` });
let addressBase = 0;
/** Fresh client addresses, never used by another test in this file. */
function freshAddresses(count: number): HeaderMap[] {
  addressBase += count;
  return Array.from({ length: count }, (_, i) => ip(addressBase - count + i));
}

async function auditCount(userId: string, action: string): Promise<number> {
  const [row] = await rows("SELECT COUNT(*) AS n FROM audit_log WHERE user_id = ? AND action = ?", userId, action);
  return Number(row?.n ?? 0);
}

/** Calls the Worker with a modified environment. */
async function serve(overrides: Record<string, unknown>, path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://x${path}`, init), { ...env, ...overrides } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

// ---------------------------------------------------------------------------------------------------------------------

describe("item 1: concurrent guesses cannot get around the login lock", () => {
  it("100 concurrent logins from 100 addresses check at most 10 passwords", async () => {
    const user = await newUser("burst");
    const addresses = freshAddresses(100);
    const answers = await Promise.all(
      addresses.map((address, i) => login(user.username, i === 50 ? user.password : `wrong guess ${i}`, address)),
    );
    const statuses = answers.map((r) => r.status);
    const failed = await auditCount(user.id, "user.login_failed");
    const succeeded = statuses.filter((s) => s === 200).length;
    expect(failed + succeeded, JSON.stringify(statuses)).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(90);
    // Every attempt is exactly one of: checked and wrong, refused unchecked, or the success.
    expect(failed + (await auditCount(user.id, "user.login_throttled")) + succeeded).toBe(100);
  }, 120_000);

  it("once locked, a burst with the right password in it gets no token and checks nothing", async () => {
    const user = await newUser("locked");
    for (const address of freshAddresses(10)) await login(user.username, "wrong guess", address);
    expect(await auditCount(user.id, "user.login_failed")).toBe(10);
    const answers = await Promise.all(freshAddresses(60).map((a, i) => login(user.username, i === 30 ? user.password : "nope", a)));
    expect(answers.map((r) => r.status).every((s) => s === 429)).toBe(true);
    expect(await auditCount(user.id, "user.login_failed")).toBe(10);
  }, 120_000);

  it("30 concurrent guesses from one address check at most 5 passwords (the per-address-and-username limit)", async () => {
    const user = await newUser("oneaddr");
    const [address] = freshAddresses(1);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => login(user.username, i === 20 ? user.password : `w${i}`, address)),
    );
    const succeeded = answers.filter((r) => r.status === 200).length;
    expect((await auditCount(user.id, "user.login_failed")) + succeeded).toBeLessThanOrEqual(5);
  }, 120_000);
});

describe("item 2: change_password is throttled and audited like login", () => {
  it("40 wrong current passwords: 10 checked (audited user.password_change_failed), the rest 429 and audited throttled", async () => {
    const user = await newUser("oracle");
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await call(
        `${USER}/change_password`,
        jsonInit("POST", { current_password: `guess ${i}`, new_password: "brand new passphrase" }, user.token),
      );
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 9).every((s) => s === 403)).toBe(true);
    expect(statuses.slice(9).every((s) => s === 429)).toBe(true);
    expect(await auditCount(user.id, "user.password_change_failed")).toBe(10);
    expect(await auditCount(user.id, "user.password_change_throttled")).toBe(30);
    // The right password is refused too while locked: no takeover by a late right guess.
    const right = await call(
      `${USER}/change_password`,
      jsonInit("POST", { current_password: user.password, new_password: "brand new passphrase" }, user.token),
    );
    await expectProblem(right, 429);
  }, 120_000);
});

describe("item 3: failures from other addresses do not lock the owner out for long", () => {
  it("the owner logs in from an address it used before, and from a new address waits at most 10 minutes", async () => {
    const user = await newUser("owner");
    const [home, cafe] = freshAddresses(2);
    expect((await login(user.username, user.password, home)).status).toBe(200);
    for (const address of freshAddresses(30)) await login(user.username, "attacker guess", address);
    expect((await login(user.username, user.password, home)).status).toBe(200);
    const elsewhere = await login(user.username, user.password, cafe);
    await expectProblem(elsewhere, 429);
    expect(Number(elsewhere.headers.get("retry-after"))).toBeLessThanOrEqual(600);
  }, 120_000);
});

describe("item 4: day totals past 2^63 are refused, never a float", () => {
  const MAX_CLF = "900719925474.0991"; // 9,007,199,254,740,991 minor units: the largest accepted CLF amount
  const item = (i: number) => ({
    transaction_amount: MAX_CLF,
    transaction_type: "credit",
    currency: "CLF",
    transaction_date: "2026-03-03",
    external_id: `big-${i}`,
  });
  const bulk = (token: string, from: number, count: number) =>
    call(`${TX}/bulk`, jsonInit("POST", { transactions: Array.from({ length: count }, (_, i) => item(from + i)) }, token));

  it("1,024 fit; the 1,025th is a 422 naming the limit; analytics stay exact (200)", async () => {
    const user = await newUser("overflow");
    expect((await bulk(user.token, 0, 1000)).status).toBe(201);
    expect((await bulk(user.token, 1000, 24)).status).toBe(201);
    const refused = await expectProblem(await bulk(user.token, 1024, 1), 422);
    expect(refused.detail).toContain("9223372036854775807");
    await expectProblem(await call(`${TX}/create`, jsonInit("POST", { ...item(5000), external_id: undefined }, user.token)), 422);
    const [rollup] = await rows(
      "SELECT typeof(credit_minor) AS t, CAST(credit_minor AS TEXT) AS v FROM daily_rollups WHERE user_id = ?",
      user.id,
    );
    expect(rollup).toEqual({ t: "integer", v: (1024n * 9007199254740991n).toString() });
    const analytics = await call(`${TX}/analytics/me?currency=CLF`, authed(user.token));
    const body = await json<{ total_credit: string; transaction_count: number }>(analytics, 200);
    expect(body.transaction_count).toBe(1024);
    expect(body.total_credit).toBe("922337203685477.4784");
  }, 120_000);

  it("an import reports the rows that would overflow as errors (committed rows stay, no 500)", async () => {
    const user = await newUser("overflowcsv");
    expect((await bulk(user.token, 0, 1000)).status).toBe(201);
    const lines = Array.from({ length: 30 }, (_, i) => `2026-03-03,${MAX_CLF},credit,CLF,csv-${i}`);
    const res = await call(`${TX}/import`, {
      method: "POST",
      headers: { authorization: `Bearer ${user.token}`, "content-type": "text/csv" },
      body: `transaction_date,transaction_amount,transaction_type,currency,external_id\n${lines.join("\n")}\n`,
    });
    expect(res.status).toBeLessThan(500);
    const body = (await res.json()) as { added: number; error_count: number };
    expect(body.added + body.error_count).toBe(30);
    expect(body.error_count).toBeGreaterThan(0);
  }, 120_000);
});

describe("item 5: local-only paths answer only when ENVIRONMENT is development or test", () => {
  it.each([["staging"], ["production"], [undefined], ["Development"], [""]])(
    "ENVIRONMENT=%s: /__dev/* is 404 and faults are off",
    async (environment) => {
      const overrides = { ENVIRONMENT: environment };
      expect((await serve(overrides, "/__dev/faults", jsonInit("PUT", { consumer_fail_users: ["x"] }))).status).toBe(404);
      expect((await serve(overrides, "/__dev/integrity")).status).toBe(404);
      expect((await serve(overrides, "/__dev/sweep", { method: "POST" })).status).toBe(404);
      await env.DB.prepare("INSERT OR REPLACE INTO fault_switches (name, value) VALUES ('queue_send_fail', '1')").run();
      try {
        const faults = await activeFaults({ ...env, ENVIRONMENT: environment } as Env);
        expect(faults.queueSendFailRate).toBe(0);
        expect((await activeFaults(env)).queueSendFailRate).toBe(1);
      } finally {
        await env.DB.prepare("DELETE FROM fault_switches").run();
      }
    },
  );

  it("ENVIRONMENT=test: /__dev/integrity answers", async () => {
    expect((await serve({ ENVIRONMENT: "test" }, "/__dev/integrity")).status).toBe(200);
  });
});

const importCsv = (token: string, csv: string, headers: HeaderMap = {}) =>
  call(`${TX}/import`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "text/csv", ...headers },
    body: csv,
  });

describe("item 6: import answers stay bounded", () => {
  it("more than 100,000 rows is a 413 before anything is stored", async () => {
    const user = await newUser("bigimport");
    const csv = `transaction_amount,transaction_type\n${"1.00,debit\n".repeat(100_001)}`;
    await expectProblem(await importCsv(user.token, csv), 413);
    expect(await rows("SELECT id FROM transactions WHERE user_id = ?", user.id)).toEqual([]);
  }, 120_000);

  it("1,500 bad rows: the first 1,000 errors and error_count 1500; the replay is the same answer", async () => {
    const user = await newUser("badimport");
    const csv = `transaction_amount,transaction_type\n${"oops,debit\n".repeat(1500)}`;
    const key = { "idempotency-key": crypto.randomUUID() };
    const first = await importCsv(user.token, csv, key);
    const text = await first.text();
    const body = JSON.parse(text) as { error_count: number; errors: { line: number }[] };
    expect(first.status).toBe(200);
    expect(body.error_count).toBe(1500);
    expect(body.errors).toHaveLength(1000);
    expect(body.errors[0]?.line).toBe(2);
    const replay = await importCsv(user.token, csv, key);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.text()).toBe(text);
  }, 120_000);
});

describe("item 8: to=9999-12-31 works as a range end", () => {
  it("list, export and analytics include a transaction from 2026", async () => {
    const user = await newUser("farend");
    const tx = await createTransaction(user.token, {
      transaction_amount: "5.00",
      transaction_type: "debit",
      transaction_date: "2026-05-05",
    });
    const list = await json<{ data: { id: string }[] }>(await call(`${TX}/all?to=9999-12-31`, authed(user.token)), 200);
    expect(list.data.map((t) => t.id)).toEqual([tx.id]);
    const listTime = await json<{ data: { id: string }[] }>(await call(`${TX}/all?to=9999-12-31T23:59:59.999Z`, authed(user.token)), 200);
    expect(listTime.data.map((t) => t.id)).toEqual([tx.id]);
    const csv = await (await call(`${TX}/export?to=9999-12-31`, authed(user.token))).text();
    expect(csv).toContain(tx.id);
    const analytics = await json<{ transaction_count: number }>(
      await call(`${TX}/analytics/me?from=2000-01-01&to=9999-12-31`, authed(user.token)),
      200,
    );
    expect(analytics.transaction_count).toBe(1);
  });
});

describe("item 9: conditional requests per RFC 9110", () => {
  async function fresh(): Promise<{ user: TestUser; id: string; etag: string }> {
    const user = await newUser("cond");
    const res = await call(`${TX}/create`, jsonInit("POST", { transaction_amount: "1.00", transaction_type: "debit" }, user.token));
    const body = await json<{ id: string }>(res, 201);
    return { user, id: body.id, etag: res.headers.get("etag") ?? "" };
  }
  const update = (token: string, id: string, ifMatch: string) =>
    call(`${TX}/update/${id}`, jsonInit("PUT", { status: "failed" }, token, { "if-match": ifMatch }));

  it("If-Match with a list passes when any listed tag is current", async () => {
    const { user, id, etag } = await fresh();
    expect((await update(user.token, id, `"aaaa", ${etag}`)).status).toBe(200);
  });

  it('a quoted "*" is a tag, not the wildcard: 412', async () => {
    const { user, id } = await fresh();
    await expectProblem(await update(user.token, id, `"*"`), 412);
  });

  it("DELETE honours If-Match: 412 on a stale tag (row kept), 200 on the current one", async () => {
    const { user, id, etag } = await fresh();
    const del = (ifMatch: string) => call(`${TX}/delete/${id}`, authed(user.token, { method: "DELETE", headers: { "if-match": ifMatch } }));
    await expectProblem(await del(`"stale"`), 412);
    expect((await call(`${TX}/${id}`, authed(user.token))).status).toBe(200);
    expect((await del(`"other", ${etag}`)).status).toBe(200);
    await expectProblem(await del(etag), 404);
  });
});

describe("item 10: the smaller things", () => {
  it("a repeated CSV column is a 400", async () => {
    const user = await newUser("dupcol");
    await expectProblem(await importCsv(user.token, "transaction_amount,transaction_type,transaction_amount\n1.00,debit,900.00\n"), 400);
  });

  it("sign-up, login, logout and password change each leave their audit row", async () => {
    const user = await newUser("auditall");
    const changed = await call(
      `${USER}/change_password`,
      jsonInit("POST", { current_password: user.password, new_password: "another passphrase" }, user.token),
    );
    expect(changed.status).toBe(200);
    const token = (await json<{ access_token: string }>(await login(user.username, "another passphrase"), 200)).access_token;
    expect((await call(`${USER}/logout`, authed(token, { method: "POST" }))).status).toBe(200);
    for (const action of ["user.sign_up", "user.password_change", "user.logout"]) expect(await auditCount(user.id, action), action).toBe(1);
    expect(await auditCount(user.id, "user.login")).toBe(2);
  });

  it("/health is a 503 while the configuration is refused", async () => {
    await expectProblem(await serve({ ENVIRONMENT: "production", JWT_SECRET: "short" }, "/health"), 503);
    expect((await serve({}, "/health")).status).toBe(200);
  });

  it("the idempotency fingerprint is keyed by a key derived from JWT_SECRET, not by the secret itself", async () => {
    const user = await newUser("idemkey");
    const key = crypto.randomUUID();
    const bodyText = JSON.stringify({ transaction_amount: "2.00", transaction_type: "debit" });
    expect((await call(`${TX}/create`, jsonInit("POST", bodyText, user.token, { "idempotency-key": key }))).status).toBe(201);
    const [stored] = await rows("SELECT fingerprint FROM idempotency_keys WHERE scope = ? AND key = ?", user.id, key);
    const encoder = new TextEncoder();
    const mac = async (keyBytes: Uint8Array, data: string) => {
      const k = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      return new Uint8Array(await crypto.subtle.sign("HMAC", k, encoder.encode(data)));
    };
    const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    const data = `POST\n${TX}/create\n${bodyText}`;
    expect(stored?.fingerprint).not.toBe(hex(await mac(encoder.encode(env.JWT_SECRET), data)));
    expect(stored?.fingerprint).toBe(hex(await mac(await mac(encoder.encode(env.JWT_SECRET), "idempotency"), data)));
  });

  it("logout with an Idempotency-Key: a retry is a 401 and revokes nothing more (the README says so)", async () => {
    const user = await newUser("idemlogout");
    const headers = { "idempotency-key": crypto.randomUUID() };
    expect((await call(`${USER}/logout`, authed(user.token, { method: "POST", headers }))).status).toBe(200);
    const token = (await json<{ access_token: string }>(await login(user.username, user.password), 200)).access_token;
    await expectProblem(await call(`${USER}/logout`, authed(user.token, { method: "POST", headers })), 401);
    expect((await call(`${USER}/me`, authed(token))).status).toBe(200);
    // The same key with the new token is a new logout, not a replay of the old one.
    expect((await call(`${USER}/logout`, authed(token, { method: "POST", headers }))).status).toBe(200);
    expect((await call(`${USER}/me`, authed(token))).status).toBe(401);
    expect(await auditCount(user.id, "user.logout")).toBe(2);
  });

  it.each([["0x10"], ["1e1"], [" 16"], ["+16"], ["16.0"]])("limit=%s is a 422", async (limit) => {
    const user = await newUser("hexlimit");
    expect(await validationPaths(await call(`${TX}/all?limit=${encodeURIComponent(limit)}`, authed(user.token)))).toContain("limit");
    expect(await validationPaths(await call(`${USER}/audit?limit=${encodeURIComponent(limit)}`, authed(user.token)))).toContain("limit");
    for (const list of [`${TX}/sync`, "/api/v1/events", "/api/v1/webhooks"]) {
      expect(await validationPaths(await call(`${list}?limit=${encodeURIComponent(limit)}`, authed(user.token))), list).toContain("limit");
    }
  });

  it("an unknown tz on the sync feed is a 422 naming tz, like on analytics, list and export", async () => {
    const user = await newUser("synctz");
    expect(await validationPaths(await call(`${TX}/sync?tz=Mars/Olympus_Mons`, authed(user.token)))).toContain("tz");
    expect((await call(`${TX}/sync?tz=Asia/Katmandu`, authed(user.token))).status).toBe(200);
  });

  it("a JSON body declared with a charset other than UTF-8 is a 415", async () => {
    const user = await newUser("charset");
    const res = await call(`${TX}/create`, {
      method: "POST",
      headers: { authorization: `Bearer ${user.token}`, "content-type": "application/json; charset=iso-8859-1" },
      body: JSON.stringify({ transaction_amount: "1.00", transaction_type: "debit" }),
    });
    await expectProblem(res, 415);
    const ok = await call(`${TX}/create`, {
      method: "POST",
      headers: { authorization: `Bearer ${user.token}`, "content-type": 'application/json; charset="UTF-8"' },
      body: JSON.stringify({ transaction_amount: "1.00", transaction_type: "debit" }),
    });
    expect(ok.status).toBe(201);
  });

  it("a multipart login is a 415", async () => {
    const user = await newUser("multipart");
    const form = new FormData();
    form.set("username", user.username);
    form.set("password", user.password);
    await expectProblem(await call(`${USER}/login`, { method: "POST", body: form }), 415);
  });
});
