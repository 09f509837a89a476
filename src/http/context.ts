import type { RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { AuthUser } from "../auth/users";
import type { Database } from "../db/client";
import type { RequestD1 } from "../db/request-d1";
import type { SlotTable } from "../db/shards";

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** The caller, set by requireAuth (id from the token; profile fields once the token check has run). */
    user: AuthUser;
    /** The request body exactly as received, once something asked for it (http/body.ts requestBytes). */
    rawBody: Uint8Array;
    /** The byte limit a route declared with bodyLimit(); 64 KiB otherwise. */
    bodyLimit: number;
    /** The request's database handle (set by requestDatabase): every query on user data goes through it. */
    db: Database;
    /** The D1 session under `db` (requireAuth's token check rides on its first round trip). */
    d1: RequestD1;
    /** The slot table this request routes by (read once by requestDatabase, even if the isolate drops it meanwhile). */
    slots: SlotTable;
  };
}

/** The one handler type: a handler for route `R`, typed from its request and response schemas. */
export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppEnv>;
