import type { SQL } from "drizzle-orm";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import type { Database } from "./client";

const dialect = new SQLiteAsyncDialect();

export type Statement = SQL | { toSQL(): { sql: string; params: unknown[] } };

/**
 * Runs statements as one atomic D1 batch (D1 has no interactive transactions).
 * drizzle's own batch() cannot bind raw `sql` statements with parameters, so this prepares them itself.
 */
export async function runBatch(db: Database, statements: Statement[]): Promise<D1Result[]> {
  const d1 = db.$client;
  const prepared = statements.map((statement) => {
    const query = "toSQL" in statement ? statement.toSQL() : dialect.sqlToQuery(statement);
    return d1.prepare(query.sql).bind(...query.params);
  });
  return d1.batch(prepared);
}
