import { createRouter } from "../http/create-app";
import * as handlers from "./transactions.handlers";
import * as routes from "./transactions.routes";

// Literal paths (/all, /create, /bulk, /import, /export) are registered before /{transaction_id} so they win.
export const transactionsRouter = createRouter()
  .openapi(routes.createTransaction, handlers.createTransaction)
  .openapi(routes.bulkCreateTransactions, handlers.bulkCreateTransactions)
  .openapi(routes.importTransactions, handlers.importTransactions)
  .openapi(routes.exportTransactions, handlers.exportTransactions)
  .openapi(routes.listTransactions, handlers.listTransactions)
  .openapi(routes.getTransaction, handlers.getTransaction)
  .openapi(routes.updateTransaction, handlers.updateTransaction)
  .openapi(routes.deleteTransaction, handlers.deleteTransaction);
