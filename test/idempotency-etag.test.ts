import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import {
  allShardRows,
  analyticsState,
  authed,
  call,
  createTransaction,
  directoryRows,
  eventually,
  jsonInit,
  newUser,
  problem,
  shardFor,
  type TestUser,
  type TransactionRecord,
} from "./harness";

// ---------------------------------------------------------------------------------------------------------------------
// Helpers

const TX = "/api/v1/transaction";
const SIGN_UP = "/api/v1/user/sign_up";
const STRONG_ETAG = /^"[^"]+"$/;

type HeaderMap = Record<string, string>;

const tx = (overrides: Record<string, unknown> = {}) => ({ transaction_amount: "1.00", transaction_type: "debit", ...overrides });
const keyed = (key: string, headers: HeaderMap = {}): HeaderMap => ({ "idempotency-key": key, ...headers });
const freshKey = () => `key-${crypto.randomUUID()}`;

const create = (user: TestUser, body: unknown, headers: HeaderMap = {}) =>
  call(`${TX}/create`, jsonInit("POST", body, user.token, headers));
const update = (user: TestUser, id: string, body: unknown, headers: HeaderMap = {}) =>
  call(`${TX}/update/${id}`, jsonInit("PUT", body, user.token, headers));
const remove = (user: TestUser, id: string, headers: HeaderMap = {}) =>
  call(`${TX}/delete/${id}`, authed(user.token, { method: "DELETE", headers }));
const bulk = (user: TestUser, items: unknown[], headers: HeaderMap = {}) =>
  call(`${TX}/bulk`, jsonInit("POST", { transactions: items }, user.token, headers));
const getOne = (user: TestUser, id: string, headers: HeaderMap = {}) => call(`${TX}/${id}`, authed(user.token, { headers }));
const analyticsRes = (user: TestUser, headers: HeaderMap = {}) => call(`${TX}/analytics/me`, authed(user.token, { headers }));

