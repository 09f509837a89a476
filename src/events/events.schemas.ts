import { z } from "@hono/zod-openapi";
import { pageLimit } from "../lib/keyset";
import { signedCursorQuery } from "../lib/signed-cursor-query";
import { TransactionSchema } from "../transactions/transactions.schemas";
import { EVENT_TYPES, PING_EVENT } from "./events.service";

export const EventSchema = z
  .object({
    id: z.string().openapi({ example: "evt_3f1c9a0b7e2d4c6f8a1b3d5e7f9a0c2e" }),
    type: z.string().openapi({ example: "transaction.created", description: `One of ${[...EVENT_TYPES, PING_EVENT].join(", ")}` }),
    created: z.string().openapi({ example: "2026-11-25T10:30:00.000Z", description: "When the change committed (RFC 3339)" }),
    user_id: z.string().openapi({ example: "usr_5q3x8m2k1n7p4r6t9v0w2y4z6a" }),
    data: z.object({
      object: z.unknown().openapi({
        description:
          "transaction.created/updated: the transaction record; transaction.deleted: {id, deleted_at}; analytics.updated: the analytics answer",
        example: TransactionSchema.parse({
          id: "txn_0k7m3q9x2c4v6b8n1p5r7t9w3y",
          user_id: "usr_5q3x8m2k1n7p4r6t9v0w2y4z6a",
          full_name: "Ada Lovelace",
          transaction_date: "2026-11-25T00:00:00.000Z",
          date_only: false,
          transaction_amount: "125.50",
          transaction_type: "debit",
          currency: "USD",
          status: "success",
          description: "Groceries",
          external_id: null,
          category_id: null,
          merchant: "Corner Grocery",
          tags: [],
          created_at: "2026-11-25T10:30:00.000Z",
          updated_at: "2026-11-25T10:30:00.000Z",
        }),
      }),
    }),
  })
  .openapi("Event");

export const EventListQuerySchema = z.strictObject({
  cursor: signedCursorQuery("next_cursor from the previous page; omit (or leave empty) to start from the oldest event"),
  limit: pageLimit(1000, 100).openapi({ example: 100 }),
  type: z
    .enum([...EVENT_TYPES, PING_EVENT])
    .optional()
    .openapi({ example: "transaction.created" }),
});

export const EventPageSchema = z
  .object({
    data: z.array(EventSchema),
    has_more: z.boolean(),
    next_cursor: z.string().nullable().openapi({ example: "eyJ1IjoidXNyXzVxM3giLCJzIjo0Mn0.Xk2c9r0aQm1p8v5sT4e7w3y6b2n1k0j9h8g7f6d5c4a" }),
  })
  .openapi("EventPage");
