import { describe, expect, it } from "vitest";
import { MAX_ATTEMPTS, nextDelaySeconds, RETRY_DELAYS_SECONDS, scaledDelaySeconds, shouldDisable } from "../../src/webhooks/retry";

describe("nextDelaySeconds", () => {
  it.each([
    [1, 60],
    [2, 300],
    [3, 1_800],
    [4, 7_200],
    [5, 21_600],
    [6, 43_200],
    [7, 86_400],
  ])("after attempt %i fails, retry in %i s", (attempt, delay) => {
    expect(nextDelaySeconds(attempt)).toBe(delay);
  });

  it("dead-letters after the 8th attempt", () => {
    expect(MAX_ATTEMPTS).toBe(8);
    expect(nextDelaySeconds(8)).toBeNull();
    expect(nextDelaySeconds(100)).toBeNull();
  });

  it("grows and stays within the queue's 24 h retry limit", () => {
    for (let i = 1; i < RETRY_DELAYS_SECONDS.length; i++) {
      expect(RETRY_DELAYS_SECONDS[i]).toBeGreaterThan(RETRY_DELAYS_SECONDS[i - 1] ?? 0);
    }
    expect(Math.max(...RETRY_DELAYS_SECONDS)).toBeLessThanOrEqual(86_400);
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses attempt %s", (attempt) => {
    expect(() => nextDelaySeconds(attempt)).toThrow(RangeError);
  });
});

describe("shouldDisable", () => {
  const start = new Date("2026-11-01T00:00:00.000Z");
  const at = (ms: number) => new Date(start.getTime() + ms);
  const DAY = 24 * 60 * 60 * 1000;

  it("not before 3 days of unbroken failure, yes at and after", () => {
    expect(shouldDisable(start, at(0))).toBe(false);
    expect(shouldDisable(start, at(3 * DAY - 1))).toBe(false);
    expect(shouldDisable(start, at(3 * DAY))).toBe(true);
    expect(shouldDisable(start.toISOString(), at(4 * DAY))).toBe(true);
  });

  it("never when the last delivery succeeded (no failure run) or the date is unreadable", () => {
    expect(shouldDisable(null, at(10 * DAY))).toBe(false);
    expect(shouldDisable("not a date", at(10 * DAY))).toBe(false);
  });
});

describe("scaledDelaySeconds (local runs only)", () => {
  it.each([
    [60, 1 / 3600, 1], // never below 1 s
    [7_200, 1 / 3600, 2],
    [86_400, 1 / 3600, 24],
    [300, 1 / 60, 5],
    [1_800, 0.5, 900],
  ])("%i s at scale %d is %i s", (delay, scale, expected) => {
    expect(scaledDelaySeconds(delay, scale)).toBe(expected);
  });

  it.each([1, 0, -1, 2, Number.NaN])("scale %d leaves the real delay", (scale) => {
    expect(scaledDelaySeconds(300, scale)).toBe(300);
  });
});
