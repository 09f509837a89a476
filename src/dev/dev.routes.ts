import { sql } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import { writeContext } from "../analytics/ledger";
import { sweepStaleSnapshots } from "../analytics/queue";
import { recomputeSnapshot } from "../analytics/snapshot";
import { requireAuth } from "../auth/require-auth";
import { getDb } from "../db/client";
import type { AppEnv } from "../http/context";
import { requestDatabase } from "../http/database";
import { ApiError } from "../http/problem";
import { parseOrThrow } from "../http/validation";
import { isLocal } from "../lib/environment";
import { readMove, startSlotMove } from "../shards/move";
import { integrityReportAll } from "./integrity";
import { seedTransactions } from "./seed";

const FaultsBody = z.strictObject({
  consumer_fail_users: z.array(z.string()).default([]),
  queue_send_fail_rate: z.number().min(0).max(1).default(0),
});

const SlotMoveBody = z.strictObject({
  slot: z.number().int().min(0).max(255),
  to: z.string().regex(/^SHARD_\d+$|^DB$/),
  page_size: z.number().int().min(1).max(1000).optional(),
  pages_per_step: z.number().int().min(1).max(100).optional(),
});

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
    const o = parseOrThrow(SeedBody, await c.req.json());
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
    const faults = parseOrThrow(FaultsBody, await c.req.json());
    const db = getDb(c.env.DB);
    await db.run(sql`DELETE FROM fault_switches`);
    const { consumer_fail_users: users, queue_send_fail_rate: rate } = faults;
    if (users.length > 0)
      await db.run(sql`INSERT INTO fault_switches (name, value) VALUES ('consumer_fail_users', ${JSON.stringify(users)})`);
    if (rate > 0) await db.run(sql`INSERT INTO fault_switches (name, value) VALUES ('queue_send_fail', ${String(rate)})`);
    return c.json(faults);
  })
  .get("/__dev/integrity", async (c) => c.json(await integrityReportAll(c.env)))
  .get("/__dev/dead-letters", async (c) =>
    c.json(await getDb(c.env.DB).all(sql`SELECT id, queue, body, attempts, failed_at FROM dead_letters`)),
  )
  // Starts a slot move (docs/scaling.md); production starts one through the directory (scripts/slot-move.mjs).
  .post("/__dev/slot-move", async (c) => {
    const o = parseOrThrow(SlotMoveBody, await c.req.json());
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
    const move = await readMove(c.env, Number(c.req.param("slot")));
    if (!move) throw new ApiError("not_found", "No move of that slot");
    return c.json(move);
  })
  .post("/__dev/sweep", async (c) => c.json({ healed: await sweepStaleSnapshots(c.env, 10_000) }))
  .post("/__dev/recompute", requireAuth, async (c) => {
    const started = performance.now();
    const result = await recomputeSnapshot(c.var.db, c.get("user").id);
    // Workers' clock only advances across I/O, which a recompute does; good enough for a benchmark.
    return c.json({ ...result, ms: performance.now() - started });
  });
