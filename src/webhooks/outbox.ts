import { and, eq, inArray, isNull, lt, type SQL, sql } from "drizzle-orm";
import { type Database, getDb } from "../db/client";
import { events, webhooks } from "../db/schema";
import { activeFaults, sendShouldFail } from "../dev/faults";
import { logEvent } from "../lib/log";
import { subscribes } from "./webhooks.service";

/** One queue message per (event, endpoint): each endpoint retries on its own. */
export interface DeliveryMessage {
  event_id: string;
  webhook_id: string;
}

export const WEBHOOK_QUEUE_NAME = "finanalyze-webhooks";
export const WEBHOOK_DLQ_NAME = "finanalyze-webhooks-dlq";
// Marking a batch binds its positions plus the timestamp: 99 + 1 = D1's 100 bound parameters per statement
// (at 100 the UPDATE failed, so a user with 100+ pending events re-sent the same 100 on every write, forever).
const OUTBOX_BATCH = 99;
const SEND_BATCH = 100; // Queue sendBatch limit

export async function sendDeliveries(env: Env, db: Database, messages: DeliveryMessage[]): Promise<void> {
  if (messages.length > 0 && sendShouldFail(await activeFaults(env, db))) throw new Error("injected queue send fault");
  for (let i = 0; i < messages.length; i += SEND_BATCH) {
    await env.WEBHOOK_QUEUE.sendBatch(messages.slice(i, i + SEND_BATCH).map((body) => ({ body })));
  }
}

/**
 * Sends outbox events that have not reached the queue (of one user, or of everyone for the cron sweep):
 * one message per subscribed enabled endpoint, then marks them enqueued. A failed send leaves them
 * unmarked for the sweep; a crash between send and mark sends twice, which at-least-once allows.
 */
export async function dispatchOutbox(env: Env, options: { userId?: string; createdBefore?: string } = {}): Promise<number> {
  const db = getDb(env.DB);
  let dispatched = 0;
  try {
    for (;;) {
      const conditions: SQL[] = [isNull(events.enqueuedAt)];
      if (options.userId) conditions.push(eq(events.userId, options.userId));
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
      const messages = pending.flatMap((event) =>
        hooks.filter((h) => h.userId === event.userId && subscribes(h, event.type)).map((h) => ({ event_id: event.id, webhook_id: h.id })),
      );
      await sendDeliveries(env, db, messages);
      await db
        .update(events)
        .set({ enqueuedAt: new Date().toISOString() })
        .where(
          inArray(
            events.pos,
            pending.map((e) => e.pos),
          ),
        );
      dispatched += pending.length;
      if (pending.length < OUTBOX_BATCH) return dispatched;
    }
  } catch (err) {
    logEvent("webhooks.dispatch_failed", { user_id: options.userId ?? null, error: String(err) });
    return dispatched;
  }
}

/** Cron: events older than a minute that never reached the queue (a failed or lost send). */
export function sweepOutbox(env: Env, now = Date.now()): Promise<number> {
  return dispatchOutbox(env, { createdBefore: new Date(now - 60_000).toISOString() });
}

/** Statement for the events cron: drops events and delivery attempts older than the kept 30 days. */
export function pruneEventsStatements(now = new Date()): SQL[] {
  const horizon = new Date(now.getTime() - 30 * 86_400_000).toISOString();
  return [
    sql`DELETE FROM events WHERE created_at < ${horizon} AND enqueued_at IS NOT NULL`,
    sql`DELETE FROM webhook_deliveries WHERE attempted_at < ${horizon}`,
  ];
}
