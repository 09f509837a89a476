import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import { auditContext, listAudit as listAuditEntries, recordAudit } from "../audit/audit.service";
import { getDb } from "../db/client";
import type { AppEnv } from "../lib/context";
import { parseOrThrow } from "../lib/create-app";
import { logEvent } from "../lib/log";
import { ApiError } from "../lib/problem";
import type { changePassword, listAudit, login, logout, me, signUp } from "./auth.routes";
import { LoginJsonSchema } from "./auth.schemas";
import { verifyAgainstDummy, verifyPassword } from "./password";
import { clearFailures, lockedFor, recordFailure, type ThrottleKey } from "./throttle";
import { issueAccessToken, tokenConfig } from "./tokens";
import { bumpTokenVersion, createUser, findUserById, findUserByUsername, profileOf, publicUser, setPassword } from "./users";

export const signUpHandler: RouteHandler<typeof signUp, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const db = getDb(c.env.DB);
  const user = await createUser(db, {
    username: body.username,
    password: body.password,
    fullName: body.full_name,
    email: body.email ?? null,
    timeZone: body.time_zone,
    weekStart: body.week_start,
  });
  await recordAudit(db, auditContext(c), { userId: user.id, action: "user.sign_up" });
  logEvent("auth.sign_up", { request_id: c.get("requestId"), user_id: user.id });
  return c.json(profileOf(user), 201);
};

function loginCredentials(c: Parameters<RouteHandler<typeof login, AppEnv>>[0]) {
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

export const loginHandler: RouteHandler<typeof login, AppEnv> = async (c) => {
  const { username, password } = loginCredentials(c);
  const db = getDb(c.env.DB);
  const audit = auditContext(c);
  const keys: ThrottleKey[] = [
    { kind: "user", value: username },
    ...(audit.clientIp ? [{ kind: "ip" as const, value: audit.clientIp }] : []),
  ];
  await checkRateLimit(c, audit.clientIp);
  const user = await findUserByUsername(db, username);

  const locked = await lockedFor(db, keys);
  if (locked > 0) {
    await recordAudit(db, audit, { userId: user?.id ?? null, action: "user.login_throttled", details: { retry_after: locked } });
    logEvent("auth.login_throttled", { request_id: audit.requestId, user_id: user?.id ?? null });
    throw tooManyAttempts(locked);
  }

  const ok = user ? await verifyPassword(password, user.passwordHash) : await verifyAgainstDummy(password);
  if (!user || !ok) {
    const { delayMs, lockedSeconds } = await recordFailure(db, keys);
    await recordAudit(db, audit, { userId: user?.id ?? null, action: "user.login_failed" });
    logEvent("auth.login_failed", { request_id: audit.requestId, user_id: user?.id ?? null });
    // Slow down repeated guessing; answer the attempt that crosses the limit with 429 already.
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (lockedSeconds > 0) throw tooManyAttempts(lockedSeconds);
    throw new ApiError("unauthorized", "Incorrect username or password", { headers: { "www-authenticate": `Bearer realm="finanalyze"` } });
  }

  await clearFailures(db, username);
  const { token, expiresIn } = await issueAccessToken(tokenConfig(c.env), user.id, user.tokenVersion);
  await recordAudit(db, audit, { userId: user.id, action: "user.login" });
  logEvent("auth.login", { request_id: audit.requestId, user_id: user.id });
  c.header("cache-control", "no-store");
  return c.json({ access_token: token, token_type: "bearer" as const, expires_in: expiresIn, user: publicUser(user) }, 200);
};

// requireAuth has just read the caller's row: answer from it instead of reading it again.
export const meHandler: RouteHandler<typeof me, AppEnv> = async (c) => {
  return c.json(profileOf(c.get("user")), 200);
};

export const logoutHandler: RouteHandler<typeof logout, AppEnv> = async (c) => {
  const db = getDb(c.env.DB);
  const userId = c.get("user").id;
  await bumpTokenVersion(db, userId);
  await recordAudit(db, auditContext(c), { userId, action: "user.logout" });
  logEvent("auth.logout", { request_id: c.get("requestId"), user_id: userId });
  return c.json({ message: "success" }, 200);
};

export const changePasswordHandler: RouteHandler<typeof changePassword, AppEnv> = async (c) => {
  const db = getDb(c.env.DB);
  const { current_password, new_password } = c.req.valid("json");
  const user = await findUserById(db, c.get("user").id);
  if (!user) throw new ApiError("unauthorized", "Token has been revoked");
  if (!(await verifyPassword(current_password, user.passwordHash))) {
    throw new ApiError("forbidden", "The current password is incorrect");
  }
  await setPassword(db, user.id, new_password);
  await recordAudit(db, auditContext(c), { userId: user.id, action: "user.password_change" });
  logEvent("auth.password_change", { request_id: c.get("requestId"), user_id: user.id });
  return c.json({ message: "success" }, 200);
};

export const listAuditHandler: RouteHandler<typeof listAudit, AppEnv> = async (c) => {
  const { limit, cursor } = c.req.valid("query");
  return c.json(await listAuditEntries(getDb(c.env.DB), c.get("user").id, limit, cursor), 200);
};
