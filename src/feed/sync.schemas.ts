import { z } from "@hono/zod-openapi";
import { pageLimit } from "../lib/keyset";
import { signedCursorQuery } from "../lib/signed-cursor-query";
import { TzQuery } from "../lib/zone-schemas";
import { TransactionSchema } from "../transactions/transactions.schemas";

export const SyncQuerySchema = z.strictObject({
  cursor: signedCursorQuery("`next_cursor` from the previous call; omit (or leave empty) to start from the beginning"),
  limit: pageLimit(1000, 100).openapi({ example: 100, description: "Entries per page, added + modified + removed together" }),
  // The feed has no day-based figure; the zone is validated like everywhere else (an unknown one is a 422).
  tz: TzQuery,
});

export const RemovedSchema = z
  .object({
    id: z.string().openapi({ example: "txn_0k7m3q9x2c4v6b8n1p5r7t9w3y" }),
    deleted_at: z.string().openapi({ example: "2026-11-26T08:00:00.000Z" }),
  })
  .openapi("RemovedTransaction");

export const SyncPageSchema = z
  .object({
    added: z.array(TransactionSchema),
    modified: z.array(TransactionSchema),
    removed: z.array(RemovedSchema),
    next_cursor: z.string().openapi({ example: "42.3f1c9a0b7e2d4c6f8a1b3d5e7f9a0c2e4b6d8f0a1c3e5f7a9b0d2c4e6f8a0b1c" }),
    has_more: z.boolean().openapi({ example: false }),
  })
  .openapi("SyncPage");
