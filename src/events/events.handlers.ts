import type { AppRouteHandler } from "../http/context";
import { ApiError } from "../http/problem";
import { decodeCursor, deriveCursorKey, encodeCursor } from "../lib/signed-cursor";
import type { listEvents } from "./events.routes";
import * as service from "./events.service";

export const listEventsHandler: AppRouteHandler<typeof listEvents> = async (c) => {
  const user = c.get("user");
  const { cursor, limit, type } = c.req.valid("query");
  const key = await deriveCursorKey(c.env.JWT_SECRET, "events");
  let after = 0;
  if (cursor !== undefined) {
    const payload = await decodeCursor(key, cursor, user.id);
    if (!payload) throw new ApiError("bad_request", "The cursor is not valid for this user; pass a next_cursor this API gave you");
    after = payload.s;
  }
  const page = await service.listEvents(c.var.db, user.id, after, limit, type);
  const last = page.rows.at(-1);
  return c.json(
    {
      data: page.rows.map((row) => service.renderEvent(row, user)),
      has_more: page.hasMore,
      next_cursor: page.hasMore && last ? await encodeCursor(key, { u: user.id, s: last.seq }) : null,
    },
    200,
  );
};
