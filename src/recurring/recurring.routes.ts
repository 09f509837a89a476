import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../auth/require-auth";
import { bearerSecurity, jsonContent, problemResponses } from "../http/openapi";
import { RecurringListSchema, RecurringQuerySchema } from "./recurring.schemas";

export const listRecurring = createRoute({
  method: "get",
  path: "/api/v1/transaction/recurring",
  operationId: "listRecurring",
  summary: "Subscriptions, bills and salaries detected in the caller's history",
  description:
    "Detected by the queue consumer after writes, in the caller's time_zone (rules in the README); this read only returns " +
    "what was stored, with `status` and `missed` judged as of today. Sorted by key.",
  tags: ["Transactions"],
  security: bearerSecurity,
  middleware: requireAuth,
  request: { query: RecurringQuerySchema },
  responses: {
    200: jsonContent(RecurringListSchema, "The caller's recurring streams"),
    ...problemResponses("unauthorized", "validation_failed"),
  },
});
