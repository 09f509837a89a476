import { beforeAll, describe, expect, it } from "vitest";
import {
  allShardRows,
  api,
  authed,
  call,
  createTransaction,
  json,
  jsonInit,
  newUser,
  problem,
  type ResponseLike,
  type TestUser,
  type TransactionRecord,
  validationPaths,
} from "./harness";

// ---------------------------------------------------------------------------------------------------------------------
// Helpers

const TX = "/api/v1/transaction";
const ID_PATTERN = /^txn_[0-9a-z]{26}$/;
const MISSING_ID = `txn_${"0".repeat(26)}`;
const RECORD_KEYS = [
  "created_at",
  "currency",
  "description",
  "external_id",
  "id",
  "transaction_amount",
  "transaction_date",
  "transaction_type",
  "status",
  "updated_at",
  "user_id",
  "full_name",
];
/** Storage details that must never appear in a record. */
const INTERNAL_COLUMNS = ["etag", "amount_minor", "amountMinor", "userId", "password_hash"];

interface Page {
  data: TransactionRecord[];
  has_more: boolean;
  next_cursor: string | null;
}

type Query = Record<string, string | number>;

const create = (token: string, body: unknown) => call(`${TX}/create`, jsonInit("POST", body, token));
// Bodies that must be rejected cannot go through the typed client, so writes take raw JSON; reads use hc<AppType>.
const update = (token: string, id: string, body: unknown) => call(`${TX}/update/${id}`, jsonInit("PUT", body, token));
const getOne = (token: string, id: string) =>
  api(token).api.v1.transaction[":transaction_id"].$get({ param: { transaction_id: id }, header: {} });
const remove = (token: string, id: string) =>
  api(token).api.v1.transaction.delete[":transaction_id"].$delete({ param: { transaction_id: id }, header: {} });
const list = (token: string, query: Query = {}) =>
  api(token).api.v1.transaction.all.$get({ query: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])) });

/** A valid create body; `overrides` win. */
const tx = (overrides: Record<string, unknown> = {}) => ({ transaction_amount: "1.00", transaction_type: "debit", ...overrides });

async function readOne(token: string, id: string): Promise<TransactionRecord> {
  return json<TransactionRecord>(await getOne(token, id), 200);
}

async function listPage(token: string, query: Query = {}): Promise<Page> {
  return json<Page>(await list(token, query), 200);
}

/** Every record the caller can list with `query`, in one page. */
async function listIds(token: string, query: Query = {}): Promise<string[]> {
  const page = await listPage(token, { limit: 1000, ...query });
  expect(page.has_more).toBe(false);
  return page.data.map((r) => r.id);
}

async function expectInvalid(res: ResponseLike, path: string) {
  expect(await validationPaths(res)).toContain(path);
}

async function storedMinor(id: string): Promise<unknown> {
  const [row] = await allShardRows("SELECT amount_minor FROM transactions WHERE id = ?", id);
  return row?.amount_minor;
}

/** Newest transaction_date first, ties broken by id descending. */
function byDateThenIdDesc(a: TransactionRecord, b: TransactionRecord): number {
  if (a.transaction_date !== b.transaction_date) return a.transaction_date < b.transaction_date ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Creates `count` transactions concurrently, with the bodies `bodyFor(i)` gives. */
function createMany(token: string, count: number, bodyFor: (i: number) => Record<string, unknown>): Promise<TransactionRecord[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => createTransaction(token, bodyFor(i))));
}

/** The problem fields that must not tell "someone else's" from "does not exist". */
async function notFoundShape(res: ResponseLike) {
  expect(res.status).toBe(404);
  const { type, title, status, detail, errors } = await problem(res);
  return { type, title, status, detail, errors };
}

// ---------------------------------------------------------------------------------------------------------------------

