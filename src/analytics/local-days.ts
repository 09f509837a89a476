import { type SQL, sql } from "drizzle-orm";
import { addDays, bucketOf, dateToUtcMs, offsetMinutes, startOfLocalDay } from "../lib/time-zones";

/**
 * Local days of any zone, read from rollups keyed by time key (time-key.ts) in SQL: each quarter-hour
 * bucket is shifted by the zone's offset in force at that bucket, so D1 returns one row per local day
 * (cost: the buckets scanned and the days returned, never the transactions). Offsets come from Intl,
 * sampled once per UTC day of the data's span; where two samples differ the change is located to the
 * quarter-hour by bisection. Date-only keys ("YYYY-MM-DD") are their own local day.
 */

const DAY_MS = 86_400_000;
const BUCKET_MS = 15 * 60_000;

/** From `bucket` on (until the next segment) the zone's offset is `offset` minutes. */
export interface OffsetSegment {
  bucket: string;
  offset: number;
}

/** A UTC instant span [fromMs, toMs) that the local-day SQL must cover exactly. */
export interface Span {
  fromMs: number;
  toMs: number;
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

/** The offsets of `zone` over `span`, as segments; the first one also covers anything before the span. */
export function offsetSegments(zone: string, span: Span): OffsetSegment[] {
  let at = Math.floor(span.fromMs / DAY_MS) * DAY_MS;
  const end = Math.ceil(span.toMs / DAY_MS) * DAY_MS;
  let offset = offsetMinutes(at, zone);
  const segments: OffsetSegment[] = [{ bucket: bucketOf(at), offset }];
  while (at < end) {
    const next = at + DAY_MS;
    let sample = offsetMinutes(next, zone);
    // Several changes within one day (none in tzdb, but cheap to allow): walk them one by one.
    while (sample !== offset) {
      const change = firstChange(at, next, zone);
      offset = offsetMinutes(change, zone);
      segments.push({ bucket: bucketOf(change), offset });
      at = change;
      sample = offsetMinutes(next, zone);
    }
    at = next;
  }
  return segments;
}

/** '+330 minutes' / '-300 minutes': a SQLite datetime() modifier. Integers from Intl, safe to inline. */
function modifier(offset: number): string {
  if (!Number.isInteger(offset)) throw new RangeError(`offset ${offset} is not whole minutes`);
  return `'${offset >= 0 ? "+" : "-"}${Math.abs(offset)} minutes'`;
}

/** Quarter-hour keys are "YYYY-MM-DDTHH:MM": checked before a key is inlined into SQL. */
const KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;

/** SQL turning the time key in column `day` into the local date "YYYY-MM-DD" (segments from offsetSegments). */
export function localDaySql(segments: readonly OffsetSegment[]): SQL {
  if (segments.length === 0) throw new RangeError("no offset segments");
  const shifted = (mod: string) => `substr(datetime(replace(day, 'T', ' '), ${mod}), 1, 10)`;
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

/** Local days `from` … `to` (inclusive "YYYY-MM-DD", either open) of `zone`, as keys and instants. */
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
  const parts: string[] = [];
  if (range.from) {
    const bucket = bucketOf(startOfLocalDay(range.from, zone));
    parts.push(`day >= '${bucket < range.from ? bucket : range.from}'`);
    parts.push(`(CASE WHEN length(day) = 10 THEN day >= '${range.from}' ELSE day >= '${bucket}' END)`);
  }
  if (range.to) {
    const end = bucketOf(startOfLocalDay(addDays(range.to, 1), zone));
    parts.push(`day <= '${end > range.to ? end : range.to}'`);
    parts.push(`(CASE WHEN length(day) = 10 THEN day <= '${range.to}' ELSE day < '${end}' END)`);
  }
  for (const date of [range.from, range.to]) if (date !== undefined) dateToUtcMs(date); // throws unless a real date
  return parts.length > 0 ? sql.raw(`AND ${parts.join(" AND ")}`) : sql``;
}

export interface KeySpan {
  lo: string | null;
  hi: string | null;
}

/** Instants around time keys lo … hi: keys are within a day of what they stand for (date keys read as UTC), so pad by two. */
export function spanOf(keys: KeySpan): Span | null {
  if (keys.lo === null || keys.hi === null) return null;
  return { fromMs: dateToUtcMs(keys.lo.slice(0, 10)) - 2 * DAY_MS, toMs: dateToUtcMs(keys.hi.slice(0, 10)) + 3 * DAY_MS };
}

/** Whether keys lo … hi lie inside `span` (if not, a write landed outside it meanwhile: read again). */
export function spanCovers(span: Span | null, keys: KeySpan): boolean {
  const needed = spanOf(keys);
  return needed === null || (span !== null && span.fromMs <= needed.fromMs && span.toMs >= needed.toMs);
}
