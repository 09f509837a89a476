import { type SQL, sql } from "drizzle-orm";

/**
 * Every statement a transaction write adds to its D1 batch for the sync feed and the event outbox.
 * One owner for the rule "a committed change has its sequence position, tombstone and event in the
 * same batch". `where` selects the changed rows (at most 98 bound parameters, like the rollups' chunks).
 *
 * Place the statements AFTER the write for "created" and "updated" (they read the new row), and
 * BEFORE the write for "deleted" (they read the row that is about to go).
 */
export type ChangeKind = "created" | "updated" | "deleted";

const EVENT_TYPES: Record<ChangeKind, string> = {
  created: "transaction.created",
  updated: "transaction.updated",
  deleted: "transaction.deleted",
};

/** SQLite-generated event id: "evt_" and 32 hex digits (128 random bits), as opaque as newId's. */
export const SQL_EVENT_ID = sql`'evt_' || lower(hex(randomblob(16)))`;

/**
 * The transaction row as JSON with TransactionRow's keys, rendered into the record when read. New
 * transaction columns belong here too.
 */
const ROW_JSON = sql`json_object('id', id, 'userId', user_id, 'transactionDate', transaction_date, 'amountMinor', amount_minor,
  'currency', currency, 'transactionType', transaction_type, 'status', status, 'description', description,
  'externalId', external_id, 'categoryId', category_id, 'merchant', merchant, 'tags', tags,
  'dateOnly', json(CASE WHEN date_only = 1 THEN 'true' ELSE 'false' END), 'etag', etag,
  'createdAt', created_at, 'updatedAt', updated_at, 'seq', seq, 'createdSeq', created_seq)`;

const counter = (userId: string) => sql`(SELECT change_seq FROM sync_state WHERE user_id = ${userId})`;

function ensureCounter(userId: string): SQL {
  return sql`INSERT INTO sync_state (user_id) VALUES (${userId}) ON CONFLICT (user_id) DO NOTHING`;
}

/**
 * Gives each row matching `where` its own next position in the user's sequence (counter + 1, + 2, …),
 * then moves the counter past them (an index lookup on (user_id, seq)).
 */
export function sequenceStatements(userId: string, where: SQL, created: boolean): SQL[] {
  return [
    ensureCounter(userId),
    sql`UPDATE transactions SET seq = t.next ${created ? sql`, created_seq = t.next` : sql``}
      FROM (SELECT id, ${counter(userId)} + row_number() OVER (ORDER BY id) AS next FROM transactions WHERE ${where}) AS t
      WHERE transactions.id = t.id`,
    sql`UPDATE sync_state SET change_seq = MAX(change_seq, COALESCE((SELECT MAX(seq) FROM transactions WHERE user_id = ${userId}), 0))
      WHERE user_id = ${userId}`,
  ];
}

function tombstoneStatements(userId: string, where: SQL, now: string): SQL[] {
  return [
    ensureCounter(userId),
    sql`INSERT INTO transaction_tombstones (id, user_id, seq, created_seq, deleted_at)
      SELECT id, user_id, ${counter(userId)} + row_number() OVER (ORDER BY id), created_seq, ${now} FROM transactions WHERE ${where}`,
    sql`UPDATE sync_state SET change_seq = MAX(change_seq, COALESCE((SELECT MAX(seq) FROM transaction_tombstones WHERE user_id = ${userId}), 0))
      WHERE user_id = ${userId}`,
  ];
}

/**
 * An event of a user without an enabled webhook has nothing to send: it leaves the outbox at once
 * (endpoints get the events created after they exist). No bound parameter, for the 100-parameter limit.
 */
const NOTHING_TO_SEND = sql`CASE WHEN EXISTS (SELECT 1 FROM webhooks w WHERE w.user_id = transactions.user_id AND w.status = 'enabled')
  THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%fZ', 'now') END`;

function eventStatement(kind: ChangeKind, where: SQL, now: string): SQL {
  const object = kind === "deleted" ? sql`json_object('id', id, 'deleted_at', ${now})` : ROW_JSON;
  return sql`INSERT INTO events (id, user_id, type, object, created_at, enqueued_at)
    SELECT ${SQL_EVENT_ID}, user_id, ${sql.raw(`'${EVENT_TYPES[kind]}'`)}, ${object}, ${now}, ${NOTHING_TO_SEND}
    FROM transactions WHERE ${where} ORDER BY id`;
}

export function feedStatements(userId: string, kind: ChangeKind, where: SQL, now = new Date().toISOString()): SQL[] {
  const sequence = kind === "deleted" ? tombstoneStatements(userId, where, now) : sequenceStatements(userId, where, kind === "created");
  return [...sequence, eventStatement(kind, where, now)];
}
