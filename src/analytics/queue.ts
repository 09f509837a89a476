import { getDb } from "../db/client";
import { deadLetters } from "../db/schema";
import { isSlotMoving, SLOT_MOVING_DELAY_SECONDS, shardDatabaseOf } from "../db/shard-database";
import { allShards } from "../db/shards";
import { activeFaults, sendShouldFail } from "../dev/faults";
import { logEvent } from "../lib/log";
import { refreshStreams, streamsCover, usersWithStaleStreams } from "../recurring/store";
import { dispatchOutbox } from "../webhooks/outbox";
import { recomputeSnapshot, snapshotCovers, usersBehind } from "./snapshot";

/** Producer and consumer of the analytics queue: "this user's data changed up to `version`, refresh the snapshot". */
export interface AnalyticsMessage {
  user_id: string;
  version: number;
}

/** What a producer needs: the bindings, and a way to finish work after the response (ExecutionContext.waitUntil). */
export interface Background {
  env: Env;
  waitUntil(promise: Promise<unknown>): void;
}

/** Queues a recompute. A failed send loses nothing: the read path and the cron sweep notice the lag. */
export async function enqueueRecompute(env: Env, message: AnalyticsMessage): Promise<void> {
  try {
    if (sendShouldFail(await activeFaults(env))) throw new Error("injected queue send fault");
    await env.ANALYTICS_QUEUE.send(message);
  } catch (err) {
    logEvent("analytics.enqueue_failed", { user_id: message.user_id, version: message.version, error: String(err) });
  }
}

/** Asks the consumer to refresh a user's snapshot, without holding up the response. */
export function requestRecompute(background: Background, userId: string, version: number): void {
  background.waitUntil(enqueueRecompute(background.env, { user_id: userId, version }));
}

function isAnalyticsMessage(body: unknown): body is AnalyticsMessage {
  const b = body as Partial<AnalyticsMessage> | null;
  return typeof b?.user_id === "string" && typeof b.version === "number";
}

export interface BatchOutcome {
  recomputed: string[];
  upToDate: string[];
  retried: string[];
}

/**
 * Coalesces a batch by user (one recompute per user, however many messages), and acks or retries
 * per user: one user's failure retries only that user's messages, never the whole batch. A user whose slot
 * is being moved waits for the move as one fresh message (retries would dead-letter their messages).
 */
export async function consumeAnalyticsBatch(batch: MessageBatch<unknown>, env: Env): Promise<BatchOutcome> {
  const faults = await activeFaults(env);
  const outcome: BatchOutcome = { recomputed: [], upToDate: [], retried: [] };
  const byUser = new Map<string, { version: number; messages: Message<unknown>[] }>();
  for (const message of batch.messages) {
    if (!isAnalyticsMessage(message.body)) {
      logEvent("analytics.bad_message", { id: message.id });
      message.ack();
      continue;
    }
    const entry = byUser.get(message.body.user_id) ?? { version: 0, messages: [] };
    entry.version = Math.max(entry.version, message.body.version);
    entry.messages.push(message);
    byUser.set(message.body.user_id, entry);
  }
  for (const [userId, { version, messages }] of byUser) {
    try {
      if (faults.consumerFailUsers.has(userId)) throw new Error("injected consumer fault");
      const db = await shardDatabaseOf(env, userId);
      if (await snapshotCovers(db, userId, version)) {
        outcome.upToDate.push(userId);
      } else {
        const { stored } = await recomputeSnapshot(db, userId);
        if (stored) await dispatchOutbox(env, db, { userId }); // its analytics.updated event
        outcome.recomputed.push(userId);
      }
      // Recurring streams ride the same coalesced message (issue 15), with their own version check.
      if (!(await streamsCover(db, userId, version))) await refreshStreams(db, userId);
      for (const message of messages) message.ack();
    } catch (err) {
      if (isSlotMoving(err)) {
        const resent = env.ANALYTICS_QUEUE.send({ user_id: userId, version } satisfies AnalyticsMessage, {
          delaySeconds: SLOT_MOVING_DELAY_SECONDS,
        });
        if (
          await resent.then(
            () => true,
            () => false,
          )
        ) {
          for (const message of messages) message.ack();
          outcome.retried.push(userId);
          continue;
        }
      }
      logEvent("analytics.recompute_failed", { user_id: userId, error: String(err), attempts: messages[0]?.attempts ?? 0 });
      for (const message of messages) message.retry();
      outcome.retried.push(userId);
    }
  }
  return outcome;
}

/** Messages that exhausted their retries: recorded for operators; the cron sweep still heals the snapshot. */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const db = getDb(env.DB);
  for (const message of batch.messages) {
    logEvent("analytics.dead_letter", { id: message.id, body: message.body, attempts: message.attempts });
    await db
      .insert(deadLetters)
      .values({
        id: message.id,
        queue: batch.queue,
        body: JSON.stringify(message.body),
        attempts: message.attempts,
        failedAt: new Date().toISOString(),
      })
      .onConflictDoNothing();
    message.ack();
  }
}

export const SWEEP_LIMIT = 200;

/**
 * Cron: recompute every user whose snapshot lags their change counter (lost or dead-lettered messages),
 * shard by shard, each user through the shard that holds them now.
 */
export async function sweepStaleSnapshots(env: Env, limit = SWEEP_LIMIT): Promise<number> {
  const users: string[] = [];
  for (const shard of allShards(env)) users.push(...(await usersBehind(getDb(shard.binding), limit - users.length)));
  let healed = 0;
  for (const userId of users) {
    try {
      await recomputeSnapshot(await shardDatabaseOf(env, userId), userId);
      healed += 1;
    } catch (err) {
      logEvent("analytics.sweep_failed", { user_id: userId, error: String(err) });
    }
  }
  for (const shard of allShards(env)) {
    for (const userId of await usersWithStaleStreams(getDb(shard.binding), limit)) {
      try {
        await refreshStreams(await shardDatabaseOf(env, userId), userId);
      } catch (err) {
        logEvent("analytics.sweep_failed", { user_id: userId, error: String(err) });
      }
    }
  }
  if (users.length > 0) logEvent("analytics.sweep", { behind: users.length, healed });
  return healed;
}
