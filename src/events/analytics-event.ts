import { type SQL, sql } from "drizzle-orm";
import { buildAnalytics, type Summary } from "../analytics/compute";
import type { CategoryInfo } from "../analytics/labels";
import { SQL_EVENT_ID } from "../feed/feed-statements";

/**
 * The analytics.updated event, for the batch that stores a newer snapshot: written only when the
 * statement just before it (the conditional snapshot UPDATE) changed a row, so an older or equal
 * snapshot produces no event. Its object is the analytics answer for that snapshot.
 */
export function analyticsUpdatedEvent(userId: string, summary: Summary, categories: CategoryInfo[], computedAt: string): SQL {
  const answer = { user_id: userId, ...buildAnalytics(summary, undefined, categories), computed_at: computedAt, stale: false };
  return sql`INSERT INTO events (id, user_id, type, object, created_at, enqueued_at)
    SELECT ${SQL_EVENT_ID}, ${userId}, 'analytics.updated', ${JSON.stringify(answer)}, ${computedAt},
      CASE WHEN EXISTS (SELECT 1 FROM webhooks WHERE user_id = ${userId} AND status = 'enabled') THEN NULL ELSE ${computedAt} END
    WHERE changes() > 0`;
}
