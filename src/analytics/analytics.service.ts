import { type SQL, sql } from "drizzle-orm";
import { runBatch } from "../db/batch";
import { type Database, getDb } from "../db/client";
import { activeFaults, sendShouldFail } from "../lib/faults";
import { logEvent } from "../lib/log";
import { type DayRollup, deserializeSummary, type Summary, serializeSummary, summarize } from "./compute";
import { type CategoryInfo, isExcluded, type MerchantRollup } from "./labels";

export interface AnalyticsMessage {
  user_id: string;
  version: number;
}

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

// Sums are read as text so values beyond 2^53 stay exact.
function rollupQuery(userId: string, range: DayRange = {}): SQL {
  return sql`
    SELECT currency, day, category_id, tx_count, CAST(credit_minor AS TEXT) AS credit, CAST(debit_minor AS TEXT) AS debit
    FROM daily_rollups WHERE user_id = ${userId} AND tx_count > 0 ${dayBounds(range)}`;
}

const dayBounds = (range: DayRange) =>
  sql`${range.from ? sql`AND day >= ${range.from}` : sql``} ${range.toExclusive ? sql`AND day < ${range.toExclusive}` : sql``}`;

/** Merchant totals per currency over the range, leaving out excluded categories (bounded by days x merchants). */
function merchantQuery(userId: string, range: DayRange = {}): SQL {
  return sql`
    SELECT currency, merchant, tx_count, CAST(debit_minor AS TEXT) AS debit
    FROM merchant_rollups WHERE user_id = ${userId} AND tx_count > 0 ${dayBounds(range)}
      AND category_id NOT IN (SELECT id FROM categories WHERE user_id = ${userId} AND exclude_from_analytics = 1)`;
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

function toMerchantRollups(rows: { currency: string; merchant: string; tx_count: number; debit: string }[]): MerchantRollup[] {
  return rows.map((r) => ({ currency: r.currency, merchant: r.merchant, count: r.tx_count, debit: BigInt(r.debit) }));
}

/** The change counter, categories and rollups read in one batch, i.e. one consistent view of the database. */
async function loadConsistent(db: Database, userId: string, range?: DayRange) {
  const [state, categoryRows, rollups, merchants] = await runBatch(db, [
    stateQuery(userId),
    categoriesQuery(userId),
    rollupQuery(userId, range),
    merchantQuery(userId, range),
  ]);
  const stateRow = (state?.results[0] as StateRow | undefined) ?? null;
  const categories = (categoryRows?.results ?? []) as CategoryInfo[];
  const excluded = new Set(categories.filter(isExcluded).map((c) => c.id));
  const summary = summarize(
    toDayRollups((rollups?.results ?? []) as RollupRow[]),
    toMerchantRollups((merchants?.results ?? []) as { currency: string; merchant: string; tx_count: number; debit: string }[]),
    excluded,
  );
  return { version: stateRow?.version ?? 0, summary, categories };
}

export interface AnalyticsRead {
  summary: Summary;
  categories: CategoryInfo[];
  computedAt: string;
  /** True when the stored snapshot was behind and the answer came from the rollups instead. */
  snapshotBehind: boolean;
  version: number;
}

/**
 * The read path. Normal case: the stored snapshot, when it has seen every write (its version equals
 * the counter). Otherwise, or for a date range, the per-day rollups: never the raw transactions.
 */
export async function readAnalytics(db: Database, userId: string, range: DayRange): Promise<AnalyticsRead> {
  const now = new Date().toISOString();
  if (range.from || range.toExclusive) {
    const { summary, version, categories } = await loadConsistent(db, userId, range);
    return { summary, categories, computedAt: now, snapshotBehind: false, version };
  }
  const [stateResult, categoryRows] = await runBatch(db, [stateQuery(userId), categoriesQuery(userId)]);
  const state = stateResult?.results[0] as StateRow | undefined;
  if (!state) return { summary: new Map(), categories: [], computedAt: now, snapshotBehind: false, version: 0 };
  if (state.snapshot !== null && state.snapshot_version >= state.version) {
    return {
      summary: deserializeSummary(state.snapshot),
      categories: (categoryRows?.results ?? []) as CategoryInfo[],
      computedAt: state.computed_at ?? now,
      snapshotBehind: false,
      version: state.version,
    };
  }
  const { summary, version, categories } = await loadConsistent(db, userId);
  return { summary, categories, computedAt: now, snapshotBehind: true, version };
}

/**
 * Recomputes a user's snapshot from the rollups and stores it with the counter value read in the same
 * batch. The conditional update means a snapshot never goes backwards, so redelivery is harmless.
 */
export async function recomputeSnapshot(db: Database, userId: string): Promise<{ version: number; stored: boolean }> {
  const { summary, version } = await loadConsistent(db, userId);
  const result = await db.run(sql`
    UPDATE analytics_state SET snapshot = ${serializeSummary(summary)}, snapshot_version = ${version}, computed_at = ${new Date().toISOString()}
    WHERE user_id = ${userId} AND (snapshot IS NULL OR snapshot_version < ${version})`);
  return { version, stored: result.meta.changes > 0 };
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
