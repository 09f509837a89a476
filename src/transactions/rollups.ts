import { type SQL, sql } from "drizzle-orm";
import { TRANSACTION_TIME_KEY } from "../analytics/time-key";

/**
 * Statements that keep `daily_rollups` and `merchant_rollups` exact. Each derives its change from the
 * transaction rows themselves inside the same D1 batch, so a write and its rollup change commit together
 * or not at all, and concurrent writers cannot double-count. Both are keyed by time key (analytics/time-key.ts)
 * and category ('' = none).
 */
const rowContribution = (where: SQL) => sql`
  SELECT user_id, currency, ${TRANSACTION_TIME_KEY} AS day, COALESCE(category_id, '') AS category_id,
    merchant, 1 AS n,
    CASE WHEN transaction_type = 'credit' THEN amount_minor ELSE 0 END AS credit,
    CASE WHEN transaction_type = 'debit' THEN amount_minor ELSE 0 END AS debit
  FROM transactions WHERE ${where}`;

const DAY_KEY = sql.raw("user_id, currency, day, category_id");
// Grouped without regard to case so one group meets one merchant_rollups row (its key is NOCASE).
const MERCHANT_KEY = sql.raw("user_id, currency, day, category_id, merchant COLLATE NOCASE");

function add(table: string, key: SQL, columns: string, where: SQL, onlyMerchants: boolean): SQL {
  return sql`
    INSERT INTO ${sql.raw(table)} (${sql.raw(columns)}, tx_count, credit_minor, debit_minor)
    SELECT ${sql.raw(columns)}, SUM(n), SUM(credit), SUM(debit)
    FROM (${rowContribution(where)}) ${onlyMerchants ? sql`WHERE merchant IS NOT NULL` : sql`WHERE true`} GROUP BY ${key}
    ON CONFLICT (${sql.raw(columns)}) DO UPDATE SET
      tx_count = tx_count + excluded.tx_count,
      credit_minor = credit_minor + excluded.credit_minor,
      debit_minor = debit_minor + excluded.debit_minor`;
}

function subtract(table: string, key: SQL, columns: string[], where: SQL, onlyMerchants: boolean): SQL {
  const t = sql.raw(table);
  const join = sql.raw(columns.map((c) => `${table}.${c} = t.${c}`).join(" AND "));
  return sql`
    UPDATE ${t} SET
      tx_count = ${t}.tx_count - t.n,
      credit_minor = ${t}.credit_minor - t.credit,
      debit_minor = ${t}.debit_minor - t.debit
    FROM (
      SELECT ${sql.raw(columns.join(", "))}, SUM(n) AS n, SUM(credit) AS credit, SUM(debit) AS debit
      FROM (${rowContribution(where)}) ${onlyMerchants ? sql`WHERE merchant IS NOT NULL` : sql``} GROUP BY ${key}
    ) AS t
    WHERE ${join}`;
}

const DAY_COLUMNS = ["user_id", "currency", "day", "category_id"];
const MERCHANT_COLUMNS = [...DAY_COLUMNS, "merchant"];

/** Adds the rows matching `where` (for example one id at its new etag) to their rollups. */
export function addToRollups(where: SQL): SQL[] {
  return [
    add("daily_rollups", DAY_KEY, DAY_COLUMNS.join(", "), where, false),
    add("merchant_rollups", MERCHANT_KEY, MERCHANT_COLUMNS.join(", "), where, true),
  ];
}

/**
 * Removes the rows matching `where` from their rollups and drops the rollup rows left empty.
 * Run before the rows change or go away.
 */
export function removeFromRollups(where: SQL): SQL[] {
  return [
    subtract("daily_rollups", DAY_KEY, DAY_COLUMNS, where, false),
    subtract("merchant_rollups", MERCHANT_KEY, MERCHANT_COLUMNS, where, true),
    sql`
      DELETE FROM daily_rollups
      WHERE tx_count = 0 AND (user_id, currency, day, category_id) IN (
        SELECT user_id, currency, day, category_id FROM (${rowContribution(where)}))`,
    sql`
      DELETE FROM merchant_rollups
      WHERE tx_count = 0 AND (user_id, currency, day, category_id, merchant) IN (
        SELECT user_id, currency, day, category_id, merchant FROM (${rowContribution(where)}) WHERE merchant IS NOT NULL)`,
  ];
}
