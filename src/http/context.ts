import type { RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { AuthUser } from "../auth/users";

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** The caller, set by requireAuth. */
    user: AuthUser;
    /** The request body exactly as received (set by the body middleware), for idempotency fingerprints. */
    rawBody: Uint8Array;
  };
}

/** The one handler type: a handler for route `R`, typed from its request and response schemas. */
export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppEnv>;
