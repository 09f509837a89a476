import { daysBetween } from "../lib/time-zones";
import type { RecurringStream, StreamStatus } from "./detect";

/** What the recurring_streams table keeps per stream: the detected stream without its bigint twins. */
export type StoredStream = Omit<RecurringStream, "average_amount_minor" | "last_amount_minor">;

/**
 * `status` and `missed` as of local day `today` (docs/recurring.md rule 5), from the stored prediction:
 * days pass without writes, so these two are judged when read, not when detected. Pure and O(1) per stream.
 */
export function asOf(stream: StoredStream, today: string): { status: StreamStatus; missed: boolean } {
  const overdue = daysBetween(stream.predicted_next_date, today);
  const tombstoned = overdue > stream.interval_days + stream.tolerance_days;
  return {
    status: tombstoned ? "tombstoned" : stream.occurrences >= 3 ? "mature" : "early_detection",
    missed: overdue > stream.tolerance_days,
  };
}
