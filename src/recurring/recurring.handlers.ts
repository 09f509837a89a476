import { requestRecompute } from "../analytics/queue";
import type { AppRouteHandler } from "../http/context";
import type { listRecurring } from "./recurring.routes";
import { readStreams } from "./store";

export const listRecurringHandler: AppRouteHandler<typeof listRecurring> = async (c) => {
  const user = c.get("user");
  const { streams, laggingVersion } = await readStreams(c.var.db, user.id, c.req.valid("query"));
  // Detection lags the writes (a message in flight or lost): queue it; this answer is the last detection.
  if (laggingVersion !== null) requestRecompute({ env: c.env, waitUntil: (p) => c.executionCtx.waitUntil(p) }, user.id, laggingVersion);
  c.header("cache-control", "private, no-cache");
  return c.json({ streams }, 200);
};
