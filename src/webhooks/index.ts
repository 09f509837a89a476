import { createRouter } from "../http/create-app";
import * as handlers from "./webhooks.handlers";
import * as routes from "./webhooks.routes";

export const webhooksRouter = createRouter()
  .openapi(routes.createWebhook, handlers.createWebhook)
  .openapi(routes.listWebhooks, handlers.listWebhooks)
  .openapi(routes.getWebhook, handlers.getWebhook)
  .openapi(routes.replaceWebhook, handlers.replaceWebhook)
  .openapi(routes.deleteWebhook, handlers.deleteWebhook)
  .openapi(routes.rotateWebhookSecret, handlers.rotateWebhookSecret)
  .openapi(routes.testWebhook, handlers.testWebhook)
  .openapi(routes.listDeliveries, handlers.listDeliveries)
  .openapi(routes.redeliver, handlers.redeliver);
