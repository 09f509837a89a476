/**
 * The brute-force analytics oracle shared by the tests and scripts/stress.mjs: a deliberately naive reference for
 * the analytics endpoint, computed straight from transaction rows, written independently of src/ (it does not use
 * src/analytics/compute.ts). Money stays in bigint minor units throughout.
 *
 * A row is either a stored row (`amount_minor`, integer minor units) or an API record (`transaction_amount`, a
 * decimal string).
 * @typedef {{ transaction_date: string, currency: string, transaction_type: string,
 *   amount_minor?: string | number | bigint, transaction_amount?: string,
 *   category_id?: string | null, merchant?: string | null, date_only?: boolean | number }} OracleRow
 * @typedef {{ zone?: string, weekStart?: "monday" | "sunday", from?: string, to?: string }} OracleLocal
 *   the zone whose local days count (default UTC), the week's first day, inclusive local dates
 * @typedef {{ id: string, name: string, parent_id: string | null, exclude_from_analytics: number | boolean }} OracleCategory
 */

/** ISO 4217 minor-unit digits of the currencies the tests and scripts use. */
export const ORACLE_DIGITS = /** @type {Readonly<Record<string, number>>} */ ({ USD: 2, EUR: 2, GBP: 2, JPY: 0, KWD: 3 });
const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/** @param {string} currency */
function digitsOf(currency) {
  const digits = ORACLE_DIGITS[currency];
  if (digits === undefined) throw new Error(`analytics oracle: no digits known for ${currency}`);
  return digits;
}

/**
 * "123.45" → 12345n in the currency's minor units.
 * @param {string} text
 * @param {string} currency
 */
export function toMinor(text, currency) {
  const [whole = "", fraction = ""] = text.split(".");
  return BigInt(whole + fraction.padEnd(digitsOf(currency), "0"));
}

/**
 * Minor units → "123.45" with exactly the currency's digits.
 * @param {bigint} minor
 * @param {string} currency
 */
export function formatMinor(minor, currency) {
  const digits = digitsOf(currency);
  const sign = minor < 0n ? "-" : "";
  const text = (minor < 0n ? -minor : minor).toString().padStart(digits + 1, "0");
  return digits === 0 ? sign + text : `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/**
 * a / b rounded half to even, for a >= 0, b > 0.
 * @param {bigint} a
 * @param {bigint} b
 */
export function halfEven(a, b) {
  const q = a / b;
  const r2 = (a % b) * 2n;
  return r2 > b || (r2 === b && q % 2n === 1n) ? q + 1n : q;
}

/**
 * The local date of an instant, straight from Intl (not src/lib/time-zones.ts).
 * @param {Date} instant
 * @param {string} zone
 */
function intlDate(instant, zone) {
  if (zone === "UTC") return instant.toISOString().slice(0, 10);
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(
    instant,
  );
  /** @param {string} type */
  const get = (type) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("year").padStart(4, "0")}-${get("month")}-${get("day")}`;
}

/**
 * @param {OracleRow} row
 * @param {string} zone
 */
function toTx(row, zone) {
  const instant = new Date(row.transaction_date);
  if (Number.isNaN(instant.getTime())) throw new Error(`analytics oracle: unparsable date ${row.transaction_date}`);
  const amount =
    row.amount_minor !== undefined ? BigInt(row.amount_minor) : toMinor(/** @type {string} */ (row.transaction_amount), row.currency);
  return {
    // A date-only row is a calendar date: the same day in every zone.
    day: row.date_only ? row.transaction_date.slice(0, 10) : intlDate(instant, zone),
    amount,
    currency: row.currency,
    credit: row.transaction_type === "credit",
    category: row.category_id ?? null,
    merchant: row.merchant ?? null,
  };
}

/**
 * @param {ReturnType<typeof toTx>[]} txs
 * @param {string} currency
 */
function totals(txs, currency) {
  let credit = 0n;
  let debit = 0n;
  for (const t of txs) {
    if (t.credit) credit += t.amount;
    else debit += t.amount;
  }
  return {
    transaction_count: txs.length,
    average_transaction_value: formatMinor(txs.length === 0 ? 0n : halfEven(credit + debit, BigInt(txs.length)), currency),
    total_credit: formatMinor(credit, currency),
    total_debit: formatMinor(debit, currency),
  };
}

/**
 * The currency most rows use, ties alphabetical, else USD (the endpoint's default).
 * @param {readonly OracleRow[]} rows
 */
export function defaultCurrency(rows) {
  const counts = new Map();
  for (const r of rows) counts.set(r.currency, (counts.get(r.currency) ?? 0) + 1);
  return [...counts].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))[0]?.[0] ?? "USD";
}

/**
 * @param {{ name: string | null, id: string }} a
 * @param {{ name: string | null, id: string }} b
 */
const byName = (a, b) => ((a.name ?? "") !== (b.name ?? "") ? ((a.name ?? "") < (b.name ?? "") ? -1 : 1) : a.id < b.id ? -1 : 1);

