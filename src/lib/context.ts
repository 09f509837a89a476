import type { OpenAPIHono } from "@hono/zod-openapi";

export interface AuthUser {
  id: string;
  username: string;
  fullName: string;
  email: string | null;
  createdAt: string;
  /** IANA zone and week start from the profile: the defaults for every day-based figure. */
  timeZone: string;
  weekStart: "monday" | "sunday";
}

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    user: AuthUser;
    /** The request body exactly as received (set by readBody), for idempotency fingerprints. */
    rawBody: Uint8Array;
  };
}

export type AppOpenAPI = OpenAPIHono<AppEnv>;
