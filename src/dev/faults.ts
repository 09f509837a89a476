import { sql } from "drizzle-orm";
import { getDb } from "../db/client";
import { isLocal } from "../lib/environment";

export interface Faults {
  consumerFailUsers: ReadonlySet<string>;
  /** Probability (0-1) that a queue send fails. */
  queueSendFailRate: number;
  /** Factor (0-1] on webhook retry delays, so local runs see minutes of backoff in seconds; 1 = the real delays. */
  webhookRetryScale: number;
}

const NONE: Faults = { consumerFailUsers: new Set(), queueSendFailRate: 0, webhookRetryScale: 1 };

/** Local-only fault switches (the directory's table fault_switches); read only when isLocal(env). */
export async function activeFaults(env: Env): Promise<Faults> {
  if (!isLocal(env)) return NONE;
  const rows = await getDb(env.DB).all<{ name: string; value: string }>(sql`SELECT name, value FROM fault_switches`);
  const faults = { ...NONE, consumerFailUsers: new Set<string>() };
  for (const { name, value } of rows) {
    if (name === "consumer_fail_users") for (const id of JSON.parse(value) as string[]) faults.consumerFailUsers.add(id);
    if (name === "queue_send_fail") faults.queueSendFailRate = Math.min(1, Math.max(0, Number(value) || 0));
    if (name === "webhook_retry_scale") faults.webhookRetryScale = Math.min(1, Number(value) || 1);
  }
  return faults;
}

/** Whether this particular send should fail under the current faults. */
export function sendShouldFail(faults: Faults): boolean {
  return faults.queueSendFailRate >= 1 || Math.random() < faults.queueSendFailRate;
}
