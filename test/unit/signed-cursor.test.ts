import { describe, expect, it } from "vitest";
import { fromBase64Url, toBase64Url } from "../../src/lib/encoding";
import { decodeCursor, deriveCursorKey, encodeCursor } from "../../src/lib/signed-cursor";

const SECRET = "test-secret-that-is-at-least-32-bytes-long!!";
const USER = "usr_5q3x8m2k1n7p4r6t9v0w2y4z6a";
const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

describe("signed cursors", () => {
  it("round-trip for the user they were issued to, extra fields included", async () => {
    const key = await deriveCursorKey(SECRET, "sync");
    const payload = { u: USER, s: 12_345, t: "transaction.created", z: null, b: true };
    const cursor = await encodeCursor(key, payload);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(await decodeCursor(key, cursor, USER)).toEqual(payload);
    expect(await decodeCursor(key, await encodeCursor(key, { u: USER, s: 0 }), USER)).toEqual({ u: USER, s: 0 });
  });

  it("refuses another user's cursor", async () => {
    const key = await deriveCursorKey(SECRET, "sync");
    const cursor = await encodeCursor(key, { u: USER, s: 1 });
    expect(await decodeCursor(key, cursor, "usr_someoneelse")).toBeNull();
  });

  it("refuses a cursor altered at any character", async () => {
    const key = await deriveCursorKey(SECRET, "sync");
    const cursor = await encodeCursor(key, { u: USER, s: 42 });
    for (let i = 0; i < cursor.length; i++) {
      for (const replacement of [BASE64URL[(BASE64URL.indexOf(cursor[i] ?? "") + 1) % 64], "."]) {
        const altered = cursor.slice(0, i) + replacement + cursor.slice(i + 1);
        if (altered === cursor) continue;
        expect(await decodeCursor(key, altered, USER), `position ${i} → ${replacement}`).toBeNull();
      }
    }
    // Truncated and extended, too.
    expect(await decodeCursor(key, cursor.slice(0, -1), USER)).toBeNull();
    expect(await decodeCursor(key, `${cursor}A`, USER)).toBeNull();
    expect(await decodeCursor(key, cursor.slice(1), USER)).toBeNull();
  });

  it("refuses a forged cursor: a payload of one's choosing with any signature", async () => {
    const key = await deriveCursorKey(SECRET, "sync");
    const genuine = await encodeCursor(key, { u: USER, s: 1 });
    const [, mac] = genuine.split(".");
    const body = toBase64Url(new TextEncoder().encode(JSON.stringify({ u: USER, s: 999_999 })));
    expect(await decodeCursor(key, `${body}.${mac}`, USER)).toBeNull();
    expect(await decodeCursor(key, `${body}.${"A".repeat(43)}`, USER)).toBeNull();
    expect(await decodeCursor(key, body, USER)).toBeNull();
  });

  it("refuses cursors signed with the JWT secret itself, another secret, or for another purpose", async () => {
    const sync = await deriveCursorKey(SECRET, "sync");
    const events = await deriveCursorKey(SECRET, "events");
    const other = await deriveCursorKey(`${SECRET}x`, "sync");
    const raw = await crypto.subtle.importKey("raw", new TextEncoder().encode(SECRET), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const payload = { u: USER, s: 5 };
    expect(await decodeCursor(sync, await encodeCursor(events, payload), USER)).toBeNull();
    expect(await decodeCursor(sync, await encodeCursor(other, payload), USER)).toBeNull();
    expect(await decodeCursor(sync, await encodeCursor(raw, payload), USER)).toBeNull();
  });

  it.each(["", ".", "a.b", "a.b.c", "not base64!.x", "x".repeat(600), "eyJ1IjoidXNyIiwicyI6MX0"])("refuses garbage %j", async (cursor) => {
    const key = await deriveCursorKey(SECRET, "sync");
    expect(await decodeCursor(key, cursor, USER)).toBeNull();
  });

  it("refuses to encode a payload without a user or a sequence number", async () => {
    const key = await deriveCursorKey(SECRET, "sync");
    await expect(encodeCursor(key, { u: "", s: 1 })).rejects.toThrow(TypeError);
    await expect(encodeCursor(key, { u: USER, s: -1 })).rejects.toThrow(TypeError);
    await expect(encodeCursor(key, { u: USER, s: 1.5 })).rejects.toThrow(TypeError);
    await expect(encodeCursor(key, { u: USER, s: 1, pad: "x".repeat(600) })).rejects.toThrow(RangeError);
  });

  it("a validly signed payload of the wrong shape is still refused", async () => {
    const key = await deriveCursorKey(SECRET, "sync");
    const body = toBase64Url(new TextEncoder().encode(JSON.stringify({ u: USER, s: "5" })));
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
    expect(await decodeCursor(key, `${body}.${toBase64Url(mac)}`, USER)).toBeNull();
  });
});

describe("base64url", () => {
  it("round-trips every length and refuses non-canonical encodings", () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) % 256);
      expect(fromBase64Url(toBase64Url(bytes))).toEqual(bytes);
    }
    expect(fromBase64Url("AB")).toBeNull(); // "AA" is the canonical form of the same byte
    expect(fromBase64Url("AA")).toEqual(new Uint8Array([0]));
    expect(fromBase64Url("AA==")).toBeNull();
    expect(fromBase64Url("A")).toBeNull();
    expect(fromBase64Url("A+")).toBeNull();
  });
});
