import type { MiddlewareHandler } from "hono";
import { isLocal } from "../lib/environment";
import { logEvent } from "../lib/log";
import type { AppEnv } from "./context";
import { ApiError } from "./problem";

export const MIN_SECRET_BYTES = 32;

/** Why the Worker must not serve with this configuration, or null when it may. Never includes the secret. */
export function configurationProblem(env: Env): string | null {
  const secret = env.JWT_SECRET;
  if (!secret) return "JWT_SECRET is not set";
  const bytes = new TextEncoder().encode(secret).byteLength;
  if (bytes < MIN_SECRET_BYTES && !isLocal(env)) {
    return `JWT_SECRET is shorter than ${MIN_SECRET_BYTES} bytes`;
  }
  return null;
}

// The last verdict, for the secret and environment it was made for: vars are fixed for a deployment, so the
// check runs once per isolate instead of encoding the secret on every request.
let checked: { secret: string | undefined; environment: string | undefined; problem: string | null } | undefined;

function cachedProblem(env: Env): string | null {
  if (!checked || checked.secret !== env.JWT_SECRET || checked.environment !== env.ENVIRONMENT) {
    checked = { secret: env.JWT_SECRET, environment: env.ENVIRONMENT, problem: configurationProblem(env) };
  }
  return checked.problem;
}

/** Refuses every API request (clear 500 problem and a log line) while the configuration is unsafe. */
export const requireSafeConfiguration: MiddlewareHandler<AppEnv> = async (c, next) => {
  const problem = cachedProblem(c.env);
  if (problem) {
    logEvent("config.refused", { request_id: c.get("requestId"), reason: problem, environment: c.env.ENVIRONMENT });
    throw new ApiError("internal_error", `The server is misconfigured: ${problem}`);
  }
  return next();
};
