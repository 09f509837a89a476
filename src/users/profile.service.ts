import { sql } from "drizzle-orm";
import { type AuditContext, auditInsert } from "../audit/audit";
import type { AuthUser } from "../auth/users";
import { runBatch } from "../db/batch";
import type { Database } from "../db/client";
import type { UpdateProfileInput } from "./profile.schemas";

export interface ProfileUpdate {
  user: Omit<AuthUser, "tokenVersion">;
  /** The analytics counter after a zone change (0: the zone did not change, nothing to recompute). */
  analyticsVersion: number;
}

/**
 * Applies a profile change in one batch (one round trip with the token check): the fields the patch
 * names, the audit entry, and, when the time zone changes, the analytics counter bump that puts the stored
 * snapshot behind (reads answer from the rollups in the new zone) until the queue consumer recomputes it
 * together with the recurring streams. Statements that compare with the old zone run before the update.
 */
export async function updateProfile(db: Database, userId: string, patch: UpdateProfileInput, audit: AuditContext): Promise<ProfileUpdate> {
  const zone = patch.time_zone ?? null;
  const zoneChanges = sql`${zone} IS NOT NULL AND ${zone} IS NOT (SELECT time_zone FROM users WHERE id = ${userId})`;
  const hasEmail = patch.email !== undefined;
  const [, bump, updated] = await runBatch(db, [
    auditInsert(audit, { userId, action: "user.profile_update", details: { fields: Object.keys(patch), time_zone: zone } }),
    sql`INSERT INTO analytics_state (user_id, version) SELECT ${userId}, 1 WHERE ${zoneChanges}
      ON CONFLICT (user_id) DO UPDATE SET version = version + 1 RETURNING version`,
    sql`UPDATE users SET full_name = COALESCE(${patch.full_name ?? null}, full_name),
        email = CASE WHEN ${hasEmail ? 1 : 0} = 1 THEN ${patch.email ?? null} ELSE email END,
        time_zone = COALESCE(${zone}, time_zone), week_start = COALESCE(${patch.week_start ?? null}, week_start),
        updated_at = ${new Date().toISOString()}
      WHERE id = ${userId}
      RETURNING id, username, full_name AS fullName, email, time_zone AS timeZone, week_start AS weekStart, created_at AS createdAt`,
  ]);
  const user = updated?.results[0] as ProfileUpdate["user"];
  const version = (bump?.results[0] as { version?: number } | undefined)?.version ?? 0;
  return { user, analyticsVersion: version };
}
