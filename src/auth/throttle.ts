import { sql } from "drizzle-orm";
import type { Database } from "../db/client";

/** Failed-login policy: per username and per client address, over a sliding 15-minute window. */
export const LOGIN_POLICY = {
  windowMs: 15 * 60 * 1000,
  /** From this many failures on, every further failure is answered more slowly. */
  slowAfter: 3,
  delayStepMs: 250,
  maxDelayMs: 2000,
  /** After this many failures the key is locked for the rest of the window: 429 with Retry-After. */
  lockAfter: { user: 10, ip: 50 },
} as const;

export type ThrottleKey = { kind: "user" | "ip"; value: string };

function keyText(key: ThrottleKey): string {
  return `${key.kind}:${key.kind === "user" ? key.value.toLowerCase() : key.value}`;
}

/** Seconds until the first locked key unlocks, or 0 when none is locked. */
export async function lockedFor(db: Database, keys: ThrottleKey[], now = Date.now()): Promise<number> {
  const texts = keys.map(keyText);
  const rows = await db.all<{ locked_until: string | null }>(
    sql`SELECT locked_until FROM login_failures WHERE key IN (${sql.join(
      texts.map((t) => sql`${t}`),
      sql`, `,
    )})`,
  );
  const until = Math.max(0, ...rows.map((r) => (r.locked_until ? Date.parse(r.locked_until) : 0)));
  return until > now ? Math.ceil((until - now) / 1000) : 0;
}

/** Counts a failure for each key; returns the delay to apply before answering and how long a lock lasts. */
export async function recordFailure(
  db: Database,
  keys: ThrottleKey[],
  now = Date.now(),
): Promise<{ delayMs: number; lockedSeconds: number }> {
  const windowStart = new Date(now - LOGIN_POLICY.windowMs).toISOString();
  const nowIso = new Date(now).toISOString();
  const lockUntil = new Date(now + LOGIN_POLICY.windowMs).toISOString();
  let delayMs = 0;
  let lockedSeconds = 0;
  for (const key of keys) {
    // One statement: an expired window starts again at 1; reaching the threshold sets the lock.
    const failures = sql`CASE WHEN window_start < ${windowStart} THEN 1 ELSE failures + 1 END`;
    const row = await db.get<{ failures: number; locked_until: string | null }>(sql`
      INSERT INTO login_failures (key, failures, window_start, locked_until) VALUES (${keyText(key)}, 1, ${nowIso}, NULL)
      ON CONFLICT (key) DO UPDATE SET
        locked_until = CASE WHEN ${failures} >= ${LOGIN_POLICY.lockAfter[key.kind]} THEN ${lockUntil} ELSE locked_until END,
        window_start = CASE WHEN window_start < ${windowStart} THEN ${nowIso} ELSE window_start END,
        failures = ${failures}
      RETURNING failures, locked_until`);
    if (!row) continue;
    if (row.locked_until && Date.parse(row.locked_until) > now) {
      lockedSeconds = Math.max(lockedSeconds, Math.ceil((Date.parse(row.locked_until) - now) / 1000));
    }
    if (key.kind === "user") {
      delayMs = Math.min(LOGIN_POLICY.maxDelayMs, Math.max(0, row.failures - LOGIN_POLICY.slowAfter) * LOGIN_POLICY.delayStepMs);
    }
  }
  return { delayMs, lockedSeconds };
}

/** A successful login clears the username's counter (not the client's). */
export async function clearFailures(db: Database, username: string): Promise<void> {
  await db.run(sql`DELETE FROM login_failures WHERE key = ${keyText({ kind: "user", value: username })}`);
}
