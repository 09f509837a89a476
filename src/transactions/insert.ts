import { and, type Column, eq, getTableColumns, inArray, type SQL } from "drizzle-orm";
import { commitWrite, type LedgerAudit, type WriteContext } from "../analytics/ledger";
import type { Statement } from "../db/batch";
import type { Database } from "../db/client";
import { transactions } from "../db/schema";

type Row = typeof transactions.$inferSelect;

/** D1 binds at most 100 parameters per statement; a multi-row INSERT binds one per column per row. */
const MAX_PARAMS = 100;
// Derived from the table so a new column cannot push a statement past the limit.
const COLUMNS = Object.keys(getTableColumns(transactions)).length;
const ROWS_PER_INSERT = Math.floor(MAX_PARAMS / COLUMNS);
const IDS_PER_STATEMENT = MAX_PARAMS - 2;

const FIELDS = Object.entries(getTableColumns(transactions)) as [keyof Row, Column][];
const INSERT_HEAD = `insert into "transactions" (${FIELDS.map(([, column]) => `"${column.name}"`).join(", ")}) values `;
const ROW_VALUES = `(${FIELDS.map(() => "?").join(", ")})`;
const insertSqlByRows = new Map<number, string>();

/** A statement whose SQL text and parameters are known before the batch. */
type BuiltStatement = Extract<Statement, { toSQL(): unknown }>;

/**
 * The INSERT drizzle's `insert(transactions).values(rows).onConflictDoNothing().returning({ id })` builds, with the
 * same SQL text and parameters (a unit test compares them), prebuilt per row count: the query builder walked the
 * table's columns and rebuilt the text on every write. Rows with a missing field go through drizzle (its defaults).
 */
export function insertRowsStatement(db: Database, rows: readonly Row[]): BuiltStatement {
  if (rows.some((row) => FIELDS.some(([field]) => row[field] === undefined))) return rowsInsertedByDrizzle(db, rows);
  let text = insertSqlByRows.get(rows.length);
  if (!text) {
    text = `${INSERT_HEAD}${Array.from({ length: rows.length }, () => ROW_VALUES).join(", ")} on conflict do nothing returning "id"`;
    insertSqlByRows.set(rows.length, text);
  }
  const params: unknown[] = [];
  for (const row of rows) {
    for (const [field, column] of FIELDS) {
      const value = row[field];
      params.push(value === null ? null : column.mapToDriverValue(value));
    }
  }
  const query = { sql: text, params };
  return { toSQL: () => query };
}

/** The same statement through drizzle's builder (the reference the prebuilt one is tested against). */
export function rowsInsertedByDrizzle(db: Database, rows: readonly Row[]): BuiltStatement {
  return db
    .insert(transactions)
    .values([...rows])
    .onConflictDoNothing()
    .returning({ id: transactions.id });
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Inserts rows with the ledger's side statements (rollups, audit row, change counter) in ONE atomic D1
 * batch. A row whose external_id the user already has is skipped (ON CONFLICT DO NOTHING) and not
 * counted in the rollups, because rollups are derived from the rows that actually landed.
 */
export async function insertTransactions(
  ctx: WriteContext,
  userId: string,
  rows: readonly Row[],
  audit: LedgerAudit,
  options: {
    /** Reads that travel in the same batch, after the inserts (their results come back in `also`). */
    reads?: readonly Statement[];
    /** Checks first in the batch (the label guard of the context the rows were labelled with). */
    guards?: readonly SQL[];
  } = {},
) {
  const { reads = [], guards } = options;
  if (rows.length === 0) return { inserted: new Set<string>(), analyticsVersion: 0, also: [] as D1Result[] };
  const inserts = chunks(rows, ROWS_PER_INSERT).map((chunk) => insertRowsStatement(ctx.db, chunk));
  // Keyed on the fresh ids alone, so SQLite looks them up by primary key: adding user_id here made
  // the planner scan the user's whole history through the (user_id, date) index on every chunk.
  const adds = chunks(rows, IDS_PER_STATEMENT).map((chunk) =>
    inArray(
      transactions.id,
      chunk.map((r) => r.id),
    ),
  );
  const { results, analyticsVersion } = await commitWrite(ctx, { userId, guards, adds, audit }, [...inserts, ...reads], (written) =>
    written.slice(0, inserts.length).some((r) => r.results.length > 0),
  );
  const inserted = new Set<string>();
  for (const result of results.slice(0, inserts.length)) {
    for (const r of result.results as { id: string }[]) inserted.add(r.id);
  }
  return { inserted, analyticsVersion, also: results.slice(inserts.length) };
}

/** The user's transactions among these external ids: external_id → id. */
export async function existingExternalIds(db: Database, userId: string, externalIds: readonly string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const chunk of chunks([...new Set(externalIds)], IDS_PER_STATEMENT)) {
    const rows = await db
      .select({ id: transactions.id, externalId: transactions.externalId })
      .from(transactions)
      .where(and(eq(transactions.userId, userId), inArray(transactions.externalId, chunk)));
    for (const r of rows) if (r.externalId) found.set(r.externalId, r.id);
  }
  return found;
}

/** Which of these ids are the user's own transactions. */
export async function existingIds(db: Database, userId: string, ids: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const chunk of chunks([...new Set(ids)], IDS_PER_STATEMENT)) {
    const rows = await db
      .select({ id: transactions.id })
      .from(transactions)
      .where(and(eq(transactions.userId, userId), inArray(transactions.id, chunk)));
    for (const r of rows) found.add(r.id);
  }
  return found;
}
