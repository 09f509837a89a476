import type { RouteHandler } from "@hono/zod-openapi";
import { getDb } from "../db/client";
import type { AppEnv } from "../lib/context";
import type { listRecurring } from "./recurring.routes";
import { readStreams } from "./store";

export const listRecurringHandler: RouteHandler<typeof listRecurring, AppEnv> = async (c) => {
  const user = c.get("user");
  const streams = await readStreams(getDb(c.env.DB), user.id, user.timeZone, c.req.valid("query"));
  c.header("cache-control", "private, no-cache");
  return c.json({ streams }, 200);
};
