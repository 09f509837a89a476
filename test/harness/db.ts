/** Reading (and, for fault switches, setting) the local D1 behind the Worker under test. */
import { env } from "cloudflare:workers";
import type { OracleCategory, OracleRow } from "../../scripts/lib/analytics-oracle.mjs";
import { DAY_TOTALS, MERCHANT_TOTALS } from "../../src/analytics/rollup-sql";

/** Rows of a read-only query, for before/after snapshots of storage. */
export async function rows(query: string, ...params: unknown[]): Promise<Record<string, unknown>[]> {
  return (
    await env.DB.prepare(query)
      .bind(...params)
      .all<Record<string, unknown>>()
  ).results;
}

/** The application tables every suite expects to survive hostile input. */
export const APP_TABLES = ["analytics_state", "audit_log", "daily_rollups", "idempotency_keys", "login_failures", "transactions", "users"];

export async function tableNames(): Promise<string[]> {
  return (await rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")).map((r) => String(r.name));
}

/** A user's stored transactions in the shape the analytics oracle reads (amount in minor units, as text). */
export async function storedRows(userId: string): Promise<OracleRow[]> {
  return (await rows(
    `SELECT transaction_date, CAST(amount_minor AS TEXT) AS amount_minor, currency, transaction_type, category_id, merchant, date_only
     FROM transactions WHERE user_id = ?`,
    userId,
  )) as OracleRow[];
}

/** A user's categories in the shape the analytics oracle reads. */
export async function storedCategories(userId: string): Promise<OracleCategory[]> {
  return (await rows("SELECT id, name, parent_id, exclude_from_analytics FROM categories WHERE user_id = ?", userId)) as OracleCategory[];
}

export interface StateRow {
  version: number;
  snapshot_version: number;
  snapshot: string | null;
  computed_at: string | null;
}

export async function analyticsState(userId: string): Promise<StateRow | null> {
  return env.DB.prepare("SELECT version, snapshot_version, snapshot, computed_at FROM analytics_state WHERE user_id = ?")
    .bind(userId)
    .first<StateRow>();
}

/** Turns a local-only fault switch on or off (see src/dev/faults.ts). */
export async function setFault(
  name: "consumer_fail_users" | "queue_send_fail" | "webhook_retry_scale",
  value: string | null,
): Promise<void> {
  if (value === null) await env.DB.prepare("DELETE FROM fault_switches WHERE name = ?").bind(name).run();
  else await env.DB.prepare("INSERT OR REPLACE INTO fault_switches (name, value) VALUES (?, ?)").bind(name, value).run();
}

/** Polls until `check` passes or `timeoutMs` runs out (for the real, asynchronous queue). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface DayRow {
  currency: string;
  day: string;
  category_id: string;
  merchant?: string;
  tx_count: number;
  credit: string;
  debit: string;
}

async function all(query: string, userId: string): Promise<DayRow[]> {
  return (await env.DB.prepare(query).bind(userId).all<DayRow>()).results;
}

/**
 * A user's daily_rollups and merchant_rollups next to GROUP BYs of their transactions, in the same shape
 * and order (merchants lower-cased: the rollup key compares them without regard to case).
 */
export async function rollupsAndTruth(userId: string): Promise<{ rollups: DayRow[]; truth: DayRow[] }> {
  const days = await all(
    `SELECT currency, day, category_id, tx_count, CAST(credit_minor AS TEXT) AS credit, CAST(debit_minor AS TEXT) AS debit
     FROM daily_rollups WHERE user_id = ? ORDER BY currency, day, category_id`,
    userId,
  );
  const dayTruth = await all(
    `SELECT ${DAY_TOTALS} FROM transactions WHERE user_id = ? GROUP BY currency, day, category_id ORDER BY currency, day, category_id`,
    userId,
  );
  const merchants = await all(
    `SELECT currency, day, category_id, lower(merchant) AS merchant, tx_count, CAST(credit_minor AS TEXT) AS credit,
       CAST(debit_minor AS TEXT) AS debit
     FROM merchant_rollups WHERE user_id = ? ORDER BY 1, 2, 3, 4`,
    userId,
  );
  const merchantTruth = await all(
    `SELECT ${MERCHANT_TOTALS} FROM transactions WHERE user_id = ? AND merchant IS NOT NULL GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
    userId,
  );
  return { rollups: [...days, ...merchants], truth: [...dayTruth, ...merchantTruth] };
}
