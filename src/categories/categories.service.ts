import { and, asc, eq, type SQL, sql } from "drizzle-orm";
import { commitWrite, type LedgerAudit, type WriteContext } from "../analytics/ledger";
import { runBatch } from "../db/batch";
import type { Database } from "../db/client";
import { categories } from "../db/schema";
import { ApiError, validationError } from "../http/problem";
import { newId } from "../lib/ids";
import { reassignCategoryWrite } from "../transactions/relabel";
import { type CategoryBody, MAX_CATEGORIES_PER_USER } from "./categories.schemas";

export type CategoryRow = typeof categories.$inferSelect;

export function toCategoryRecord(row: CategoryRow) {
  return {
    id: row.id,
    name: row.name,
    parent_id: row.parentId,
    color: row.color,
    exclude_from_analytics: row.excludeFromAnalytics,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

const owned = (userId: string, id: string) => and(eq(categories.id, id), eq(categories.userId, userId)) as SQL;

export async function listCategories(db: Database, userId: string): Promise<CategoryRow[]> {
  return db.select().from(categories).where(eq(categories.userId, userId)).orderBy(asc(categories.name), asc(categories.id));
}

export async function getCategory(db: Database, userId: string, id: string): Promise<CategoryRow> {
  const row = await db.query.categories.findFirst({ where: owned(userId, id) });
  if (!row) throw new ApiError("not_found", "Category not found");
  return row;
}

/**
 * The body's checks, read inside the write's own batch (no read before it): the parent's kind (it must be
 * a top-level category of the caller), a name taken by another category, the caller's category count, and
 * whether the category itself has children (then it cannot get a parent).
 */
function checksRead(userId: string, body: CategoryBody, selfId: string | null): SQL {
  return sql`SELECT
    (SELECT CASE WHEN parent_id IS NULL THEN 'top' ELSE 'child' END FROM categories WHERE id = ${body.parent_id} AND user_id = ${userId}) AS parent,
    (SELECT id FROM categories WHERE user_id = ${userId} AND name = ${body.name} COLLATE NOCASE AND id IS NOT ${selfId} LIMIT 1) AS clash,
    (SELECT COUNT(*) FROM categories WHERE user_id = ${userId}) AS n,
    EXISTS (SELECT 1 FROM categories WHERE user_id = ${userId} AND parent_id = ${selfId}) AS has_children`;
}

/** The same checks as the condition the write statement carries, so a refused write changes nothing. */
function checksPass(userId: string, body: CategoryBody, selfId: string | null, limit: boolean): SQL {
  const parentOk =
    body.parent_id === null
      ? sql`1`
      : sql`EXISTS (SELECT 1 FROM categories WHERE id = ${body.parent_id} AND user_id = ${userId} AND parent_id IS NULL)
        AND NOT EXISTS (SELECT 1 FROM categories WHERE user_id = ${userId} AND parent_id = ${selfId})`;
  return sql`${parentOk}
    AND NOT EXISTS (SELECT 1 FROM categories WHERE user_id = ${userId} AND name = ${body.name} COLLATE NOCASE AND id IS NOT ${selfId})
    AND ${limit ? sql`(SELECT COUNT(*) FROM categories WHERE user_id = ${userId}) < ${MAX_CATEGORIES_PER_USER}` : sql`1`}`;
}

interface ChecksRow {
  parent: "top" | "child" | null;
  clash: string | null;
  n: number;
  has_children: number;
}

/** The answer for a refused write, in the order the checks were always made: parent (422), name (409), count (409). */
function refuse(body: CategoryBody, checks: ChecksRow, limit: boolean): void {
  const fail = (message: string) => validationError([{ path: "parent_id", message }]);
  if (body.parent_id !== null) {
    if (checks.parent === null) throw fail("no such category");
    if (checks.parent === "child") throw fail("the parent is itself a child (one level of nesting)");
    if (checks.has_children) throw fail("this category has children, so it cannot have a parent");
  }
  if (checks.clash) throw new ApiError("conflict", `A category named ${JSON.stringify(body.name)} already exists (${checks.clash})`);
  if (limit && checks.n >= MAX_CATEGORIES_PER_USER)
    throw new ApiError("conflict", `At most ${MAX_CATEGORIES_PER_USER} categories per user`);
}

/** A concurrent writer took the name between the check and the write: the unique index says so. */
function nameTaken(err: unknown): boolean {
  return String(err instanceof Error && "cause" in err ? err.cause : err).includes("UNIQUE") || String(err).includes("UNIQUE");
}

/**
 * Category writes go through the ledger like transaction writes: the analytics counter moves with them,
 * because names and parents are joined when reading and exclude_from_analytics decides which rollup rows count.
 */
export async function createCategory(ctx: WriteContext, userId: string, body: CategoryBody): Promise<CategoryRow> {
  const now = new Date().toISOString();
  const row: CategoryRow = {
    id: newId("cat"),
    userId,
    name: body.name,
    parentId: body.parent_id,
    color: body.color,
    excludeFromAnalytics: body.exclude_from_analytics,
    createdAt: now,
    updatedAt: now,
  };
  try {
    const { results } = await commitWrite(
      ctx,
      {
        userId,
        labelsChanged: true,
        audit: {
          action: "category.create",
          targetId: row.id,
          details: { name: row.name },
          onlyIf: sql`EXISTS (SELECT 1 FROM categories WHERE id = ${row.id})`,
        },
      },
      [
        checksRead(userId, body, null),
        sql`INSERT INTO categories (id, user_id, name, parent_id, color, exclude_from_analytics, created_at, updated_at)
          SELECT ${row.id}, ${userId}, ${row.name}, ${row.parentId}, ${row.color}, ${row.excludeFromAnalytics ? 1 : 0}, ${now}, ${now}
          WHERE ${checksPass(userId, body, null, true)}`,
      ],
      (written) => written[1]?.meta.changes === 1,
    );
    if (results[1]?.meta.changes !== 1) {
      refuse(body, results[0]?.results[0] as ChecksRow, true);
      throw new ApiError("conflict", "The categories changed during this write; retry");
    }
    return row;
  } catch (err) {
    if (nameTaken(err)) throw new ApiError("conflict", `A category named ${JSON.stringify(body.name)} already exists`);
    throw err;
  }
}

/** PUT replaces every field. */
export async function replaceCategory(ctx: WriteContext, userId: string, id: string, body: CategoryBody): Promise<CategoryRow> {
  const { db } = ctx;
  if (body.parent_id === id) throw validationError([{ path: "parent_id", message: "a category cannot be its own parent" }]);
  // One read for the row (the audit entry records it before and after) and the checks; the write re-checks them in SQL.
  const [stored, checks] = await runBatch(db, [sql`SELECT * FROM categories WHERE ${owned(userId, id)}`, checksRead(userId, body, id)]);
  const raw = stored?.results[0] as Record<string, unknown> | undefined;
  if (!raw) throw new ApiError("not_found", "Category not found");
  refuse(body, checks?.results[0] as ChecksRow, false);
  const current: CategoryRow = {
    id: raw.id as string,
    userId: raw.user_id as string,
    name: raw.name as string,
    parentId: raw.parent_id as string | null,
    color: raw.color as string | null,
    excludeFromAnalytics: raw.exclude_from_analytics === 1,
    createdAt: raw.created_at as string,
    updatedAt: raw.updated_at as string,
  };
  const next = {
    name: body.name,
    parentId: body.parent_id,
    color: body.color,
    excludeFromAnalytics: body.exclude_from_analytics,
    updatedAt: new Date(Math.max(Date.now(), Date.parse(current.updatedAt) + 1)).toISOString(),
  };
  try {
    const audit: LedgerAudit = {
      action: "category.update",
      targetId: id,
      details: { before: toCategoryRecord(current), after: toCategoryRecord({ ...current, ...next }) },
    };
    const { results } = await commitWrite(
      ctx,
      {
        userId,
        labelsChanged: true,
        audit: { ...audit, onlyIf: sql`EXISTS (SELECT 1 FROM categories WHERE id = ${id} AND updated_at = ${next.updatedAt})` },
      },
      [
        db
          .update(categories)
          .set(next)
          .where(and(owned(userId, id), checksPass(userId, body, id, false))),
      ],
      ([updated]) => updated?.meta.changes === 1,
    );
    if (results[0]?.meta.changes !== 1) throw new ApiError("conflict", "The category or its parent changed meanwhile; retry");
    return { ...current, ...next };
  } catch (err) {
    if (nameTaken(err)) throw new ApiError("conflict", `A category named ${JSON.stringify(body.name)} already exists`);
    throw err;
  }
}

/**
 * Deletes a category. Its transactions (if any) must be reassigned (`reassign_to`: a category id or "none"),
 * in the same batch, rollups and audit included; a category with children cannot go.
 */
export async function deleteCategory(ctx: WriteContext, userId: string, id: string, reassignTo: string | undefined): Promise<string> {
  const { db } = ctx;
  // One read for every check; the DELETE repeats them in SQL (NOT EXISTS) and a deleted target fails the batch.
  const named = reassignTo === undefined || reassignTo === "none" ? null : reassignTo;
  const [self, children, used, targetRow] = await runBatch(db, [
    sql`SELECT 1 AS x FROM categories WHERE ${owned(userId, id)}`,
    sql`SELECT 1 AS x FROM categories WHERE user_id = ${userId} AND parent_id = ${id} LIMIT 1`,
    sql`SELECT 1 AS x FROM transactions WHERE user_id = ${userId} AND category_id = ${id} LIMIT 1`,
    sql`SELECT 1 AS x FROM categories WHERE ${owned(userId, named ?? "")}`,
  ]);
  if ((self?.results.length ?? 0) === 0) throw new ApiError("not_found", "Category not found");
  if ((children?.results.length ?? 0) > 0) throw new ApiError("conflict", "The category has children; delete or move them first");
  let target: string | null | undefined;
  if (reassignTo !== undefined) {
    target = reassignTo === "none" ? null : reassignTo;
    if (target === id) throw validationError([{ path: "reassign_to", message: "must be another category" }]);
    if (target !== null && (targetRow?.results.length ?? 0) === 0) {
      throw validationError([{ path: "reassign_to", message: "no such category" }]);
    }
  }
  if ((used?.results.length ?? 0) > 0 && target === undefined) {
    throw new ApiError("conflict", "Transactions use this category; pass ?reassign_to=<category id> or ?reassign_to=none");
  }
  const move = target === undefined ? undefined : reassignCategoryWrite(userId, id, target);
  const deleteAudit: LedgerAudit = {
    action: "category.delete",
    targetId: id,
    details: { reassign_to: reassignTo ?? null },
    onlyIf: sql`NOT EXISTS (SELECT 1 FROM categories WHERE id = ${id})`,
  };
  // A reassign_to target deleted meanwhile fails the batch (the category trigger: a 409).
  const { results } = await commitWrite(
    ctx,
    {
      userId,
      labelsChanged: true,
      removes: move?.removes,
      adds: move ? [move.changed] : [],
      audit: move
        ? [{ action: "transaction.recategorize", eachRow: move.changed, details: { deleted_category_id: id } }, deleteAudit]
        : deleteAudit,
    },
    [
      ...(move ? [move.write] : []),
      sql`DELETE FROM categories WHERE id = ${id} AND user_id = ${userId}
      AND NOT EXISTS (SELECT 1 FROM categories WHERE user_id = ${userId} AND parent_id = ${id})
      AND NOT EXISTS (SELECT 1 FROM transactions WHERE user_id = ${userId} AND category_id = ${id})`,
    ],
  );
  if (results.at(-1)?.meta.changes !== 1) {
    throw new ApiError("conflict", "The category gained children or transactions meanwhile; retry");
  }
  return id;
}
