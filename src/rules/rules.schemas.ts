import { z } from "@hono/zod-openapi";
import { MerchantSchema, TagSchema } from "../transactions/labels.schemas";
import { conditionProblem, RULE_FIELDS, RULE_MATCH, RULE_OPS } from "./evaluate";

export const MAX_RULES_PER_USER = 200;
export const MAX_CONDITIONS = 10;
export const MAX_ACTIONS = 5;

export const RuleConditionSchema = z
  .strictObject({
    field: z.enum(RULE_FIELDS).openapi({ example: "description" }),
    op: z.enum(RULE_OPS).openapi({ example: "contains" }),
    value: z
      .string()
      .min(1)
      .max(500)
      .openapi({
        example: "grocery",
        description:
          "Text ops (contains, equals, starts_with, ends_with) on description and merchant, case-insensitive. " +
          'amount: equals, gt, gte, lt, lte with a decimal string such as "25.00", compared exactly in the transaction\'s currency. ' +
          "currency and transaction_type: equals only, case-insensitive.",
      }),
  })
  .superRefine((condition, ctx) => {
    const problem = conditionProblem(condition);
    if (problem) ctx.addIssue({ code: "custom", message: problem.message, path: [problem.path] });
  })
  .openapi("RuleCondition", { example: { field: "description", op: "contains", value: "grocery" } });

export const RuleActionSchema = z
  .union([
    z.strictObject({ set_category: z.string().min(1).max(64).openapi({ example: "cat_0k7m3q9x2c4v6b8n1p5r7t9w3y" }) }),
    z.strictObject({ set_merchant: MerchantSchema }),
    z.strictObject({ add_tag: TagSchema }),
  ])
  .openapi("RuleAction", {
    description: "Exactly one of set_category (a category id of yours), set_merchant or add_tag",
    example: { set_category: "cat_0k7m3q9x2c4v6b8n1p5r7t9w3y" },
  });

export const RuleBodySchema = z
  .strictObject({
    name: z.string().trim().min(1).max(64).openapi({ example: "Groceries" }),
    position: z.number().int().min(0).max(1_000_000).optional().openapi({
      example: 10,
      description: "Order of evaluation (ascending; ties by id). Omitted: after the user's last rule.",
    }),
    active: z.boolean().default(true),
    match: z.enum(RULE_MATCH).default("all").openapi({ description: "all: every condition must hold; any: at least one" }),
    conditions: z.array(RuleConditionSchema).min(1).max(MAX_CONDITIONS),
    actions: z.array(RuleActionSchema).min(1).max(MAX_ACTIONS),
    stop_processing: z.boolean().default(false).openapi({ description: "When this rule matches, no later rule runs" }),
  })
  .superRefine((rule, ctx) => {
    // Two set_category (or set_merchant) actions in one rule would contradict each other.
    for (const key of ["set_category", "set_merchant"] as const) {
      const indexes = rule.actions.flatMap((action, i) => (key in action ? [i] : []));
      for (const index of indexes.slice(1)) {
        ctx.addIssue({ code: "custom", message: `only one ${key} action per rule`, path: ["actions", index] });
      }
    }
  })
  .openapi("RuleBody", {
    example: {
      name: "Groceries",
      position: 10,
      active: true,
      match: "all",
      conditions: [
        { field: "description", op: "contains", value: "grocery" },
        { field: "amount", op: "lt", value: "200.00" },
      ],
      actions: [{ set_category: "cat_0k7m3q9x2c4v6b8n1p5r7t9w3y" }, { add_tag: "food" }],
      stop_processing: false,
    },
  });

export type RuleBody = z.infer<typeof RuleBodySchema>;
