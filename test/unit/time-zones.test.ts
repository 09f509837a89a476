import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addDays,
  bucketOf,
  bucketStartMs,
  dayOfWeek,
  daysBetween,
  isValidTimeZone,
  localDate,
  localDateOfBucket,
  localDayRange,
  localParts,
  monthKey,
  normalizeTimeZone,
  offsetMinutes,
  orderedWeekdays,
  startOfLocalDay,
  weekdayPosition,
} from "../../src/lib/time-zones";

const HOUR_MS = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe("isValidTimeZone", () => {
  it.each(["UTC", "Etc/GMT+12", "Etc/GMT-14", "Asia/Kathmandu", "Asia/Katmandu", "America/New_York", "Australia/Lord_Howe"])(
    "accepts %s",
    (zone) => {
      expect(isValidTimeZone(zone)).toBe(true);
    },
  );

  it.each(["", "Mars/Olympus_Mons", "America/New York", "+05:30", "-03:00", "UTC+3", "Europe/", "x".repeat(65)])("refuses %j", (zone) => {
    expect(isValidTimeZone(zone)).toBe(false);
  });

  it("keeps the name the user gave, fixing only letter case", () => {
    expect(normalizeTimeZone("Asia/Katmandu")).toBe("Asia/Katmandu");
    expect(normalizeTimeZone("Asia/Kathmandu")).toBe("Asia/Kathmandu");
    expect(normalizeTimeZone("US/Eastern")).toBe("US/Eastern");
    expect(normalizeTimeZone("america/new_york")).toBe("America/New_York");
    expect(normalizeTimeZone("utc")).toBe("UTC");
    expect(normalizeTimeZone("Nowhere/Special")).toBeNull();
  });
});

describe("offsetMinutes", () => {
  it.each([
    ["UTC", "2026-07-01T12:00:00Z", 0],
    ["America/New_York", "2026-01-15T12:00:00Z", -300],
    ["America/New_York", "2026-07-15T12:00:00Z", -240],
    ["Europe/Berlin", "2026-01-15T12:00:00Z", 60],
    ["Europe/Berlin", "2026-07-15T12:00:00Z", 120],
    ["Asia/Kolkata", "2026-07-15T12:00:00Z", 330],
    ["Asia/Kathmandu", "2026-07-15T12:00:00Z", 345],
    ["Asia/Katmandu", "2026-07-15T12:00:00Z", 345],
    ["Australia/Lord_Howe", "2026-07-15T12:00:00Z", 630], // standard +10:30
    ["Australia/Lord_Howe", "2026-01-15T12:00:00Z", 660], // 30-minute DST +11:00
    ["Pacific/Kiritimati", "2026-07-15T12:00:00Z", 840],
    ["Pacific/Apia", "2026-07-15T12:00:00Z", 780],
    ["Pacific/Tongatapu", "2026-07-15T12:00:00Z", 780],
    ["Pacific/Pago_Pago", "2026-07-15T12:00:00Z", -660],
    ["Etc/GMT+12", "2026-07-15T12:00:00Z", -720],
  ])("%s at %s is %i minutes", (zone, at, minutes) => {
    expect(offsetMinutes(at, zone)).toBe(minutes);
    expect(offsetMinutes(Date.parse(at), zone)).toBe(minutes);
  });

  it("changes at the exact New York transition instant", () => {
    const spring = Date.parse("2026-03-08T07:00:00Z"); // 02:00 EST → 03:00 EDT
    expect(offsetMinutes(spring - 1, "America/New_York")).toBe(-300);
    expect(offsetMinutes(spring, "America/New_York")).toBe(-240);
  });
});

