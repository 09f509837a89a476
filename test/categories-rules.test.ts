import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { backgroundWriteContext } from "../src/analytics/ledger";
import { recomputeSnapshot } from "../src/analytics/snapshot";
import { getDb } from "../src/db/client";
import { ApiError } from "../src/http/problem";
import { insertTransactions } from "../src/transactions/insert";
import { loadLabelContext } from "../src/transactions/label-cache";
import { buildRow } from "../src/transactions/transactions.service";
import {
  authed,
  call,
  createTransaction,
  expectProblem,
  json,
  jsonInit,
  newUser,
  rollupsAndTruth,
  shardFor,
  type TestUser,
  validationPaths,
} from "./harness";

interface Category {
  id: string;
  name: string;
  parent_id: string | null;
  color: string | null;
  exclude_from_analytics: boolean;
}
interface Rule {
  id: string;
  name: string;
  position: number;
}
interface Tx {
  id: string;
  category_id: string | null;
  merchant: string | null;
  tags: string[];
  description: string | null;
}

const post = (u: TestUser, path: string, body: unknown) => call(path, jsonInit("POST", body, u.token));
const put = (u: TestUser, path: string, body: unknown) => call(path, jsonInit("PUT", body, u.token));
const get = (u: TestUser, path: string) => call(path, authed(u.token));
const del = (u: TestUser, path: string) => call(path, authed(u.token, { method: "DELETE" }));

async function category(u: TestUser, body: Record<string, unknown>): Promise<Category> {
  return json<Category>(await post(u, "/api/v1/categories", body), 201);
}
async function rule(u: TestUser, body: Record<string, unknown>): Promise<Rule> {
  return json<Rule>(await post(u, "/api/v1/rules", { match: "all", ...body }), 201);
}
async function list(u: TestUser, query: string): Promise<Tx[]> {
  return (await json<{ data: Tx[] }>(await get(u, `/api/v1/transaction/all?${query}`), 200)).data;
}
async function analytics(u: TestUser, query = "") {
  return json<Record<string, unknown> & { by_category: Record<string, unknown>[]; top_merchants: unknown[]; excluded: unknown[] }>(
    await get(u, `/api/v1/transaction/analytics/me${query}`),
    200,
  );
}
async function expectRollupsExact(u: TestUser) {
  const { rollups, truth } = await rollupsAndTruth(u.id);
  expect(rollups).toEqual(truth);
}

