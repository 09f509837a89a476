import { sql } from "drizzle-orm";
import { commitWrite, type WriteContext } from "../analytics/ledger";

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

/**
 * Bulk-inserts synthetic transactions through the ledger, in one atomic D1 batch (local benchmarks only):
 * rollups, audit row and change counter exactly as for any other write.
 */
export async function seedTransactions(ctx: WriteContext, userId: string, options: SeedOptions): Promise<number> {
  const now = new Date().toISOString();
  // The rows this call inserts: they all carry its own created_at and the description "seed".
  const seeded = sql`user_id = ${userId} AND created_at = ${now} AND description = 'seed'`;
  const { analyticsVersion } = await commitWrite(
    ctx,
    {
      userId,
      adds: [seeded],
      audit: { action: "transaction.seed", details: { offset: options.offset, count: options.count } },
      feed: "sequence", // synthetic rows for benchmarks: sync positions, no events
    },
    [
      sql`${generator(options)}
      INSERT INTO transactions (id, user_id, transaction_date, amount_minor, currency, transaction_type, status, description,
        category_id, merchant, etag, created_at, updated_at)
      SELECT 'txn_' || lower(hex(randomblob(13))), ${userId}, ts, amount, currency, type, 'success', 'seed',
        NULLIF(category, ''), merchant, lower(hex(randomblob(12))), ${now}, ${now} FROM gen`,
    ],
  );
  return analyticsVersion;
}
