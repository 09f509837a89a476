import { type SQL, sql } from "drizzle-orm";
import { addDays, bucketOf, dateToUtcMs, offsetMinutes, startOfLocalDay, utcMsToDate } from "../lib/time-zones";

/**
 * Local days of any zone, read from rollups keyed by time key (time-key.ts) in SQL: each quarter-hour
 * bucket is shifted by the zone's offset in force at that bucket, so D1 returns one row per local day
 * (cost: the buckets scanned and the days returned, never the transactions). Offsets come from Intl, read
 * only for the UTC dates that hold data (two reads a date; where they differ the change is located to the
 * quarter-hour by bisection), so a history spread over centuries costs its days, not its span.
 * Date-only keys ("YYYY-MM-DD") are their own local day.
 */

const DAY_MS = 86_400_000;
const BUCKET_MS = 15 * 60_000;
/** The last date SQLite's date functions know; local dates after it are counted on it. */
const LAST_DATE = "9999-12-31";
/** Beyond this many offset changes the CASE would be long: fold the bucket rows in JS instead. */
export const MAX_SQL_SEGMENTS = 400;

/** From `bucket` on (until the next segment) the zone's offset is `offset` minutes. */
export interface OffsetSegment {
  bucket: string;
  offset: number;
}

/** First quarter-hour in (low, high] whose offset differs from `low`'s; low and high are bucket starts. */
function firstChange(low: number, high: number, zone: string): number {
  const before = offsetMinutes(low, zone);
  let lo = low;
  let hi = high;
  while (hi - lo > BUCKET_MS) {
    const middle = lo + Math.floor((hi - lo) / BUCKET_MS / 2) * BUCKET_MS;
    if (offsetMinutes(middle, zone) === before) lo = middle;
    else hi = middle;
  }
  return hi;
}

/**
 * The offsets of `zone` on UTC dates `days` ("YYYY-MM-DD", ascending), as segments exact on those dates.
 * Between them the segments may be wrong, which does not matter: no key lies there.
 */
export function offsetSegmentsForDays(zone: string, days: readonly string[]): OffsetSegment[] {
  const segments: OffsetSegment[] = [];
  for (const day of days) {
    const start = dateToUtcMs(day);
    const last = start + DAY_MS - BUCKET_MS;
    let at = start;
    let offset = offsetMinutes(at, zone);
    if (segments.at(-1)?.offset !== offset) segments.push({ bucket: bucketOf(at), offset });
    const final = offsetMinutes(last, zone);
    // One change a day at most in tzdb; a loop costs nothing and allows more.
    while (offset !== final) {
      at = firstChange(at, last, zone);
      offset = offsetMinutes(at, zone);
      segments.push({ bucket: bucketOf(at), offset });
    }
  }
  return segments.length > 0 ? segments : [{ bucket: "0000-01-01T00:00", offset: 0 }];
}

/** Every UTC date from `fromMs` to `toMs`: for tests and tools that want a whole span. */
export function offsetSegments(zone: string, span: { fromMs: number; toMs: number }): OffsetSegment[] {
  const days: string[] = [];
  for (let at = Math.floor(span.fromMs / DAY_MS) * DAY_MS; at < span.toMs; at += DAY_MS) days.push(new Date(at).toISOString().slice(0, 10));
  return offsetSegmentsForDays(zone, days);
}

/**
 * '+19800 seconds': a SQLite datetime() modifier, from a number Intl gave (safe to inline). In seconds because
 * local mean time before standard time had odd offsets (New York until 1883: -4:56:02); in those eras, and for
 * the few pre-1980 offsets that are not quarter-hours, a bucket may straddle local midnight, so rows within
 * 15 minutes of it can land on the neighbouring day. Since 1980 every offset is a quarter-hour: exact.
 */
function modifier(offset: number): string {
  const seconds = Math.round(offset * 60);
  if (!Number.isSafeInteger(seconds)) throw new RangeError(`bad offset ${offset}`);
  return `'${seconds >= 0 ? "+" : "-"}${Math.abs(seconds)} seconds'`;
}

