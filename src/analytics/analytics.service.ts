import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import type { DayRollup } from "./compute";

interface RollupRow {
  currency: string;
  day: string;
  tx_count: number;
  credit: string;
  debit: string;
}

/** The caller's per-day rollups: cost grows with distinct days, never with transactions. */
export async function loadRollups(db: Database, userId: string): Promise<DayRollup[]> {
  // Sums are read as text so values beyond 2^53 stay exact.
  const rows = await db.all<RollupRow>(sql`
    SELECT currency, day, tx_count, CAST(credit_minor AS TEXT) AS credit, CAST(debit_minor AS TEXT) AS debit
    FROM daily_rollups WHERE user_id = ${userId} AND tx_count > 0`);
  return rows.map((r) => ({ currency: r.currency, day: r.day, count: r.tx_count, credit: BigInt(r.credit), debit: BigInt(r.debit) }));
}
