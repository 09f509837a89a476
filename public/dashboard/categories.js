// Spend by category from the analytics answer's `by_category` (one level of nesting; a parent's own row also carries
// `including_children`). Pure, so it is unit-tested (test/unit/dashboard-categories.test.ts).
import { chartNumber, groupAmount } from "./format.js";

/** @typedef {{ category_id: string | null, name: string | null, parent_id: string | null, transaction_count: number, total_debit: string, total_credit: string, including_children?: { transaction_count: number, total_debit: string, total_credit: string } }} CategoryRow */

const UNCATEGORISED = "Uncategorised";

/**
 * The donut's slices: one per top-level category with its children's spend folded in (so slices add up to the
 * range's debit total and no child competes with its parent), largest first; zero-spend categories left out.
 * @param {CategoryRow[]} rows
 * @returns {{ label: string, value: number }[]}
 */
export function categorySlices(rows) {
  const ids = new Set(rows.map((r) => r.category_id));
  return rows
    .filter((r) => r.parent_id === null || !ids.has(r.parent_id))
    .map((r) => ({ label: r.name ?? UNCATEGORISED, value: chartNumber((r.including_children ?? r).total_debit) }))
    .filter((s) => s.value > 0)
    .sort((x, y) => y.value - x.value);
}

/**
 * The table: every category with its own figures, each parent followed by its children ("Food › Groceries") and, when
 * it has children, a subtotal row with the children included ("Food total"); the uncategorised row last.
 * @param {CategoryRow[]} rows
 * @returns {string[][]} [category, transactions, debit, credit]
 */
export function categoryTableRows(rows) {
  const ids = new Set(rows.map((r) => r.category_id));
  const isTop = (/** @type {CategoryRow} */ r) => r.parent_id === null || !ids.has(r.parent_id);
  const name = (/** @type {CategoryRow} */ r) => r.name ?? UNCATEGORISED;
  const row = (/** @type {Omit<CategoryRow, "category_id" | "name" | "parent_id">} */ r, /** @type {string} */ label) => [
    label,
    String(r.transaction_count),
    groupAmount(r.total_debit),
    groupAmount(r.total_credit),
  ];
  const top = rows.filter(isTop);
  const ordered = [...top.filter((r) => r.category_id !== null), ...top.filter((r) => r.category_id === null)];
  return ordered.flatMap((parent) => {
    const children = rows.filter((r) => !isTop(r) && r.parent_id === parent.category_id);
    return [
      row(parent, name(parent)),
      ...children.map((child) => row(child, `${name(parent)} › ${name(child)}`)),
      ...(children.length && parent.including_children ? [row(parent.including_children, `${name(parent)} total`)] : []),
    ];
  });
}

/**
 * The sentence naming what the figures leave out, or "" when nothing is excluded.
 * @param {{ category_id: string, name: string | null, transaction_count: number }[] | undefined} excluded
 */
export function excludedNote(excluded) {
  if (!excluded?.length) return "";
  const parts = excluded.map(
    (e) => `${e.name ?? e.category_id} (${e.transaction_count} transaction${e.transaction_count === 1 ? "" : "s"})`,
  );
  return `Not counted in any figure (excluded from analytics): ${parts.join(", ")}.`;
}
