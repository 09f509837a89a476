import type { SQL } from "drizzle-orm";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import { ApiError, validationError } from "../http/problem";
import type { Database } from "./client";
import { isStaleLabels, StaleLabelsError } from "./label-versions";
import { errorText } from "./raised";

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
  try {
    return await d1.batch(prepared);
  } catch (err) {
    if (isStaleLabels(err)) throw new StaleLabelsError();
    throw fromTrigger(err) ?? err;
  }
}

/**
 * The answer for a batch a trigger aborted: migration 0004's day-total limit (a 422), or migration 0006's
 * category check, when a category checked before the batch was deleted before it ran (a 409: retry).
 */
function fromTrigger(err: unknown): ApiError | null {
  const text = errorText(err);
  if (text.includes("rollup_limit_exceeded")) return rollupLimitError();
  if (text.includes("category_missing")) return new ApiError("conflict", "A category this write uses was deleted meanwhile; retry");
  return null;
}

/** The largest day total (credit or debit, per user and currency) that stays an exact 64-bit integer. */
export const MAX_DAY_TOTAL_MINOR = 9_223_372_036_854_775_807n;

function rollupLimitError(): ApiError {
  return validationError(
    [{ path: "transaction_amount", message: `a day's total per currency must stay at most ${MAX_DAY_TOTAL_MINOR} minor units` }],
    `This change would take a day's credit or debit total past ${MAX_DAY_TOTAL_MINOR} minor units (2^63 - 1); nothing was stored`,
  );
}
