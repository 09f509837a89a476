import { eq, type SQL, sql } from "drizzle-orm";
import type { Context } from "hono";
import { auditContext, auditInsert } from "../audit/audit";
import { runBatch, type Statement } from "../db/batch";
import { accounts, users } from "../db/schema";
import type { AppEnv, AppRouteHandler } from "../http/context";
import { directoryDatabase, userDatabase } from "../http/database";
import { ApiError } from "../http/problem";
import { parseOrThrow } from "../http/validation";
import { logEvent } from "../lib/log";
import type * as routes from "./auth.routes";
import { LoginJsonSchema } from "./auth.schemas";
import { hashPassword, verifyAgainstDummy, verifyPassword } from "./password";
import { attemptFrom, countAttemptStatement, failureOutcome, releaseAttempt, rememberAddress } from "./throttle";
import { issueAccessToken, tokenConfig } from "./tokens";
import {
  type AccountRow,
  accountByUsername,
  bumpTokenVersion,
  insertingUser,
  newUserRows,
  profileOf,
  publicUser,
  setPasswordHash,
  type UserRow,
} from "./users";

/** Where an auth event of `userId` is recorded: the user's shard, or the directory for unknown usernames. */
function auditDatabase(c: Context<AppEnv>, userId: string | null) {
  return userId ? userDatabase(c, userId) : directoryDatabase(c);
}

/**
 * Two databases, two round trips, ordered so a crash leaves nothing usable half-done: first the user's
 * shard row (profile, token version) with its audit entry, then the directory row that makes the username
 * loginable and unique. A shard row without a directory row is unreachable (nobody can log in as it); a
 * taken username (409) removes it again, any other failure leaves it (the directory row may have been
 * written). A retry is a new sign-up (the idempotency key makes it a replay).
 */
export const signUp: AppRouteHandler<typeof routes.signUp> = async (c) => {
  const body = c.req.valid("json");
  const directory = directoryDatabase(c);
  const { user, account } = await newUserRows({
    username: body.username,
    password: body.password,
    fullName: body.full_name,
    email: body.email ?? null,
    timeZone: body.time_zone,
    weekStart: body.week_start,
  });
  const shard = userDatabase(c, user.id);
  await runBatch(shard, [shard.insert(users).values(user), auditInsert(auditContext(c), { userId: user.id, action: "user.sign_up" })]);
  try {
    await insertingUser(runBatch(directory, [directory.insert(accounts).values(account)]));
  } catch (err) {
    // Only a taken username surely wrote nothing there; after any other failure the account may exist, and
    // removing its shard row would make the username unusable for good (an orphan row is harmless).
    if (err instanceof ApiError && err.code === "conflict") {
      c.executionCtx.waitUntil(
        shard
          .delete(users)
          .where(eq(users.id, user.id))
          .catch((cleanup: unknown) => logEvent("auth.sign_up_cleanup_failed", { user_id: user.id, error: String(cleanup) })),
      );
    }
    throw err;
  }
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
): Promise<{ account: AccountRow; commit: (onSuccess: Statement[]) => Promise<void> }> {
  const directory = directoryDatabase(c);
  const audit = auditContext(c);
  const [found, counted] = await runBatch(directory, [lookup, countAttemptStatement(username, audit.clientIp)]);
  const account = found?.results[0] ? mapAccount(found.results[0] as Record<string, unknown>) : undefined;
  const attempt = attemptFrom(counted);
  const record = (entry: Parameters<typeof auditInsert>[1]) => runBatch(auditDatabase(c, entry.userId), [auditInsert(audit, entry)]);
  if (attempt.refusedFor > 0) {
    await record({ userId: account?.id ?? null, action: `${action}_throttled`, details: { retry_after: attempt.refusedFor } });
    logEvent(`auth.${action.slice(5)}_throttled`, { request_id: audit.requestId, user_id: account?.id ?? null });
    throw tooManyAttempts(attempt.refusedFor);
  }
  const ok = account ? await verifyPassword(password, account.passwordHash) : await verifyAgainstDummy(password);
  if (!account || !ok) {
    await record({ userId: account?.id ?? null, action: `${action}_failed` });
    const { delayMs, lockedSeconds } = failureOutcome(attempt);
    logEvent(`auth.${action.slice(5)}_failed`, { request_id: audit.requestId, user_id: account?.id ?? null });
    // Slow down repeated guessing; answer the attempt that reaches the limit with 429 already.
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (lockedSeconds > 0) throw tooManyAttempts(lockedSeconds);
    if (action === "user.password_change") throw new ApiError("forbidden", "The current password is incorrect");
    throw badCredentials();
  }
  const release = releaseAttempt(attempt);
  const remember = audit.clientIp ? [rememberAddress(account.id, audit.clientIp)] : [];
  return {
    account,
    commit: async (onSuccess) => {
      await runBatch(directory, [...(release ? [release] : []), ...remember, ...onSuccess]);
    },
  };
}

