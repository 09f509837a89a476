import { beforeAll, describe, expect, it } from "vitest";
import { readAnalytics } from "../src/analytics/read";
import { recomputeSnapshot } from "../src/analytics/snapshot";
import { databaseOver, getDb } from "../src/db/client";
import {
  api,
  authed,
  bruteForceAnalytics,
  call,
  createTransaction,
  defaultCurrency,
  formatMinor,
  jsonInit,
  newUser,
  prng,
  problem,
  shardFor,
  type TestUser,
  type TransactionRecord,
} from "./harness";

// ---------------------------------------------------------------------------------------------------------------------
// Helpers

const TX = "/api/v1/transaction";
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

interface Headline {
  transaction_count: number;
  average_transaction_value: string;
  total_credit: string;
  total_debit: string;
}

interface Analytics extends Headline {
  user_id: string;
  currency: string;
  day_with_highest_transactions: string | null;
  day_with_highest_transactions_count: number;
  by_currency: (Headline & { currency: string })[];
  by_weekday: { weekday: string; transaction_count: number }[];
  monthly: { month: string; transaction_count: number; total_credit: string; total_debit: string }[];
  computed_at: string;
  stale: boolean;
}

function analyticsResponse(token: string | null, query: Record<string, string> = {}, who = "me") {
  return api(token ?? undefined).api.v1.transaction.analytics[":user_id"].$get({ param: { user_id: who }, query });
}

