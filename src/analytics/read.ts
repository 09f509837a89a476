import { type SQL, sql } from "drizzle-orm";
import { runBatch } from "../db/batch";
import type { Database } from "../db/client";
import { type DayRollup, deserializeSummary, type Summary, summarize } from "./compute";
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

interface RollupRow {
  currency: string;
  local_day: string;
  category_id: string;
  tx_count: number;
  credit: string;
  debit: string;
}

type MerchantRow = { currency: string; merchant: string; tx_count: number; debit: string };

interface StateRow {
  version: number;
  snapshot: string | null;
  snapshot_version: number;
  snapshot_zone: string | null;
  computed_at: string | null;
}

/** Local days `from` … `to` (inclusive "YYYY-MM-DD") of the zone being read; either may be open. */
export type DayRange = LocalRange;

const UTC_SEGMENTS: OffsetSegment[] = [{ bucket: "0000-01-01T00:00", offset: 0 }];
const MAX_ATTEMPTS = 3;

/**
 * `when` as a one-row gate joined first: SQLite scans the rollups only when it holds. (As a WHERE term, its
 * subqueries made it a per-row check: every analytics read walked the user's rollups, 27,676 rows for a
 * 100,000-transaction history, to return nothing while the snapshot answered.) LIMIT keeps it from being flattened.
 */
const gate = (when?: SQL) => (when ? sql`(SELECT 1 WHERE ${when} LIMIT 1) AS needed CROSS JOIN ` : sql``);

/**
 * Grouped by local day in SQL, so D1 returns days, not buckets. With very many offset changes (a history over
 * centuries in a DST zone) the rows come per bucket and are folded in JS instead. Sums are read as text so
 * values beyond 2^53 stay exact. `when` can make the rows conditional (on a lagging snapshot).
 */
function rollupQuery(userId: string, segments: readonly OffsetSegment[], zone: string, range: DayRange, when?: SQL): SQL {
  const inSql = segments.length <= MAX_SQL_SEGMENTS;
  return sql`
    SELECT currency, ${inSql ? localDaySql(segments) : sql.raw("day")} AS local_day, category_id, SUM(tx_count) AS tx_count,
      CAST(SUM(credit_minor) AS TEXT) AS credit, CAST(SUM(debit_minor) AS TEXT) AS debit
    FROM ${gate(when)}daily_rollups WHERE user_id = ${userId} AND tx_count > 0 ${localRangeSql(range, zone)}
    GROUP BY 1, 2, 3`;
}

/** Merchant totals per currency over the range, leaving out excluded categories (bounded by buckets x merchants). */
function merchantQuery(userId: string, zone: string, range: DayRange, when?: SQL): SQL {
  return sql`
    SELECT currency, merchant, tx_count, CAST(debit_minor AS TEXT) AS debit
    FROM ${gate(when)}merchant_rollups WHERE user_id = ${userId} AND tx_count > 0 ${localRangeSql(range, zone)}
      AND category_id NOT IN (SELECT id FROM categories WHERE user_id = ${userId} AND exclude_from_analytics = 1)`;
}

/** The UTC dates holding quarter-hour keys in the range: the only dates whose offsets matter. */
const keyDays = (userId: string, zone: string, range: DayRange) =>
  sql`SELECT DISTINCT substr(day, 1, 10) AS d FROM daily_rollups
    WHERE user_id = ${userId} AND tx_count > 0 AND length(day) = 16 ${localRangeSql(range, zone)}`;

/** The same dates' fingerprint (count, sum of day numbers), read inside the batch to notice a write meanwhile. */
const keyDaysCheck = (userId: string, zone: string, range: DayRange) =>
  sql`SELECT COUNT(*) AS n, COALESCE(SUM(unixepoch(d) / 86400), 0) AS s FROM (${keyDays(userId, zone, range)})`;

/** The caller's categories: names and parents are joined when answering, exclusion applied when summarising. */
export const categoriesQuery = (userId: string) =>
  sql`SELECT id, name, parent_id, exclude_from_analytics FROM categories WHERE user_id = ${userId}`;

