import { type SQL, sql } from "drizzle-orm";
import { runBatch } from "../db/batch";
import { type Database, getDb } from "../db/client";
import { activeFaults, sendShouldFail } from "../lib/faults";
import { logEvent } from "../lib/log";
import { type DayRollup, deserializeSummary, type Summary, serializeSummary, summarize } from "./compute";
import { type CategoryInfo, isExcluded, type MerchantRollup } from "./labels";
import {
  daysFingerprint,
  type LocalRange,
  localDayOf,
  localDaySql,
  localRangeSql,
  MAX_SQL_SEGMENTS,
  type OffsetSegment,
  offsetSegmentsForDays,
} from "./local-days";

export interface AnalyticsMessage {
  user_id: string;
  version: number;
}

interface RollupRow {
  currency: string;
  local_day: string;
  category_id: string;
  tx_count: number;
  credit: string;
  debit: string;
}

interface StateRow {
  version: number;
  snapshot: string | null;
  snapshot_version: number;
  snapshot_zone: string | null;
  computed_at: string | null;
}

/** Local days `from` … `to` (inclusive "YYYY-MM-DD") of the zone being read; either may be open. */
export type DayRange = LocalRange;

/**
 * Grouped by local day in SQL, so D1 returns days, not buckets. With very many offset changes (a history over
 * centuries in a DST zone) the rows come per bucket and are folded in JS instead. Sums are read as text so
 * values beyond 2^53 stay exact.
 */
function rollupQuery(userId: string, segments: readonly OffsetSegment[], zone: string, range: DayRange = {}): SQL {
  const inSql = segments.length <= MAX_SQL_SEGMENTS;
  return sql`
    SELECT currency, ${inSql ? localDaySql(segments) : sql.raw("day")} AS local_day, category_id, SUM(tx_count) AS tx_count,
      CAST(SUM(credit_minor) AS TEXT) AS credit, CAST(SUM(debit_minor) AS TEXT) AS debit
    FROM daily_rollups WHERE user_id = ${userId} AND tx_count > 0 ${localRangeSql(range, zone)}
    GROUP BY 1, 2, 3`;
}

/** The UTC dates holding quarter-hour keys in the range: the only dates whose offsets matter. */
const keyDays = (userId: string, zone: string, range: DayRange) =>
  sql`SELECT DISTINCT substr(day, 1, 10) AS d FROM daily_rollups
    WHERE user_id = ${userId} AND tx_count > 0 AND length(day) = 16 ${localRangeSql(range, zone)}`;

/** The same dates' fingerprint (count, sum of day numbers), read inside the batch to notice a write meanwhile. */
const keyDaysCheck = (userId: string, zone: string, range: DayRange) =>
  sql`SELECT COUNT(*) AS n, COALESCE(SUM(unixepoch(d) / 86400), 0) AS s FROM (${keyDays(userId, zone, range)})`;

/** Merchant totals per currency over the range, leaving out excluded categories (bounded by buckets x merchants). */
function merchantQuery(userId: string, zone: string, range: DayRange = {}): SQL {
  return sql`
    SELECT currency, merchant, tx_count, CAST(debit_minor AS TEXT) AS debit
    FROM merchant_rollups WHERE user_id = ${userId} AND tx_count > 0 ${localRangeSql(range, zone)}
      AND category_id NOT IN (SELECT id FROM categories WHERE user_id = ${userId} AND exclude_from_analytics = 1)`;
}

/** The caller's categories: names and parents are joined when answering, exclusion applied when summarising. */
export const categoriesQuery = (userId: string) =>
  sql`SELECT id, name, parent_id, exclude_from_analytics FROM categories WHERE user_id = ${userId}`;

const stateQuery = (userId: string) =>
  sql`SELECT version, snapshot, snapshot_version, snapshot_zone, computed_at FROM analytics_state WHERE user_id = ${userId}`;

const profileZoneQuery = (userId: string) => sql`SELECT time_zone FROM users WHERE id = ${userId}`;

