import { divideHalfEven, formatAmount } from "../lib/money";
import { orderedWeekdays, type WeekStart } from "../lib/time-zones";
import {
  addTotals,
  byCategory,
  type CategoryInfo,
  excludedList,
  foldMerchants,
  type MerchantRollup,
  type MerchantTotals,
  type Totals,
  topMerchants,
} from "./labels";

/** One day of one currency and category ('' = none), as kept in daily_rollups (minor units as bigint). */
export interface DayRollup {
  currency: string;
  day: string; // YYYY-MM-DD, a local day of the zone being read
  categoryId?: string;
  count: number;
  credit: bigint;
  debit: bigint;
}

export const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] as const;

interface MonthTotals {
  count: number;
  credit: bigint;
  debit: bigint;
}

/** Everything analytics needs about one currency; small however long the history is. */
export interface CurrencySummary {
  count: number;
  credit: bigint;
  debit: bigint;
  busiestDay: string | null;
  busiestCount: number;
  weekdays: number[]; // Monday first
  months: Map<string, MonthTotals>; // "YYYY-MM"
  categories: Map<string, Totals>; // category id, '' = uncategorised; excluded categories absent
  merchants: MerchantTotals[]; // the top merchants, already cut to 10
  excluded: Map<string, number>; // excluded category id → transaction count
}

export type Summary = Map<string, CurrencySummary>;

/** Monday = 0 … Sunday = 6, for a "YYYY-MM-DD" calendar day. */
export function weekdayIndex(day: string): number {
  return (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
}

function emptyCurrency(): CurrencySummary {
  return {
    count: 0,
    credit: 0n,
    debit: 0n,
    busiestDay: null,
    busiestCount: 0,
    weekdays: [0, 0, 0, 0, 0, 0, 0],
    months: new Map(),
    categories: new Map(),
    merchants: [],
    excluded: new Map(),
  };
}

/**
 * Folds day rollups into per-currency summaries. The busiest day is the earliest among the days with the
 * most. Rows of excluded categories count only towards `excluded`; merchant rows must already leave them out.
 */
export function summarize(rows: readonly DayRollup[], merchantRows: readonly MerchantRollup[] = [], excluded = new Set<string>()): Summary {
  const summary: Summary = new Map();
  const currency = (code: string) => {
    let cur = summary.get(code);
    if (!cur) summary.set(code, (cur = emptyCurrency()));
    return cur;
  };
  // Rows arrive per (day, category): fold each day first, so the busiest day counts the whole day.
  const days = new Map<string, DayRollup>();
  for (const row of rows) {
    if (row.count <= 0) continue;
    const categoryId = row.categoryId ?? "";
    const cur = currency(row.currency);
    if (excluded.has(categoryId)) {
      cur.excluded.set(categoryId, (cur.excluded.get(categoryId) ?? 0) + row.count);
      continue;
    }
    addTotals(cur.categories, categoryId, row.count, row.credit, row.debit);
    const key = `${row.currency}|${row.day}`;
    const day = days.get(key);
    days.set(
      key,
      day ? { ...day, count: day.count + row.count, credit: day.credit + row.credit, debit: day.debit + row.debit } : { ...row },
    );
  }
  const perCurrency = new Map<string, MerchantRollup[]>();
  for (const m of merchantRows) {
    const list = perCurrency.get(m.currency);
    if (list) list.push(m);
    else perCurrency.set(m.currency, [m]);
  }
  for (const [code, list] of perCurrency) currency(code).merchants = topMerchants(foldMerchants(list).values());
  for (const row of days.values()) {
    const cur = currency(row.currency);
    cur.count += row.count;
    cur.credit += row.credit;
    cur.debit += row.debit;
    if (row.count > cur.busiestCount || (row.count === cur.busiestCount && cur.busiestDay !== null && row.day < cur.busiestDay)) {
      cur.busiestDay = row.day;
      cur.busiestCount = row.count;
    }
    cur.weekdays[weekdayIndex(row.day)]! += row.count;
    const month = row.day.slice(0, 7);
    const totals = cur.months.get(month) ?? { count: 0, credit: 0n, debit: 0n };
    cur.months.set(month, { count: totals.count + row.count, credit: totals.credit + row.credit, debit: totals.debit + row.debit });
  }
  return summary;
}

/** The currency with the most transactions; ties alphabetical; USD when there are none. */
export function defaultCurrency(summary: Summary): string {
  let best: [string, number] | undefined;
  for (const [currency, { count }] of summary) {
    if (count === 0) continue;
    if (!best || count > best[1] || (count === best[1] && currency < best[0])) best = [currency, count];
  }
  return best?.[0] ?? "USD";
}

function average(cur: CurrencySummary): bigint {
  return cur.count > 0 ? divideHalfEven(cur.credit + cur.debit, BigInt(cur.count)) : 0n;
}

function headline(currency: string, cur: CurrencySummary) {
  return {
    transaction_count: cur.count,
    average_transaction_value: formatAmount(average(cur), currency),
    total_credit: formatAmount(cur.credit, currency),
    total_debit: formatAmount(cur.debit, currency),
  };
}

/** The API's analytics figures for one currency, plus the per-currency breakdown. */
export function buildAnalytics(
  summary: Summary,
  requestedCurrency?: string,
  categories: readonly CategoryInfo[] = [],
  weekStart: WeekStart = "monday",
) {
  const currency = requestedCurrency ?? defaultCurrency(summary);
  const cur = summary.get(currency) ?? emptyCurrency();
  return {
    currency,
    ...headline(currency, cur),
    day_with_highest_transactions: cur.busiestDay,
    day_with_highest_transactions_count: cur.busiestCount,
    by_currency: [...summary.entries()]
      .filter(([, s]) => s.count > 0)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([code, s]) => ({ currency: code, ...headline(code, s) })),
    // Stored Monday first; shown from the caller's week_start.
    by_weekday: orderedWeekdays(weekStart).map((weekday) => ({ weekday, transaction_count: cur.weekdays[WEEKDAYS.indexOf(weekday)] ?? 0 })),
    monthly: [...cur.months.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([month, t]) => ({
        month,
        transaction_count: t.count,
        total_credit: formatAmount(t.credit, currency),
        total_debit: formatAmount(t.debit, currency),
      })),
    by_category: byCategory(cur.categories, categories, currency),
    top_merchants: cur.merchants.map((m) => ({
      merchant: m.merchant,
      transaction_count: m.count,
      total_debit: formatAmount(m.debit, currency),
    })),
    excluded: excludedList(cur.excluded, categories),
  };
}

