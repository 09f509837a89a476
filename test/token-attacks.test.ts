// Every token attack on an authenticated route, in one suite: each must answer 401 problem+json with a Bearer
// challenge and reveal nothing about the user. (Revocation by logout and change_password is in security.test.ts.)
import { sign } from "hono/jwt";
import { beforeAll, describe, expect, it } from "vitest";
import {
  api,
  base64url,
  type Claims,
  claimsFor,
  decodeBase64url,
  expectProblem,
  hmacSigner,
  jwt,
  newUser,
  nowSeconds,
  type ResponseLike,
  rsaSigner,
  shardFor,
  TEST_SECRET,
  type TestUser,
  withHeader,
} from "./harness";

/** GET /api/v1/user/me with these request headers. */
function me(headers: Record<string, string>) {
  return api().api.v1.user.me.$get(undefined, { headers });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const signToken = (claims: Claims, secret = TEST_SECRET) => sign({ ...claims }, secret, "HS256");

async function expectUnauthorized(res: ResponseLike) {
  const body = await expectProblem(res, 401);
  expect(body.title).toBe("Unauthorized");
  expect(res.headers.get("www-authenticate") ?? "").toMatch(/^Bearer\b/);
  return body;
}

describe("token attacks on /api/v1/user/me answer 401 problem+json with a Bearer challenge", () => {
  let user: TestUser;
  let other: TestUser;
  beforeAll(async () => {
    [user, other] = await Promise.all([newUser("jwt"), newUser("other")]);
  });

  it.each([
    ["hono/jwt's sign with the server's secret", () => signToken(claimsFor(user.id))],
    [
      "a hand-built HS256 token with the server's secret",
      () => jwt({ alg: "HS256", typ: "JWT" }, claimsFor(user.id), hmacSigner("SHA-256")),
    ],
  ])("control: %s is accepted", async (_name, token) => {
    const res = await me(bearer(await token()));
    expect(res.status).toBe(200);
    if (res.status !== 200) throw new Error(await res.text());
    expect((await res.json()).id).toBe(user.id);
  });

  /** Forged or malformed credentials: the user is fine, only the token is wrong. */
  const attacks: [string, (u: TestUser) => Promise<Record<string, string>> | Record<string, string>][] = [
    ["no Authorization header", () => ({})],
    ["Bearer garbage", () => ({ authorization: "Bearer garbage" })],
    ["Basic credentials", () => ({ authorization: "Basic xyz" })],
    [
      "a tampered payload (sub swapped to another user, signature kept)",
      (u) => {
        const [header, payload, signature] = u.token.split(".") as [string, string, string];
        const claims = JSON.parse(decodeBase64url(payload)) as Claims;
        return bearer([header, base64url(JSON.stringify({ ...claims, sub: other.id })), signature].join("."));
      },
    ],
    [
      "a token signed with a different secret",
      async (u) => bearer(await signToken(claimsFor(u.id), "another-secret-that-is-at-least-32-bytes-long!!")),
    ],
    [
      "an alg:none token",
      (u) => bearer(`${base64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${base64url(JSON.stringify(claimsFor(u.id)))}.`),
    ],
    ["an expired token", async (u) => bearer(await signToken(claimsFor(u.id, { iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 })))],
    ["a token with the wrong issuer", async (u) => bearer(await signToken(claimsFor(u.id, { iss: "evil-issuer" })))],
    ["a token whose nbf is in the future", async (u) => bearer(await signToken(claimsFor(u.id, { nbf: nowSeconds() + 3600 })))],
    [
      "alg HS512, re-signed with the server's secret",
      async (u) => bearer(await jwt({ alg: "HS512", typ: "JWT" }, claimsFor(u.id), hmacSigner("SHA-512"))),
    ],
    ["alg HS512 in the header over the original HS256 signature", (u) => bearer(withHeader(u.token, { alg: "HS512", typ: "JWT" }))],
    ["alg RS256 in the header over the original HS256 signature", (u) => bearer(withHeader(u.token, { alg: "RS256", typ: "JWT" }))],
    [
      "alg RS256 signed with an attacker's RSA key",
      async (u) => bearer(await jwt({ alg: "RS256", typ: "JWT" }, claimsFor(u.id), rsaSigner)),
    ],
    [
      "alg RS256 with an HMAC-SHA256 signature made with the server's secret",
      async (u) => bearer(await jwt({ alg: "RS256", typ: "JWT" }, claimsFor(u.id), hmacSigner("SHA-256"))),
    ],
    [
      "typ JWS, re-signed with the server's secret",
      async (u) => bearer(await jwt({ alg: "HS256", typ: "JWS" }, claimsFor(u.id), hmacSigner("SHA-256"))),
    ],
    [
      "typ at+jwt, re-signed with the server's secret",
      async (u) => bearer(await jwt({ alg: "HS256", typ: "at+jwt" }, claimsFor(u.id), hmacSigner("SHA-256"))),
    ],
    [
      "typ as a number, re-signed with the server's secret",
      async (u) => bearer(await jwt({ alg: "HS256", typ: 1 }, claimsFor(u.id), hmacSigner("SHA-256"))),
    ],
    ["typ changed to JWS over the original signature", (u) => bearer(withHeader(u.token, { alg: "HS256", typ: "JWS" }))],
    ["typ removed over the original signature", (u) => bearer(withHeader(u.token, { alg: "HS256" }))],
  ];

  it.each(attacks)("%s", async (_name, attack) => {
    const body = await expectUnauthorized(await me(await attack(user)));
    expect(JSON.stringify(body)).not.toContain(user.id);
    // The real token still works: the attack was refused for itself, not because the user was.
    expect((await me(bearer(user.token))).status).toBe(200);
  });

  /** A genuine token whose user has since changed: a fresh user each, as the change is for good. */
  const changes: [string, (u: TestUser) => Promise<unknown>][] = [
    ["a token of a user deleted from D1", async (u) => (await shardFor(u.id)).prepare("DELETE FROM users WHERE id = ?").bind(u.id).run()],
    [
      "a token whose tv is below the user's token_version",
      async (u) => (await shardFor(u.id)).prepare("UPDATE users SET token_version = token_version + 1 WHERE id = ?").bind(u.id).run(),
    ],
  ];

  it.each(changes)("%s", async (_name, change) => {
    const changed = await newUser("attacked");
    expect((await me(bearer(changed.token))).status).toBe(200);
    await change(changed);
    const body = await expectUnauthorized(await me(bearer(changed.token)));
    expect(JSON.stringify(body)).not.toContain(changed.id);
  });
});
