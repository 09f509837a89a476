import { type SQL, sql } from "drizzle-orm";
import { isDateOnly, parseTimestamp } from "../lib/dates";
import { addDays, localDate, startOfLocalDay } from "../lib/time-zones";

/**
 * List/export bounds in a time zone. A plain date means that whole local day (from its local midnight,
 * DST-aware); a date-time is that instant. Timed rows compare by instant; date-only rows compare by
 * calendar date (the local date a date-time bound falls on), since they belong to no instant.
 */
interface Bounds {
  fromInstant?: string;
  toInstantExclusive?: string;
  fromDate?: string;
  toDateExclusive?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const LAST_DATE = "9999-12-31";
/** Sorts after every stored transaction_date (all are ≤ "9999-12-31T23:59:59.999Z"): "no upper bound". */
const AFTER_ALL = "9999-99";
const midnight = (date: string) => `${date}T00:00:00.000Z`; // how a date-only row's date is stored

function resolve(from: string | undefined, to: string | undefined, zone: string): Bounds {
  const bounds: Bounds = {};
  if (from !== undefined) {
    const instant = isDateOnly(from) ? startOfLocalDay(from, zone) : Date.parse(parseTimestamp(from) ?? "");
    bounds.fromInstant = iso(instant);
    bounds.fromDate = isDateOnly(from) ? from : localDate(instant, zone);
  }
  if (to !== undefined) {
    const lastDate = isDateOnly(to) ? to : localDate(Date.parse(parseTimestamp(to) ?? ""), zone);
    // The local day after it is past what the calendar helpers know ("10000-01-01" is longer, not smaller).
    const open = lastDate.length > LAST_DATE.length || lastDate >= LAST_DATE;
    if (isDateOnly(to)) bounds.toInstantExclusive = open ? AFTER_ALL : iso(startOfLocalDay(addDays(to, 1), zone));
    else bounds.toInstantExclusive = iso(Date.parse(parseTimestamp(to) ?? "") + 1);
    bounds.toDateExclusive = open ? AFTER_ALL : addDays(lastDate, 1);
  }
  return bounds;
}

/**
 * Conditions on `transactions` for bounds `from` / `to` in `zone`. The outer range (the looser of the two
 * kinds) keeps the (user_id, transaction_date) index in use; the CASE is exact.
 */
export function localRangeConditions(from: string | undefined, to: string | undefined, zone: string): SQL[] {
  if (from === undefined && to === undefined) return [];
  const b = resolve(from, to, zone);
  const conditions: SQL[] = [];
  const timed: SQL[] = [];
  const dated: SQL[] = [];
  if (b.fromInstant !== undefined && b.fromDate !== undefined) {
    const dateBound = midnight(b.fromDate);
    conditions.push(sql`transactions.transaction_date >= ${b.fromInstant < dateBound ? b.fromInstant : dateBound}`);
    timed.push(sql`transactions.transaction_date >= ${b.fromInstant}`);
    dated.push(sql`transactions.transaction_date >= ${dateBound}`);
  }
  if (b.toInstantExclusive !== undefined && b.toDateExclusive !== undefined) {
    const dateBound = b.toDateExclusive === AFTER_ALL ? AFTER_ALL : midnight(b.toDateExclusive);
    conditions.push(sql`transactions.transaction_date < ${b.toInstantExclusive > dateBound ? b.toInstantExclusive : dateBound}`);
    timed.push(sql`transactions.transaction_date < ${b.toInstantExclusive}`);
    dated.push(sql`transactions.transaction_date < ${dateBound}`);
  }
  conditions.push(sql`(CASE WHEN transactions.date_only = 1 THEN ${sql.join(dated, sql` AND `)} ELSE ${sql.join(timed, sql` AND `)} END)`);
  return conditions;
}