describe("categories", () => {
  it("CRUD: create, list, get, replace, delete; names unique ignoring case; one level of nesting", async () => {
    const u = await newUser("cat");
    const food = await category(u, { name: "Food", color: "#AABBCC" });
    expect(food).toMatchObject({ name: "Food", parent_id: null, color: "#aabbcc", exclude_from_analytics: false });
    expect(food.id).toMatch(/^cat_/);
    const groceries = await category(u, { name: "Groceries", parent_id: food.id });
    await expectProblem(await post(u, "/api/v1/categories", { name: "food" }), 409);
    expect(await validationPaths(await post(u, "/api/v1/categories", { name: "Deep", parent_id: groceries.id }))).toEqual(["parent_id"]);
    expect(await validationPaths(await post(u, "/api/v1/categories", { name: "X", parent_id: "cat_nope" }))).toEqual(["parent_id"]);
    expect(await validationPaths(await post(u, "/api/v1/categories", { name: "", color: "red" }))).toEqual(["name", "color"]);
    const listed = await json<{ data: Category[] }>(await get(u, "/api/v1/categories"), 200);
    expect(listed.data.map((c) => c.name)).toEqual(["Food", "Groceries"]);
    expect(await json<Category>(await get(u, `/api/v1/categories/${food.id}`), 200)).toEqual(food);
    // PUT replaces: omitted color goes back to null.
    const replaced = await json<Category>(await put(u, `/api/v1/categories/${food.id}`, { name: "Food & drink" }), 200);
    expect(replaced).toMatchObject({ name: "Food & drink", color: null });
    // A parent with children cannot become a child.
    const other = await category(u, { name: "Other" });
    expect(await validationPaths(await put(u, `/api/v1/categories/${food.id}`, { name: "F", parent_id: other.id }))).toEqual(["parent_id"]);
    await expectProblem(await del(u, `/api/v1/categories/${food.id}`), 409);
    expect(await json(await del(u, `/api/v1/categories/${groceries.id}`), 200)).toEqual({ message: "success", id: groceries.id });
    await expectProblem(await get(u, `/api/v1/categories/${groceries.id}`), 404);
  });

  it("owner scoping: another user's category is a 404 in a path and a 422 in a body", async () => {
    const a = await newUser("cat");
    const b = await newUser("cat");
    const mine = await category(a, { name: "Mine" });
    await expectProblem(await get(b, `/api/v1/categories/${mine.id}`), 404);
    await expectProblem(await put(b, `/api/v1/categories/${mine.id}`, { name: "Stolen" }), 404);
    await expectProblem(await del(b, `/api/v1/categories/${mine.id}`), 404);
    expect((await json<{ data: unknown[] }>(await get(b, "/api/v1/categories"), 200)).data).toEqual([]);
    const res = await post(b, "/api/v1/transaction/create", {
      transaction_amount: "1.00",
      transaction_type: "debit",
      category_id: mine.id,
    });
    expect(await validationPaths(res)).toEqual(["category_id"]);
    expect(await validationPaths(await post(b, "/api/v1/categories", { name: "Child", parent_id: mine.id }))).toEqual(["parent_id"]);
    await expectProblem(await call("/api/v1/categories"), 401);
  });

  it("delete with transactions: 409, then reassign_to moves them exactly (rollups, analytics, audit)", async () => {
    const u = await newUser("cat");
    const a = await category(u, { name: "A" });
    const b = await category(u, { name: "B" });
    const t1 = await createTransaction(u.token, { transaction_amount: "10.00", transaction_type: "debit", category_id: a.id });
    await createTransaction(u.token, { transaction_amount: "5.00", transaction_type: "credit", category_id: a.id });
    await expectProblem(await del(u, `/api/v1/categories/${a.id}`), 409);
    expect(await validationPaths(await del(u, `/api/v1/categories/${a.id}?reassign_to=cat_unknown`))).toEqual(["reassign_to"]);
    await json(await del(u, `/api/v1/categories/${a.id}?reassign_to=${b.id}`), 200);
    expect((await list(u, `category_id=${b.id}`)).length).toBe(2);
    await expectRollupsExact(u);
    const figures = await analytics(u);
    expect(figures.by_category.find((c) => c.category_id === b.id)).toMatchObject({
      transaction_count: 2,
      total_debit: "10.00",
      total_credit: "5.00",
    });
    const audit = await json<{ data: { action: string; target_id: string }[] }>(await get(u, "/api/v1/user/audit"), 200);
    expect(audit.data.filter((e) => e.action === "transaction.recategorize").map((e) => e.target_id)).toContain(t1.id);
    await json(await del(u, `/api/v1/categories/${b.id}?reassign_to=none`), 200);
    expect((await list(u, "category_id=none")).length).toBe(2);
    await expectRollupsExact(u);
  });
});

