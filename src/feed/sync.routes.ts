import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../auth/require-auth";
import { bearerSecurity, jsonContent, problemResponses } from "../http/openapi";
import { SyncPageSchema, SyncQuerySchema } from "./sync.schemas";

export const syncTransactions = createRoute({
  tags: ["Sync"],
  security: bearerSecurity,
  middleware: requireAuth,
  method: "get",
  path: "/api/v1/transaction/sync",
  operationId: "syncTransactions",
  summary: "What changed since your cursor: added, modified and removed transactions",
  description:
    "Without `cursor` every current transaction is `added`. Call again with `next_cursor` while `has_more` is true; when it is false, " +
    "keep `next_cursor` and call later for what changed since. Relative to the cursor a transaction created later is in `added` " +
    "(latest state), one that existed and changed is in `modified` (once), one that existed and was deleted is in `removed`; one " +
    "created and deleted since appears nowhere. Cursors are signed and bound to you (anything else is a 400); deletions are kept " +
    "at least 30 days, and an older cursor answers 410: start over without a cursor.",
  request: { query: SyncQuerySchema },
  responses: {
    200: jsonContent(SyncPageSchema, "A page of changes"),
    ...problemResponses("bad_request", "unauthorized", "gone", "validation_failed"),
  },
});
