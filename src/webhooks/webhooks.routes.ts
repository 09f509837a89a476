import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../auth/require-auth";
import { bearerSecurity, jsonContent, problemResponses } from "../http/openapi";
import {
  CreateWebhookSchema,
  DeliveryIdParams,
  DeliveryPageSchema,
  PageQuerySchema,
  QueuedSchema,
  ReplaceWebhookSchema,
  WebhookDeletedSchema,
  WebhookIdParams,
  WebhookPageSchema,
  WebhookSchema,
  WebhookWithSecretSchema,
} from "./webhooks.schemas";

const common = { tags: ["Webhooks"], security: bearerSecurity, middleware: requireAuth };
const jsonBody = <T>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
const bodyErrors = ["bad_request", "payload_too_large", "unsupported_media_type", "validation_failed"] as const;
const SIGNING =
  'Each delivery is a POST of the event JSON with `FinAnalyze-Event-Id` and `FinAnalyze-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` ' +
  "(one v1 per active secret). At least once, in no particular order: deduplicate by event id. 10 s timeout; any non-2xx is a failure, " +
  "retried after about 1 min, 5 min, 30 min, 2 h, 6 h, 12 h and 24 h; an endpoint failing for 3 days straight is disabled.";

export const createWebhook = createRoute({
  ...common,
  method: "post",
  path: "/api/v1/webhooks",
  operationId: "createWebhook",
  summary: "Register a webhook endpoint",
  description: `${SIGNING} The answer carries the signing \`secret\`, shown only here.`,
  request: { body: jsonBody(CreateWebhookSchema) },
  responses: {
    201: jsonContent(WebhookWithSecretSchema, "The endpoint and its secret"),
    ...problemResponses("unauthorized", ...bodyErrors),
  },
});

export const listWebhooks = createRoute({
  ...common,
  method: "get",
  path: "/api/v1/webhooks",
  operationId: "listWebhooks",
  summary: "List the caller's webhook endpoints, newest first",
  request: { query: PageQuerySchema },
  responses: { 200: jsonContent(WebhookPageSchema, "A page of endpoints"), ...problemResponses("unauthorized", "validation_failed") },
});

export const getWebhook = createRoute({
  ...common,
  method: "get",
  path: "/api/v1/webhooks/{webhook_id}",
  operationId: "getWebhook",
  summary: "Read a webhook endpoint",
  request: { params: WebhookIdParams },
  responses: { 200: jsonContent(WebhookSchema, "The endpoint"), ...problemResponses("unauthorized", "not_found", "validation_failed") },
});

export const replaceWebhook = createRoute({
  ...common,
  method: "put",
  path: "/api/v1/webhooks/{webhook_id}",
  operationId: "replaceWebhook",
  summary: "Replace a webhook endpoint (url, events, description, status)",
  description: 'Setting `status` to "enabled" re-enables an endpoint that was disabled after failing.',
  request: { params: WebhookIdParams, body: jsonBody(ReplaceWebhookSchema) },
  responses: { 200: jsonContent(WebhookSchema, "The endpoint"), ...problemResponses("unauthorized", "not_found", ...bodyErrors) },
});

export const deleteWebhook = createRoute({
  ...common,
  method: "delete",
  path: "/api/v1/webhooks/{webhook_id}",
  operationId: "deleteWebhook",
  summary: "Delete a webhook endpoint",
  request: { params: WebhookIdParams },
  responses: { 200: jsonContent(WebhookDeletedSchema, "Deleted"), ...problemResponses("unauthorized", "not_found", "validation_failed") },
});

export const rotateWebhookSecret = createRoute({
  ...common,
  method: "post",
  path: "/api/v1/webhooks/{webhook_id}/rotate_secret",
  operationId: "rotateWebhookSecret",
  summary: "Issue a new signing secret (the old one keeps signing alongside for 24 h)",
  request: { params: WebhookIdParams },
  responses: {
    200: jsonContent(WebhookWithSecretSchema, "The endpoint and its new secret"),
    ...problemResponses("unauthorized", "not_found", "validation_failed"),
  },
});

export const testWebhook = createRoute({
  ...common,
  method: "post",
  path: "/api/v1/webhooks/{webhook_id}/test",
  operationId: "testWebhook",
  summary: "Send a webhook.ping event to this endpoint",
  request: { params: WebhookIdParams },
  responses: { 202: jsonContent(QueuedSchema, "Queued"), ...problemResponses("unauthorized", "not_found", "validation_failed") },
});

export const listDeliveries = createRoute({
  ...common,
  method: "get",
  path: "/api/v1/webhooks/{webhook_id}/deliveries",
  operationId: "listWebhookDeliveries",
  summary: "Delivery attempts to this endpoint, newest first",
  request: { params: WebhookIdParams, query: PageQuerySchema },
  responses: {
    200: jsonContent(DeliveryPageSchema, "A page of attempts"),
    ...problemResponses("unauthorized", "not_found", "validation_failed"),
  },
});

export const redeliver = createRoute({
  ...common,
  method: "post",
  path: "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
  operationId: "redeliverWebhookDelivery",
  summary: "Send that delivery's event to this endpoint again",
  request: { params: DeliveryIdParams },
  responses: { 202: jsonContent(QueuedSchema, "Queued"), ...problemResponses("unauthorized", "not_found", "validation_failed") },
});
