import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { daysFingerprint, localDayOf, localDaySql, offsetSegments, offsetSegmentsForDays } from "../../src/analytics/local-days";
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
    expect(text("Asia/Kathmandu")).toContain("'+20700 seconds'");
    expect(text("America/New_York")).toContain("WHEN day < '2026-03-08T07:00' THEN '-18000 seconds'");
  });
});

describe("time keys and spans", () => {
  it("a timed row's key is its UTC quarter-hour; a date-only row's key is its date", () => {
    expect(timeKeyOf("2026-11-25T10:44:59.999Z", false)).toBe("2026-11-25T10:30");
    expect(timeKeyOf("2026-11-25T00:00:00.000Z", true)).toBe("2026-11-25");
  });

  it("offsets are read for the dates holding data only, so a spread over centuries costs its dates", () => {
    const days = ["1000-01-01", "2026-03-08", "2026-07-01", "9999-12-31"];
    expect(offsetSegmentsForDays("America/New_York", days)).toEqual([
      { bucket: "1000-01-01T00:00", offset: -(4 * 60 + 56 + 2 / 60) }, // local mean time before 1883: -4:56:02
      { bucket: "2026-03-08T00:00", offset: -300 },
      { bucket: "2026-03-08T07:00", offset: -240 },
      { bucket: "9999-12-31T00:00", offset: -300 },
    ]);
    expect(daysFingerprint(["1970-01-02", "1970-01-03"])).toEqual({ n: 2, s: 3 });
  });

  it("localDayOf (the many-segments fallback) agrees with Intl on every quarter-hour around New York's changes", () => {
    const days = ["2026-03-07", "2026-03-08", "2026-03-09", "2026-10-31", "2026-11-01", "2026-11-02"];
    const segments = offsetSegmentsForDays("America/New_York", days);
    const intl = new Intl.DateTimeFormat("en-CA", { timeZone: "America/New_York", year: "numeric", month: "2-digit", day: "2-digit" });
    for (const day of days) {
      for (let q = 0; q < 96; q++) {
        const ms = Date.parse(`${day}T00:00:00Z`) + q * 900_000;
        const key = new Date(ms).toISOString().slice(0, 16);
        expect(localDayOf(key, segments), key).toBe(intl.format(ms));
      }
    }
    expect(localDayOf("2026-11-25", segments)).toBe("2026-11-25");
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