describe("transactions with category, merchant and tags", () => {
  it("create normalises merchant and tags; update with null clears; filters find them", async () => {
    const u = await newUser("lbl");
    const parent = await category(u, { name: "Food" });
    const child = await category(u, { name: "Coffee", parent_id: parent.id });
    const t = (await createTransaction(u.token, {
      transaction_amount: "4.50",
      transaction_type: "debit",
      description: "Flat white",
      merchant: "  Blue   Bottle ",
      tags: ["Morning", "morning", "work"],
      category_id: child.id,
    })) as unknown as Tx;
    expect(t).toMatchObject({ merchant: "Blue Bottle", tags: ["morning", "work"], category_id: child.id });
    await createTransaction(u.token, {
      transaction_amount: "30.00",
      transaction_type: "debit",
      description: "Market",
      category_id: parent.id,
    });
    await createTransaction(u.token, { transaction_amount: "9.00", transaction_type: "debit", description: "Misc" });
    expect((await list(u, `category_id=${parent.id}`)).length).toBe(2);
    expect((await list(u, `category_id=${child.id}`)).length).toBe(1);
    expect((await list(u, "category_id=none")).map((x) => x.description)).toEqual(["Misc"]);
    expect((await list(u, "merchant=blue%20bottle")).length).toBe(1);
    expect((await list(u, "tag=WORK")).length).toBe(1);
    expect((await list(u, "q=BOTTLE")).length).toBe(1);
    expect((await list(u, "q=mark")).map((x) => x.description)).toEqual(["Market"]);
    expect(await validationPaths(await get(u, "/api/v1/transaction/all?category_id=cat_x"))).toEqual(["category_id"]);
    expect(await validationPaths(await get(u, "/api/v1/transaction/all?tag=no%20spaces"))).toEqual(["tag"]);
    const res = await put(u, `/api/v1/transaction/update/${t.id}`, { category_id: null, merchant: null, tags: null });
    expect(await json(res, 200)).toMatchObject({ category_id: null, merchant: null, tags: [] });
    await expectRollupsExact(u);
    const bad = await post(u, "/api/v1/transaction/create", {
      transaction_amount: "1.00",
      transaction_type: "debit",
      merchant: " ",
      tags: Array.from({ length: 11 }, (_, i) => `t${i}`),
    });
    expect(await validationPaths(bad)).toEqual(["merchant", "tags"]);
  });

  it("create takes null for category_id, merchant and tags alike (none: tags [])", async () => {
    const u = await newUser("nulls");
    const res = await post(u, "/api/v1/transaction/create", {
      transaction_amount: "1.00",
      transaction_type: "debit",
      category_id: null,
      merchant: null,
      tags: null,
    });
    expect(await json(res, 201)).toMatchObject({ category_id: null, merchant: null, tags: [] });
  });

  it("CSV export and import carry category_id, merchant and tags (';'-joined)", async () => {
    const u = await newUser("csv");
    const c = await category(u, { name: "Books" });
    await createTransaction(u.token, {
      transaction_amount: "12.00",
      transaction_type: "debit",
      category_id: c.id,
      merchant: "Shop",
      tags: ["a", "b"],
    });
    const csv = await (await get(u, "/api/v1/transaction/export")).text();
    const [header, line] = csv.split("\r\n");
    expect(header).toContain("category_id,merchant,tags");
    expect(line).toContain(`${c.id},Shop,a;b`);
    const v = await newUser("csv");
    const c2 = await category(v, { name: "Books" });
    const file = `transaction_amount,transaction_type,category_id,merchant,tags\r\n3.00,debit,${c2.id},Kiosk,x;y\r\n4.00,debit,${c.id},,\r\n`;
    const res = await call(
      "/api/v1/transaction/import",
      authed(v.token, { method: "POST", headers: { "content-type": "text/csv" }, body: file }),
    );
    const body = await json<{ added: number; errors: { line: number; errors: { path: string }[] }[] }>(res, 201);
    expect(body.added).toBe(1);
    expect(body.errors[0]?.errors.map((e) => e.path)).toEqual(["category_id"]);
    expect(await list(v, "")).toMatchObject([{ merchant: "Kiosk", tags: ["x", "y"], category_id: c2.id }]);
  });
});