/** Quarter-hour keys are "YYYY-MM-DDTHH:MM": checked before a key is inlined into SQL. */
const KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;

/** SQL turning the time key in column `day` into the local date "YYYY-MM-DD" (at most MAX_SQL_SEGMENTS segments). */
export function localDaySql(segments: readonly OffsetSegment[]): SQL {
  if (segments.length === 0 || segments.length > MAX_SQL_SEGMENTS) throw new RangeError(`${segments.length} offset segments`);
  // SQLite dates end at 9999-12-31 (NULL after): the last hours of that year, shifted east, stay on its last day.
  const shifted = (mod: string) => `COALESCE(substr(datetime(replace(day, 'T', ' '), ${mod}), 1, 10), '${LAST_DATE}')`;
  let timed: string;
  if (segments.length === 1 && segments[0]?.offset === 0) timed = "substr(day, 1, 10)";
  else if (segments.length === 1) timed = shifted(modifier(segments[0]?.offset ?? 0));
  else {
    const arms = segments.slice(1).map((segment, i) => {
      if (!KEY.test(segment.bucket)) throw new RangeError(`bad bucket ${segment.bucket}`);
      return `WHEN day < '${segment.bucket}' THEN ${modifier(segments[i]?.offset ?? 0)}`;
    });
    timed = shifted(`CASE ${arms.join(" ")} ELSE ${modifier(segments.at(-1)?.offset ?? 0)} END`);
  }
  return sql.raw(`CASE WHEN length(day) = 10 THEN day ELSE ${timed} END`);
}

/** The JS twin of localDaySql, for the many-segments fallback: binary search over the segments. */
export function localDayOf(key: string, segments: readonly OffsetSegment[]): string {
  if (key.length === 10) return key;
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const middle = Math.ceil((lo + hi) / 2);
    if ((segments[middle]?.bucket ?? "") <= key) lo = middle;
    else hi = middle - 1;
  }
  const local = utcMsToDate(Date.parse(`${key}:00.000Z`) + (segments[lo]?.offset ?? 0) * 60_000);
  return local > LAST_DATE ? LAST_DATE : local;
}

/** Local days `from` … `to` (inclusive "YYYY-MM-DD", either open) of `zone`. */
export interface LocalRange {
  from?: string;
  to?: string;
}

/**
 * SQL condition on `day` keeping the keys inside local days `from` … `to` of `zone`: date keys by date,
 * quarter-hour keys by the UTC instants where those local days begin and end. The outer bounds let the
 * (user_id, currency, day, …) key narrow the scan.
 */
export function localRangeSql(range: LocalRange, zone: string): SQL {
  for (const date of [range.from, range.to]) if (date !== undefined) dateToUtcMs(date); // throws unless a real date
  const parts: string[] = [];
  if (range.from) {
    const bucket = bucketOf(startOfLocalDay(range.from, zone));
    parts.push(`day >= '${bucket < range.from ? bucket : range.from}'`);
    parts.push(`(CASE WHEN length(day) = 10 THEN day >= '${range.from}' ELSE day >= '${bucket}' END)`);
  }
  // Nothing is stored after 9999-12-31 (and the calendar helpers stop there): such a `to` bounds nothing.
  if (range.to && range.to < LAST_DATE) {
    const end = bucketOf(startOfLocalDay(addDays(range.to, 1), zone));
    parts.push(`day <= '${end > range.to ? end : range.to}'`);
    parts.push(`(CASE WHEN length(day) = 10 THEN day <= '${range.to}' ELSE day < '${end}' END)`);
  }
  return parts.length > 0 ? sql.raw(`AND ${parts.join(" AND ")}`) : sql``;
}

/** A fingerprint of a set of UTC dates, as SQL computes it in keyDaysCheckSql: count and sum of day numbers. */
export function daysFingerprint(days: readonly string[]): { n: number; s: number } {
  return { n: days.length, s: days.reduce((sum, d) => sum + dateToUtcMs(d) / DAY_MS, 0) };
}
