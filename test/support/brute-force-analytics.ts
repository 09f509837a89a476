/**
 * A deliberately naive reference for the analytics endpoint, computed straight from raw transaction
 * rows (it does not use src/analytics/compute.ts). Money stays in bigint minor units throughout.
 */

export interface RawRow {
  transaction_date: string;
  amount_minor: string | number; // integer minor units
  currency: string;
  transaction_type: string; // "credit" | "debit"
  date_only?: boolean; // a calendar date: its first 10 characters, in every zone
  category_id?: string | null;
  merchant?: string | null;
}

export interface LocalOptions {
  zone?: string; // IANA; default UTC
  weekStart?: "monday" | "sunday";
  from?: string; // inclusive local dates
  to?: string;
}

/** The local date of an instant, straight from Intl (not src/lib/time-zones.ts). */
function intlDate(instant: Date, zone: string): string {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(
    instant,
  );
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("year").padStart(4, "0")}-${get("month")}-${get("day")}`;
}

export interface RawCategory {
  id: string;
  name: string;
  parent_id: string | null;
  exclude_from_analytics: number | boolean;
}

const DIGITS: Record<string, number> = { USD: 2, EUR: 2, JPY: 0, KWD: 3 };
const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

function digitsOf(currency: string): number {
  const d = DIGITS[currency];
  if (d === undefined) throw new Error(`brute force: no digits known for ${currency}`);
  return d;
}

/** Minor units → "123.45" with exactly the currency's digits. */
export function money(minor: bigint, currency: string): string {
  const digits = digitsOf(currency);
  const sign = minor < 0n ? "-" : "";
  const text = (minor < 0n ? -minor : minor).toString().padStart(digits + 1, "0");
  if (digits === 0) return sign + text;
  return `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** a / b rounded half to even, for a >= 0, b > 0. */
function halfEven(a: bigint, b: bigint): bigint {
  const q = a / b;
  const r2 = (a % b) * 2n;
  if (r2 > b || (r2 === b && q % 2n === 1n)) return q + 1n;
  return q;
}

interface Tx {
  day: string; // local YYYY-MM-DD
  amount: bigint;
  currency: string;
  credit: boolean;
  category: string | null;
  merchant: string | null;
}

function toTx(row: RawRow, zone: string): Tx {
  const instant = new Date(row.transaction_date);
  if (Number.isNaN(instant.getTime())) throw new Error(`brute force: unparsable date ${row.transaction_date}`);
  return {
    day: row.date_only ? row.transaction_date.slice(0, 10) : intlDate(instant, zone),
    amount: BigInt(row.amount_minor),
    currency: row.currency,
    credit: row.transaction_type === "credit",
    category: row.category_id ?? null,
    merchant: row.merchant ?? null,
  };
}

function totals(txs: Tx[], currency: string) {
  let credit = 0n;
  let debit = 0n;
  for (const t of txs) {
    if (t.credit) credit += t.amount;
    else debit += t.amount;
  }
  const average = txs.length === 0 ? 0n : halfEven(credit + debit, BigInt(txs.length));
  return {
    transaction_count: txs.length,
    average_transaction_value: money(average, currency),
    total_credit: money(credit, currency),
    total_debit: money(debit, currency),
  };
}

const byName = (a: { name: string | null; id: string }, b: { name: string | null; id: string }) =>
  (a.name ?? "") !== (b.name ?? "") ? ((a.name ?? "") < (b.name ?? "") ? -1 : 1) : a.id < b.id ? -1 : 1;

