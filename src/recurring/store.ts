import { type SQL, sql } from "drizzle-orm";
import { runBatch } from "../db/batch";
import type { Database } from "../db/client";
import { localDate } from "../lib/time-zones";
import { detectStreams, type RecurringInput } from "./detect";
import { asOf, type StoredStream } from "./status";

/**
 * Recurring streams: detected in the queue consumer after writes (coalesced per user by the analytics
 * counter, like the snapshot), stored one row per stream; the read endpoint is one small query.
 */

/** History the detector looks at: enough for three annual payments and a bit. */
export const HISTORY_DAYS = 3 * 366 + 31;
/** Newest rows read at most (a bound on consumer work for very large histories). */
export const MAX_ROWS = 50_000;
const PAGE_ROWS = 5_000;
/** Per stream: user_id, id, transaction_type, body = 4 parameters; D1 binds at most 100 per statement. */
const STREAMS_PER_INSERT = 24;

interface InputRow {
  id: string;
  transaction_date: string;
  date_only: number;
  amount_minor: number;
  currency: string;
  transaction_type: "credit" | "debit";
  merchant: string | null;
  description: string | null;
}

/** The user's recent non-failed transactions, newest first, read in keyset pages. */
async function loadHistory(db: Database, userId: string, now: number): Promise<RecurringInput[]> {
  const cutoff = new Date(now - HISTORY_DAYS * 86_400_000).toISOString();
  const out: RecurringInput[] = [];
  let after: { date: string; id: string } | null = null;
  while (out.length < MAX_ROWS) {
    const page: InputRow[] = await db.all<InputRow>(sql`
      SELECT id, transaction_date, date_only, amount_minor, currency, transaction_type, merchant, description
      FROM transactions
      WHERE user_id = ${userId} AND transaction_date >= ${cutoff} AND status != 'failed'
        ${after ? sql`AND (transaction_date, id) < (${after.date}, ${after.id})` : sql``}
      ORDER BY transaction_date DESC, id DESC LIMIT ${Math.min(PAGE_ROWS, MAX_ROWS - out.length)}`);
    for (const r of page) {
      out.push({
        id: r.id,
        date: r.transaction_date,
        date_only: r.date_only === 1,
        amount_minor: BigInt(r.amount_minor),
        currency: r.currency,
        transaction_type: r.transaction_type,
        merchant: r.merchant,
        description: r.description,
      });
    }
    const last = page.at(-1);
    if (!last || page.length < PAGE_ROWS) break;
    after = { date: last.transaction_date, id: last.id };
  }
  return out;
}

/** A copy of `value` without `keys`. */
function omit<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Omit<T, K> {
  return Object.fromEntries(Object.entries(value).filter(([k]) => !keys.includes(k as K))) as Omit<T, K>;
}

const stored = (stream: ReturnType<typeof detectStreams>[number]): StoredStream =>
  omit(stream, ["average_amount_minor", "last_amount_minor"]);

/** Whether streams detected at `version` or later are already stored (then a message needs no work). */
export async function streamsCover(db: Database, userId: string, version: number): Promise<boolean> {
  const row = await db.get<{ version: number } | undefined>(sql`SELECT version FROM recurring_state WHERE user_id = ${userId}`);
  return row !== undefined && row.version >= version;
}

/**
 * Detects the user's streams in their profile zone and replaces the stored ones, in one batch guarded by
 * the counter value read first: an older detection never overwrites a newer one, so redelivery is harmless.
 */
export async function refreshStreams(db: Database, userId: string, now = Date.now()): Promise<{ version: number; streams: number } | null> {
  const profile = await db.get<{ time_zone: string; version: number | null } | undefined>(sql`
    SELECT u.time_zone, a.version FROM users u LEFT JOIN analytics_state a ON a.user_id = u.id WHERE u.id = ${userId}`);
  if (!profile) return null;
  const version = profile.version ?? 0;
  const streams = detectStreams(await loadHistory(db, userId, now), { zone: profile.time_zone, now }).map(stored);
  const newer = sql`NOT EXISTS (SELECT 1 FROM recurring_state WHERE user_id = ${userId} AND version >= ${version})`;
  const statements: SQL[] = [sql`DELETE FROM recurring_streams WHERE user_id = ${userId} AND ${newer}`];
  for (let i = 0; i < streams.length; i += STREAMS_PER_INSERT) {
    // One VALUES list, not SELECT … UNION ALL: D1 caps a compound SELECT at a few terms (a user with 7 streams
    // failed every detection), while a VALUES list is bounded only by the bound parameters.
    const rows = streams
      .slice(i, i + STREAMS_PER_INSERT)
      .map((s) => sql`(${userId}, ${s.id}, ${s.transaction_type}, ${JSON.stringify(s)})`);
    statements.push(sql`
      INSERT INTO recurring_streams (user_id, id, transaction_type, body)
      SELECT * FROM (VALUES ${sql.join(rows, sql`, `)}) WHERE ${newer}`);
  }
  statements.push(sql`
    INSERT INTO recurring_state (user_id, version, computed_at) VALUES (${userId}, ${version}, ${new Date(now).toISOString()})
    ON CONFLICT (user_id) DO UPDATE SET version = excluded.version, computed_at = excluded.computed_at
    WHERE recurring_state.version < excluded.version`);
  await runBatch(db, statements);
  return { version, streams: streams.length };
}

export interface StreamFilters {
  status?: "early_detection" | "mature" | "tombstoned";
  transaction_type?: "credit" | "debit";
}

/**
 * The read: one query on the caller's stored streams, with the counter values that say whether they lag
 * (then the handler queues a detection, as the analytics read does for a lagging snapshot). `status` and
 * `missed` are judged as of today in the profile's zone (read in the same query).
 */
export async function readStreams(db: Database, userId: string, filters: StreamFilters, now = Date.now()) {
  const rows = await db.all<{ body: string | null; detected: number | null; current: number; zone: string }>(sql`
    SELECT s.body, r.version AS detected, a.version AS current, (SELECT time_zone FROM users WHERE id = a.user_id) AS zone
    FROM analytics_state a
      LEFT JOIN recurring_state r ON r.user_id = a.user_id
      LEFT JOIN recurring_streams s ON s.user_id = a.user_id
        ${filters.transaction_type ? sql`AND s.transaction_type = ${filters.transaction_type}` : sql``}
    WHERE a.user_id = ${userId}`);
  const today = localDate(now, rows[0]?.zone ?? "UTC");
  const streams = rows
    .flatMap((r) => (r.body === null ? [] : [JSON.parse(r.body) as StoredStream]))
    .map((stream) => ({ ...omit(stream, ["interval_days", "tolerance_days"]), ...asOf(stream, today) }))
    .filter((s) => filters.status === undefined || s.status === filters.status)
    .sort((a, b) => (a.key !== b.key ? (a.key < b.key ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const first = rows[0];
  const laggingVersion = first && (first.detected ?? -1) < first.current ? first.current : null;
  return { streams, laggingVersion };
}

/** Users whose stored streams lag their analytics counter (a lost message), for the cron sweep. */
export async function usersWithStaleStreams(db: Database, limit: number): Promise<string[]> {
  const rows = await db.all<{ user_id: string }>(sql`
    SELECT a.user_id FROM analytics_state a LEFT JOIN recurring_state r ON r.user_id = a.user_id
    WHERE r.version IS NULL OR r.version < a.version LIMIT ${limit}`);
  return rows.map((r) => r.user_id);
}
