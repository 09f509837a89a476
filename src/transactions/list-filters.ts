import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { validationError } from "../lib/problem";
import type { ListQuery } from "./transactions.schemas";

/**
 * The list/export filters on categories, merchants, tags and text.
 * Indexed: category_id (transactions_user_category_date_id; a parent reads each child's range and merges),
 * merchant (transactions_user_merchant_date_id, NOCASE). Scanning the caller's rows (through the
 * (user_id, date) index, newest first, stopping at a full page): tag and q.
 */
export async function labelFilters(db: Database, userId: string, query: Pick<ListQuery, "category_id" | "merchant" | "tag" | "q">) {
  const conditions: SQL[] = [];
  if (query.category_id === "none") conditions.push(sql`transactions.category_id IS NULL`);
  else if (query.category_id !== undefined) {
    const ids = await db.all<{ id: string }>(
      sql`SELECT id FROM categories WHERE user_id = ${userId} AND (id = ${query.category_id} OR parent_id = ${query.category_id})`,
    );
    if (!ids.some((r) => r.id === query.category_id)) throw validationError([{ path: "category_id", message: "no such category" }]);
    conditions.push(
      sql`transactions.category_id IN (${sql.join(
        ids.map((r) => sql`${r.id}`),
        sql`, `,
      )})`,
    );
  }
  if (query.merchant !== undefined) conditions.push(sql`transactions.merchant = ${query.merchant} COLLATE NOCASE`);
  if (query.tag !== undefined) conditions.push(sql`EXISTS (SELECT 1 FROM json_each(transactions.tags) WHERE value = ${query.tag})`);
  if (query.q !== undefined) {
    const needle = query.q.toLowerCase();
    conditions.push(sql`(instr(lower(transactions.description), ${needle}) > 0 OR instr(lower(transactions.merchant), ${needle}) > 0)`);
  }
  return conditions;
}
