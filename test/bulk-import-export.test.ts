import { parse } from "csv-parse/sync";
import { beforeAll, describe, expect, it } from "vitest";
import {
  authed,
  call,
  createTransaction,
  jsonInit,
  newUser,
  problem,
  rollupsAndTruth,
  shardFor,
  type TestUser,
  type TransactionRecord,
} from "./harness";

// ---------------------------------------------------------------------------------------------------------------------
// Helpers

const TX = "/api/v1/transaction";
const ID = /^txn_[0-9a-z]{26}$/;
const EXPORT_HEADER =
  "id,transaction_date,transaction_amount,transaction_type,currency,status,description,external_id,category_id,merchant,tags,created_at,updated_at";
const IMPORT_HEADER = "transaction_date,transaction_amount,transaction_type,currency,status,description,external_id";
/** A description that needs every kind of RFC 4180 quoting, and how it must look in a file. */
const TRICKY = 'Dinner, drinks & "tips"\nsecond line';
const TRICKY_CSV = '"Dinner, drinks & ""tips""\nsecond line"';

interface FieldError {
  path: string;
  message: string;
}
interface BulkItemResult {
  index: number;
  status: "created" | "duplicate" | "error";
  id?: string;
  errors?: FieldError[];
}
interface BulkResult {
  atomic: boolean;
  created: number;
  duplicates: number;
  failed: number;
  results: BulkItemResult[];
}
interface ImportResult {
  dry_run: boolean;
  rows: number;
  added: number;
  duplicates: number;
  errors: { line: number; errors: FieldError[] }[];
}
type Item = Record<string, unknown>;
type StoredRecord = TransactionRecord & { external_id: string | null };
type Query = Record<string, string>;

const tx = (overrides: Item = {}): Item => ({ transaction_amount: "1.00", transaction_type: "debit", ...overrides });

const bulk = (user: TestUser, items: unknown[], query = "") =>
  call(`${TX}/bulk${query}`, jsonInit("POST", { transactions: items }, user.token));
const importCsv = (user: TestUser, body: string, query = "", contentType = "text/csv") =>
  call(`${TX}/import${query}`, authed(user.token, { method: "POST", headers: { "content-type": contentType }, body }));
const exportCsv = (user: TestUser, query: Query = {}) => call(`${TX}/export?${new URLSearchParams(query)}`, authed(user.token));