async function countFor(userId: string): Promise<number> {
  const row = await (await shardFor(userId))
    .prepare("SELECT COUNT(*) AS n FROM transactions WHERE user_id = ?")
    .bind(userId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

async function json<T>(res: Response, status: number): Promise<T> {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

async function answer(res: Response): Promise<Answer> {
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** Sends the same request twice and asserts the second answer is a byte-for-byte replay of the first. */
async function expectReplay(send: () => Promise<Response>): Promise<Answer> {
  const first = await answer(await send());
  const second = await answer(await send());
  expect(first.headers.get("idempotent-replayed")).toBeNull();
  expect(second.headers.get("idempotent-replayed")).toBe("true");
  expect(second.status).toBe(first.status);
  expect(second.text).toBe(first.text);
  for (const header of ["content-type", "location", "etag"]) expect(second.headers.get(header)).toBe(first.headers.get(header));
  return first;
}

/** Asserts a 422 problem that names the Idempotency-Key header. */
async function expectKeyRejected(res: Response) {
  expect(res.status).toBe(422);
  const body = await problem(res);
  expect(body.errors?.map((e) => e.path)).toContain("Idempotency-Key");
}

/** 255 printable ASCII characters (a space inside, none at the ends, where header values are trimmed). */
const LONGEST_KEY = Array.from({ length: 255 }, (_, i) => (i === 100 ? " " : String.fromCharCode(0x21 + (i % 94)))).join("");

async function etagOf(user: TestUser, id: string): Promise<string> {
  const res = await getOne(user, id);
  expect(res.status).toBe(200);
  return res.headers.get("etag") ?? "";
}

async function snapshotCurrent(userId: string) {
  return eventually(async () => {
    const state = await analyticsState(userId);
    return state && state.snapshot !== null && state.snapshot_version === state.version ? state : null;
  });
}

// ---------------------------------------------------------------------------------------------------------------------

describe("happy", () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await newUser("idem");
  });

  describe("Idempotency-Key", () => {
    it("a retried create replays the first answer byte for byte and stores one transaction", async () => {
      const owner = await newUser("idemcreate");
      const key = freshKey();
      const first = await expectReplay(() => create(owner, tx({ description: "once" }), keyed(key)));
      expect(first.status).toBe(201);
      expect(first.headers.get("location")).toMatch(/^\/api\/v1\/transaction\/txn_/);
      expect(first.headers.get("etag")).toMatch(STRONG_ETAG);
      expect(await countFor(owner.id)).toBe(1);
      const record = JSON.parse(first.text) as TransactionRecord;
      expect(first.headers.get("location")).toBe(`${TX}/${record.id}`);
    });

    it("accepts a key of 255 printable characters", async () => {
      const owner = await newUser("idemlong");
      const first = await expectReplay(() => create(owner, tx(), keyed(LONGEST_KEY)));
      expect(first.status).toBe(201);
      expect(await countFor(owner.id)).toBe(1);
    });

    it("a retried update replays and does not write again", async () => {
      const record = await createTransaction(user.token, tx());
      const key = freshKey();
      const first = await expectReplay(() => update(user, record.id, { description: "updated once" }, keyed(key)));
      expect(first.status).toBe(200);
      expect(JSON.parse(first.text)).toMatchObject({ id: record.id, description: "updated once" });
      // A second write would have given the record a new ETag.
      expect(await etagOf(user, record.id)).toBe(first.headers.get("etag"));
    });

    it("a retried delete replays the 200 instead of answering 404", async () => {
      const record = await createTransaction(user.token, tx());
      const key = freshKey();
      const first = await expectReplay(() => remove(user, record.id, keyed(key)));
      expect(first.status).toBe(200);
      expect(JSON.parse(first.text)).toEqual({ message: "success", id: record.id });
      // Without the key the record is really gone.
      expect((await remove(user, record.id)).status).toBe(404);
    });

    it("a retried bulk replays and stores the batch once", async () => {
      const owner = await newUser("idembulk");
      const items = [tx({ transaction_amount: "2.00" }), tx({ transaction_amount: "3.00", transaction_type: "credit" })];
      const key = freshKey();
      const first = await expectReplay(() => bulk(owner, items, keyed(key)));
      expect(first.status).toBe(201);
      expect(JSON.parse(first.text)).toMatchObject({ created: 2 });
      expect(await countFor(owner.id)).toBe(2);
    });

    it("a retried sign-up replays the 201 instead of answering 409", async () => {
      const username = `idem_signup_${crypto.randomUUID().slice(0, 8)}`;
      const body = { username, password: "correct horse battery", full_name: "Idem Potent" };
      const key = freshKey();
      const first = await expectReplay(() => call(SIGN_UP, jsonInit("POST", body, undefined, keyed(key))));
      expect(first.status).toBe(201);
      expect(JSON.parse(first.text)).toMatchObject({ username });
      // Without the key the username is taken.
      expect((await call(SIGN_UP, jsonInit("POST", body))).status).toBe(409);
      const users = await env.DB.prepare("SELECT COUNT(*) AS n FROM accounts WHERE username = ?").bind(username).first<{ n: number }>();
      expect(users?.n).toBe(1);
    });

    it("a 4xx first answer is stored and replayed too", async () => {
      const owner = await newUser("idem4xx");
      const key = freshKey();
      const first = await expectReplay(() => create(owner, tx({ transaction_amount: "not money" }), keyed(key)));
      expect(first.status).toBe(422);
      expect(first.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(await countFor(owner.id)).toBe(0);
      // The key stays bound to that request: a corrected body needs a new key.
      await expectKeyRejected(await create(owner, tx(), keyed(key)));
      expect(await countFor(owner.id)).toBe(0);
    });
  });

  describe("ETag", () => {
    it("GET answers a strong ETag; If-None-Match with it (weak or strong) is a 304 with an empty body", async () => {
      const record = await createTransaction(user.token, tx());
      const etag = await etagOf(user, record.id);
      expect(etag).toMatch(STRONG_ETAG);

      for (const header of [etag, `W/${etag}`, `"other", ${etag}`]) {
        const res = await getOne(user, record.id, { "if-none-match": header });
        expect(res.status, header).toBe(304);
        expect(await res.text()).toBe("");
        expect(res.headers.get("etag")).toBe(etag);
      }

      const other = await getOne(user, record.id, { "if-none-match": '"not-the-etag"' });
      expect(other.status).toBe(200);
      expect((await other.json()) as TransactionRecord).toMatchObject({ id: record.id });
    });

    it("create and update answer the ETag a later GET returns", async () => {
      const created = await create(user, tx());
      const record = await json<TransactionRecord>(created, 201);
      expect(created.headers.get("etag")).toMatch(STRONG_ETAG);
      expect(await etagOf(user, record.id)).toBe(created.headers.get("etag"));

      const updated = await update(user, record.id, { status: "pending" });
      expect(updated.status).toBe(200);
      expect(await etagOf(user, record.id)).toBe(updated.headers.get("etag"));
    });

    it("an update changes the ETag and the old one no longer answers 304", async () => {
      const record = await createTransaction(user.token, tx());
      const before = await etagOf(user, record.id);
      expect((await update(user, record.id, { description: "changed" })).status).toBe(200);
      const after = await etagOf(user, record.id);
      expect(after).not.toBe(before);
      const res = await getOne(user, record.id, { "if-none-match": before });
      expect(res.status).toBe(200);
      expect((await res.json()) as TransactionRecord).toMatchObject({ description: "changed" });
    });

    it("PUT with If-Match of the current ETag or * succeeds and answers the new ETag", async () => {
      const record = await createTransaction(user.token, tx());
      const current = await etagOf(user, record.id);
      const matched = await update(user, record.id, { description: "matched" }, { "if-match": current });
      expect(matched.status).toBe(200);
      const next = matched.headers.get("etag");
      expect(next).toMatch(STRONG_ETAG);
      expect(next).not.toBe(current);
      expect(await etagOf(user, record.id)).toBe(next);

      const star = await update(user, record.id, { description: "star" }, { "if-match": "*" });
      expect(star.status).toBe(200);
      expect(star.headers.get("etag")).not.toBe(next);
      expect((await star.json()) as TransactionRecord).toMatchObject({ description: "star" });
    });

    it("the analytics ETag is stable while nothing changes and moves with a new transaction", async () => {
      const owner = await newUser("idemanalytics");
      await createTransaction(owner.token, tx({ transaction_amount: "4.00", transaction_type: "credit" }));
      await snapshotCurrent(owner.id);

      const first = await analyticsRes(owner);
      const second = await analyticsRes(owner);
      expect(first.status).toBe(200);
      const etag = first.headers.get("etag") ?? "";
      expect(etag).toMatch(STRONG_ETAG);
      expect(second.headers.get("etag")).toBe(etag);
      const notModified = await analyticsRes(owner, { "if-none-match": etag });
      expect(notModified.status).toBe(304);
      expect(await notModified.text()).toBe("");

      await createTransaction(owner.token, tx({ transaction_amount: "6.00", transaction_type: "credit" }));
      const changed = await analyticsRes(owner, { "if-none-match": etag });
      expect(changed.status).toBe(200);
      expect(changed.headers.get("etag")).not.toBe(etag);
      expect(await changed.json()).toMatchObject({ transaction_count: 2, total_credit: "10.00", total_debit: "0.00" });
    });
  });
});

describe("errors", () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await newUser("idemerr");
  });

  it("the same key with a different body is a 422 naming Idempotency-Key", async () => {
    const owner = await newUser("idemdiff");
    const key = freshKey();
    expect((await create(owner, tx({ transaction_amount: "1.00" }), keyed(key))).status).toBe(201);
    await expectKeyRejected(await create(owner, tx({ transaction_amount: "2.00" }), keyed(key)));
    expect(await countFor(owner.id)).toBe(1);
  });

  it("the same key on another path or method is a 422 and changes nothing", async () => {
    const key = freshKey();
    const created = await create(user, tx({ description: "original" }), keyed(key));
    const record = await json<TransactionRecord>(created, 201);
    await expectKeyRejected(await update(user, record.id, { description: "hijacked" }, keyed(key)));
    await expectKeyRejected(await remove(user, record.id, keyed(key)));
    await expectKeyRejected(await bulk(user, [tx({ description: "original" })], keyed(key)));
    const res = await getOne(user, record.id);
    expect(res.status).toBe(200);
    expect((await res.json()) as TransactionRecord).toMatchObject({ description: "original" });
    expect(res.headers.get("etag")).toBe(created.headers.get("etag"));
  });

  it("the same key with a different query string is a 422: a dry run's key cannot replay into the real import", async () => {
    const owner = await newUser("idemquery");
    const key = freshKey();
    const importCsv = (query: string) =>
      call(
        `${TX}/import?${query}`,
        authed(owner.token, {
          method: "POST",
          headers: keyed(key, { "content-type": "text/csv" }),
          body: "transaction_amount,transaction_type\r\n5.00,credit\r\n",
        }),
      );
    expect((await importCsv("dry_run=true")).status).toBe(200);
    await expectKeyRejected(await importCsv("dry_run=false"));
    expect(await countFor(owner.id)).toBe(0);
  });

  it.each([
    ["empty", ""],
    ["256 characters", "k".repeat(256)],
    ["a tab", "key\twith-tab"],
    ["non-ASCII (é, sent as UTF-8 bytes)", "caf\u00e9"],
  ])("rejects a key that is %s with a 422 and stores nothing", async (_name, key) => {
    const owner = await newUser("idemkey");
    await expectKeyRejected(await create(owner, tx(), keyed(key)));
    expect(await countFor(owner.id)).toBe(0);
  });

  it("10 concurrent requests with one key create exactly one transaction", async () => {
    const owner = await newUser("idemrace");
    const key = freshKey();
    const answers = await Promise.all(
      Array.from({ length: 10 }, async () => answer(await create(owner, tx({ description: "race" }), keyed(key)))),
    );

    expect(await countFor(owner.id)).toBe(1);
    for (const a of answers) expect([201, 409], `${a.status} ${a.text}`).toContain(a.status);
    const created = answers.filter((a) => a.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((a) => a.text)).size).toBe(1);
    // Once the first request has finished, a retry replays its answer.
    const retry = await answer(await create(owner, tx({ description: "race" }), keyed(key)));
    expect(retry).toMatchObject({ status: 201, text: created[0]?.text });
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    for (const conflict of answers.filter((a) => a.status === 409)) {
      expect(conflict.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(conflict.text)).toMatchObject({ status: 409 });
    }
  });

  it("PUT with a stale If-Match is a 412 problem and leaves the record unchanged", async () => {
    const record = await createTransaction(user.token, tx({ description: "v1" }));
    const stale = await etagOf(user, record.id);
    expect((await update(user, record.id, { description: "v2" })).status).toBe(200);
    const current = await getOne(user, record.id);
    const currentBody = await current.text();

    const res = await update(user, record.id, { description: "v3" }, { "if-match": stale });
    expect(res.status).toBe(412);
    await problem(res);

    const after = await getOne(user, record.id);
    expect(after.headers.get("etag")).toBe(current.headers.get("etag"));
    expect(await after.text()).toBe(currentBody);
  });

  it("If-Match uses strong comparison: a weak tag never matches", async () => {
    const record = await createTransaction(user.token, tx({ description: "strong" }));
    const etag = await etagOf(user, record.id);
    const res = await update(user, record.id, { description: "weak" }, { "if-match": `W/${etag}` });
    expect(res.status).toBe(412);
    await problem(res);
    expect(await etagOf(user, record.id)).toBe(etag);
  });
});

