import type { MiddlewareHandler } from "hono";
import { logEvent } from "../lib/log";
import type { AppEnv } from "./context";
import { ApiError } from "./problem";

export const MIN_SECRET_BYTES = 32;
const LOCAL_ENVIRONMENTS = new Set(["development", "test"]);

/** Why the Worker must not serve with this configuration, or null when it may. Never includes the secret. */
export function configurationProblem(env: Env): string | null {
  const secret = env.JWT_SECRET;
  if (!secret) return "JWT_SECRET is not set";
  const bytes = new TextEncoder().encode(secret).byteLength;
  if (bytes < MIN_SECRET_BYTES && !LOCAL_ENVIRONMENTS.has(env.ENVIRONMENT)) {
    return `JWT_SECRET is shorter than ${MIN_SECRET_BYTES} bytes`;
  }
  return null;
}

/** Refuses every API request (clear 500 problem and a log line) while the configuration is unsafe. */
export const requireSafeConfiguration: MiddlewareHandler<AppEnv> = async (c, next) => {
  const problem = configurationProblem(c.env);
  if (problem) {
    logEvent("config.refused", { request_id: c.get("requestId"), reason: problem, environment: c.env.ENVIRONMENT });
    throw new ApiError("internal_error", `The server is misconfigured: ${problem}`);
  }
  return next();
};
