import { describe, expect, it } from "vitest";
import { detectStreams, percentChange, type RecurringInput, streamId, streamKey } from "../../src/recurring/detect";

let nextId = 0;

/** A transaction at noon UTC on `day` unless a full instant is given; debit in USD by default. */
function tx(day: string, amountMinor: bigint, overrides: Partial<RecurringInput> = {}): RecurringInput {
  nextId++;
  return {
    id: `t${String(nextId).padStart(4, "0")}`,
    date: day.length === 10 ? `${day}T12:00:00.000Z` : day,
    date_only: false,
    amount_minor: amountMinor,
    currency: "USD",
    transaction_type: "debit",
    merchant: "Acme",
    description: null,
    ...overrides,
  };
}

function series(days: string[], amountMinor: bigint, overrides: Partial<RecurringInput> = {}): RecurringInput[] {
  return days.map((day) => tx(day, amountMinor, overrides));
}

const UTC = { zone: "UTC" };

describe("streamKey", () => {
  it("prefers the merchant, lower-cased, trimmed and with whitespace collapsed", () => {
    expect(streamKey("  NETFLIX.com  ", "ignored")).toBe("netflix.com");
    expect(streamKey("Joe's   Coffee\tBar", null)).toBe("joe's coffee bar");
  });

  it("falls back to the description without tokens holding digits", () => {
    expect(streamKey(null, "CARD PAYMENT Spotify 2026-01-04 ref#88231 *5678")).toBe("card payment spotify");
    expect(streamKey("   ", "Rent  #12")).toBe("rent");
    expect(streamKey(null, "12345 #")).toBeNull();
    expect(streamKey(null, null)).toBeNull();
  });
});

describe("percentChange", () => {
  it.each([
    [1125n, 1000n, "12.50"],
    [969n, 1000n, "-3.10"],
    [1000n, 1000n, "0.00"],
    [1n, 800n, "-99.88"],
    [801n, 800n, "0.12"], // 0.125 → 0.12 (half to even)
    [803n, 800n, "0.38"], // 0.375 → 0.38
    [775n, 800n, "-3.12"], // −3.125 → −3.12
    [3000n, 1000n, "200.00"],
  ])("(%s − %s) / %s", (last, average, text) => {
    expect(percentChange(last, average)).toBe(text);
  });
});

describe("detectStreams: monthly", () => {
  it("follows month ends: Oct 31 → Nov 30 → Dec 31 → Jan 31 → Feb 28 → Mar 31", () => {
    const history = series(["2025-10-31", "2025-11-30", "2025-12-31", "2026-01-31", "2026-02-28", "2026-03-31"], 1599n, {
      merchant: "Gym",
    });
    const [stream, ...rest] = detectStreams(history, { ...UTC, now: "2026-04-10T00:00:00Z" });
    expect(rest).toEqual([]);
    expect(stream).toMatchObject({
      key: "gym",
      currency: "USD",
      transaction_type: "debit",
      frequency: "monthly",
      average_amount: "15.99",
      average_amount_minor: 1599n,
      last_amount: "15.99",
      last_amount_change: "0.00",
      first_date: "2025-10-31",
      last_date: "2026-03-31",
      predicted_next_date: "2026-04-30",
      occurrences: 6,
      status: "mature",
      missed: false,
    });
    expect(stream?.transaction_ids).toEqual(history.map((t) => t.id).reverse());
  });

  it("handles the leap day: Jan 31 → Feb 29 → Mar 31 predicts Apr 30", () => {
    const history = series(["2028-01-31", "2028-02-29", "2028-03-31"], 500n);
    const [stream] = detectStreams(history, { ...UTC, now: "2028-04-01T00:00:00Z" });
    expect(stream).toMatchObject({ frequency: "monthly", predicted_next_date: "2028-04-30", status: "mature" });
  });

  it("accepts payments up to 3 days off the billing day, not 4", () => {
    const within = series(["2026-01-10", "2026-02-13", "2026-03-07", "2026-04-10"], 999n);
    expect(detectStreams(within, { ...UTC, now: "2026-04-20T00:00:00Z" })[0]).toMatchObject({
      frequency: "monthly",
      predicted_next_date: "2026-05-10",
    });
    const beyond = series(["2026-01-10", "2026-02-14", "2026-03-10", "2026-04-10"], 999n);
    expect(detectStreams(beyond, { ...UTC, now: "2026-04-20T00:00:00Z" })).toEqual([]);
  });

  it("two occurrences are an early detection", () => {
    const [stream] = detectStreams(series(["2026-02-03", "2026-03-03"], 4200n), { ...UTC, now: "2026-03-04T00:00:00Z" });
    expect(stream).toMatchObject({ frequency: "monthly", occurrences: 2, status: "early_detection", predicted_next_date: "2026-04-03" });
  });

  it("a cancelled subscription is missed, then tombstoned once one interval plus the tolerance has passed", () => {
    const history = series(["2026-01-15", "2026-02-15", "2026-03-15", "2026-04-15"], 1299n, { merchant: "Streamio" });
    const asOf = (now: string) => detectStreams(history, { ...UTC, now })[0];
    expect(asOf("2026-05-18T12:00:00Z")).toMatchObject({ predicted_next_date: "2026-05-15", missed: false, status: "mature" });
    expect(asOf("2026-05-19T12:00:00Z")).toMatchObject({ missed: true, status: "mature" });
    // The interval after May 15 is 31 days; tolerance 3: tombstoned once more than 34 days late.
    expect(asOf("2026-06-18T12:00:00Z")).toMatchObject({ missed: true, status: "mature" });
    expect(asOf("2026-06-19T12:00:00Z")).toMatchObject({ missed: true, status: "tombstoned" });
  });
});

