import { env } from "cloudflare:workers";

export interface StateRow {
  version: number;
  snapshot_version: number;
  snapshot: string | null;
  computed_at: string | null;
}

export async function analyticsState(userId: string): Promise<StateRow | null> {
  return env.DB.prepare("SELECT version, snapshot_version, snapshot, computed_at FROM analytics_state WHERE user_id = ?")
    .bind(userId)
    .first<StateRow>();
}

/** Turns a local-only fault switch on or off (see src/dev/faults.ts). */
export async function setFault(name: "consumer_fail_users" | "queue_send_fail", value: string | null): Promise<void> {
  if (value === null) await env.DB.prepare("DELETE FROM fault_switches WHERE name = ?").bind(name).run();
  else await env.DB.prepare("INSERT OR REPLACE INTO fault_switches (name, value) VALUES (?, ?)").bind(name, value).run();
}

/** Polls until `check` passes or `timeoutMs` runs out (for the real, asynchronous queue). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
