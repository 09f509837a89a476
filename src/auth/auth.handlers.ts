import type { RouteHandler } from "@hono/zod-openapi";
import { getDb } from "../db/client";
import type { AppEnv } from "../lib/context";
import { zodFieldErrors } from "../lib/create-app";
import { logEvent } from "../lib/log";
import { ApiError } from "../lib/problem";
import { LoginJsonSchema } from "./auth.schemas";
import type { login, me, signUp } from "./auth.routes";
import { verifyAgainstDummy, verifyPassword } from "./password";
import { issueAccessToken, tokenConfig } from "./tokens";
import { createUser, findUserById, findUserByUsername, publicUser, type UserRow } from "./users";

function profile(row: UserRow) {
  return { ...publicUser(row), created_at: row.createdAt };
}

export const signUpHandler: RouteHandler<typeof signUp, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const user = await createUser(getDb(c.env.DB), {
    username: body.username,
    password: body.password,
    fullName: body.full_name,
    email: body.email ?? null,
  });
  logEvent("auth.sign_up", { request_id: c.get("requestId"), user_id: user.id });
  return c.json(profile(user), 201);
};

function loginCredentials(c: Parameters<RouteHandler<typeof login, AppEnv>>[0]) {
  const isForm = (c.req.header("content-type") ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded");
  const raw = isForm ? c.req.valid("form") : c.req.valid("json");
  // An absent body reaches here as {}: validate again so it is a 422, not a 500.
  const parsed = LoginJsonSchema.pick({ username: true, password: true }).safeParse({ username: raw.username, password: raw.password });
  if (!parsed.success) throw new ApiError("validation_failed", "The request is invalid", { errors: zodFieldErrors(parsed.error) });
  return parsed.data;
}

export const loginHandler: RouteHandler<typeof login, AppEnv> = async (c) => {
  const { username, password } = loginCredentials(c);
  const user = await findUserByUsername(getDb(c.env.DB), username);
  const ok = user ? await verifyPassword(password, user.passwordHash) : await verifyAgainstDummy(password);
  if (!user || !ok) {
    logEvent("auth.login_failed", { request_id: c.get("requestId"), user_id: user?.id ?? null });
    throw new ApiError("unauthorized", "Incorrect username or password", {
      headers: { "www-authenticate": `Bearer realm="finanalyze"` },
    });
  }
  const { token, expiresIn } = await issueAccessToken(tokenConfig(c.env), user.id, user.tokenVersion);
  logEvent("auth.login", { request_id: c.get("requestId"), user_id: user.id });
  c.header("cache-control", "no-store");
  return c.json({ access_token: token, token_type: "bearer" as const, expires_in: expiresIn, user: publicUser(user) }, 200);
};

export const meHandler: RouteHandler<typeof me, AppEnv> = async (c) => {
  const user = await findUserById(getDb(c.env.DB), c.get("user").id);
  if (!user) throw new ApiError("unauthorized", "Token has been revoked");
  return c.json(profile(user), 200);
};