describe("rules", () => {
  it("CRUD with validation and owner scoping", async () => {
    const u = await newUser("rul");
    const other = await newUser("rul");
    const c = await category(u, { name: "Groceries" });
    const r = await rule(u, {
      name: "Groceries",
      conditions: [{ field: "description", op: "contains", value: "market" }],
      actions: [{ set_category: c.id }],
    });
    expect(r.id).toMatch(/^rul_/);
    expect(r.position).toBe(0);
    const r2 = await rule(u, { name: "Second", conditions: [{ field: "amount", op: "gt", value: "100" }], actions: [{ add_tag: "big" }] });
    expect(r2.position).toBe(1);
    expect((await json<{ data: Rule[] }>(await get(u, "/api/v1/rules"), 200)).data.map((x) => x.id)).toEqual([r.id, r2.id]);
    const bad = await post(u, "/api/v1/rules", {
      name: "Bad",
      conditions: [{ field: "amount", op: "contains", value: "1" }],
      actions: [{ set_category: "cat_unknown" }],
    });
    expect(await validationPaths(bad)).toEqual(["conditions.0.op"]);
    const badCat = await post(u, "/api/v1/rules", {
      name: "Bad",
      conditions: [{ field: "description", op: "equals", value: "x" }],
      actions: [{ set_category: "cat_unknown" }],
    });
    expect(await validationPaths(badCat)).toEqual(["actions.0.set_category"]);
    const replaced = await json<Rule & { active: boolean }>(
      await put(u, `/api/v1/rules/${r.id}`, {
        name: "Renamed",
        active: false,
        conditions: [{ field: "merchant", op: "equals", value: "x" }],
        actions: [{ add_tag: "t" }],
      }),
      200,
    );
    expect(replaced).toMatchObject({ name: "Renamed", active: false, position: 0 });
    await expectProblem(await get(other, `/api/v1/rules/${r.id}`), 404);
    await expectProblem(
      await put(other, `/api/v1/rules/${r.id}`, {
        name: "x",
        conditions: [{ field: "merchant", op: "equals", value: "x" }],
        actions: [{ add_tag: "t" }],
      }),
      404,
    );
    await expectProblem(await del(other, `/api/v1/rules/${r.id}`), 404);
    await expectProblem(await post(other, `/api/v1/rules/${r.id}/apply`, {}), 404);
    expect(await json(await del(u, `/api/v1/rules/${r.id}`), 200)).toEqual({ message: "success", id: r.id });
    await expectProblem(await get(u, `/api/v1/rules/${r.id}`), 404);
  });

  it("run on create in position order, never overwrite explicit fields, stop_processing, apply_rules=false", async () => {
    const u = await newUser("rul");
    const food = await category(u, { name: "Food" });
    const fun = await category(u, { name: "Fun" });
    await rule(u, {
      name: "later",
      position: 20,
      conditions: [{ field: "description", op: "contains", value: "pizza" }],
      actions: [{ set_category: fun.id }, { add_tag: "late" }],
    });
    await rule(u, {
      name: "first",
      position: 10,
      conditions: [{ field: "description", op: "starts_with", value: "PIZZA" }],
      actions: [{ set_category: food.id }, { set_merchant: " Pizza  Place " }, { add_tag: "food" }],
    });
    const t = (await createTransaction(u.token, {
      transaction_amount: "20.00",
      transaction_type: "debit",
      description: "pizza night",
      tags: ["mine"],
    })) as unknown as Tx;
    expect(t).toMatchObject({ category_id: food.id, merchant: "Pizza Place", tags: ["mine", "food", "late"] });
    const explicit = (await createTransaction(u.token, {
      transaction_amount: "20.00",
      transaction_type: "debit",
      description: "pizza",
      category_id: null,
      merchant: "Mine",
    })) as unknown as Tx;
    expect(explicit).toMatchObject({ category_id: null, merchant: "Mine" });
    const skipped = await json<Tx>(
      await post(u, "/api/v1/transaction/create?apply_rules=false", {
        transaction_amount: "1.00",
        transaction_type: "debit",
        description: "pizza",
      }),
      201,
    );
    expect(skipped).toMatchObject({ category_id: null, merchant: null, tags: [] });
    const bulk = await json<{ results: { id: string }[] }>(
      await post(u, "/api/v1/transaction/bulk", {
        transactions: [{ transaction_amount: "2.00", transaction_type: "debit", description: "Pizza slice" }],
      }),
      201,
    );
    expect((await json<Tx>(await get(u, `/api/v1/transaction/${bulk.results[0]?.id}`), 200)).category_id).toBe(food.id);
    await expectRollupsExact(u);
  });

  it("POST /rules/test answers matched rules and the record, storing nothing", async () => {
    const u = await newUser("rul");
    const r = await rule(u, {
      name: "Coffee",
      stop_processing: true,
      conditions: [{ field: "amount", op: "lte", value: "5" }],
      actions: [{ add_tag: "coffee" }],
    });
    await rule(u, { name: "Never", conditions: [{ field: "amount", op: "lte", value: "5" }], actions: [{ add_tag: "never" }] });
    const body = await json<{ matched_rules: { id: string; name: string }[]; transaction: Tx }>(
      await post(u, "/api/v1/rules/test", { transaction_amount: "4.99", transaction_type: "debit" }),
      200,
    );
    expect(body.matched_rules).toEqual([{ id: r.id, name: "Coffee" }]);
    expect(body.transaction.tags).toEqual(["coffee"]);
    expect(await list(u, "")).toEqual([]);
    expect(await validationPaths(await post(u, "/api/v1/rules/test", { transaction_type: "debit" }))).toEqual(["transaction_amount"]);
  });

  it("apply overwrites the fields its actions name, dry_run changes nothing, analytics and audit follow", async () => {
    const u = await newUser("rul");
    const c = await category(u, { name: "Coffee" });
    const other = await category(u, { name: "Other" });
    for (const [amount, description, cat] of [
      ["3.00", "Coffee beans", other.id],
      ["4.00", "coffee to go", null],
      ["50.00", "Dinner", null],
    ] as const) {
      await createTransaction(u.token, {
        transaction_amount: amount,
        transaction_type: "debit",
        description,
        category_id: cat,
        transaction_date: "2026-03-01",
      });
    }
    await createTransaction(u.token, {
      transaction_amount: "6.00",
      transaction_type: "debit",
      description: "Coffee",
      transaction_date: "2025-01-01",
    });
    const r = await rule(u, {
      name: "Coffee",
      conditions: [{ field: "description", op: "contains", value: "coffee" }],
      actions: [{ set_category: c.id }, { set_merchant: "Cafe" }],
    });
    expect(await json(await post(u, `/api/v1/rules/${r.id}/apply?from=2026-01-01&dry_run=true`, {}), 200)).toEqual({
      dry_run: true,
      matched: 2,
      changed: 2,
      complete: true,
    });
    expect((await list(u, `category_id=${c.id}`)).length).toBe(0);
    expect(await json(await post(u, `/api/v1/rules/${r.id}/apply?from=2026-01-01`, {}), 200)).toEqual({
      dry_run: false,
      matched: 2,
      changed: 2,
      complete: true,
    });
    expect((await list(u, `category_id=${c.id}`)).map((t) => t.merchant)).toEqual(["Cafe", "Cafe"]);
    expect(await json(await post(u, `/api/v1/rules/${r.id}/apply?from=2026-01-01`, {}), 200)).toMatchObject({ matched: 2, changed: 0 });
    await expectRollupsExact(u);
    const figures = await analytics(u);
    expect(figures.by_category.find((x) => x.category_id === c.id)).toMatchObject({ transaction_count: 2, total_debit: "7.00" });
    expect(figures.top_merchants).toEqual([{ merchant: "Cafe", transaction_count: 2, total_debit: "7.00" }]);
    const audit = await json<{ data: { action: string }[] }>(await get(u, "/api/v1/user/audit?limit=100"), 200);
    expect(audit.data.filter((e) => e.action === "transaction.rule_apply").length).toBe(2);
    expect(await validationPaths(await post(u, `/api/v1/rules/${r.id}/apply?from=yesterday`, {}))).toEqual(["from"]);
    // A raw "+" in a query string decodes as a space; a date-time's offset is still read as "+05:00".
    expect(await json(await post(u, `/api/v1/rules/${r.id}/apply?from=2026-01-01T05:00:00+05:00&dry_run=true`, {}), 200)).toMatchObject({
      matched: 2,
    });
  });
});

