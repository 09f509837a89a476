import { z } from "@hono/zod-openapi";
import { EVENT_TYPES } from "../events/events.service";
import { pageLimit } from "../lib/keyset";

const EventTypeOrAll = z.enum([...EVENT_TYPES, "*"]).openapi({ example: "transaction.created" });

const fields = {
  url: z.string().max(2048).openapi({
    example: "https://hooks.example.com/finanalyze",
    description: "https with a public host name, port 443, no credentials (local runs also allow http://localhost and http://127.0.0.1)",
  }),
  events: z
    .array(EventTypeOrAll)
    .min(1)
    .max(10)
    .openapi({ example: ["transaction.created", "transaction.deleted"], description: 'Event types, or ["*"] for all' }),
  description: z.string().max(500).nullable().openapi({ example: "Budget app sync" }),
  status: z.enum(["enabled", "disabled"]).openapi({ example: "enabled" }),
};

export const CreateWebhookSchema = z
  .strictObject({ url: fields.url, events: fields.events, description: fields.description.optional() })
  .openapi("CreateWebhook", {
    example: { url: "https://hooks.example.com/finanalyze", events: ["*"], description: "Budget app sync" },
  });

export const ReplaceWebhookSchema = z
  .strictObject({ url: fields.url, events: fields.events, description: fields.description.optional(), status: fields.status })
  .openapi("ReplaceWebhook", {
    example: { url: "https://hooks.example.com/finanalyze", events: ["*"], description: "Budget app sync", status: "enabled" },
  });

export const WebhookSchema = z
  .object({
    id: z.string().openapi({ example: "wh_7c2k9m4p1q8r3t6v0w5x2y7z1a" }),
    url: fields.url,
    events: z.array(z.string()).openapi({ example: ["*"] }),
    description: fields.description,
    status: fields.status.openapi({ description: '"disabled" after 3 days of failing deliveries; PUT status "enabled" to resume' }),
    created_at: z.string().openapi({ example: "2026-11-25T10:30:00.000Z" }),
    updated_at: z.string().openapi({ example: "2026-11-25T10:30:00.000Z" }),
  })
  .openapi("Webhook");

export const WebhookWithSecretSchema = WebhookSchema.extend({
  secret: z.string().openapi({
    example: "whsec_q2w3e4r5t6y7u8i9o0p1a2s3d4f5g6h7j8k9l0z1x2c",
    description: "Signing secret; shown only in this answer",
  }),
}).openapi("WebhookWithSecret");

export const WebhookPageSchema = z
  .object({ data: z.array(WebhookSchema), has_more: z.boolean(), next_cursor: z.string().nullable().openapi({ example: null }) })
  .openapi("WebhookPage");

export const DeliverySchema = z
  .object({
    id: z.string().openapi({ example: "dlv_1b3d5f7h9k2m4p6r8t0v2x4z6a" }),
    event_id: z.string().openapi({ example: "evt_3f1c9a0b7e2d4c6f8a1b3d5e7f9a0c2e" }),
    attempt: z.number().int().openapi({ example: 2 }),
    attempted_at: z.string().openapi({ example: "2026-11-25T10:31:00.000Z" }),
    status_code: z.number().int().nullable().openapi({ example: 503, description: "null on a network error or timeout" }),
    error: z.string().nullable().openapi({ example: "HTTP 503" }),
    duration_ms: z.number().int().openapi({ example: 120 }),
    next_retry_at: z.string().nullable().openapi({ example: "2026-11-25T10:36:00.000Z" }),
  })
  .openapi("WebhookDelivery");

export const DeliveryPageSchema = z
  .object({ data: z.array(DeliverySchema), has_more: z.boolean(), next_cursor: z.string().nullable().openapi({ example: null }) })
  .openapi("WebhookDeliveryPage");

export const QueuedSchema = z
  .object({ queued: z.literal(true), event_id: z.string().openapi({ example: "evt_3f1c9a0b7e2d4c6f8a1b3d5e7f9a0c2e" }) })
  .openapi("DeliveryQueued");

export const WebhookDeletedSchema = z
  .object({ message: z.literal("success"), id: z.string().openapi({ example: "wh_7c2k9m4p1q8r3t6v0w5x2y7z1a" }) })
  .openapi("WebhookDeleted");

const idParam = (name: string, example: string) =>
  z
    .string()
    .max(64)
    .openapi({ param: { name, in: "path" }, example });

export const WebhookIdParams = z.object({ webhook_id: idParam("webhook_id", "wh_7c2k9m4p1q8r3t6v0w5x2y7z1a") });
export const DeliveryIdParams = WebhookIdParams.extend({ delivery_id: idParam("delivery_id", "dlv_1b3d5f7h9k2m4p6r8t0v2x4z6a") });

export const PageQuerySchema = z.strictObject({
  limit: pageLimit(100, 20).openapi({ example: 20 }),
  cursor: z.string().max(200).optional().openapi({ description: "next_cursor from the previous page" }),
});
