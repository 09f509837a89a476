import { type SQL, sql } from "drizzle-orm";

/**
 * Password-guessing policy. Every attempt is counted BEFORE its password is checked, in one statement per
 * attempt, so concurrent guesses cannot slip past a limit; an attempt that finds a limit reached is refused
 * without a check, even with the right password. A success gives back only its own attempt, never a lock.
 *
 * - pair (one username from one address): 5 checks per 15 minutes; the attacker's address stays out longest.
 * - user (one username from any address it has never logged in from): 10 checks per 10 minutes, so failures
 *   from other addresses keep the owner out for at most 10 minutes, and not at all from an address the owner
 *   has logged in from before (those are bounded by the pair limit instead).
 * - ip (one address, any usernames): 50 checks per 15 minutes.
 */
export const LOGIN_POLICY = {
  /** From this many failures on, every further failure is answered more slowly. */
  slowAfter: 3,
  delayStepMs: 250,
  maxDelayMs: 2000,
  limits: {
    pair: { max: 5, windowMs: 15 * 60 * 1000 },
    user: { max: 10, windowMs: 10 * 60 * 1000 },
    ip: { max: 50, windowMs: 15 * 60 * 1000 },
  },
} as const;

export type ThrottleKind = keyof typeof LOGIN_POLICY.limits;
function kindOf(text: string): ThrottleKind {
  return text.slice(0, text.indexOf(":")) as ThrottleKind;
}

/** One key's counter after this attempt was counted. */
interface Counted {
  key: string;
  failures: number;
  window_start: string;
}

export interface Attempt {
  counted: Counted[];
  /** Seconds until the attempt may be retried when a limit was already reached (refuse without a check), else 0. */
  refusedFor: number;
}

function secondsUntilWindowEnds(row: Counted, now: number): number {
  const end = Date.parse(row.window_start) + LOGIN_POLICY.limits[kindOf(row.key)].windowMs;
  return Math.max(1, Math.ceil((end - now) / 1000));
}

/**
 * The ONE statement that counts an attempt against every key and returns the counts (to batch with the
 * user lookup). `username` is the name tried, or an SQL expression for it (change_password reads it from the
 * caller's row in the same statement). The user key is not counted from an address the user has logged in
 * from before. The attempt may check the password only if no count went past its limit; an expired window
 * starts again at 1.
 */
export function countAttemptStatement(username: string | SQL, address: string | null, now = Date.now()): SQL {
  const nowIso = new Date(now).toISOString();
  const cutoff = (kind: ThrottleKind) => new Date(now - LOGIN_POLICY.limits[kind].windowMs).toISOString();
  const expired = sql`window_start < CASE substr(key, 1, instr(key, ':') - 1)
    WHEN 'user' THEN ${cutoff("user")} WHEN 'pair' THEN ${cutoff("pair")} ELSE ${cutoff("ip")} END`;
  const keys = address
    ? sql`SELECT 'user:' || v AS k FROM name UNION ALL SELECT 'pair:' || v || '|' || ${address} FROM name UNION ALL SELECT ${`ip:${address}`}`
    : sql`SELECT 'user:' || v AS k FROM name`;
  const knownHere = address
    ? sql`EXISTS (SELECT 1 FROM login_known_addresses a JOIN accounts u ON u.id = a.user_id, name
        WHERE u.username = name.v COLLATE NOCASE AND a.address = ${address})`
    : sql`0`;
  return sql`
    WITH name(v) AS (SELECT lower(${username}))
    INSERT INTO login_failures (key, failures, window_start, locked_until)
    SELECT k, 1, ${nowIso}, NULL FROM (${keys})
    WHERE NOT (k LIKE 'user:%' AND ${knownHere})
    ON CONFLICT (key) DO UPDATE SET
      failures = CASE WHEN ${expired} THEN 1 ELSE failures + 1 END,
      window_start = CASE WHEN ${expired} THEN ${nowIso} ELSE window_start END
    RETURNING key, failures, window_start`;
}

/** The counts a countAttemptStatement returned. */
export function attemptFrom(result: D1Result | undefined, now = Date.now()): Attempt {
  const counted = (result?.results ?? []) as Counted[];
  const over = counted.filter((r) => r.failures > LOGIN_POLICY.limits[kindOf(r.key)].max);
  return { counted, refusedFor: Math.max(0, ...over.map((r) => secondsUntilWindowEnds(r, now))) };
}

/** After a wrong password: the delay before answering, and how long the now-reached lock lasts (0 if none). */
export function failureOutcome(attempt: Attempt, now = Date.now()): { delayMs: number; lockedSeconds: number } {
  const reached = attempt.counted.filter((r) => r.failures >= LOGIN_POLICY.limits[kindOf(r.key)].max);
  // Slowed per username (alone or from this address), not per address: one address may try many usernames.
  const most = Math.max(0, ...attempt.counted.filter((r) => kindOf(r.key) !== "ip").map((r) => r.failures));
  return {
    delayMs: Math.min(LOGIN_POLICY.maxDelayMs, Math.max(0, most - LOGIN_POLICY.slowAfter) * LOGIN_POLICY.delayStepMs),
    lockedSeconds: Math.max(0, ...reached.map((r) => secondsUntilWindowEnds(r, now))),
  };
}

/**
 * After the right password: gives back this attempt's own count (in the same window only), so the owner's
 * logins do not use up the limit. Never lowers a count below the failures it holds, so it never lifts a lock.
 */
export function releaseAttempt(attempt: Attempt): SQL | null {
  if (attempt.counted.length === 0) return null;
  const mine = sql.join(
    attempt.counted.map((r) => sql`(key = ${r.key} AND window_start = ${r.window_start})`),
    sql` OR `,
  );
  return sql`UPDATE login_failures SET failures = failures - 1 WHERE failures > 0 AND (${mine})`;
}

/** Remembers an address the user has logged in from (exempt from the per-username lock from now on). */
export function rememberAddress(userId: string, address: string): SQL {
  const now = new Date().toISOString();
  return sql`INSERT INTO login_known_addresses (user_id, address, last_login_at) VALUES (${userId}, ${address}, ${now})
    ON CONFLICT (user_id, address) DO UPDATE SET last_login_at = excluded.last_login_at`;
}
