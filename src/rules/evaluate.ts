/**
 * The rule engine: which of a user's rules match a transaction, and what they change. Pure and synchronous,
 * so create, bulk, import, POST /rules/test and POST /rules/{id}/apply all share exactly one implementation.
 *
 * Decisions (issue 14 is silent on these):
 * - Rules run in ascending `position`, ties broken by `id`; inactive rules are skipped by applyRules.
 * - A rule with no conditions never matches (the schema requires at least one).
 * - Text ops (contains, equals, starts_with, ends_with) on description and merchant compare NFKC-normalised,
 *   `toLowerCase()`-folded text (locale-independent; no regular expressions). A missing (null) description or
 *   merchant matches no text condition.
 * - currency and transaction_type support only `equals` (case-insensitive).
 * - amount supports equals, gt, gte, lt, lte, compared exactly: the condition's decimal and the transaction's
 *   amount are scaled to the same number of fraction digits and compared as bigints, so "10.005" is above
 *   10.00 USD and below 10.01 USD, and equals "10.5" matches 10.50 USD. An amount condition applies to every
 *   currency (combine it with a currency condition to restrict it). Text ops on amount are refused.
 * - First writer wins within a run: once a rule has set the category (or the merchant), later rules in the same
 *   run leave it alone, so a lower position means a higher priority (as with stop_processing).
 * - A field the request set explicitly (explicit.category / explicit.merchant: the key was present in the body,
 *   null included) is never overwritten. POST /rules/{id}/apply uses applyRule, which overwrites instead.
 * - add_tag adds to the existing tags; a tag already present is not repeated, and once there are 10 tags
 *   further tags are skipped (not an error: a rule must not make a valid write fail).
 */
import { currencyDigits, isCurrency } from "../lib/currencies";
import { addTag, normalizeMerchant, normalizeTag } from "../transactions/labels";

export const RULE_FIELDS = ["description", "merchant", "amount", "currency", "transaction_type"] as const;
export const RULE_OPS = ["contains", "equals", "starts_with", "ends_with", "gt", "gte", "lt", "lte"] as const;
export const RULE_MATCH = ["all", "any"] as const;

export type RuleField = (typeof RULE_FIELDS)[number];
export type RuleOp = (typeof RULE_OPS)[number];

export interface RuleCondition {
  field: RuleField;
  op: RuleOp;
  value: string;
}

export type RuleAction = { set_category: string } | { set_merchant: string } | { add_tag: string };

export interface Rule {
  id: string;
  name: string;
  position: number;
  active: boolean;
  match: (typeof RULE_MATCH)[number];
  conditions: RuleCondition[];
  actions: RuleAction[];
  stop_processing: boolean;
}

/** The rule-relevant part of a transaction as it is about to be stored. */
export interface TransactionDraft {
  description: string | null;
  merchant: string | null;
  amount_minor: bigint;
  currency: string;
  transaction_type: string;
  category_id: string | null;
  tags: string[];
}

export interface MatchedRule {
  id: string;
  name: string;
}

export interface ApplyRulesOptions {
  /** Fields the request set itself; rules never overwrite them. */
  explicit?: { category?: boolean; merchant?: boolean };
}

const TEXT_OPS: readonly RuleOp[] = ["contains", "equals", "starts_with", "ends_with"];
const AMOUNT_OPS: readonly RuleOp[] = ["equals", "gt", "gte", "lt", "lte"];

/** Which ops each field accepts. */
export const OPS_BY_FIELD: Readonly<Record<RuleField, readonly RuleOp[]>> = {
  description: TEXT_OPS,
  merchant: TEXT_OPS,
  amount: AMOUNT_OPS,
  currency: ["equals"],
  transaction_type: ["equals"],
};

/** A non-negative decimal with up to 13 whole and 12 fraction digits ("0", "10.5", "0.001"). */
const AMOUNT_VALUE = /^(\d{1,13})(?:\.(\d{1,12}))?$/;

/** Why a condition is invalid (and which of its keys is at fault), or null when it is valid. */
export function conditionProblem(condition: RuleCondition): { path: "op" | "value"; message: string } | null {
  const { field, op, value } = condition;
  const problem = (path: "op" | "value", message: string) => ({ path, message });
  if (!OPS_BY_FIELD[field].includes(op)) return problem("op", `${field} supports only ${OPS_BY_FIELD[field].join(", ")}`);
  if (value.length === 0) return problem("value", "must not be empty");
  if (field === "amount" && !AMOUNT_VALUE.test(value)) {
    return problem("value", 'must be a non-negative decimal string such as "25.00" (at most 13 digits before and 12 after the point)');
  }
  if (field === "currency" && !isCurrency(value.toUpperCase())) return problem("value", "must be an ISO 4217 currency code");
  if (field === "transaction_type" && !["credit", "debit"].includes(value.toLowerCase())) {
    return problem("value", 'must be "credit" or "debit"');
  }
  return null;
}

