import { sql } from "drizzle-orm";
import { type Context, Hono } from "hono";
import { type ZodType, z } from "zod";
import { writeContext } from "../analytics/ledger";
import { sweepStaleSnapshots } from "../analytics/queue";
import { recomputeSnapshot } from "../analytics/snapshot";
import { requireAuth } from "../auth/require-auth";
import { getDb } from "../db/client";
import { allShards, SLOT_COUNT } from "../db/shards";
import type { AppEnv } from "../http/context";
import { requestDatabase } from "../http/database";
import { ApiError } from "../http/problem";
import { parseOrThrow } from "../http/validation";
import { isLocal } from "../lib/environment";
import { readMove, startSlotMove } from "../shards/move";
import { sweepOutbox } from "../webhooks/outbox";
import { integrityReportAll } from "./integrity";
import { seedTransactions } from "./seed";

const FaultsBody = z.strictObject({
  consumer_fail_users: z.array(z.string()).default([]),
  queue_send_fail_rate: z.number().min(0).max(1).default(0),
  // Webhook retry delays times this factor (1 min -> 1 s at 1/60), so a local run sees the backoff in seconds.
  webhook_retry_scale: z.number().gt(0).max(1).default(1),
});

const SlotMoveBody = z.strictObject({
  slot: z.number().int().min(0).max(255),
  to: z.string().regex(/^SHARD_\d+$|^DB$/),
  page_size: z.number().int().min(1).max(1000).optional(),
  pages_per_step: z.number().int().min(1).max(100).optional(),
});

/** A dev route's JSON body, validated: malformed JSON is a 400 and a wrong shape a 422, never a 500. */
async function devBody<T>(c: Context<AppEnv>, schema: ZodType<T>): Promise<T> {
  const value = await c.req.json().catch(() => {
    throw new ApiError("bad_request", "The body is not valid JSON");
  });
  return parseOrThrow(schema, value);
}

const SeedBody = z.strictObject({
  offset: z.number().int().min(0).default(0),
  count: z.number().int().min(1).max(200_000),
  days: z.number().int().min(1).max(3650).default(1000),
  start_date: z.iso.date().default("2024-01-01"),
  category_ids: z.array(z.string()).max(100).default([]),
  merchants: z.number().int().min(0).max(10_000).default(0),
});

/**
 * Local helpers for benchmarks and tests, not part of the OpenAPI document. They answer 404 only when
 * ENVIRONMENT is exactly "production" (issue 10 narrows this to development/test).
 */
export const devRouter = new Hono<AppEnv>()
  .use(
    "/__dev/*",
    async (c, next) => {
      if (!isLocal(c.env)) throw new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}`);
      return next();
    },
    requestDatabase,
  )
  .post("/__dev/seed", requireAuth, async (c) => {
    const o = await devBody(c, SeedBody);
    const started = Date.now();
    const version = await seedTransactions(writeContext(c), c.get("user").id, {
      offset: o.offset,
      count: o.count,
      days: o.days,
      startDate: o.start_date,
      categoryIds: o.category_ids,
      merchants: o.merchants,
    });
    return c.json({ inserted: o.count, version, ms: Date.now() - started });
  })
  .put("/__dev/faults", async (c) => {
    const faults = await devBody(c, FaultsBody);
    const db = getDb(c.env.DB);
    await db.run(sql`DELETE FROM fault_switches`);
    const { consumer_fail_users: users, queue_send_fail_rate: rate, webhook_retry_scale: retryScale } = faults;
    if (users.length > 0)
      await db.run(sql`INSERT INTO fault_switches (name, value) VALUES ('consumer_fail_users', ${JSON.stringify(users)})`);
    if (rate > 0) await db.run(sql`INSERT INTO fault_switches (name, value) VALUES ('queue_send_fail', ${String(rate)})`);
    if (retryScale < 1) await db.run(sql`INSERT INTO fault_switches (name, value) VALUES ('webhook_retry_scale', ${String(retryScale)})`);
    return c.json(faults);
  })
  .get("/__dev/integrity", async (c) => c.json(await integrityReportAll(c.env)))
  .get("/__dev/dead-letters", async (c) =>
    c.json(await getDb(c.env.DB).all(sql`SELECT id, queue, body, attempts, failed_at FROM dead_letters`)),
  )
  // Starts a slot move (docs/scaling.md); production starts one through the directory (scripts/slot-move.mjs).
  .post("/__dev/slot-move", async (c) => {
    const o = await devBody(c, SlotMoveBody);
    try {
      const move = await startSlotMove(c.env, o.slot, o.to, { pageSize: o.page_size, pagesPerStep: o.pages_per_step });
      return c.json(move, 202);
    } catch (err) {
      if (err instanceof RangeError)
        throw new ApiError("validation_failed", err.message, { errors: [{ path: "slot", message: err.message }] });
      throw err;
    }
  })
  .get("/__dev/slot-move/:slot", async (c) => {
    const slot = Number(c.req.param("slot"));
    const move = Number.isInteger(slot) && slot >= 0 && slot < SLOT_COUNT ? await readMove(c.env, slot) : null;
    if (!move) throw new ApiError("not_found", "No move of that slot");
    return c.json(move);
  })
  // The cron's sweeps, now: stale snapshots, and every outbox event not yet on the webhook queue (the cron
  // waits a minute for the request's own send; here nothing waits), shard by shard.
  .post("/__dev/sweep", async (c) => {
    const healed = await sweepStaleSnapshots(c.env, 10_000);
    let dispatched = 0;
    for (const shard of allShards(c.env)) dispatched += await sweepOutbox(c.env, getDb(shard.binding), Date.now() + 60_000);
    return c.json({ healed, dispatched });
  })
  // Miniflare keeps queue messages in memory, so killing `wrangler dev` loses what was queued or waiting
  // for a retry (Cloudflare Queues keep them). After such a crash, put every event without a 2xx delivery
  // back in the outbox for the sweep; a duplicate send is within at-least-once.
  .post("/__dev/webhooks/requeue", async (c) => {
    let requeued = 0;
    for (const shard of allShards(c.env)) {
      const result = await getDb(shard.binding).run(sql`
        UPDATE events SET enqueued_at = NULL WHERE enqueued_at IS NOT NULL AND NOT EXISTS (
          SELECT 1 FROM webhook_deliveries d WHERE d.event_id = events.id AND d.status_code BETWEEN 200 AND 299)`);
      requeued += result.meta.changes;
    }
    return c.json({ requeued });
  })
  // Per user (every shard): the change counter next to the transaction events, and outbox events not yet enqueued.
  .get("/__dev/events-report", async (c) => {
    const rows: unknown[] = [];
    for (const shard of allShards(c.env)) {
      rows.push(
        ...(await getDb(shard.binding).all(sql`
          SELECT s.user_id, s.change_seq,
            (SELECT COUNT(*) FROM events e WHERE e.user_id = s.user_id AND e.type LIKE 'transaction.%') AS transaction_events,
            (SELECT COUNT(*) FROM events e WHERE e.user_id = s.user_id AND e.enqueued_at IS NULL) AS not_enqueued
          FROM sync_state s`)),
      );
    }
    return c.json(rows);
  })
  .post("/__dev/recompute", requireAuth, async (c) => {
    const started = performance.now();
    const result = await recomputeSnapshot(c.var.db, c.get("user").id);
    // Workers' clock only advances across I/O, which a recompute does; good enough for a benchmark.
    return c.json({ ...result, ms: performance.now() - started });
  });
