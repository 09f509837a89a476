import { z } from "@hono/zod-openapi";

export const AuditQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export const AuditPageSchema = z
  .object({
    data: z.array(
      z.object({
        id: z.string().openapi({ example: "aud_0k7m3q9x2c4v6b8n1p5r7t9w3y" }),
        action: z.string().openapi({ example: "transaction.update" }),
        target_id: z.string().nullable().openapi({ example: "txn_0k7m3q9x2c4v6b8n1p5r7t9w3y" }),
        request_id: z.string(),
        client_ip: z.string().nullable(),
        details: z
          .record(z.string(), z.unknown())
          .nullable()
          .openapi({
            example: { before: { transaction_amount: "10.00", currency: "USD" }, after: { transaction_amount: "12.50", currency: "USD" } },
          }),
        created_at: z.string(),
      }),
    ),
    has_more: z.boolean(),
    next_cursor: z.string().nullable(),
  })
  .openapi("AuditPage");
