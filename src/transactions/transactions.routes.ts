import { createRoute, z } from "@hono/zod-openapi";
import { requireAuth } from "../auth/require-auth";
import { bearerSecurity, jsonContent, problemResponses } from "../lib/openapi";
import {
  CreateTransactionSchema,
  DeletedSchema,
  ListQuerySchema,
  TransactionIdParams,
  TransactionPageSchema,
  TransactionSchema,
  UpdateTransactionSchema,
} from "./transactions.schemas";

const tags = ["Transactions"];
const common = { tags, security: bearerSecurity, middleware: requireAuth };
const jsonBody = <T>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
const bodyErrors = ["bad_request", "payload_too_large", "unsupported_media_type", "validation_failed"] as const;

export const createTransaction = createRoute({
  ...common,
  method: "post",
  path: "/api/v1/transaction/create",
  operationId: "createTransaction",
  summary: "Record a transaction",
  request: { body: jsonBody(CreateTransactionSchema) },
  responses: {
    201: {
      ...jsonContent(TransactionSchema, "The stored transaction"),
      headers: z.object({ Location: z.string().openapi({ example: "/api/v1/transaction/txn_0k7m3q9x2c4v6b8n1p5r7t9w3y" }) }),
    },
    ...problemResponses("unauthorized", ...bodyErrors),
  },
});

export const listTransactions = createRoute({
  ...common,
  method: "get",
  path: "/api/v1/transaction/all",
  operationId: "listTransactions",
  summary: "List the caller's transactions, newest first",
  description: "Keyset-paginated by (transaction_date, id) descending: pass `next_cursor` back as `cursor`.",
  request: { query: ListQuerySchema },
  responses: {
    200: jsonContent(TransactionPageSchema, "A page of transactions"),
    ...problemResponses("unauthorized", "validation_failed"),
  },
});

export const getTransaction = createRoute({
  ...common,
  method: "get",
  path: "/api/v1/transaction/{transaction_id}",
  operationId: "getTransaction",
  summary: "Read one transaction",
  request: { params: TransactionIdParams },
  responses: {
    200: jsonContent(TransactionSchema, "The transaction"),
    ...problemResponses("unauthorized", "not_found", "validation_failed"),
  },
});

export const updateTransaction = createRoute({
  ...common,
  method: "put",
  path: "/api/v1/transaction/update/{transaction_id}",
  operationId: "updateTransaction",
  summary: "Change any non-empty subset of a transaction's writable fields",
  request: { params: TransactionIdParams, body: jsonBody(UpdateTransactionSchema) },
  responses: {
    200: jsonContent(TransactionSchema, "The updated transaction"),
    ...problemResponses("unauthorized", "not_found", "conflict", ...bodyErrors),
  },
});

export const deleteTransaction = createRoute({
  ...common,
  method: "delete",
  path: "/api/v1/transaction/delete/{transaction_id}",
  operationId: "deleteTransaction",
  summary: "Delete a transaction",
  request: { params: TransactionIdParams },
  responses: {
    200: jsonContent(DeletedSchema, "Deleted"),
    ...problemResponses("unauthorized", "not_found", "validation_failed"),
  },
});