function toDayRollups(rows: RollupRow[]): DayRollup[] {
  return rows.map((r) => ({
    currency: r.currency,
    day: r.local_day,
    categoryId: r.category_id,
    count: r.tx_count,
    credit: BigInt(r.credit),
    debit: BigInt(r.debit),
  }));
}

function toMerchantRollups(rows: { currency: string; merchant: string; tx_count: number; debit: string }[]): MerchantRollup[] {
  return rows.map((r) => ({ currency: r.currency, merchant: r.merchant, count: r.tx_count, debit: BigInt(r.debit) }));
}

const MAX_ATTEMPTS = 3;
const UTC_SEGMENTS: OffsetSegment[] = [{ bucket: "0000-01-01T00:00", offset: 0 }];

/**
 * The change counter, categories, profile zone and rollups (folded into local days of `zone`) read in one
 * batch, i.e. one consistent view of the database. The offsets are read for the dates holding keys, listed
 * just before (not needed in UTC); if a write added or removed such a date meanwhile, the batch is read again.
 */
async function loadConsistent(db: Database, userId: string, zone: string, range: DayRange = {}) {
  const listDays = async () => (await db.all<{ d: string }>(keyDays(userId, zone, range))).map((r) => r.d).sort();
  let days = zone === "UTC" ? [] : await listDays();
  for (let attempt = 1; ; attempt++) {
    const segments = zone === "UTC" ? UTC_SEGMENTS : offsetSegmentsForDays(zone, days);
    const [state, categoryRows, rollups, merchants, profile, check] = await runBatch(db, [
      stateQuery(userId),
      categoriesQuery(userId),
      rollupQuery(userId, segments, zone, range),
      merchantQuery(userId, zone, range),
      profileZoneQuery(userId),
      ...(zone === "UTC" ? [] : [keyDaysCheck(userId, zone, range)]),
    ]);
    const seen = check?.results[0] as { n: number; s: number } | undefined;
    const expected = daysFingerprint(days);
    if (seen && (seen.n !== expected.n || seen.s !== expected.s) && attempt < MAX_ATTEMPTS) {
      days = await listDays();
      continue;
    }
    const stateRow = (state?.results[0] as StateRow | undefined) ?? null;
    const categories = (categoryRows?.results ?? []) as CategoryInfo[];
    const excluded = new Set(categories.filter(isExcluded).map((c) => c.id));
    let dayRows = (rollups?.results ?? []) as RollupRow[];
    if (segments.length > MAX_SQL_SEGMENTS) dayRows = dayRows.map((r) => ({ ...r, local_day: localDayOf(r.local_day, segments) }));
    const summary = summarize(
      toDayRollups(dayRows),
      toMerchantRollups((merchants?.results ?? []) as { currency: string; merchant: string; tx_count: number; debit: string }[]),
      excluded,
    );
    const profileZone = (profile?.results[0] as { time_zone: string } | undefined)?.time_zone ?? null;
    return { version: stateRow?.version ?? 0, summary, categories, profileZone };
  }
}

export interface AnalyticsRead {
  summary: Summary;
  categories: CategoryInfo[];
  computedAt: string;
  /** True when the profile zone's snapshot was behind and the answer came from the rollups instead. */
  snapshotBehind: boolean;
  version: number;
}

export interface ReadOptions {
  /** The zone whose local days the answer uses (the `tz` parameter, else the profile's). */
  zone: string;
  /** The caller's profile zone: the only one the stored snapshot serves. */
  profileZone: string;
  range: DayRange;
}

/**
 * The read path. Normal case: the stored snapshot, when it is in the zone asked for and has seen every
 * write (its version equals the counter): constant time. Otherwise (another zone, a date range, a lagging
 * snapshot): the rollups folded into local days in SQL, whose cost grows with buckets and days, never
 * with transactions.
 */
