const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/;

function validCalendarDate(y: number, m: number, d: number): boolean {
  if (y < 1000 || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

export function isDateOnly(text: string): boolean {
  return DATE_ONLY.test(text);
}

/**
 * Parses "YYYY-MM-DD" (midnight UTC) or an RFC 3339 date-time with an offset and
 * returns the UTC instant as "YYYY-MM-DDTHH:MM:SS.sssZ", or null when invalid.
 */
export function parseTimestamp(text: string): string | null {
  const dateOnly = DATE_ONLY.exec(text);
  if (dateOnly) {
    const [y, m, d] = dateOnly.slice(1, 4).map(Number) as [number, number, number];
    return validCalendarDate(y, m, d) ? `${text}T00:00:00.000Z` : null;
  }
  const dt = DATE_TIME.exec(text);
  if (!dt) return null;
  const [y, m, d, hh, mm, ss] = dt.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const [offH, offM] = [Number(dt[9] ?? 0), Number(dt[10] ?? 0)];
  if (!validCalendarDate(y, m, d) || hh > 23 || mm > 59 || ss > 59 || offH > 23 || offM > 59) return null;
  const ms = Date.parse(text.replace(/(\.\d{3})\d+/, "$1"));
  if (Number.isNaN(ms)) return null;
  const iso = new Date(ms).toISOString();
  // Keep 4-digit years so stored timestamps sort lexically.
  return /^\d{4}-/.test(iso) && iso >= "1000" ? iso : null;
}

/**
 * An exclusive upper bound past every accepted instant: stored instants are 4-digit-year ISO strings, so
 * "9999-12-32…" sorts after all of them, while the real next instant ("+010000-01-01…") would sort first.
 */
export const END_OF_TIME = "9999-12-32T00:00:00.000Z";

/** An instant as a sortable 4-digit-year ISO string, or END_OF_TIME past year 9999. */
function sortableInstant(date: Date): string {
  const iso = date.toISOString();
  return /^\d{4}-/.test(iso) ? iso : END_OF_TIME;
}

/** The UTC instant just after the given "YYYY-MM-DD" day ends (END_OF_TIME after 9999-12-31). */
export function nextDayStart(day: string): string {
  const date = new Date(`${day}T00:00:00.000Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return sortableInstant(date);
}

/** The instant 1 ms after the given UTC instant, as an exclusive range end (END_OF_TIME after year 9999). */
export function nextInstant(utc: string): string {
  return sortableInstant(new Date(Date.parse(utc) + 1));
}
