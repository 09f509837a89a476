import type { AppRouteHandler } from "../http/context";
import { ApiError } from "../http/problem";
import { ifNoneMatchHits } from "../lib/etag";
import type * as routes from "./analytics.routes";
import { analyticsAnswer } from "./answer";
import { requestRecompute } from "./queue";
import { readAnalytics } from "./read";

export const getAnalytics: AppRouteHandler<typeof routes.getAnalytics> = async (c) => {
  const user = c.get("user");
  const { user_id: requested } = c.req.valid("param");
  if (requested !== "me" && requested !== user.id) throw new ApiError("forbidden", "You can only read your own analytics");
  const query = c.req.valid("query");
  const read = await readAnalytics(c.var.db, user.id, { tz: query.tz, range: { from: query.from, to: query.to } });
  // The snapshot lagged (a message is in flight or was lost): we answered from the rollups; refresh it.
  if (read.snapshotBehind) requestRecompute({ env: c.env, waitUntil: (p) => c.executionCtx.waitUntil(p) }, user.id, read.version);
  // A replica may lag the primary: unless the client pinned the session to its last write's bookmark, an
  // answer a replica served could miss acknowledged writes, and says so.
  const stale = !read.servedByPrimary && c.var.d1.start !== "bookmark";
  const { json, etag } = await analyticsAnswer(read.summary, {
    userId: user.id,
    zone: read.zone,
    currency: query.currency,
    categories: read.categories,
    weekStart: user.weekStart,
    computedAt: read.computedAt,
    stale,
  });
  c.header("etag", etag);
  c.header("cache-control", "private, no-cache");
  if (ifNoneMatchHits(c.req.header("if-none-match"), etag)) return c.body(null, 304);
  return c.body(json, 200, { "content-type": "application/json" });
};
