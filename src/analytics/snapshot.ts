import { sql } from "drizzle-orm";
import { runBatch } from "../db/batch";
import type { Database } from "../db/client";
import { analyticsUpdatedEvent } from "../events/analytics-event";
import { serializeSummary } from "./compute";
import { loadConsistent } from "./read";

/**
 * Recomputes a user's snapshot from the rollups and stores it with the counter value read in the same
 * batch. The conditional update means a snapshot never goes backwards, so redelivery is harmless.
 */
export async function recomputeSnapshot(db: Database, userId: string): Promise<{ version: number; stored: boolean }> {
  const { summary, version, categories } = await loadConsistent(db, userId);
  const computedAt = new Date().toISOString();
  // The analytics.updated event goes in the same batch, written only when the snapshot was stored.
  const [result] = await runBatch(db, [
    sql`
    UPDATE analytics_state SET snapshot = ${serializeSummary(summary)}, snapshot_version = ${version}, computed_at = ${computedAt}
    WHERE user_id = ${userId} AND (snapshot IS NULL OR snapshot_version < ${version})`,
    analyticsUpdatedEvent(userId, summary, categories, computedAt),
  ]);
  return { version, stored: (result?.meta.changes ?? 0) > 0 };
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
