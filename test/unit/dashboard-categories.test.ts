import { describe, expect, it } from "vitest";
import { categorySlices, categoryTableRows, excludedNote } from "../../public/dashboard/categories.js";

const row = (id: string | null, name: string | null, parent: string | null, debit: string, count = 1, credit = "0.00") => ({
  category_id: id,
  name,
  parent_id: parent,
  transaction_count: count,
  total_debit: debit,
  total_credit: credit,
});

// As the API orders them: by name, uncategorised last; a parent carries including_children.
const byCategory = [
  row("c_coffee", "Coffee", "c_food", "672.14", 149),
  {
    ...row("c_food", "Food", null, "0.00", 0),
    including_children: { transaction_count: 201, total_debit: "7395.51", total_credit: "0.00" },
  },
  row("c_groc", "Groceries", "c_food", "6723.37", 52),
  row("c_income", "Income", null, "0.00", 18, "63698.37"),
  row("c_leisure", "Leisure", null, "2107.40", 39),
  row(null, null, null, "650.02", 9),
];

describe("dashboard: spend by category", () => {
  it("slices are top-level categories with their children folded in, largest first, zero spend left out", () => {
    expect(categorySlices(byCategory)).toEqual([
      { label: "Food", value: 7395.51 },
      { label: "Leisure", value: 2107.4 },
      { label: "Uncategorised", value: 650.02 },
    ]);
  });

  it("a child whose parent is not in the answer is a slice of its own", () => {
    expect(categorySlices([row("c_groc", "Groceries", "c_gone", "10.00")])).toEqual([{ label: "Groceries", value: 10 }]);
  });

  it("the table lists each parent, its children by path, then their total; uncategorised last; amounts grouped, exact", () => {
    expect(categoryTableRows(byCategory)).toEqual([
      ["Food", "0", "0.00", "0.00"],
      ["Food › Coffee", "149", "672.14", "0.00"],
      ["Food › Groceries", "52", "6,723.37", "0.00"],
      ["Food total", "201", "7,395.51", "0.00"],
      ["Income", "18", "0.00", "63,698.37"],
      ["Leisure", "39", "2,107.40", "0.00"],
      ["Uncategorised", "9", "650.02", "0.00"],
    ]);
  });

  it("names what analytics leave out", () => {
    expect(excludedNote([])).toBe("");
    expect(excludedNote(undefined)).toBe("");
    expect(
      excludedNote([
        { category_id: "c_t", name: "Transfers", transaction_count: 12 },
        { category_id: "c_x", name: null, transaction_count: 1 },
      ]),
    ).toBe("Not counted in any figure (excluded from analytics): Transfers (12 transactions), c_x (1 transaction).");
  });
});