/** The expected analytics body (without user_id, computed_at and stale). */
export function bruteForceAnalytics(
  rows: readonly RawRow[],
  requestedCurrency?: string,
  categories: readonly RawCategory[] = [],
  local: LocalOptions = {},
) {
  const zone = local.zone ?? "UTC";
  const excludedIds = new Set(categories.filter((c) => Boolean(c.exclude_from_analytics)).map((c) => c.id));
  const everything = rows
    .map((row) => toTx(row, zone))
    .filter((t) => (local.from === undefined || t.day >= local.from) && (local.to === undefined || t.day <= local.to));
  const all = everything.filter((t) => t.category === null || !excludedIds.has(t.category));
  const currencies = [...new Set(all.map((t) => t.currency))].sort();
  const countOf = (c: string) => all.filter((t) => t.currency === c).length;

  let currency = requestedCurrency;
  if (currency === undefined) {
    currency = "USD";
    let best = 0;
    for (const c of currencies) {
      if (countOf(c) > best) [currency, best] = [c, countOf(c)]; // alphabetical order: ties keep the earlier
    }
  }

  const mine = all.filter((t) => t.currency === currency);

  const perDay = new Map<string, number>();
  for (const t of mine) perDay.set(t.day, (perDay.get(t.day) ?? 0) + 1);
  let busiestDay: string | null = null;
  let busiestCount = 0;
  for (const [day, n] of [...perDay].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (n > busiestCount) [busiestDay, busiestCount] = [day, n];
  }

  const byWeekday = WEEKDAYS.map((weekday) => ({ weekday, transaction_count: 0 }));
  for (const t of mine) {
    const sundayFirst = new Date(`${t.day}T12:00:00Z`).getUTCDay();
    byWeekday[(sundayFirst + 6) % 7]!.transaction_count += 1;
  }
  if (local.weekStart === "sunday") byWeekday.unshift(byWeekday.pop()!);

  const months = [...new Set(mine.map((t) => t.day.slice(0, 7)))].sort();
  const monthly = months.map((month) => {
    const { transaction_count, total_credit, total_debit } = totals(
      mine.filter((t) => t.day.startsWith(month)),
      currency,
    );
    return { month, transaction_count, total_credit, total_debit };
  });

  const cur = currency;
  const inCategory = (id: string | null) => mine.filter((t) => t.category === id);
  const children = (id: string) => categories.filter((c) => c.parent_id === id).map((c) => c.id);
  const shown = categories.filter(
    (c) => !excludedIds.has(c.id) && (inCategory(c.id).length > 0 || children(c.id).some((k) => inCategory(k).length > 0)),
  );
  const byCategory: Record<string, unknown>[] = [...shown].sort(byName).map((c) => {
    const own = totals(inCategory(c.id), cur);
    const entry: Record<string, unknown> = {
      category_id: c.id,
      name: c.name,
      parent_id: c.parent_id,
      transaction_count: own.transaction_count,
      total_credit: own.total_credit,
      total_debit: own.total_debit,
      average_transaction_value: own.average_transaction_value,
    };
    if (children(c.id).length > 0) {
      const family = mine.filter((t) => t.category === c.id || children(c.id).includes(t.category ?? ""));
      const { transaction_count, total_credit, total_debit } = totals(family, cur);
      entry.including_children = { transaction_count, total_credit, total_debit };
    }
    return entry;
  });
  const none = totals(inCategory(null), cur);
  byCategory.push({ category_id: null, name: null, parent_id: null, ...pick(none) });

  const merchants = new Map<string, Tx[]>();
  for (const t of mine)
    if (t.merchant !== null) merchants.set(t.merchant.toLowerCase(), [...(merchants.get(t.merchant.toLowerCase()) ?? []), t]);
  const topMerchants = [...merchants.values()]
    .map((txs) => ({ merchant: txs[0]!.merchant!, txs, debit: txs.filter((t) => !t.credit).reduce((s, t) => s + t.amount, 0n) }))
    .filter((m) => m.debit > 0n)
    .sort((a, b) => (a.debit !== b.debit ? (a.debit > b.debit ? -1 : 1) : a.merchant < b.merchant ? -1 : 1))
    .slice(0, 10)
    .map((m) => ({ merchant: m.merchant, transaction_count: m.txs.length, total_debit: money(m.debit, cur) }));

  const excluded = categories
    .filter((c) => excludedIds.has(c.id))
    .map((c) => ({ c, n: everything.filter((t) => t.currency === cur && t.category === c.id).length }))
    .filter(({ n }) => n > 0)
    .sort((a, b) => byName(a.c, b.c))
    .map(({ c, n }) => ({ category_id: c.id, name: c.name, transaction_count: n }));

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

function pick(t: ReturnType<typeof totals>) {
  return {
    transaction_count: t.transaction_count,
    total_credit: t.total_credit,
    total_debit: t.total_debit,
    average_transaction_value: t.average_transaction_value,
  };
}
