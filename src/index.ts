import { consumeAnalyticsBatch, consumeDeadLetters, sweepStaleSnapshots } from "./analytics/queue";
import app from "./app";
import { runBatch } from "./db/batch";
import { getDb } from "./db/client";
import { pruneTombstones } from "./feed/sync.service";
import { purgeExpiredIdempotencyKeys } from "./http/idempotency";
import { consumeRuleApply, isRuleApplyMessage } from "./rules/apply-queue";
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
    // The analytics queue also carries the remaining slices of long rule applications.
    const ruleApply = batch.messages.filter((m) => isRuleApplyMessage(m.body));
    if (ruleApply.length > 0) await consumeRuleApply(ruleApply, env, ctx);
    const analytics = batch.messages.filter((m) => !isRuleApplyMessage(m.body));
    if (analytics.length > 0) await consumeAnalyticsBatch({ ...batch, messages: analytics }, env);
  },
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(sweepStaleSnapshots(env));
    ctx.waitUntil(purgeExpiredIdempotencyKeys(getDb(env.DB)));
    ctx.waitUntil(sweepOutbox(env));
    ctx.waitUntil(pruneTombstones(getDb(env.DB)).then(() => runBatch(getDb(env.DB), pruneEventsStatements())));
  },
} satisfies ExportedHandler<Env>;
