import { eq, sql } from "drizzle-orm";
import { runBatch } from "../db/batch";
import type { Database } from "../db/client";
import { events, webhookDeliveries, webhooks } from "../db/schema";
import { shardDatabaseOf } from "../db/shard-database";
import { allShards } from "../db/shards";
import { activeFaults } from "../dev/faults";
import { ownerOf, renderEvent } from "../events/events.service";
import { newId } from "../lib/ids";
import { logEvent } from "../lib/log";
import type { DeliveryMessage } from "./outbox";
import { nextDelaySeconds, scaledDelaySeconds, shouldDisable } from "./retry";
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signPayload } from "./signature";
import { checkWebhookUrl } from "./url-guard";
import { activeSecrets, allowsLocalTargets, type WebhookRow } from "./webhooks.service";

export const DELIVERY_TIMEOUT_MS = 10_000;

function isDeliveryMessage(body: unknown): body is DeliveryMessage {
  const b = body as Partial<DeliveryMessage> | null;
  return typeof b?.event_id === "string" && typeof b.webhook_id === "string" && (b.user_id === undefined || typeof b.user_id === "string");
}

/**
 * The shard that holds a delivery's endpoint and event: its owner's (fence-checked, so a slot being moved
 * retries later), or, for a message queued before it named its owner, whichever shard has the endpoint.
 */
async function deliveryDatabase(env: Env, message: DeliveryMessage): Promise<Database | undefined> {
  if (message.user_id) return shardDatabaseOf(env, message.user_id);
  for (const shard of allShards(env)) {
    const found = await shard.binding
      .prepare("SELECT user_id FROM webhooks WHERE id = ?")
      .bind(message.webhook_id)
      .first<{ user_id: string }>();
    if (found) return shardDatabaseOf(env, found.user_id);
  }
  return undefined;
}

interface Attempt {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** One POST of the signed event; never throws (a network error or the 10 s timeout is a failed attempt). */
async function post(env: Env, hook: WebhookRow, eventId: string, body: string): Promise<Attempt> {
  const started = Date.now();
  const check = checkWebhookUrl(hook.url, { allowLocal: allowsLocalTargets(env) });
  if (!check.ok) return { statusCode: null, error: `refused target: ${check.reason}`, durationMs: 0 };
  try {
    const t = Math.floor(Date.now() / 1000);
    const res = await fetch(check.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "FinAnalyze-Webhooks/1",
        [SIGNATURE_HEADER]: await signPayload(activeSecrets(hook), t, body),
        [EVENT_ID_HEADER]: eventId,
      },
      body,
      // A redirect is a failure: following it could lead anywhere the guard refuses.
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await res.body?.cancel();
    const ok = res.status >= 200 && res.status < 300;
    return { statusCode: res.status, error: ok ? null : `HTTP ${res.status}`, durationMs: Date.now() - started };
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    return { statusCode: null, error: timedOut ? "timeout after 10 s" : String(err), durationMs: Date.now() - started };
  }
}

export type DeliveryOutcome = "delivered" | "retry" | "dead" | "skipped";

/**
 * Delivers one (event, endpoint) message: records the attempt, and on failure starts or continues the
 * endpoint's failure run (disabled after 3 days of it); a success ends the run. `retryScale` < 1 shortens
 * the retry delay (local runs only, from the fault switches).
 */
export async function deliverOnce(env: Env, db: Database, message: DeliveryMessage, attempt: number, retryScale = 1) {
  const [hook, event] = await Promise.all([
    db.select().from(webhooks).where(eq(webhooks.id, message.webhook_id)).get(),
    db.select().from(events).where(eq(events.id, message.event_id)).get(),
  ]);
  // Deleted or disabled endpoint, pruned event, or a message that mixes two users: nothing to send.
  const mixed = hook?.userId !== event?.userId || (message.user_id !== undefined && message.user_id !== hook?.userId);
  if (!hook || !event || mixed || hook.status !== "enabled") return { outcome: "skipped" as const };
  const body = JSON.stringify(renderEvent(event, await ownerOf(db, event.userId)));
  const result = await post(env, hook, event.id, body);
  const now = new Date();
  const failed = result.error !== null;
  const fullDelay = failed ? nextDelaySeconds(attempt) : null;
  const delay = fullDelay === null ? null : scaledDelaySeconds(fullDelay, retryScale);
  await runBatch(db, [
    db.insert(webhookDeliveries).values({
      id: newId("dlv"),
      webhookId: hook.id,
      userId: hook.userId,
      eventId: event.id,
      attempt,
      attemptedAt: now.toISOString(),
      statusCode: result.statusCode,
      error: result.error,
      durationMs: result.durationMs,
      nextRetryAt: delay === null ? null : new Date(now.getTime() + delay * 1000).toISOString(),
    }),
    failed
      ? sql`UPDATE webhooks SET failing_since = COALESCE(failing_since, ${now.toISOString()}),
          status = CASE WHEN ${shouldDisable(hook.failingSince, now) ? 1 : 0} THEN 'disabled' ELSE status END
          WHERE id = ${hook.id}`
      : sql`UPDATE webhooks SET failing_since = NULL WHERE id = ${hook.id}`,
  ]);
  if (!failed) return { outcome: "delivered" as const };
  return delay === null ? { outcome: "dead" as const } : { outcome: "retry" as const, delaySeconds: delay };
}

/** Queue consumer: deliveries run concurrently; each message is acked or retried on its own. */
export async function consumeWebhookBatch(batch: MessageBatch<unknown>, env: Env): Promise<DeliveryOutcome[]> {
  // Production: no query, scale 1.
  const { webhookRetryScale } = await activeFaults(env);
  return Promise.all(
    batch.messages.map(async (message): Promise<DeliveryOutcome> => {
      if (!isDeliveryMessage(message.body)) {
        logEvent("webhooks.bad_message", { id: message.id });
        message.ack();
        return "skipped";
      }
      try {
        const db = await deliveryDatabase(env, message.body);
        const result = db ? await deliverOnce(env, db, message.body, message.attempts, webhookRetryScale) : { outcome: "skipped" as const };
        if (result.outcome === "retry") message.retry({ delaySeconds: result.delaySeconds });
        // Attempts exhausted: a plain retry moves it to the dead-letter queue (max_retries = 7).
        else if (result.outcome === "dead") message.retry();
        else message.ack();
        return result.outcome;
      } catch (err) {
        logEvent("webhooks.delivery_error", { id: message.id, error: String(err) });
        message.retry({ delaySeconds: scaledDelaySeconds(nextDelaySeconds(Math.max(1, message.attempts)) ?? 60, webhookRetryScale) });
        return "retry";
      }
    }),
  );
}
