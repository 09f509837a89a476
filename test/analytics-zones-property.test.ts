import { createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consumeAnalyticsBatch } from "../src/analytics/queue";
import {
  analyticsState,
  authed,
  bruteForceAnalytics,
  call,
  json,
  jsonInit,
  type OracleLocal,
  type OracleRow,
  omitKeys,
  setFault,
  shardFor,
} from "./harness";

/**
 * Property: in random zones (half- and quarter-hour offsets, Lord Howe's 30-minute DST, +14 and -12,
 * New York's DST days), every day-based figure equals a brute force that reads each row's local date
 * straight from Intl: through the `tz` parameter (rollups folded in SQL), the profile zone before the
 * snapshot exists (rollups) and after the consumer stored it (snapshot), with and without from/to.
 */

const ZONES = [
  "UTC",
  "Asia/Kolkata",
  "Asia/Kathmandu",
  "Asia/Katmandu",
  "Australia/Lord_Howe",
  "Pacific/Kiritimati",
  "Etc/GMT+12",
  "America/New_York",
  "America/Santiago",
  "Pacific/Chatham",
  "Europe/London",
] as const;

// DST changes (New York 2026-03-08 07:00Z and 2026-11-01 06:00Z, Lord Howe 2026-04-04 15:00Z and 2026-10-03 15:30Z),
// local midnights next to them and in the odd-offset zones, a year end and a month end. Most rows land within
// 90 minutes of an anchor (where a wrong offset changes the day), the rest up to 36 h away.
const ANCHORS = [
  "2026-03-08T07:00:00Z",
  "2026-03-08T05:00:00Z", // New York midnight, EST
  "2026-03-09T04:00:00Z", // New York midnight, EDT
  "2026-11-01T06:00:00Z",
  "2026-11-01T04:00:00Z",
  "2026-11-02T05:00:00Z",
  "2026-04-04T15:00:00Z",
  "2026-04-04T13:00:00Z", // Lord Howe midnight, +11
  "2026-04-05T13:30:00Z", // Lord Howe midnight, +10:30
  "2026-10-03T13:30:00Z",
  "2026-10-04T13:00:00Z",
  "2026-03-07T18:15:00Z", // Kathmandu midnight
  "2026-03-07T18:30:00Z", // Kolkata midnight
  "2026-03-07T10:00:00Z", // Kiritimati midnight
  "2026-03-08T12:00:00Z", // Etc/GMT+12 midnight
  "2026-04-04T14:15:00Z", // Chatham midnight, +12:45 (after its April change)
  "2025-12-31T12:00:00Z",
  "2026-02-28T12:00:00Z",
].map((s) => Date.parse(s));

const rowArb = fc.record({
  anchor: fc.constantFrom(...ANCHORS),
  minutes: fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: -90, max: 90 }) },
    { weight: 1, arbitrary: fc.integer({ min: -36 * 60, max: 36 * 60 }) },
  ),
  seconds: fc.integer({ min: 0, max: 59 }),
  dateOnly: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
  currency: fc.constantFrom("USD", "USD", "JPY"),
  type: fc.constantFrom("credit", "debit"),
  minor: fc.integer({ min: 1, max: 50_000 }),
});
type Row = typeof rowArb extends fc.Arbitrary<infer T> ? T : never;

function toItem(r: Row) {
  const ms = r.anchor + r.minutes * 60_000 + r.seconds * 1000;
  const iso = new Date(ms).toISOString();
  const amount = r.currency === "JPY" ? String(r.minor) : `${Math.floor(r.minor / 100)}.${String(r.minor % 100).padStart(2, "0")}`;
  return {
    transaction_amount: amount,
    transaction_type: r.type,
    currency: r.currency,
    transaction_date: r.dateOnly ? iso.slice(0, 10) : iso,
  };
}

let counter = 0;

async function signUp(zone: string, weekStart: "monday" | "sunday") {
  const username = `zones_${++counter}_${crypto.randomUUID().slice(0, 8)}`;
  const body = { username, password: "correct horse battery", full_name: "Zone Tester", time_zone: zone, week_start: weekStart };
  const profile = await json<{ id: string; time_zone: string }>(await call("/api/v1/user/sign_up", jsonInit("POST", body)), 201);
  const login = await json<{ access_token: string }>(
    await call("/api/v1/user/login", jsonInit("POST", { username, password: body.password })),
    200,
  );
  return { id: profile.id, token: login.access_token };
}