async function analytics(user: TestUser, query: Record<string, string> = {}, who = "me"): Promise<Analytics> {
  const res = await analyticsResponse(user.token, query, who);
  if (res.status !== 200) throw new Error(`analytics answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Analytics;
}

const tx = (overrides: Record<string, unknown> = {}) => ({ transaction_amount: "1.00", transaction_type: "debit", ...overrides });

async function updateTx(user: TestUser, id: string, patch: Record<string, unknown>): Promise<void> {
  const res = await call(`${TX}/update/${id}`, jsonInit("PUT", patch, user.token));
  if (res.status !== 200) throw new Error(`update answered ${res.status}: ${await res.text()}`);
}

async function deleteTx(user: TestUser, id: string): Promise<void> {
  const res = await call(`${TX}/delete/${id}`, authed(user.token, { method: "DELETE" }));
  if (res.status !== 200) throw new Error(`delete answered ${res.status}: ${await res.text()}`);
}

async function listAll(user: TestUser): Promise<TransactionRecord[]> {
  const res = await call(`${TX}/all?limit=1000`, authed(user.token));
  const page = (await res.json()) as { data: TransactionRecord[]; has_more: boolean };
  expect(page.has_more).toBe(false);
  return page.data;
}

/** A fresh user with these transactions (created one after another, in order). */
async function userWith(...bodies: Record<string, unknown>[]): Promise<TestUser> {
  const user = await newUser("an");
  for (const body of bodies) await createTransaction(user.token, tx(body));
  return user;
}

// ---------------------------------------------------------------------------------------------------------------------

describe("happy", () => {
  it("an empty user gets zero figures in USD", async () => {
    const user = await newUser("empty");
    const before = Date.now();
    const body = await analytics(user);
    expect(body).toMatchObject({
      user_id: user.id,
      currency: "USD",
      transaction_count: 0,
      average_transaction_value: "0.00",
      day_with_highest_transactions: null,
      day_with_highest_transactions_count: 0,
      total_credit: "0.00",
      total_debit: "0.00",
      by_currency: [],
      monthly: [],
      stale: false,
    });
    expect(body.by_weekday.map((d) => d.transaction_count)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(body.computed_at).toMatch(ISO_INSTANT);
    expect(Math.abs(Date.parse(body.computed_at) - before)).toBeLessThan(60_000);
  });

  it("counts transactions of every status (pending and failed included)", async () => {
    const user = await userWith(
      { transaction_amount: "1.00", status: "success", transaction_type: "credit" },
      { transaction_amount: "2.00", status: "pending" },
      { transaction_amount: "4.00", status: "failed" },
    );
    expect(await analytics(user)).toMatchObject({
      transaction_count: 3,
      total_credit: "1.00",
      total_debit: "6.00",
      average_transaction_value: "2.33",
    });
  });

  it.each([
    ["0.01", "0.02", "0.02"], // 3 cents / 2 = 1.5 -> 2
    ["0.01", "0.04", "0.02"], // 5 / 2 = 2.5 -> 2
    ["0.03", "0.04", "0.04"], // 7 / 2 = 3.5 -> 4
  ])("the average of %s and %s rounds half to even: %s", async (a, b, average) => {
    const user = await userWith({ transaction_amount: a }, { transaction_amount: b, transaction_type: "credit" });
    expect((await analytics(user)).average_transaction_value).toBe(average);
  });

  it("the busiest day is the earliest of the tied days", async () => {
    const user = await userWith(
      { transaction_date: "2026-11-20T10:00:00Z" },
      { transaction_date: "2026-11-20T11:00:00Z" },
      { transaction_date: "2026-11-05T10:00:00Z" },
      { transaction_date: "2026-11-10T10:00:00Z" },
      { transaction_date: "2026-11-10T23:59:59Z" },
    );
    expect(await analytics(user)).toMatchObject({ day_with_highest_transactions: "2026-11-10", day_with_highest_transactions_count: 2 });
  });

  it("a transaction counts on the UTC date of its transaction_date", async () => {
    const user = await userWith(
      { transaction_date: "2026-11-25T23:30:00-02:00" }, // 2026-11-26T01:30Z
      { transaction_date: "2026-11-26T05:00:00Z" },
      { transaction_date: "2026-11-25T12:00:00Z" },
      { transaction_date: "2026-11-27T01:00:00+03:00" }, // 2026-11-26T22:00Z
    );
    expect(await analytics(user)).toMatchObject({ day_with_highest_transactions: "2026-11-26", day_with_highest_transactions_count: 3 });
  });

  it("the default currency is the one with the most transactions, ties alphabetical; ?currency selects another", async () => {
    const user = await userWith({ currency: "USD" }, { currency: "USD" }, { currency: "EUR" }, { currency: "EUR" });
    expect((await analytics(user)).currency).toBe("EUR");
    await createTransaction(user.token, tx({ currency: "USD" }));
    expect((await analytics(user)).currency).toBe("USD");
    await createTransaction(user.token, tx({ currency: "JPY", transaction_amount: "500" }));
    for (const currency of ["JPY", "jpy"]) {
      expect(await analytics(user, { currency })).toMatchObject({
        currency: "JPY",
        transaction_count: 1,
        total_debit: "500",
        total_credit: "0",
        average_transaction_value: "500",
      });
    }
    expect(await analytics(user, { currency: "KWD" })).toMatchObject({
      currency: "KWD",
      transaction_count: 0,
      average_transaction_value: "0.000",
      day_with_highest_transactions: null,
    });
  });

  it("totals credit and debit separately", async () => {
    const user = await userWith(
      { transaction_amount: "10.50", transaction_type: "credit" },
      { transaction_amount: "0.25", transaction_type: "credit" },
      { transaction_amount: "3.10", transaction_type: "debit" },
    );
    expect(await analytics(user)).toMatchObject({
      total_credit: "10.75",
      total_debit: "3.10",
      transaction_count: 3,
      average_transaction_value: "4.62",
    });
  });

  it("reflects every update and delete immediately", async () => {
    const user = await newUser("ryw");
    const a = await createTransaction(user.token, tx({ transaction_amount: "10.00", transaction_date: "2026-11-01T12:00:00Z" }));
    const b = await createTransaction(
      user.token,
      tx({ transaction_amount: "5.00", transaction_type: "credit", transaction_date: "2026-11-02T12:00:00Z" }),
    );
    const c = await createTransaction(user.token, tx({ transaction_amount: "1.00", transaction_date: "2026-11-02T13:00:00Z" }));
    const expectNow = async (expected: Partial<Analytics>, query: Record<string, string> = {}) =>
      expect(await analytics(user, query)).toMatchObject(expected);

    await expectNow({
      currency: "USD",
      transaction_count: 3,
      total_credit: "5.00",
      total_debit: "11.00",
      day_with_highest_transactions: "2026-11-02",
      day_with_highest_transactions_count: 2,
    });
    await updateTx(user, c.id, { transaction_date: "2026-10-31T23:00:00-02:00" }); // moves to 2026-11-01
    await expectNow({ transaction_count: 3, day_with_highest_transactions: "2026-11-01", day_with_highest_transactions_count: 2 });
    await updateTx(user, b.id, { transaction_type: "debit" });
    await expectNow({ total_credit: "0.00", total_debit: "16.00" });
    await updateTx(user, a.id, { transaction_amount: "20.00" });
    await expectNow({ total_debit: "26.00", average_transaction_value: "8.67" });
    await updateTx(user, a.id, { currency: "EUR" });
    await expectNow({
      currency: "USD",
      transaction_count: 2,
      total_debit: "6.00",
      day_with_highest_transactions: "2026-11-01",
      day_with_highest_transactions_count: 1,
    });
    await expectNow(
      { currency: "EUR", transaction_count: 1, total_debit: "20.00", day_with_highest_transactions: "2026-11-01" },
      { currency: "EUR" },
    );
    await deleteTx(user, c.id);
    await expectNow({ currency: "EUR", transaction_count: 1 }); // USD 1 vs EUR 1: alphabetical
    await expectNow({ transaction_count: 1, total_debit: "5.00", day_with_highest_transactions: "2026-11-02" }, { currency: "USD" });
    await deleteTx(user, b.id);
    await deleteTx(user, a.id);
    await expectNow({ currency: "USD", transaction_count: 0, total_debit: "0.00", day_with_highest_transactions: null, by_currency: [] });
  });

  it("from/to restrict the figures to whole UTC days", async () => {
    const user = await userWith(
      { transaction_date: "2026-11-01T00:00:00Z" },
      { transaction_date: "2026-11-02T00:00:00Z", transaction_amount: "2.00" },
      { transaction_date: "2026-11-02T23:59:59.999Z", transaction_amount: "3.00" },
      { transaction_date: "2026-11-03T00:00:00Z" },
    );
    expect(await analytics(user, { from: "2026-11-02", to: "2026-11-02" })).toMatchObject({ transaction_count: 2, total_debit: "5.00" });
    expect(await analytics(user, { from: "2026-11-02" })).toMatchObject({ transaction_count: 3 });
    expect(await analytics(user, { to: "2026-11-01" })).toMatchObject({ transaction_count: 1, total_debit: "1.00" });
  });

  it("a stored snapshot answers again and again, and a newer one replaces it at once (the isolate's parsed copy never outlives it)", async () => {
    const user = await userWith({ transaction_amount: "2.00" }, { transaction_amount: "3.00", transaction_type: "credit" });
    const shard = await shardFor(user.id);
    const stateOf = () =>
      shard
        .prepare("SELECT version, snapshot_version, computed_at FROM analytics_state WHERE user_id = ?")
        .bind(user.id)
        .first<{ version: number; snapshot_version: number; computed_at: string }>();
    await recomputeSnapshot(getDb(shard), user.id);
    const first = await stateOf();
    expect(first?.snapshot_version).toBe(first?.version);
    const reads = [await analytics(user), await analytics(user), await analytics(user)];
    for (const read of reads) expect(read).toMatchObject({ transaction_count: 2, total_debit: "2.00", computed_at: first?.computed_at });

    await createTransaction(user.token, tx({ transaction_amount: "5.00" }));
    await recomputeSnapshot(getDb(shard), user.id);
    const second = await stateOf();
    expect(second?.snapshot_version).toBeGreaterThan(first?.snapshot_version ?? 0);
    expect(second?.snapshot_version).toBe(second?.version);
    for (let i = 0; i < 2; i++) {
      expect(await analytics(user)).toMatchObject({ transaction_count: 3, total_debit: "7.00", computed_at: second?.computed_at });
    }
    // Another zone is not the snapshot's: answered from the rollups, then the profile zone's snapshot again.
    expect(await analytics(user, { tz: "Asia/Tokyo" })).toMatchObject({ transaction_count: 3, time_zone: "Asia/Tokyo" });
    const again = await analytics(user);
    expect(again).toMatchObject({ transaction_count: 3, computed_at: second?.computed_at });
    // The same snapshot answers differently for another currency or week start: each its own answer.
    expect(await analytics(user, { currency: "EUR" })).toMatchObject({ currency: "EUR", transaction_count: 0 });
    expect(again.by_weekday[0]?.weekday).toBe("Monday");
    const patched = await call("/api/v1/user/me", jsonInit("PATCH", { week_start: "sunday" }, user.token));
    expect(patched.status).toBe(200);
    const sunday = await analytics(user);
    expect(sunday.by_weekday.map((d) => d.weekday)).toEqual(["Sunday", ...again.by_weekday.slice(0, 6).map((d) => d.weekday)]);
    expect(sunday).toMatchObject({ currency: "USD", transaction_count: 3 });
  });

  it("while the snapshot answers, the read does not walk the rollups (D1 reads a handful of rows, not one per day)", async () => {
    const user = await newUser("an");
    const transactions = Array.from({ length: 300 }, (_, i) => ({
      transaction_amount: "1.00",
      transaction_type: "debit",
      transaction_date: new Date(Date.UTC(2025, 0, 1) + i * 86_400_000).toISOString(),
    }));
    expect((await call(`${TX}/bulk`, jsonInit("POST", { transactions }, user.token))).status).toBe(201);
    const shard = await shardFor(user.id);
    await recomputeSnapshot(getDb(shard), user.id);
    let rowsRead = 0;
    const counting = {
      prepare: (query: string) => shard.prepare(query),
      batch: async (statements: D1PreparedStatement[]) => {
        const results = await shard.batch(statements);
        for (const r of results) rowsRead += r.meta.rows_read;
        return results;
      },
    };
    const read = await readAnalytics(databaseOver(counting as never), user.id, { range: {} });
    expect(read.snapshotBehind).toBe(false);
    expect([...read.summary.values()].reduce((n, s) => n + s.count, 0)).toBe(300);
    expect(rowsRead).toBeLessThan(20);
  });

  it("`me` and the caller's own id give the same figures", async () => {
    const user = await userWith({ transaction_amount: "3.00" }, { transaction_amount: "4.00", transaction_type: "credit" });
    const [byMe, byId] = await Promise.all([analytics(user), analytics(user, {}, user.id)]);
    expect(byId).toEqual({ ...byMe, computed_at: byId.computed_at });
    expect(byId).toMatchObject({ user_id: user.id, transaction_count: 2 });
  });

  it("brute force: random writes match the shared oracle's recomputation from the list endpoint", async () => {
    const seed = crypto.getRandomValues(new Uint32Array(1))[0]!;
    const rand = prng(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
    const currencies = ["USD", "EUR", "JPY"] as const;
    const days = ["2026-10-30", "2026-10-31", "2026-11-01", "2026-11-02"];
    const offsets = ["Z", "+05:30", "-08:00", "+00:00"];
    const amount = (currency: string) => formatMinor(BigInt(1 + Math.floor(rand() * (rand() < 0.2 ? 3 : 2_000_000))), currency);
    const date = () =>
      `${pick(days)}T${String(Math.floor(rand() * 24)).padStart(2, "0")}:${String(Math.floor(rand() * 60)).padStart(2, "0")}:00${pick(offsets)}`;
    const randomTx = () => {
      const currency = pick(currencies);
      return {
        currency,
        transaction_amount: amount(currency),
        transaction_type: pick(["credit", "debit"]),
        status: pick(["success", "pending", "failed"]),
        transaction_date: date(),
      };
    };
    const randomPatch = (): Record<string, unknown> => {
      const currency = pick(currencies);
      return pick([
        { transaction_amount: amount("JPY") }, // whole numbers suit every currency
        { transaction_date: date() },
        { currency, transaction_amount: amount(currency) },
        { transaction_type: pick(["credit", "debit"]) },
        { status: pick(["pending", "failed"]) },
        { transaction_date: date(), transaction_type: pick(["credit", "debit"]) },
      ]);
    };

    const user = await newUser("brute");
    const created = await Promise.all(Array.from({ length: 30 }, () => createTransaction(user.token, randomTx())));
    const shuffled = [...created].sort(() => rand() - 0.5);
    await Promise.all(shuffled.slice(0, 10).map((r) => updateTx(user, r.id, randomPatch())));
    await Promise.all(shuffled.slice(10, 16).map((r) => deleteTx(user, r.id)));

    const checkAll = async () => {
      const records = await listAll(user);
      const byCurrency = currencies.filter((c) => records.some((r) => r.currency === c)).sort();
      const defaults = await analytics(user);
      expect(defaults.currency, `seed ${seed}`).toBe(defaultCurrency(records));
      expect(
        defaults.by_currency.map((c) => c.currency),
        `seed ${seed}`,
      ).toEqual(byCurrency);
      for (const currency of currencies) {
        const expected = bruteForceAnalytics(records, currency);
        expect(await analytics(user, { currency }), `seed ${seed}, ${currency}`).toMatchObject(expected);
        if (expected.transaction_count > 0) {
          const { transaction_count, average_transaction_value, total_credit, total_debit } = expected;
          expect(
            defaults.by_currency.find((c) => c.currency === currency),
            `seed ${seed}`,
          ).toEqual({ currency, transaction_count, average_transaction_value, total_credit, total_debit });
        }
      }
      return { records, defaults };
    };

    // Read-your-writes straight after the writes.
    expect((await checkAll()).records).toHaveLength(24);

    // Once a snapshot covering every write is stored, it answers, with the same figures.
    const shard = await shardFor(user.id);
    await recomputeSnapshot(getDb(shard), user.id);
    const state = await shard
      .prepare("SELECT version, snapshot_version, computed_at FROM analytics_state WHERE user_id = ?")
      .bind(user.id)
      .first<{ version: number; snapshot_version: number; computed_at: string }>();
    expect(state?.snapshot_version).toBe(state?.version);
    expect((await checkAll()).defaults.computed_at).toBe(state?.computed_at);

    // Writes after that snapshot still show at once: a snapshot that is behind must not answer.
    await updateTx(user, shuffled[16]!.id, randomPatch());
    await createTransaction(user.token, randomTx());
    await deleteTx(user, shuffled[17]!.id);
    expect((await checkAll()).records).toHaveLength(24);
  });
});

describe("errors", () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await newUser("anerr");
  });

  it.each<[string, Record<string, string>, string]>([
    ["an unknown currency", { currency: "XXX1" }, "currency"],
    ["a made-up three-letter currency", { currency: "ABC" }, "currency"],
    ["an impossible from", { from: "2026-02-30" }, "from"],
    ["a date-time as to", { to: "2026-11-01T00:00:00Z" }, "to"],
    ["from after to", { from: "2026-11-02", to: "2026-11-01" }, "from"],
    ["an unknown parameter", { type: "credit" }, "type"],
  ])("rejects %s with 422 naming it", async (_name, query, path) => {
    const res = await analyticsResponse(user.token, query);
    expect(res.status).toBe(422);
    const body = await problem(res);
    expect(body.errors?.map((e) => e.path)).toContain(path);
  });
});

describe("security", () => {
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    [alice, bob] = await Promise.all([newUser("alice"), newUser("bob")]);
    await createTransaction(alice.token, tx({ transaction_amount: "77.00" }));
  });

  it.each([
    ["another user's id", () => alice.id],
    ["a nonexistent user id", () => `usr_${"0".repeat(26)}`],
  ])("%s answers a 403 problem", async (_name, who) => {
    const res = await analyticsResponse(bob.token, {}, who());
    expect(res.status).toBe(403);
    const body = await problem(res);
    expect(body.title).toBe("Forbidden");
    expect(JSON.stringify(body)).not.toContain("77.00");
  });

  it("one user's transactions never show in another's analytics", async () => {
    expect(await analytics(bob)).toMatchObject({ transaction_count: 0, total_debit: "0.00", by_currency: [] });
    expect(await analytics(alice)).toMatchObject({ transaction_count: 1, total_debit: "77.00" });
  });

  it.each([
    ["no token", null],
    ["a garbage token", "not.a.token"],
  ])("%s answers 401", async (_name, token) => {
    for (const who of ["me", alice.id]) {
      const res = await analyticsResponse(token, {}, who);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate") ?? "").toMatch(/^Bearer/);
      await problem(res);
    }
  });
});
