import { eq, type SQL, sql } from "drizzle-orm";
import type { Context } from "hono";
import { auditContext, auditInsert } from "../audit/audit";
import { runBatch, type Statement } from "../db/batch";
import { users } from "../db/schema";
import type { AppEnv, AppRouteHandler } from "../http/context";
import { ApiError } from "../http/problem";
import { parseOrThrow } from "../http/validation";
import { logEvent } from "../lib/log";
import type * as routes from "./auth.routes";
import { LoginJsonSchema } from "./auth.schemas";
import { hashPassword, verifyAgainstDummy, verifyPassword } from "./password";
import { attemptFrom, countAttemptStatement, failureOutcome, releaseAttempt, rememberAddress } from "./throttle";
import { issueAccessToken, tokenConfig } from "./tokens";
import { bumpTokenVersion, insertingUser, newUserRow, profileOf, publicUser, setPasswordHash, type UserRow, userByUsername } from "./users";

export const signUp: AppRouteHandler<typeof routes.signUp> = async (c) => {
  const body = c.req.valid("json");
  const db = c.var.db;
  const user = await newUserRow({
    username: body.username,
    password: body.password,
    fullName: body.full_name,
    email: body.email ?? null,
    timeZone: body.time_zone,
    weekStart: body.week_start,
  });
  // The user and its audit entry in one batch: one round trip, and never one without the other.
  await insertingUser(
    runBatch(db, [db.insert(users).values(user), auditInsert(auditContext(c), { userId: user.id, action: "user.sign_up" })]),
  );
  logEvent("auth.sign_up", { request_id: c.get("requestId"), user_id: user.id });
  return c.json(profileOf(user), 201);
};

function loginCredentials(c: Parameters<AppRouteHandler<typeof routes.login>>[0]) {
  const mediaType = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const isForm = mediaType === "application/x-www-form-urlencoded";
  // Only the two documented forms; multipart and the rest are a 415, not a guess.
  if (mediaType !== "" && !isForm && mediaType !== "application/json") {
    throw new ApiError("unsupported_media_type", "Send the login as application/json or application/x-www-form-urlencoded");
  }
  const raw = isForm ? c.req.valid("form") : c.req.valid("json");
  // An absent body reaches here as {}: validate again so it is a 422, not a 500.
  return parseOrThrow(LoginJsonSchema, { username: raw.username, password: raw.password });
}

function tooManyAttempts(retryAfter: number): ApiError {
  return new ApiError("too_many_requests", "Too many failed password attempts; try again later", {
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
 * The guessing limits around one password check, in two D1 round trips (see db/round-trips.ts). First
 * batch: the user row with the attempt counted (before any check); the password is then checked here,
 * unless a limit was already reached; the second batch commits the outcome: on failure the audit entry, on
 * success the caller's `onSuccess` statements with the attempt given back and the address remembered.
 */
async function checkPasswordThrottled(
  c: Context<AppEnv>,
  username: string | SQL,
  lookup: Statement,
  password: string,
  action: "user.login" | "user.password_change",
): Promise<{ user: UserRow; commit: (onSuccess: Statement[]) => Promise<void> }> {
  const db = c.var.db;
  const audit = auditContext(c);
  const [found, counted] = await runBatch(db, [lookup, countAttemptStatement(username, audit.clientIp)]);
  const user = found?.results[0] ? mapUser(found.results[0] as Record<string, unknown>) : undefined;
  const attempt = attemptFrom(counted);
  if (attempt.refusedFor > 0) {
    await runBatch(db, [
      auditInsert(audit, { userId: user?.id ?? null, action: `${action}_throttled`, details: { retry_after: attempt.refusedFor } }),
    ]);
    logEvent(`auth.${action.slice(5)}_throttled`, { request_id: audit.requestId, user_id: user?.id ?? null });
    throw tooManyAttempts(attempt.refusedFor);
  }
  const ok = user ? await verifyPassword(password, user.passwordHash) : await verifyAgainstDummy(password);
  if (!user || !ok) {
    await runBatch(db, [auditInsert(audit, { userId: user?.id ?? null, action: `${action}_failed` })]);
    const { delayMs, lockedSeconds } = failureOutcome(attempt);
    logEvent(`auth.${action.slice(5)}_failed`, { request_id: audit.requestId, user_id: user?.id ?? null });
    // Slow down repeated guessing; answer the attempt that reaches the limit with 429 already.
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (lockedSeconds > 0) throw tooManyAttempts(lockedSeconds);
    if (action === "user.password_change") throw new ApiError("forbidden", "The current password is incorrect");
    throw new ApiError("unauthorized", "Incorrect username or password", { headers: { "www-authenticate": `Bearer realm="finanalyze"` } });
  }
  const release = releaseAttempt(attempt);
  const remember = audit.clientIp ? [rememberAddress(user.id, audit.clientIp)] : [];
  return {
    user,
    commit: async (onSuccess) => {
      await runBatch(db, [...(release ? [release] : []), ...remember, ...onSuccess]);
    },
  };
}

export const login: AppRouteHandler<typeof routes.login> = async (c) => {
  const { username, password } = loginCredentials(c);
  const db = c.var.db;
  const audit = auditContext(c);
  await checkRateLimit(c, audit.clientIp);
  const { user, commit } = await checkPasswordThrottled(c, username, userByUsername(db, username).limit(1), password, "user.login");
  const { token, expiresIn } = await issueAccessToken(tokenConfig(c.env), user.id, user.tokenVersion);
  await commit([auditInsert(audit, { userId: user.id, action: "user.login" })]);
  logEvent("auth.login", { request_id: audit.requestId, user_id: user.id });
  c.header("cache-control", "no-store");
  return c.json({ access_token: token, token_type: "bearer" as const, expires_in: expiresIn, user: publicUser(user) }, 200);
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
    timeZone: r.time_zone as string,
    weekStart: r.week_start as UserRow["weekStart"],
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  };
}

// The token check's row carries the profile: the check alone is this request's one round trip.
export const me: AppRouteHandler<typeof routes.me> = async (c) => {
  await c.var.d1.settle();
  return c.json(profileOf(c.get("user")), 200);
};

export const logout: AppRouteHandler<typeof routes.logout> = async (c) => {
  const db = c.var.db;
  const userId = c.get("user").id;
  await runBatch(db, [bumpTokenVersion(db, userId), auditInsert(auditContext(c), { userId, action: "user.logout" })]);
  logEvent("auth.logout", { request_id: c.get("requestId"), user_id: userId });
  return c.json({ message: "success" }, 200);
};

/** Two round trips (see db/round-trips.ts): read the hash with the attempt counted, verify it here, then write. */
export const changePassword: AppRouteHandler<typeof routes.changePassword> = async (c) => {
  const db = c.var.db;
  const { current_password, new_password } = c.req.valid("json");
  const userId = c.get("user").id;
  const lookup = db.select().from(users).where(eq(users.id, userId));
  const username = sql`(SELECT username FROM users WHERE id = ${userId})`;
  const { user, commit } = await checkPasswordThrottled(c, username, lookup, current_password, "user.password_change");
  const hash = await hashPassword(new_password);
  await commit([setPasswordHash(db, user.id, hash), auditInsert(auditContext(c), { userId: user.id, action: "user.password_change" })]);
  logEvent("auth.password_change", { request_id: c.get("requestId"), user_id: user.id });
  return c.json({ message: "success" }, 200);
};