async function rawRows(userId: string): Promise<OracleRow[]> {
  const { results } = await (await shardFor(userId))
    .prepare(
      "SELECT transaction_date, CAST(amount_minor AS TEXT) AS amount_minor, currency, transaction_type, date_only FROM transactions WHERE user_id = ?",
    )
    .bind(userId)
    .all<Omit<OracleRow, "date_only"> & { date_only: number }>();
  return results.map((r) => ({ ...r, date_only: r.date_only === 1 }));
}

async function figures(token: string, query: Record<string, string>) {
  const body = await json<Record<string, unknown>>(
    await call(`/api/v1/transaction/analytics/me?${new URLSearchParams(query)}`, authed(token)),
    200,
  );
  const rest = omitKeys(body, ["user_id", "computed_at", "stale", "time_zone"]);
  return { time_zone: body.time_zone, rest };
}

beforeAll(() => setFault("queue_send_fail", "1")); // the test delivers the batch itself
afterAll(() => setFault("queue_send_fail", null));

describe("analytics in local days", () => {
  it("equal an Intl brute force in random zones, from the rollups and from the snapshot", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowArb, { minLength: 1, maxLength: 40 }),
        fc.constantFrom(...ZONES),
        fc.constantFrom(...ZONES),
        fc.constantFrom("monday", "sunday") as fc.Arbitrary<"monday" | "sunday">,
        fc.option(fc.tuple(fc.constantFrom(...ANCHORS), fc.integer({ min: -2, max: 1 }), fc.integer({ min: 0, max: 2 }))),
        async (rows, profileZone, otherZone, weekStart, range) => {
          const user = await signUp(profileZone, weekStart);
          await json(await call("/api/v1/transaction/bulk", jsonInit("POST", { transactions: rows.map(toItem) }, user.token)), 201);
          const raw = await rawRows(user.id);
          const expectIn = async (label: string, zone: string, query: Record<string, string>, local: OracleLocal) => {
            for (const currency of [undefined, "JPY"]) {
              const q = currency ? { ...query, currency } : query;
              const got = await figures(user.token, q);
              expect(got.time_zone, label).toBe(zone);
              expect(got.rest, `${label} ${JSON.stringify(q)}`).toStrictEqual(
                bruteForceAnalytics(raw, currency, [], { weekStart, ...local }),
              );
            }
          };
          await expectIn("tz, rollups", otherZone, { tz: otherZone }, { zone: otherZone });
          await expectIn("profile zone, snapshot behind", profileZone, {}, { zone: profileZone });
          if (range) {
            const [anchor, startShift, length] = range;
            const from = new Date(anchor + startShift * 86_400_000).toISOString().slice(0, 10);
            const to = new Date(anchor + (startShift + length) * 86_400_000).toISOString().slice(0, 10);
            await expectIn("tz with from/to", otherZone, { tz: otherZone, from, to }, { zone: otherZone, from, to });
            await expectIn("profile with from/to", profileZone, { from, to }, { zone: profileZone, from, to });
          }
          const state = await analyticsState(user.id);
          const batch = createMessageBatch("finanalyze-analytics", [
            { id: `zones-${counter}`, timestamp: new Date(), attempts: 1, body: { user_id: user.id, version: state?.version ?? 0 } },
          ]);
          expect((await consumeAnalyticsBatch(batch, env)).recomputed).toEqual([user.id]);
          const stored = await (await shardFor(user.id))
            .prepare("SELECT snapshot_zone FROM analytics_state WHERE user_id = ?")
            .bind(user.id)
            .first<{ snapshot_zone: string }>();
          expect(stored?.snapshot_zone).toBe(profileZone);
          await expectIn("profile zone, snapshot", profileZone, {}, { zone: profileZone });
          await expectIn("tz after the snapshot", otherZone, { tz: otherZone }, { zone: otherZone });
        },
      ),
      { numRuns: 30 },
    );
  }, 120_000);
});