describe("localDate and localParts", () => {
  it("a 23:30 purchase in New York lands on that New York day, not the next UTC day", () => {
    const purchase = "2026-11-25T23:30:00-05:00"; // 04:30 UTC on the 26th
    expect(new Date(purchase).toISOString().slice(0, 10)).toBe("2026-11-26");
    expect(localDate(purchase, "America/New_York")).toBe("2026-11-25");
    expect(localParts(purchase, "America/New_York")).toMatchObject({ hour: 23, minute: 30, weekday: 3 }); // a Wednesday
    expect(localDate(purchase, "UTC")).toBe("2026-11-26");
  });

  it.each([
    // instant, zone, local date
    ["2026-06-30T18:29:59Z", "Asia/Kolkata", "2026-06-30"],
    ["2026-06-30T18:30:00Z", "Asia/Kolkata", "2026-07-01"],
    ["2026-06-30T18:14:59Z", "Asia/Kathmandu", "2026-06-30"],
    ["2026-06-30T18:15:00Z", "Asia/Kathmandu", "2026-07-01"],
    ["2026-06-30T13:29:59Z", "Australia/Lord_Howe", "2026-06-30"],
    ["2026-06-30T13:30:00Z", "Australia/Lord_Howe", "2026-07-01"],
    ["2026-06-30T10:00:00Z", "Pacific/Kiritimati", "2026-07-01"],
    ["2026-06-30T09:59:59Z", "Pacific/Kiritimati", "2026-06-30"],
    ["2026-06-30T11:00:00Z", "Pacific/Tongatapu", "2026-07-01"],
    ["2026-06-30T11:00:00Z", "Pacific/Apia", "2026-07-01"],
    ["2026-07-01T10:59:59Z", "Pacific/Pago_Pago", "2026-06-30"],
    ["2026-07-01T11:00:00Z", "Pacific/Pago_Pago", "2026-07-01"],
    ["2026-07-01T11:59:59Z", "Etc/GMT+12", "2026-06-30"],
    ["2026-07-01T12:00:00Z", "Etc/GMT+12", "2026-07-01"],
  ])("%s in %s is %s", (at, zone, date) => {
    expect(localDate(at, zone)).toBe(date);
  });

  it("the same instant is on three different dates across the date line", () => {
    const at = "2026-07-01T11:30:00Z";
    expect(localDate(at, "Etc/GMT+12")).toBe("2026-06-30");
    expect(localDate(at, "UTC")).toBe("2026-07-01");
    expect(localDate(at, "Pacific/Kiritimati")).toBe("2026-07-02");
  });

  it("refuses non-instants", () => {
    expect(() => localDate("yesterday", "UTC")).toThrow(RangeError);
  });

  it("reads UTC without Intl exactly as Intl reads it (Etc/UTC), BC years and the ends of the Date range included", () => {
    const edges = [0, -1, 86_399_999, Date.parse("0000-12-31T23:59:59.999Z"), Date.parse("-000001-01-01T00:00:00Z"), 8.64e15, -8.64e15];
    for (const ms of edges) expect(localParts(ms, "UTC"), String(ms)).toEqual(localParts(ms, "Etc/UTC"));
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
        expect(localParts(ms, "UTC")).toEqual(localParts(ms, "Etc/UTC"));
        expect(localDate(ms, "UTC")).toBe(localDate(ms, "Etc/UTC"));
      }),
      { numRuns: 2000 },
    );
    expect(() => localParts(8.64e15 + 1, "UTC")).toThrow(RangeError);
  });
});

