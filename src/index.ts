import { consumeAnalyticsBatch, consumeDeadLetters, sweepStaleSnapshots } from "./analytics/queue";
import app from "./app";
import { getDb } from "./db/client";
import { allShards } from "./db/shards";
import { purgeExpiredIdempotencyKeys } from "./http/idempotency";
import { consumeRuleApply, isRuleApplyMessage } from "./rules/apply-queue";
import { consumeSlotMoves, isSlotMoveMessage, resumeStalledMoves } from "./shards/move";

export type { AppType } from "./app";

const DEAD_LETTER_QUEUE = "finanalyze-analytics-dlq";

export default {
  fetch: app.fetch,
  async queue(batch, env, ctx) {
    if (batch.queue === DEAD_LETTER_QUEUE) return consumeDeadLetters(batch, env);
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
    // Idempotency keys live in every shard (per user) and in the directory (before sign-up).
    for (const binding of new Set([env.DB, ...allShards(env).map((s) => s.binding)])) {
      ctx.waitUntil(purgeExpiredIdempotencyKeys(getDb(binding)));
    }
  },
} satisfies ExportedHandler<Env>;