describe("happy", () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await newUser("txhappy");
  });

  it("create answers 201 with a Location header and the full record, with defaults", async () => {
    const before = new Date().toISOString();
    const res = await create(user.token, { transaction_amount: "12.34", transaction_type: "credit" });
    const after = new Date().toISOString();
    const record = await json<TransactionRecord>(res, 201);

    expect(res.headers.get("location")).toBe(`${TX}/${record.id}`);
    expect(Object.keys(record)).toEqual(expect.arrayContaining(RECORD_KEYS));
    for (const internal of INTERNAL_COLUMNS) expect(record).not.toHaveProperty(internal);
    expect(record).toMatchObject({
      user_id: user.id,
      full_name: user.fullName,
      transaction_amount: "12.34",
      transaction_type: "credit",
      currency: "USD",
      status: "success",
      description: null,
    });
    expect(record.transaction_date >= before && record.transaction_date <= after).toBe(true);
    expect(record.created_at >= before && record.created_at <= after).toBe(true);
    expect(record.updated_at).toBe(record.created_at);
  });

  it("ids are opaque and distinct", async () => {
    const [a, b] = await Promise.all([createTransaction(user.token, tx()), createTransaction(user.token, tx())]);
    expect(a?.id).toMatch(ID_PATTERN);
    expect(b?.id).toMatch(ID_PATTERN);
    expect(a?.id).not.toBe(b?.id);
  });

  it("stores every given field", async () => {
    const record = await createTransaction(user.token, {
      transaction_amount: "99.99",
      transaction_type: "debit",
      transaction_date: "2026-03-04T05:06:07Z",
      currency: "eur",
      status: "pending",
      description: "Groceries",
    });
    expect(record).toMatchObject({
      transaction_amount: "99.99",
      transaction_type: "debit",
      transaction_date: "2026-03-04T05:06:07.000Z",
      currency: "EUR",
      status: "pending",
      description: "Groceries",
    });
  });

  it.each([
    ["a decimal string with a trailing zero", '"0.10"', "USD", "0.10", 10],
    ["a JSON number", "10.5", "USD", "10.50", 1050],
    ["the largest cents value", '"999999999999.99"', "USD", "999999999999.99", 99_999_999_999_999],
    ["the maximum", '"1000000000000"', "USD", "1000000000000.00", 100_000_000_000_000],
    ["JPY without digits", '"500"', "JPY", "500", 500],
    ["KWD with 3 digits", '"1.234"', "KWD", "1.234", 1234],
    ["a JSON number in KWD", "1.234", "KWD", "1.234", 1234],
  ])("amounts round-trip exactly: %s", async (_name, rawAmount, currency, text, minor) => {
    const body = `{"transaction_amount": ${rawAmount}, "transaction_type": "credit", "currency": "${currency}"}`;
    const created = await json<TransactionRecord>(await create(user.token, body), 201);
    expect(created.transaction_amount).toBe(text);
    expect((await readOne(user.token, created.id)).transaction_amount).toBe(text);
    expect(await storedMinor(created.id)).toBe(minor);
  });

  it.each([
    ["a plain date as a calendar date (date_only, shown at midnight UTC)", "2026-11-25", "2026-11-25T00:00:00.000Z", true],
    ["an offset date-time converted to UTC", "2026-11-25T01:30:00+02:00", "2026-11-24T23:30:00.000Z", false],
    ["a negative offset crossing into the next day", "2026-11-25T23:30:00-02:00", "2026-11-26T01:30:00.000Z", false],
    ["a Z date-time with milliseconds", "2026-11-25T10:00:00.250Z", "2026-11-25T10:00:00.250Z", false],
  ])("transaction_date accepts %s", async (_name, input, stored, dateOnly) => {
    const record = await createTransaction(user.token, tx({ transaction_date: input }));
    expect(record.transaction_date).toBe(stored);
    expect(record.date_only).toBe(dateOnly);
    expect((await readOne(user.token, record.id)).transaction_date).toBe(stored);
  });

  it("GET by id returns the record as created", async () => {
    const created = await createTransaction(user.token, tx({ description: "read me" }));
    expect(await readOne(user.token, created.id)).toEqual(created);
  });

  describe("PUT changes only the given fields", () => {
    it.each<[string, Record<string, unknown>, Partial<TransactionRecord>]>([
      ["transaction_amount", { transaction_amount: "7.25" }, { transaction_amount: "7.25" }],
      ["transaction_amount as a JSON number", { transaction_amount: 7.5 }, { transaction_amount: "7.50" }],
      ["transaction_type", { transaction_type: "credit" }, { transaction_type: "credit" }],
      ["transaction_date", { transaction_date: "2026-01-02T03:04:05+01:00" }, { transaction_date: "2026-01-02T02:04:05.000Z" }],
      ["currency (amount kept)", { currency: "EUR" }, { currency: "EUR", transaction_amount: "10.50" }],
      ["currency into 3 digits (amount kept)", { currency: "KWD" }, { currency: "KWD", transaction_amount: "10.500" }],
      ["status", { status: "failed" }, { status: "failed" }],
      ["description", { description: "changed" }, { description: "changed" }],
      ["description to null", { description: null }, { description: null }],
      ["currency and amount together", { currency: "JPY", transaction_amount: "1500" }, { currency: "JPY", transaction_amount: "1500" }],
      [
        "several fields",
        { status: "pending", transaction_type: "credit", description: "two" },
        { status: "pending", transaction_type: "credit", description: "two" },
      ],
    ])("%s", async (_name, patch, changes) => {
      const original = await createTransaction(user.token, {
        transaction_amount: "10.50",
        transaction_type: "debit",
        transaction_date: "2026-06-01T12:00:00Z",
        status: "success",
        description: "original",
      });
      const updated = await json<TransactionRecord>(await update(user.token, original.id, patch), 200);
      expect(updated).toEqual({ ...original, ...changes, updated_at: updated.updated_at });
      expect(updated.updated_at > original.updated_at).toBe(true);
      expect(await readOne(user.token, original.id)).toEqual(updated);
    });
  });

  it("PUT moving a whole amount to JPY keeps it (10.00 USD -> 10 JPY)", async () => {
    const original = await createTransaction(user.token, tx({ transaction_amount: "10.00" }));
    const res = await update(user.token, original.id, { currency: "JPY" });
    const updated = await json<TransactionRecord>(res, 200);
    expect(updated).toMatchObject({ currency: "JPY", transaction_amount: "10" });
    expect(await storedMinor(original.id)).toBe(10);
  });

  it("updated_at strictly increases over rapid updates", async () => {
    const original = await createTransaction(user.token, tx());
    let previous = original.updated_at;
    for (let i = 0; i < 5; i++) {
      const updated = await json<TransactionRecord>(await update(user.token, original.id, { description: `v${i}` }), 200);
      expect(updated.updated_at > previous).toBe(true);
      expect(updated.created_at).toBe(original.created_at);
      previous = updated.updated_at;
    }
  });

  it("DELETE answers 200 {message, id}; afterwards GET is 404 and the list no longer has it", async () => {
    const created = await createTransaction(user.token, tx());
    expect(await json(await remove(user.token, created.id), 200)).toEqual({ message: "success", id: created.id });
    expect((await getOne(user.token, created.id)).status).toBe(404);
    expect(await listIds(user.token)).not.toContain(created.id);
    expect((await remove(user.token, created.id)).status).toBe(404);
  });

  describe("list", () => {
    let lister: TestUser;
    let records: TransactionRecord[];
    // Dates cover: the same instant twice, both ends of one day, the next day's midnight, several types/currencies/statuses.
    const seed = [
      { transaction_date: "2026-05-01T10:00:00Z", transaction_type: "credit", currency: "USD", status: "success" },
      { transaction_date: "2026-05-01T10:00:00Z", transaction_type: "debit", currency: "USD", status: "pending" },
      { transaction_date: "2026-05-01T10:00:00Z", transaction_type: "debit", currency: "EUR", status: "failed" },
      { transaction_date: "2026-05-02T00:00:00Z", transaction_type: "credit", currency: "EUR", status: "success" },
      {
        transaction_date: "2026-05-02T23:59:59.999Z",
        transaction_type: "debit",
        currency: "JPY",
        status: "success",
        transaction_amount: "100",
      },
      { transaction_date: "2026-05-03T00:00:00Z", transaction_type: "credit", currency: "USD", status: "pending" },
      { transaction_date: "2026-04-30T23:59:59.999Z", transaction_type: "debit", currency: "USD", status: "success" },
    ];

    beforeAll(async () => {
      lister = await newUser("txlist");
      records = await createMany(lister.token, seed.length, (i) => tx(seed[i]));
    });

    const idsWhere = (keep: (r: TransactionRecord) => boolean) =>
      [...records]
        .sort(byDateThenIdDesc)
        .filter(keep)
        .map((r) => r.id);

    it("is newest transaction_date first, ties by id descending", async () => {
      const page = await listPage(lister.token);
      expect(page.data.map((r) => r.id)).toEqual(idsWhere(() => true));
      expect(page).toMatchObject({ has_more: false, next_cursor: null });
    });

    it("returns full records", async () => {
      const page = await listPage(lister.token);
      for (const record of page.data) expect(record).toEqual(records.find((r) => r.id === record.id));
    });

    it.each<[string, Query, (r: TransactionRecord) => boolean]>([
      ["from (inclusive)", { from: "2026-05-02" }, (r) => r.transaction_date >= "2026-05-02T00:00:00.000Z"],
      ["from as an offset date-time", { from: "2026-05-02T01:00:00+01:00" }, (r) => r.transaction_date >= "2026-05-02T00:00:00.000Z"],
      ["to as a plain date includes that whole day", { to: "2026-05-02" }, (r) => r.transaction_date < "2026-05-03T00:00:00.000Z"],
      ["to as a date-time includes that instant", { to: "2026-05-01T10:00:00Z" }, (r) => r.transaction_date <= "2026-05-01T10:00:00.000Z"],
      ["from and to on one day", { from: "2026-05-02", to: "2026-05-02" }, (r) => r.transaction_date.startsWith("2026-05-02")],
      ["transaction_type", { transaction_type: "credit" }, (r) => r.transaction_type === "credit"],
      ["currency", { currency: "EUR" }, (r) => r.currency === "EUR"],
      ["currency in lower case", { currency: "jpy" }, (r) => r.currency === "JPY"],
      ["status", { status: "pending" }, (r) => r.status === "pending"],
      [
        "filters combined",
        { currency: "USD", transaction_type: "debit", from: "2026-05-01" },
        (r) => r.currency === "USD" && r.transaction_type === "debit" && r.transaction_date >= "2026-05-01",
      ],
      ["a range with nothing in it", { from: "2027-01-01" }, () => false],
    ])("filters by %s", async (_name, query, keep) => {
      const expected = idsWhere(keep);
      expect(await listIds(lister.token, query)).toEqual(expected);
    });
  });

  it("limit defaults to 100 and goes up to 1000", async () => {
    const many = await newUser("txlimit");
    for (let batch = 0; batch < 101; batch += 26) {
      await createMany(many.token, Math.min(26, 101 - batch), () => tx());
    }
    const first = await listPage(many.token);
    expect(first.data).toHaveLength(100);
    expect(first.has_more).toBe(true);
    expect(typeof first.next_cursor).toBe("string");
    const rest = await listPage(many.token, { cursor: first.next_cursor ?? "" });
    expect(rest.data).toHaveLength(1);
    const all = await listPage(many.token, { limit: 1000 });
    expect(all.data).toHaveLength(101);
    expect(all).toMatchObject({ has_more: false, next_cursor: null });
  });

  describe("pagination", () => {
    let pager: TestUser;
    let expectedOrder: string[];

    beforeAll(async () => {
      pager = await newUser("txpage");
      // 50 transactions over 6 instants: many share a transaction_date, so the id breaks the ties.
      const created = await createMany(pager.token, 50, (i) => tx({ transaction_date: `2026-07-0${(i % 6) + 1}T08:00:00Z` }));
      expectedOrder = [...created].sort(byDateThenIdDesc).map((r) => r.id);
    });

    async function walk(limit: number) {
      const pages: Page[] = [];
      let cursor: string | null = null;
      do {
        const page: Page = await listPage(pager.token, cursor === null ? { limit } : { limit, cursor });
        pages.push(page);
        cursor = page.next_cursor;
        expect(pages.length).toBeLessThanOrEqual(50);
      } while (cursor !== null);
      return pages;
    }

    it.each([7, 10, 1, 49, 50])("with limit %i walks every record exactly once, in order", async (limit) => {
      const pages = await walk(limit);
      expect(pages).toHaveLength(Math.ceil(50 / limit));
      for (const page of pages.slice(0, -1)) {
        expect(page.data).toHaveLength(limit);
        expect(page.has_more).toBe(true);
        expect(page.next_cursor).toEqual(expect.any(String));
      }
      expect(pages.at(-1)).toMatchObject({ has_more: false, next_cursor: null });
      expect(pages.flatMap((p) => p.data.map((r) => r.id))).toEqual(expectedOrder);
    });

    it("a cursor keeps its place when filters are repeated with it", async () => {
      const first = await listPage(pager.token, { limit: 3, from: "2026-07-02", to: "2026-07-05" });
      const second = await listPage(pager.token, { limit: 1000, from: "2026-07-02", to: "2026-07-05", cursor: first.next_cursor ?? "" });
      const inRange = await listIds(pager.token, { from: "2026-07-02", to: "2026-07-05" });
      expect([...first.data, ...second.data].map((r) => r.id)).toEqual(inRange);
    });
  });

  it("50 concurrent creates all answer 201 and are all listed", async () => {
    const busy = await newUser("txconc");
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => create(busy.token, tx({ transaction_amount: `${i + 1}.00` }))),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(201));
    const created = await Promise.all(responses.map((r) => r.json() as Promise<TransactionRecord>));
    const ids = new Set(created.map((r) => r.id));
    expect(ids.size).toBe(50);
    expect(new Set(await listIds(busy.token))).toEqual(ids);
  });
});

