import { sql } from "drizzle-orm";
import { runBatch } from "../db/batch";
import type { Database } from "../db/client";
import { analyticsUpdatedEvent } from "../events/analytics-event";
import { serializeSummary } from "./compute";
import { loadConsistent, profileZoneQuery } from "./read";

const MAX_ATTEMPTS = 3;

/**
 * Recomputes a user's snapshot in their profile zone from the rollups and stores it with the counter value
 * and zone read in the same batch. A zone change bumps the counter in the batch that changes the zone, so
 * the conditional update never stores an older view, and redelivery is harmless. The analytics.updated
 * event goes in the same batch, written only when the snapshot was stored.
 */
export async function recomputeSnapshot(db: Database, userId: string): Promise<{ version: number; stored: boolean }> {
  let zone = (await db.get<{ time_zone: string } | undefined>(profileZoneQuery(userId)))?.time_zone;
  for (let attempt = 0; zone !== undefined && attempt < MAX_ATTEMPTS; attempt++) {
    const { summary, version, profileZone, categories } = await loadConsistent(db, userId, zone);
    if (profileZone !== zone) {
      zone = profileZone ?? undefined; // changed meanwhile: compute in the new zone
      continue;
    }
    const computedAt = new Date().toISOString();
    const [result] = await runBatch(db, [
      sql`
      UPDATE analytics_state SET snapshot = ${serializeSummary(summary)}, snapshot_version = ${version}, snapshot_zone = ${zone},
        computed_at = ${computedAt}
      WHERE user_id = ${userId} AND (snapshot IS NULL OR snapshot_version < ${version})`,
      analyticsUpdatedEvent(userId, summary, categories, computedAt),
    ]);
    return { version, stored: (result?.meta.changes ?? 0) > 0 };
  }
  return { version: 0, stored: false };
}

/** Whether the stored snapshot already covers `version` (then a message for it needs no work). */
export async function snapshotCovers(db: Database, userId: string, version: number): Promise<boolean> {
  const row = await db.get<{ snapshot_version: number; has_snapshot: number } | undefined>(
    sql`SELECT snapshot_version, snapshot IS NOT NULL AS has_snapshot FROM analytics_state WHERE user_id = ${userId}`,
  );
  return row === undefined || (row.has_snapshot === 1 && row.snapshot_version >= version);
}

/** Users whose snapshot is behind their counter, for the cron sweep (uses the partial index). */
export async function usersBehind(db: Database, limit: number): Promise<string[]> {
  const rows = await db.all<{ user_id: string }>(sql`SELECT user_id FROM analytics_state WHERE snapshot_version < version LIMIT ${limit}`);
  return rows.map((r) => r.user_id);
}
