import type { SQL } from "drizzle-orm";
import type { Context } from "hono";
import { auditContext, auditInsert, recordAudit } from "../audit/audit";
import { runBatch } from "../db/batch";
import { getDb } from "../db/client";
import type { AppEnv, AppRouteHandler } from "../http/context";
import { ApiError } from "../http/problem";
import { parseOrThrow } from "../http/validation";
import { logEvent } from "../lib/log";
import type * as routes from "./auth.routes";
import { LoginJsonSchema } from "./auth.schemas";
import { hashPassword, verifyAgainstDummy, verifyPassword } from "./password";
import { countAttempt, failureOutcome, isKnownAddress, releaseAttempt, rememberAddress, throttleKeys } from "./throttle";
import { issueAccessToken, tokenConfig } from "./tokens";
import { bumpTokenVersion, createUser, findUserById, findUserByUsername, publicUser, setPassword, type UserRow } from "./users";

function profile(row: UserRow) {
  return { ...publicUser(row), created_at: row.createdAt };
}

export const signUp: AppRouteHandler<typeof routes.signUp> = async (c) => {
  const body = c.req.valid("json");
  const db = getDb(c.env.DB);
  const user = await createUser(
    db,
    { username: body.username, password: body.password, fullName: body.full_name, email: body.email ?? null },
    auditContext(c),
  );
  logEvent("auth.sign_up", { request_id: c.get("requestId"), user_id: user.id });
  return c.json(profile(user), 201);
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
 * Checks `password` for `user` under the guessing limits: the attempt is counted first, refused without a
 * check once a limit is reached, and audited as `<action>_failed` / `<action>_throttled`. Returns the batch
 * statements a success must commit together with its own change (giving back the attempt, remembering the address).
 */
async function checkPasswordThrottled(
  c: Context<AppEnv>,
  username: string,
  user: UserRow | undefined,
  password: string,
  action: "user.login" | "user.password_change",
): Promise<SQL[]> {
  const db = getDb(c.env.DB);
  const audit = auditContext(c);
  const known = user ? await isKnownAddress(db, user.id, audit.clientIp) : false;
  const attempt = await countAttempt(db, throttleKeys(username, audit.clientIp, known));
  if (attempt.refusedFor > 0) {
    await recordAudit(db, audit, { userId: user?.id ?? null, action: `${action}_throttled`, details: { retry_after: attempt.refusedFor } });
    logEvent(`auth.${action.slice(5)}_throttled`, { request_id: audit.requestId, user_id: user?.id ?? null });
    throw tooManyAttempts(attempt.refusedFor);
  }
  const ok = user ? await verifyPassword(password, user.passwordHash) : await verifyAgainstDummy(password);
  if (!user || !ok) {
    const { delayMs, lockedSeconds } = failureOutcome(attempt);
    await recordAudit(db, audit, { userId: user?.id ?? null, action: `${action}_failed` });
    logEvent(`auth.${action.slice(5)}_failed`, { request_id: audit.requestId, user_id: user?.id ?? null });
    // Slow down repeated guessing; answer the attempt that reaches the limit with 429 already.
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (lockedSeconds > 0) throw tooManyAttempts(lockedSeconds);
    if (action === "user.password_change") throw new ApiError("forbidden", "The current password is incorrect");
    throw new ApiError("unauthorized", "Incorrect username or password", { headers: { "www-authenticate": `Bearer realm="finanalyze"` } });
  }
  const release = releaseAttempt(attempt);
  return [...(release ? [release] : []), ...(audit.clientIp ? [rememberAddress(user.id, audit.clientIp)] : [])];
}

export const login: AppRouteHandler<typeof routes.login> = async (c) => {
  const { username, password } = loginCredentials(c);
  const db = getDb(c.env.DB);
  const audit = auditContext(c);
  await checkRateLimit(c, audit.clientIp);
  const user = await findUserByUsername(db, username);
  const onSuccess = await checkPasswordThrottled(c, username, user, password, "user.login");
  if (!user) throw new ApiError("unauthorized", "Incorrect username or password");
  const { token, expiresIn } = await issueAccessToken(tokenConfig(c.env), user.id, user.tokenVersion);
  await runBatch(db, [...onSuccess, auditInsert(audit, { userId: user.id, action: "user.login" })]);
  logEvent("auth.login", { request_id: audit.requestId, user_id: user.id });
  c.header("cache-control", "no-store");
  return c.json({ access_token: token, token_type: "bearer" as const, expires_in: expiresIn, user: publicUser(user) }, 200);
};

// requireAuth has just read the caller's row: answer from it instead of reading it again.
export const me: AppRouteHandler<typeof routes.me> = async (c) => {
  const { id, username, fullName, email, createdAt } = c.get("user");
  return c.json({ id, username, full_name: fullName, email, created_at: createdAt }, 200);
};

export const logout: AppRouteHandler<typeof routes.logout> = async (c) => {
  const db = getDb(c.env.DB);
  const userId = c.get("user").id;
  await runBatch(db, [bumpTokenVersion(db, userId), auditInsert(auditContext(c), { userId, action: "user.logout" })]);
  logEvent("auth.logout", { request_id: c.get("requestId"), user_id: userId });
  return c.json({ message: "success" }, 200);
};

export const changePassword: AppRouteHandler<typeof routes.changePassword> = async (c) => {
  const db = getDb(c.env.DB);
  const { current_password, new_password } = c.req.valid("json");
  const user = await findUserById(db, c.get("user").id);
  if (!user) throw new ApiError("unauthorized", "Token has been revoked");
  const onSuccess = await checkPasswordThrottled(c, user.username, user, current_password, "user.password_change");
  const passwordHash = await hashPassword(new_password);
  await runBatch(db, [
    ...onSuccess,
    setPassword(db, user.id, passwordHash),
    auditInsert(auditContext(c), { userId: user.id, action: "user.password_change" }),
  ]);
  logEvent("auth.password_change", { request_id: c.get("requestId"), user_id: user.id });
  return c.json({ message: "success" }, 200);
};
