import { sign } from "hono/jwt";
import { afterEach, describe, expect, it, vi } from "vitest";
import { issueAccessToken, type TokenConfig, verifyAccessToken } from "../../src/auth/tokens";

afterEach(() => vi.useRealTimers());

const config: TokenConfig = { secret: "unit-secret-that-is-at-least-32-bytes-long!", issuer: "finanalyze", ttlSeconds: 60 };
const userId = () => `usr_${crypto.randomUUID().replaceAll("-", "").slice(0, 26)}`;

describe("verifyAccessToken's per-isolate cache of verified tokens", () => {
  it("answers a verified token again only until its exp", async () => {
    const start = Date.parse("2026-11-30T12:00:00.000Z");
    vi.useFakeTimers({ now: start, toFake: ["Date"] });
    const { token } = await issueAccessToken(config, userId(), 3);
    const first = await verifyAccessToken(config, token);
    expect(first).toMatchObject({ tv: 3, exp: start / 1000 + 60 });
    vi.setSystemTime(start + 59_999);
    expect(await verifyAccessToken(config, token)).toEqual(first); // from the cache, still valid
    vi.setSystemTime(start + 60_000);
    expect(await verifyAccessToken(config, token)).toBeNull(); // exp reached: refused although cached
    vi.setSystemTime(start);
    expect(await verifyAccessToken(config, token)).toEqual(first); // the entry went with the refusal: verified afresh
  });

  it("does not answer a token verified under one secret or issuer for another", async () => {
    const { token } = await issueAccessToken(config, userId(), 1);
    expect(await verifyAccessToken(config, token)).not.toBeNull();
    expect(await verifyAccessToken({ ...config, secret: `${config.secret}-rotated` }, token)).toBeNull();
    expect(await verifyAccessToken({ ...config, issuer: "someone-else" }, token)).toBeNull();
    expect(await verifyAccessToken(config, token)).not.toBeNull();
  });

  it("never caches a refused token, and a tampered copy of a cached one is still refused", async () => {
    const { token } = await issueAccessToken(config, userId(), 1);
    expect(await verifyAccessToken(config, token)).not.toBeNull();
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const flipped = `${signature.slice(0, -2)}${signature.at(-2) === "A" ? "B" : "A"}${signature.at(-1)}`;
    expect(await verifyAccessToken(config, `${header}.${payload}.${flipped}`)).toBeNull();
    const forged = await sign(
      { sub: userId(), tv: 1, iat: 0, exp: 4_102_444_800, iss: config.issuer },
      "another-secret-of-32-bytes-or-more!!",
      "HS256",
    );
    expect(await verifyAccessToken(config, forged)).toBeNull();
    expect(await verifyAccessToken(config, forged)).toBeNull();
  });
});
