import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { hashPassword, MAX_PBKDF2_ITERATIONS, PBKDF2_ITERATIONS, verifyPassword } from "../src/auth/password";
import { authed, call, jsonInit, newUser, problem } from "./harness";

const PASSWORD = "correct horse battery";

// ---------------------------------------------------------------------------------------------------------------------
// Helpers

interface Profile {
  id: string;
  username: string;
  full_name: string;
  email: string | null;
  created_at: string;
}

interface LoginBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  user: Omit<Profile, "created_at">;
}

let nameCounter = 0;

/** A fresh, valid username (storage is shared by every test in this file). */
function uniqueName(prefix = "u"): string {
  nameCounter += 1;
  return `${prefix}_${nameCounter}_${crypto.randomUUID().slice(0, 8)}`;
}

function signUp(body: Record<string, unknown>): Promise<Response> {
  return call("/api/v1/user/sign_up", jsonInit("POST", body));
}

function validSignUp(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { username: uniqueName(), password: PASSWORD, full_name: "Ada Lovelace", ...overrides };
}

function loginJson(username: string, password: string): Promise<Response> {
  return call("/api/v1/user/login", jsonInit("POST", { username, password }));
}

function loginForm(fields: Record<string, string>): Promise<Response> {
  return call("/api/v1/user/login", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });
}

function me(headers: Record<string, string> = {}): Promise<Response> {
  return call("/api/v1/user/me", { headers });
}

/** Asserts a 422 problem and returns the field paths it names. */
async function validationPaths(res: Response): Promise<string[]> {
  expect(res.status).toBe(422);
  const body = await problem(res);
  expect(Array.isArray(body.errors)).toBe(true);
  return (body.errors ?? []).map((e) => e.path);
}

/** Asserts a 401 problem+json with a Bearer challenge. */
async function expectUnauthorized(res: Response) {
  expect(res.status).toBe(401);
  expect(res.headers.get("www-authenticate") ?? "").toMatch(/^Bearer/);
  return problem(res);
}

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

