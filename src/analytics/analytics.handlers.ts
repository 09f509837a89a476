import type { AppRouteHandler } from "../http/context";
import { ApiError } from "../http/problem";
import { bodyEtag, ifNoneMatchHits } from "../lib/etag";
import type * as routes from "./analytics.routes";
import { buildAnalytics } from "./compute";
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
  const body = {
    user_id: user.id,
    time_zone: read.zone,
    ...buildAnalytics(read.summary, query.currency, read.categories, user.weekStart),
    computed_at: read.computedAt,
    stale,
  };
  const etag = await bodyEtag(JSON.stringify(body));
  c.header("etag", etag);
  c.header("cache-control", "private, no-cache");
  if (ifNoneMatchHits(c.req.header("if-none-match"), etag)) return c.body(null, 304);
  return c.json(body, 200);
};