describe("errors", () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await newUser("txerr");
  });

  const raw = (amount: string, extra = "") => `{"transaction_amount": ${amount}, "transaction_type": "debit"${extra}}`;

  it.each<[string, string | Record<string, unknown>, string]>([
    ["a JSON number with more digits than USD has", raw("0.123"), "transaction_amount"],
    ["a JSON number with decimals in JPY", raw("500.5", ', "currency": "JPY"'), "transaction_amount"],
    ["a string with decimals in JPY", raw('"500.5"', ', "currency": "JPY"'), "transaction_amount"],
    ["a string with 4 digits in KWD", raw('"1.2345"', ', "currency": "KWD"'), "transaction_amount"],
    ["zero", raw("0"), "transaction_amount"],
    ["zero as a string", raw('"0.00"'), "transaction_amount"],
    ["a negative number", raw("-5"), "transaction_amount"],
    ["a negative string", raw('"-5.00"'), "transaction_amount"],
    ["text", raw('"abc"'), "transaction_amount"],
    ["an exponent written as raw JSON", raw("1e3"), "transaction_amount"],
    ["an exponent in a string", raw('"1e3"'), "transaction_amount"],
    ["an amount over 1e12", raw('"1000000000000.01"'), "transaction_amount"],
    ["a JSON number over 1e12", raw("1000000000001"), "transaction_amount"],
    ["a boolean amount", raw("true"), "transaction_amount"],
    ["a null amount", raw("null"), "transaction_amount"],
    ["a missing amount", { transaction_type: "debit" }, "transaction_amount"],
    ["an unknown currency", tx({ currency: "XXX1" }), "currency"],
    ["a bad transaction_type", tx({ transaction_type: "transfer" }), "transaction_type"],
    ["a missing transaction_type", { transaction_amount: "1.00" }, "transaction_type"],
    ["a bad status", tx({ status: "done" }), "status"],
    ["an impossible date", tx({ transaction_date: "2026-02-30" }), "transaction_date"],
    ["a date-time without offset", tx({ transaction_date: "2026-11-25T10:00:00" }), "transaction_date"],
    ["a relative date", tx({ transaction_date: "yesterday" }), "transaction_date"],
    ["a description over 500 characters", tx({ description: "x".repeat(501) }), "description"],
    ["an unknown field", tx({ amount: "1.00" }), "amount"],
    ["a user_id field", tx({ user_id: "usr_someone" }), "user_id"],
  ])("create rejects %s with 422 naming the field", async (_name, body, path) => {
    await expectInvalid(await create(user.token, body), path);
  });

  it("one 422 names every invalid field of a body, the amount included", async () => {
    const res = await create(user.token, { transaction_amount: "-5", transaction_type: "DEBIT" });
    expect(res.status).toBe(422);
    const paths = ((await problem(res)).errors ?? []).map((e) => e.path).sort();
    expect(paths).toEqual(["transaction_amount", "transaction_type"]);
  });

  it("one 422 names the amount's digits and another field together", async () => {
    const res = await create(user.token, { transaction_amount: "500.5", currency: "JPY", status: "done", transaction_type: "debit" });
    expect(res.status).toBe(422);
    const errors = (await problem(res)).errors ?? [];
    expect(errors.map((e) => e.path).sort()).toEqual(["status", "transaction_amount"]);
    expect(errors.find((e) => e.path === "transaction_amount")?.message).toBe("JPY allows at most 0 decimal places");
  });

  it("stores nothing for rejected creates", async () => {
    expect(await listIds(user.token)).toEqual([]);
  });

  it("create rejects malformed JSON with a 400 problem", async () => {
    const res = await create(user.token, '{"transaction_amount": "1.00",');
    expect(res.status).toBe(400);
    await problem(res);
  });

  describe("update", () => {
    let original: TransactionRecord;
    beforeAll(async () => {
      original = await createTransaction(user.token, tx({ transaction_amount: "10.50", description: "keep" }));
    });

    it("rejects an empty body with 422", async () => {
      expect((await update(user.token, original.id, {})).status).toBe(422);
    });

    it("rejects moving an amount with cents to JPY with 422 naming transaction_amount", async () => {
      await expectInvalid(await update(user.token, original.id, { currency: "JPY" }), "transaction_amount");
    });

    it.each<[string, Record<string, unknown>, string]>([
      ["an invalid amount", { transaction_amount: "-1" }, "transaction_amount"],
      ["an amount with too many digits", { transaction_amount: "1.001" }, "transaction_amount"],
      ["an unknown currency", { currency: "XXX1" }, "currency"],
      ["a bad type", { transaction_type: "refund" }, "transaction_type"],
      ["a bad status", { status: "settled" }, "status"],
      ["a bad date", { transaction_date: "2026-13-01" }, "transaction_date"],
      ["an unknown field", { id: "txn_other" }, "id"],
    ])("rejects %s with 422 naming the field", async (_name, patch, path) => {
      await expectInvalid(await update(user.token, original.id, patch), path);
    });

    it("leaves the record unchanged after rejected updates", async () => {
      expect(await readOne(user.token, original.id)).toEqual(original);
    });
  });

  it.each([
    ["1001", "limit"],
    ["0", "limit"],
    ["-1", "limit"],
    ["1.5", "limit"],
    ["abc", "limit"],
  ])("list rejects limit=%s with 422", async (limit, path) => {
    await expectInvalid(await list(user.token, { limit }), path);
  });

  it.each<[string, Query, string]>([
    ["a garbage cursor", { cursor: "garbage" }, "cursor"],
    ["a cursor that is not base64", { cursor: "%%%" }, "cursor"],
    ["a bad from", { from: "2026-02-30" }, "from"],
    ["a bad to", { to: "tomorrow" }, "to"],
    ["an unknown currency", { currency: "XXX1" }, "currency"],
    ["a bad transaction_type", { transaction_type: "both" }, "transaction_type"],
    ["a bad status", { status: "done" }, "status"],
    ["an unknown parameter", { sort: "asc" }, "sort"],
  ])("list rejects %s with 422 naming it", async (_name, query, path) => {
    await expectInvalid(await list(user.token, query), path);
  });

  it("GET, PUT and DELETE of a nonexistent id answer 404 problems", async () => {
    for (const res of [
      await getOne(user.token, MISSING_ID),
      await update(user.token, MISSING_ID, { status: "failed" }),
      await remove(user.token, MISSING_ID),
    ]) {
      expect(res.status).toBe(404);
      expect((await problem(res)).detail).toBe("Transaction not found");
    }
  });
});

