import { createRoute, z } from "@hono/zod-openapi";
import { requireAuth } from "../auth/require-auth";
import { bearerSecurity, jsonContent, problemResponses } from "../http/openapi";
import { AnalyticsParams, AnalyticsQuery, AnalyticsSchema } from "./analytics.schemas";

export const getAnalytics = createRoute({
  method: "get",
  path: "/api/v1/transaction/analytics/{user_id}",
  operationId: "getAnalytics",
  summary: "Average transaction value, busiest day and totals for the caller",
  description: "Over the caller's transactions of every status in one currency. Another user's id answers 403.",
  tags: ["Analytics"],
  security: bearerSecurity,
  middleware: requireAuth,
  request: { params: AnalyticsParams, query: AnalyticsQuery },
  responses: {
    200: {
      ...jsonContent(AnalyticsSchema, "The caller's analytics"),
      headers: z.object({ ETag: z.string().openapi({ example: '"5d41402abc4b2a76b9719d911017c592"' }) }),
    },
    304: { description: "Not modified (If-None-Match matched)" },
    ...problemResponses("unauthorized", "forbidden", "validation_failed"),
  },
});
