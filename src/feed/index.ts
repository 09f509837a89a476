import { createRouter } from "../http/create-app";
import { syncTransactionsHandler } from "./sync.handlers";
import { syncTransactions } from "./sync.routes";

// Mounted before the transactions router, whose /api/v1/transaction/{transaction_id} would otherwise take "sync".
export const syncRouter = createRouter().openapi(syncTransactions, syncTransactionsHandler);
