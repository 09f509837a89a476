import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consumeAnalyticsBatch } from "../src/analytics/queue";
import { analyticsState, authed, call, expectProblem, json, jsonInit, newUser, setFault, type TestUser, validationPaths } from "./harness";

/**
 * Synthetic histories written through the API, detected by the real queue consumer on a real message
 * batch, read through GET /api/v1/transaction/recurring. Dates are relative to today (UTC users).
 */

const RECURRING = "/api/v1/transaction/recurring";

interface Stream {
  id: string;
  key: string;
  currency: string;
  transaction_type: string;
  frequency: string;
  average_amount: string;
  last_amount: string;
  last_amount_change: string;
  first_date: string;
  last_date: string;
  predicted_next_date: string;
  occurrences: number;
  status: string;
  missed: boolean;
  transaction_ids: string[];
}

type Item = Record<string, unknown>;

const DAY = 86_400_000;
const today = new Date(new Date().toISOString().slice(0, 10)).getTime();
const daysAgo = (n: number) => new Date(today - n * DAY).toISOString().slice(0, 10);
/** The last day of the month `n` months before this one. */
const monthEnd = (n: number) => {
  const d = new Date(today);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - n + 1, 0)).toISOString().slice(0, 10);
};
/** Day `day` of the month `n` months before this one. */
const monthDay = (n: number, day: number) => {
  const d = new Date(today);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - n, day)).toISOString().slice(0, 10);
};

const debit = (date: string, amount: string, extra: Item = {}): Item => ({
  transaction_amount: amount,
  transaction_type: "debit",
  transaction_date: date,
  ...extra,
});

async function write(user: TestUser, items: Item[]) {
  const res = await call("/api/v1/transaction/bulk", jsonInit("POST", { transactions: items }, user.token));
  return json<{ results: { id?: string }[] }>(res, 201);
}

let messages = 0;
async function deliver(...users: TestUser[]) {
  const batch = createMessageBatch(
    "finanalyze-analytics",
    await Promise.all(
      users.map(async (u) => ({
        id: `rec-${++messages}`,
        timestamp: new Date(),
        attempts: 1,
        body: { user_id: u.id, version: (await analyticsState(u.id))?.version ?? 0 },
      })),
    ),
  );
  const outcome = await consumeAnalyticsBatch(batch, env);
  const result = await getQueueResult(batch, createExecutionContext());
  expect(result.explicitAcks.length).toBe(users.length); // every message acked
  return { outcome, result };
}

async function streams(user: TestUser, query = ""): Promise<Stream[]> {
  return (await json<{ streams: Stream[] }>(await call(`${RECURRING}${query}`, authed(user.token)), 200)).streams;
}

beforeAll(() => setFault("queue_send_fail", "1")); // only the batches the tests deliver exist
afterAll(() => setFault("queue_send_fail", null));

