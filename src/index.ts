import { consumeAnalyticsBatch, consumeDeadLetters, sweepStaleSnapshots } from "./analytics/queue";
import app from "./app";
import { runBatch } from "./db/batch";
import { getDb } from "./db/client";
import { allShards } from "./db/shards";
import { pruneTombstones } from "./feed/sync.service";
import { purgeExpiredIdempotencyKeys } from "./http/idempotency";
import { consumeRuleApply, isRuleApplyMessage } from "./rules/apply-queue";
import { consumeSlotMoves, isSlotMoveMessage, resumeStalledMoves } from "./shards/move";
import { consumeWebhookBatch } from "./webhooks/delivery";
import { pruneEventsStatements, sweepOutbox, WEBHOOK_DLQ_NAME, WEBHOOK_QUEUE_NAME } from "./webhooks/outbox";

export type { AppType } from "./app";

const DEAD_LETTER_QUEUE = "finanalyze-analytics-dlq";

export default {
  fetch: app.fetch,
  async queue(batch, env, ctx) {
    if (batch.queue === DEAD_LETTER_QUEUE || batch.queue === WEBHOOK_DLQ_NAME) return consumeDeadLetters(batch, env);
    if (batch.queue === WEBHOOK_QUEUE_NAME) {
      await consumeWebhookBatch(batch, env);
      return;
    }
    // The analytics queue also carries the remaining slices of long rule applications, and slot-move steps.
    const ruleApply = batch.messages.filter((m) => isRuleApplyMessage(m.body));
    if (ruleApply.length > 0) await consumeRuleApply(ruleApply, env, ctx);
    const slotMoves = batch.messages.filter((m) => isSlotMoveMessage(m.body));
    if (slotMoves.length > 0) await consumeSlotMoves(slotMoves, env);
    const analytics = batch.messages.filter((m) => !isRuleApplyMessage(m.body) && !isSlotMoveMessage(m.body));
    if (analytics.length > 0) await consumeAnalyticsBatch({ ...batch, messages: analytics }, env);
  },
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(sweepStaleSnapshots(env));
    ctx.waitUntil(resumeStalledMoves(env));
    // Idempotency keys of requests before sign-up live in the directory.
    ctx.waitUntil(purgeExpiredIdempotencyKeys(getDb(env.DB)));
    // Everything else per user, shard by shard.
    for (const shard of allShards(env)) {
      const db = getDb(shard.binding);
      if (shard.binding !== env.DB) ctx.waitUntil(purgeExpiredIdempotencyKeys(db));
      ctx.waitUntil(sweepOutbox(env, db));
      ctx.waitUntil(pruneTombstones(db).then(() => runBatch(db, pruneEventsStatements())));
    }
  },
} satisfies ExportedHandler<Env>;
