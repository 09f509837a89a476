const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower case

/** 128 random bits in 26 base32 characters, behind a type prefix: opaque and not guessable. */
export function newId(prefix: "usr" | "txn" | "req" | "aud" | "cat" | "rul"): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let out = "";
  for (let i = 0; i < 26; i++) {
    out = ALPHABET[Number(bits & 31n)] + out;
    bits >>= 5n;
  }
  return `${prefix}_${out}`;
}

/** A random token for strong ETags: a new one per write. */
export function newEtag(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
