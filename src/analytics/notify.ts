import type { Context } from "hono";
import type { AppEnv } from "../http/context";
import { enqueueRecompute } from "./analytics.service";

/** After a write commits: ask the consumer to refresh the snapshot, without holding up the response. */
export function notifyAnalytics(c: Context<AppEnv>, userId: string, version: number): void {
  c.executionCtx.waitUntil(enqueueRecompute(c.env, { user_id: userId, version }));
}
