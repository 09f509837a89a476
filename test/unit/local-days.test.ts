import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { localDaySql, offsetSegments, spanCovers, spanOf } from "../../src/analytics/local-days";
import { timeKeyOf } from "../../src/analytics/time-key";
import { asOf, type StoredStream } from "../../src/recurring/status";

const YEAR_2026 = { fromMs: Date.parse("2026-01-01T00:00:00Z"), toMs: Date.parse("2027-01-01T00:00:00Z") };

describe("offsetSegments", () => {
  it("finds New York's 2026 changes to the quarter-hour", () => {
    expect(offsetSegments("America/New_York", YEAR_2026)).toEqual([
      { bucket: "2026-01-01T00:00", offset: -300 },
      { bucket: "2026-03-08T07:00", offset: -240 },
      { bucket: "2026-11-01T06:00", offset: -300 },
    ]);
  });

  it("finds Lord Howe's 30-minute daylight saving", () => {
    expect(offsetSegments("Australia/Lord_Howe", YEAR_2026)).toEqual([
      { bucket: "2026-01-01T00:00", offset: 660 },
      { bucket: "2026-04-04T15:00", offset: 630 },
      { bucket: "2026-10-03T15:30", offset: 660 },
    ]);
  });

  it.each([
    ["Asia/Kathmandu", 345],
    ["Asia/Kolkata", 330],
    ["Pacific/Kiritimati", 840],
    ["Etc/GMT+12", -720],
    ["UTC", 0],
  ])("%s is one segment at %i minutes", (zone, offset) => {
    expect(offsetSegments(zone, YEAR_2026)).toEqual([{ bucket: "2026-01-01T00:00", offset }]);
  });
});

describe("localDaySql", () => {
  it("keeps date keys, shifts bucket keys by the offset in force", () => {
    const text = (zone: string) => new SQLiteAsyncDialect().sqlToQuery(localDaySql(offsetSegments(zone, YEAR_2026))).sql;
    expect(text("UTC")).toBe("CASE WHEN length(day) = 10 THEN day ELSE substr(day, 1, 10) END");
    expect(text("Asia/Kathmandu")).toContain("'+345 minutes'");
    expect(text("America/New_York")).toContain("WHEN day < '2026-03-08T07:00' THEN '-300 minutes'");
  });
});

describe("time keys and spans", () => {
  it("a timed row's key is its UTC quarter-hour; a date-only row's key is its date", () => {
    expect(timeKeyOf("2026-11-25T10:44:59.999Z", false)).toBe("2026-11-25T10:30");
    expect(timeKeyOf("2026-11-25T00:00:00.000Z", true)).toBe("2026-11-25");
  });

  it("a span covers keys with two days' margin and notices keys outside it", () => {
    const span = spanOf({ lo: "2026-03-01T10:00", hi: "2026-03-31" });
    expect(spanCovers(span, { lo: "2026-03-02", hi: "2026-03-30T23:45" })).toBe(true);
    expect(spanCovers(span, { lo: "2026-02-01T00:00", hi: "2026-03-30T23:45" })).toBe(false);
    expect(spanCovers(null, { lo: null, hi: null })).toBe(true);
    expect(spanCovers(null, { lo: "2026-03-02", hi: "2026-03-02" })).toBe(false);
  });
});

describe("recurring status as of a later day", () => {
  const stream = { predicted_next_date: "2026-04-30", interval_days: 31, tolerance_days: 3, occurrences: 4 } as StoredStream;
  it.each([
    ["2026-05-03", "mature", false],
    ["2026-05-04", "mature", true],
    ["2026-06-03", "mature", true],
    ["2026-06-04", "tombstoned", true],
  ])("on %s: %s, missed %s", (today, status, missed) => {
    expect(asOf(stream, today)).toEqual({ status, missed });
  });
});