function badCredentials(): ApiError {
  return new ApiError("unauthorized", "Incorrect username or password", { headers: { "www-authenticate": `Bearer realm="finanalyze"` } });
}

/**
 * Directory first (account and attempt count), the password checked here, then at once: the outcome in the
 * directory, and in the user's shard the profile and token version the token is issued at, with the audit
 * entry. A directory row without a shard row (never written so by sign-up) cannot log in.
 */
export const login: AppRouteHandler<typeof routes.login> = async (c) => {
  const { username, password } = loginCredentials(c);
  const audit = auditContext(c);
  await checkRateLimit(c, audit.clientIp);
  const lookup = accountByUsername(directoryDatabase(c), username).limit(1);
  const { account, commit } = await checkPasswordThrottled(c, username, lookup, password, "user.login");
  const shard = userDatabase(c, account.id);
  const exists = sql`EXISTS (SELECT 1 FROM users WHERE id = ${account.id})`;
  const [[found]] = await Promise.all([
    runBatch(shard, [
      shard.select().from(users).where(eq(users.id, account.id)),
      auditInsert(audit, { userId: account.id, action: "user.login" }, exists),
    ]),
    commit([]),
  ]);
  const row = found?.results[0] as Record<string, unknown> | undefined;
  if (!row) throw badCredentials();
  const user = mapUser(row);
  const { token, expiresIn } = await issueAccessToken(tokenConfig(c.env), user.id, user.tokenVersion);
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
    tokenVersion: r.token_version as number,
    timeZone: r.time_zone as string,
    weekStart: r.week_start as UserRow["weekStart"],
    slot: r.slot as number,
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  };
}

/** An accounts row as runBatch returns it. */
function mapAccount(r: Record<string, unknown>): AccountRow {
  return {
    id: r.id as string,
    username: r.username as string,
    passwordHash: r.password_hash as string,
    slot: r.slot as number,
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

/**
 * The token check (the caller's shard) and the account with the attempt counted (the directory) at once;
 * the password is verified here; then the directory gets the new hash BEFORE the shard bumps the token
 * version: a crash in between leaves the new password working and old tokens alive until they expire,
 * never the old password working with tokens issued after the change.
 */
export const changePassword: AppRouteHandler<typeof routes.changePassword> = async (c) => {
  const db = c.var.db;
  const directory = directoryDatabase(c);
  const { current_password, new_password } = c.req.valid("json");
  const userId = c.get("user").id;
  const lookup = directory.select().from(accounts).where(eq(accounts.id, userId));
  const username = sql`(SELECT username FROM accounts WHERE id = ${userId})`;
  const [{ account, commit }] = await Promise.all([
    checkPasswordThrottled(c, username, lookup, current_password, "user.password_change"),
    c.var.d1.settle(),
  ]);
  const hash = await hashPassword(new_password);
  await commit([setPasswordHash(directory, account.id, hash)]);
  await runBatch(db, [
    bumpTokenVersion(db, account.id),
    auditInsert(auditContext(c), { userId: account.id, action: "user.password_change" }),
  ]);
  logEvent("auth.password_change", { request_id: c.get("requestId"), user_id: account.id });
  return c.json({ message: "success" }, 200);
};