async function json<T>(res: Response, status: number): Promise<T> {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

const bulkJson = async (user: TestUser, items: unknown[], status: number, query = "") =>
  json<BulkResult>(await bulk(user, items, query), status);
const importJson = async (user: TestUser, body: string, status: number, query = "") =>
  json<ImportResult>(await importCsv(user, body, query), status);

async function exportText(user: TestUser, query: Query = {}): Promise<string> {
  const res = await exportCsv(user, query);
  if (res.status !== 200) throw new Error(`export answered ${res.status}: ${await res.text()}`);
  return res.text();
}

/** An independent RFC 4180 reading of a file: one object per data row, keyed by the header. */
const readCsv = (text: string) => parse(text, { columns: true }) as Record<string, string>[];

/** CSV text from already-encoded lines, CRLF-terminated. */
const csvFile = (...lines: string[]) => lines.map((line) => `${line}\r\n`).join("");

async function countFor(userId: string): Promise<number> {
  const row = await (await shardFor(userId))
    .prepare("SELECT COUNT(*) AS n FROM transactions WHERE user_id = ?")
    .bind(userId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

async function storedIds(userId: string): Promise<string[]> {
  const { results } = await (await shardFor(userId))
    .prepare("SELECT id FROM transactions WHERE user_id = ? ORDER BY id")
    .bind(userId)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

async function listAll(user: TestUser, query: Query = {}): Promise<StoredRecord[]> {
  const page = await json<{ data: StoredRecord[]; has_more: boolean }>(
    await call(`${TX}/all?${new URLSearchParams({ limit: "1000", ...query })}`, authed(user.token)),
    200,
  );
  expect(page.has_more).toBe(false);
  return page.data;
}

function omit<T extends object>(value: T, keys: readonly string[]): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([k]) => !keys.includes(k))) as Partial<T>;
}

/** The caller's analytics without the fields that legitimately differ between reads and users. */
async function figures(user: TestUser, currency?: string) {
  const body = await json<Record<string, unknown>>(
    await call(`${TX}/analytics/me${currency ? `?currency=${currency}` : ""}`, authed(user.token)),
    200,
  );
  return omit(body, ["user_id", "computed_at"]);
}

/** daily_rollups must equal a GROUP BY over the user's transactions. */
async function expectRollupsExact(userId: string) {
  const { rollups, truth } = await rollupsAndTruth(userId);
  expect(truth.length).toBeGreaterThan(0);
  expect(rollups).toEqual(truth);
}

/** Minor units of USD as "12.34". */
const usd = (minor: bigint) => `${minor / 100n}.${(minor % 100n).toString().padStart(2, "0")}`;

/** `count` valid USD items with varied amounts, types and days; `extra` adds fields per item. */
function usdItems(count: number, extra: (i: number) => Item = () => ({})): Item[] {
  return Array.from({ length: count }, (_, i) => ({
    transaction_amount: usd(BigInt(((i * 7919) % 1_000_000) + 1)),
    transaction_type: i % 3 === 0 ? "credit" : "debit",
    transaction_date: new Date(Date.UTC(2025, 0, 1) + i * 3_600_000).toISOString(),
    ...extra(i),
  }));
}

function sumMinor(items: Item[], type: string): bigint {
  return items
    .filter((i) => i.transaction_type === type)
    .reduce((acc, i) => acc + BigInt(String(i.transaction_amount).replace(".", "")), 0n);
}

async function analyticsVersion(userId: string): Promise<number> {
  const row = await (await shardFor(userId))
    .prepare("SELECT version FROM analytics_state WHERE user_id = ?")
    .bind(userId)
    .first<{ version: number }>();
  return row?.version ?? 0;
}

/** A history with three currencies, both types, every status and one transaction per distinct instant. */
function mixedHistory(marker: string): Item[] {
  const currencies = [
    { currency: "USD", amount: (i: number) => `${i + 1}.${String(i % 100).padStart(2, "0")}` },
    { currency: "JPY", amount: (i: number) => `${(i + 1) * 150}` },
    { currency: "KWD", amount: (i: number) => `${i}.${String((i * 37) % 1000).padStart(3, "0")}` },
  ];
  const statuses = ["success", "pending", "failed"];
  return Array.from({ length: 30 }, (_, i) => {
    const { currency, amount } = currencies[i % 3]!;
    return {
      transaction_amount: amount(i + 1),
      transaction_type: i % 4 === 0 ? "credit" : "debit",
      currency,
      status: statuses[Math.floor(i / 3) % statuses.length],
      transaction_date: new Date(Date.UTC(2026, 0, 1 + i * 5, (i * 7) % 24, 30)).toISOString(),
      ...(i % 2 === 0 ? { external_id: `${marker}-${i}` } : {}),
      ...(i % 5 === 0 ? { description: i === 0 ? TRICKY : `${marker} item ${i}` } : {}),
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------------

describe("happy", () => {
  describe("bulk", () => {
    it("1,000 valid items: 201, one created result per item, and the list and analytics show them all", async () => {
      const user = await newUser("bulk1000");
      const items = usdItems(1000);
      const result = await bulkJson(user, items, 201);

      expect(result).toMatchObject({ atomic: true, created: 1000, duplicates: 0, failed: 0 });
      expect(result.results).toEqual(items.map((_, index) => ({ index, status: "created", id: expect.stringMatching(ID) })));
      const ids = result.results.map((r) => r.id ?? "");
      expect(new Set(ids).size).toBe(1000);

      expect((await listAll(user)).map((r) => r.id).sort()).toEqual([...ids].sort());
      expect(await figures(user)).toMatchObject({
        currency: "USD",
        transaction_count: 1000,
        total_credit: usd(sumMinor(items, "credit")),
        total_debit: usd(sumMinor(items, "debit")),
      });
    });

    it("atomic=false stores the valid items and reports each invalid one with its errors", async () => {
      const user = await newUser("bulkpartial");
      const items = [
        tx({ transaction_amount: "5.00" }),
        tx({ transaction_amount: "-1" }),
        tx({ transaction_amount: "6.00", transaction_type: "credit" }),
        tx({ transaction_type: "transfer" }),
        tx({ currency: "JPY", transaction_amount: "1.5" }),
      ];
      const result = await bulkJson(user, items, 201, "?atomic=false");

      expect(result).toMatchObject({ atomic: false, created: 2, duplicates: 0, failed: 3 });
      const anyMessage = expect.any(String) as unknown;
      expect(result.results).toEqual([
        { index: 0, status: "created", id: expect.stringMatching(ID) },
        { index: 1, status: "error", errors: [{ path: "transaction_amount", message: anyMessage }] },
        { index: 2, status: "created", id: expect.stringMatching(ID) },
        { index: 3, status: "error", errors: [{ path: "transaction_type", message: anyMessage }] },
        { index: 4, status: "error", errors: [{ path: "transaction_amount", message: anyMessage }] },
      ]);
      expect(await storedIds(user.id)).toEqual([result.results[0]?.id, result.results[2]?.id].sort());
    });

    it("atomic=false with nothing valid answers 200 and stores nothing", async () => {
      const user = await newUser("bulknone");
      const result = await bulkJson(user, [tx({ transaction_amount: "0" }), tx({ transaction_type: "gift" })], 200, "?atomic=false");
      expect(result).toMatchObject({ created: 0, failed: 2 });
      expect(await countFor(user.id)).toBe(0);
    });

    it("repeated external_ids, in one request or across requests, are duplicates carrying the stored id", async () => {
      const user = await newUser("bulkdup");
      const first = await bulkJson(
        user,
        [tx({ external_id: "a" }), tx({ external_id: "b" }), tx({ external_id: "a", transaction_amount: "9.00" })],
        201,
      );
      const [a, b] = [first.results[0]?.id, first.results[1]?.id];
      expect(first).toMatchObject({ created: 2, duplicates: 1 });
      expect(first.results[2]).toEqual({ index: 2, status: "duplicate", id: a });

      const second = await bulkJson(user, [tx({ external_id: "b" }), tx({ external_id: "c" })], 201);
      expect(second).toMatchObject({ created: 1, duplicates: 1 });
      expect(second.results[0]).toEqual({ index: 0, status: "duplicate", id: b });
      expect(second.results[1]).toMatchObject({ index: 1, status: "created" });

      const replay = await bulkJson(user, [tx({ external_id: "a" }), tx({ external_id: "c" })], 200);
      expect(replay).toMatchObject({ created: 0, duplicates: 2 });
      expect(await countFor(user.id)).toBe(3);
      const stored = await (await shardFor(user.id))
        .prepare("SELECT amount_minor FROM transactions WHERE id = ?")
        .bind(a)
        .first<{ amount_minor: number }>();
      expect(stored?.amount_minor).toBe(100);
    });

    it("the daily rollups equal a GROUP BY of the stored transactions after bulk writes with errors and duplicates", async () => {
      const user = await newUser("bulkrollup");
      const items = mixedHistory("roll");
      await bulkJson(user, [...items, tx({ transaction_amount: "x" }), items[0]], 201, "?atomic=false");
      await bulkJson(user, [...items.slice(0, 10), tx({ transaction_date: "2026-03-03T23:59:59.999Z", transaction_amount: "3.33" })], 201);
      await expectRollupsExact(user.id);
    });

    it("accepts a body over 64 KiB (1,000 items with descriptions)", async () => {
      const user = await newUser("bulkbig");
      const items = usdItems(1000, (i) => ({ description: `item ${i} `.padEnd(120, "x") }));
      expect(JSON.stringify({ transactions: items }).length).toBeGreaterThan(64 * 1024);
      expect((await bulkJson(user, items, 201)).created).toBe(1000);
      expect(await countFor(user.id)).toBe(1000);
    });
  });

  describe("import", () => {
    it("adds the rows of a file with a header row", async () => {
      const user = await newUser("imp");
      const file = csvFile(
        IMPORT_HEADER,
        "2026-03-01,10.50,credit,USD,success,Salary,imp-1",
        "2026-03-02T08:15:00+02:00,500,debit,jpy,pending,,imp-2",
        "2026-03-03,1.234,debit,KWD,,,",
      );
      expect(await importJson(user, file, 201)).toEqual({ dry_run: false, rows: 3, added: 3, duplicates: 0, error_count: 0, errors: [] });

      const records = await listAll(user);
      // (category_id, merchant and tags are covered in categories-rules.test.ts.)
      const labels = ["category_id", "merchant", "tags"];
      expect(records.map((r) => omit(r, ["id", "user_id", "full_name", "created_at", "updated_at", ...labels]))).toEqual([
        {
          transaction_date: "2026-03-03T00:00:00.000Z",
          date_only: true,
          transaction_amount: "1.234",
          transaction_type: "debit",
          currency: "KWD",
          status: "success",
          description: null,
          external_id: null,
        },
        {
          transaction_date: "2026-03-02T06:15:00.000Z",
          date_only: false,
          transaction_amount: "500",
          transaction_type: "debit",
          currency: "JPY",
          status: "pending",
          description: null,
          external_id: "imp-2",
        },
        {
          transaction_date: "2026-03-01T00:00:00.000Z",
          date_only: true,
          transaction_amount: "10.50",
          transaction_type: "credit",
          currency: "USD",
          status: "success",
          description: "Salary",
          external_id: "imp-1",
        },
      ]);
    });

    it("dry_run=true stores nothing but reports what would be added", async () => {
      const user = await newUser("impdry");
      await createTransaction(user.token, tx({ external_id: "dry-0" }));
      const file = csvFile(
        IMPORT_HEADER,
        "2026-03-01,1.00,debit,USD,,,dry-0",
        "2026-03-02,2.00,debit,USD,,,dry-1",
        "2026-03-03,oops,debit,USD,,,dry-2",
      );
      const version = await analyticsVersion(user.id);

      const result = await importJson(user, file, 200, "?dry_run=true");
      expect(result).toMatchObject({ dry_run: true, rows: 3, added: 1, duplicates: 1 });
      expect(result.errors.map((e) => e.line)).toEqual([4]);
      expect(await countFor(user.id)).toBe(1);
      expect(await analyticsVersion(user.id)).toBe(version);

      expect(await importJson(user, file, 201)).toMatchObject({ dry_run: false, rows: 3, added: 1, duplicates: 1 });
      expect(await countFor(user.id)).toBe(2);
    });

    it("a quoted description with commas, quotes and a newline round-trips through import and export", async () => {
      const user = await newUser("impquote");
      const file = csvFile(IMPORT_HEADER, `2026-04-01,3.00,debit,USD,success,${TRICKY_CSV},quote-1`);
      expect(await importJson(user, file, 201)).toMatchObject({ added: 1, errors: [] });

      const [record] = await listAll(user);
      expect(record?.description).toBe(TRICKY);
      const exported = await exportText(user);
      expect(exported).toContain(`,${TRICKY_CSV},quote-1,`);
      expect(readCsv(exported)[0]?.description).toBe(TRICKY);
    });

    it("re-importing the same file reports every row as a duplicate when external_id is present", async () => {
      const user = await newUser("impagain");
      const file = csvFile(IMPORT_HEADER, "2026-05-01,1.00,debit,USD,,,again-1", "2026-05-02,2.00,credit,USD,,,again-2");
      expect(await importJson(user, file, 201)).toMatchObject({ added: 2, duplicates: 0 });
      expect(await importJson(user, file, 200)).toEqual({ dry_run: false, rows: 2, added: 0, duplicates: 2, error_count: 0, errors: [] });
      expect(await countFor(user.id)).toBe(2);
    });
  });

  describe("export", () => {
    it("is a text/csv file: header row, newest first, amounts in the currency's digits, RFC 4180 quoting", async () => {
      const user = await newUser("exp");
      const created = [
        await createTransaction(user.token, {
          transaction_amount: "1.5",
          transaction_type: "credit",
          currency: "KWD",
          status: "pending",
          transaction_date: "2026-01-01",
        }),
        await createTransaction(user.token, {
          transaction_amount: "500",
          transaction_type: "debit",
          currency: "JPY",
          transaction_date: "2026-01-02",
        }),
        await createTransaction(user.token, { transaction_amount: "10.5", transaction_type: "credit", transaction_date: "2026-01-03" }),
        await createTransaction(user.token, {
          transaction_amount: "7.25",
          transaction_type: "debit",
          description: TRICKY,
          external_id: "exp-1",
          transaction_date: "2026-01-04",
        }),
      ];
      const res = await exportCsv(user);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
      const text = await res.text();

      expect(text.startsWith(`${EXPORT_HEADER}\r\n`)).toBe(true);
      expect(text.endsWith("\r\n")).toBe(true);
      expect(text).toContain(`,7.25,debit,USD,success,${TRICKY_CSV},exp-1,`);
      const rows = readCsv(text);
      expect(rows.map((r) => r.transaction_amount)).toEqual(["7.25", "10.50", "500", "1.500"]);
      const newestFirst = [...created].reverse() as StoredRecord[];
      expect(rows).toEqual(
        newestFirst.map((r) => ({
          ...omit(r, ["user_id", "full_name", "date_only"]),
          // Date-only rows are exported as their plain date (so a re-import keeps them calendar dates).
          transaction_date: r.transaction_date.slice(0, 10),
          description: r.description ?? "",
          external_id: r.external_id ?? "",
          category_id: "",
          merchant: "",
          tags: "",
        })),
      );
    });

    it("applies the list's filters", async () => {
      const user = await newUser("expfilter");
      await bulkJson(user, mixedHistory("filter"), 201);
      const queries: Query[] = [
        { from: "2026-03-01" },
        { to: "2026-02-15" },
        { transaction_type: "credit" },
        { currency: "JPY" },
        { status: "pending" },
        { from: "2026-01-05", to: "2026-04-30", transaction_type: "debit", currency: "USD", status: "success" },
      ];
      const everything = (await listAll(user)).length;
      for (const query of queries) {
        const expected = (await listAll(user, query)).map((r) => r.id);
        expect(expected.length, JSON.stringify(query)).toBeGreaterThan(0);
        expect(expected.length, JSON.stringify(query)).toBeLessThan(everything);
        expect(
          readCsv(await exportText(user, query)).map((r) => r.id),
          JSON.stringify(query),
        ).toEqual(expected);
      }
    });

    it("streams a history larger than one internal page (2,500 rows)", async () => {
      const user = await newUser("expstream");
      const all = usdItems(2500);
      for (let i = 0; i < all.length; i += 1000) await bulkJson(user, all.slice(i, i + 1000), 201);

      const res = await exportCsv(user);
      expect(res.status).toBe(200);
      expect(res.body).toBeInstanceOf(ReadableStream);
      expect(res.headers.get("content-length")).toBeNull();
      const lines = (await res.text()).split("\r\n");
      expect(lines.pop()).toBe("");
      expect(lines).toHaveLength(2501);
      expect(lines[0]).toBe(EXPORT_HEADER);
      const rows = readCsv(lines.join("\r\n"));
      expect(new Set(rows.map((r) => r.id)).size).toBe(2500);
      const dates = rows.map((r) => r.transaction_date ?? "");
      expect(dates).toEqual([...dates].sort().reverse());
    });
  });

  describe("round trip", () => {
    let alice: TestUser;
    let bob: TestUser;
    let file: string;
    let items: Item[];
    beforeAll(async () => {
      [alice, bob] = await Promise.all([newUser("rtalice"), newUser("rtbob")]);
      items = mixedHistory("rt");
      await bulkJson(alice, items, 201);
      file = await exportText(alice);
    });

    it("importing A's export unchanged into a fresh user gives the same analytics in every currency", async () => {
      expect(await importJson(bob, file, 201)).toEqual({
        dry_run: false,
        rows: items.length,
        added: items.length,
        duplicates: 0,
        error_count: 0,
        errors: [],
      });
      for (const currency of [undefined, "USD", "JPY", "KWD"]) {
        expect(await figures(bob, currency), currency ?? "default").toEqual(await figures(alice, currency));
      }
      // Same rows; a missing external_id is filled from the exported id.
      const mine = readCsv(file);
      const theirs = readCsv(await exportText(bob));
      const visible = (r: Record<string, string>) => omit(r, ["id", "external_id", "created_at", "updated_at"]);
      expect(theirs.map(visible)).toEqual(mine.map(visible));
      expect(theirs.map((r) => r.external_id)).toEqual(mine.map((r) => r.external_id || r.id));
    });

    it("importing the same file again adds nothing and reports every row as a duplicate", async () => {
      expect(await importJson(bob, file, 200)).toEqual({
        dry_run: false,
        rows: items.length,
        added: 0,
        duplicates: items.length,
        error_count: 0,
        errors: [],
      });
      expect(await countFor(bob.id)).toBe(items.length);
    });

    it("re-importing your own export into the same account adds nothing: each row is a duplicate of its own id", async () => {
      const before = await storedIds(alice.id);
      // mixedHistory leaves some external_ids empty: those rows are matched by their exported id.
      expect(readCsv(file).some((r) => r.external_id === "")).toBe(true);
      const res = await call(`${TX}/import`, authed(alice.token, { method: "POST", headers: { "content-type": "text/csv" }, body: file }));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        dry_run: false,
        rows: items.length,
        added: 0,
        duplicates: items.length,
        error_count: 0,
        errors: [],
      });
      expect(await storedIds(alice.id)).toEqual(before);
    });
  });
});

describe("errors", () => {
  describe("bulk", () => {
    it("1,001 items is a 422 and stores nothing", async () => {
      const user = await newUser("bulk1001");
      const res = await bulk(user, usdItems(1001));
      expect(res.status).toBe(422);
      expect((await problem(res)).errors?.map((e) => e.path)).toContain("transactions");
      expect(await countFor(user.id)).toBe(0);
    });

    it("atomic (default): an invalid item at index 3 is a 422 naming transactions.3.<field> and stores nothing", async () => {
      const user = await newUser("bulkatomic");
      await bulkJson(user, [tx({ transaction_amount: "4.00", transaction_type: "credit" }), tx({ transaction_amount: "2.00" })], 201);
      const [count, version, before] = [await countFor(user.id), await analyticsVersion(user.id), await figures(user)];

      const items = usdItems(6);
      items[3] = { ...items[3], transaction_amount: "12.345" };
      const res = await bulk(user, items);
      expect(res.status).toBe(422);
      expect((await problem(res)).errors?.map((e) => e.path)).toEqual(["transactions.3.transaction_amount"]);

      expect(await countFor(user.id)).toBe(count);
      expect(await analyticsVersion(user.id)).toBe(version);
      expect(await figures(user)).toEqual(before);
    });

    it("a single create with an external_id already used is a 409 problem", async () => {
      const user = await newUser("bulk409");
      await bulkJson(user, [tx({ external_id: "taken" })], 201);
      const res = await call(`${TX}/create`, jsonInit("POST", tx({ external_id: "taken" }), user.token));
      expect(res.status).toBe(409);
      await problem(res);
      expect(await countFor(user.id)).toBe(1);
    });

    it("a body over 2 MiB is a 413 problem", async () => {
      const user = await newUser("bulk413");
      const items = usdItems(1000, () => ({ description: "x".repeat(2200) }));
      expect(JSON.stringify({ transactions: items }).length).toBeGreaterThan(2 * 1024 * 1024);
      const res = await bulk(user, items);
      expect(res.status).toBe(413);
      await problem(res);
      expect(await countFor(user.id)).toBe(0);
    });

    it("two concurrent bulks with the same external_ids store each once and report the other as duplicates with ids", async () => {
      const user = await newUser("bulkrace");
      const items = usdItems(50, (i) => ({ external_id: `race-${i}` }));
      const responses = await Promise.all([bulk(user, items), bulk(user, items)]);
      for (const res of responses) expect([200, 201]).toContain(res.status);
      const results = await Promise.all(responses.map(async (res) => (await res.json()) as BulkResult));
      expect(await countFor(user.id)).toBe(50);
      expect(results.reduce((n, r) => n + r.created, 0)).toBe(50);
      expect(results.reduce((n, r) => n + r.duplicates, 0)).toBe(50);
      await expectRollupsExact(user.id);
      // Every item, created or duplicate, carries the id of the one stored record.
      const stored = new Set(await storedIds(user.id));
      for (const r of results.flatMap((x) => x.results)) expect(stored.has(r.id ?? ""), JSON.stringify(r)).toBe(true);
    });
  });

  describe("import", () => {
    it("reports invalid rows with their 1-based line numbers (header is line 1) and field paths", async () => {
      const user = await newUser("implines");
      const file = csvFile(
        IMPORT_HEADER,
        "2026-06-01,1.00,debit,USD,,,",
        `2026-06-02,2.00,debit,USD,,${TRICKY_CSV},`,
        "2026-06-03,1.001,debit,USD,,,",
        "2026-06-04,4.00,transfer,XXX,,,",
        "2026-06-31,5.00,credit,USD,,,",
        "2026-06-05,6.00,credit,USD,,,",
      );
      const result = await importJson(user, file, 201);
      expect(result).toMatchObject({ rows: 6, added: 3, duplicates: 0 });
      expect(result.errors.map((e) => ({ line: e.line, paths: e.errors.map((x) => x.path).sort() }))).toEqual([
        { line: 5, paths: ["transaction_amount"] },
        { line: 6, paths: ["currency", "transaction_type"] },
        { line: 7, paths: ["transaction_date"] },
      ]);
      expect(await countFor(user.id)).toBe(3);
    });

    it("an unknown column is a 422 naming it, and nothing is stored", async () => {
      const user = await newUser("impunknown");
      const res = await importCsv(user, csvFile(`${IMPORT_HEADER},colour`, "2026-06-01,1.00,debit,USD,,,,blue"));
      expect(res.status).toBe(422);
      expect((await problem(res)).errors?.map((e) => e.path)).toEqual(["colour"]);
      expect(await countFor(user.id)).toBe(0);
    });

    it("an unknown column is a 422 even in a file with no data rows", async () => {
      const user = await newUser("impunknownempty");
      const res = await importCsv(user, csvFile(`${IMPORT_HEADER},colour`));
      expect(res.status).toBe(422);
      expect((await problem(res)).errors?.map((e) => e.path)).toEqual(["colour"]);
    });

    it.each([
      ["a JSON body", JSON.stringify([{ transaction_amount: "1.00", transaction_type: "debit" }])],
      ["a CSV body", csvFile(IMPORT_HEADER, "2026-06-01,1.00,debit,USD,,,")],
    ])("application/json with %s is a 415 problem", async (_name, body) => {
      const user = await newUser("imp415");
      const res = await importCsv(user, body, "", "application/json");
      expect(res.status).toBe(415);
      await problem(res);
      expect(await countFor(user.id)).toBe(0);
    });

    it("malformed CSV (an unterminated quote) is a 400 problem", async () => {
      const user = await newUser("imp400");
      const res = await importCsv(
        user,
        csvFile(IMPORT_HEADER, '2026-06-01,1.00,debit,USD,,"never closed,', "2026-06-02,2.00,debit,USD,,,"),
      );
      expect(res.status).toBe(400);
      await problem(res);
      expect(await countFor(user.id)).toBe(0);
    });

    it("a body over 10 MB is a 413 problem", async () => {
      const user = await newUser("imp413");
      const row = "2026-06-01,1.00,debit,USD,success,padding padding padding padding,\r\n";
      const body = `${IMPORT_HEADER}\r\n${row.repeat(Math.ceil((10 * 1024 * 1024) / row.length) + 1)}`;
      expect(body.length).toBeGreaterThan(10 * 1024 * 1024);
      const res = await importCsv(user, body);
      expect(res.status).toBe(413);
      await problem(res);
      expect(await countFor(user.id)).toBe(0);
    });
  });
});

describe("security", () => {
  let alice: TestUser;
  let bob: TestUser;
  let aliceIds: string[];
  beforeAll(async () => {
    [alice, bob] = await Promise.all([newUser("secalice"), newUser("secbob")]);
    const result = await bulkJson(alice, mixedHistory("alice-secret"), 201);
    aliceIds = result.results.map((r) => r.id ?? "");
    await bulkJson(
      bob,
      usdItems(5, (i) => ({ description: `bob ${i}` })),
      201,
    );
  });

  it("an export contains only the caller's own records", async () => {
    const text = await exportText(bob);
    for (const id of aliceIds) expect(text).not.toContain(id);
    expect(text).not.toContain("alice-secret");
    expect(
      readCsv(text)
        .map((r) => r.id)
        .sort(),
    ).toEqual(await storedIds(bob.id));
  });

  it("an import of a file naming another user's ids and user_id only creates the caller's own records", async () => {
    const eve = await newUser("seceve");
    const aliceBefore = await exportText(alice);
    const victim = aliceIds[0] ?? "";
    const file = csvFile(
      `id,user_id,${IMPORT_HEADER}`,
      `${victim},${alice.id},2026-07-01,99.00,credit,USD,success,overwrite?,alice-secret-0`,
    );

    expect(await importJson(eve, file, 201)).toMatchObject({ added: 1, duplicates: 0 });
    const [record] = await listAll(eve);
    expect(record).toMatchObject({ user_id: eve.id, transaction_amount: "99.00", external_id: "alice-secret-0" });
    expect(record?.id).not.toBe(victim);
    expect(await exportText(alice)).toBe(aliceBefore);
  });

  it("bulk items cannot name a user_id", async () => {
    const eve = await newUser("secbulk");
    const aliceCount = await countFor(alice.id);
    const res = await bulk(eve, [tx({ user_id: alice.id })]);
    expect(res.status).toBe(422);
    expect((await problem(res)).errors?.map((e) => e.path)).toEqual(["transactions.0.user_id"]);
    expect(await countFor(alice.id)).toBe(aliceCount);
  });

  it("external_id uniqueness is per user: another user's external_id is created, never reported with their id", async () => {
    const eve = await newUser("secext");
    const result = await bulkJson(eve, [tx({ external_id: "alice-secret-0" })], 201);
    expect(result.results[0]).toMatchObject({ status: "created" });
    expect(aliceIds).not.toContain(result.results[0]?.id);
    expect((await createTransaction(eve.token, tx({ external_id: "alice-secret-2" }))).user_id).toBe(eve.id);
  });

  it("export and import require a bearer token", async () => {
    expect((await call(`${TX}/export`)).status).toBe(401);
    const res = await call(`${TX}/import`, { method: "POST", headers: { "content-type": "text/csv" }, body: csvFile(IMPORT_HEADER) });
    expect(res.status).toBe(401);
  });
});
