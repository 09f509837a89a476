import type { RouteHandler } from "@hono/zod-openapi";
import { getDb } from "../db/client";
import type { AppEnv } from "../lib/context";
import { bodyEtag, ifNoneMatchHits } from "../lib/etag";
import { ApiError } from "../lib/problem";
import type { getAnalytics } from "./analytics.routes";
import { readAnalytics } from "./analytics.service";
import { buildAnalytics } from "./compute";
import { notifyAnalytics } from "./notify";

export const getAnalyticsHandler: RouteHandler<typeof getAnalytics, AppEnv> = async (c) => {
  const user = c.get("user");
  const { user_id: requested } = c.req.valid("param");
  if (requested !== "me" && requested !== user.id) throw new ApiError("forbidden", "You can only read your own analytics");
  const query = c.req.valid("query");
  const zone = query.tz ?? user.timeZone;
  const range = { from: query.from, to: query.to };
  const read = await readAnalytics(getDb(c.env.DB), user.id, { zone, profileZone: user.timeZone, range });
  // The snapshot lagged (a message is in flight or was lost): we answered from the rollups; refresh it.
  if (read.snapshotBehind) notifyAnalytics(c, user.id, read.version);
  const body = {
    user_id: user.id,
    time_zone: zone,
    ...buildAnalytics(read.summary, query.currency, read.categories, user.weekStart),
    computed_at: read.computedAt,
    stale: false,
  };
  const etag = await bodyEtag(JSON.stringify(body));
  c.header("etag", etag);
  c.header("cache-control", "private, no-cache");
  if (ifNoneMatchHits(c.req.header("if-none-match"), etag)) return c.body(null, 304);
  return c.json(body, 200);
};
