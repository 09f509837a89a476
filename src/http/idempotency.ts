import { and, eq, lte, sql } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import type { Database } from "../db/client";
import { idempotencyKeys } from "../db/schema";
import { logEvent } from "../lib/log";
import { requestBytes } from "./body";
import type { AppEnv } from "./context";
import { ApiError } from "./problem";

const KEY_PATTERN = /^[\x20-\x7e]{1,255}$/;
const TTL_MS = 24 * 60 * 60 * 1000;
/** A "running" entry older than this is from a request that died; a retry may take it over. */
const ABANDONED_MS = 60 * 1000;
const REPLAYED_HEADERS = ["content-type", "location", "etag"];

/** Stored answers above this are replaced by a short stand-in: a D1 row holds at most 2 MB. */
export const MAX_STORED_ANSWER_BYTES = 1024 * 1024;

async function hmac(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, data));
}

/** The fingerprint key: HMAC(JWT_SECRET, "idempotency"), so the signing secret itself keys nothing else. */
export function fingerprintKey(secret: string): Promise<Uint8Array> {
  const encoder = new TextEncoder();
  return hmac(encoder.encode(secret), encoder.encode("idempotency"));
}

async function fingerprint(secret: string, method: string, path: string, body: Uint8Array): Promise<string> {
  // Keyed, so a stored fingerprint of a body with a password in it cannot be brute-forced.
  const key = await fingerprintKey(secret);
  const head = new TextEncoder().encode(`${method}\n${path}\n`);
  const data = new Uint8Array(head.byteLength + body.byteLength);
  data.set(head);
  data.set(body, head.byteLength);
  const mac = await hmac(key, data);
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

type Claim = { kind: "claimed" } | { kind: "replay"; status: number; headers: Record<string, string>; body: string };

async function claim(db: Database, scope: string, key: string, print: string): Promise<Claim> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const now = new Date();
    const inserted = await db
      .insert(idempotencyKeys)
      .values({
        scope,
        key,
        fingerprint: print,
        state: "running",
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + TTL_MS).toISOString(),
      })
      .onConflictDoNothing()
      .returning({ key: idempotencyKeys.key });
    if (inserted.length === 1) return { kind: "claimed" };

    const existing = await db.query.idempotencyKeys.findFirst({
      where: and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)),
    });
    if (!existing) continue;
    if (existing.expiresAt <= now.toISOString()) {
      await db
        .delete(idempotencyKeys)
        .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key), lte(idempotencyKeys.expiresAt, now.toISOString())));
      continue;
    }
    if (existing.fingerprint !== print) {
      throw new ApiError("validation_failed", "This Idempotency-Key was used with a different request", {
        errors: [{ path: "Idempotency-Key", message: "already used with a different method, path or body" }],
      });
    }
    if (existing.state === "done") {
      return { kind: "replay", status: existing.status ?? 200, headers: JSON.parse(existing.headers ?? "{}"), body: existing.body ?? "" };
    }
    const abandonedBefore = new Date(now.getTime() - ABANDONED_MS).toISOString();
    const takenOver = await db
      .update(idempotencyKeys)
      .set({ createdAt: now.toISOString() })
      .where(
        and(
          eq(idempotencyKeys.scope, scope),
          eq(idempotencyKeys.key, key),
          eq(idempotencyKeys.state, "running"),
          lte(idempotencyKeys.createdAt, abandonedBefore),
        ),
      )
      .returning({ key: idempotencyKeys.key });
    if (takenOver.length === 1) return { kind: "claimed" };
    throw new ApiError("conflict", "A request with this Idempotency-Key is still being processed; retry later", {
      headers: { "retry-after": "1" },
    });
  }
  throw new ApiError("conflict", "Could not claim the Idempotency-Key; retry");
}

/**
 * Idempotency-Key support for writes: the first completed response for (caller, key) is stored for
 * 24 h and replayed byte for byte; a different request (method, path, query or body) with the same key is a 422; a key whose
 * first request is still running is a 409. Server errors (5xx) are not stored, so they can be retried.
 */
export const idempotent: MiddlewareHandler<AppEnv> = async (c, next) => {
  const key = c.req.header("idempotency-key");
  if (key === undefined) return next();
  if (!KEY_PATTERN.test(key)) {
    throw new ApiError("validation_failed", "Invalid Idempotency-Key", {
      errors: [{ path: "Idempotency-Key", message: "1-255 printable ASCII characters" }],
    });
  }
  const db = c.var.db;
  const scope = c.get("user")?.id ?? `anonymous:${c.req.path}`;
  const url = new URL(c.req.url);
  // The query string is part of the request (bulk ?atomic=, import ?dry_run=): a different one is a different request.
  const print = await fingerprint(c.env.JWT_SECRET, c.req.method, `${url.pathname}${url.search}`, await requestBytes(c));
  const claimed = await claim(db, scope, key, print);
  if (claimed.kind === "replay") {
    return new Response(claimed.body, { status: claimed.status, headers: { ...claimed.headers, "idempotent-replayed": "true" } });
  }

  await next();

  const where = and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key));
  if (c.res.status >= 500) {
    await db.delete(idempotencyKeys).where(where);
    return;
  }
  const headers = Object.fromEntries(REPLAYED_HEADERS.flatMap((h) => (c.res.headers.has(h) ? [[h, c.res.headers.get(h) as string]] : [])));
  let body = await c.res.clone().text();
  if (new TextEncoder().encode(body).byteLength > MAX_STORED_ANSWER_BYTES) {
    // The write is committed whatever happens here: keep the key (a retry must not redo it) with a short answer.
    body = JSON.stringify({ message: "The first answer was too large to keep; the request was processed", status: c.res.status });
    headers["content-type"] = "application/json";
  }
  try {
    await db
      .update(idempotencyKeys)
      .set({ state: "done", status: c.res.status, headers: JSON.stringify(headers), body })
      .where(where);
  } catch (err) {
    // Never turn a committed write into a 500: the client gets its answer; a retry finds the key still "running".
    logEvent("idempotency.store_failed", { request_id: c.get("requestId"), error: String(err) });
  }
};

/** Drops expired keys (run by the cron trigger). */
export async function purgeExpiredIdempotencyKeys(db: Database): Promise<void> {
  await db.run(sql`DELETE FROM idempotency_keys WHERE expires_at <= ${new Date().toISOString()}`);
}
