import type { Context, MiddlewareHandler } from "hono";
import { type Database, databaseOver } from "../db/client";
import { RequestD1 } from "../db/request-d1";
import type { AppEnv } from "./context";
import { ApiError } from "./problem";

export const BOOKMARK_HEADER = "x-d1-bookmark";
// D1 bookmarks are four hyphenated hex groups (commit position, then a hash); anything else is refused, not passed on.
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32,64}$/i;

const READS = new Set(["GET", "HEAD"]);

/**
 * THE per-request database handle. Every read or write of user data in a request goes through
 * `c.var.db` (drizzle, typed `Database` like `getDb`'s) or `requestDb(c)`; never `getDb(c.env.DB)`,
 * which would bypass the session (no read-your-writes, no bookmark) and cost a second round trip,
 * because requireAuth's token check rides with the handle's first one (see db/request-d1.ts).
 * A later change that routes a user's data elsewhere (sharding) changes this middleware only.
 *
 * One D1 session per request (read replication): writes start on the primary; reads on any replica, or
 * at least as fresh as the bookmark the client sends in X-D1-Bookmark (pass back the one a write
 * answered to read your own writes). Every response carries the session's latest bookmark.
 */
export const requestDatabase: MiddlewareHandler<AppEnv> = async (c, next) => {
  const sent = c.req.header(BOOKMARK_HEADER);
  if (sent !== undefined && !BOOKMARK.test(sent)) {
    throw new ApiError("validation_failed", "Invalid X-D1-Bookmark", {
      errors: [{ path: "X-D1-Bookmark", message: "must be a bookmark an earlier response returned" }],
    });
  }
  const read = READS.has(c.req.method);
  const d1 =
    read && sent
      ? new RequestD1(c.env.DB.withSession(sent), "bookmark")
      : new RequestD1(c.env.DB.withSession(read ? "first-unconstrained" : "first-primary"), read ? "any" : "primary");
  c.set("d1", d1);
  c.set("db", databaseOver(d1));
  await next();
  const bookmark = d1.session.getBookmark() ?? sent;
  if (bookmark) c.res.headers.set(BOOKMARK_HEADER, bookmark);
};

/** The request's database handle (the same as `c.var.db`). */
export function requestDb(c: Context<AppEnv>): Database {
  return c.var.db;
}
