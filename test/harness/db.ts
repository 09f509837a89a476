/** Reading (and, for fault switches, setting) the local D1 behind the Worker under test. */
import { env } from "cloudflare:workers";
import type { OracleCategory, OracleRow } from "../../scripts/lib/analytics-oracle.mjs";
import { DAY_TOTALS, MERCHANT_TOTALS } from "../../src/analytics/rollup-sql";
import { allShards, shardOf } from "../../src/db/shards";

/** The shard database that holds a user's data (issue 17: users are spread over SHARD_0 ... SHARD_n). */
export function shardFor(userId: string): Promise<D1Database> {
  return shardOf(env, userId);
}

/**
 * Rows of a read-only query, for before/after snapshots of storage: on the shard of the first user id
 * among the parameters (per-user data), else on the directory.
 */
export async function rows(query: string, ...params: unknown[]): Promise<Record<string, unknown>[]> {
  const userId = params.find((p): p is string => typeof p === "string" && p.startsWith("usr_"));
  const db = userId ? await shardFor(userId) : env.DB;
  return (
    await db
      .prepare(query)
      .bind(...params)
      .all<Record<string, unknown>>()
  ).results;
}

/** Rows of a read-only query on the directory (accounts, throttle counters, slots). */
export async function directoryRows(query: string, ...params: unknown[]): Promise<Record<string, unknown>[]> {
  return (
    await env.DB.prepare(query)
      .bind(...params)
      .all<Record<string, unknown>>()
  ).results;
}

/** Rows of a query on every shard, concatenated. */
export async function allShardRows(query: string, ...params: unknown[]): Promise<Record<string, unknown>[]> {
  const lists = await Promise.all(
    allShards(env).map(
      async ({ binding }) =>
        (
          await binding
            .prepare(query)
            .bind(...params)
            .all<Record<string, unknown>>()
        ).results,
    ),
  );
  return lists.flat();
}

/** The application tables every suite expects to survive hostile input (shard tables, then the directory's). */
const SHARD_TABLES = ["analytics_state", "audit_log", "daily_rollups", "idempotency_keys", "transactions", "users"];
const DIRECTORY_TABLES = ["accounts", "login_failures", "slots"];
export const APP_TABLES = [
  ...allShards(env).flatMap((shard) => SHARD_TABLES.map((table) => `${shard.name}:${table}`)),
  ...DIRECTORY_TABLES.map((table) => `DB:${table}`),
];

/** The tables of the directory and of every shard, as "binding:table". */
export async function tableNames(): Promise<string[]> {
  const names: string[] = [];
  for (const { name, binding } of [{ name: "DB", binding: env.DB }, ...allShards(env)]) {
    const { results } = await binding.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all<{ name: string }>();
    names.push(...results.map((r) => `${name}:${r.name}`));
  }
  return names;
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
  return (await shardFor(userId))
    .prepare("SELECT version, snapshot_version, snapshot, computed_at FROM analytics_state WHERE user_id = ?")
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
  return (await (await shardFor(userId)).prepare(query).bind(userId).all<DayRow>()).results;
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
