import { type SQL, sql } from "drizzle-orm";

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

/** The lock state of the keys: run with the user lookup, read with `lockedSeconds`. */
export function locksQuery(keys: ThrottleKey[]): SQL {
  return sql`SELECT locked_until FROM login_failures WHERE key IN (${sql.join(
    keys.map((k) => sql`${keyText(k)}`),
    sql`, `,
  )})`;
}

/** Seconds until the first locked key unlocks, or 0 when none is locked. */
export function lockedSeconds(rows: readonly { locked_until: string | null }[], now = Date.now()): number {
  const until = Math.max(0, ...rows.map((r) => (r.locked_until ? Date.parse(r.locked_until) : 0)));
  return until > now ? Math.ceil((until - now) / 1000) : 0;
}

/** One statement per key counting a failure (RETURNING the new count), for the login's write batch. */
export function failureStatements(keys: ThrottleKey[], now = Date.now()): SQL[] {
  const windowStart = new Date(now - LOGIN_POLICY.windowMs).toISOString();
  const nowIso = new Date(now).toISOString();
  const lockUntil = new Date(now + LOGIN_POLICY.windowMs).toISOString();
  return keys.map((key) => {
    // One statement: an expired window starts again at 1; reaching the threshold sets the lock.
    const failures = sql`CASE WHEN window_start < ${windowStart} THEN 1 ELSE failures + 1 END`;
    return sql`
      INSERT INTO login_failures (key, failures, window_start, locked_until) VALUES (${keyText(key)}, 1, ${nowIso}, NULL)
      ON CONFLICT (key) DO UPDATE SET
        locked_until = CASE WHEN ${failures} >= ${LOGIN_POLICY.lockAfter[key.kind]} THEN ${lockUntil} ELSE locked_until END,
        window_start = CASE WHEN window_start < ${windowStart} THEN ${nowIso} ELSE window_start END,
        failures = ${failures}
      RETURNING failures, locked_until`;
  });
}

/** What the failure statements' rows (in key order) mean: the delay to apply before answering and how long a lock lasts. */
export function failureOutcome(
  keys: ThrottleKey[],
  results: readonly D1Result[],
  now = Date.now(),
): { delayMs: number; lockedSeconds: number } {
  let delayMs = 0;
  let locked = 0;
  keys.forEach((key, i) => {
    const row = results[i]?.results[0] as { failures: number; locked_until: string | null } | undefined;
    if (!row) return;
    if (row.locked_until && Date.parse(row.locked_until) > now) {
      locked = Math.max(locked, Math.ceil((Date.parse(row.locked_until) - now) / 1000));
    }
    if (key.kind === "user") {
      delayMs = Math.min(LOGIN_POLICY.maxDelayMs, Math.max(0, row.failures - LOGIN_POLICY.slowAfter) * LOGIN_POLICY.delayStepMs);
    }
  });
  return { delayMs, lockedSeconds: locked };
}

/** A successful login clears the username's counter (not the client's). */
export function clearFailures(username: string): SQL {
  return sql`DELETE FROM login_failures WHERE key = ${keyText({ kind: "user", value: username })}`;
}
