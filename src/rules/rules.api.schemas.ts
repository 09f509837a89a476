import { z } from "@hono/zod-openapi";
import { BooleanFlag } from "../transactions/ingest.schemas";
import { RangeEnd, Timestamp, TransactionSchema } from "../transactions/transactions.schemas";
import { RuleActionSchema, RuleConditionSchema } from "./rules.schemas";

const RULE_ID_EXAMPLE = "rul_3c9x2m7k1q5v8b0n4p6r2t7w9y";

export const RuleSchema = z
  .object({
    id: z.string().openapi({ example: RULE_ID_EXAMPLE }),
    name: z.string().openapi({ example: "Groceries" }),
    position: z.number().int().openapi({ example: 10 }),
    active: z.boolean().openapi({ example: true }),
    match: z.enum(["all", "any"]).openapi({ example: "all" }),
    conditions: z.array(RuleConditionSchema),
    actions: z.array(RuleActionSchema),
    stop_processing: z.boolean().openapi({ example: false }),
    created_at: z.string().openapi({ example: "2026-11-25T10:30:00.000Z" }),
    updated_at: z.string().openapi({ example: "2026-11-25T10:30:00.000Z" }),
  })
  .openapi("Rule");

export const RuleListSchema = z.object({ data: z.array(RuleSchema).openapi({ description: "In evaluation order" }) }).openapi("RuleList");

export const RuleIdParams = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: RULE_ID_EXAMPLE }),
});

export const RuleTestResultSchema = z
  .object({
    matched_rules: z
      .array(z.object({ id: z.string(), name: z.string() }))
      .openapi({ example: [{ id: RULE_ID_EXAMPLE, name: "Groceries" }] }),
    transaction: TransactionSchema.openapi({ description: "The record as it would be stored (nothing is stored)" }),
  })
  .openapi("RuleTestResult");

export const ApplyRuleQuery = z.strictObject({
  from: Timestamp.optional().openapi({ description: "Only transactions on or after this date/time" }),
  to: RangeEnd.optional(),
  dry_run: BooleanFlag("false").openapi({ description: "true: count what would change, change nothing", example: "false" }),
});

export const ApplyRuleResultSchema = z
  .object({
    dry_run: z.boolean(),
    matched: z.number().int().openapi({ example: 12, description: "Transactions the rule matches" }),
    changed: z.number().int().openapi({ example: 9, description: "Transactions whose category, merchant or tags changed (would change)" }),
    complete: z.boolean().openapi({
      example: true,
      description: "false (status 202): a long history; the rest is applied through the queue, counts so far",
    }),
  })
  .openapi("ApplyRuleResult", { example: { dry_run: false, matched: 12, changed: 9, complete: true } });

export const RuleDeletedSchema = z
  .object({ message: z.literal("success"), id: z.string().openapi({ example: RULE_ID_EXAMPLE }) })
  .openapi("RuleDeleted");
