import { and, eq, type SQL, sql } from "drizzle-orm";
import type { Context } from "hono";
import type { Database } from "../db/client";
import { auditLog, transactions } from "../db/schema";
import type { AppEnv } from "../http/context";
import { newId } from "../lib/ids";
import { keyset, toPage } from "../lib/keyset";
import { formatAmount } from "../lib/money";

export type AuditAction =
  | "user.sign_up"
  | "user.login"
  | "user.login_failed"
  | "user.login_throttled"
  | "user.logout"
  | "user.password_change"
  | "user.password_change_failed"
  | "user.password_change_throttled"
  | "user.profile_update"
  | "transaction.create"
  | "transaction.update"
  | "transaction.delete"
  | "transaction.bulk_create"
  | "transaction.import"
  /** Synthetic rows from the local-only seed route. */
  | "transaction.seed"
  | "transaction.rule_apply"
  | "transaction.recategorize"
  | "category.create"
  | "category.update"
  | "category.delete"
  | "rule.create"
  | "rule.update"
  | "rule.delete";

/** Where a write came from: goes with every audit entry. */
export interface AuditContext {
  requestId: string;
  clientIp: string | null;
}

export function auditContext(c: Context<AppEnv>): AuditContext {
  return { requestId: c.get("requestId"), clientIp: c.req.header("cf-connecting-ip") ?? null };
}

/** The money-relevant facts of a transaction, as stored in audit details (minor units, formatted on read). */
export interface TransactionFacts {
  amount_minor: number;
  currency: string;
  transaction_type: string;
  transaction_date: string;
  status: string;
  category_id: string | null;
  merchant: string | null;
  tags: string[];
}

export function factsOf(row: typeof transactions.$inferSelect): TransactionFacts {
  return {
    amount_minor: row.amountMinor,
    currency: row.currency,
    transaction_type: row.transactionType,
    transaction_date: row.transactionDate,
    status: row.status,
    category_id: row.categoryId,
    merchant: row.merchant,
    tags: JSON.parse(row.tags) as string[],
  };
}

export const FACTS_SQL = sql`json_object('amount_minor', amount_minor, 'currency', currency, 'transaction_type', transaction_type,
  'transaction_date', transaction_date, 'status', status, 'category_id', category_id, 'merchant', merchant, 'tags', json(tags))`;

interface Entry {
  userId: string | null;
  action: AuditAction;
  targetId?: string | null;
  details?: Record<string, unknown>;
}

/** An INSERT for one audit entry, to put in the same batch as the write it records. */
export function auditInsert(ctx: AuditContext, entry: Entry, onlyIf?: SQL): SQL {
  const values = sql`${newId("aud")}, ${entry.userId}, ${entry.action}, ${entry.targetId ?? null},
    ${ctx.requestId}, ${ctx.clientIp}, ${entry.details ? JSON.stringify(entry.details) : null}, ${new Date().toISOString()}`;
  const columns = sql`INSERT INTO audit_log (id, user_id, action, target_id, request_id, client_ip, details, created_at)`;
  return onlyIf ? sql`${columns} SELECT ${values} WHERE ${onlyIf}` : sql`${columns} VALUES (${values})`;
}

/** Audit entry whose details are read from the transaction row inside the batch (for deletes: run it first). */
export function auditFromRow(ctx: AuditContext, userId: string, action: AuditAction, key: "before" | "after", where: SQL): SQL {
  return sql`INSERT INTO audit_log (id, user_id, action, target_id, request_id, client_ip, details, created_at)
    SELECT ${newId("aud")}, ${userId}, ${action}, id, ${ctx.requestId}, ${ctx.clientIp},
      json_object(${key}, json(${FACTS_SQL})), ${new Date().toISOString()}
    FROM transactions WHERE ${where}`;
}

/**
 * One audit entry per transaction matching `where` (after the change), each with its own id:
 * `details.after` holds the record's facts, plus `extra`.
 */
export function auditEachRow(ctx: AuditContext, userId: string, action: AuditAction, where: SQL, extra: Record<string, unknown>): SQL {
  return sql`INSERT INTO audit_log (id, user_id, action, target_id, request_id, client_ip, details, created_at)
    SELECT 'aud_' || lower(hex(randomblob(13))), user_id, ${action}, id, ${ctx.requestId}, ${ctx.clientIp},
      json_patch(${JSON.stringify(extra)}, json_object('after', json(${FACTS_SQL}))), ${new Date().toISOString()}
    FROM transactions WHERE user_id = ${userId} AND ${where}`;
}

export async function recordAudit(db: Database, ctx: AuditContext, entry: Entry): Promise<void> {
  await db.run(auditInsert(ctx, entry));
}

function presentFacts(value: unknown): unknown {
  const facts = value as Partial<TransactionFacts> | null;
  if (!facts || typeof facts.amount_minor !== "number" || typeof facts.currency !== "string") return value;
  const { amount_minor, ...rest } = facts;
  return { ...rest, transaction_amount: formatAmount(amount_minor, facts.currency) };
}

function presentDetails(details: string | null): Record<string, unknown> | null {
  if (!details) return null;
  const parsed = JSON.parse(details) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, k === "before" || k === "after" ? presentFacts(v) : v]));
}

/** The caller's own audit entries, newest first, keyset-paginated like the transaction list. */
export async function readAuditPage(db: Database, userId: string, limit: number, cursor?: string) {
  const page = keyset(auditLog.createdAt, auditLog.id, cursor);
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.userId, userId), page.after))
    .orderBy(...page.orderBy)
    .limit(limit + 1);
  const { rows: entries, hasMore, nextCursor } = toPage(rows, limit, (r) => ({ date: r.createdAt, id: r.id }));
  return {
    data: entries.map((r) => ({
      id: r.id,
      action: r.action,
      target_id: r.targetId,
      request_id: r.requestId,
      client_ip: r.clientIp,
      details: presentDetails(r.details),
      created_at: r.createdAt,
    })),
    has_more: hasMore,
    next_cursor: nextCursor,
  };
}
