import { sql } from "drizzle-orm";
import { bumpVersion, versionFrom } from "../analytics/analytics.service";
import { timeKeySql } from "../analytics/time-key";
import { runBatch } from "../db/batch";
import type { Database } from "../db/client";
import { guardCategoryRace } from "../transactions/labelling";

export interface SeedOptions {
  offset: number;
  count: number;
  days: number;
  startDate: string; // YYYY-MM-DD
  /** Category ids to spread rows over (row n gets categoryIds[n % length]); none: uncategorised. */
  categoryIds?: string[];
  /** Distinct merchant names to spread rows over ("Merchant 0" …); 0: no merchant. */
  merchants?: number;
}

/**
 * Synthetic rows n = offset … offset+count-1, generated inside SQLite: amounts 0.01-1000.00,
 * one in three a credit, one in ten in EUR, spread over `days` days from `startDate`.
 */
function generator(o: SeedOptions) {
  const categories = o.categoryIds ?? [];
  const merchants = o.merchants ?? 0;
  // D1 binds JavaScript numbers as REAL, and then n % 3.0 is 1.0: "Merchant 1.0" and a JSON path '$[1.0]'.
  const int = (value: number) => sql`CAST(${value} AS INTEGER)`;
  return sql`
    WITH RECURSIVE seq(n) AS (SELECT ${int(o.offset)} UNION ALL SELECT n + 1 FROM seq WHERE n < ${int(o.offset + o.count - 1)}),
    gen AS (
      SELECT n,
        strftime('%Y-%m-%dT%H:%M:%S.000Z', ${o.startDate}, '+' || (n % ${int(o.days)}) || ' days', '+' || ((n * 37) % 86400) || ' seconds') AS ts,
        ((n * 7919) % 100000) + 1 AS amount,
        CASE WHEN n % 10 = 0 THEN 'EUR' ELSE 'USD' END AS currency,
        CASE WHEN n % 3 = 0 THEN 'credit' ELSE 'debit' END AS type,
        ${categories.length > 0 ? sql`json_extract(${JSON.stringify(categories)}, '$[' || (n % ${int(categories.length)}) || ']')` : sql`''`} AS category,
        ${merchants > 0 ? sql`'Merchant ' || ((n * 13) % ${int(merchants)})` : sql`NULL`} AS merchant
      FROM seq)`;
}

const sums = sql.raw(
  `COUNT(*), SUM(CASE WHEN type = 'credit' THEN amount ELSE 0 END), SUM(CASE WHEN type = 'debit' THEN amount ELSE 0 END)`,
);
const bump = sql.raw(`tx_count = tx_count + excluded.tx_count,
        credit_minor = credit_minor + excluded.credit_minor,
        debit_minor = debit_minor + excluded.debit_minor`);

const key = timeKeySql(sql.raw("ts"), sql.raw("0"));

/** Bulk-inserts synthetic transactions and their rollups in one atomic D1 batch (local benchmarks only). */
export async function seedTransactions(db: Database, userId: string, options: SeedOptions): Promise<number> {
  const gen = generator(options);
  const now = new Date().toISOString();
  // Category ids not the user's fail the batch (migration 0006's triggers): a 409, not a 500.
  const results = await guardCategoryRace(
    runBatch(db, [
      sql`${gen}
      INSERT INTO transactions (id, user_id, transaction_date, amount_minor, currency, transaction_type, status, description,
        category_id, merchant, etag, created_at, updated_at)
      SELECT 'txn_' || lower(hex(randomblob(13))), ${userId}, ts, amount, currency, type, 'success', 'seed',
        NULLIF(category, ''), merchant, lower(hex(randomblob(12))), ${now}, ${now} FROM gen`,
      sql`${gen}
      INSERT INTO daily_rollups (user_id, currency, day, category_id, tx_count, credit_minor, debit_minor)
      SELECT ${userId}, currency, ${key}, category, ${sums}
      FROM gen WHERE true GROUP BY currency, ${key}, category
      ON CONFLICT (user_id, currency, day, category_id) DO UPDATE SET ${bump}`,
      sql`${gen}
      INSERT INTO merchant_rollups (user_id, currency, day, category_id, merchant, tx_count, credit_minor, debit_minor)
      SELECT ${userId}, currency, ${key}, category, merchant, ${sums}
      FROM gen WHERE merchant IS NOT NULL GROUP BY currency, ${key}, category, merchant
      ON CONFLICT (user_id, currency, day, category_id, merchant) DO UPDATE SET ${bump}`,
      bumpVersion(userId),
    ]),
  );
  return versionFrom(results.at(-1));
}