describe("detectStreams: weekly", () => {
  const fridays = (from: string, count: number) =>
    Array.from({ length: count }, (_, i) => new Date(Date.parse(`${from}T00:00:00Z`) + i * 7 * 86_400_000).toISOString().slice(0, 10));

  it("a weekly salary with one missed week in the middle stays weekly", () => {
    const days = fridays("2026-01-02", 10).filter((day) => day !== "2026-02-06");
    const history = series(days, 250_000n, { merchant: null, description: "SALARY ACME CORP 2026", transaction_type: "credit" });
    const [stream] = detectStreams(history, { ...UTC, now: "2026-03-08T00:00:00Z" });
    expect(stream).toMatchObject({
      key: "salary acme corp",
      transaction_type: "credit",
      frequency: "weekly",
      occurrences: 9,
      last_date: "2026-03-06",
      predicted_next_date: "2026-03-13",
      missed: false,
      status: "mature",
      average_amount: "2500.00",
    });
  });

  it("the latest salary not arriving marks the stream missed, and a week later tombstoned", () => {
    const history = series(fridays("2026-01-02", 9), 250_000n, { merchant: "Acme Payroll", transaction_type: "credit" });
    const asOf = (now: string) => detectStreams(history, { ...UTC, now })[0];
    expect(asOf("2026-03-07T12:00:00Z")).toMatchObject({ predicted_next_date: "2026-03-06", missed: false, status: "mature" });
    expect(asOf("2026-03-08T12:00:00Z")).toMatchObject({ missed: true, status: "mature" });
    expect(asOf("2026-03-14T12:00:00Z")).toMatchObject({ missed: true, status: "mature" });
    expect(asOf("2026-03-15T12:00:00Z")).toMatchObject({ missed: true, status: "tombstoned" });
  });

  it("keeps only the latest 12 transaction ids, newest first", () => {
    const history = series(fridays("2026-01-02", 20), 1000n);
    const [stream] = detectStreams(history, { ...UTC, now: "2026-05-25T00:00:00Z" });
    expect(stream?.occurrences).toBe(20);
    expect(stream?.transaction_ids).toEqual(
      history
        .slice(-12)
        .map((t) => t.id)
        .reverse(),
    );
  });
});

