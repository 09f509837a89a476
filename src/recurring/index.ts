import { createRouter } from "../http/create-app";
import { listRecurringHandler } from "./recurring.handlers";
import { listRecurring } from "./recurring.routes";

// Mounted before the transactions router, whose GET /api/v1/transaction/{transaction_id} would take "recurring".
export const recurringRouter = createRouter().openapi(listRecurring, listRecurringHandler);
