import { describe, expect, it } from "vitest";
import { isDateOnly, nextDayStart, parseTimestamp } from "../../src/lib/dates";
import { decodeCursor, encodeCursor } from "../../src/lib/keyset";

describe("parseTimestamp", () => {
  it.each([
    ["2026-11-25", "2026-11-25T00:00:00.000Z"],
    ["2028-02-29", "2028-02-29T00:00:00.000Z"],
    ["2026-11-25T10:30:00Z", "2026-11-25T10:30:00.000Z"],
    ["2026-11-25t10:30:00z", "2026-11-25T10:30:00.000Z"],
    ["2026-11-25T01:30:00+02:00", "2026-11-24T23:30:00.000Z"],
    ["2026-11-25T23:30:00-02:00", "2026-11-26T01:30:00.000Z"],
    ["2026-12-31T22:00:00-05:30", "2027-01-01T03:30:00.000Z"],
    ["2026-11-25T10:30:00.5Z", "2026-11-25T10:30:00.500Z"],
    ["2026-11-25T10:30:00.123456789+00:00", "2026-11-25T10:30:00.123Z"],
  ])("%s -> %s", (text, iso) => {
    expect(parseTimestamp(text)).toBe(iso);
  });

  it.each([
    "2026-02-30",
    "2026-02-29",
    "2026-13-01",
    "2026-00-10",
    "2026-04-31",
    "2026-11-00",
    "2026-11-25T10:00:00",
    "2026-11-25T24:00:00Z",
    "2026-11-25T10:60:00Z",
    "2026-11-25T10:00:60Z",
    "2026-11-25T10:00:00+24:00",
    "2026-11-25 10:00:00Z",
    "2026-11-25T10:00Z",
    "26-11-25",
    "2026-1-5",
    "0999-12-31",
    "1000-01-01T00:30:00+01:00",
    "9999-12-31T23:30:00-01:00",
    "yesterday",
    "",
    " 2026-11-25",
    "2026-11-25 ",
  ])("rejects %j", (text) => {
    expect(parseTimestamp(text)).toBeNull();
  });

  it("isDateOnly tells a plain date from a date-time", () => {
    expect(isDateOnly("2026-11-25")).toBe(true);
    expect(isDateOnly("2026-11-25T00:00:00Z")).toBe(false);
  });
});

describe("nextDayStart", () => {
  it.each([
    ["2026-11-25", "2026-11-26T00:00:00.000Z"],
    ["2026-11-30", "2026-12-01T00:00:00.000Z"],
    ["2026-12-31", "2027-01-01T00:00:00.000Z"],
    ["2028-02-28", "2028-02-29T00:00:00.000Z"],
    ["2026-02-28", "2026-03-01T00:00:00.000Z"],
  ])("%s -> %s", (day, next) => {
    expect(nextDayStart(day)).toBe(next);
  });
});

describe("cursor", () => {
  it("round-trips a position", () => {
    const position = { date: "2026-11-25T10:30:00.000Z", id: "txn_0k7m3q9x2c4v6b8n1p5r7t9w3y" };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  it("is URL-safe (no +, / or = padding) for many positions", () => {
    for (let i = 0; i < 200; i++) {
      const position = { date: new Date(Date.UTC(2026, 0, 1) + i * 7_777_777).toISOString(), id: `txn_${crypto.randomUUID()}` };
      const cursor = encodeCursor(position);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(cursor)).toEqual(position);
    }
  });

  const b64 = (text: string) => btoa(text).replace(/=+$/, "");

  it.each([
    ["empty", ""],
    ["not base64", "!!!***"],
    ["plain text", "garbage"],
    ["no separator", b64("2026-11-25T00:00:00.000Z")],
    ["no id", b64("2026-11-25T00:00:00.000Z|")],
    ["no date", b64("|txn_1")],
    ["extra part", b64("2026-11-25T00:00:00.000Z|txn_1|x")],
    ["date is not a timestamp", b64("yesterday|txn_1")],
  ])("decodes garbage (%s) to null", (_name, cursor) => {
    expect(decodeCursor(cursor)).toBeNull();
  });
});