describe("detectStreams: amounts", () => {
  it("a price change stays one stream; average and change are exact", () => {
    const days = ["2026-01-05", "2026-02-05", "2026-03-05", "2026-04-05", "2026-05-05", "2026-06-05"];
    const history = [...series(days.slice(0, 4), 1099n), ...series(days.slice(4), 1299n)];
    const [stream] = detectStreams(history, { ...UTC, now: "2026-06-10T00:00:00Z" });
    // mean 6994 / 6 = 1165.67 → 1166; (1299 − 1166) / 1166 = 11.4065…% → "11.41"
    expect(stream).toMatchObject({ occurrences: 6, average_amount: "11.66", last_amount: "12.99", last_amount_change: "11.41" });
  });

  it("rounds the average half to even in the currency's digits", () => {
    const history = [...series(["2026-01-05", "2026-02-05"], 1001n), ...series(["2026-03-05", "2026-04-05"], 1002n)];
    // 4006 / 4 = 1001.5 → 1002 (even)
    expect(detectStreams(history, { ...UTC, now: "2026-04-06T00:00:00Z" })[0]?.average_amount).toBe("10.02");
    const yen = series(["2026-01-05", "2026-02-05", "2026-03-05"], 980n, { currency: "JPY" });
    expect(detectStreams(yen, { ...UTC, now: "2026-03-06T00:00:00Z" })[0]).toMatchObject({ average_amount: "980", currency: "JPY" });
  });

  it("an amount more than 25% from the median is left out of the stream", () => {
    const history = series(["2026-01-05", "2026-02-05", "2026-03-05", "2026-04-05"], 999n);
    const oneOff = tx("2026-02-20", 4999n);
    const [stream] = detectStreams([...history, oneOff], { ...UTC, now: "2026-04-06T00:00:00Z" });
    expect(stream).toMatchObject({ frequency: "monthly", occurrences: 4, average_amount: "9.99" });
    expect(stream?.transaction_ids).not.toContain(oneOff.id);
  });

  it("the 25% band is inclusive", () => {
    const history = [...series(["2026-01-05", "2026-02-05", "2026-03-05"], 1000n), tx("2026-04-05", 1250n), tx("2026-05-05", 750n)];
    expect(detectStreams(history, { ...UTC, now: "2026-05-06T00:00:00Z" })[0]?.occurrences).toBe(5);
    const over = [...series(["2026-01-05", "2026-02-05", "2026-03-05"], 1000n), tx("2026-04-05", 1251n)];
    expect(detectStreams(over, { ...UTC, now: "2026-04-06T00:00:00Z" })[0]).toMatchObject({ occurrences: 3, last_date: "2026-03-05" });
  });
});

describe("detectStreams: noise", () => {
  it("irregular purchases form no stream", () => {
    const coffee = ["2026-01-02", "2026-01-03", "2026-01-09", "2026-01-21", "2026-02-02", "2026-02-04", "2026-02-27", "2026-03-14"].map(
      (day, i) => tx(day, 350n + BigInt(i * 20), { merchant: "Corner Coffee" }),
    );
    const groceries = ["2026-01-04", "2026-01-15", "2026-01-19", "2026-02-08", "2026-03-01", "2026-03-04"].map((day, i) =>
      tx(day, 5_000n + BigInt(i * 731), { merchant: "FreshMart" }),
    );
    const oneOffs = [
      tx("2026-01-11", 12_000n, { merchant: "Airline" }),
      tx("2026-02-14", 8_000n, { merchant: "Florist" }),
      tx("2026-03-02", 2_000n, { merchant: null, description: "ATM WITHDRAWAL 0042" }),
      tx("2026-03-20", 2_000n, { merchant: null, description: "12345" }), // no key at all
    ];
    expect(detectStreams([...coffee, ...groceries, ...oneOffs], { ...UTC, now: "2026-03-25T00:00:00Z" })).toEqual([]);
  });

  it("a single payment, or two on the same day, is not a stream", () => {
    expect(detectStreams([tx("2026-01-05", 999n)], { ...UTC, now: "2026-01-06T00:00:00Z" })).toEqual([]);
    expect(detectStreams(series(["2026-01-05", "2026-01-05"], 999n), { ...UTC, now: "2026-01-06T00:00:00Z" })).toEqual([]);
  });

  it("keeps currencies and transaction types apart", () => {
    const days = ["2026-01-05", "2026-02-05", "2026-03-05"];
    const history = [
      ...series(days, 999n),
      ...series(days, 899n, { currency: "EUR" }),
      ...series(days, 999n, { transaction_type: "credit" }),
      tx("2026-01-20", 999n, { currency: "GBP" }),
    ];
    const streams = detectStreams(history, { ...UTC, now: "2026-03-06T00:00:00Z" });
    expect(streams.map((s) => [s.currency, s.transaction_type])).toEqual([
      ["EUR", "debit"],
      ["USD", "credit"],
      ["USD", "debit"],
    ]);
    expect(new Set(streams.map((s) => s.id)).size).toBe(3);
  });

  it("ignores transactions dated after today", () => {
    const history = [...series(["2026-01-05", "2026-02-05"], 999n), tx("2026-03-05", 999n)];
    expect(detectStreams(history, { ...UTC, now: "2026-02-10T00:00:00Z" })[0]).toMatchObject({ occurrences: 2, last_date: "2026-02-05" });
  });
});

