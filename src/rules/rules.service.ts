import { and, asc, eq, type SQL, sql } from "drizzle-orm";
import { type AuditContext, auditInsert } from "../audit/audit.service";
import { runBatch } from "../db/batch";
import type { Database } from "../db/client";
import { rules } from "../db/schema";
import { newId } from "../lib/ids";
import { ApiError, validationError } from "../lib/problem";
import { loadLabelContext } from "../transactions/labelling";
import { MAX_RULES_PER_USER, type RuleBody } from "./rules.schemas";
import { ruleFromDrizzle } from "./rules.store";

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

/** set_category must name one of the caller's categories: a 422 naming the action otherwise. */
async function checkActions(db: Database, userId: string, body: RuleBody): Promise<void> {
  const { categoryIds } = await loadLabelContext(db, userId, false);
  const errors = body.actions.flatMap((action, i) =>
    "set_category" in action && !categoryIds.has(action.set_category)
      ? [{ path: `actions.${i}.set_category`, message: "no such category" }]
      : [],
  );
  if (errors.length > 0) throw validationError(errors);
}

function columns(body: RuleBody, position: number) {
  return {
    name: body.name,
    position,
    active: body.active,
    match: body.match,
    conditions: JSON.stringify(body.conditions),
    actions: JSON.stringify(body.actions),
    stopProcessing: body.stop_processing,
  };
}

export async function createRule(db: Database, userId: string, body: RuleBody, audit: AuditContext): Promise<RuleRow> {
  await checkActions(db, userId, body);
  const stats = await db.get<{ n: number; last: number | null }>(
    sql`SELECT COUNT(*) AS n, MAX(position) AS last FROM rules WHERE user_id = ${userId}`,
  );
  if ((stats?.n ?? 0) >= MAX_RULES_PER_USER) throw new ApiError("conflict", `At most ${MAX_RULES_PER_USER} rules per user`);
  const now = new Date().toISOString();
  const position = body.position ?? (stats?.last === null || stats?.last === undefined ? 0 : stats.last + 1);
  const row: RuleRow = { id: newId("rul"), userId, ...columns(body, position), createdAt: now, updatedAt: now };
  await runBatch(db, [
    db.insert(rules).values(row),
    auditInsert(audit, { userId, action: "rule.create", targetId: row.id, details: { name: row.name } }),
  ]);
  return row;
}

/** PUT replaces the whole rule; an omitted position keeps the current one. */
export async function replaceRule(db: Database, userId: string, id: string, body: RuleBody, audit: AuditContext): Promise<RuleRow> {
  const current = await getRule(db, userId, id);
  await checkActions(db, userId, body);
  const next = {
    ...columns(body, body.position ?? current.position),
    updatedAt: new Date(Math.max(Date.now(), Date.parse(current.updatedAt) + 1)).toISOString(),
  };
  const [updated] = await runBatch(db, [
    db.update(rules).set(next).where(owned(userId, id)),
    auditInsert(audit, { userId, action: "rule.update", targetId: id, details: { name: next.name } }),
  ]);
  if (updated?.meta.changes !== 1) throw new ApiError("not_found", "Rule not found");
  return { ...current, ...next };
}

export async function deleteRule(db: Database, userId: string, id: string, audit: AuditContext): Promise<string> {
  const [, deleted] = await runBatch(db, [
    auditInsert(audit, { userId, action: "rule.delete", targetId: id }, sql`EXISTS (SELECT 1 FROM rules WHERE ${owned(userId, id)})`),
    db.delete(rules).where(owned(userId, id)),
  ]);
  if (deleted?.meta.changes !== 1) throw new ApiError("not_found", "Rule not found");
  return id;
}
