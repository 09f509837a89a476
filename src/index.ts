import { consumeAnalyticsBatch, consumeDeadLetters, sweepStaleSnapshots } from "./analytics/queue";
import app from "./app";
import { getDb } from "./db/client";
import { purgeExpiredIdempotencyKeys } from "./http/idempotency";

export type { AppType } from "./app";

const DEAD_LETTER_QUEUE = "finanalyze-analytics-dlq";

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    if (batch.queue === DEAD_LETTER_QUEUE) return consumeDeadLetters(batch, env);
    await consumeAnalyticsBatch(batch, env);
  },
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(sweepStaleSnapshots(env));
    ctx.waitUntil(purgeExpiredIdempotencyKeys(getDb(env.DB)));
  },
} satisfies ExportedHandler<Env>;
