import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { base32Of128, newId } from "../../src/lib/ids";

/** The reference: the 16 bytes as one BigInt, written in base32 from the low end. */
function viaBigInt(bytes: Uint8Array): string {
  const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  let out = "";
  for (let i = 0; i < 26; i++) {
    out = ALPHABET[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

describe("ids", () => {
  it("base32Of128 writes the 128-bit number as the BigInt reference does", () => {
    for (const bytes of [new Uint8Array(16), new Uint8Array(16).fill(255), Uint8Array.from({ length: 16 }, (_, i) => i * 17)]) {
      expect(base32Of128(bytes)).toBe(viaBigInt(bytes));
    }
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        expect(base32Of128(bytes)).toBe(viaBigInt(bytes));
      }),
      { numRuns: 2000 },
    );
    expect(base32Of128(new Uint8Array(16).fill(255))).toBe(`7${"z".repeat(25)}`);
  });

  it("newId is the prefix and 26 lower-case Crockford digits, different every time", () => {
    const ids = Array.from({ length: 200 }, () => newId("req"));
    for (const id of ids) expect(id).toMatch(/^req_[0-7][0-9a-hjkmnp-tv-z]{25}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
