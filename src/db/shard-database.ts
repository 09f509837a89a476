import { ApiError } from "../http/problem";
import { type Database, databaseOver } from "./client";
import { RequestD1, type Rider } from "./request-d1";
import { bindingNamed, fenceCheck, forgetSlotTable, isSlotFenced, type SlotTable, shardNameFor, slotOf, slotTable } from "./shards";

/** The slot fence as a guard: a fenced slot answers 503 (retry shortly) and makes this isolate re-read the slot table. */
export function fenceGuard(session: D1DatabaseSession, slot: number): Rider {
  return {
    statement: fenceCheck(session, slot),
    accept: () => {},
    translate: (err) => {
      if (!isSlotFenced(err)) return undefined;
      forgetSlotTable();
      return new ApiError("service_unavailable", "This account's data is being moved; retry in a moment", {
        headers: { "retry-after": "1" },
      });
    },
  };
}

/** The same outside a request (queue consumers, background jobs): the user's shard, fence-checked on every round trip. */
export function shardDatabase(env: Env, userId: string, table: SlotTable): Database {
  const binding = bindingNamed(env, shardNameFor(table, userId));
  const d1 = new RequestD1((self) => {
    const session = binding.withSession("first-primary");
    self.carry(fenceGuard(session, slotOf(userId)));
    return session;
  }, "primary");
  return databaseOver(d1);
}

/** `shardDatabase` with the slot table read first (for queue consumers and the cron sweep). */
export async function shardDatabaseOf(env: Env, userId: string): Promise<Database> {
  return shardDatabase(env, userId, await slotTable(env));
}
