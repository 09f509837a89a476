import type { OpenAPIHono } from "@hono/zod-openapi";

export interface AuthUser {
  id: string;
  username: string;
  fullName: string;
  email: string | null;
  createdAt: string;
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