describe("detectStreams: other frequencies", () => {
  it("1st and 15th is semi-monthly", () => {
    const days = ["2026-01-01", "2026-01-15", "2026-02-02", "2026-02-13", "2026-03-01", "2026-03-16", "2026-04-01"];
    const [stream] = detectStreams(series(days, 120_000n, { transaction_type: "credit" }), { ...UTC, now: "2026-04-05T00:00:00Z" });
    expect(stream).toMatchObject({ frequency: "semi_monthly", predicted_next_date: "2026-04-15", occurrences: 7, status: "mature" });
  });

  it("15th and last day of the month is semi-monthly, through February", () => {
    const days = ["2026-01-15", "2026-01-31", "2026-02-15", "2026-02-28", "2026-03-15", "2026-03-31"];
    const [stream] = detectStreams(series(days, 120_000n), { ...UTC, now: "2026-04-01T00:00:00Z" });
    expect(stream).toMatchObject({ frequency: "semi_monthly", predicted_next_date: "2026-04-15" });
    const after = detectStreams(series([...days, "2026-04-15"], 120_000n), { ...UTC, now: "2026-04-16T00:00:00Z" })[0];
    expect(after).toMatchObject({ frequency: "semi_monthly", predicted_next_date: "2026-04-30" });
  });

  it("two payments on the 1st and 15th fit both; semi-monthly wins", () => {
    const [stream] = detectStreams(series(["2026-03-01", "2026-03-15"], 5000n), { ...UTC, now: "2026-03-16T00:00:00Z" });
    expect(stream).toMatchObject({ frequency: "semi_monthly", status: "early_detection", predicted_next_date: "2026-04-01" });
  });

  it("every other Friday drifts through the month: biweekly", () => {
    const days = ["2026-01-02", "2026-01-16", "2026-01-30", "2026-02-13", "2026-02-27", "2026-03-13"];
    const [stream] = detectStreams(series(days, 180_000n), { ...UTC, now: "2026-03-14T00:00:00Z" });
    expect(stream).toMatchObject({ frequency: "biweekly", predicted_next_date: "2026-03-27", status: "mature" });
  });

  it("quarterly within ±7 days", () => {
    const days = ["2025-01-05", "2025-04-11", "2025-07-01", "2025-10-05", "2026-01-05"];
    const [stream] = detectStreams(series(days, 30_000n, { merchant: "Water Utility" }), { ...UTC, now: "2026-02-01T00:00:00Z" });
    expect(stream).toMatchObject({ frequency: "quarterly", predicted_next_date: "2026-04-05", status: "mature", missed: false });
  });

  it("annually within ±10 days", () => {
    const days = ["2023-03-10", "2024-03-19", "2025-03-01", "2026-03-10"];
    const [stream] = detectStreams(series(days, 13_900n, { merchant: "Prime" }), { ...UTC, now: "2026-06-01T00:00:00Z" });
    expect(stream).toMatchObject({ frequency: "annually", predicted_next_date: "2027-03-10", occurrences: 4 });
    const tooFar = series(["2024-03-10", "2025-03-25"], 13_900n);
    expect(detectStreams(tooFar, { ...UTC, now: "2025-04-01T00:00:00Z" })).toEqual([]);
  });
});