const stateQuery = (userId: string) =>
  sql`SELECT version, snapshot, snapshot_version, snapshot_zone, computed_at FROM analytics_state WHERE user_id = ${userId}`;

export const profileZoneQuery = (userId: string) => sql`SELECT time_zone FROM users WHERE id = ${userId}`;

/** Rollup and merchant rows folded into a summary, leaving out the excluded categories. */
function summarizeRows(rows: RollupRow[], segments: readonly OffsetSegment[], merchants: unknown[], categories: CategoryInfo[]): Summary {
  const excluded = new Set(categories.filter(isExcluded).map((c) => c.id));
  const days: DayRollup[] = rows.map((r) => ({
    currency: r.currency,
    day: segments.length > MAX_SQL_SEGMENTS ? localDayOf(r.local_day, segments) : r.local_day,
    categoryId: r.category_id,
    count: r.tx_count,
    credit: BigInt(r.credit),
    debit: BigInt(r.debit),
  }));
  const merchantRollups: MerchantRollup[] = (merchants as MerchantRow[]).map((r) => ({
    currency: r.currency,
    merchant: r.merchant,
    count: r.tx_count,
    debit: BigInt(r.debit),
  }));
  return summarize(days, merchantRollups, excluded);
}

/**
 * The change counter, categories, profile zone and rollups (folded into local days of `zone`) read in one
 * batch, i.e. one consistent view of the database. Outside UTC the offsets are read for the dates holding
 * keys, listed just before; if a write added or removed such a date meanwhile, the batch is read again.
 */
export async function loadConsistent(db: Database, userId: string, zone: string, range: DayRange = {}) {
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
    const summary = summarizeRows((rollups?.results ?? []) as RollupRow[], segments, merchants?.results ?? [], categories);
    const profileZone = (profile?.results[0] as { time_zone: string } | undefined)?.time_zone ?? null;
    const servedByPrimary = state?.meta.served_by_primary !== false;
    return { version: stateRow?.version ?? 0, summary, categories, profileZone, servedByPrimary };
  }
}

export interface AnalyticsRead {
  summary: Summary;
  categories: CategoryInfo[];
  /** The zone whose local days the answer uses: `tz`, else the profile's. */
  zone: string;
  computedAt: string;
  /** True when the profile zone's snapshot was behind and the answer came from the rollups instead. */
  snapshotBehind: boolean;
  version: number;
  /** Whether D1 answered from the primary (false: a read replica, which may lag). */
  servedByPrimary: boolean;
}

export interface ReadOptions {
  /** The `tz` parameter: the zone whose local days the answer uses; absent: the caller's profile zone. */
  tz?: string;
  range: DayRange;
}

/**
 * Parsed snapshots per isolate: user → the last one read, identified by its snapshot_version, computed_at and zone.
 * Bounded by users and by the snapshots' total text length (oldest out first), so memory stays small whatever the histories.
 */
export const SNAPSHOTS_CACHED = 100;
export const SNAPSHOT_CACHE_CHARS = 2_000_000;
interface ParsedSnapshot {
  version: number;
  computedAt: string;
  zone: string;
  summary: Summary;
  chars: number;
}
const parsedSnapshots = new Map<string, ParsedSnapshot>();
let cachedChars = 0;

function rememberSnapshot(userId: string, entry: ParsedSnapshot): void {
  forgetSnapshot(userId);
  if (entry.chars > SNAPSHOT_CACHE_CHARS) return;
  while (parsedSnapshots.size >= SNAPSHOTS_CACHED || cachedChars + entry.chars > SNAPSHOT_CACHE_CHARS) {
    forgetSnapshot(parsedSnapshots.keys().next().value as string);
  }
  parsedSnapshots.set(userId, entry);
  cachedChars += entry.chars;
}

function forgetSnapshot(userId: string): void {
  const entry = parsedSnapshots.get(userId);
  if (!entry) return;
  parsedSnapshots.delete(userId);
  cachedChars -= entry.chars;
}