describe("analytics by category", () => {
  it("by_category with including_children, top_merchants, and exclude_from_analytics in every figure", async () => {
    const u = await newUser("ana");
    const food = await category(u, { name: "Food" });
    const coffee = await category(u, { name: "Coffee", parent_id: food.id });
    const transfers = await category(u, { name: "Transfers" });
    const day = "2026-05-04"; // a Monday
    await createTransaction(u.token, {
      transaction_amount: "10.00",
      transaction_type: "debit",
      category_id: food.id,
      merchant: "Market",
      transaction_date: day,
    });
    await createTransaction(u.token, {
      transaction_amount: "3.00",
      transaction_type: "debit",
      category_id: coffee.id,
      merchant: "cafe",
      transaction_date: day,
    });
    await createTransaction(u.token, {
      transaction_amount: "2.00",
      transaction_type: "debit",
      category_id: coffee.id,
      merchant: "CAFE",
      transaction_date: day,
    });
    await createTransaction(u.token, { transaction_amount: "1.00", transaction_type: "credit", transaction_date: day });
    await createTransaction(u.token, {
      transaction_amount: "500.00",
      transaction_type: "debit",
      category_id: transfers.id,
      merchant: "Bank",
      transaction_date: day,
    });
    let figures = await analytics(u);
    expect(figures.transaction_count).toBe(5);
    expect(figures.top_merchants).toEqual([
      { merchant: "Bank", transaction_count: 1, total_debit: "500.00" },
      { merchant: "Market", transaction_count: 1, total_debit: "10.00" },
      { merchant: "cafe", transaction_count: 2, total_debit: "5.00" },
    ]);
    await json(await put(u, `/api/v1/categories/${transfers.id}`, { name: "Transfers", exclude_from_analytics: true }), 200);
    figures = await analytics(u);
    expect(figures).toMatchObject({ transaction_count: 4, total_debit: "15.00", total_credit: "1.00" });
    expect(figures.by_currency).toEqual([
      { currency: "USD", transaction_count: 4, average_transaction_value: "4.00", total_credit: "1.00", total_debit: "15.00" },
    ]);
    expect((figures.by_weekday as { transaction_count: number }[])[0]?.transaction_count).toBe(4);
    expect(figures.monthly).toEqual([{ month: "2026-05", transaction_count: 4, total_credit: "1.00", total_debit: "15.00" }]);
    expect(figures.excluded).toEqual([{ category_id: transfers.id, name: "Transfers", transaction_count: 1 }]);
    expect(figures.by_category).toEqual([
      {
        category_id: coffee.id,
        name: "Coffee",
        parent_id: food.id,
        transaction_count: 2,
        total_credit: "0.00",
        total_debit: "5.00",
        average_transaction_value: "2.50",
      },
      {
        category_id: food.id,
        name: "Food",
        parent_id: null,
        transaction_count: 1,
        total_credit: "0.00",
        total_debit: "10.00",
        average_transaction_value: "10.00",
        including_children: { transaction_count: 3, total_credit: "0.00", total_debit: "15.00" },
      },
      {
        category_id: null,
        name: null,
        parent_id: null,
        transaction_count: 1,
        total_credit: "1.00",
        total_debit: "0.00",
        average_transaction_value: "1.00",
      },
    ]);
    expect((figures.top_merchants as { merchant: string }[]).map((m) => m.merchant)).toEqual(["Market", "cafe"]);
    // The stored snapshot (the queue's work) answers the same.
    await recomputeSnapshot(getDb(await shardFor(u.id)), u.id);
    const fromSnapshot = await analytics(u);
    expect({ ...fromSnapshot, computed_at: null }).toEqual({ ...figures, computed_at: null });
    // Range reads (rollups) too.
    const ranged = await analytics(u, `?from=${day}&to=${day}`);
    expect({ ...ranged, computed_at: null }).toEqual({ ...figures, computed_at: null });
  });

  it("another user's analytics stay 403", async () => {
    const a = await newUser("ana");
    const b = await newUser("ana");
    await expectProblem(await get(b, `/api/v1/transaction/analytics/${a.id}`), 403);
  });
});

