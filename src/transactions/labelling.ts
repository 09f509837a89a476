import { validationError } from "../http/problem";
import { applyRules, type MatchedRule, type Rule, type RuleSet } from "../rules/evaluate";

/** What a transaction write needs besides the body: the user's category ids and active rules. */
export interface LabelContext {
  categoryIds: Set<string>;
  /** Active rules, compiled once for every transaction of the request, actions naming a deleted category left out. Empty when rules are skipped. */
  rules: RuleSet;
}

/** A rule whose set_category names a category deleted since: that action is skipped, the others still run. */
export function withoutDeletedCategories(rule: Rule, categoryIds: Set<string>): Rule {
  return { ...rule, actions: rule.actions.filter((a) => !("set_category" in a) || categoryIds.has(a.set_category)) };
}

export interface LabelInput {
  category_id?: string | null;
  merchant?: string | null;
  tags?: string[] | null;
  description: string | null;
  amountMinor: number;
  currency: string;
  transactionType: string;
}

export interface Labels {
  categoryId: string | null;
  merchant: string | null;
  tags: string[];
  matched: MatchedRule[];
}

/** A body's category, which must be one of the caller's (a 422 naming the field otherwise). */
export function checkCategory(categoryId: string | null | undefined, context: LabelContext, path = "category_id"): void {
  if (categoryId && !context.categoryIds.has(categoryId)) throw validationError([{ path, message: "no such category" }]);
}

/**
 * Category, merchant and tags of a new transaction: the body's, then the rules' (which never overwrite
 * a category or merchant the body set, null included, and add to its tags).
 */
export function labelNewTransaction(input: LabelInput, context: LabelContext): Labels {
  checkCategory(input.category_id, context);
  const { draft, matched } = applyRules(
    context.rules,
    {
      description: input.description,
      merchant: input.merchant ?? null,
      amount_minor: BigInt(input.amountMinor),
      currency: input.currency,
      transaction_type: input.transactionType,
      category_id: input.category_id ?? null,
      tags: input.tags ?? [],
    },
    { explicit: { category: input.category_id !== undefined, merchant: input.merchant !== undefined } },
  );
  return { categoryId: draft.category_id, merchant: draft.merchant, tags: draft.tags, matched };
}
