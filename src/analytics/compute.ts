import { divideHalfEven, formatAmount } from "../lib/money";

/** One day of one currency, as kept in daily_rollups (minor units as bigint). */
export interface DayRollup {
  currency: string;
  day: string; // YYYY-MM-DD, UTC
  count: number;
  credit: bigint;
  debit: bigint;
}

/** The currency most rollup rows' transactions use; ties alphabetical; USD when there are none. */
export function defaultCurrency(rows: readonly DayRollup[]): string {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.currency, (counts.get(row.currency) ?? 0) + row.count);
  let best: [string, number] | undefined;
  for (const [currency, count] of counts) {
    if (count <= 0) continue;
    if (!best || count > best[1] || (count === best[1] && currency < best[0])) best = [currency, count];
  }
  return best?.[0] ?? "USD";
}

export interface CurrencyFigures {
  transaction_count: number;
  average_transaction_value: string;
  total_credit: string;
  total_debit: string;
}

/** Count, half-even average of |amount| and totals for one currency's rows. */
export function currencyFigures(rows: readonly DayRollup[], currency: string): CurrencyFigures {
  let count = 0;
  let credit = 0n;
  let debit = 0n;
  for (const row of rows) {
    if (row.currency !== currency) continue;
    count += row.count;
    credit += row.credit;
    debit += row.debit;
  }
  const average = count > 0 ? divideHalfEven(credit + debit, BigInt(count)) : 0n;
  return {
    transaction_count: count,
    average_transaction_value: formatAmount(average, currency),
    total_credit: formatAmount(credit, currency),
    total_debit: formatAmount(debit, currency),
  };
}

/** The UTC day with the most transactions in `currency`, the earliest on a tie; null when none. */
export function busiestDay(rows: readonly DayRollup[], currency: string): { day: string | null; count: number } {
  let best: { day: string | null; count: number } = { day: null, count: 0 };
  for (const row of rows) {
    if (row.currency !== currency || row.count <= 0) continue;
    if (row.count > best.count || (row.count === best.count && best.day !== null && row.day < best.day)) {
      best = { day: row.day, count: row.count };
    }
  }
  return best;
}

export interface AnalyticsFigures extends CurrencyFigures {
  currency: string;
  day_with_highest_transactions: string | null;
  day_with_highest_transactions_count: number;
}

export function computeAnalytics(rows: readonly DayRollup[], requestedCurrency?: string): AnalyticsFigures {
  const currency = requestedCurrency ?? defaultCurrency(rows);
  const busiest = busiestDay(rows, currency);
  return {
    currency,
    ...currencyFigures(rows, currency),
    day_with_highest_transactions: busiest.day,
    day_with_highest_transactions_count: busiest.count,
  };
}
