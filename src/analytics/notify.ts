import type { Context } from "hono";
import type { AppEnv } from "../lib/context";
import { dispatchOutbox } from "../webhooks/outbox";
import { enqueueRecompute } from "./analytics.service";

/** After a write commits: ask the consumer to refresh the snapshot, without holding up the response. */
export function notifyAnalytics(c: Context<AppEnv>, userId: string, version: number): void {
  c.executionCtx.waitUntil(enqueueRecompute(c.env, { user_id: userId, version }));
  // The write's events are in the outbox (same batch): hand them to the webhook queue (the cron re-sends on failure).
  c.executionCtx.waitUntil(dispatchOutbox(c.env, { userId }));
}
