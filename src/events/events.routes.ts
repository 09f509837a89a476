import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../auth/require-auth";
import { bearerSecurity, jsonContent, problemResponses } from "../http/openapi";
import { EventListQuerySchema, EventPageSchema } from "./events.schemas";

export const listEvents = createRoute({
  tags: ["Events"],
  security: bearerSecurity,
  middleware: requireAuth,
  method: "get",
  path: "/api/v1/events",
  operationId: "listEvents",
  summary: "List the caller's events, oldest first (kept at least 30 days)",
  description:
    "One event per change: transaction.created, transaction.updated, transaction.deleted (bulk and import included), and analytics.updated " +
    "when a newer analytics snapshot is stored. Events are written in the same database batch as the change (an outbox).",
  request: { query: EventListQuerySchema },
  responses: {
    200: jsonContent(EventPageSchema, "A page of events"),
    ...problemResponses("bad_request", "unauthorized", "validation_failed"),
  },
});
