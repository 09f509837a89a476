import { z } from "@hono/zod-openapi";
import { CurrencyCode } from "../transactions/transactions.schemas";

export const AnalyticsParams = z.object({
  user_id: z.string().max(64).openapi({ param: { name: "user_id", in: "path" }, description: "The caller's id, or `me`", example: "me" }),
});

export const AnalyticsQuery = z.strictObject({
  currency: CurrencyCode.optional().openapi({ description: "Defaults to the currency most of the caller's transactions use" }),
});

export const AnalyticsSchema = z
  .object({
    user_id: z.string().openapi({ example: "usr_5q3x8m2k1n7p4r6t9v0w2y4z6a" }),
    currency: z.string().openapi({ example: "USD" }),
    transaction_count: z.number().int().openapi({ example: 42 }),
    average_transaction_value: z.string().openapi({ example: "57.14" }),
    day_with_highest_transactions: z.string().nullable().openapi({ example: "2026-11-20" }),
    day_with_highest_transactions_count: z.number().int().openapi({ example: 5 }),
    total_credit: z.string().openapi({ example: "1500.00" }),
    total_debit: z.string().openapi({ example: "899.88" }),
    computed_at: z.string().openapi({ example: "2026-11-25T10:30:00.000Z" }),
    stale: z.boolean().openapi({ example: false }),
  })
  .openapi("Analytics");
