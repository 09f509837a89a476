import { currencyDigits } from "./currencies";

/** Largest accepted amount, in major units. */
export const MAX_AMOUNT_MAJOR = 1_000_000_000_000n;

/** A plain positive decimal: digits, optionally a point and more digits; no sign, exponent or spaces. */
export const DECIMAL_AMOUNT = /^(\d+)(?:\.(\d+))?$/;

export type ParseAmountResult = { ok: true; minor: bigint } | { ok: false; message: string };

/**
 * Parses a decimal string ("10.5", "0.10") into integer minor units of `currency`.
 * Exact: works on the digits, never through a float. Rejects signs, exponents,
 * more fraction digits than the currency has, zero and anything above 1e12.
 */
export function parseAmount(text: string, currency: string): ParseAmountResult {
  const digits = currencyDigits(currency);
  const match = DECIMAL_AMOUNT.exec(text);
  if (!match) return { ok: false, message: 'must be a positive decimal number such as "10.50"' };
  const whole = match[1] ?? "0";
  const fraction = match[2] ?? "";
  if (fraction.length > digits) {
    return { ok: false, message: `${currency} allows at most ${digits} decimal places` };
  }
  const scale = 10n ** BigInt(digits);
  const minor = BigInt(whole) * scale + BigInt(fraction.padEnd(digits, "0") || "0");
  if (minor <= 0n) return { ok: false, message: "must be greater than 0" };
  if (minor > MAX_AMOUNT_MAJOR * scale) return { ok: false, message: "must be at most 1000000000000" };
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) {
    return { ok: false, message: `too large for ${currency}` };
  }
  return { ok: true, minor };
}

/** Formats integer minor units as a decimal string with exactly the currency's digits. */
export function formatAmount(minor: bigint | number, currency: string): string {
  const digits = currencyDigits(currency);
  const value = BigInt(minor);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const text = abs.toString().padStart(digits + 1, "0");
  const whole = text.slice(0, text.length - digits);
  const fraction = digits > 0 ? `.${text.slice(text.length - digits)}` : "";
  return `${negative ? "-" : ""}${whole}${fraction}`;
}

/** numerator / denominator rounded half-to-even (banker's rounding), for non-negative numerators. */
export function divideHalfEven(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError("denominator must be positive");
  if (numerator < 0n) return -divideHalfEven(-numerator, denominator);
  const quotient = numerator / denominator;
  const twiceRemainder = (numerator % denominator) * 2n;
  if (twiceRemainder > denominator) return quotient + 1n;
  if (twiceRemainder < denominator) return quotient;
  return quotient % 2n === 0n ? quotient : quotient + 1n;
}

/** The same amount expressed in another currency's minor units, if that currency's digits can hold it exactly. */
export function rescaleMinor(minor: bigint, from: string, to: string): ParseAmountResult {
  const shift = currencyDigits(to) - currencyDigits(from);
  if (shift >= 0) {
    const scaled = minor * 10n ** BigInt(shift);
    return parseAmount(formatAmount(scaled, to), to);
  }
  const divisor = 10n ** BigInt(-shift);
  if (minor % divisor !== 0n) return { ok: false, message: `${to} allows at most ${currencyDigits(to)} decimal places` };
  return parseAmount(formatAmount(minor / divisor, to), to);
}
