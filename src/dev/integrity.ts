import { sql } from "drizzle-orm";
import { DAY_TOTALS } from "../analytics/rollup-sql";
import { type Database, getDb } from "../db/client";
import { allShards } from "../db/shards";

/**
 * Rollups must equal the rows: any (user, currency, time key, category) where they differ, and any empty rollup row.
 * Used by the fuzz and stress suites after hostile input and load.
 */
export async function integrityReport(db: Database) {
  const mismatches = await db.all<{ user_id: string; currency: string; day: string }>(sql`
    WITH actual AS (
      SELECT user_id, ${sql.raw(DAY_TOTALS)} FROM transactions GROUP BY user_id, currency, day, category_id),
    kept AS (
      SELECT user_id, currency, day, category_id, tx_count, CAST(credit_minor AS TEXT) AS credit, CAST(debit_minor AS TEXT) AS debit
      FROM daily_rollups)
    SELECT user_id, currency, day FROM (SELECT * FROM actual EXCEPT SELECT * FROM kept)
    UNION
    SELECT user_id, currency, day FROM (SELECT * FROM kept EXCEPT SELECT * FROM actual)
    LIMIT 100`);
  const transactions = await db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM transactions`);
  return { ok: mismatches.length === 0, transactions: transactions?.n ?? 0, mismatches };
}

/** The report over every shard (transactions summed, mismatches listed together). */
export async function integrityReportAll(env: Env) {
  const reports = await Promise.all(allShards(env).map((shard) => integrityReport(getDb(shard.binding))));
  return {
    ok: reports.every((r) => r.ok),
    transactions: reports.reduce((n, r) => n + r.transactions, 0),
    mismatches: reports.flatMap((r) => r.mismatches),
  };
}
