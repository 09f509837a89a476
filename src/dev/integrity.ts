import { sql } from "drizzle-orm";
import { TRANSACTION_TIME_KEY } from "../analytics/time-key";
import type { Database } from "../db/client";

/**
 * Rollups must equal the rows: any (user, currency, time key, category) where they differ, and any empty rollup row.
 * Used by the fuzz and stress suites after hostile input and load.
 */
export async function integrityReport(db: Database) {
  const mismatches = await db.all<{ user_id: string; currency: string; day: string }>(sql`
    WITH actual AS (
      SELECT user_id, currency, ${TRANSACTION_TIME_KEY} AS day, COALESCE(category_id, '') AS category_id, COUNT(*) AS n,
        CAST(SUM(CASE WHEN transaction_type = 'credit' THEN amount_minor ELSE 0 END) AS TEXT) AS credit,
        CAST(SUM(CASE WHEN transaction_type = 'debit' THEN amount_minor ELSE 0 END) AS TEXT) AS debit
      FROM transactions GROUP BY 1, 2, 3, 4),
    kept AS (
      SELECT user_id, currency, day, category_id, tx_count AS n, CAST(credit_minor AS TEXT) AS credit, CAST(debit_minor AS TEXT) AS debit
      FROM daily_rollups)
    SELECT user_id, currency, day FROM (SELECT * FROM actual EXCEPT SELECT * FROM kept)
    UNION
    SELECT user_id, currency, day FROM (SELECT * FROM kept EXCEPT SELECT * FROM actual)
    LIMIT 100`);
  const transactions = await db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM transactions`);
  return { ok: mismatches.length === 0, transactions: transactions?.n ?? 0, mismatches };
}