describe("recurring streams", () => {
  let user: TestUser;
  let netflixIds: string[];
  beforeAll(async () => {
    user = await newUser("recurring");
    const monthEnds = [5, 4, 3, 2, 1].map((n) => debit(monthEnd(n), "9.99", { description: "GYM MEMBERSHIP" }));
    const salary = [10, 9, 8, 7, 6, 5, 3, 2, 1].map((n) => ({
      transaction_amount: "1250.00",
      transaction_type: "credit",
      transaction_date: `${daysAgo(n * 7)}T09:00:00Z`,
      description: `ACME PAYROLL ref ${n}`,
    }));
    const netflix = [
      debit(monthDay(5, 15), "15.99", { merchant: "Netflix", description: "card 1234" }),
      debit(monthDay(4, 15), "15.99", { merchant: "Netflix", description: "card 5678" }),
      debit(monthDay(3, 16), "15.99", { merchant: "Netflix", description: "NETFLIX.COM" }),
      debit(monthDay(2, 15), "17.99", { merchant: "Netflix" }),
      debit(monthDay(1, 14), "17.99", { merchant: "Netflix" }),
    ];
    const cancelled = [9, 8, 7, 6].map((n) => debit(monthDay(n, 3), "5.00", { description: "Old Magazine" }));
    const noise = [
      debit(daysAgo(3), "4.50", { description: "Coffee" }),
      debit(daysAgo(11), "3.90", { description: "Coffee" }),
      debit(daysAgo(12), "4.10", { description: "Coffee" }),
      debit(daysAgo(40), "4.00", { description: "Coffee" }),
      debit(daysAgo(5), "82.13", { description: "Groceries" }),
      debit(daysAgo(50), "12.00", { description: "Cinema" }),
      debit(daysAgo(20), "240.00", { description: "Gym membership" }), // far outside the gym's amount band
    ];
    const written = await write(user, [...monthEnds, ...salary, ...netflix, ...cancelled, ...noise]);
    netflixIds = written.results
      .slice(monthEnds.length + salary.length, monthEnds.length + salary.length + netflix.length)
      .map((r) => r.id ?? "");
    expect(await streams(user)).toEqual([]); // nothing is detected on the read path
    await deliver(user);
  });

  it("finds exactly the subscriptions and the salary; noise forms no stream", async () => {
    expect((await streams(user)).map((s) => [s.key, s.frequency, s.transaction_type])).toEqual([
      ["acme payroll ref", "weekly", "credit"],
      ["gym membership", "monthly", "debit"],
      ["netflix", "monthly", "debit"],
      ["old magazine", "monthly", "debit"],
    ]);
  });

  it("month-end payments are one monthly stream on the last day", async () => {
    const gym = (await streams(user)).find((s) => s.key === "gym membership");
    expect(gym).toMatchObject({
      occurrences: 5,
      first_date: monthEnd(5),
      last_date: monthEnd(1),
      predicted_next_date: monthEnd(0),
      average_amount: "9.99",
      last_amount_change: "0.00",
      status: "mature",
      missed: false,
    });
  });

  it("a weekly salary with one missed week stays weekly", async () => {
    const salary = (await streams(user)).find((s) => s.transaction_type === "credit");
    expect(salary).toMatchObject({
      occurrences: 9,
      last_date: daysAgo(7),
      predicted_next_date: daysAgo(0),
      status: "mature",
      missed: false,
    });
  });

  it("a price change shows in last_amount and last_amount_change; ids are the latest first", async () => {
    const netflix = (await streams(user)).find((s) => s.key === "netflix");
    // (15.99 × 3 + 17.99 × 2) / 5 = 16.79; (17.99 − 16.79) / 16.79 = 7.147…%
    expect(netflix).toMatchObject({ average_amount: "16.79", last_amount: "17.99", last_amount_change: "7.15", occurrences: 5 });
    expect(netflix?.transaction_ids).toEqual([...netflixIds].reverse());
  });

  it("a cancelled subscription is tombstoned and missed", async () => {
    const old = (await streams(user)).find((s) => s.key === "old magazine");
    expect(old).toMatchObject({ status: "tombstoned", missed: true, occurrences: 4 });
  });

  it("filters by status and transaction_type", async () => {
    expect((await streams(user, "?status=tombstoned")).map((s) => s.key)).toEqual(["old magazine"]);
    expect((await streams(user, "?transaction_type=credit")).map((s) => s.key)).toEqual(["acme payroll ref"]);
    expect((await streams(user, "?status=early_detection")).map((s) => s.key)).toEqual([]);
    expect(await validationPaths(await call(`${RECURRING}?status=active`, authed(user.token)))).toEqual(["status"]);
  });

  it("a new write is picked up by the next batch; redelivery changes nothing", async () => {
    const before = await streams(user);
    await write(user, [debit(daysAgo(0), "9.99", { description: "Weekly Box" }), debit(daysAgo(7), "9.99", { description: "Weekly Box" })]);
    expect(await streams(user)).toEqual(before); // still the stored streams until the consumer runs
    await deliver(user);
    const after = await streams(user);
    expect(after.find((s) => s.key === "weekly box")).toMatchObject({ frequency: "weekly", occurrences: 2, status: "early_detection" });
    const { outcome } = await deliver(user);
    expect(outcome.upToDate).toEqual([user.id]);
    expect(await streams(user)).toEqual(after);
  });

  it("another user sees none of them; no token is a 401", async () => {
    const other = await newUser("recurring");
    await write(other, [debit(daysAgo(1), "1.00")]);
    await deliver(other, user);
    expect(await streams(other)).toEqual([]);
    await expectProblem(await call(RECURRING), 401);
  });

  it("detects in the user's time zone after a zone change", async () => {
    const zoned = await newUser("recurring");
    // 02:00Z on the 1st is the evening of the month's last day in New York.
    const items = [4, 3, 2, 1].map((n) => debit(`${monthDay(n - 1, 1)}T02:00:00Z`, "30.00", { description: "Phone bill" }));
    await write(zoned, items);
    await deliver(zoned);
    expect((await streams(zoned))[0]?.last_date).toBe(monthDay(0, 1));
    await json(await call("/api/v1/user/me", jsonInit("PATCH", { time_zone: "America/New_York" }, zoned.token)), 200);
    await deliver(zoned);
    expect((await streams(zoned))[0]).toMatchObject({ frequency: "monthly", last_date: monthEnd(1) });
  });

  it("stores every stream of a user with many (more than a compound SELECT may hold)", async () => {
    const busy = await newUser("recurring");
    const names = ["Rent", "Phone", "Music", "Video", "Gym", "Cloud", "Insurance", "Newspaper"];
    await write(
      busy,
      names.flatMap((name, i) => [4, 3, 2, 1].map((n) => debit(monthDay(n, i + 2), `${10 + i}.00`, { description: name }))),
    );
    const { outcome } = await deliver(busy);
    expect(outcome.retried).toEqual([]);
    expect((await streams(busy)).map((s) => [s.key, s.frequency])).toEqual(names.map((n) => [n.toLowerCase(), "monthly"]).sort());
  });
});
