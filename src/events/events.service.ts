import { and, asc, eq, gt, type SQL } from "drizzle-orm";
import type { AuthUser } from "../auth/users";
import type { Database } from "../db/client";
import { events, users } from "../db/schema";
import { type TransactionRow, toRecord } from "../transactions/transactions.service";

export const EVENT_TYPES = ["transaction.created", "transaction.updated", "transaction.deleted", "analytics.updated"] as const;
export type EventType = (typeof EVENT_TYPES)[number];
export const PING_EVENT = "webhook.ping";

export type EventRow = typeof events.$inferSelect;
type Owner = Pick<AuthUser, "fullName">;

/** The public event: `{id, type, created, user_id, data: {object}}`; transaction rows become the record. */
export function renderEvent(row: EventRow, owner: Owner) {
  const stored = JSON.parse(row.object) as unknown;
  const isRow = row.type === "transaction.created" || row.type === "transaction.updated";
  const object = isRow ? toRecord(stored as TransactionRow, owner as AuthUser) : stored;
  return { id: row.id, type: row.type, created: row.createdAt, user_id: row.userId, data: { object } };
}

export type RenderedEvent = ReturnType<typeof renderEvent>;

/** The caller's events after their stream position `after`, oldest first. */
export async function listEvents(db: Database, userId: string, after: number, limit: number, type?: string) {
  const conditions: SQL[] = [eq(events.userId, userId), gt(events.seq, after)];
  if (type) conditions.push(eq(events.type, type));
  const rows = await db
    .select()
    .from(events)
    .where(and(...conditions))
    .orderBy(asc(events.seq))
    .limit(limit + 1);
  return { rows: rows.slice(0, limit), hasMore: rows.length > limit };
}

export async function ownerOf(db: Database, userId: string): Promise<Owner> {
  const row = await db.select({ fullName: users.fullName }).from(users).where(eq(users.id, userId)).get();
  return { fullName: row?.fullName ?? "" };
}
