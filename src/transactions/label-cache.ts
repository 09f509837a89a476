import { type SQL, sql } from "drizzle-orm";
import { runBatch } from "../db/batch";
import type { Database } from "../db/client";
import { labelsGuard, StaleLabelsError } from "../db/label-versions";
import { ApiError } from "../http/problem";
import { compileRules } from "../rules/evaluate";
import { type RuleRow, ruleFromRow } from "../rules/rules.store";
import { type LabelContext, withoutDeletedCategories } from "./labelling";

/**
 * The user's label context (category ids, active rules), cached per isolate with the label version it was
 * read at, so a labelling write needs no read before its batch: the batch's first statement (labelsGuard)
 * aborts it when the version moved, and the write is redone once with a fresh context. A miss assumes
 * version 0 (no categories, no rules): right for every user who never wrote one, and caught by the guard
 * for the others. Listed in db/round-trips.ts.
 */

interface Versioned {
  version: number;
  context: LabelContext;
}

/** Users per isolate; least recently used first out. */
export const LABEL_CACHE_USERS = 1_000;
const cache = new Map<string, Versioned>();
const NONE: Versioned = { version: 0, context: { categoryIds: new Set(), rules: compileRules([]) } };
const NO_RULES = compileRules([]);

function remember(userId: string, entry: Versioned): void {
  cache.delete(userId);
  cache.set(userId, entry);
  if (cache.size > LABEL_CACHE_USERS) cache.delete(cache.keys().next().value as string);
}

function cached(userId: string): Versioned {
  const entry = cache.get(userId);
  if (!entry) return NONE;
  remember(userId, entry); // most recently used
  return entry;
}

/** One round trip (one consistent read): version, category ids and active rules; the cache keeps them. */
async function load(db: Database, userId: string): Promise<Versioned> {
  const [version, categories, rules] = await runBatch(db, [
    sql`SELECT COALESCE((SELECT version FROM label_versions WHERE user_id = ${userId}), 0) AS version`,
    sql`SELECT id FROM categories WHERE user_id = ${userId}`,
    sql`SELECT * FROM rules WHERE user_id = ${userId} AND active = 1 ORDER BY position, id`,
  ]);
  const categoryIds = new Set(((categories?.results ?? []) as { id: string }[]).map((r) => r.id));
  const active = ((rules?.results ?? []) as RuleRow[]).map((r) => withoutDeletedCategories(ruleFromRow(r), categoryIds));
  const entry = {
    version: Number((version?.results[0] as { version: number }).version),
    context: { categoryIds, rules: compileRules(active) },
  };
  remember(userId, entry);
  return entry;
}

const view = (entry: Versioned, withRules: boolean): LabelContext =>
  withRules ? entry.context : { categoryIds: entry.context.categoryIds, rules: NO_RULES };

/** The current label context, read now (one round trip): for answers that change nothing (dry runs, rules/test). */
export async function loadLabelContext(db: Database, userId: string, withRules: boolean): Promise<LabelContext> {
  return view(await load(db, userId), withRules);
}

/**
 * A label context that knows these category ids if the user has them: the cached one, reloaded once when
 * it does not know one of them (a category created in another isolate). For checks whose race with a
 * category delete is caught in SQL (the category triggers) or harmless (a rule naming a deleted category).
 */
export async function labelsKnowing(db: Database, userId: string, categoryIds: readonly string[]): Promise<LabelContext> {
  const entry = cached(userId);
  if (categoryIds.every((id) => entry.context.categoryIds.has(id))) return entry.context;
  return (await load(db, userId)).context;
}

/** What a labelling write gets: the context to label with, and the guard to put first in its batch. */
export interface GuardedLabels {
  context: LabelContext;
  guards: SQL[];
}

/**
 * Runs a write that labels transactions: with the cached context (reloaded first when it does not know a
 * category the input names), and again once with a fresh one when its batch's guard finds it stale.
 * `write` must put `guards` first in its (first) batch and build everything from `context`.
 */
export async function withLabels<T>(
  db: Database,
  userId: string,
  options: { withRules: boolean; categoryIds?: readonly string[] },
  write: (labels: GuardedLabels) => Promise<T>,
): Promise<T> {
  let entry = cached(userId);
  if (!(options.categoryIds ?? []).every((id) => entry.context.categoryIds.has(id))) entry = await load(db, userId);
  // Without rules the labels are the body's alone, whose categories the SQL triggers check: nothing to guard.
  const attempt = (e: Versioned) =>
    write({ context: view(e, options.withRules), guards: options.withRules ? [labelsGuard(userId, e.version)] : [] });
  try {
    return await attempt(entry);
  } catch (err) {
    if (!(err instanceof StaleLabelsError)) throw err;
  }
  try {
    return await attempt(await load(db, userId));
  } catch (err) {
    if (err instanceof StaleLabelsError) throw new ApiError("conflict", "The categories or rules changed during this write; retry");
    throw err;
  }
}