async function storedHash(userId: string): Promise<string> {
  const row = await env.DB.prepare("SELECT password_hash FROM accounts WHERE id = ?").bind(userId).first<{ password_hash: string }>();
  if (!row) throw new Error(`no user ${userId}`);
  return row.password_hash;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/**
 * Wall time of one call. Workers clocks only advance across I/O, so a trivial D1 read after the call
 * makes sure the end timestamp includes any CPU work (PBKDF2) the call did after its last I/O.
 */
async function timed(fn: () => Promise<Response>): Promise<{ ms: number; res: Response }> {
  const start = performance.now();
  const res = await fn();
  await env.DB.prepare("SELECT 1").first();
  return { ms: performance.now() - start, res };
}

afterEach(() => {
  vi.restoreAllMocks();
});

// ---------------------------------------------------------------------------------------------------------------------

describe("happy", () => {
  it("sign_up answers 201 with the public profile, trimmed full_name and no password or hash", async () => {
    const username = uniqueName("ada");
    const res = await signUp({ username, password: PASSWORD, full_name: "  Ada Lovelace  ", email: "ada@example.com" });
    expect(res.status).toBe(201);
    const text = await res.text();
    const body = JSON.parse(text) as Profile;
    expect(Object.keys(body).sort()).toEqual(["created_at", "email", "full_name", "id", "time_zone", "username", "week_start"]);
    expect(body).toMatchObject({ username, full_name: "Ada Lovelace", email: "ada@example.com", time_zone: "UTC", week_start: "monday" });
    expect(body.id).toMatch(/^usr_/);
    expect(Number.isNaN(Date.parse(body.created_at))).toBe(false);
    expect(text).not.toMatch(/password|hash/i);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(await storedHash(body.id));
  });

  it("sign_up without email stores and returns email null", async () => {
    const res = await signUp(validSignUp());
    expect(res.status).toBe(201);
    const body = (await res.json()) as Profile;
    expect(body).toHaveProperty("email", null);
  });

  it("accepts the username and password length boundaries", async () => {
    const suffix = crypto.randomUUID().replace(/-/g, "");
    const shortest = `a${suffix.slice(0, 2)}`; // 3 chars
    const longest = `L.-_${suffix}${suffix}`.slice(0, 64);
    expect(longest).toHaveLength(64);
    expect((await signUp(validSignUp({ username: shortest, password: "p".repeat(8) }))).status).toBe(201);
    expect((await signUp(validSignUp({ username: longest, password: "p".repeat(128) }))).status).toBe(201);
  });

  it("login with JSON returns a bearer token and the user", async () => {
    const email = "grace@example.com";
    const signed = (await (await signUp(validSignUp({ email, full_name: "Grace Hopper" }))).json()) as Profile;
    const res = await loginJson(signed.username, PASSWORD);
    expect(res.status).toBe(200);
    const body = (await res.json()) as LoginBody;
    expect(body.token_type).toBe("bearer");
    expect(body.expires_in).toBe(3600);
    expect(body.access_token.split(".")).toHaveLength(3);
    expect(body.user).toEqual({ id: signed.id, username: signed.username, full_name: "Grace Hopper", email });
  });

  it("login with an OAuth2 password form (grant_type=password) works", async () => {
    const user = await newUser("form");
    const res = await loginForm({ grant_type: "password", username: user.username, password: user.password, scope: "" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as LoginBody;
    expect(body).toMatchObject({ token_type: "bearer", expires_in: 3600 });
    expect(body.user).toEqual({ id: user.id, username: user.username, full_name: user.fullName, email: null });
    expect((await me(bearer(body.access_token))).status).toBe(200);
  });

  it("login matches the username case-insensitively", async () => {
    const user = await newUser("CaseUser");
    for (const variant of [user.username.toUpperCase(), user.username.toLowerCase()]) {
      const res = await loginJson(variant, user.password);
      expect(res.status).toBe(200);
      expect(((await res.json()) as LoginBody).user.id).toBe(user.id);
    }
  });

  it("GET /api/v1/user/me returns the caller's profile", async () => {
    const signed = (await (await signUp(validSignUp({ email: "me@example.com", full_name: "Me Myself" }))).json()) as Profile;
    const login = (await (await loginJson(signed.username, PASSWORD)).json()) as LoginBody;
    const res = await call("/api/v1/user/me", authed(login.access_token));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(signed);
  });
});

// ---------------------------------------------------------------------------------------------------------------------

describe("errors", () => {
  it.each([
    ["too short", "ab"],
    ["too long", "a".repeat(65)],
    ["with a space", "bad name"],
    ["with a bad character", "bad!name"],
    ["with non-ASCII letters", "jos\u00e9_maria"],
  ])("rejects a username %s with 422 naming username", async (_label, username) => {
    expect(await validationPaths(await signUp(validSignUp({ username })))).toContain("username");
  });

  it.each([
    ["too short", "p".repeat(7)],
    ["too long", "p".repeat(129)],
  ])("rejects a password %s with 422 naming password", async (_label, password) => {
    expect(await validationPaths(await signUp(validSignUp({ password })))).toContain("password");
  });

  it.each([
    ["empty", ""],
    ["whitespace only", "   \t "],
    ["over 200 characters", "x".repeat(201)],
  ])("rejects a full_name that is %s with 422 naming full_name", async (_label, full_name) => {
    expect(await validationPaths(await signUp(validSignUp({ full_name })))).toContain("full_name");
  });

  it("rejects an invalid email with 422 naming email", async () => {
    expect(await validationPaths(await signUp(validSignUp({ email: "not-an-email" })))).toContain("email");
  });

  it("rejects an unknown field with 422 naming it", async () => {
    expect(await validationPaths(await signUp(validSignUp({ is_admin: true })))).toContain("is_admin");
  });

  it("rejects a taken username that differs only in case with a 409 problem", async () => {
    const username = uniqueName("Taken");
    expect((await signUp(validSignUp({ username }))).status).toBe(201);
    const res = await signUp(validSignUp({ username: username.toUpperCase() }));
    expect(res.status).toBe(409);
    const body = await problem(res);
    expect(body.type).toMatch(/conflict/);
  });

  it("unknown user and wrong password give identical 401 problems with a Bearer challenge", async () => {
    const user = await newUser("victim");
    const unknown = await expectUnauthorized(await loginJson(uniqueName("ghost"), user.password));
    const wrong = await expectUnauthorized(await loginJson(user.username, "wrong password!"));
    const pick = (p: typeof unknown) => ({ type: p.type, title: p.title, detail: p.detail, status: p.status });
    expect(pick(unknown)).toEqual(pick(wrong));
  });
});

// ---------------------------------------------------------------------------------------------------------------------

describe("security", () => {
  it("unknown-user logins take about as long as wrong-password logins (both run PBKDF2)", async () => {
    const user = await newUser("timing");
    // Warm up both paths (the dummy hash is computed lazily on the first unknown-user login).
    await loginJson(uniqueName("ghost"), "whatever-password");
    await loginJson(user.username, "wrong password!");

    const samples = { unknown: [] as number[], wrong: [] as number[], baseline: [] as number[] };
    const sample = async (into: number[], status: number, fn: () => Promise<Response>) => {
      const { ms, res } = await timed(fn);
      expect(res.status).toBe(status);
      into.push(ms);
    };
    for (let i = 0; i < 3; i++) {
      await sample(samples.unknown, 401, () => loginJson(uniqueName("ghost"), "whatever-password"));
      await sample(samples.wrong, 401, () => loginJson(user.username, "wrong password!"));
      // One D1 lookup and no PBKDF2: what a login costs if it skipped the hash.
      await sample(samples.baseline, 200, () => me(bearer(user.token)));
    }
    const [unknown, wrong, baseline] = [median(samples.unknown), median(samples.wrong), median(samples.baseline)];
    const context = JSON.stringify(samples);
    expect(unknown, context).toBeGreaterThanOrEqual(0.3 * wrong);
    // Local D1 overhead is a large share of a login, so also compare the work beyond a D1-only request:
    // an unknown-user path that skipped PBKDF2 would be near the baseline and fail here.
    expect(wrong - baseline, context).toBeGreaterThan(0);
    expect(unknown - baseline, context).toBeGreaterThanOrEqual(0.3 * (wrong - baseline));
  });

  describe("password hashing", () => {
    const HASH_FORMAT = /^pbkdf2-sha256\$(\d+)\$([A-Za-z0-9+/]+=*)\$([A-Za-z0-9+/]+=*)$/;

    it("pins the iteration count to the production Workers cap", () => {
      expect(MAX_PBKDF2_ITERATIONS).toBe(100_000);
      expect(PBKDF2_ITERATIONS).toBeLessThanOrEqual(MAX_PBKDF2_ITERATIONS);
    });

    it("stores pbkdf2-sha256$<iterations>$<salt>$<hash> with at most 100000 iterations and a 16-byte salt", async () => {
      const user = await newUser("hash");
      const stored = await storedHash(user.id);
      const match = HASH_FORMAT.exec(stored);
      expect(match, stored).not.toBeNull();
      const [, iterations, salt, hash] = match as unknown as [string, string, string, string];
      expect(Number(iterations)).toBeGreaterThan(0);
      expect(Number(iterations)).toBeLessThanOrEqual(MAX_PBKDF2_ITERATIONS);
      expect(atob(salt)).toHaveLength(16);
      expect(atob(hash)).toHaveLength(32);
      expect(stored).not.toContain(user.password);
    });

    it("two users with the same password get different hashes", async () => {
      const [a, b] = [await newUser("same"), await newUser("same")];
      expect(a.password).toBe(b.password);
      expect(await storedHash(a.id)).not.toBe(await storedHash(b.id));
    });

    it("verifyPassword accepts the right password and rejects a wrong one", async () => {
      const stored = await hashPassword("s3cret-pass");
      expect(await verifyPassword("s3cret-pass", stored)).toBe(true);
      expect(await verifyPassword("s3cret-pasS", stored)).toBe(false);
    });

    it("verifyPassword works against a hash stored by sign_up", async () => {
      const user = await newUser("verify");
      const stored = await storedHash(user.id);
      expect(await verifyPassword(user.password, stored)).toBe(true);
      expect(await verifyPassword(`${user.password}x`, stored)).toBe(false);
    });

    it("hashPassword refuses more iterations than Workers allow", async () => {
      await expect(hashPassword("whatever-password", MAX_PBKDF2_ITERATIONS + 1)).rejects.toThrow();
    });
  });

  it("logs are JSON lines with event and request_id and never contain the password, hash or token", async () => {
    const logSpy = vi.spyOn(console, "log").mockImplementation(() => undefined);
    const password = "log-leak-check-P4ssw0rd";
    const username = uniqueName("logger");
    const signed = await signUp({ username, password, full_name: "Log Checker" });
    expect(signed.status).toBe(201);
    const userId = ((await signed.json()) as Profile).id;
    const login = await loginJson(username, password);
    expect(login.status).toBe(200);
    const token = ((await login.json()) as LoginBody).access_token;
    expect((await me(bearer(token))).status).toBe(200);
    const lines = logSpy.mock.calls.map((args) => args.map(String).join(" "));
    logSpy.mockRestore();

    const hash = await storedHash(userId);
    const [, , salt, digest] = hash.split("$") as [string, string, string, string];
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      for (const secret of [password, hash, salt, digest, token, token.split(".")[2] ?? token]) {
        expect(line).not.toContain(secret);
      }
      const parsed = JSON.parse(line) as Record<string, unknown>;
      expect(typeof parsed.event, line).toBe("string");
      expect(typeof parsed.request_id, line).toBe("string");
    }
    const events = lines.map((line) => (JSON.parse(line) as { event: string }).event);
    expect(events).toEqual(expect.arrayContaining(["auth.sign_up", "auth.login", "request"]));
  });
});
