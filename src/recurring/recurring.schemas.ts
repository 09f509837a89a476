import { z } from "@hono/zod-openapi";

const FREQUENCIES = ["weekly", "biweekly", "semi_monthly", "monthly", "quarterly", "annually"] as const;
const STATUSES = ["early_detection", "mature", "tombstoned"] as const;

export const RecurringQuerySchema = z.strictObject({
  status: z.enum(STATUSES).optional().openapi({ description: "Only streams with this status (judged as of today)" }),
  transaction_type: z.enum(["credit", "debit"]).optional().openapi({ description: "Only income (credit) or only payments (debit)" }),
});

export const RecurringStreamSchema = z
  .object({
    id: z.string().openapi({ example: "rec_9c1f6a1e2b3d4c5f", description: "Stable across recomputations" }),
    key: z.string().openapi({ example: "netflix", description: "The normalized merchant, else the normalized description" }),
    currency: z.string().openapi({ example: "USD" }),
    transaction_type: z.enum(["credit", "debit"]).openapi({ example: "debit" }),
    frequency: z.enum(FREQUENCIES).openapi({ example: "monthly" }),
    average_amount: z.string().openapi({ example: "15.99", description: "Mean of the stream's amounts, half-to-even" }),
    last_amount: z.string().openapi({ example: "17.99" }),
    last_amount_change: z.string().openapi({ example: "12.51", description: "(last − average) / average × 100, two digits" }),
    first_date: z.string().openapi({ example: "2026-06-15", description: "Local date in the caller's time_zone" }),
    last_date: z.string().openapi({ example: "2026-11-15" }),
    predicted_next_date: z.string().openapi({ example: "2026-12-15" }),
    occurrences: z.number().int().openapi({ example: 6 }),
    status: z.enum(STATUSES).openapi({ example: "mature" }),
    missed: z.boolean().openapi({ example: false, description: "The predicted date passed by more than the tolerance" }),
    transaction_ids: z
      .array(z.string())
      .openapi({ example: ["txn_0k7m3q9x2c4v6b8n1p5r7t9w3y"], description: "The latest 12, newest first" }),
  })
  .openapi("RecurringStream");

export const RecurringListSchema = z.object({ streams: z.array(RecurringStreamSchema) }).openapi("RecurringStreams", {
  example: {
    streams: [
      {
        id: "rec_9c1f6a1e2b3d4c5f",
        key: "netflix",
        currency: "USD",
        transaction_type: "debit",
        frequency: "monthly",
        average_amount: "15.99",
        last_amount: "15.99",
        last_amount_change: "0.00",
        first_date: "2026-06-15",
        last_date: "2026-11-15",
        predicted_next_date: "2026-12-15",
        occurrences: 6,
        status: "mature",
        missed: false,
        transaction_ids: ["txn_0k7m3q9x2c4v6b8n1p5r7t9w3y", "txn_1a2b3c4d5e6f7g8h9j0k1m2n3p"],
      },
      {
        id: "rec_4e5f6a7b8c9d0e1f",
        key: "acme payroll",
        currency: "USD",
        transaction_type: "credit",
        frequency: "weekly",
        average_amount: "1250.00",
        last_amount: "1250.00",
        last_amount_change: "0.00",
        first_date: "2026-09-04",
        last_date: "2026-11-20",
        predicted_next_date: "2026-11-27",
        occurrences: 11,
        status: "mature",
        missed: false,
        transaction_ids: ["txn_5q3x8m2k1n7p4r6t9v0w2y4z6a"],
      },
    ],
  },
});