describe("category deleted while a write uses it", () => {
  it("the write batch fails with a 409 and leaves no dangling category_id (create path, and the SQL invariant)", async () => {
    const u = await newUser("race");
    const doomed = await category(u, { name: "Doomed" });
    const db = getDb(await shardFor(u.id));
    // The create path up to its check: the label context still holds the category ...
    const context = await loadLabelContext(db, u.id, true);
    const { row } = buildRow(u.id, { transaction_amount: "5.00", transaction_type: "debit", category_id: doomed.id }, context);
    // ... then the category goes (no transaction uses it yet, so the delete is allowed) before the batch runs.
    expect(await json(await del(u, `/api/v1/categories/${doomed.id}`), 200)).toEqual({ message: "success", id: doomed.id });
    const ctx = await backgroundWriteContext(env, u.id, () => {}, { requestId: "test", clientIp: null });
    const audit = { action: "transaction.create" as const, details: {} };
    const failed = await insertTransactions(ctx, u.id, [row], audit).catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(ApiError);
    expect((failed as ApiError).code).toBe("conflict");
    expect(await list(u, "")).toEqual([]);
    await expectRollupsExact(u);

    // The invariant holds for every write in SQL: no insert or update may name a category that is not the owner's.
    const other = await newUser("race");
    const theirs = await category(other, { name: "Theirs" });
    const mine = await createTransaction(u.token, { transaction_amount: "1.00", transaction_type: "debit" });
    const shard = await shardFor(u.id);
    const setCategory = (id: string) => shard.prepare("UPDATE transactions SET category_id = ? WHERE id = ?").bind(id, mine.id).run();
    await expect(setCategory(doomed.id)).rejects.toThrow(/category_missing/);
    await expect(setCategory(theirs.id)).rejects.toThrow(/category_missing/);
    const kept = await category(u, { name: "Kept" });
    await setCategory(kept.id);
    expect((await list(u, `category_id=${kept.id}`)).map((t) => t.id)).toEqual([mine.id]);
  });
});
