import { type SQL, sql } from "drizzle-orm";

/**
 * Statements that keep `daily_rollups` exact. Each derives its change from the transaction row
 * itself inside the same D1 batch, so a write and its rollup change commit together or not at all,
 * and concurrent writers cannot double-count.
 */
const rowContribution = (where: SQL) => sql`
  SELECT user_id, currency, substr(transaction_date, 1, 10) AS day, 1 AS n,
    CASE WHEN transaction_type = 'credit' THEN amount_minor ELSE 0 END AS credit,
    CASE WHEN transaction_type = 'debit' THEN amount_minor ELSE 0 END AS debit
  FROM transactions WHERE ${where}`;

/** Adds the rows matching `where` (for example one id at its new etag) to their days. */
export function addToRollups(where: SQL): SQL {
  return sql`
    INSERT INTO daily_rollups (user_id, currency, day, tx_count, credit_minor, debit_minor)
    SELECT user_id, currency, day, SUM(n), SUM(credit), SUM(debit)
    FROM (${rowContribution(where)}) GROUP BY user_id, currency, day
    ON CONFLICT (user_id, currency, day) DO UPDATE SET
      tx_count = tx_count + excluded.tx_count,
      credit_minor = credit_minor + excluded.credit_minor,
      debit_minor = debit_minor + excluded.debit_minor`;
}

/** Removes the rows matching `where` from their days (run before the row changes or goes away). */
export function subtractFromRollups(where: SQL): SQL {
  return sql`
    UPDATE daily_rollups SET
      tx_count = daily_rollups.tx_count - t.n,
      credit_minor = daily_rollups.credit_minor - t.credit,
      debit_minor = daily_rollups.debit_minor - t.debit
    FROM (
      SELECT user_id, currency, day, SUM(n) AS n, SUM(credit) AS credit, SUM(debit) AS debit
      FROM (${rowContribution(where)}) GROUP BY user_id, currency, day
    ) AS t
    WHERE daily_rollups.user_id = t.user_id AND daily_rollups.currency = t.currency AND daily_rollups.day = t.day`;
}

/** Drops the now-empty days of the rows matching `where`; run after subtracting, before the rows change. */
export function dropEmptyRollups(where: SQL): SQL {
  return sql`
    DELETE FROM daily_rollups
    WHERE tx_count = 0 AND (user_id, currency, day) IN (
      SELECT user_id, currency, substr(transaction_date, 1, 10) FROM transactions WHERE ${where})`;
}