describe("security", () => {
  let alice: TestUser;
  let bob: TestUser;
  let secret: TransactionRecord;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([newUser("alice"), newUser("bob")]);
    secret = await createTransaction(
      alice.token,
      tx({ transaction_amount: "123.45", description: "alice only", transaction_date: "2026-08-08" }),
    );
    await createTransaction(bob.token, tx({ description: "bob's own" }));
  });

  it.each<[string, (token: string, id: string) => Promise<ResponseLike>]>([
    ["GET", getOne],
    ["PUT", (token, id) => update(token, id, { description: "hijacked", transaction_amount: "0.01" })],
    ["DELETE", remove],
  ])("%s of another user's transaction answers exactly like a nonexistent id", async (_method, send) => {
    const foreign = await notFoundShape(await send(bob.token, secret.id));
    const missing = await notFoundShape(await send(bob.token, MISSING_ID));
    expect(foreign).toEqual(missing);
  });

  it("the owner's record is unchanged after the other user's attempts", async () => {
    await update(bob.token, secret.id, { status: "failed" });
    await remove(bob.token, secret.id);
    expect(await readOne(alice.token, secret.id)).toEqual(secret);
    expect(await listIds(alice.token)).toContain(secret.id);
  });

  it("lists never contain another user's records, with or without filters", async () => {
    const queries: Query[] = [{}, { from: "2026-08-08", to: "2026-08-08" }, { currency: "USD" }, { transaction_type: "debit" }];
    for (const query of queries) {
      const bobs = await listIds(bob.token, query);
      expect(bobs).not.toContain(secret.id);
      const aliceIds = await listIds(alice.token, query);
      expect(bobs.filter((id) => aliceIds.includes(id))).toEqual([]);
    }
    const page = await listPage(bob.token, { limit: 1000 });
    expect(page.data.every((r) => r.user_id === bob.id && r.full_name === bob.fullName)).toBe(true);
    expect(page.data).toHaveLength(1);
  });

  it("a cursor built from another user's record reveals nothing", async () => {
    const cursor = btoa(`${secret.transaction_date}|${secret.id}`).replace(/=+$/, "");
    const page = await listPage(bob.token, { cursor, limit: 1000 });
    expect(page.data.map((r) => r.user_id).every((id) => id === bob.id)).toBe(true);
  });

  describe("every route requires a token", () => {
    const routes: [string, string, RequestInit][] = [
      ["POST create", `${TX}/create`, jsonInit("POST", tx())],
      ["GET all", `${TX}/all`, {}],
      ["GET one", `${TX}/${MISSING_ID}`, {}],
      ["PUT update", `${TX}/update/${MISSING_ID}`, jsonInit("PUT", { status: "failed" })],
      ["DELETE", `${TX}/delete/${MISSING_ID}`, { method: "DELETE" }],
    ];

    it.each(routes)("%s without a token answers 401", async (_name, path, init) => {
      const res = await call(path, init);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate") ?? "").toMatch(/^Bearer/);
      await problem(res);
    });

    it.each(routes)("%s with a garbage token answers 401", async (_name, path, init) => {
      const res = await call(path, authed("not.a.token", init));
      expect(res.status).toBe(401);
      await problem(res);
    });

    it("an unauthenticated create stores nothing and an unauthenticated delete removes nothing", async () => {
      const countAll = async () => (await allShardRows("SELECT COUNT(*) AS n FROM transactions")).reduce((n, r) => n + Number(r.n), 0);
      const before = await countAll();
      expect((await call(`${TX}/create`, jsonInit("POST", tx()))).status).toBe(401);
      expect((await call(`${TX}/delete/${secret.id}`, { method: "DELETE" })).status).toBe(401);
      expect(await countAll()).toBe(before);
      expect(await readOne(alice.token, secret.id)).toEqual(secret);
    });
  });
});