/**
 * The expected analytics body for these rows (without user_id, computed_at and stale).
 * @param {readonly OracleRow[]} rows
 * @param {string} [requestedCurrency] the `?currency=`; the default currency when absent
 * @param {readonly OracleCategory[]} [categories] the user's categories (names, parents, exclusion)
 * @param {OracleLocal} [local]
 */
export function bruteForceAnalytics(rows, requestedCurrency, categories = [], local = {}) {
  const zone = local.zone ?? "UTC";
  const excludedIds = new Set(categories.filter((c) => Boolean(c.exclude_from_analytics)).map((c) => c.id));
  const inRange = (/** @type {string} */ day) =>
    (local.from === undefined || day >= local.from) && (local.to === undefined || day <= local.to);
  const everything = rows.map((row) => toTx(row, zone)).filter((t) => inRange(t.day));
  const all = everything.filter((t) => t.category === null || !excludedIds.has(t.category));
  const counts = new Map();
  for (const t of all) counts.set(t.currency, (counts.get(t.currency) ?? 0) + 1);
  const currency = requestedCurrency ?? [...counts].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))[0]?.[0] ?? "USD";
  const mine = all.filter((t) => t.currency === currency);

  const perDay = new Map();
  for (const t of mine) perDay.set(t.day, (perDay.get(t.day) ?? 0) + 1);
  /** @type {string | null} */
  let busiestDay = null;
  let busiestCount = 0;
  for (const [day, n] of [...perDay].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (n > busiestCount) [busiestDay, busiestCount] = [day, n]; // ascending days: a tie keeps the earlier
  }

  const byWeekday = WEEKDAYS.map((weekday) => ({ weekday, transaction_count: 0 }));
  for (const t of mine) byWeekday[(new Date(`${t.day}T12:00:00Z`).getUTCDay() + 6) % 7].transaction_count += 1;
  if (local.weekStart === "sunday") byWeekday.unshift(/** @type {(typeof byWeekday)[number]} */ (byWeekday.pop()));

  const months = [...new Set(mine.map((t) => t.day.slice(0, 7)))].sort();
  const monthly = months.map((month) => {
    const { transaction_count, total_credit, total_debit } = totals(
      mine.filter((t) => t.day.startsWith(month)),
      currency,
    );
    return { month, transaction_count, total_credit, total_debit };
  });

  /** @param {string | null} id */
  const inCategory = (id) => mine.filter((t) => t.category === id);
  /** @param {string} id */
  const children = (id) => categories.filter((c) => c.parent_id === id).map((c) => c.id);
  const shown = categories.filter(
    (c) => !excludedIds.has(c.id) && (inCategory(c.id).length > 0 || children(c.id).some((k) => inCategory(k).length > 0)),
  );
  /** @type {Record<string, unknown>[]} */
  const byCategory = [...shown].sort(byName).map((c) => {
    const own = totals(inCategory(c.id), currency);
    /** @type {Record<string, unknown>} */
    const entry = { category_id: c.id, name: c.name, parent_id: c.parent_id, ...own };
    if (children(c.id).length > 0) {
      const family = mine.filter((t) => t.category === c.id || children(c.id).includes(t.category ?? ""));
      const { transaction_count, total_credit, total_debit } = totals(family, currency);
      entry.including_children = { transaction_count, total_credit, total_debit };
    }
    return entry;
  });
  byCategory.push({ category_id: null, name: null, parent_id: null, ...totals(inCategory(null), currency) });

  const merchants = new Map();
  for (const t of mine)
    if (t.merchant !== null) merchants.set(t.merchant.toLowerCase(), [...(merchants.get(t.merchant.toLowerCase()) ?? []), t]);
  const topMerchants = [...merchants.values()]
    .map((txs) => ({ merchant: txs[0].merchant, txs, debit: txs.filter((t) => !t.credit).reduce((sum, t) => sum + t.amount, 0n) }))
    .filter((m) => m.debit > 0n)
    .sort((a, b) => (a.debit !== b.debit ? (a.debit > b.debit ? -1 : 1) : a.merchant < b.merchant ? -1 : 1))
    .slice(0, 10)
    .map((m) => ({ merchant: m.merchant, transaction_count: m.txs.length, total_debit: formatMinor(m.debit, currency) }));

  const excluded = categories
    .filter((c) => excludedIds.has(c.id))
    .map((c) => ({ c, n: everything.filter((t) => t.currency === currency && t.category === c.id).length }))
    .filter(({ n }) => n > 0)
    .sort((a, b) => byName(a.c, b.c))
    .map(({ c, n }) => ({ category_id: c.id, name: c.name, transaction_count: n }));

  const currencies = [...new Set(all.map((t) => t.currency))].sort();
  return {
    currency,
    ...totals(mine, currency),
    day_with_highest_transactions: busiestDay,
    day_with_highest_transactions_count: busiestCount,
    by_currency: currencies.map((c) => ({
      currency: c,
      ...totals(
        all.filter((t) => t.currency === c),
        c,
      ),
    })),
    by_weekday: byWeekday,
    monthly,
    by_category: byCategory,
    top_merchants: topMerchants,
    excluded,
  };
}
