import { describe, expect, it } from "vitest";
import { currencyDigits } from "../../src/lib/currencies";
import { divideHalfEven, formatAmount, parseAmount } from "../../src/lib/money";

/** The minor units of an amount that must parse. */
function minorOf(text: string, currency: string): bigint {
  const result = parseAmount(text, currency);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(text)} ${currency} to parse, got: ${result.message}`);
  return result.minor;
}

function expectRejected(text: string, currency: string): string {
  const result = parseAmount(text, currency);
  expect(result.ok, `${JSON.stringify(text)} ${currency} should be rejected`).toBe(false);
  return result.ok ? "" : result.message;
}

describe("currencyDigits", () => {
  it.each([
    ["USD", 2],
    ["EUR", 2],
    ["JPY", 0],
    ["KRW", 0],
    ["KWD", 3],
    ["BHD", 3],
    ["CLF", 4],
  ])("%s has %i minor-unit digits", (code, digits) => {
    expect(currencyDigits(code)).toBe(digits);
  });

  it("throws for an unknown code instead of guessing", () => {
    expect(() => currencyDigits("XXX1")).toThrow(/unknown currency/);
    expect(() => currencyDigits("usd")).toThrow(/unknown currency/);
  });
});

describe("parseAmount", () => {
  it.each([
    ["10.5", "USD", 1050n],
    ["0.10", "USD", 10n],
    ["0.01", "USD", 1n],
    ["999999999999.99", "USD", 99_999_999_999_999n],
    ["1000000000000", "USD", 100_000_000_000_000n],
    ["500", "JPY", 500n],
    ["1.234", "KWD", 1234n],
    ["1.2", "KWD", 1200n],
    ["1000000000000", "KWD", 1_000_000_000_000_000n],
  ])("%s %s -> %i minor units", (text, currency, minor) => {
    expect(minorOf(text, currency)).toBe(minor);
  });

  it("rejects anything above 1e12 major units", () => {
    expect(expectRejected("1000000000000.01", "USD")).toMatch(/at most 1000000000000/);
    expect(expectRejected("1000000000001", "JPY")).toMatch(/at most 1000000000000/);
  });

  it("rejects more fraction digits than the currency has", () => {
    expect(expectRejected("500.5", "JPY")).toMatch(/JPY allows at most 0 decimal places/);
    expect(expectRejected("0.123", "USD")).toMatch(/USD allows at most 2 decimal places/);
    expect(expectRejected("1.2345", "KWD")).toMatch(/KWD allows at most 3 decimal places/);
  });

  it("never returns minor units beyond Number.MAX_SAFE_INTEGER (they are stored as a D1 integer)", () => {
    // CLF has 4 digits: 1e12 major units would be 1e16 minor units, more than a double holds exactly.
    expectRejected("1000000000000", "CLF");
    expect(minorOf("1.2345", "CLF")).toBe(12345n);
  });

  it.each([
    "0",
    "0.00",
    "000",
    "-1",
    "+1",
    "1e3",
    "1E3",
    "1.",
    ".5",
    " 1",
    "1 ",
    "NaN",
    "Infinity",
    "",
    "1,5",
    "0x10",
    "١٢",
    "１２",
    "1.5.5",
  ])("rejects %j", (text) => {
    expectRejected(text, "USD");
  });

  it("rejects zero with a message saying so", () => {
    expect(expectRejected("0.00", "USD")).toMatch(/greater than 0/);
  });
});

describe("formatAmount", () => {
  it.each([
    [1050n, "USD", "10.50"],
    [10n, "USD", "0.10"],
    [1n, "USD", "0.01"],
    [99_999_999_999_999n, "USD", "999999999999.99"],
    [500n, "JPY", "500"],
    [1234n, "KWD", "1.234"],
    [5n, "KWD", "0.005"],
    [12345n, "CLF", "1.2345"],
  ])("%i %s -> %s", (minor, currency, text) => {
    expect(formatAmount(minor, currency)).toBe(text);
  });

  it.each([
    ["USD", "0.00"],
    ["JPY", "0"],
    ["KWD", "0.000"],
  ])("formats 0 %s as %s", (currency, text) => {
    expect(formatAmount(0n, currency)).toBe(text);
  });

  it.each([
    [-1050n, "USD", "-10.50"],
    [-5n, "USD", "-0.05"],
    [-500n, "JPY", "-500"],
    [-1n, "KWD", "-0.001"],
  ])("formats negative %i %s as %s", (minor, currency, text) => {
    expect(formatAmount(minor, currency)).toBe(text);
  });

  it("accepts a number as well as a bigint", () => {
    expect(formatAmount(1050, "USD")).toBe("10.50");
  });

  it("formats values beyond 2^53 exactly", () => {
    expect(formatAmount(2n ** 64n + 1n, "USD")).toBe("184467440737095516.17");
  });

  it("round-trips with parseAmount", () => {
    for (const [text, currency] of [
      ["0.10", "USD"],
      ["10.50", "USD"],
      ["999999999999.99", "USD"],
      ["500", "JPY"],
      ["1.234", "KWD"],
    ] as const) {
      expect(formatAmount(minorOf(text, currency), currency)).toBe(text);
    }
  });
});

describe("divideHalfEven", () => {
  it.each([
    [5n, 2n, 2n],
    [7n, 2n, 4n],
    [1n, 3n, 0n],
    [2n, 3n, 1n],
    [25n, 10n, 2n],
    [35n, 10n, 4n],
    [15n, 10n, 2n],
    [26n, 10n, 3n],
    [24n, 10n, 2n],
    [0n, 7n, 0n],
    [6n, 3n, 2n],
    [3n, 2n, 2n],
    [1n, 2n, 0n],
  ])("%i / %i -> %i", (numerator, denominator, quotient) => {
    expect(divideHalfEven(numerator, denominator)).toBe(quotient);
  });

  it("is exact for values beyond 2^53", () => {
    const big = 2n ** 60n;
    // Ties: 2^61 + 1 over 2 is 2^60 + 0.5, whose even neighbour is 2^60; 2^61 + 3 over 2 goes up to 2^60 + 2.
    expect(divideHalfEven(2n * big + 1n, 2n)).toBe(big);
    expect(divideHalfEven(2n * big + 3n, 2n)).toBe(big + 2n);
    // Not ties: 10^30 + 7 over 10 is 10^29 + 0.7, 10^30 + 3 over 10 is 10^29 + 0.3.
    expect(divideHalfEven(10n ** 30n + 7n, 10n)).toBe(10n ** 29n + 1n);
    expect(divideHalfEven(10n ** 30n + 3n, 10n)).toBe(10n ** 29n);
    // A float would lose this: (2^53 + 1) * 3 / 3.
    expect(divideHalfEven((2n ** 53n + 1n) * 3n, 3n)).toBe(2n ** 53n + 1n);
  });

  it("is symmetric for negative numerators", () => {
    expect(divideHalfEven(-5n, 2n)).toBe(-2n);
    expect(divideHalfEven(-7n, 2n)).toBe(-4n);
    expect(divideHalfEven(-2n, 3n)).toBe(-1n);
  });

  it("refuses a zero or negative denominator", () => {
    expect(() => divideHalfEven(1n, 0n)).toThrow(RangeError);
    expect(() => divideHalfEven(1n, -2n)).toThrow(RangeError);
  });
});
