import { consumeAnalyticsBatch, consumeDeadLetters, sweepStaleSnapshots } from "./analytics/consumer";
import app from "./app";
import { getDb } from "./db/client";
import { purgeExpiredIdempotencyKeys } from "./lib/idempotency";
import { consumeRuleApply, isRuleApplyMessage } from "./rules/apply-queue";

export type { AppType } from "./app";

const DEAD_LETTER_QUEUE = "finanalyze-analytics-dlq";

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    if (batch.queue === DEAD_LETTER_QUEUE) return consumeDeadLetters(batch, env);
    // The analytics queue also carries the remaining slices of long rule applications.
    const ruleApply = batch.messages.filter((m) => isRuleApplyMessage(m.body));
    if (ruleApply.length > 0) await consumeRuleApply(ruleApply, env);
    const analytics = batch.messages.filter((m) => !isRuleApplyMessage(m.body));
    if (analytics.length > 0) await consumeAnalyticsBatch({ ...batch, messages: analytics }, env);
  },
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(sweepStaleSnapshots(env));
    ctx.waitUntil(purgeExpiredIdempotencyKeys(getDb(env.DB)));
  },
} satisfies ExportedHandler<Env>;
