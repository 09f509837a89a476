import { describe, expect, it } from "vitest";
import {
  applyRule,
  applyRules,
  compareAmount,
  type Rule,
  type RuleAction,
  type RuleCondition,
  type TransactionDraft,
} from "../../src/rules/evaluate";
import { RuleBodySchema, RuleConditionSchema } from "../../src/rules/rules.schemas";
import { addTag, normalizeMerchant, normalizeTags } from "../../src/transactions/labels";
import { MerchantSchema, TagsSchema } from "../../src/transactions/labels.schemas";

function draft(overrides: Partial<TransactionDraft> = {}): TransactionDraft {
  return {
    description: "Weekly GROCERY run",
    merchant: "Corner Grocery",
    amount_minor: 4250n,
    currency: "USD",
    transaction_type: "debit",
    category_id: null,
    tags: [],
    ...overrides,
  };
}

let nextId = 0;
function rule(conditions: RuleCondition[], actions: RuleAction[], overrides: Partial<Rule> = {}): Rule {
  nextId++;
  return {
    id: `rul_${String(nextId).padStart(3, "0")}`,
    name: `rule ${nextId}`,
    position: nextId,
    active: true,
    match: "all",
    conditions,
    actions,
    stop_processing: false,
    ...overrides,
  };
}

const cond = (field: RuleCondition["field"], op: RuleCondition["op"], value: string): RuleCondition => ({ field, op, value });

function matches(condition: RuleCondition, tx: Partial<TransactionDraft> = {}): boolean {
  return applyRules([rule([condition], [{ add_tag: "hit" }])], draft(tx)).matched.length === 1;
}

describe("conditions", () => {
  it.each([
    [cond("description", "contains", "grocery"), true],
    [cond("description", "contains", "GROCERY RUN"), true],
    [cond("description", "contains", "bakery"), false],
    [cond("description", "equals", "weekly grocery run"), true],
    [cond("description", "equals", "weekly grocery"), false],
    [cond("description", "starts_with", "WEEKLY"), true],
    [cond("description", "starts_with", "grocery"), false],
    [cond("description", "ends_with", "Run"), true],
    [cond("description", "ends_with", "weekly"), false],
    [cond("merchant", "equals", "corner grocery"), true],
    [cond("merchant", "contains", "corner"), true],
    [cond("currency", "equals", "usd"), true],
    [cond("currency", "equals", "EUR"), false],
    [cond("transaction_type", "equals", "DEBIT"), true],
    [cond("transaction_type", "equals", "credit"), false],
  ])("%o → %s", (condition, expected) => {
    expect(matches(condition)).toBe(expected);
  });

  it("treats regular-expression characters literally", () => {
    expect(matches(cond("description", "contains", ".*"), { description: "anything" })).toBe(false);
    expect(matches(cond("description", "contains", "a.b"), { description: "xaXb" })).toBe(false);
    expect(matches(cond("description", "contains", "a.b"), { description: "x A.B y" })).toBe(true);
  });

  it("folds compatibility forms and case without locale rules", () => {
    expect(matches(cond("description", "contains", "cafe"), { description: "ＣＡＦＥ latte" })).toBe(true);
    expect(matches(cond("description", "equals", "straße"), { description: "STRAßE" })).toBe(true);
    expect(matches(cond("merchant", "equals", "istanbul"), { merchant: "ISTANBUL" })).toBe(true);
  });

  it("a missing description or merchant matches no text condition", () => {
    for (const op of ["contains", "equals", "starts_with", "ends_with"] as const) {
      expect(matches(cond("merchant", op, "x"), { merchant: null })).toBe(false);
      expect(matches(cond("description", op, "x"), { description: null })).toBe(false);
    }
  });

  it("an op the field does not support never matches, even if it slipped past validation", () => {
    expect(matches(cond("description", "gt", "a"))).toBe(false);
    expect(matches(cond("amount", "contains", "42"))).toBe(false);
    expect(matches(cond("currency", "contains", "US"))).toBe(false);
  });
});

