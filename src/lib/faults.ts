import { sql } from "drizzle-orm";
import type { Database } from "../db/client";

export interface Faults {
  consumerFailUsers: ReadonlySet<string>;
  queueSendFail: boolean;
}

const NONE: Faults = { consumerFailUsers: new Set(), queueSendFail: false };

/** Local-only fault switches (table fault_switches); production never reads them. */
export async function activeFaults(env: Env, db: Database): Promise<Faults> {
  if (env.ENVIRONMENT === "production") return NONE;
  const rows = await db.all<{ name: string; value: string }>(sql`SELECT name, value FROM fault_switches`);
  const faults = { consumerFailUsers: new Set<string>(), queueSendFail: false };
  for (const { name, value } of rows) {
    if (name === "consumer_fail_users") for (const id of JSON.parse(value) as string[]) faults.consumerFailUsers.add(id);
    if (name === "queue_send_fail") faults.queueSendFail = value === "1";
  }
  return faults;
}
