import { type SQL, sql } from "drizzle-orm";
import { runBatch } from "../db/batch";
import type { Database } from "../db/client";
import { nextDayStart } from "../lib/dates";
import { type DayRollup, deserializeSummary, type Summary, summarize } from "./compute";
import { type CategoryInfo, isExcluded, type MerchantRollup } from "./labels";

interface RollupRow {
  currency: string;
  day: string;
  category_id: string;
  tx_count: number;
  credit: string;
  debit: string;
}

interface StateRow {
  version: number;
  snapshot: string | null;
  snapshot_version: number;
  computed_at: string | null;
}

export interface DayRange {
  from?: string; // inclusive "YYYY-MM-DD"
  toExclusive?: string; // exclusive "YYYY-MM-DD"
}

/** Turns the inclusive query days into the half-open range the rollup query uses. */
export function dayRange(query: { from?: string; to?: string }): DayRange {
  return { from: query.from, toExclusive: query.to ? nextDayStart(query.to).slice(0, 10) : undefined };
}

// Sums are read as text so values beyond 2^53 stay exact.
function rollupQuery(userId: string, range: DayRange = {}, only: SQL = sql``): SQL {
  return sql`
    SELECT currency, day, category_id, tx_count, CAST(credit_minor AS TEXT) AS credit, CAST(debit_minor AS TEXT) AS debit
    FROM daily_rollups WHERE user_id = ${userId} AND tx_count > 0 ${dayBounds(range)} ${only}`;
}

const dayBounds = (range: DayRange) =>
  sql`${range.from ? sql`AND day >= ${range.from}` : sql``} ${range.toExclusive ? sql`AND day < ${range.toExclusive}` : sql``}`;

/** Merchant totals per currency over the range, leaving out excluded categories (bounded by days x merchants). */
function merchantQuery(userId: string, range: DayRange = {}, only: SQL = sql``): SQL {
  return sql`
    SELECT currency, merchant, tx_count, CAST(debit_minor AS TEXT) AS debit
    FROM merchant_rollups WHERE user_id = ${userId} AND tx_count > 0 ${dayBounds(range)}
      AND category_id NOT IN (SELECT id FROM categories WHERE user_id = ${userId} AND exclude_from_analytics = 1) ${only}`;
}

/** The caller's categories: names and parents are joined when answering, exclusion applied when summarising. */
export const categoriesQuery = (userId: string) =>
  sql`SELECT id, name, parent_id, exclude_from_analytics FROM categories WHERE user_id = ${userId}`;

const stateQuery = (userId: string) =>
  sql`SELECT version, snapshot, snapshot_version, computed_at FROM analytics_state WHERE user_id = ${userId}`;

function toDayRollups(rows: RollupRow[]): DayRollup[] {
  return rows.map((r) => ({
    currency: r.currency,
    day: r.day,
    categoryId: r.category_id,
    count: r.tx_count,
    credit: BigInt(r.credit),
    debit: BigInt(r.debit),
  }));
}

type MerchantRow = { currency: string; merchant: string; tx_count: number; debit: string };

function toMerchantRollups(rows: MerchantRow[]): MerchantRollup[] {
  return rows.map((r) => ({ currency: r.currency, merchant: r.merchant, count: r.tx_count, debit: BigInt(r.debit) }));
}

/** The change counter, categories and rollups read in one batch, i.e. one consistent view of the database. */
export async function loadConsistent(db: Database, userId: string, range?: DayRange) {
  const [state, categoryRows, rollups, merchants] = await runBatch(db, [
    stateQuery(userId),
    categoriesQuery(userId),
    rollupQuery(userId, range),
    merchantQuery(userId, range),
  ]);
  const stateRow = (state?.results[0] as StateRow | undefined) ?? null;
  const categories = (categoryRows?.results ?? []) as CategoryInfo[];
  return {
    version: stateRow?.version ?? 0,
    summary: summarizeRows(rollups?.results ?? [], merchants?.results ?? [], categories),
    categories,
  };
}

/** Rollup and merchant rows folded into a summary, leaving out the excluded categories. */
function summarizeRows(rollups: unknown[], merchants: unknown[], categories: CategoryInfo[]): Summary {
  const excluded = new Set(categories.filter(isExcluded).map((c) => c.id));
  return summarize(toDayRollups(rollups as RollupRow[]), toMerchantRollups(merchants as MerchantRow[]), excluded);
}

export interface AnalyticsRead {
  summary: Summary;
  categories: CategoryInfo[];
  computedAt: string;
  /** True when the stored snapshot was behind and the answer came from the rollups instead. */
  snapshotBehind: boolean;
  version: number;
  /** Whether D1 answered from the primary (false: a read replica, which may lag). */
  servedByPrimary: boolean;
}

/**
 * The read path, one D1 round trip: the state row and, in the same batch, the per-day rollups, which
 * SQL returns only when they are needed (a date range, or a snapshot that has not seen every write,
 * i.e. its version is behind the counter). Normal case: the stored snapshot. Never the raw transactions.
 */
export async function readAnalytics(db: Database, userId: string, range: DayRange): Promise<AnalyticsRead> {
  const now = new Date().toISOString();
  const ranged = Boolean(range.from || range.toExclusive);
  // One round trip: the rollups come along only when they will be needed (a range, or a lagging snapshot).
  const only = ranged
    ? sql``
    : sql`AND EXISTS (SELECT 1 FROM analytics_state s
        WHERE s.user_id = ${userId} AND (s.snapshot IS NULL OR s.snapshot_version < s.version))`;
  const [state, categoryRows, rollups, merchants] = await runBatch(db, [
    stateQuery(userId),
    categoriesQuery(userId),
    rollupQuery(userId, range, only),
    merchantQuery(userId, range, only),
  ]);
  const servedByPrimary = state?.meta.served_by_primary !== false;
  const stateRow = (state?.results[0] as StateRow | undefined) ?? null;
  const version = stateRow?.version ?? 0;
  const categories = (categoryRows?.results ?? []) as CategoryInfo[];
  const fromRollups = () => summarizeRows(rollups?.results ?? [], merchants?.results ?? [], categories);
  if (ranged) return { summary: fromRollups(), categories, computedAt: now, snapshotBehind: false, version, servedByPrimary };
  if (!stateRow) return { summary: new Map(), categories, computedAt: now, snapshotBehind: false, version: 0, servedByPrimary };
  if (stateRow.snapshot !== null && stateRow.snapshot_version >= stateRow.version) {
    return {
      summary: deserializeSummary(stateRow.snapshot),
      categories,
      computedAt: stateRow.computed_at ?? now,
      snapshotBehind: false,
      version,
      servedByPrimary,
    };
  }
  return { summary: fromRollups(), categories, computedAt: now, snapshotBehind: true, version, servedByPrimary };
}
