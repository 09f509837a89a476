import type { RouteHandler } from "@hono/zod-openapi";
import { getDb } from "../db/client";
import type { AppEnv } from "../lib/context";
import { ApiError } from "../lib/problem";
import type { getAnalytics } from "./analytics.routes";
import { loadRollups } from "./analytics.service";
import { computeAnalytics } from "./compute";

export const getAnalyticsHandler: RouteHandler<typeof getAnalytics, AppEnv> = async (c) => {
  const user = c.get("user");
  const { user_id: requested } = c.req.valid("param");
  if (requested !== "me" && requested !== user.id) throw new ApiError("forbidden", "You can only read your own analytics");
  const { currency } = c.req.valid("query");
  const rows = await loadRollups(getDb(c.env.DB), user.id);
  const figures = computeAnalytics(rows, currency);
  return c.json({ user_id: user.id, ...figures, computed_at: new Date().toISOString(), stale: false }, 200);
};
