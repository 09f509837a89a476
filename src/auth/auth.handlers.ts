import type { Context } from "hono";
import { auditContext, auditInsert } from "../audit/audit";
import { runBatch } from "../db/batch";
import { users } from "../db/schema";
import type { AppEnv, AppRouteHandler } from "../http/context";
import { ApiError } from "../http/problem";
import { parseOrThrow } from "../http/validation";
import { logEvent } from "../lib/log";
import type * as routes from "./auth.routes";
import { LoginJsonSchema } from "./auth.schemas";
import { hashPassword, verifyAgainstDummy, verifyPassword } from "./password";
import { clearFailures, failureOutcome, failureStatements, lockedSeconds, locksQuery, type ThrottleKey } from "./throttle";
import { issueAccessToken, tokenConfig } from "./tokens";
import {
  bumpTokenVersion,
  findUserById,
  insertingUser,
  newUserRow,
  publicUser,
  setPasswordHash,
  type UserRow,
  userByUsername,
} from "./users";

function profile(row: UserRow) {
  return { ...publicUser(row), created_at: row.createdAt };
}

export const signUp: AppRouteHandler<typeof routes.signUp> = async (c) => {
  const body = c.req.valid("json");
  const db = c.var.db;
  const user = await newUserRow({ username: body.username, password: body.password, fullName: body.full_name, email: body.email ?? null });
  // The user and its audit entry in one batch: one round trip, and never one without the other.
  await insertingUser(
    runBatch(db, [db.insert(users).values(user), auditInsert(auditContext(c), { userId: user.id, action: "user.sign_up" })]),
  );
  logEvent("auth.sign_up", { request_id: c.get("requestId"), user_id: user.id });
  return c.json(profile(user), 201);
};

function loginCredentials(c: Parameters<AppRouteHandler<typeof routes.login>>[0]) {
  const isForm = (c.req.header("content-type") ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded");
  const raw = isForm ? c.req.valid("form") : c.req.valid("json");
  // An absent body reaches here as {}: validate again so it is a 422, not a 500.
  return parseOrThrow(LoginJsonSchema, { username: raw.username, password: raw.password });
}

function tooManyAttempts(retryAfter: number): ApiError {
  return new ApiError("too_many_requests", "Too many failed login attempts; try again later", {
    headers: { "retry-after": String(retryAfter) },
  });
}

/** Per-address burst limit through the Workers Rate Limiting binding (only when the address is known). */
async function checkRateLimit(c: Context<AppEnv>, ip: string | null): Promise<void> {
  if (!ip || !c.env.LOGIN_RATE_LIMITER) return;
  const { success } = await c.env.LOGIN_RATE_LIMITER.limit({ key: `login:${ip}` });
  if (!success) throw tooManyAttempts(60);
}

/**
 * Two D1 round trips (see db/round-trips.ts): the user and the throttle state in one batch, the password
 * check in the Worker, then the outcome (failure counters or their reset, and the audit entry) in another.
 */
export const login: AppRouteHandler<typeof routes.login> = async (c) => {
  const { username, password } = loginCredentials(c);
  const db = c.var.db;
  const audit = auditContext(c);
  const keys: ThrottleKey[] = [
    { kind: "user", value: username },
    ...(audit.clientIp ? [{ kind: "ip" as const, value: audit.clientIp }] : []),
  ];
  await checkRateLimit(c, audit.clientIp);
  const [found, locks] = await runBatch(db, [userByUsername(db, username).limit(1), locksQuery(keys)]);
  const user = found?.results[0] as Record<string, unknown> | undefined;
  const row = user ? mapUser(user) : undefined;

  const locked = lockedSeconds((locks?.results ?? []) as { locked_until: string | null }[]);
  if (locked > 0) {
    await runBatch(db, [auditInsert(audit, { userId: row?.id ?? null, action: "user.login_throttled", details: { retry_after: locked } })]);
    logEvent("auth.login_throttled", { request_id: audit.requestId, user_id: row?.id ?? null });
    throw tooManyAttempts(locked);
  }

  const ok = row ? await verifyPassword(password, row.passwordHash) : await verifyAgainstDummy(password);
  if (!row || !ok) {
    const results = await runBatch(db, [
      ...failureStatements(keys),
      auditInsert(audit, { userId: row?.id ?? null, action: "user.login_failed" }),
    ]);
    const { delayMs, lockedSeconds: lockedNow } = failureOutcome(keys, results);
    logEvent("auth.login_failed", { request_id: audit.requestId, user_id: row?.id ?? null });
    // Slow down repeated guessing; answer the attempt that crosses the limit with 429 already.
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (lockedNow > 0) throw tooManyAttempts(lockedNow);
    throw new ApiError("unauthorized", "Incorrect username or password", { headers: { "www-authenticate": `Bearer realm="finanalyze"` } });
  }

  const { token, expiresIn } = await issueAccessToken(tokenConfig(c.env), row.id, row.tokenVersion);
  await runBatch(db, [clearFailures(username), auditInsert(audit, { userId: row.id, action: "user.login" })]);
  logEvent("auth.login", { request_id: audit.requestId, user_id: row.id });
  c.header("cache-control", "no-store");
  return c.json({ access_token: token, token_type: "bearer" as const, expires_in: expiresIn, user: publicUser(row) }, 200);
};

/** A users row as runBatch returns it (column names) to the schema's field names. */
function mapUser(r: Record<string, unknown>): UserRow {
  return {
    id: r.id as string,
    username: r.username as string,
    fullName: r.full_name as string,
    email: (r.email as string | null) ?? null,
    passwordHash: r.password_hash as string,
    tokenVersion: r.token_version as number,
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  };
}

// The token check's row carries the profile: the check alone is this request's one round trip.
export const me: AppRouteHandler<typeof routes.me> = async (c) => {
  await c.var.d1.settle();
  const { id, username, fullName, email, createdAt } = c.get("user");
  return c.json({ id, username, full_name: fullName, email, created_at: createdAt }, 200);
};

export const logout: AppRouteHandler<typeof routes.logout> = async (c) => {
  const db = c.var.db;
  const userId = c.get("user").id;
  await runBatch(db, [bumpTokenVersion(db, userId), auditInsert(auditContext(c), { userId, action: "user.logout" })]);
  logEvent("auth.logout", { request_id: c.get("requestId"), user_id: userId });
  return c.json({ message: "success" }, 200);
};

/** Two round trips (see db/round-trips.ts): read the hash (with the token check), verify it here, then write. */
export const changePassword: AppRouteHandler<typeof routes.changePassword> = async (c) => {
  const db = c.var.db;
  const { current_password, new_password } = c.req.valid("json");
  const user = await findUserById(db, c.get("user").id);
  if (!user) throw new ApiError("unauthorized", "Token has been revoked");
  if (!(await verifyPassword(current_password, user.passwordHash))) {
    throw new ApiError("forbidden", "The current password is incorrect");
  }
  const hash = await hashPassword(new_password);
  await runBatch(db, [
    setPasswordHash(db, user.id, hash),
    auditInsert(auditContext(c), { userId: user.id, action: "user.password_change" }),
  ]);
  logEvent("auth.password_change", { request_id: c.get("requestId"), user_id: user.id });
  return c.json({ message: "success" }, 200);
};
