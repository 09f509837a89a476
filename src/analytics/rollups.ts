import { type SQL, sql } from "drizzle-orm";
import { ROW_CONTRIBUTION } from "./rollup-sql";

/**
 * Statements that keep `daily_rollups` and `merchant_rollups` exact, both keyed by time key (time-key.ts)
 * and category ('' = none).
 * Each derives its change from the transaction rows themselves inside the same D1 batch, so a write and
 * its rollup change commit together or not at all, and concurrent writers cannot double-count.
 * Only the ledger puts them into batches.
 */
const rowContribution = (where: SQL) => sql`SELECT ${sql.raw(ROW_CONTRIBUTION)} FROM transactions WHERE ${where}`;

const DAY_KEY = sql.raw("user_id, currency, day, category_id");
// Grouped without regard to case so one group meets one merchant_rollups row (its key is NOCASE).
const MERCHANT_KEY = sql.raw("user_id, currency, day, category_id, merchant COLLATE NOCASE");
const DAY_COLUMNS = ["user_id", "currency", "day", "category_id"];
const MERCHANT_COLUMNS = [...DAY_COLUMNS, "merchant"];

function add(table: string, key: SQL, columns: string[], where: SQL, onlyMerchants: boolean): SQL {
  const list = sql.raw(columns.join(", "));
  return sql`
    INSERT INTO ${sql.raw(table)} (${list}, tx_count, credit_minor, debit_minor)
    SELECT ${list}, SUM(n), SUM(credit), SUM(debit)
    FROM (${rowContribution(where)}) ${onlyMerchants ? sql`WHERE merchant IS NOT NULL` : sql`WHERE true`} GROUP BY ${key}
    ON CONFLICT (${list}) DO UPDATE SET
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

/** Adds the rows matching `where` (for example one id at its new etag) to their rollups. */
export function addToRollups(where: SQL): SQL[] {
  return [add("daily_rollups", DAY_KEY, DAY_COLUMNS, where, false), add("merchant_rollups", MERCHANT_KEY, MERCHANT_COLUMNS, where, true)];
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
