import { and, eq, getTableColumns, inArray, type SQL } from "drizzle-orm";
import { bumpVersion, versionFrom } from "../analytics/analytics.service";
import { runBatch } from "../db/batch";
import type { Database } from "../db/client";
import { transactions } from "../db/schema";
import { guardCategoryRace } from "./labelling";
import { addToRollups } from "./rollups";

type Row = typeof transactions.$inferSelect;

/** D1 binds at most 100 parameters per statement. */
const MAX_PARAMS = 100;
// Derived from the table so a new column cannot push a statement past the limit.
const COLUMNS = Object.keys(getTableColumns(transactions)).length;
const ROWS_PER_INSERT = Math.floor(MAX_PARAMS / COLUMNS);
const IDS_PER_ROLLUP = MAX_PARAMS - 2;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Inserts rows, their rollups and the analytics counter bump in ONE atomic D1 batch. A row whose
 * external_id the user already has is skipped (ON CONFLICT DO NOTHING) and not counted in the rollups,
 * because rollups are derived from the rows that actually landed.
 */
export async function insertTransactions(db: Database, userId: string, rows: readonly Row[], audit?: SQL[]) {
  if (rows.length === 0) return { inserted: new Set<string>(), analyticsVersion: 0 };
  const inserts = chunks(rows, ROWS_PER_INSERT).map((chunk) =>
    db.insert(transactions).values(chunk).onConflictDoNothing().returning({ id: transactions.id }),
  );
  // Keyed on the fresh ids alone, so SQLite looks them up by primary key: adding user_id here made
  // the planner scan the user's whole history through the (user_id, date) index on every chunk.
  const rollups = chunks(rows, IDS_PER_ROLLUP).flatMap((chunk) =>
    addToRollups(
      inArray(
        transactions.id,
        chunk.map((r) => r.id),
      ),
    ),
  );
  const results = await guardCategoryRace(runBatch(db, [...inserts, ...rollups, ...(audit ?? []), bumpVersion(userId)]));
  const inserted = new Set<string>();
  for (const result of results.slice(0, inserts.length)) {
    for (const r of result.results as { id: string }[]) inserted.add(r.id);
  }
  return { inserted, analyticsVersion: versionFrom(results.at(-1)) };
}

/** The user's transactions among these external ids: external_id → id. */
export async function existingExternalIds(db: Database, userId: string, externalIds: readonly string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const chunk of chunks([...new Set(externalIds)], IDS_PER_ROLLUP)) {
    const rows = await db
      .select({ id: transactions.id, externalId: transactions.externalId })
      .from(transactions)
      .where(and(eq(transactions.userId, userId), inArray(transactions.externalId, chunk)));
    for (const r of rows) if (r.externalId) found.set(r.externalId, r.id);
  }
  return found;
}
