import { type SQL, sql } from "drizzle-orm";
import { type AuditAction, type AuditContext, FACTS_SQL } from "../audit/audit.service";
import { newEtag } from "../lib/ids";
import { addToRollups, removeFromRollups } from "./rollups";

/** New labels for one stored transaction, guarded by the etag it was read at. */
export interface Relabel {
  id: string;
  etag: string;
  categoryId: string | null;
  merchant: string | null;
  tags: string[];
}

/**
 * One audit entry per transaction matching `where` (after the change), each with its own id:
 * `details.after` holds the record's facts, plus `extra`.
 */
function auditEach(ctx: AuditContext, userId: string, action: AuditAction, where: SQL, extra: Record<string, unknown>): SQL {
  return sql`INSERT INTO audit_log (id, user_id, action, target_id, request_id, client_ip, details, created_at)
    SELECT 'aud_' || lower(hex(randomblob(13))), user_id, ${action}, id, ${ctx.requestId}, ${ctx.clientIp},
      json_patch(${JSON.stringify(extra)}, json_object('after', json(${FACTS_SQL}))), ${new Date().toISOString()}
    FROM transactions WHERE user_id = ${userId} AND ${where}`;
}

interface RelabelAudit {
  context: AuditContext;
  action: AuditAction;
  details: Record<string, unknown>;
}

/**
 * Statements (for one atomic batch) that move transactions from their rollups, change their labels and
 * put them back, with an audit entry per row. Every row keeps the exactness guard of a single update: a
 * row changed since it was read (another etag) is left alone, rollups included.
 */
export function relabelStatements(userId: string, changes: readonly Relabel[], audit: RelabelAudit): SQL[] {
  if (changes.length === 0) return [];
  const payload = JSON.stringify(
    changes.map((c) => ({ id: c.id, etag: c.etag, c: c.categoryId, m: c.merchant, t: JSON.stringify(c.tags) })),
  );
  const etag = newEtag();
  const now = new Date().toISOString();
  const before = sql`transactions.user_id = ${userId} AND (transactions.id, transactions.etag) IN (
    SELECT json_extract(value, '$.id'), json_extract(value, '$.etag') FROM json_each(${payload}))`;
  const after = sql`transactions.id IN (SELECT json_extract(value, '$.id') FROM json_each(${payload})) AND transactions.etag = ${etag}`;
  return [
    ...removeFromRollups(before),
    sql`UPDATE transactions SET category_id = p.c, merchant = p.m, tags = p.t, etag = ${etag}, updated_at = ${now}
      FROM (SELECT json_extract(value, '$.id') AS id, json_extract(value, '$.etag') AS old, json_extract(value, '$.c') AS c,
              json_extract(value, '$.m') AS m, json_extract(value, '$.t') AS t FROM json_each(${payload})) AS p
      WHERE transactions.id = p.id AND transactions.etag = p.old AND transactions.user_id = ${userId}`,
    ...addToRollups(after),
    auditEach(audit.context, userId, audit.action, after, audit.details),
  ];
}

/** Statements moving every transaction of one category to another (null: uncategorised), rollups and audit included. */
export function reassignCategoryStatements(userId: string, from: string, to: string | null, audit: RelabelAudit): SQL[] {
  const etag = newEtag();
  const now = new Date().toISOString();
  const before = sql`transactions.user_id = ${userId} AND transactions.category_id = ${from}`;
  const after = sql`transactions.category_id IS ${to} AND transactions.etag = ${etag}`;
  return [
    ...removeFromRollups(before),
    sql`UPDATE transactions SET category_id = ${to}, etag = ${etag}, updated_at = ${now} WHERE ${before}`,
    ...addToRollups(sql`transactions.user_id = ${userId} AND ${after}`),
    auditEach(audit.context, userId, audit.action, after, audit.details),
  ];
}
