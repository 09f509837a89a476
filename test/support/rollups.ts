import { env } from "cloudflare:workers";

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
  return (await env.DB.prepare(query).bind(userId).all<DayRow>()).results;
}

/** The time key (src/analytics/time-key.ts), spelled out here so the test does not trust the code it checks. */
const TIME_KEY = `CASE WHEN date_only = 1 THEN substr(transaction_date, 1, 10)
  ELSE substr(transaction_date, 1, 14) || printf('%02d', (CAST(substr(transaction_date, 15, 2) AS INTEGER) / 15) * 15) END`;

const SUMS = `COUNT(*) AS tx_count,
  CAST(SUM(CASE WHEN transaction_type = 'credit' THEN amount_minor ELSE 0 END) AS TEXT) AS credit,
  CAST(SUM(CASE WHEN transaction_type = 'debit' THEN amount_minor ELSE 0 END) AS TEXT) AS debit`;

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
    `SELECT currency, ${TIME_KEY} AS day, COALESCE(category_id, '') AS category_id, ${SUMS}
     FROM transactions WHERE user_id = ? GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    userId,
  );
  const merchants = await all(
    `SELECT currency, day, category_id, lower(merchant) AS merchant, tx_count, CAST(credit_minor AS TEXT) AS credit,
       CAST(debit_minor AS TEXT) AS debit
     FROM merchant_rollups WHERE user_id = ? ORDER BY 1, 2, 3, 4`,
    userId,
  );
  const merchantTruth = await all(
    `SELECT currency, ${TIME_KEY} AS day, COALESCE(category_id, '') AS category_id, lower(merchant) AS merchant, ${SUMS}
     FROM transactions WHERE user_id = ? AND merchant IS NOT NULL GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
    userId,
  );
  return { rollups: [...days, ...merchants], truth: [...dayTruth, ...merchantTruth] };
}
