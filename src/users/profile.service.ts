import { eq } from "drizzle-orm";
import { bumpVersion, versionFrom } from "../analytics/analytics.service";
import { type AuditContext, auditInsert } from "../audit/audit.service";
import { runBatch } from "../db/batch";
import type { Database } from "../db/client";
import { users } from "../db/schema";
import type { AuthUser } from "../lib/context";
import type { UpdateProfileInput } from "./profile.schemas";

export interface ProfileUpdate {
  user: AuthUser;
  /** The analytics counter after a zone change (0: the zone did not change, nothing to recompute). */
  analyticsVersion: number;
}

/**
 * Applies a profile change. A new time zone changes every local day, so the same batch bumps the analytics
 * counter: the stored snapshot is then behind (reads answer from the rollups in the new zone) until the
 * queue consumer recomputes it, together with the recurring streams.
 */
export async function updateProfile(
  db: Database,
  current: AuthUser,
  patch: UpdateProfileInput,
  audit: AuditContext,
): Promise<ProfileUpdate> {
  const next: AuthUser = {
    ...current,
    fullName: patch.full_name ?? current.fullName,
    email: patch.email === undefined ? current.email : patch.email,
    timeZone: patch.time_zone ?? current.timeZone,
    weekStart: patch.week_start ?? current.weekStart,
  };
  const zoneChanged = next.timeZone !== current.timeZone;
  const statements: Parameters<typeof runBatch>[1] = [
    db
      .update(users)
      .set({
        fullName: next.fullName,
        email: next.email,
        timeZone: next.timeZone,
        weekStart: next.weekStart,
        updatedAt: new Date().toISOString(),
      })
      .where(eq(users.id, current.id)),
    auditInsert(audit, {
      userId: current.id,
      action: "user.profile_update",
      details: { fields: Object.keys(patch), ...(zoneChanged ? { time_zone: { before: current.timeZone, after: next.timeZone } } : {}) },
    }),
  ];
  if (zoneChanged) statements.push(bumpVersion(current.id));
  const results = await runBatch(db, statements);
  return { user: next, analyticsVersion: zoneChanged ? versionFrom(results.at(-1)) : 0 };
}