/** Case folding for text ops: compatibility-normalised, then lower-cased (locale-independent). */
export function foldText(text: string): string {
  return text.normalize("NFKC").toLowerCase();
}

/** A decimal as an integer and its number of fraction digits: "10.05" → { units: 1005n, scale: 2 }. */
function parseDecimal(text: string): { units: bigint; scale: number } | null {
  const match = AMOUNT_VALUE.exec(text);
  if (!match) return null;
  const fraction = match[2] ?? "";
  return { units: BigInt(`${match[1]}${fraction}`), scale: fraction.length };
}

/** Sign of (amount in minor units of `currency`) − (decimal value), exactly. */
export function compareAmount(amountMinor: bigint, currency: string, value: string): -1 | 0 | 1 | null {
  const decimal = parseDecimal(value);
  return decimal ? compareParsed(amountMinor, currency, decimal) : null;
}

/** Folded text of the draft's fields, computed once per draft rather than once per condition. */
export class FoldedDraft {
  private readonly cache = new Map<"description" | "merchant", string | null>();
  constructor(private readonly draft: TransactionDraft) {}
  text(field: "description" | "merchant"): string | null {
    if (!this.cache.has(field)) {
      const raw = this.draft[field];
      this.cache.set(field, raw === null ? null : foldText(raw));
    }
    return this.cache.get(field) ?? null;
  }
}

/** A condition with its value folded (text) or parsed (amount) once: a test of one draft. */
type CompiledCondition = (draft: TransactionDraft, folded: FoldedDraft) => boolean;

const TEXT_TESTS: Partial<Record<RuleOp, (subject: string, needle: string) => boolean>> = {
  contains: (subject, needle) => subject.includes(needle),
  equals: (subject, needle) => subject === needle,
  starts_with: (subject, needle) => subject.startsWith(needle),
  ends_with: (subject, needle) => subject.endsWith(needle),
};

const SIGN_TESTS: Partial<Record<RuleOp, (sign: -1 | 0 | 1) => boolean>> = {
  equals: (sign) => sign === 0,
  gt: (sign) => sign > 0,
  gte: (sign) => sign >= 0,
  lt: (sign) => sign < 0,
  lte: (sign) => sign <= 0,
};

const never: CompiledCondition = () => false;

/** Sign of (amount in minor units of `currency`) − (an already parsed decimal), exactly. */
function compareParsed(amountMinor: bigint, currency: string, decimal: { units: bigint; scale: number }): -1 | 0 | 1 {
  const digits = currencyDigits(currency);
  const scale = Math.max(digits, decimal.scale);
  const left = amountMinor * 10n ** BigInt(scale - digits);
  const right = decimal.units * 10n ** BigInt(scale - decimal.scale);
  return left < right ? -1 : left > right ? 1 : 0;
}

function compileCondition(condition: RuleCondition): CompiledCondition {
  const { field, op, value } = condition;
  if (!OPS_BY_FIELD[field].includes(op)) return never;
  switch (field) {
    case "description":
    case "merchant": {
      const test = TEXT_TESTS[op];
      const needle = foldText(value);
      if (!test) return never;
      return (_draft, folded) => {
        const subject = folded.text(field);
        return subject !== null && test(subject, needle);
      };
    }
    case "amount": {
      const test = SIGN_TESTS[op];
      const decimal = parseDecimal(value);
      if (!test || !decimal) return never;
      return (draft) => test(compareParsed(draft.amount_minor, draft.currency, decimal));
    }
    case "currency":
    case "transaction_type": {
      const expected = value.toLowerCase();
      return (draft) => draft[field].toLowerCase() === expected;
    }
  }
}

/**
 * A rule prepared for evaluation: conditions compiled, actions normalised. Building it is the costly
 * part (text folding, decimal parsing), so it is done once per request or batch, not once per row.
 */
export interface CompiledRule {
  id: string;
  name: string;
  active: boolean;
  stopProcessing: boolean;
  matches: (draft: TransactionDraft, folded: FoldedDraft) => boolean;
  setCategory: string | null;
  /** The normalised merchant of set_merchant, or null when there is none (or it normalises to nothing valid). */
  setMerchant: string | null;
  /** The normalised tags of add_tag actions, in action order (invalid ones left out). */
  addTags: string[];
}

/** Rules compiled and in evaluation order (see orderRules). */
export interface RuleSet {
  readonly compiled: readonly CompiledRule[];
}

