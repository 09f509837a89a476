import { ApiError } from "../http/problem";
import { type Database, databaseOver } from "./client";
import { RequestD1, type Rider } from "./request-d1";
import { bindingNamed, fenceCheck, forgetSlotTable, isSlotFenced, type SlotTable, shardNameFor, slotOf, slotTable } from "./shards";

/** What a round trip of a fenced slot ends in: a 503 (retry shortly) in a request. */
export class SlotMovingError extends ApiError {
  constructor() {
    super("service_unavailable", "This account's data is being moved; retry in a moment", { headers: { "retry-after": "1" } });
  }
}

/** Whether `err`, or an error it wraps (drizzle wraps a failed query's), is a fenced slot's. */
export function isSlotMoving(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) if (e instanceof SlotMovingError) return true;
  return false;
}

/**
 * How long queued work of a slot being moved waits before it tries again. It waits as a fresh message: a
 * retry would spend the message's attempts (3 on the analytics queue) on a fence that lasts a catch-up.
 */
export const SLOT_MOVING_DELAY_SECONDS = 2;

/** The slot fence as a guard: a fenced slot fails with SlotMovingError and makes this isolate re-read the slot table. */
function fenceGuard(session: D1DatabaseSession, slot: number): Rider {
  return {
    statement: fenceCheck(session, slot),
    accept: () => {},
    translate: (err) => {
      if (!isSlotFenced(err)) return undefined;
      forgetSlotTable();
      return new SlotMovingError();
    },
  };
}

/** A session on a user's shard whose every round trip (through `d1`) carries the slot's fence check first. */
export function fencedShardSession(d1: RequestD1, shard: D1Database, userId: string, constraint: string): D1DatabaseSession {
  const session = shard.withSession(constraint);
  d1.carry(fenceGuard(session, slotOf(userId)));
  return session;
}

/** The same outside a request (queue consumers, background jobs): the user's shard, fence-checked on every round trip. */
export function shardDatabase(env: Env, userId: string, table: SlotTable): Database {
  const shard = bindingNamed(env, shardNameFor(table, userId));
  return databaseOver(new RequestD1((self) => fencedShardSession(self, shard, userId, "first-primary"), "primary"));
}

/** `shardDatabase` with the slot table read first (for queue consumers and the cron sweep). */
export async function shardDatabaseOf(env: Env, userId: string): Promise<Database> {
  return shardDatabase(env, userId, await slotTable(env));
}
