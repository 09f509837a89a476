import { divideHalfEven, formatAmount } from "../lib/money";

/** One day of one currency, as kept in daily_rollups (minor units as bigint). */
export interface DayRollup {
  currency: string;
  day: string; // YYYY-MM-DD, UTC
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
}

export type Summary = Map<string, CurrencySummary>;

/** Monday = 0 … Sunday = 6, for a "YYYY-MM-DD" UTC day. */
export function weekdayIndex(day: string): number {
  return (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
}

function emptyCurrency(): CurrencySummary {
  return { count: 0, credit: 0n, debit: 0n, busiestDay: null, busiestCount: 0, weekdays: [0, 0, 0, 0, 0, 0, 0], months: new Map() };
}

/** Folds day rollups into per-currency summaries. The busiest day is the earliest among the days with the most. */
export function summarize(rows: readonly DayRollup[]): Summary {
  const summary: Summary = new Map();
  for (const row of rows) {
    if (row.count <= 0) continue;
    let cur = summary.get(row.currency);
    if (!cur) summary.set(row.currency, (cur = emptyCurrency()));
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
export function buildAnalytics(summary: Summary, requestedCurrency?: string) {
  const currency = requestedCurrency ?? defaultCurrency(summary);
  const cur = summary.get(currency) ?? emptyCurrency();
  return {
    currency,
    ...headline(currency, cur),
    day_with_highest_transactions: cur.busiestDay,
    day_with_highest_transactions_count: cur.busiestCount,
    by_currency: [...summary.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([code, s]) => ({ currency: code, ...headline(code, s) })),
    by_weekday: WEEKDAYS.map((weekday, i) => ({ weekday, transaction_count: cur.weekdays[i] ?? 0 })),
    monthly: [...cur.months.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([month, t]) => ({
        month,
        transaction_count: t.count,
        total_credit: formatAmount(t.credit, currency),
        total_debit: formatAmount(t.debit, currency),
      })),
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
      },
    ]),
  );
}