export async function readAnalytics(db: Database, userId: string, options: ReadOptions): Promise<AnalyticsRead> {
  const { zone, profileZone, range } = options;
  const now = new Date().toISOString();
  if (range.from || range.to) {
    const { summary, version, categories } = await loadConsistent(db, userId, zone, range);
    return { summary, categories, computedAt: now, snapshotBehind: false, version };
  }
  const [stateResult, categoryRows] = await runBatch(db, [stateQuery(userId), categoriesQuery(userId)]);
  const state = stateResult?.results[0] as StateRow | undefined;
  if (!state) return { summary: new Map(), categories: [], computedAt: now, snapshotBehind: false, version: 0 };
  const snapshotCurrent = state.snapshot !== null && state.snapshot_version >= state.version;
  if (snapshotCurrent && state.snapshot_zone === zone && state.snapshot !== null) {
    return {
      summary: deserializeSummary(state.snapshot),
      categories: (categoryRows?.results ?? []) as CategoryInfo[],
      computedAt: state.computed_at ?? now,
      snapshotBehind: false,
      version: state.version,
    };
  }
  const { summary, version, categories } = await loadConsistent(db, userId, zone);
  return { summary, categories, computedAt: now, snapshotBehind: zone === profileZone && !snapshotCurrent, version };
}

/**
 * Recomputes a user's snapshot in their profile zone from the rollups and stores it with the counter value
 * and zone read in the same batch. A zone change bumps the counter in the batch that changes the zone, so
 * the conditional update never stores an older view, and redelivery is harmless.
 */
export async function recomputeSnapshot(db: Database, userId: string): Promise<{ version: number; stored: boolean }> {
  let zone = (await db.get<{ time_zone: string } | undefined>(profileZoneQuery(userId)))?.time_zone;
  for (let attempt = 0; zone !== undefined && attempt < MAX_ATTEMPTS; attempt++) {
    const { summary, version, profileZone } = await loadConsistent(db, userId, zone);
    if (profileZone !== zone) {
      zone = profileZone ?? undefined; // changed meanwhile: compute in the new zone
      continue;
    }
    const result = await db.run(sql`
      UPDATE analytics_state SET snapshot = ${serializeSummary(summary)}, snapshot_version = ${version}, snapshot_zone = ${zone},
        computed_at = ${new Date().toISOString()}
      WHERE user_id = ${userId} AND (snapshot IS NULL OR snapshot_version < ${version})`);
    return { version, stored: result.meta.changes > 0 };
  }
  return { version: 0, stored: false };
}

/** Whether the stored snapshot already covers `version` (then a message for it needs no work). */
export async function snapshotCovers(db: Database, userId: string, version: number): Promise<boolean> {
  const row = await db.get<{ snapshot_version: number; has_snapshot: number } | undefined>(
    sql`SELECT snapshot_version, snapshot IS NOT NULL AS has_snapshot FROM analytics_state WHERE user_id = ${userId}`,
  );
  return row === undefined || (row.has_snapshot === 1 && row.snapshot_version >= version);
}

/** Users whose snapshot is behind their counter, for the cron sweep (uses the partial index). */
export async function usersBehind(db: Database, limit: number): Promise<string[]> {
  const rows = await db.all<{ user_id: string }>(sql`SELECT user_id FROM analytics_state WHERE snapshot_version < version LIMIT ${limit}`);
  return rows.map((r) => r.user_id);
}

/** The statement every write batch includes: bumps the user's change counter and returns it. */
export function bumpVersion(userId: string): SQL {
  return sql`
    INSERT INTO analytics_state (user_id, version) VALUES (${userId}, 1)
    ON CONFLICT (user_id) DO UPDATE SET version = version + 1
    RETURNING version`;
}

/** The counter value a bumpVersion statement returned in a batch. */
export function versionFrom(result: D1Result | undefined): number {
  return Number((result?.results[0] as { version?: number } | undefined)?.version ?? 0);
}

/** Queues a recompute. A failed send loses nothing: the read path and the cron sweep notice the lag. */
export async function enqueueRecompute(env: Env, message: AnalyticsMessage): Promise<void> {
  try {
    if (sendShouldFail(await activeFaults(env, getDb(env.DB)))) throw new Error("injected queue send fault");
    await env.ANALYTICS_QUEUE.send(message);
  } catch (err) {
    logEvent("analytics.enqueue_failed", { user_id: message.user_id, version: message.version, error: String(err) });
  }
}