describe("amount conditions compare exact decimals in the transaction's currency", () => {
  it.each([
    // amount_minor, currency, op, value, expected
    [4250n, "USD", "equals", "42.5", true],
    [4250n, "USD", "equals", "42.50", true],
    [4250n, "USD", "equals", "42.500000", true],
    [4250n, "USD", "equals", "42.501", false],
    [4250n, "USD", "gt", "42.49", true],
    [4250n, "USD", "gt", "42.50", false],
    [4250n, "USD", "gte", "42.50", true],
    [4250n, "USD", "lt", "42.501", true],
    [4250n, "USD", "lt", "42.5", false],
    [4250n, "USD", "lte", "42.5", true],
    [4250n, "USD", "gt", "42.499999999999", true],
    [4250n, "USD", "gt", "0", true],
    [1000n, "JPY", "equals", "1000", true],
    [1000n, "JPY", "gt", "999.9", true],
    [1000n, "JPY", "lt", "1000.1", true],
    [1000n, "JPY", "equals", "10.00", false],
    [10005n, "KWD", "gt", "10.004", true],
    [10005n, "KWD", "equals", "10.0050", true],
    [10005n, "KWD", "lt", "10.0051", true],
    [100_000_000_000_000n, "USD", "equals", "1000000000000", true],
    [9_007_199_254_740_991n, "KWD", "gt", "9007199254740.990", true],
  ] as const)("%s minor %s %s %s → %s", (amount_minor, currency, op, value, expected) => {
    expect(matches(cond("amount", op, value), { amount_minor, currency })).toBe(expected);
  });

  it("compareAmount never goes through a float", () => {
    // 0.1 + 0.2 style traps: 0.30 USD vs "0.3" and vs "0.30000000000000004"
    expect(compareAmount(30n, "USD", "0.3")).toBe(0);
    expect(compareAmount(30n, "USD", "0.300000000001")).toBe(-1);
    expect(compareAmount(30n, "USD", "not a number")).toBeNull();
    expect(compareAmount(30n, "USD", "-1")).toBeNull();
  });
});

describe("applyRules", () => {
  it("match all needs every condition, match any needs one", () => {
    const conditions = [cond("description", "contains", "grocery"), cond("currency", "equals", "EUR")];
    expect(applyRules([rule(conditions, [{ add_tag: "x" }])], draft()).matched).toHaveLength(0);
    expect(applyRules([rule(conditions, [{ add_tag: "x" }], { match: "any" })], draft()).matched).toHaveLength(1);
  });

  it("a rule without conditions never matches", () => {
    expect(applyRules([rule([], [{ add_tag: "x" }])], draft()).matched).toEqual([]);
    expect(applyRules([rule([], [{ add_tag: "x" }], { match: "any" })], draft()).matched).toEqual([]);
  });

  it("runs in ascending position (ties by id) regardless of array order, skipping inactive rules", () => {
    const c = [cond("description", "contains", "grocery")];
    const third = rule(c, [{ add_tag: "third" }], { id: "rul_b", position: 5 });
    const second = rule(c, [{ add_tag: "second" }], { id: "rul_a", position: 5 });
    const first = rule(c, [{ add_tag: "first" }], { position: 1 });
    const off = rule(c, [{ add_tag: "off" }], { position: 0, active: false });
    const out = applyRules([third, off, second, first], draft());
    expect(out.matched.map((m) => m.id)).toEqual([first.id, "rul_a", "rul_b"]);
    expect(out.draft.tags).toEqual(["first", "second", "third"]);
    expect(out.matched[0]).toEqual({ id: first.id, name: first.name });
  });

  it("stop_processing ends the run after a matching rule, but not after one that did not match", () => {
    const c = [cond("description", "contains", "grocery")];
    const missStop = rule([cond("description", "contains", "nope")], [{ add_tag: "a" }], { position: 1, stop_processing: true });
    const hitStop = rule(c, [{ add_tag: "b" }], { position: 2, stop_processing: true });
    const after = rule(c, [{ add_tag: "c" }], { position: 3 });
    const out = applyRules([missStop, hitStop, after], draft());
    expect(out.matched.map((m) => m.id)).toEqual([hitStop.id]);
    expect(out.draft.tags).toEqual(["b"]);
  });

  it("the first matching rule that sets the category or merchant wins", () => {
    const c = [cond("description", "contains", "grocery")];
    const out = applyRules(
      [
        rule(c, [{ set_category: "cat_first" }], { position: 1 }),
        rule(c, [{ set_category: "cat_second" }, { set_merchant: "Second" }], { position: 2 }),
        rule(c, [{ set_merchant: "Third" }], { position: 3 }),
      ],
      draft({ merchant: null }),
    );
    expect(out.draft.category_id).toBe("cat_first");
    expect(out.draft.merchant).toBe("Second");
    expect(out.matched).toHaveLength(3);
  });

  it("never overwrites a category or merchant the request set explicitly (null included)", () => {
    const c = [cond("description", "contains", "grocery")];
    const rules = [rule(c, [{ set_category: "cat_rule" }, { set_merchant: "Rule Merchant" }, { add_tag: "ruled" }])];
    const tx = draft({ category_id: "cat_mine", merchant: "Mine", tags: ["mine"] });
    const both = applyRules(rules, tx, { explicit: { category: true, merchant: true } });
    expect(both.draft).toEqual({ ...tx, tags: ["mine", "ruled"] });
    expect(both.matched).toHaveLength(1);

    const categoryOnly = applyRules(rules, draft({ category_id: null }), { explicit: { category: true } });
    expect(categoryOnly.draft.category_id).toBeNull();
    expect(categoryOnly.draft.merchant).toBe("Rule Merchant");

    const none = applyRules(rules, draft());
    expect(none.draft.category_id).toBe("cat_rule");
  });

  it("conditions see the transaction as submitted, not as changed by earlier rules", () => {
    const renamer = rule([cond("merchant", "contains", "amzn")], [{ set_merchant: "Amazon" }], { position: 1 });
    const byName = rule([cond("merchant", "equals", "amazon")], [{ add_tag: "shopping" }], { position: 2 });
    const out = applyRules([renamer, byName], draft({ merchant: "AMZN Mktp US*123" }));
    expect(out.draft.merchant).toBe("Amazon");
    expect(out.matched.map((m) => m.id)).toEqual([renamer.id]);
  });

  it("add_tag normalises, adds once, and skips tags past the limit of 10", () => {
    const c = [cond("description", "contains", "grocery")];
    const full = Array.from({ length: 9 }, (_, i) => `t${i}`);
    const out = applyRules([rule(c, [{ add_tag: "T0" }, { add_tag: "Food" }, { add_tag: "extra" }])], draft({ tags: full }));
    expect(out.draft.tags).toEqual([...full, "food"]);
    expect(addTag(out.draft.tags, "more")).toHaveLength(10);
  });

  it("set_merchant stores the normalised name", () => {
    const out = applyRules([rule([cond("amount", "gt", "1")], [{ set_merchant: "  Big   Shop \t Ltd " }])], draft({ merchant: null }));
    expect(out.draft.merchant).toBe("Big Shop Ltd");
  });

  it("does not modify its input", () => {
    const tx = draft({ tags: ["a"] });
    const before = structuredClone(tx);
    applyRules([rule([cond("amount", "gt", "1")], [{ add_tag: "b" }, { set_category: "cat_x" }])], tx);
    expect(tx).toEqual(before);
  });

  it("no rules: the draft unchanged and nothing matched", () => {
    expect(applyRules([], draft())).toEqual({ draft: draft(), matched: [] });
  });
});

