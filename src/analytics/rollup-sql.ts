/**
 * How one transaction row counts in the rollups, written once. Plain SQL text with no imports, so the
 * ledger's statements, the integrity check, the tests' oracle and the node benchmark scripts all share it.
 */

/** The row's amount if it is a credit, else 0 (minor units). */
export const CREDIT_MINOR = "CASE WHEN transaction_type = 'credit' THEN amount_minor ELSE 0 END";
/** The row's amount if it is a debit, else 0 (minor units). */
export const DEBIT_MINOR = "CASE WHEN transaction_type = 'debit' THEN amount_minor ELSE 0 END";
/**
 * A row's rollup time key (column `day` of the rollups, see time-key.ts): its UTC quarter-hour bucket
 * "YYYY-MM-DDTHH:MM" when timed, its calendar date "YYYY-MM-DD" when date-only.
 */
export function timeKeyText(dateColumn: string, dateOnlyColumn: string): string {
  return `CASE WHEN ${dateOnlyColumn} = 1 THEN substr(${dateColumn}, 1, 10)
    ELSE substr(${dateColumn}, 1, 14) || printf('%02d', (CAST(substr(${dateColumn}, 15, 2) AS INTEGER) / 15) * 15) END`;
}
/** The time key of a `transactions` row. */
export const ROW_DAY = timeKeyText("transaction_date", "date_only");
/** The row's rollup category: '' when uncategorised, so it can be part of a primary key. */
export const ROW_CATEGORY = "COALESCE(category_id, '')";

/** One row's contribution to its time key and category, as a SELECT list over `transactions`. */
export const ROW_CONTRIBUTION = `user_id, currency, ${ROW_DAY} AS day, ${ROW_CATEGORY} AS category_id, merchant, 1 AS n,
  ${CREDIT_MINOR} AS credit, ${DEBIT_MINOR} AS debit`;

/** Adds grouped contributions (SELECT user_id, currency, day, category_id, n, credit, debit) to their rollup rows. */
export const ADD_TO_ROLLUPS_HEAD = "INSERT INTO daily_rollups (user_id, currency, day, category_id, tx_count, credit_minor, debit_minor)";
export const ADD_TO_ROLLUPS_TAIL = `ON CONFLICT (user_id, currency, day, category_id) DO UPDATE SET
  tx_count = tx_count + excluded.tx_count,
  credit_minor = credit_minor + excluded.credit_minor,
  debit_minor = debit_minor + excluded.debit_minor`;

/**
 * Exact totals of a set of rows per currency, day and category (sums as text, so nothing past 2^53 is
 * rounded on the way out): what `daily_rollups` must hold. Use with `GROUP BY currency, day, category_id`.
 */
export const DAY_TOTALS = `currency, ${ROW_DAY} AS day, ${ROW_CATEGORY} AS category_id, COUNT(*) AS tx_count,
  CAST(SUM(${CREDIT_MINOR}) AS TEXT) AS credit, CAST(SUM(${DEBIT_MINOR}) AS TEXT) AS debit`;

/** The same per merchant (lower-cased, as the NOCASE rollup key groups them): what `merchant_rollups` must hold. */
export const MERCHANT_TOTALS = `currency, ${ROW_DAY} AS day, ${ROW_CATEGORY} AS category_id, lower(merchant) AS merchant, COUNT(*) AS tx_count,
  CAST(SUM(${CREDIT_MINOR}) AS TEXT) AS credit, CAST(SUM(${DEBIT_MINOR}) AS TEXT) AS debit`;
