import { and, eq, inArray, isNull, lt, type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { events, webhooks } from "../db/schema";
import { activeFaults, sendShouldFail } from "../dev/faults";
import { logEvent } from "../lib/log";
import { subscribes } from "./webhooks.service";

/** One queue message per (event, endpoint): each endpoint retries on its own. */
export interface DeliveryMessage {
  event_id: string;
  webhook_id: string;
  /** The owner, whose shard holds the event and the endpoint (absent on messages queued before sharding). */
  user_id?: string;
}

export const WEBHOOK_QUEUE_NAME = "finanalyze-webhooks";
export const WEBHOOK_DLQ_NAME = "finanalyze-webhooks-dlq";
// Marking a batch binds its positions plus the timestamp: 99 + 1 = D1's 100 bound parameters per statement
// (at 100 the UPDATE failed, so a user with 100+ pending events re-sent the same 100 on every write, forever).
const OUTBOX_BATCH = 99;
const SEND_BATCH = 100; // Queue sendBatch limit

export async function sendDeliveries(env: Env, messages: DeliveryMessage[]): Promise<void> {
  if (messages.length > 0 && sendShouldFail(await activeFaults(env))) throw new Error("injected queue send fault");
  for (let i = 0; i < messages.length; i += SEND_BATCH) {
    await env.WEBHOOK_QUEUE.sendBatch(messages.slice(i, i + SEND_BATCH).map((body) => ({ body })));
  }
}

/** An outbox event not yet on the queue, with one of its owner's enabled endpoints (null: the owner has none). */
export interface OutboxRow {
  pos: number;
  id: string;
  user_id: string;
  type: string;
  webhook_id: string | null;
  webhook_events: string | null;
}

/**
 * A write batch's last-but-one statement when it wrote events: the user's first outbox events that have not
 * reached the queue, each with the user's enabled endpoints, so the dispatch after the answer needs no read.
 */
export function pendingOutbox(userId: string): SQL {
  return sql`SELECT e.pos, e.id, e.user_id, e.type, w.id AS webhook_id, w.events AS webhook_events
    FROM (SELECT pos, id, user_id, type FROM events WHERE user_id = ${userId} AND enqueued_at IS NULL ORDER BY pos LIMIT ${OUTBOX_BATCH}) AS e
    LEFT JOIN webhooks w ON w.user_id = ${userId} AND w.status = 'enabled'
    ORDER BY e.pos`;
}

/** One message per subscribed endpoint of each event; every event's position, to mark it enqueued. */
function outboxMessages(rows: readonly OutboxRow[]): { messages: DeliveryMessage[]; positions: number[] } {
  const messages = rows.flatMap((r) =>
    r.webhook_id && r.webhook_events && subscribes({ events: r.webhook_events }, r.type)
      ? [{ event_id: r.id, webhook_id: r.webhook_id, user_id: r.user_id }]
      : [],
  );
  return { messages, positions: [...new Set(rows.map((r) => r.pos))] };
}

/** Sends the rows' messages, then marks their events enqueued (one D1 call, after the send). Returns the events sent. */
async function sendAndMark(env: Env, db: Database, rows: readonly OutboxRow[]): Promise<number> {
  const { messages, positions } = outboxMessages(rows);
  if (positions.length === 0) return 0;
  await sendDeliveries(env, messages);
  await db.update(events).set({ enqueuedAt: new Date().toISOString() }).where(inArray(events.pos, positions));
  return positions.length;
}

/**
 * After a write's batch: sends the outbox rows it read (`pendingOutbox`), so the common case adds only the
 * mark; a full page continues with `dispatchOutbox`. A failed send leaves the events to the cron sweep.
 */
export async function dispatchRead(env: Env, db: Database, userId: string, rows: readonly OutboxRow[]): Promise<number> {
  try {
    const sent = await sendAndMark(env, db, rows);
    return sent < OUTBOX_BATCH ? sent : sent + (await dispatchOutbox(env, db, { userId }));
  } catch (err) {
    logEvent("webhooks.dispatch_failed", { user_id: userId, error: String(err) });
    return 0;
  }
}

/**
 * Sends outbox events of one shard that have not reached the queue (of one user, or of everyone there for the
 * cron sweep): one message per subscribed enabled endpoint, then marks them enqueued. A failed send leaves
 * them unmarked for the sweep; a crash between send and mark sends twice, which at-least-once allows.
 * The sweep skips users whose slot is fenced on this shard (a copy being moved in or out: the serving
 * shard sends their events).
 */
export async function dispatchOutbox(env: Env, db: Database, options: { userId?: string; createdBefore?: string } = {}): Promise<number> {
  let dispatched = 0;
  try {
    for (;;) {
      const conditions: SQL[] = [isNull(events.enqueuedAt)];
      if (options.userId) conditions.push(eq(events.userId, options.userId));
      else conditions.push(sql`${events.userId} NOT IN (SELECT id FROM users WHERE slot IN (SELECT slot FROM slot_fences))`);
      if (options.createdBefore) conditions.push(lt(events.createdAt, options.createdBefore));
      const pending = await db
        .select({ pos: events.pos, id: events.id, userId: events.userId, type: events.type })
        .from(events)
        .where(and(...conditions))
        .orderBy(events.pos)
        .limit(OUTBOX_BATCH);
      if (pending.length === 0) return dispatched;
      const owners = [...new Set(pending.map((e) => e.userId))];
      const hooks = await db
        .select({ id: webhooks.id, userId: webhooks.userId, events: webhooks.events })
        .from(webhooks)
        .where(and(inArray(webhooks.userId, owners), eq(webhooks.status, "enabled")));
      const rows = pending.flatMap((event): OutboxRow[] => {
        const own = hooks.filter((h) => h.userId === event.userId);
        const base = { pos: event.pos, id: event.id, user_id: event.userId, type: event.type };
        return own.length === 0
          ? [{ ...base, webhook_id: null, webhook_events: null }]
          : own.map((h) => ({ ...base, webhook_id: h.id, webhook_events: h.events }));
      });
      dispatched += await sendAndMark(env, db, rows);
      if (pending.length < OUTBOX_BATCH) return dispatched;
    }
  } catch (err) {
    logEvent("webhooks.dispatch_failed", { user_id: options.userId ?? null, error: String(err) });
    return dispatched;
  }
}

/** Cron, per shard: events older than a minute that never reached the queue (a failed or lost send). */
export function sweepOutbox(env: Env, shard: Database, now = Date.now()): Promise<number> {
  return dispatchOutbox(env, shard, { createdBefore: new Date(now - 60_000).toISOString() });
}

/**
 * Statements for the events cron: drop events and delivery attempts older than the kept 30 days. Each
 * user's latest event stays, so their stream positions (events.seq) never start over.
 */
export function pruneEventsStatements(now = new Date()): SQL[] {
  const horizon = new Date(now.getTime() - 30 * 86_400_000).toISOString();
  return [
    sql`DELETE FROM events WHERE created_at < ${horizon} AND enqueued_at IS NOT NULL
      AND seq < (SELECT MAX(latest.seq) FROM events AS latest WHERE latest.user_id = events.user_id)`,
    sql`DELETE FROM webhook_deliveries WHERE attempted_at < ${horizon}`,
  ];
}