describe("applyRule (POST /rules/{id}/apply)", () => {
  it("overwrites the fields its actions name, even if set before, and reports a change", () => {
    const r = rule([cond("description", "contains", "grocery")], [{ set_category: "cat_new" }, { set_merchant: "New" }]);
    const out = applyRule(r, draft({ category_id: "cat_old", merchant: "Old" }));
    expect(out).toMatchObject({ matched: true, changed: true });
    expect(out.draft.category_id).toBe("cat_new");
    expect(out.draft.merchant).toBe("New");
  });

  it("matched but unchanged when the record already has what the rule sets", () => {
    const r = rule([cond("description", "contains", "grocery")], [{ set_category: "cat_new" }, { add_tag: "food" }]);
    const out = applyRule(r, draft({ category_id: "cat_new", tags: ["food"] }));
    expect(out).toMatchObject({ matched: true, changed: false });
  });

  it("applies an inactive rule (an explicit request) and leaves a non-matching record alone", () => {
    const r = rule([cond("currency", "equals", "EUR")], [{ add_tag: "eur" }], { active: false });
    expect(applyRule(r, draft({ currency: "EUR" })).draft.tags).toEqual(["eur"]);
    expect(applyRule(r, draft())).toEqual({ draft: draft(), matched: false, changed: false });
  });
});

describe("normalizeMerchant", () => {
  it.each([
    ["Corner Grocery", "Corner Grocery"],
    ["  Corner   Grocery  ", "Corner Grocery"],
    ["Corner\t\nGrocery", "Corner Grocery"],
    ["Café\u00a0Noir", "Café Noir"],
    ["x".repeat(128), "x".repeat(128)],
    [` ${"é".repeat(128)} `, "é".repeat(128)],
  ])("%j → %j", (input, expected) => {
    expect(normalizeMerchant(input)).toEqual({ ok: true, value: expected });
  });

  it.each(["", "   ", "\n\t", "x".repeat(129), "a\u0000b", "a\u0007b", "a\u009fb"])("refuses %j", (input) => {
    expect(normalizeMerchant(input).ok).toBe(false);
  });
});

