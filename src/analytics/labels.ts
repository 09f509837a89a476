import { divideHalfEven, formatAmount } from "../lib/money";

/** Figures of one category (or merchant) in one currency. */
export interface Totals {
  count: number;
  credit: bigint;
  debit: bigint;
}

/** What the analytics need to know about a category: joined at read time, so renames need no recompute. */
export interface CategoryInfo {
  id: string;
  name: string;
  parent_id: string | null;
  exclude_from_analytics: number | boolean;
}

/** One merchant_rollups row (its category is already known not to be excluded). */
export interface MerchantRollup {
  currency: string;
  merchant: string;
  count: number;
  debit: bigint;
}

export interface MerchantTotals {
  merchant: string;
  count: number;
  debit: bigint;
}

export const TOP_MERCHANTS = 10;

/** merchant_rollups compares merchants with NOCASE, which folds ASCII letters only. */
export function merchantKey(merchant: string): string {
  return merchant.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

export function addTotals(into: Map<string, Totals>, key: string, count: number, credit: bigint, debit: bigint): void {
  const t = into.get(key) ?? { count: 0, credit: 0n, debit: 0n };
  into.set(key, { count: t.count + count, credit: t.credit + credit, debit: t.debit + debit });
}

/** Folds merchant rows of one currency; the shown spelling is the smallest one seen (deterministic). */
export function foldMerchants(rows: readonly MerchantRollup[]): Map<string, MerchantTotals> {
  const merchants = new Map<string, MerchantTotals>();
  for (const row of rows) {
    const key = merchantKey(row.merchant);
    const m = merchants.get(key);
    if (!m) merchants.set(key, { merchant: row.merchant, count: row.count, debit: row.debit });
    else
      merchants.set(key, {
        merchant: row.merchant < m.merchant ? row.merchant : m.merchant,
        count: m.count + row.count,
        debit: m.debit + row.debit,
      });
  }
  return merchants;
}

/** The 10 merchants with the largest debit total (debit > 0); ties by name. */
export function topMerchants(merchants: Iterable<MerchantTotals>): MerchantTotals[] {
  return [...merchants]
    .filter((m) => m.debit > 0n)
    .sort((a, b) => (a.debit !== b.debit ? (a.debit > b.debit ? -1 : 1) : a.merchant < b.merchant ? -1 : a.merchant > b.merchant ? 1 : 0))
    .slice(0, TOP_MERCHANTS);
}

function figures(t: Totals, currency: string) {
  return {
    transaction_count: t.count,
    total_credit: formatAmount(t.credit, currency),
    total_debit: formatAmount(t.debit, currency),
  };
}

const ZERO: Totals = { count: 0, credit: 0n, debit: 0n };

/**
 * by_category: every category with transactions in the currency, every parent with a child that has some,
 * and the uncategorised bucket (always, last). Sorted by name, then id. Excluded categories are absent.
 */
export function byCategory(perCategory: Map<string, Totals>, categories: readonly CategoryInfo[], currency: string) {
  const known = new Map(categories.map((c) => [c.id, c]));
  const childrenOf = new Map<string, string[]>();
  for (const c of categories) if (c.parent_id) childrenOf.set(c.parent_id, [...(childrenOf.get(c.parent_id) ?? []), c.id]);
  const shown = new Set<string>();
  for (const [id, t] of perCategory) {
    if (id === "" || t.count === 0) continue;
    shown.add(id);
    const parent = known.get(id)?.parent_id;
    if (parent && !isExcluded(known.get(parent))) shown.add(parent);
  }
  const entries = [...shown]
    .map((id) => ({ id, info: known.get(id) }))
    .sort((a, b) => {
      const an = a.info?.name ?? "";
      const bn = b.info?.name ?? "";
      return an !== bn ? (an < bn ? -1 : 1) : a.id < b.id ? -1 : 1;
    })
    .map(({ id, info }) => {
      const own = perCategory.get(id) ?? ZERO;
      const children = childrenOf.get(id);
      const entry = {
        category_id: id as string | null,
        name: info?.name ?? null,
        parent_id: info?.parent_id ?? null,
        ...figures(own, currency),
        average_transaction_value: formatAmount(average(own), currency),
      };
      if (!children) return entry;
      const all = { ...own };
      for (const child of children) {
        const t = perCategory.get(child);
        if (t) Object.assign(all, { count: all.count + t.count, credit: all.credit + t.credit, debit: all.debit + t.debit });
      }
      return { ...entry, including_children: figures(all, currency) };
    });
  const none = perCategory.get("") ?? ZERO;
  entries.push({
    category_id: null,
    name: null,
    parent_id: null,
    ...figures(none, currency),
    average_transaction_value: formatAmount(average(none), currency),
  });
  return entries;
}

export function isExcluded(info: CategoryInfo | undefined): boolean {
  return info !== undefined && (info.exclude_from_analytics === true || info.exclude_from_analytics === 1);
}

export function average(t: Totals): bigint {
  return t.count > 0 ? divideHalfEven(t.credit + t.debit, BigInt(t.count)) : 0n;
}

/** excluded: the excluded categories with transactions in the currency, by name. */
export function excludedList(excluded: Map<string, number>, categories: readonly CategoryInfo[]) {
  const known = new Map(categories.map((c) => [c.id, c]));
  return [...excluded]
    .filter(([, n]) => n > 0)
    .map(([id, n]) => ({ category_id: id, name: known.get(id)?.name ?? null, transaction_count: n }))
    .sort((a, b) =>
      (a.name ?? "") !== (b.name ?? "") ? ((a.name ?? "") < (b.name ?? "") ? -1 : 1) : a.category_id < b.category_id ? -1 : 1,
    );
}