describe("startOfLocalDay and localDayRange", () => {
  const hours = (from: string, to: string, zone: string) => {
    const [start, end] = localDayRange(from, to, zone);
    return (end - start) / HOUR_MS;
  };

  it("New York: 23-hour spring day and 25-hour fall day", () => {
    expect(iso(startOfLocalDay("2026-03-08", "America/New_York"))).toBe("2026-03-08T05:00:00.000Z");
    expect(hours("2026-03-08", "2026-03-08", "America/New_York")).toBe(23);
    expect(iso(startOfLocalDay("2026-11-01", "America/New_York"))).toBe("2026-11-01T04:00:00.000Z");
    expect(hours("2026-11-01", "2026-11-01", "America/New_York")).toBe(25);
    expect(hours("2026-11-02", "2026-11-02", "America/New_York")).toBe(24);
  });

  it("Berlin: 23-hour spring day and 25-hour fall day", () => {
    expect(iso(startOfLocalDay("2026-03-29", "Europe/Berlin"))).toBe("2026-03-28T23:00:00.000Z");
    expect(hours("2026-03-29", "2026-03-29", "Europe/Berlin")).toBe(23);
    expect(iso(startOfLocalDay("2026-10-25", "Europe/Berlin"))).toBe("2026-10-24T22:00:00.000Z");
    expect(hours("2026-10-25", "2026-10-25", "Europe/Berlin")).toBe(25);
  });

  it("Lord Howe: 23.5- and 24.5-hour days from its 30-minute DST", () => {
    expect(hours("2026-10-04", "2026-10-04", "Australia/Lord_Howe")).toBe(23.5);
    expect(hours("2026-04-05", "2026-04-05", "Australia/Lord_Howe")).toBe(24.5);
    expect(iso(startOfLocalDay("2026-04-05", "Australia/Lord_Howe"))).toBe("2026-04-04T13:00:00.000Z");
  });

  it.each([
    ["Asia/Kolkata", "2026-07-01", "2026-06-30T18:30:00.000Z"],
    ["Asia/Kathmandu", "2026-07-01", "2026-06-30T18:15:00.000Z"],
    ["Asia/Katmandu", "2026-07-01", "2026-06-30T18:15:00.000Z"],
    ["Pacific/Kiritimati", "2026-07-01", "2026-06-30T10:00:00.000Z"],
    ["Pacific/Apia", "2026-07-01", "2026-06-30T11:00:00.000Z"],
    ["Pacific/Tongatapu", "2026-07-01", "2026-06-30T11:00:00.000Z"],
    ["Pacific/Pago_Pago", "2026-07-01", "2026-07-01T11:00:00.000Z"],
    ["Etc/GMT+12", "2026-07-01", "2026-07-01T12:00:00.000Z"],
    ["UTC", "2026-07-01", "2026-07-01T00:00:00.000Z"],
  ])("%s: %s starts at %s", (zone, date, start) => {
    expect(iso(startOfLocalDay(date, zone))).toBe(start);
    expect(hours(date, date, zone)).toBe(24);
  });

  it.each([
    // Midnight does not exist on these days: the clock jumps from 23:59:59 to 01:00.
    ["America/Santiago", "2026-09-06", "2026-09-06T04:00:00.000Z"],
    ["Asia/Beirut", "2026-03-29", "2026-03-28T22:00:00.000Z"],
    ["America/Havana", "2026-03-08", "2026-03-08T05:00:00.000Z"],
  ])("%s: %s has no midnight, so the day starts at the first instant reading that date", (zone, date, start) => {
    const startMs = startOfLocalDay(date, zone);
    expect(iso(startMs)).toBe(start);
    expect(localParts(startMs, zone)).toMatchObject({ hour: 1, minute: 0, second: 0 });
    expect(localDate(startMs - 1, zone)).toBe(addDays(date, -1));
    expect(hours(date, date, zone)).toBe(23);
  });

  it("Santiago's fall-back day (clock set back at midnight to 23:00) is 25 hours", () => {
    expect(hours("2026-04-04", "2026-04-04", "America/Santiago")).toBe(25);
    expect(hours("2026-04-05", "2026-04-05", "America/Santiago")).toBe(24);
  });

  it("Samoa's skipped 2011-12-30 is an empty day", () => {
    expect(hours("2011-12-30", "2011-12-30", "Pacific/Apia")).toBe(0);
    expect(hours("2011-12-29", "2011-12-31", "Pacific/Apia")).toBe(48);
  });

  it("a range over the DST change in New York holds exactly its local days", () => {
    const [start, end] = localDayRange("2026-03-07", "2026-03-09", "America/New_York");
    expect((end - start) / HOUR_MS).toBe(71);
    expect(localDate(start, "America/New_York")).toBe("2026-03-07");
    expect(localDate(end - 1, "America/New_York")).toBe("2026-03-09");
    expect(localDate(end, "America/New_York")).toBe("2026-03-10");
  });

  it("refuses malformed and impossible dates", () => {
    expect(() => startOfLocalDay("2026-02-30", "UTC")).toThrow(RangeError);
    expect(() => startOfLocalDay("26-02-01", "UTC")).toThrow(RangeError);
  });
});

