import { type SQL, sql } from "drizzle-orm";
import { newEtag } from "../lib/ids";

/** New labels for one stored transaction, guarded by the etag it was read at. */
export interface Relabel {
  id: string;
  etag: string;
  categoryId: string | null;
  merchant: string | null;
  tags: string[];
}

/** A relabelling, as the ledger takes it: rows leave their rollups, change, and come back (one audit entry each). */
export interface RelabelWrite {
  /** The rows as they are before (rollups taken out first). */
  removes: SQL;
  /** The statement that changes them. */
  write: SQL;
  /** The same rows after the change (rollups added back, one audit entry each). */
  changed: SQL;
}

/**
 * Labels for several transactions. Every row keeps the exactness guard of a single update: a row changed
 * since it was read (another etag) is left alone, rollups included.
 */
export function relabelWrite(userId: string, changes: readonly Relabel[]): RelabelWrite {
  const payload = JSON.stringify(
    changes.map((c) => ({ id: c.id, etag: c.etag, c: c.categoryId, m: c.merchant, t: JSON.stringify(c.tags) })),
  );
  const etag = newEtag();
  const now = new Date().toISOString();
  return {
    removes: sql`transactions.user_id = ${userId} AND (transactions.id, transactions.etag) IN (
      SELECT json_extract(value, '$.id'), json_extract(value, '$.etag') FROM json_each(${payload}))`,
    write: sql`UPDATE transactions SET category_id = p.c, merchant = p.m, tags = p.t, etag = ${etag}, updated_at = ${now}
      FROM (SELECT json_extract(value, '$.id') AS id, json_extract(value, '$.etag') AS old, json_extract(value, '$.c') AS c,
              json_extract(value, '$.m') AS m, json_extract(value, '$.t') AS t FROM json_each(${payload})) AS p
      WHERE transactions.id = p.id AND transactions.etag = p.old AND transactions.user_id = ${userId}`,
    changed: sql`transactions.user_id = ${userId} AND transactions.id IN (SELECT json_extract(value, '$.id') FROM json_each(${payload}))
      AND transactions.etag = ${etag}`,
  };
}

/** Every transaction of one category moved to another (null: uncategorised). */
export function reassignCategoryWrite(userId: string, from: string, to: string | null): RelabelWrite {
  const etag = newEtag();
  const now = new Date().toISOString();
  const before = sql`transactions.user_id = ${userId} AND transactions.category_id = ${from}`;
  return {
    removes: before,
    write: sql`UPDATE transactions SET category_id = ${to}, etag = ${etag}, updated_at = ${now} WHERE ${before}`,
    changed: sql`transactions.user_id = ${userId} AND transactions.category_id IS ${to} AND transactions.etag = ${etag}`,
  };
}
