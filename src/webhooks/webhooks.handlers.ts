import type { AppRouteHandler } from "../http/context";
import { sendDeliveries } from "./outbox";
import type * as routes from "./webhooks.routes";
import * as service from "./webhooks.service";

const withSecret = (row: service.WebhookRow) => ({ ...service.toWebhook(row), secret: row.secret });

export const createWebhook: AppRouteHandler<typeof routes.createWebhook> = async (c) => {
  const row = await service.createWebhook(c.var.db, c.env, c.get("user").id, c.req.valid("json"));
  c.header("location", `/api/v1/webhooks/${row.id}`);
  return c.json(withSecret(row), 201);
};

export const listWebhooks: AppRouteHandler<typeof routes.listWebhooks> = async (c) => {
  const { limit, cursor } = c.req.valid("query");
  const page = await service.listWebhooks(c.var.db, c.get("user").id, limit, cursor);
  return c.json({ data: page.rows.map(service.toWebhook), has_more: page.hasMore, next_cursor: page.nextCursor }, 200);
};

export const getWebhook: AppRouteHandler<typeof routes.getWebhook> = async (c) => {
  const row = await service.getWebhook(c.var.db, c.get("user").id, c.req.valid("param").webhook_id);
  return c.json(service.toWebhook(row), 200);
};

export const replaceWebhook: AppRouteHandler<typeof routes.replaceWebhook> = async (c) => {
  const body = c.req.valid("json");
  const row = await service.replaceWebhook(c.var.db, c.env, c.get("user").id, c.req.valid("param").webhook_id, {
    ...body,
    description: body.description ?? null,
  });
  return c.json(service.toWebhook(row), 200);
};

export const deleteWebhook: AppRouteHandler<typeof routes.deleteWebhook> = async (c) => {
  const id = c.req.valid("param").webhook_id;
  await service.deleteWebhook(c.var.db, c.get("user").id, id);
  return c.json({ message: "success" as const, id }, 200);
};

export const rotateWebhookSecret: AppRouteHandler<typeof routes.rotateWebhookSecret> = async (c) => {
  const row = await service.rotateSecret(c.var.db, c.get("user").id, c.req.valid("param").webhook_id);
  return c.json(withSecret(row), 200);
};

/** A webhook.ping event, stored (so its deliveries can be listed and redelivered) and sent to this endpoint only. */
export const testWebhook: AppRouteHandler<typeof routes.testWebhook> = async (c) => {
  const webhookId = c.req.valid("param").webhook_id;
  const id = await service.storePing(c.var.db, c.get("user").id, webhookId);
  await sendDeliveries(c.env, [{ event_id: id, webhook_id: webhookId, user_id: c.get("user").id }]);
  return c.json({ queued: true as const, event_id: id }, 202);
};

export const listDeliveries: AppRouteHandler<typeof routes.listDeliveries> = async (c) => {
  const { limit, cursor } = c.req.valid("query");
  const page = await service.listDeliveries(c.var.db, c.get("user").id, c.req.valid("param").webhook_id, limit, cursor);
  return c.json({ data: page.rows.map(service.toDelivery), has_more: page.hasMore, next_cursor: page.nextCursor }, 200);
};

export const redeliver: AppRouteHandler<typeof routes.redeliver> = async (c) => {
  const db = c.var.db;
  const { webhook_id: webhookId, delivery_id: deliveryId } = c.req.valid("param");
  const delivery = await service.getDelivery(db, c.get("user").id, webhookId, deliveryId);
  await sendDeliveries(c.env, [{ event_id: delivery.eventId, webhook_id: webhookId, user_id: c.get("user").id }]);
  return c.json({ queued: true as const, event_id: delivery.eventId }, 202);
};
