import { and, eq, type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { webhookDeliveries, webhooks } from "../db/schema";
import { PING_EVENT } from "../events/events.service";
import { ApiError, validationError } from "../http/problem";
import { newId } from "../lib/ids";
import { keyset, toPage } from "../lib/keyset";
import { generateSecret } from "./signature";
import { checkWebhookUrl } from "./url-guard";

export type WebhookRow = typeof webhooks.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

/** After rotate_secret the old secret keeps signing this long. */
export const PREVIOUS_SECRET_MS = 24 * 60 * 60 * 1000;

export interface WebhookInput {
  url: string;
  events: string[];
  description?: string | null;
  status?: "enabled" | "disabled";
}

export function allowsLocalTargets(env: Env): boolean {
  return env.ENVIRONMENT === "development" || env.ENVIRONMENT === "test";
}

/** The URL as stored, or a 422 naming `url` when the SSRF guard refuses it. */
export function guardedUrl(env: Env, url: string): string {
  const check = checkWebhookUrl(url, { allowLocal: allowsLocalTargets(env) });
  if (!check.ok) throw validationError([{ path: "url", message: check.reason }]);
  return check.url;
}

export function toWebhook(row: WebhookRow) {
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as string[],
    description: row.description,
    status: row.status,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export function toDelivery(row: DeliveryRow) {
  return {
    id: row.id,
    event_id: row.eventId,
    attempt: row.attempt,
    attempted_at: row.attemptedAt,
    status_code: row.statusCode,
    error: row.error,
    duration_ms: row.durationMs,
    next_retry_at: row.nextRetryAt,
  };
}

const owned = (userId: string, id: string) => and(eq(webhooks.userId, userId), eq(webhooks.id, id)) as SQL;

/** The secrets that sign a delivery now: the current one, and the previous one during its 24 h. */
export function activeSecrets(row: WebhookRow, now = new Date()): string[] {
  const previous = row.previousSecret && row.previousSecretExpiresAt && row.previousSecretExpiresAt > now.toISOString();
  return previous && row.previousSecret ? [row.secret, row.previousSecret] : [row.secret];
}

export function subscribes(row: Pick<WebhookRow, "events">, type: string): boolean {
  const types = JSON.parse(row.events) as string[];
  return types.includes("*") || types.includes(type);
}

export async function createWebhook(db: Database, env: Env, userId: string, input: WebhookInput): Promise<WebhookRow> {
  const now = new Date().toISOString();
  const row: WebhookRow = {
    id: newId("wh"),
    userId,
    url: guardedUrl(env, input.url),
    events: JSON.stringify([...new Set(input.events)]),
    description: input.description ?? null,
    status: "enabled",
    secret: generateSecret(),
    previousSecret: null,
    previousSecretExpiresAt: null,
    failingSince: null,
    createdAt: now,
    updatedAt: now,
  };
  await db.insert(webhooks).values(row);
  return row;
}

export async function getWebhook(db: Database, userId: string, id: string): Promise<WebhookRow> {
  const row = await db.select().from(webhooks).where(owned(userId, id)).get();
  if (!row) throw new ApiError("not_found", "Webhook not found");
  return row;
}

export async function listWebhooks(db: Database, userId: string, limit: number, cursor?: string) {
  const page = keyset(webhooks.createdAt, webhooks.id, cursor);
  const rows = await db
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.userId, userId), page.after))
    .orderBy(...page.orderBy)
    .limit(limit + 1);
  return toPage(rows, limit, (row) => ({ date: row.createdAt, id: row.id }));
}

/**
 * PUT: replaces url, events, description and status; enabling again clears the failure run.
 * One guarded UPDATE … RETURNING (no read first): no row back is a 404.
 */
export async function replaceWebhook(db: Database, env: Env, userId: string, id: string, input: Required<WebhookInput>) {
  const [row] = await db
    .update(webhooks)
    .set({
      url: guardedUrl(env, input.url),
      events: JSON.stringify([...new Set(input.events)]),
      description: input.description,
      status: input.status,
      ...(input.status === "enabled" ? { failingSince: null } : {}),
      updatedAt: new Date().toISOString(),
    })
    .where(owned(userId, id))
    .returning();
  if (!row) throw new ApiError("not_found", "Webhook not found");
  return row;
}

export async function deleteWebhook(db: Database, userId: string, id: string): Promise<void> {
  // RETURNING, not meta.changes: D1 counts the rows the cascade removes from webhook_deliveries too.
  const [deleted] = await db.delete(webhooks).where(owned(userId, id)).returning({ id: webhooks.id });
  if (!deleted) throw new ApiError("not_found", "Webhook not found");
}

/** The current secret becomes the previous one (SQLite's SET reads the row as it was) in one UPDATE … RETURNING. */
export async function rotateSecret(db: Database, userId: string, id: string): Promise<WebhookRow> {
  const now = new Date();
  const [row] = await db
    .update(webhooks)
    .set({
      secret: generateSecret(),
      previousSecret: sql`${webhooks.secret}`,
      previousSecretExpiresAt: new Date(now.getTime() + PREVIOUS_SECRET_MS).toISOString(),
      updatedAt: now.toISOString(),
    })
    .where(owned(userId, id))
    .returning();
  if (!row) throw new ApiError("not_found", "Webhook not found");
  return row;
}

/** The endpoint's existence (a 404) and the page are read in one batch. */
export async function listDeliveries(db: Database, userId: string, webhookId: string, limit: number, cursor?: string) {
  const page = keyset(webhookDeliveries.attemptedAt, webhookDeliveries.id, cursor);
  const [hook, rows] = await db.batch([
    db.select({ id: webhooks.id }).from(webhooks).where(owned(userId, webhookId)),
    db
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.webhookId, webhookId), eq(webhookDeliveries.userId, userId), page.after))
      .orderBy(...page.orderBy)
      .limit(limit + 1),
  ]);
  if (hook.length === 0) throw new ApiError("not_found", "Webhook not found");
  return toPage(rows, limit, (row) => ({ date: row.attemptedAt, id: row.id }));
}

/**
 * Stores a webhook.ping event for the caller's endpoint `webhookId`, built from the endpoint's row in the
 * same INSERT … SELECT (no read first): nothing inserted is a 404. Returns the event's id.
 */
export async function storePing(db: Database, userId: string, webhookId: string): Promise<string> {
  const id = newId("evt");
  const now = new Date().toISOString();
  const inserted = await db.all<{ id: string }>(sql`
    INSERT INTO events (id, user_id, type, object, created_at, enqueued_at)
    SELECT ${id}, user_id, ${PING_EVENT}, json_object('webhook_id', id, 'url', url), ${now}, ${now}
    FROM webhooks WHERE user_id = ${userId} AND id = ${webhookId}
    RETURNING id`);
  if (inserted.length === 0) throw new ApiError("not_found", "Webhook not found");
  return id;
}

export async function getDelivery(db: Database, userId: string, webhookId: string, deliveryId: string): Promise<DeliveryRow> {
  const row = await db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.webhookId, webhookId), eq(webhookDeliveries.userId, userId)))
    .get();
  if (!row) throw new ApiError("not_found", "Delivery not found");
  return row;
}
