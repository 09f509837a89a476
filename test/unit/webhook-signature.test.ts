import { describe, expect, it } from "vitest";
import { verifyWebhookSignature } from "../../examples/verify-webhook-signature";
import { generateSecret, signPayload } from "../../src/webhooks/signature";

const NOW = 1_795_000_000;
const body = JSON.stringify({ id: "evt_1", type: "transaction.created", data: { object: { amount: "1.10" } } });

async function hmacHex(key: string, message: string): Promise<string> {
  const k = await crypto.subtle.importKey("raw", new TextEncoder().encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", k, new TextEncoder().encode(message)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("signPayload", () => {
  it("follows the documented scheme: t=<seconds>,v1=<hex HMAC-SHA256(whole secret, '<t>.<body>')>", async () => {
    const secret = "whsec_test";
    const header = await signPayload([secret], NOW, body);
    expect(header).toBe(`t=${NOW},v1=${await hmacHex(secret, `${NOW}.${body}`)}`);
    // The "whsec_" prefix is part of the key.
    expect(header).not.toContain(await hmacHex("test", `${NOW}.${body}`));
  });

  it("matches a known answer computed outside the code under test", async () => {
    // printf '0.{}' | openssl dgst -sha256 -hmac whsec_abc
    expect(await signPayload(["whsec_abc"], 0, "{}")).toBe("t=0,v1=62f048d05c42826435889a33543962eaeeb7bcc44b62688d00e81eea755532c4");
  });

  it("signs with every active secret, one v1 each, in order", async () => {
    const header = await signPayload(["whsec_new", "whsec_old"], NOW, body);
    const parts = header.split(",");
    expect(parts).toHaveLength(3);
    expect(parts[1]).toBe(`v1=${await hmacHex("whsec_new", `${NOW}.${body}`)}`);
    expect(parts[2]).toBe(`v1=${await hmacHex("whsec_old", `${NOW}.${body}`)}`);
  });

  it("signs bytes and the same text identically (UTF-8)", async () => {
    const text = '{"d":"Café ☕"}';
    expect(await signPayload(["whsec_x"], NOW, new TextEncoder().encode(text))).toBe(await signPayload(["whsec_x"], NOW, text));
  });

  it("refuses no secrets and non-integer timestamps", async () => {
    await expect(signPayload([], NOW, body)).rejects.toThrow(RangeError);
    await expect(signPayload(["whsec_x"], 1.5, body)).rejects.toThrow(RangeError);
    await expect(signPayload(["whsec_x"], -1, body)).rejects.toThrow(RangeError);
  });
});

describe("generateSecret", () => {
  it("is whsec_ and 32 random bytes in base64url", () => {
    const a = generateSecret();
    const b = generateSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
  });
});

describe("examples/verifyWebhookSignature against signPayload", () => {
  const secret = generateSecret();

  it("accepts a fresh delivery", async () => {
    const header = await signPayload([secret], NOW, body);
    expect(await verifyWebhookSignature({ header, rawBody: body, secret, now: NOW })).toBe(true);
    expect(await verifyWebhookSignature({ header, rawBody: new TextEncoder().encode(body), secret, now: NOW + 300 })).toBe(true);
  });

  it("accepts when any v1 matches (during a rotation, with either secret)", async () => {
    const old = generateSecret();
    const header = await signPayload([secret, old], NOW, body);
    expect(await verifyWebhookSignature({ header, rawBody: body, secret: old, now: NOW })).toBe(true);
    expect(await verifyWebhookSignature({ header, rawBody: body, secret, now: NOW })).toBe(true);
    expect(await verifyWebhookSignature({ header, rawBody: body, secret: generateSecret(), now: NOW })).toBe(false);
  });

  it("rejects timestamps older than 5 minutes or more than 5 minutes ahead", async () => {
    const header = await signPayload([secret], NOW, body);
    expect(await verifyWebhookSignature({ header, rawBody: body, secret, now: NOW + 301 })).toBe(false);
    expect(await verifyWebhookSignature({ header, rawBody: body, secret, now: NOW - 301 })).toBe(false);
    expect(await verifyWebhookSignature({ header, rawBody: body, secret, now: NOW + 30, toleranceSec: 10 })).toBe(false);
  });

  it("rejects a changed body, a changed timestamp, a wrong secret or a mangled header", async () => {
    const header = await signPayload([secret], NOW, body);
    const v1 = header.split(",v1=")[1] ?? "";
    const flipped = v1.slice(0, -1) + (v1.endsWith("0") ? "1" : "0");
    const cases: Array<[string | null, string, string]> = [
      [header, `${body} `, secret],
      [header.replace(`t=${NOW}`, `t=${NOW + 1}`), body, secret],
      [header, body, `${secret}x`],
      [header, body, secret.slice("whsec_".length)],
      [`t=${NOW},v1=${flipped}`, body, secret],
      [`t=${NOW},v1=${v1.toUpperCase()}`, body, secret],
      [`v1=${v1}`, body, secret],
      [`t=${NOW}`, body, secret],
      [`t=${NOW},t=${NOW},v1=${v1}`, body, secret],
      [`t=${NOW}.0,v1=${v1}`, body, secret],
      [`t=${NOW},v1=${v1}=`, body, secret],
      [`t=${NOW},v0=${v1}`, body, secret],
      ["", body, secret],
      [null, body, secret],
      [header, body, ""],
    ];
    for (const [h, raw, key] of cases) {
      expect(await verifyWebhookSignature({ header: h, rawBody: raw, secret: key, now: NOW }), `${h} / ${key}`).toBe(false);
    }
  });

  it("ignores unknown schemes and spaces after commas", async () => {
    const header = await signPayload([secret], NOW, body);
    const [t, v1] = header.split(",");
    expect(await verifyWebhookSignature({ header: `${t}, v2=abc, ${v1}`, rawBody: body, secret, now: NOW })).toBe(true);
  });
});
