import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { validationError } from "../http/problem";

/** Opaque keyset cursor: the (transaction_date, id) of the last row of a page. */
export interface CursorPosition {
  date: string;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return btoa(`${position.date}|${position.id}`).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function decodeCursor(cursor: string): CursorPosition | null {
  try {
    const text = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    const [date, id, extra] = text.split("|");
    if (!date || !id || extra !== undefined || !/^\d{4}-\d{2}-\d{2}T/.test(date)) return null;
    return { date, id };
  } catch {
    return null;
  }
}

/**
 * Keyset pagination over (timestamp, id), newest first: the condition for rows after `cursor`
 * (a 422 naming `cursor` when it is not one of ours) and the ordering to use with it.
 */
export function keyset(dateColumn: SQLiteColumn, idColumn: SQLiteColumn, cursor: string | undefined) {
  let after: SQL | undefined;
  if (cursor !== undefined) {
    const position = decodeCursor(cursor);
    if (!position) throw validationError([{ path: "cursor", message: "invalid cursor" }]);
    after = or(lt(dateColumn, position.date), and(eq(dateColumn, position.date), lt(idColumn, position.id)));
  }
  return { after, orderBy: [desc(dateColumn), desc(idColumn)] };
}

/** Cuts the `limit + 1` rows a keyset query fetched into a page, and the cursor of the next one. */
export function toPage<T>(rows: T[], limit: number, position: (row: T) => CursorPosition) {
  const hasMore = rows.length > limit;
  const page = hasMore ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  return { rows: page, hasMore, nextCursor: hasMore && last ? encodeCursor(position(last)) : null };
}
