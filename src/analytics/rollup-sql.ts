/**
 * How one transaction row counts in `daily_rollups`, written once. Plain SQL text with no imports, so the
 * ledger's statements, the integrity check, the tests' oracle and the node benchmark scripts all share it.
 */

/** The row's amount if it is a credit, else 0 (minor units). */
export const CREDIT_MINOR = "CASE WHEN transaction_type = 'credit' THEN amount_minor ELSE 0 END";
/** The row's amount if it is a debit, else 0 (minor units). */
export const DEBIT_MINOR = "CASE WHEN transaction_type = 'debit' THEN amount_minor ELSE 0 END";

/** One row's contribution to its UTC day, as a SELECT list over `transactions`. */
export const ROW_CONTRIBUTION = `user_id, currency, substr(transaction_date, 1, 10) AS day, 1 AS n, ${CREDIT_MINOR} AS credit, ${DEBIT_MINOR} AS debit`;

/** Adds grouped contributions (SELECT user_id, currency, day, n, credit, debit) to the days they belong to. */
export const ADD_TO_ROLLUPS_HEAD = "INSERT INTO daily_rollups (user_id, currency, day, tx_count, credit_minor, debit_minor)";
export const ADD_TO_ROLLUPS_TAIL = `ON CONFLICT (user_id, currency, day) DO UPDATE SET
  tx_count = tx_count + excluded.tx_count,
  credit_minor = credit_minor + excluded.credit_minor,
  debit_minor = debit_minor + excluded.debit_minor`;

/**
 * Exact per-day totals of a set of rows, grouped by currency and day (sums as text, so nothing past 2^53 is
 * rounded on the way out): what `daily_rollups` must hold. Use with `GROUP BY currency, day`.
 */
export const DAY_TOTALS = `currency, substr(transaction_date, 1, 10) AS day, COUNT(*) AS tx_count,
  CAST(SUM(${CREDIT_MINOR}) AS TEXT) AS credit, CAST(SUM(${DEBIT_MINOR}) AS TEXT) AS debit`;
