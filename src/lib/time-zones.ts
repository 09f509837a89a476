/**
 * Local calendar days in IANA time zones, computed with the runtime's Intl (full ICU in workerd).
 * No offset table is kept here: every offset comes from Intl.DateTimeFormat, so tzdb updates arrive
 * with the runtime.
 *
 * Quarter-hour UTC buckets. Since 1980 every offset in tzdb (UTC−12 … UTC+14, +05:30, +05:45,
 * Lord Howe's +10:30/+11) is a whole multiple of 15 minutes, and transitions happen on a quarter-hour
 * of UTC (the one exception, Antarctica/Casey switching at 00:01 local, stays inside a local day). So
 * each local midnight, in every zone, falls on a UTC quarter-hour, and a UTC bucket "YYYY-MM-DDTHH:MM"
 * (MM ∈ 00/15/30/45) never straddles a local midnight: it belongs to exactly one local day of any zone. Rollups kept per bucket can therefore answer any zone exactly, at a cost
 * that grows with the number of buckets, never with the number of transactions. The unit tests check
 * the assumption against every zone the runtime knows, for 2020–2030.
 */

export type WeekStart = "monday" | "sunday";

/** Local wall-clock reading of an instant in a zone. `weekday`: 0 = Sunday … 6 = Saturday. */
export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const BUCKET_MS = 15 * MINUTE_MS;
/** Real offsets lie within UTC−12 … UTC+14; this margin brackets any local midnight. */
const SEARCH_MARGIN_MS = 15 * 60 * MINUTE_MS;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const BUCKET = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):(00|15|30|45)$/;
/** Longest IANA name is ~32 characters; anything much longer is not a zone. */
const MAX_ZONE_LENGTH = 64;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** One cached formatter per zone: constructing them is the expensive part of Intl. */
function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      calendar: "iso8601",
      numberingSystem: "latn",
      hourCycle: "h23",
      era: "short",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/**
 * True when the runtime's Intl accepts `name` as a time zone. Offset strings such as "+05:30", which
 * newer runtimes also accept, are refused: they are not IANA names, and may break the quarter-hour rule.
 */
export function isValidTimeZone(name: string): boolean {
  if (typeof name !== "string" || name.length === 0 || name.length > MAX_ZONE_LENGTH) return false;
  if (/^[+\-−]/.test(name)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * The zone name to store for a valid user-given `name`: the user's own name (an alias such as
 * "Asia/Katmandu" or "US/Eastern" stays as given), with only letter case fixed when Intl's resolved
 * name differs from it by case alone ("america/new_york" → "America/New_York"). Null when invalid.
 */
export function normalizeTimeZone(name: string): string | null {
  if (!isValidTimeZone(name)) return null;
  const resolved = new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
  return resolved.toLowerCase() === name.toLowerCase() ? resolved : name;
}

function toMs(instant: number | string | Date): number {
  const ms = typeof instant === "number" ? instant : typeof instant === "string" ? Date.parse(instant) : instant.getTime();
  if (!Number.isFinite(ms)) throw new RangeError(`not an instant: ${String(instant)}`);
  return ms;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, "0");
}

/** Local wall-clock parts of an instant (ms since epoch, ISO string or Date) in `zone`. */
export function localParts(instant: number | string | Date, zone: string): LocalParts {
  const ms = toMs(instant);
  if (zone === "UTC") {
    // The default zone, read for every row the recurring detector looks at: the UTC reading needs no Intl
    // (formatToParts was ~25% of the consumer's CPU). Same answer as the formatter (proleptic Gregorian,
    // astronomical years), which the unit tests check against "Etc/UTC"; out-of-range instants take the Intl path.
    const date = new Date(ms);
    const year = date.getUTCFullYear();
    if (!Number.isNaN(year)) {
      return {
        year,
        month: date.getUTCMonth() + 1,
        day: date.getUTCDate(),
        hour: date.getUTCHours(),
        minute: date.getUTCMinutes(),
        second: date.getUTCSeconds(),
        weekday: date.getUTCDay(),
      };
    }
  }
  const fields: Record<string, string> = {};
  for (const part of formatterFor(zone).formatToParts(ms)) fields[part.type] = part.value;
  const yearOfEra = Number(fields.year);
  const year = fields.era === "BC" || fields.era === "B" ? 1 - yearOfEra : yearOfEra;
  const month = Number(fields.month);
  const day = Number(fields.day);
  return {
    year,
    month,
    day,
    hour: Number(fields.hour),
    minute: Number(fields.minute),
    second: Number(fields.second),
    weekday: utcDate(year, month, day).getUTCDay(),
  };
}

function utcDate(year: number, month: number, day: number): Date {
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year); // Date.UTC maps years 0–99 to 1900–1999.
  return date;
}

