import type { Context, MiddlewareHandler } from "hono";
import { type Database, databaseOver } from "../db/client";
import { RequestD1 } from "../db/request-d1";
import { fencedShardSession, shardDatabase } from "../db/shard-database";
import { bindingNamed, shardNameFor, slotTable } from "../db/shards";
import type { AppEnv } from "./context";
import { ApiError } from "./problem";

export const BOOKMARK_HEADER = "x-d1-bookmark";
// D1 bookmarks are four hyphenated hex groups (commit position, then a hash); anything else is refused, not passed on.
// Ours add ".<binding>", the database that answered it: a bookmark means nothing to another database (the
// directory's after login, the old shard's after a slot move). One without it (sent before) is taken as it is.
const BOOKMARK = /^([0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32,64})(?:\.(DB|SHARD_\d+))?$/i;

const READS = new Set(["GET", "HEAD"]);

/**
 * THE per-request database handle, and the one place that knows about shards (docs/scaling.md). Every read
 * or write of user data in a request goes through `c.var.db` (drizzle, typed `Database` like `getDb`'s) or
 * `requestDb(c)`; never `getDb(c.env.DB)`, which would bypass the session (no read-your-writes, no
 * bookmark), the routing and the checks that ride with each round trip (see db/request-d1.ts).
 *
 * Routing: the session opens on first use. For an authenticated caller (requireAuth ran) it is a session on
 * the caller's shard, picked from the user id through the slot table (cached per isolate), with the slot's
 * fence check at the head of every round trip next to the token check; otherwise (sign-up, login) a
 * session on the directory, DB. Handlers never name a shard: the few that must reach a user's shard
 * before there is a caller (sign-up, login) ask `userDatabase(c, userId)`.
 *
 * One D1 session per request (read replication): writes start on the primary; reads on any replica, or
 * at least as fresh as the bookmark the client sends in X-D1-Bookmark (pass back the one a write
 * answered to read your own writes). Every response carries the session's latest bookmark.
 */
export const requestDatabase: MiddlewareHandler<AppEnv> = async (c, next) => {
  const sent = c.req.header(BOOKMARK_HEADER);
  const parsed = sent === undefined ? undefined : BOOKMARK.exec(sent);
  if (sent !== undefined && !parsed) {
    throw new ApiError("validation_failed", "Invalid X-D1-Bookmark", {
      errors: [{ path: "X-D1-Bookmark", message: "must be a bookmark an earlier response returned" }],
    });
  }
  const table = await slotTable(c.env);
  const read = READS.has(c.req.method);
  const [, bookmark, bookmarkOf] = read && parsed ? parsed : [];
  let database = "DB";
  const d1 = new RequestD1(
    (self) => {
      const user = c.get("user");
      if (user) database = shardNameFor(table, user.id);
      // Another database's bookmark: start on this one's primary, which has every write made here.
      const foreign = bookmark !== undefined && bookmarkOf !== undefined && bookmarkOf.toUpperCase() !== database;
      if (foreign) self.startedAs("primary");
      const constraint = !read || foreign ? "first-primary" : (bookmark ?? "first-unconstrained");
      const binding = bindingNamed(c.env, database);
      return user ? fencedShardSession(self, binding, user.id, constraint) : binding.withSession(constraint);
    },
    bookmark ? "bookmark" : read ? "any" : "primary",
  );
  c.set("d1", d1);
  c.set("slots", table);
  c.set("db", databaseOver(d1));
  await next();
  const latest = d1.opened ? d1.session.getBookmark() : null;
  const answer = latest ? `${latest}.${database}` : sent;
  if (answer) c.res.headers.set(BOOKMARK_HEADER, answer);
};

/** The request's database handle (the same as `c.var.db`). */
export function requestDb(c: Context<AppEnv>): Database {
  return c.var.db;
}

/**
 * A handle on a user's shard before the request has a caller (sign-up writes the user's row there; login
 * reads the token version and writes the audit entry), with the slot's fence check on every round trip.
 */
export function userDatabase(c: Context<AppEnv>, userId: string): Database {
  if (c.get("user")?.id === userId) return c.var.db;
  return shardDatabase(c.env, userId, c.var.slots);
}

const directorySessions = new WeakMap<Context<AppEnv>, Database>();

/**
 * The directory (accounts, throttle counters): `c.var.db` before there is a caller, else one session of its
 * own for the request (password change builds statements in the handler and runs them in the throttle's batch).
 */
export function directoryDatabase(c: Context<AppEnv>): Database {
  if (!c.get("user")) return c.var.db;
  let directory = directorySessions.get(c);
  if (!directory) {
    directory = databaseOver(new RequestD1(() => c.env.DB.withSession("first-primary"), "primary"));
    directorySessions.set(c, directory);
  }
  return directory;
}