export function compileRule(rule: Rule): CompiledRule {
  const conditions = rule.conditions.map(compileCondition);
  const setCategory = rule.actions.find((a) => "set_category" in a);
  const setMerchant = rule.actions.find((a) => "set_merchant" in a);
  const merchant = setMerchant && "set_merchant" in setMerchant ? normalizeMerchant(setMerchant.set_merchant) : null;
  const addTags: string[] = [];
  for (const action of rule.actions) {
    if (!("add_tag" in action)) continue;
    const tag = normalizeTag(action.add_tag);
    if (tag.ok) addTags.push(tag.value);
  }
  return {
    id: rule.id,
    name: rule.name,
    active: rule.active,
    stopProcessing: rule.stop_processing,
    // A rule with no conditions never matches.
    matches:
      conditions.length === 0
        ? never
        : rule.match === "all"
          ? (draft, folded) => conditions.every((test) => test(draft, folded))
          : (draft, folded) => conditions.some((test) => test(draft, folded)),
    setCategory: setCategory && "set_category" in setCategory ? setCategory.set_category : null,
    setMerchant: merchant?.ok ? merchant.value : null,
    addTags,
  };
}

/** Orders and compiles rules once, for every transaction of a request or batch. */
export function compileRules(rules: readonly Rule[]): RuleSet {
  return { compiled: orderRules(rules).map(compileRule) };
}

function isRuleSet(rules: readonly Rule[] | RuleSet): rules is RuleSet {
  return "compiled" in rules;
}

/** Which fields may no longer be changed by the actions of the rules still to run. */
interface Locks {
  category: boolean;
  merchant: boolean;
}

/** Applies one rule's actions to `draft` (in place), honouring and updating `locks`. */
function runActions(rule: CompiledRule, draft: TransactionDraft, locks: Locks, lockAfterSet: boolean): void {
  if (rule.setCategory !== null && !locks.category) {
    draft.category_id = rule.setCategory;
    locks.category = lockAfterSet;
  }
  if (rule.setMerchant !== null && !locks.merchant) {
    draft.merchant = rule.setMerchant;
    locks.merchant = lockAfterSet;
  }
  for (const tag of rule.addTags) draft.tags = addTag(draft.tags, tag);
}

function copyDraft(draft: TransactionDraft): TransactionDraft {
  return { ...draft, tags: [...draft.tags] };
}

/** Rules in evaluation order: ascending position, then id. */
export function orderRules<R extends Pick<Rule, "position" | "id">>(rules: readonly R[]): R[] {
  return [...rules].sort((a, b) => a.position - b.position || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Runs the active rules over a transaction about to be created (create, bulk, import, POST /rules/test).
 * Returns the draft as it would be stored (the input is not modified) and the rules that matched, in order.
 * Pass a RuleSet (compileRules) when labelling many transactions with the same rules.
 */
export function applyRules(
  rules: readonly Rule[] | RuleSet,
  draft: TransactionDraft,
  options: ApplyRulesOptions = {},
): { draft: TransactionDraft; matched: MatchedRule[] } {
  const ruleSet = isRuleSet(rules) ? rules : compileRules(rules);
  const result = copyDraft(draft);
  const folded = new FoldedDraft(draft);
  const locks: Locks = { category: options.explicit?.category ?? false, merchant: options.explicit?.merchant ?? false };
  const matched: MatchedRule[] = [];
  for (const rule of ruleSet.compiled) {
    if (!rule.active) continue;
    // Conditions see the transaction as submitted, not as changed by earlier rules: the outcome cannot depend
    // on one rule's set_merchant feeding another's merchant condition.
    if (!rule.matches(draft, folded)) continue;
    matched.push({ id: rule.id, name: rule.name });
    runActions(rule, result, locks, true);
    if (rule.stopProcessing) break;
  }
  return { draft: result, matched };
}

/**
 * POST /rules/{id}/apply: one rule over an existing transaction, overwriting every field its actions name
 * (regardless of `active`: applying is an explicit request). `changed` says whether the stored record differs.
 * Pass a CompiledRule (compileRule) when applying it to many transactions.
 */
export function applyRule(
  rule: Rule | CompiledRule,
  draft: TransactionDraft,
): { draft: TransactionDraft; matched: boolean; changed: boolean } {
  const compiled = "matches" in rule ? rule : compileRule(rule);
  if (!compiled.matches(draft, new FoldedDraft(draft))) return { draft: copyDraft(draft), matched: false, changed: false };
  const result = copyDraft(draft);
  runActions(compiled, result, { category: false, merchant: false }, false);
  const changed =
    result.category_id !== draft.category_id ||
    result.merchant !== draft.merchant ||
    result.tags.length !== draft.tags.length ||
    result.tags.some((tag, i) => tag !== draft.tags[i]);
  return { draft: result, matched: true, changed };
}