function formatDate(year: number, month: number, day: number): string {
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

/** "YYYY-MM-DD": the local calendar date of an instant in `zone`. */
export function localDate(instant: number | string | Date, zone: string): string {
  const parts = localParts(instant, zone);
  return formatDate(parts.year, parts.month, parts.day);
}

/** UTC offset of `zone` at an instant, in minutes east of UTC (+345 for Asia/Kathmandu, −720 for Etc/GMT+12). */
export function offsetMinutes(instant: number | string | Date, zone: string): number {
  const ms = toMs(instant);
  const wholeSecond = Math.floor(ms / 1000) * 1000; // the formatter shows no milliseconds
  const p = localParts(wholeSecond, zone);
  const wall = utcDate(p.year, p.month, p.day).getTime() + ((p.hour * 60 + p.minute) * 60 + p.second) * 1000;
  return (wall - wholeSecond) / MINUTE_MS;
}

function parseDate(date: string): { year: number; month: number; day: number } {
  const match = DATE.exec(date);
  if (!match) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const check = utcDate(year, month, day);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) throw new RangeError(`not a calendar date: ${date}`);
  return { year, month, day };
}

/** Milliseconds of "YYYY-MM-DD"T00:00 read as if it were UTC: the day number × 86,400,000. */
export function dateToUtcMs(date: string): number {
  const { year, month, day } = parseDate(date);
  return utcDate(year, month, day).getTime();
}

/** "YYYY-MM-DD" of the UTC calendar day containing `ms`. */
export function utcMsToDate(ms: number): string {
  const date = new Date(ms);
  return formatDate(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate());
}

/** The calendar date `days` after (or before, when negative) `date`. */
export function addDays(date: string, days: number): string {
  return utcMsToDate(dateToUtcMs(date) + days * DAY_MS);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((dateToUtcMs(to) - dateToUtcMs(from)) / DAY_MS);
}

/**
 * The UTC instant (ms) at which local day `date` begins in `zone`: local midnight, or, where that
 * midnight is skipped by a clock change (America/Santiago, Asia/Beirut, America/Havana style), the
 * first instant that reads as `date`. Assumes local dates never run backwards, which holds for tzdb
 * transitions of this century (a clock set back at midnight reads 23:00 of the same day).
 */
export function startOfLocalDay(date: string, zone: string): number {
  const wall = dateToUtcMs(date);
  // Fast path: midnight exists; try the offsets in force either side of it.
  const candidates = new Set([offsetMinutes(wall - SEARCH_MARGIN_MS, zone), offsetMinutes(wall + SEARCH_MARGIN_MS, zone)]);
  let earliest: number | null = null;
  for (const offset of candidates) {
    const start = wall - offset * MINUTE_MS;
    if (isDayBoundary(start, date, zone) && (earliest === null || start < earliest)) earliest = start;
  }
  if (earliest !== null) return earliest;
  // Midnight skipped: binary search for the first instant reading `date` or later.
  let low = wall - SEARCH_MARGIN_MS; // reads an earlier date
  let high = wall + SEARCH_MARGIN_MS; // reads `date` or later
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (localDate(middle, zone) >= date) high = middle;
    else low = middle;
  }
  return high;
}

function isDayBoundary(instant: number, date: string, zone: string): boolean {
  return localDate(instant, zone) === date && localDate(instant - 1, zone) < date;
}

/** [startMs, endMsExclusive) covering local days `from` … `toInclusive` in `zone`. */
export function localDayRange(from: string, toInclusive: string, zone: string): [number, number] {
  return [startOfLocalDay(from, zone), startOfLocalDay(addDays(toInclusive, 1), zone)];
}

/** Day of the week of a calendar date: 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(date: string): number {
  return new Date(dateToUtcMs(date)).getUTCDay();
}

export const WEEKDAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;
export type WeekdayName = (typeof WEEKDAY_NAMES)[number];

/** Position of a weekday (0 = Sunday … 6 = Saturday) in a week that begins on `weekStart`: 0 … 6. */
export function weekdayPosition(weekday: number, weekStart: WeekStart): number {
  const first = weekStart === "sunday" ? 0 : 1;
  return (((weekday - first) % 7) + 7) % 7;
}

/** The seven weekday names in the order of a week that begins on `weekStart`. */
export function orderedWeekdays(weekStart: WeekStart): WeekdayName[] {
  const first = weekStart === "sunday" ? 0 : 1;
  return Array.from({ length: 7 }, (_, i) => WEEKDAY_NAMES[(first + i) % 7] as WeekdayName);
}

/** "YYYY-MM" of a "YYYY-MM-DD" date. */
export function monthKey(date: string): string {
  parseDate(date);
  return date.slice(0, 7);
}

/** The UTC quarter-hour bucket "YYYY-MM-DDTHH:MM" (MM ∈ 00/15/30/45) containing an instant. */
export function bucketOf(instant: number | string | Date): string {
  const ms = toMs(instant);
  const start = new Date(Math.floor(ms / BUCKET_MS) * BUCKET_MS);
  return `${utcMsToDate(start.getTime())}T${pad(start.getUTCHours())}:${pad(start.getUTCMinutes())}`;
}

/** The UTC instant (ms) at which a quarter-hour bucket begins. */
export function bucketStartMs(bucket: string): number {
  const match = BUCKET.exec(bucket);
  if (!match) throw new RangeError(`not a quarter-hour bucket: ${bucket}`);
  return dateToUtcMs(match[1] ?? "") + (Number(match[2]) * 60 + Number(match[3])) * MINUTE_MS;
}

/** The local date, in `zone`, of every instant in a UTC quarter-hour bucket (see the note at the top). */
export function localDateOfBucket(bucket: string, zone: string): string {
  return localDate(bucketStartMs(bucket), zone);
}