describe("calendar helpers", () => {
  it("adds days and counts days across month and leap-year ends", () => {
    expect(addDays("2028-02-28", 1)).toBe("2028-02-29");
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(daysBetween("2026-01-31", "2026-03-03")).toBe(31);
    expect(daysBetween("2026-03-03", "2026-01-31")).toBe(-31);
  });

  it("orders weekdays from the week start", () => {
    expect(dayOfWeek("2026-11-25")).toBe(3); // Wednesday
    expect(weekdayPosition(0, "monday")).toBe(6);
    expect(weekdayPosition(1, "monday")).toBe(0);
    expect(weekdayPosition(0, "sunday")).toBe(0);
    expect(weekdayPosition(6, "sunday")).toBe(6);
    expect(orderedWeekdays("monday")).toEqual(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]);
    expect(orderedWeekdays("sunday")).toEqual(["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]);
  });

  it("month keys", () => {
    expect(monthKey("2026-11-25")).toBe("2026-11");
    expect(() => monthKey("2026-13-01")).toThrow(RangeError);
  });
});

describe("quarter-hour UTC buckets", () => {
  it("bucketOf floors to the quarter hour and round-trips", () => {
    expect(bucketOf("2026-11-26T04:30:00Z")).toBe("2026-11-26T04:30");
    expect(bucketOf("2026-11-26T04:44:59.999Z")).toBe("2026-11-26T04:30");
    expect(bucketOf("2026-11-26T04:45:00Z")).toBe("2026-11-26T04:45");
    expect(bucketOf(Date.parse("1969-12-31T23:59:59Z"))).toBe("1969-12-31T23:45");
    expect(iso(bucketStartMs("2026-11-26T04:45"))).toBe("2026-11-26T04:45:00.000Z");
    expect(() => bucketStartMs("2026-11-26T04:40")).toThrow(RangeError);
    expect(() => bucketStartMs("2026-11-26T24:00")).toThrow(RangeError);
  });

  it("maps a bucket to the local day of every instant in it", () => {
    expect(localDateOfBucket("2026-11-26T04:30", "America/New_York")).toBe("2026-11-25");
    expect(localDateOfBucket("2026-06-30T18:00", "Asia/Kathmandu")).toBe("2026-06-30");
    expect(localDateOfBucket("2026-06-30T18:15", "Asia/Kathmandu")).toBe("2026-07-01");
  });

  /**
   * The invariant behind the buckets: in 2020–2030 every offset of every zone is a multiple of 15 minutes,
   * and the quarter hour around every transition lies within one local day. Offsets are sampled weekly;
   * when two samples differ, the transition is found by bisection and its bucket checked.
   */
  it("holds for every zone the runtime knows, 2020–2030", () => {
    const zones = new Set([...Intl.supportedValuesOf("timeZone"), "UTC", "Etc/GMT+12", "Asia/Katmandu", "Asia/Kathmandu"]);
    const from = Date.parse("2020-01-01T00:00:00Z");
    const to = Date.parse("2031-01-01T00:00:00Z");
    const week = 7 * 24 * HOUR_MS;
    const quarter = 15 * 60_000;
    const offenders: string[] = [];
    const offQuarterTransitions = new Set<string>();
    let transitions = 0;
    for (const zone of zones) {
      let previous = offsetMinutes(from, zone);
      for (let at = from + week; at <= to; at += week) {
        const offset = offsetMinutes(at, zone);
        if (offset % 15 !== 0) offenders.push(`${zone} offset ${offset} at ${iso(at)}`);
        if (offset !== previous) {
          let [low, high] = [at - week, at];
          while (high - low > 1) {
            const middle = Math.floor((low + high) / 2);
            if (offsetMinutes(middle, zone) === previous) low = middle;
            else high = middle;
          }
          transitions++;
          const bucketStart = Math.floor(high / quarter) * quarter;
          if (bucketStart !== high) offQuarterTransitions.add(zone);
          if (localDate(bucketStart, zone) !== localDate(bucketStart + quarter - 1, zone)) {
            offenders.push(`${zone}: bucket ${bucketOf(high)} straddles a local midnight`);
          }
          previous = offset;
        }
      }
    }
    expect(zones.size).toBeGreaterThan(300);
    expect(transitions).toBeGreaterThan(1000);
    expect(offenders).toEqual([]);
    // Known exception, harmless: Casey switched at 00:01 local, so within the day (see the next test).
    expect([...offQuarterTransitions].filter((zone) => zone !== "Antarctica/Casey")).toEqual([]);
  });

  it("Antarctica/Casey's 00:01 transitions stay inside one local day", () => {
    const transition = Date.parse("2020-10-03T16:01:00Z"); // 00:01 at +08 becomes 03:01 at +11
    expect(offsetMinutes(transition - 1, "Antarctica/Casey")).toBe(480);
    expect(offsetMinutes(transition, "Antarctica/Casey")).toBe(660);
    expect(localDate(transition - 1, "Antarctica/Casey")).toBe("2020-10-04");
    expect(localDateOfBucket(bucketOf(transition), "Antarctica/Casey")).toBe("2020-10-04");
    expect(startOfLocalDay("2020-10-04", "Antarctica/Casey") % (15 * 60_000)).toBe(0);
  });

  it("every local midnight in a sample of zones and days starts a bucket", () => {
    const zones = ["America/New_York", "Europe/Berlin", "Asia/Kathmandu", "Australia/Lord_Howe", "America/Santiago", "Asia/Beirut"];
    for (const zone of zones) {
      for (let date = "2026-01-01"; date < "2027-01-01"; date = addDays(date, 1)) {
        const start = startOfLocalDay(date, zone);
        expect(start % (15 * 60_000), `${zone} ${date}`).toBe(0);
        expect(localDateOfBucket(bucketOf(start), zone)).toBe(date);
        expect(localDateOfBucket(bucketOf(start - 1), zone)).toBe(addDays(date, -1));
      }
    }
  });
});