describe("detectStreams: time zones", () => {
  // Charged at 02:00 UTC on the 1st: in New York that is the evening of the previous month's last day.
  const charges = series(["2026-01-01T02:00:00Z", "2026-02-01T02:00:00Z", "2026-03-01T02:00:00Z", "2026-04-01T02:00:00Z"], 999n);

  it("instants fall on local days of the zone", () => {
    const [utc] = detectStreams(charges, { zone: "UTC", now: "2026-04-02T00:00:00Z" });
    expect(utc).toMatchObject({ first_date: "2026-01-01", last_date: "2026-04-01", predicted_next_date: "2026-05-01" });
    const [newYork] = detectStreams(charges, { zone: "America/New_York", now: "2026-04-02T00:00:00Z" });
    expect(newYork).toMatchObject({ first_date: "2025-12-31", last_date: "2026-03-31", predicted_next_date: "2026-04-30" });
  });

  it("date-only transactions keep their calendar date in every zone", () => {
    const bankDates = series(["2026-01-01", "2026-02-01", "2026-03-01"], 999n, { date_only: true }).map((t) => ({
      ...t,
      date: `${t.date.slice(0, 10)}T00:00:00.000Z`,
    }));
    for (const zone of ["America/New_York", "Pacific/Kiritimati", "Etc/GMT+12", "Asia/Kathmandu"]) {
      const [stream] = detectStreams(bankDates, { zone, now: "2026-03-02T12:00:00Z" });
      expect(stream, zone).toMatchObject({ first_date: "2026-01-01", last_date: "2026-03-01", predicted_next_date: "2026-04-01" });
    }
  });

  it("'now' is read as a local day too", () => {
    const history = series(["2026-01-15", "2026-02-15", "2026-03-15"], 999n, { date_only: true });
    // 2026-04-19T02:00Z is still Apr 18 in New York: exactly 3 days late, not yet missed.
    expect(detectStreams(history, { zone: "America/New_York", now: "2026-04-19T02:00:00Z" })[0]?.missed).toBe(false);
    expect(detectStreams(history, { zone: "UTC", now: "2026-04-19T02:00:00Z" })[0]?.missed).toBe(true);
  });
});

describe("streamId", () => {
  it("is stable and differs by key, currency and type", () => {
    expect(streamId("netflix", "USD", "debit")).toMatch(/^rec_[0-9a-f]{16}$/);
    expect(streamId("netflix", "USD", "debit")).toBe(streamId("netflix", "USD", "debit"));
    expect(streamId("netflix", "USD", "credit")).not.toBe(streamId("netflix", "USD", "debit"));
    expect(streamId("netflix", "EUR", "debit")).not.toBe(streamId("netflix", "USD", "debit"));
  });
});

describe("the example in docs/recurring.md", () => {
  const rows: RecurringInput[] = [
    ["t1", "2026-01-01T02:00:00Z", 1599n],
    ["t2", "2026-02-01T02:00:00Z", 1599n],
    ["t3", "2026-03-01T02:00:00Z", 1799n],
    ["t4", "2026-04-01T02:00:00Z", 1799n],
  ].map(([id, date, amount]) => ({ ...tx(date as string, amount as bigint, { merchant: "Gym" }), id: id as string }));
  const asOf = (now: string, zone = "America/New_York") => detectStreams(rows, { zone, now: `${now}T12:00:00Z` })[0];

  it("gives the documented stream", () => {
    expect(asOf("2026-04-10")).toEqual({
      id: streamId("gym", "USD", "debit"),
      key: "gym",
      currency: "USD",
      transaction_type: "debit",
      frequency: "monthly",
      average_amount: "16.99",
      average_amount_minor: 1699n,
      last_amount: "17.99",
      last_amount_minor: 1799n,
      last_amount_change: "5.89",
      first_date: "2025-12-31",
      last_date: "2026-03-31",
      predicted_next_date: "2026-04-30",
      occurrences: 4,
      status: "mature",
      missed: false,
      transaction_ids: ["t4", "t3", "t2", "t1"],
      // Days from April 30 to May 31, and monthly's tolerance: status and missed on later days (src/recurring/status.ts).
      interval_days: 31,
      tolerance_days: 3,
    });
  });

  it("is missed from May 4, tombstoned from June 4, and predicts May 1 in UTC", () => {
    expect(asOf("2026-05-03")).toMatchObject({ missed: false, status: "mature" });
    expect(asOf("2026-05-04")).toMatchObject({ missed: true, status: "mature" });
    expect(asOf("2026-06-03")).toMatchObject({ missed: true, status: "mature" });
    expect(asOf("2026-06-04")).toMatchObject({ missed: true, status: "tombstoned" });
    expect(asOf("2026-04-10", "UTC")).toMatchObject({ first_date: "2026-01-01", predicted_next_date: "2026-05-01" });
  });
});
