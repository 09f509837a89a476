import { describe, expect, it } from "vitest";
import {
  buildAnalytics,
  type DayRollup,
  defaultCurrency,
  deserializeSummary,
  serializeSummary,
  summarize,
} from "../../src/analytics/compute";

/** One rollup row; amounts in minor units. */
function day(currency: string, date: string, count: number, credit = 0n, debit = 0n): DayRollup {
  return { currency, day: date, count, credit, debit };
}

const analytics = (rows: DayRollup[], currency?: string) => buildAnalytics(summarize(rows), currency);

describe("defaultCurrency", () => {
  it("is the currency with the most transactions, summed over days", () => {
    const rows = [day("USD", "2026-11-01", 3), day("EUR", "2026-11-01", 2), day("EUR", "2026-11-02", 2)];
    expect(defaultCurrency(summarize(rows))).toBe("EUR");
  });

  it("breaks ties alphabetically, whatever the input order", () => {
    const rows = [day("USD", "2026-11-01", 3), day("JPY", "2026-11-01", 3), day("EUR", "2026-11-03", 3)];
    expect(defaultCurrency(summarize(rows))).toBe("EUR");
    expect(defaultCurrency(summarize([...rows].reverse()))).toBe("EUR");
  });

  it("is USD when there are no transactions", () => {
    expect(defaultCurrency(summarize([]))).toBe("USD");
  });

  it("ignores empty days", () => {
    expect(defaultCurrency(summarize([day("JPY", "2026-11-01", 0)]))).toBe("USD");
    expect(defaultCurrency(summarize([day("JPY", "2026-11-01", 0), day("GBP", "2026-11-01", 1, 5n)]))).toBe("GBP");
  });
});

describe("busiest day", () => {
  it("is the day with the most transactions", () => {
    const figures = analytics([day("USD", "2026-11-01", 2, 10n), day("USD", "2026-11-02", 5, 10n), day("USD", "2026-11-03", 4, 10n)]);
    expect(figures.day_with_highest_transactions).toBe("2026-11-02");
    expect(figures.day_with_highest_transactions_count).toBe(5);
  });

  it("is the earliest day on a tie, whatever the input order", () => {
    const rows = [
      day("USD", "2026-11-09", 3, 1n),
      day("USD", "2026-11-04", 3, 1n),
      day("USD", "2026-11-01", 1, 1n),
      day("USD", "2026-11-07", 3, 1n),
    ];
    for (const order of [rows, [...rows].reverse()]) {
      const figures = analytics(order);
      expect(figures.day_with_highest_transactions).toBe("2026-11-04");
      expect(figures.day_with_highest_transactions_count).toBe(3);
    }
  });

  it("only counts the selected currency", () => {
    const rows = [day("USD", "2026-11-01", 2, 1n), day("EUR", "2026-11-05", 9, 1n)];
    expect(analytics(rows, "USD").day_with_highest_transactions).toBe("2026-11-01");
    expect(analytics(rows, "EUR").day_with_highest_transactions).toBe("2026-11-05");
  });

  it("is null with count 0 when there are no transactions", () => {
    for (const figures of [analytics([]), analytics([day("USD", "2026-11-01", 2, 1n)], "JPY")]) {
      expect(figures.day_with_highest_transactions).toBeNull();
      expect(figures.day_with_highest_transactions_count).toBe(0);
    }
  });
});

