import { and, asc, eq, type SQL, sql } from "drizzle-orm";
import { type AuditContext, auditInsert } from "../audit/audit";
import { runBatch } from "../db/batch";
import type { Database } from "../db/client";
import { bumpLabelsVersion } from "../db/label-versions";
import { rules } from "../db/schema";
import { ApiError, validationError } from "../http/problem";
import { newId } from "../lib/ids";
import { MAX_RULES_PER_USER, type RuleBody } from "./rules.schemas";
import { ruleFromDrizzle, type RuleRow as StoredRuleRow } from "./rules.store";

type RuleRow = typeof rules.$inferSelect;

const owned = (userId: string, id: string) => and(eq(rules.id, id), eq(rules.userId, userId)) as SQL;

export const toRuleRecord = ruleFromDrizzle;

export async function listRules(db: Database, userId: string): Promise<RuleRow[]> {
  return db.select().from(rules).where(eq(rules.userId, userId)).orderBy(asc(rules.position), asc(rules.id));
}

export async function getRule(db: Database, userId: string, id: string): Promise<RuleRow> {
  const row = await db.query.rules.findFirst({ where: owned(userId, id) });
  if (!row) throw new ApiError("not_found", "Rule not found");
  return row;
}

/**
 * set_category must name one of the caller's categories (a 422 naming the action otherwise), checked in
 * the write's own batch: `found` reads the named ids that exist, `ok` guards the write on all of them.
 */
function categoryCheck(userId: string, body: RuleBody) {
  const ids = [...new Set(body.actions.flatMap((a) => ("set_category" in a ? [a.set_category] : [])))];
  const named = sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  );
  return {
    found: ids.length > 0 ? sql`SELECT id FROM categories WHERE user_id = ${userId} AND id IN (${named})` : sql`SELECT NULL AS id WHERE 0`,
    ok: ids.length > 0 ? sql`(SELECT COUNT(*) FROM categories WHERE user_id = ${userId} AND id IN (${named})) = ${ids.length}` : sql`1`,
  };
}

function refuseMissingCategories(body: RuleBody, found: D1Result | undefined): void {
  const existing = new Set(((found?.results ?? []) as { id: string }[]).map((r) => r.id));
  const errors = body.actions.flatMap((action, i) =>
    "set_category" in action && !existing.has(action.set_category)
      ? [{ path: `actions.${i}.set_category`, message: "no such category" }]
      : [],
  );
  if (errors.length > 0) throw validationError(errors);
}

/** A rules row as RETURNING * answers it, in drizzle's shape. */
function fromReturned(raw: StoredRuleRow): RuleRow {
  return {
    id: raw.id,
    userId: raw.user_id,
    name: raw.name,
    position: raw.position,
    active: raw.active === 1,
    match: raw.match,
    conditions: raw.conditions,
    actions: raw.actions,
    stopProcessing: raw.stop_processing === 1,
    createdAt: raw.created_at,
    updatedAt: raw.updated_at,
  };
}

/**
 * One batch: the insert (its position after the user's last rule unless given, refused past the per-user
 * limit, both decided in SQL), its audit row and the label version.
 */
export async function createRule(db: Database, userId: string, body: RuleBody, audit: AuditContext): Promise<RuleRow> {
  const now = new Date().toISOString();
  const id = newId("rul");
  const check = categoryCheck(userId, body);
  const [found, inserted] = await runBatch(db, [
    check.found,
    sql`INSERT INTO rules (id, user_id, name, position, active, "match", conditions, actions, stop_processing, created_at, updated_at)
      SELECT ${id}, ${userId}, ${body.name}, COALESCE(${body.position ?? null}, (SELECT MAX(position) + 1 FROM rules WHERE user_id = ${userId}), 0),
        ${body.active ? 1 : 0}, ${body.match}, ${JSON.stringify(body.conditions)}, ${JSON.stringify(body.actions)}, ${body.stop_processing ? 1 : 0}, ${now}, ${now}
      WHERE (SELECT COUNT(*) FROM rules WHERE user_id = ${userId}) < ${MAX_RULES_PER_USER} AND ${check.ok}
      RETURNING *`,
    auditInsert(
      audit,
      { userId, action: "rule.create", targetId: id, details: { name: body.name } },
      sql`EXISTS (SELECT 1 FROM rules WHERE id = ${id})`,
    ),
    bumpLabelsVersion(userId),
  ]);
  refuseMissingCategories(body, found);
  const row = inserted?.results[0] as StoredRuleRow | undefined;
  if (!row) throw new ApiError("conflict", `At most ${MAX_RULES_PER_USER} rules per user`);
  return fromReturned(row);
}

/**
 * PUT replaces the whole rule in one batch; an omitted position keeps the current one, and updated_at moves
 * forward even within the same millisecond (both in SQL, so the rule is not read first).
 */
export async function replaceRule(db: Database, userId: string, id: string, body: RuleBody, audit: AuditContext): Promise<RuleRow> {
  const now = new Date().toISOString();
  const check = categoryCheck(userId, body);
  const [present, found, updated] = await runBatch(db, [
    sql`SELECT 1 AS present FROM rules WHERE ${owned(userId, id)}`,
    check.found,
    sql`UPDATE rules SET name = ${body.name}, position = COALESCE(${body.position ?? null}, position), active = ${body.active ? 1 : 0},
        "match" = ${body.match}, conditions = ${JSON.stringify(body.conditions)}, actions = ${JSON.stringify(body.actions)},
        stop_processing = ${body.stop_processing ? 1 : 0},
        updated_at = CASE WHEN ${now} > updated_at THEN ${now} ELSE strftime('%Y-%m-%dT%H:%M:%fZ', updated_at, '+0.001 seconds') END
      WHERE ${owned(userId, id)}
      RETURNING *`,
    auditInsert(
      audit,
      { userId, action: "rule.update", targetId: id, details: { name: body.name } },
      sql`EXISTS (SELECT 1 FROM rules WHERE ${owned(userId, id)})`,
    ),
    bumpLabelsVersion(userId),
  ]);
  if ((present?.results.length ?? 0) === 0) throw new ApiError("not_found", "Rule not found");
  refuseMissingCategories(body, found);
  const row = updated?.results[0] as StoredRuleRow | undefined;
  if (!row) throw new Error("rule update neither applied nor refused");
  return fromReturned(row);
}

export async function deleteRule(db: Database, userId: string, id: string, audit: AuditContext): Promise<string> {
  const [, deleted] = await runBatch(db, [
    auditInsert(audit, { userId, action: "rule.delete", targetId: id }, sql`EXISTS (SELECT 1 FROM rules WHERE ${owned(userId, id)})`),
    db.delete(rules).where(owned(userId, id)),
    bumpLabelsVersion(userId),
  ]);
  if (deleted?.meta.changes !== 1) throw new ApiError("not_found", "Rule not found");
  return id;
}