describe("security", () => {
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    [alice, bob] = await Promise.all([newUser("idemalice"), newUser("idembob")]);
  });

  it("keys are per user: another user's identical request is not a replay", async () => {
    const [first, second] = await Promise.all([newUser("idemfirst"), newUser("idemsecond")]);
    const key = freshKey();
    const body = tx({ description: "shared key" });
    const mine = await json<TransactionRecord>(await create(first, body, keyed(key)), 201);
    const res = await create(second, body, keyed(key));
    expect(res.headers.get("idempotent-replayed")).toBeNull();
    const theirs = await json<TransactionRecord>(res, 201);
    expect(theirs.user_id).toBe(second.id);
    expect(theirs.id).not.toBe(mine.id);
    expect([await countFor(first.id), await countFor(second.id)]).toEqual([1, 1]);
  });

  it("an unauthenticated request with a key is refused before the key is claimed", async () => {
    const key = freshKey();
    const res = await call(`${TX}/create`, jsonInit("POST", tx(), undefined, keyed(key)));
    expect(res.status).toBe(401);
    const stored = [
      ...(await directoryRows("SELECT key FROM idempotency_keys WHERE key = ?", key)),
      ...(await allShardRows("SELECT key FROM idempotency_keys WHERE key = ?", key)),
    ];
    expect(stored).toEqual([]);
  });

  it("the stored sign-up answer and fingerprint never contain the password", async () => {
    const key = freshKey();
    const password = `secret-${crypto.randomUUID()}`;
    const body = { username: `idem_pw_${crypto.randomUUID().slice(0, 8)}`, password, full_name: "Pass Word" };
    expect((await call(SIGN_UP, jsonInit("POST", body, undefined, keyed(key)))).status).toBe(201);
    const row = await env.DB.prepare("SELECT * FROM idempotency_keys WHERE key = ?").bind(key).first();
    expect(row).not.toBeNull();
    expect(JSON.stringify(row)).not.toContain(password);
  });

  it("another user's record answers 404 whatever If-None-Match or If-Match says", async () => {
    const record = await createTransaction(alice.token, tx({ description: "alice's" }));
    const etag = await etagOf(alice, record.id);

    const read = await getOne(bob, record.id, { "if-none-match": etag });
    expect(read.status).toBe(404);
    expect(read.headers.get("etag")).toBeNull();

    const write = await update(bob, record.id, { description: "bob's" }, { "if-match": etag });
    expect(write.status).toBe(404);
    expect(await etagOf(alice, record.id)).toBe(etag);
  });
});
