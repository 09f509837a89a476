import { z } from "@hono/zod-openapi";
import { CurrencyCode } from "../lib/currencies";
import { isDateOnly, parseTimestamp } from "../lib/dates";
import { TzQuery } from "../lib/zone-schemas";

export const AnalyticsParams = z.object({
  user_id: z
    .string()
    .max(64)
    .openapi({ param: { name: "user_id", in: "path" }, description: "The caller's id, or `me`", example: "me" }),
});

const Day = z
  .string()
  .refine((s) => isDateOnly(s) && parseTimestamp(s) !== null, "must be a date YYYY-MM-DD")
  // No example: Swagger UI would pre-fill it and narrow every "Try it out" to one day.
  .openapi({ type: "string", format: "date" });

export const AnalyticsQuery = z
  .strictObject({
    currency: CurrencyCode.optional().openapi({ description: "Defaults to the currency most of the caller's transactions use" }),
    from: Day.optional().openapi({ description: "First local day included (in `tz`, else the caller's time_zone)" }),
    to: Day.optional().openapi({ description: "Last local day included (the whole day)" }),
    tz: TzQuery,
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: "from must not be after to", path: ["from"] });

const money = (example: string) => z.string().openapi({ example });

const CurrencyFiguresSchema = z
  .object({
    currency: z.string().openapi({ example: "USD" }),
    transaction_count: z.number().int().openapi({ example: 42 }),
    average_transaction_value: money("57.14"),
    total_credit: money("1500.00"),
    total_debit: money("899.88"),
  })
  .openapi("CurrencyFigures");

const CategoryTotalsSchema = z.object({
  transaction_count: z.number().int().openapi({ example: 14 }),
  total_credit: money("0.00"),
  total_debit: money("640.20"),
});

const CategoryFiguresSchema = CategoryTotalsSchema.extend({
  category_id: z.string().nullable().openapi({ example: "cat_0k7m3q9x2c4v6b8n1p5r7t9w3y", description: "null: uncategorised" }),
  name: z.string().nullable().openapi({ example: "Groceries" }),
  parent_id: z.string().nullable().openapi({ example: null }),
  average_transaction_value: money("45.73"),
  including_children: CategoryTotalsSchema.optional().openapi({ description: "On parents: own transactions plus the children's" }),
}).openapi("CategoryFigures");

export const AnalyticsSchema = z
  .object({
    user_id: z.string().openapi({ example: "usr_5q3x8m2k1n7p4r6t9v0w2y4z6a" }),
    time_zone: z.string().openapi({ example: "America/New_York", description: "The zone whose local days these figures use" }),
    currency: z.string().openapi({ example: "USD" }),
    transaction_count: z.number().int().openapi({ example: 42 }),
    average_transaction_value: money("57.14"),
    day_with_highest_transactions: z.string().nullable().openapi({ example: "2026-11-20" }),
    day_with_highest_transactions_count: z.number().int().openapi({ example: 5 }),
    total_credit: money("1500.00"),
    total_debit: money("899.88"),
    by_currency: z.array(CurrencyFiguresSchema).openapi({ description: "Every currency the caller uses, alphabetical" }),
    by_weekday: z
      .array(z.object({ weekday: z.string().openapi({ example: "Monday" }), transaction_count: z.number().int().openapi({ example: 6 }) }))
      .openapi({ description: "Counts per local weekday in the selected currency, starting on the caller's week_start" }),
    monthly: z
      .array(
        z.object({
          month: z.string().openapi({ example: "2026-11" }),
          transaction_count: z.number().int().openapi({ example: 12 }),
          total_credit: money("500.00"),
          total_debit: money("312.40"),
        }),
      )
      .openapi({ description: "Per local month (YYYY-MM) in the selected currency, oldest first" }),
    by_category: z
      .array(CategoryFiguresSchema)
      .openapi({ description: "Every category with transactions in the currency (and parents of such), by name; uncategorised last" }),
    top_merchants: z
      .array(
        z.object({
          merchant: z.string().openapi({ example: "Corner Grocery" }),
          transaction_count: z.number().int().openapi({ example: 8 }),
          total_debit: money("412.90"),
        }),
      )
      .openapi({ description: "The 10 merchants with the largest debit total in the currency" }),
    excluded: z
      .array(
        z.object({
          category_id: z.string().openapi({ example: "cat_7t2k9m4q1x8c3v6b0n5p2r7w4y" }),
          name: z.string().nullable().openapi({ example: "Transfers" }),
          transaction_count: z.number().int().openapi({ example: 3 }),
        }),
      )
      .openapi({ description: "Categories with exclude_from_analytics, left out of every figure above" }),
    computed_at: z.string().openapi({ example: "2026-11-25T10:30:00.000Z", description: "When these figures were computed" }),
    stale: z.boolean().openapi({ example: false, description: "True only if the answer could be missing acknowledged writes" }),
  })
  .openapi("Analytics");