/** JSON form of a summary for the stored snapshot (bigints as decimal strings). */
export function serializeSummary(summary: Summary): string {
  return JSON.stringify(
    [...summary.entries()].map(([currency, s]) => ({
      currency,
      count: s.count,
      credit: s.credit.toString(),
      debit: s.debit.toString(),
      busiestDay: s.busiestDay,
      busiestCount: s.busiestCount,
      weekdays: s.weekdays,
      months: [...s.months.entries()].map(([m, t]) => [m, t.count, t.credit.toString(), t.debit.toString()]),
      categories: [...s.categories.entries()].map(([id, t]) => [id, t.count, t.credit.toString(), t.debit.toString()]),
      merchants: s.merchants.map((m) => [m.merchant, m.count, m.debit.toString()]),
      excluded: [...s.excluded.entries()],
    })),
  );
}

interface SerializedCurrency {
  currency: string;
  count: number;
  credit: string;
  debit: string;
  busiestDay: string | null;
  busiestCount: number;
  weekdays: number[];
  months: [string, number, string, string][];
  categories?: [string, number, string, string][];
  merchants?: [string, number, string][];
  excluded?: [string, number][];
}

export function deserializeSummary(text: string): Summary {
  const parsed = JSON.parse(text) as SerializedCurrency[];
  return new Map(
    parsed.map((s) => [
      s.currency,
      {
        count: s.count,
        credit: BigInt(s.credit),
        debit: BigInt(s.debit),
        busiestDay: s.busiestDay,
        busiestCount: s.busiestCount,
        weekdays: s.weekdays,
        months: new Map(s.months.map(([m, count, credit, debit]) => [m, { count, credit: BigInt(credit), debit: BigInt(debit) }])),
        categories: new Map(
          (s.categories ?? []).map(([id, count, credit, debit]) => [id, { count, credit: BigInt(credit), debit: BigInt(debit) }]),
        ),
        merchants: (s.merchants ?? []).map(([merchant, count, debit]) => ({ merchant, count, debit: BigInt(debit) })),
        excluded: new Map(s.excluded ?? []),
      },
    ]),
  );
}
