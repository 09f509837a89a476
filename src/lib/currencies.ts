import { z } from "@hono/zod-openapi";

/**
 * ISO 4217 active currency codes and their minor-unit digits.
 * Most currencies use 2 digits; the exceptions are listed explicitly.
 */
const TWO_DIGIT = (
  "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD " +
  "CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS " +
  "GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL " +
  "MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK " +
  "PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS " +
  "TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG"
).split(" ");
const ZERO_DIGIT = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(" ");
const THREE_DIGIT = "BHD IQD JOD KWD LYD OMR TND".split(" ");
const FOUR_DIGIT = "CLF UYW".split(" ");

export const CURRENCY_DIGITS: ReadonlyMap<string, number> = new Map([
  ...TWO_DIGIT.map((code) => [code, 2] as const),
  ...ZERO_DIGIT.map((code) => [code, 0] as const),
  ...THREE_DIGIT.map((code) => [code, 3] as const),
  ...FOUR_DIGIT.map((code) => [code, 4] as const),
]);

export function isCurrency(code: string): boolean {
  return CURRENCY_DIGITS.has(code);
}

/** Minor-unit digits of a known ISO 4217 code; throws for unknown codes (validate first). */
export function currencyDigits(code: string): number {
  const digits = CURRENCY_DIGITS.get(code);
  if (digits === undefined) throw new Error(`unknown currency ${code}`);
  return digits;
}

/** A currency code in a request: case-insensitive on input, upper case out. Shared by every feature that takes one. */
export const CurrencyCode = z
  .string()
  .transform((s) => s.toUpperCase())
  .refine(isCurrency, "must be an ISO 4217 currency code")
  .openapi({ type: "string", example: "USD", description: "ISO 4217 code (case-insensitive on input)" });