/**
 * The read path. Normal case, one D1 round trip: the state row with the profile zone and the categories,
 * plus the rollups in the same batch, which SQL returns only when they are needed and the zone is UTC (the
 * default): a date range, or a snapshot that is behind or in another zone. The stored snapshot answers when
 * it is in the zone asked for and has seen every write: constant time. Otherwise (a zone other than UTC that
 * the snapshot does not serve): the rollups folded into local days of that zone in SQL, whose cost grows with
 * buckets and days, never with transactions (more round trips, see db/round-trips.ts).
 */
export async function readAnalytics(db: Database, userId: string, options: ReadOptions): Promise<AnalyticsRead> {
  const { tz, range } = options;
  const now = new Date().toISOString();
  const ranged = Boolean(range.from || range.to);
  const zoneSql = sql`COALESCE(${tz ?? null}, (SELECT time_zone FROM users WHERE id = ${userId}))`;
  const snapshotServes = sql`EXISTS (SELECT 1 FROM analytics_state s WHERE s.user_id = ${userId} AND s.snapshot IS NOT NULL
    AND s.snapshot_version >= s.version AND s.snapshot_zone = ${zoneSql})`;
  const needed = sql`${zoneSql} = 'UTC' ${ranged ? sql`` : sql`AND NOT ${snapshotServes}`}`;
  // A snapshot this isolate has already parsed is not sent again (its text, then JSON.parse, were a large share of
  // the read): a stored snapshot only ever changes to a higher snapshot_version, and computed_at and zone pin it further.
  const known = parsedSnapshots.get(userId);
  const isKnown = known
    ? sql`(s.snapshot IS NOT NULL AND s.snapshot_version = ${known.version} AND s.computed_at = ${known.computedAt} AND s.snapshot_zone = ${known.zone})`
    : sql`0`;
  const [state, categoryRows, rollups, merchants] = await runBatch(db, [
    sql`SELECT s.version, CASE WHEN ${isKnown} THEN NULL ELSE s.snapshot END AS snapshot, COALESCE(${isKnown}, 0) AS known,
        s.snapshot_version, s.snapshot_zone, s.computed_at, ${zoneSql} AS zone
      FROM (SELECT 1) LEFT JOIN analytics_state s ON s.user_id = ${userId}`,
    categoriesQuery(userId),
    rollupQuery(userId, UTC_SEGMENTS, "UTC", range, needed),
    merchantQuery(userId, "UTC", range, needed),
  ]);
  const servedByPrimary = state?.meta.served_by_primary !== false;
  const row = state?.results[0] as (Partial<StateRow> & { zone: string; known: number }) | undefined;
  const zone = row?.zone ?? tz ?? "UTC";
  const categories = (categoryRows?.results ?? []) as CategoryInfo[];
  const version = row?.version ?? 0;
  const cached = row?.known === 1 ? known : undefined;
  const current = (row?.snapshot != null || cached !== undefined) && (row?.snapshot_version ?? 0) >= version && row?.snapshot_zone === zone;
  // Behind only matters for the zone the snapshot is kept in (the profile's): the consumer then catches up.
  const snapshotBehind = !ranged && tz === undefined && !current && row?.version != null;
  if (!ranged && current && row) {
    let summary = cached?.summary;
    if (!summary) {
      const text = row.snapshot as string;
      summary = deserializeSummary(text);
      if (row.computed_at) {
        rememberSnapshot(userId, { version: row.snapshot_version ?? 0, computedAt: row.computed_at, zone, summary, chars: text.length });
      }
    }
    return { summary, categories, zone, computedAt: row.computed_at ?? now, snapshotBehind, version, servedByPrimary };
  }
  if (zone === "UTC") {
    const summary = summarizeRows((rollups?.results ?? []) as RollupRow[], UTC_SEGMENTS, merchants?.results ?? [], categories);
    return { summary, categories, zone, computedAt: now, snapshotBehind, version, servedByPrimary };
  }
  const loaded = await loadConsistent(db, userId, zone, range);
  return { ...loaded, zone, computedAt: now, snapshotBehind };
}
