/**
 * Webhook delivery retries (issue 13): growing delays through the queue's retry delay (≤ 24 h), then the
 * dead-letter queue; an endpoint failing for 3 days straight is disabled.
 */

/** Delay before each retry, in seconds: 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, 24 h (about 44.6 h in all). */
export const RETRY_DELAYS_SECONDS: readonly number[] = [60, 300, 1_800, 7_200, 21_600, 43_200, 86_400];

/** The first attempt plus one per retry delay. */
export const MAX_ATTEMPTS = RETRY_DELAYS_SECONDS.length + 1;

export const DISABLE_AFTER_MS = 3 * 24 * 60 * 60 * 1000;

/**
 * The delay before the next attempt after attempt number `attempt` (1 = the first delivery) failed,
 * or null when the attempts are exhausted and the delivery goes to the dead-letter queue.
 */
export function nextDelaySeconds(attempt: number): number | null {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError("attempt counts from 1");
  return RETRY_DELAYS_SECONDS[attempt - 1] ?? null;
}

/**
 * A retry delay shortened by a local-only factor (the `webhook_retry_scale` fault switch, read only when
 * isLocal): whole seconds, at least 1, as the queue's retry delay takes them. A scale of 1 is the real delay.
 */
export function scaledDelaySeconds(delaySeconds: number, scale: number): number {
  if (!(scale > 0 && scale < 1)) return delaySeconds;
  return Math.max(1, Math.round(delaySeconds * scale));
}

/**
 * Whether an endpoint should be disabled: it has failed without a single success since `firstFailureAt`
 * (the start of its current run of failures, reset by any 2xx; null when its last delivery succeeded),
 * and that run has lasted 3 days. Checked after each failed attempt.
 */
export function shouldDisable(firstFailureAt: Date | string | null, now: Date): boolean {
  if (firstFailureAt === null) return false;
  const since = new Date(firstFailureAt).getTime();
  if (Number.isNaN(since)) return false;
  return now.getTime() - since >= DISABLE_AFTER_MS;
}
