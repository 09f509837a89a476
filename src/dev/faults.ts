import { sql } from "drizzle-orm";
import type { Database } from "../db/client";

export interface Faults {
  consumerFailUsers: ReadonlySet<string>;
  /** Probability (0-1) that a queue send fails. */
  queueSendFailRate: number;
}

const NONE: Faults = { consumerFailUsers: new Set(), queueSendFailRate: 0 };

/** Local-only fault switches (table fault_switches); production never reads them. */
export async function activeFaults(env: Env, db: Database): Promise<Faults> {
  if (env.ENVIRONMENT === "production") return NONE;
  const rows = await db.all<{ name: string; value: string }>(sql`SELECT name, value FROM fault_switches`);
  const faults = { consumerFailUsers: new Set<string>(), queueSendFailRate: 0 };
  for (const { name, value } of rows) {
    if (name === "consumer_fail_users") for (const id of JSON.parse(value) as string[]) faults.consumerFailUsers.add(id);
    if (name === "queue_send_fail") faults.queueSendFailRate = Math.min(1, Math.max(0, Number(value) || 0));
  }
  return faults;
}

/** Whether this particular send should fail under the current faults. */
export function sendShouldFail(faults: Faults): boolean {
  return faults.queueSendFailRate >= 1 || Math.random() < faults.queueSendFailRate;
}
