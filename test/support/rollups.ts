import { env } from "cloudflare:workers";
import { DAY_TOTALS } from "../../src/analytics/rollup-sql";

export interface DayRow {
  currency: string;
  day: string;
  tx_count: number;
  credit: string;
  debit: string;
}

/** A user's daily_rollups next to the GROUP BY of their transactions, in the same shape and order. */
export async function rollupsAndTruth(userId: string): Promise<{ rollups: DayRow[]; truth: DayRow[] }> {
  const rollups = await env.DB.prepare(
    `SELECT currency, day, tx_count, CAST(credit_minor AS TEXT) AS credit, CAST(debit_minor AS TEXT) AS debit
     FROM daily_rollups WHERE user_id = ? ORDER BY currency, day`,
  )
    .bind(userId)
    .all<DayRow>();
  const truth = await env.DB.prepare(
    `SELECT ${DAY_TOTALS}
     FROM transactions WHERE user_id = ? GROUP BY currency, day ORDER BY currency, day`,
  )
    .bind(userId)
    .all<DayRow>();
  return { rollups: rollups.results, truth: truth.results };
}
