/**
 * The rollups' time key (column `day` of daily_rollups and merchant_rollups; its SQL is ROW_DAY in rollup-sql.ts):
 *  - a timed row: its UTC quarter-hour bucket "YYYY-MM-DDTHH:MM" (MM ∈ 00/15/30/45, see lib/time-zones.ts):
 *    each bucket lies inside one local day of every zone, so rollups answer any zone exactly;
 *  - a date-only row: its calendar date "YYYY-MM-DD", the same local day in every zone.
 * The two shapes differ in length (16 vs 10), which is how readers tell them apart.
 */

/** The JS twin of ROW_DAY, for tests and scripts: `iso` is a stored transaction_date. */
export function timeKeyOf(iso: string, dateOnly: boolean): string {
  if (dateOnly) return iso.slice(0, 10);
  const minute = Math.floor(Number(iso.slice(14, 16)) / 15) * 15;
  return `${iso.slice(0, 14)}${String(minute).padStart(2, "0")}`;
}
