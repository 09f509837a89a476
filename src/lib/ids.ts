const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower case

/**
 * 16 bytes as one 128-bit big-endian number in 26 base32 digits, most significant first (the first digit
 * carries the top 3 bits). Five bits at a time from the low end with plain numbers: the BigInt version of
 * this showed up in the profile of every request (each gets a request id).
 */
export function base32Of128(bytes: Uint8Array): string {
  const digits: string[] = new Array(26);
  let acc = 0;
  let bits = 0;
  let at = 25;
  for (let i = 15; i >= 0; i--) {
    acc |= (bytes[i] ?? 0) << bits;
    bits += 8;
    while (bits >= 5) {
      digits[at--] = ALPHABET[acc & 31] as string;
      acc >>>= 5;
      bits -= 5;
    }
  }
  digits[at] = ALPHABET[acc & 31] as string; // the top 3 bits
  return digits.join("");
}

/** 128 random bits in 26 base32 characters, behind a type prefix: opaque and not guessable. */
export function newId(prefix: "usr" | "txn" | "req" | "aud" | "cat" | "rul" | "evt" | "wh" | "dlv"): string {
  return `${prefix}_${base32Of128(crypto.getRandomValues(new Uint8Array(16)))}`;
}

/** A random token for strong ETags: a new one per write. */
export function newEtag(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
