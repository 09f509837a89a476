import { createRoute, z } from "@hono/zod-openapi";
import { requireAuth } from "../auth/require-auth";
import { idempotent } from "../lib/idempotency";
import { bearerSecurity, jsonContent, problemResponses } from "../lib/openapi";
import {
  BulkQuerySchema,
  BulkRequestSchema,
  BulkResultSchema,
  CreateQuerySchema,
  ExportQuerySchema,
  ImportQuerySchema,
  ImportResultSchema,
} from "./ingest.schemas";
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
/** Writes also accept Idempotency-Key. */
const write = { ...common, middleware: [requireAuth, idempotent] };
const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .optional()
    // No example: Swagger UI would pre-fill it, and every "Try it out" would replay the first answer.
    .openapi({ description: "1-255 printable characters, e.g. a UUID; the first completed response is replayed for 24 h" }),
});
const ETagHeader = z.object({ ETag: z.string().openapi({ example: '"9f86d081884c7d659a2feaa0"' }) });
const jsonBody = <T>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
const bodyErrors = ["bad_request", "payload_too_large", "unsupported_media_type", "validation_failed"] as const;

export const createTransaction = createRoute({
  ...write,
  method: "post",
  path: "/api/v1/transaction/create",
  operationId: "createTransaction",
  summary: "Record a transaction",
  request: { query: CreateQuerySchema, headers: IdempotencyHeaders, body: jsonBody(CreateTransactionSchema) },
  responses: {
    201: {
      ...jsonContent(TransactionSchema, "The stored transaction"),
      headers: ETagHeader.extend({ Location: z.string().openapi({ example: "/api/v1/transaction/txn_0k7m3q9x2c4v6b8n1p5r7t9w3y" }) }),
    },
    ...problemResponses("unauthorized", "conflict", ...bodyErrors),
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
  request: {
    params: TransactionIdParams,
    headers: z.object({
      "if-none-match": z.string().optional().openapi({ description: "An ETag from an earlier read; 304 if unchanged" }),
    }),
  },
  responses: {
    200: { ...jsonContent(TransactionSchema, "The transaction"), headers: ETagHeader },
    304: { description: "Not modified (If-None-Match matched)" },
    ...problemResponses("unauthorized", "not_found", "validation_failed"),
  },
});

export const updateTransaction = createRoute({
  ...write,
  method: "put",
  path: "/api/v1/transaction/update/{transaction_id}",
  operationId: "updateTransaction",
  summary: "Change any non-empty subset of a transaction's writable fields",
  description: "Send `If-Match` with the ETag you read for optimistic concurrency: a changed record answers 412.",
  request: {
    params: TransactionIdParams,
    headers: IdempotencyHeaders.extend({ "if-match": z.string().optional().openapi({ example: '"9f86d081884c7d659a2feaa0"' }) }),
    body: jsonBody(UpdateTransactionSchema),
  },
  responses: {
    200: { ...jsonContent(TransactionSchema, "The updated transaction"), headers: ETagHeader },
    ...problemResponses("unauthorized", "not_found", "conflict", "precondition_failed", ...bodyErrors),
  },
});

export const deleteTransaction = createRoute({
  ...write,
  method: "delete",
  path: "/api/v1/transaction/delete/{transaction_id}",
  operationId: "deleteTransaction",
  summary: "Delete a transaction",
  request: { params: TransactionIdParams, headers: IdempotencyHeaders },
  responses: {
    200: jsonContent(DeletedSchema, "Deleted"),
    ...problemResponses("unauthorized", "not_found", "validation_failed"),
  },
});

export const bulkCreateTransactions = createRoute({
  ...write,
  method: "post",
  path: "/api/v1/transaction/bulk",
  operationId: "bulkCreateTransactions",
  summary: "Create up to 1,000 transactions in one request",
  description:
    "`atomic=true` (default) stores all or none: any invalid item answers 422 naming `transactions.<index>.<field>`. " +
    "`atomic=false` stores the valid items and reports each one. Items whose `external_id` you already used are reported as duplicates and not stored again.",
  request: { query: BulkQuerySchema, headers: IdempotencyHeaders, body: jsonBody(BulkRequestSchema) },
  responses: {
    201: jsonContent(BulkResultSchema, "At least one transaction was stored"),
    200: jsonContent(BulkResultSchema, "Nothing new was stored (all duplicates or invalid)"),
    ...problemResponses("unauthorized", "conflict", ...bodyErrors),
  },
});

export const importTransactions = createRoute({
  ...write,
  method: "post",
  path: "/api/v1/transaction/import",
  operationId: "importTransactions",
  summary: "Import transactions from CSV",
  description:
    "A header row names the columns like the record's fields (the export's format is accepted unchanged; read-only columns such as " +
    "`id` and `created_at` are ignored, and `id` is used as `external_id` when that column is empty, so re-importing is safe). Up to 10 MB. " +
    "`dry_run=true` only validates.",
  request: {
    query: ImportQuerySchema,
    headers: IdempotencyHeaders,
    body: {
      required: true,
      content: {
        "text/csv": {
          schema: z.string().openapi({
            example: "transaction_date,transaction_amount,transaction_type,currency,description\n2026-11-25,125.50,debit,USD,Groceries\n",
          }),
        },
      },
    },
  },
  responses: {
    201: jsonContent(ImportResultSchema, "Rows were added"),
    200: jsonContent(ImportResultSchema, "Nothing was added (dry run, duplicates or errors only)"),
    ...problemResponses("unauthorized", "conflict", ...bodyErrors),
  },
});

export const exportTransactions = createRoute({
  ...common,
  method: "get",
  path: "/api/v1/transaction/export",
  operationId: "exportTransactions",
  summary: "Export transactions as CSV (streamed)",
  description: "Takes the list's filters. Streams every matching transaction, newest first, in constant memory.",
  request: { query: ExportQuerySchema },
  responses: {
    200: {
      description: "CSV with a header row",
      content: {
        "text/csv": {
          schema: z.string().openapi({
            example:
              "id,transaction_date,transaction_amount,transaction_type,currency,status,description,external_id,created_at,updated_at\r\n" +
              "txn_0k7m3q9x2c4v6b8n1p5r7t9w3y,2026-11-25T00:00:00.000Z,125.50,debit,USD,success,Groceries,,2026-11-25T10:30:00.000Z,2026-11-25T10:30:00.000Z\r\n",
          }),
        },
      },
    },
    ...problemResponses("unauthorized", "validation_failed"),
  },
});
