// Pure helpers of the dashboard: date ranges and display of the API's decimal strings (money is never parsed as a
// float for display; Number() is used only to give the charts bar heights).

/** "1234567.50" → "1,234,567.50" (string work only, exact for any length). @param {string} amount */
export function groupAmount(amount) {
  const match = /^(-?)(\d+)(\.\d+)?$/.exec(amount);
  if (!match) return amount;
  const [, sign, whole, fraction = ""] = match;
  return `${sign}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}${fraction}`;
}

/** A bar height for a chart (display only). @param {string} amount */
export function chartNumber(amount) {
  return Number(amount);
}

/** Today as YYYY-MM-DD in a time zone (UTC when none). @param {string} [timeZone] */
export function today(timeZone = "UTC", now = new Date()) {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}

/** @param {string} day YYYY-MM-DD @param {number} days */
export function addDays(day, days) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The first day of the month `months` months before the month of `day`. @param {string} day @param {number} months */
export function monthStartBefore(day, months) {
  const d = new Date(`${day.slice(0, 7)}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() - months);
  return d.toISOString().slice(0, 10);
}

/**
 * The inclusive days a range choice covers.
 * - "30d": today and the 29 days before; "12m": this month and the 11 before (12 whole bars); "all": unbounded;
 * - "custom": the given days (either may be empty).
 * @param {"30d" | "12m" | "all" | "custom"} range
 * @param {string} todayDay
 * @param {{ from?: string, to?: string }} [custom]
 * @returns {{ from?: string, to?: string }}
 */
export function rangeDays(range, todayDay, custom = {}) {
  if (range === "30d") return { from: addDays(todayDay, -29), to: todayDay };
  if (range === "12m") return { from: monthStartBefore(todayDay, 11), to: todayDay };
  if (range === "custom") return { from: custom.from || undefined, to: custom.to || undefined };
  return {};
}

/** "2026-11" → "Nov 2026". @param {string} month */
export function monthLabel(month) {
  const d = new Date(`${month}-01T00:00:00Z`);
  return d.toLocaleDateString("en-US", { month: "short", year: "numeric", timeZone: "UTC" });
}

/** "2026-11-20" → "Friday". @param {string} day */
export function weekdayName(day) {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString("en-US", { weekday: "long", timeZone: "UTC" });
}

/** A transaction's time as "2026-11-20 09:15" in a time zone. @param {string} iso @param {string} [timeZone] */
export function dateTime(iso, timeZone = "UTC") {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/**
 * When a transaction happened, for the list: a date-only record (`date_only`, a bank's calendar date) is that date in
 * every zone, with no time; any other is its instant in the zone.
 * @param {{ transaction_date: string, date_only?: boolean }} t
 * @param {string} [timeZone]
 * @returns {{ day: string, time: string }}
 */
export function transactionWhen(t, timeZone = "UTC") {
  if (t.date_only) return { day: t.transaction_date.slice(0, 10), time: "" };
  const [day = "", time = ""] = dateTime(t.transaction_date, timeZone).split(" ");
  return { day, time };
}

const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/**
 * The API's Monday-first weekday rows, rotated to start on the user's week_start ("sunday", "Saturday", …);
 * unchanged when the profile has none.
 * @template {{ weekday: string }} T
 * @param {T[]} rows
 * @param {unknown} weekStart
 */
export function rotateWeek(rows, weekStart) {
  const index = typeof weekStart === "string" ? WEEKDAYS.findIndex((w) => w.toLowerCase() === weekStart.toLowerCase()) : -1;
  if (index <= 0) return rows;
  const start = rows.findIndex((r) => r.weekday === WEEKDAYS[index]);
  return start <= 0 ? rows : [...rows.slice(start), ...rows.slice(0, start)];
}
