import { z } from "@hono/zod-openapi";
import { ListQuerySchema } from "./transactions.schemas";

export const BooleanFlag = (fallback: "true" | "false") =>
  z
    .enum(["true", "false"])
    .default(fallback)
    .transform((v) => v === "true");

const applyRules = BooleanFlag("true").openapi({ description: "false: store the items without running your rules", example: "true" });

/** Query of POST /transaction/create. */
export const CreateQuerySchema = z.strictObject({ apply_rules: applyRules });

export const BulkQuerySchema = z.strictObject({
  atomic: BooleanFlag("true").openapi({ description: "true: all or none (default); false: store the valid items", example: "true" }),
  apply_rules: applyRules,
});

export const BulkRequestSchema = z
  .strictObject({
    transactions: z
      .array(z.unknown())
      .min(1)
      .max(1000)
      .openapi({ description: "1-1,000 items shaped like CreateTransaction (each may carry `external_id`)" }),
  })
  .openapi("BulkRequest", {
    example: {
      transactions: [
        { transaction_amount: "12.00", transaction_type: "debit", transaction_date: "2026-11-24", external_id: "bank-0001" },
        { transaction_amount: "2500.00", transaction_type: "credit", transaction_date: "2026-11-25", external_id: "bank-0002" },
      ],
    },
  });

const FieldErrors = z.array(z.object({ path: z.string(), message: z.string() }));

export const BulkResultSchema = z
  .object({
    atomic: z.boolean(),
    created: z.number().int().openapi({ example: 2 }),
    duplicates: z.number().int().openapi({ example: 0 }),
    failed: z.number().int().openapi({ example: 0 }),
    results: z.array(
      z.object({
        index: z.number().int(),
        status: z.enum(["created", "duplicate", "error"]),
        id: z.string().optional().openapi({ description: "The new id, or the existing one for a duplicate" }),
        errors: FieldErrors.optional(),
      }),
    ),
  })
  .openapi("BulkResult", {
    example: {
      atomic: true,
      created: 2,
      duplicates: 0,
      failed: 0,
      results: [
        { index: 0, status: "created", id: "txn_0k7m3q9x2c4v6b8n1p5r7t9w3y" },
        { index: 1, status: "created", id: "txn_1a2b3c4d5e6f7g8h9j0k1m2n3p" },
      ],
    },
  });

export const ImportQuerySchema = z.strictObject({
  dry_run: BooleanFlag("false").openapi({ description: "true: validate only, store nothing", example: "false" }),
  apply_rules: applyRules,
});

export const ImportResultSchema = z
  .object({
    dry_run: z.boolean(),
    rows: z.number().int().openapi({ example: 3 }),
    added: z.number().int().openapi({ example: 2, description: "Stored (or, in a dry run, that would be stored)" }),
    duplicates: z.number().int().openapi({ example: 1 }),
    errors: z.array(z.object({ line: z.number().int().openapi({ example: 4 }), errors: FieldErrors })),
  })
  .openapi("ImportResult", { example: { dry_run: false, rows: 3, added: 2, duplicates: 1, errors: [] } });

export const ExportQuerySchema = ListQuerySchema.omit({ limit: true, cursor: true });
