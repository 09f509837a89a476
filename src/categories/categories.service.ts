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

/** The body's parent must be a top-level category of the caller, and not the category itself. */
async function checkParent(db: Database, userId: string, body: CategoryBody, selfId?: string): Promise<void> {
  if (body.parent_id === null) return;
  const fail = (message: string) => validationError([{ path: "parent_id", message }]);
  if (body.parent_id === selfId) throw fail("a category cannot be its own parent");
  const parent = await db.query.categories.findFirst({ where: owned(userId, body.parent_id) });
  if (!parent) throw fail("no such category");
  if (parent.parentId !== null) throw fail("the parent is itself a child (one level of nesting)");
  if (selfId) {
    const child = await db.get(sql`SELECT 1 FROM categories WHERE user_id = ${userId} AND parent_id = ${selfId} LIMIT 1`);
    if (child) throw fail("this category has children, so it cannot have a parent");
  }
}

async function checkNameFree(db: Database, userId: string, name: string, selfId?: string): Promise<void> {
  const clash = await db.get<{ id: string }>(
    sql`SELECT id FROM categories WHERE user_id = ${userId} AND name = ${name} COLLATE NOCASE LIMIT 1`,
  );
  if (clash && clash.id !== selfId) throw new ApiError("conflict", `A category named ${JSON.stringify(name)} already exists (${clash.id})`);
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
  const { db } = ctx;
  await checkParent(db, userId, body);
  await checkNameFree(db, userId, body.name);
  const count = await db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM categories WHERE user_id = ${userId}`);
  if ((count?.n ?? 0) >= MAX_CATEGORIES_PER_USER) throw new ApiError("conflict", `At most ${MAX_CATEGORIES_PER_USER} categories per user`);
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
    await commitWrite(
      ctx,
      { userId, labelsChanged: true, audit: { action: "category.create", targetId: row.id, details: { name: row.name } } },
      [db.insert(categories).values(row)],
    );
    return row;
  } catch (err) {
    if (nameTaken(err)) throw new ApiError("conflict", `A category named ${JSON.stringify(body.name)} already exists`);
    throw err;
  }
}

/** PUT replaces every field. */
export async function replaceCategory(ctx: WriteContext, userId: string, id: string, body: CategoryBody): Promise<CategoryRow> {
  const { db } = ctx;
  const current = await getCategory(db, userId, id);
  await checkParent(db, userId, body, id);
  await checkNameFree(db, userId, body.name, id);
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
    const { results } = await commitWrite(ctx, { userId, labelsChanged: true, audit }, [
      db.update(categories).set(next).where(owned(userId, id)),
    ]);
    if (results[0]?.meta.changes !== 1) throw new ApiError("not_found", "Category not found");
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
  await getCategory(db, userId, id);
  const [children, used] = await runBatch(db, [
    sql`SELECT 1 AS x FROM categories WHERE user_id = ${userId} AND parent_id = ${id} LIMIT 1`,
    sql`SELECT 1 AS x FROM transactions WHERE user_id = ${userId} AND category_id = ${id} LIMIT 1`,
  ]);
  if ((children?.results.length ?? 0) > 0) throw new ApiError("conflict", "The category has children; delete or move them first");
  let target: string | null | undefined;
  if (reassignTo !== undefined) {
    target = reassignTo === "none" ? null : reassignTo;
    if (target === id) throw validationError([{ path: "reassign_to", message: "must be another category" }]);
    if (target !== null && !(await db.query.categories.findFirst({ where: owned(userId, target) }))) {
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