describe("figures", () => {
  it.each([
    // (credit + debit) / count, rounded half to even, in cents.
    [1n, 2n, 2, "0.02"], // 3 / 2 = 1.5 -> 2
    [1n, 4n, 2, "0.02"], // 5 / 2 = 2.5 -> 2
    [3n, 4n, 2, "0.04"], // 7 / 2 = 3.5 -> 4
    [1n, 0n, 3, "0.00"], // 1 / 3 -> 0
    [0n, 2n, 3, "0.01"], // 2 / 3 -> 1
    [1000n, 50n, 4, "2.62"], // 1050 / 4 = 262.5 -> 262
  ])("credit %i + debit %i over %i transactions averages %s", (credit, debit, count, average) => {
    expect(analytics([day("USD", "2026-11-01", count, credit, debit)]).average_transaction_value).toBe(average);
  });

  it("sums credit and debit separately over every day", () => {
    const figures = analytics([day("USD", "2026-11-01", 2, 1050n, 25n), day("USD", "2026-11-02", 1, 0n, 1000n)]);
    expect(figures).toMatchObject({
      currency: "USD",
      transaction_count: 3,
      total_credit: "10.50",
      total_debit: "10.25",
      average_transaction_value: "6.92",
    });
  });

  it("formats totals and the average with the currency's digits", () => {
    expect(analytics([day("JPY", "2026-11-01", 2, 500n, 301n)])).toMatchObject({
      currency: "JPY",
      total_credit: "500",
      total_debit: "301",
      average_transaction_value: "400", // 801 / 2 = 400.5 -> 400
    });
    expect(analytics([day("KWD", "2026-11-01", 1, 1234n, 0n)])).toMatchObject({
      currency: "KWD",
      total_credit: "1.234",
      total_debit: "0.000",
      average_transaction_value: "1.234",
    });
  });

  it("stays exact beyond 2^53", () => {
    const big = 2n ** 60n + 1n; // 1152921504606846977
    const figures = analytics([day("USD", "2026-11-01", 1, big, 0n), day("USD", "2026-11-02", 1, 0n, big)]);
    expect(figures.total_credit).toBe("11529215046068469.77");
    expect(figures.total_debit).toBe("11529215046068469.77");
    expect(figures.average_transaction_value).toBe("11529215046068469.77");
  });

  it("is zero in the right format for a currency without transactions", () => {
    expect(analytics([])).toMatchObject({
      currency: "USD",
      transaction_count: 0,
      average_transaction_value: "0.00",
      total_credit: "0.00",
      total_debit: "0.00",
    });
    expect(analytics([day("USD", "2026-11-01", 1, 1n)], "KWD")).toMatchObject({
      currency: "KWD",
      transaction_count: 0,
      average_transaction_value: "0.000",
    });
  });

  it("uses the requested currency rather than the default one", () => {
    const rows = [day("USD", "2026-11-01", 5, 500n), day("JPY", "2026-11-02", 1, 0n, 700n)];
    expect(analytics(rows).currency).toBe("USD");
    expect(analytics(rows, "JPY")).toMatchObject({ currency: "JPY", transaction_count: 1, total_credit: "0", total_debit: "700" });
  });

  it("lists every currency alphabetically in by_currency", () => {
    const rows = [day("USD", "2026-11-01", 1, 100n), day("EUR", "2026-11-01", 2, 0n, 300n), day("JPY", "2026-11-02", 1, 9n)];
    expect(analytics(rows).by_currency).toEqual([
      { currency: "EUR", transaction_count: 2, average_transaction_value: "1.50", total_credit: "0.00", total_debit: "3.00" },
      { currency: "JPY", transaction_count: 1, average_transaction_value: "9", total_credit: "9", total_debit: "0" },
      { currency: "USD", transaction_count: 1, average_transaction_value: "1.00", total_credit: "1.00", total_debit: "0.00" },
    ]);
  });

  it("survives the snapshot serialisation unchanged, big values included", () => {
    const rows = [day("USD", "2026-11-01", 2, 2n ** 60n + 1n, 3n), day("USD", "2026-12-04", 3, 7n, 0n), day("JPY", "2026-11-02", 1, 9n)];
    const summary = summarize(rows);
    const restored = deserializeSummary(serializeSummary(summary));
    expect(restored).toEqual(summary);
    expect(buildAnalytics(restored)).toEqual(buildAnalytics(summary));
  });
});
