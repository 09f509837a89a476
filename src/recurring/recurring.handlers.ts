import type { RouteHandler } from "@hono/zod-openapi";
import { notifyAnalytics } from "../analytics/notify";
import { getDb } from "../db/client";
import type { AppEnv } from "../lib/context";
import type { listRecurring } from "./recurring.routes";
import { readStreams } from "./store";

export const listRecurringHandler: RouteHandler<typeof listRecurring, AppEnv> = async (c) => {
  const user = c.get("user");
  const { streams, laggingVersion } = await readStreams(getDb(c.env.DB), user.id, user.timeZone, c.req.valid("query"));
  // Detection lags the writes (a message in flight or lost): queue it; this answer is the last detection.
  if (laggingVersion !== null) notifyAnalytics(c, user.id, laggingVersion);
  c.header("cache-control", "private, no-cache");
  return c.json({ streams }, 200);
};