describe("normalizeTags", () => {
  it("lower-cases, keeps repeats once in first-seen order", () => {
    expect(normalizeTags(["Food", "food", "FOOD", "a_b-1"])).toEqual({ ok: true, value: ["food", "a_b-1"] });
    expect(normalizeTags([])).toEqual({ ok: true, value: [] });
  });

  it("allows 10 distinct tags, more repeats than that, and refuses 11 distinct", () => {
    const ten = Array.from({ length: 10 }, (_, i) => `t${i}`);
    expect(normalizeTags([...ten, ...ten.map((t) => t.toUpperCase())])).toEqual({ ok: true, value: ten });
    expect(normalizeTags([...ten, "t10"])).toMatchObject({ ok: false, index: null });
  });

  it.each(["", "x".repeat(33), "with space", "ümlaut", "dot.ted", "\u212a", "emoji🙂"])("refuses %j, naming its index", (tag) => {
    expect(normalizeTags(["ok", tag])).toMatchObject({ ok: false, index: 1 });
  });
});

describe("schemas", () => {
  it("MerchantSchema and TagsSchema give the normalised value or a field error", () => {
    expect(MerchantSchema.parse("  A   B ")).toBe("A B");
    expect(MerchantSchema.safeParse("   ").success).toBe(false);
    expect(TagsSchema.parse(["A", "a", "b"])).toEqual(["a", "b"]);
    const bad = TagsSchema.safeParse(["ok", "no way"]);
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual([1]);
  });

  it.each([
    [{ field: "description", op: "gt", value: "a" }, "op"],
    [{ field: "merchant", op: "lte", value: "a" }, "op"],
    [{ field: "amount", op: "contains", value: "1" }, "op"],
    [{ field: "amount", op: "starts_with", value: "1" }, "op"],
    [{ field: "currency", op: "contains", value: "US" }, "op"],
    [{ field: "transaction_type", op: "gt", value: "debit" }, "op"],
    [{ field: "amount", op: "gt", value: "-1" }, "value"],
    [{ field: "amount", op: "gt", value: "1e3" }, "value"],
    [{ field: "amount", op: "gt", value: "1." }, "value"],
    [{ field: "amount", op: "gt", value: ".5" }, "value"],
    [{ field: "amount", op: "gt", value: "1".repeat(14) }, "value"],
    [{ field: "amount", op: "gt", value: `1.${"0".repeat(13)}` }, "value"],
    [{ field: "currency", op: "equals", value: "XXX1" }, "value"],
    [{ field: "transaction_type", op: "equals", value: "refund" }, "value"],
    [{ field: "description", op: "contains", value: "" }, "value"],
  ])("refuses condition %o at %s", (condition, path) => {
    const result = RuleConditionSchema.safeParse(condition);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([path]);
  });

  it.each([
    { field: "amount", op: "gte", value: "0" },
    { field: "amount", op: "equals", value: "10.005" },
    { field: "currency", op: "equals", value: "eur" },
    { field: "transaction_type", op: "equals", value: "Credit" },
    { field: "merchant", op: "ends_with", value: "Ltd" },
  ])("accepts condition %o", (condition) => {
    expect(RuleConditionSchema.safeParse(condition).success).toBe(true);
  });

  const valid = {
    name: " Groceries ",
    conditions: [{ field: "description", op: "contains", value: "grocery" }],
    actions: [{ set_category: "cat_1" }, { add_tag: "Food" }, { set_merchant: " Corner  Shop " }],
  };

  it("RuleBodySchema fills defaults and normalises actions", () => {
    expect(RuleBodySchema.parse(valid)).toEqual({
      name: "Groceries",
      active: true,
      match: "all",
      stop_processing: false,
      conditions: valid.conditions,
      actions: [{ set_category: "cat_1" }, { add_tag: "food" }, { set_merchant: "Corner Shop" }],
    });
  });

  it.each([
    ["no conditions", { ...valid, conditions: [] }],
    ["11 conditions", { ...valid, conditions: Array(11).fill(valid.conditions[0]) }],
    ["no actions", { ...valid, actions: [] }],
    ["6 actions", { ...valid, actions: Array(6).fill({ add_tag: "x" }) }],
    ["two set_category", { ...valid, actions: [{ set_category: "cat_1" }, { set_category: "cat_2" }] }],
    ["two set_merchant", { ...valid, actions: [{ set_merchant: "a" }, { set_merchant: "b" }] }],
    ["an action with two keys", { ...valid, actions: [{ set_category: "cat_1", add_tag: "x" }] }],
    ["an unknown action", { ...valid, actions: [{ delete: true }] }],
    ["a bad tag", { ...valid, actions: [{ add_tag: "no spaces" }] }],
    ["an empty name", { ...valid, name: "  " }],
    ["a negative position", { ...valid, position: -1 }],
    ["a fractional position", { ...valid, position: 1.5 }],
    ["an unknown key", { ...valid, regex: ".*" }],
    ["an unknown match", { ...valid, match: "none" }],
  ])("RuleBodySchema refuses %s", (_label, body) => {
    expect(RuleBodySchema.safeParse(body).success).toBe(false);
  });
});
