import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { getDb } from "../src/db/client";
import { pruneTombstones } from "../src/feed/sync.service";
import {
  authed,
  call,
  createTransaction,
  expectProblem,
  json,
  jsonInit,
  newUser,
  type SyncPageBody,
  type SyncRecord,
  shardFor,
  syncAll,
  syncPage,
  type TransactionRecord,
} from "./harness";

const credit = (amount: string) => ({ transaction_amount: amount, transaction_type: "credit", transaction_date: "2026-11-20" });

async function update(token: string, id: string, body: Record<string, unknown>) {
  return json<TransactionRecord>(await call(`/api/v1/transaction/update/${id}`, jsonInit("PUT", body, token)), 200);
}

async function remove(token: string, id: string) {
  await json(await call(`/api/v1/transaction/delete/${id}`, authed(token, { method: "DELETE" })), 200);
}

async function bulk(token: string, amounts: string[]) {
  const body = await json<{ results: { id: string }[] }>(
    await call("/api/v1/transaction/bulk", jsonInit("POST", { transactions: amounts.map(credit) }, token)),
    201,
  );
  return body.results.map((r) => r.id);
}

async function listAll(token: string): Promise<TransactionRecord[]> {
  const out: TransactionRecord[] = [];
  let cursor: string | null = null;
  do {
    const page: { data: TransactionRecord[]; next_cursor: string | null } = await json(
      await call(`/api/v1/transaction/all?limit=1000${cursor ? `&cursor=${cursor}` : ""}`, authed(token)),
      200,
    );
    out.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

describe("GET /api/v1/transaction/sync", () => {
  it("starts with every current transaction in added, then reports changes relative to the cursor", async () => {
    const user = await newUser("sync");
    const a = await createTransaction(user.token, credit("1.00"));
    const b = await createTransaction(user.token, credit("2.00"));
    const c = await createTransaction(user.token, credit("3.00"));
    const first = await syncPage(user.token);
    expect(first.added.map((r) => r.id)).toEqual([a.id, b.id, c.id]);
    expect(first).toMatchObject({ modified: [], removed: [], has_more: false });

    await update(user.token, a.id, { transaction_amount: "1.50" });
    await update(user.token, a.id, { description: "twice" });
    await remove(user.token, b.id);
    const d = await createTransaction(user.token, credit("4.00"));
    await update(user.token, d.id, { transaction_amount: "4.50" });
    const e = await createTransaction(user.token, credit("5.00"));
    await remove(user.token, e.id);

    const second = await syncPage(user.token, first.next_cursor);
    expect(second.added.map((r) => [r.id, r.transaction_amount])).toEqual([[d.id, "4.50"]]);
    expect(second.modified.map((r) => [r.id, r.transaction_amount, r.description])).toEqual([[a.id, "1.50", "twice"]]);
    expect(second.removed.map((r) => r.id)).toEqual([b.id]);
    expect(second.has_more).toBe(false);

    const quiet = await syncPage(user.token, second.next_cursor);
    expect(quiet).toMatchObject({ added: [], modified: [], removed: [], has_more: false, next_cursor: second.next_cursor });
  });

  it("pages with limit counting added + modified + removed together, and bulk rows appear like single ones", async () => {
    const user = await newUser("syncpage");
    const ids = await bulk(user.token, ["1.00", "2.00", "3.00", "4.00", "5.00"]);
    const { pages } = await syncAll(user.token, undefined, 2);
    expect(pages.map((p) => p.added.length)).toEqual([2, 2, 1]);
    expect(pages.flatMap((p) => p.added.map((r) => r.id)).sort()).toEqual([...ids].sort());
  });

  it("reads an empty cursor (`?cursor=&limit=`, as Plaid's clients send it) as the beginning, like no cursor", async () => {
    const user = await newUser("syncempty");
    const a = await createTransaction(user.token, credit("1.00"));
    const page = await json<{ added: { id: string }[]; has_more: boolean }>(
      await call("/api/v1/transaction/sync?cursor=&limit=10", authed(user.token)),
      200,
    );
    expect(page.added.map((t) => t.id)).toEqual([a.id]);
    const events = await json<{ data: unknown[] }>(await call("/api/v1/events?cursor=&limit=10", authed(user.token)), 200);
    expect(events.data).toHaveLength(1);
  });

  it("refuses an altered cursor, a forged one and another user's with 400", async () => {
    const alice = await newUser("syncalice");
    const bob = await newUser("syncbob");
    await createTransaction(alice.token, credit("1.00"));
    const { next_cursor: cursor } = await syncPage(alice.token);
    const [body, mac] = cursor.split(".");
    const forged = btoa(JSON.stringify({ u: alice.id, s: 0 })).replace(/=+$/, "");
    for (const bad of [`${body}x.${mac}`, `${body}.${"A".repeat(43)}`, "garbage", `${forged}.${mac}`, `${body}.${mac}x`]) {
      await expectProblem(await call(`/api/v1/transaction/sync?cursor=${encodeURIComponent(bad)}`, authed(alice.token)), 400);
    }
    await expectProblem(await call(`/api/v1/transaction/sync?cursor=${cursor}`, authed(bob.token)), 400);
    // A long altered cursor is still "not ours" (400), not a schema error.
    await expectProblem(await call(`/api/v1/transaction/sync?cursor=${cursor}${"x".repeat(300)}`, authed(alice.token)), 400);
    await expectProblem(await call("/api/v1/transaction/sync?limit=1001", authed(alice.token)), 422);
    await expectProblem(await call("/api/v1/transaction/sync"), 401);
  });

  it("answers 410 for a cursor older than the pruned tombstones, and a fresh start works", async () => {
    const user = await newUser("syncgone");
    const a = await createTransaction(user.token, credit("1.00"));
    await createTransaction(user.token, credit("2.00"));
    const { next_cursor: old } = await syncPage(user.token);
    await remove(user.token, a.id);
    const recent = await syncPage(user.token, old);
    expect(recent.removed.map((r) => r.id)).toEqual([a.id]);
    // Age the tombstone past 30 days and let the cron prune it.
    await (await shardFor(user.id))
      .prepare("UPDATE transaction_tombstones SET deleted_at = '2020-01-01T00:00:00.000Z' WHERE id = ?")
      .bind(a.id)
      .run();
    expect(await pruneTombstones(getDb(await shardFor(user.id)))).toBeGreaterThanOrEqual(1);
    const gone = await expectProblem(await call(`/api/v1/transaction/sync?cursor=${old}`, authed(user.token)), 410);
    expect(gone.detail).toMatch(/start over without a cursor/);
    // A cursor issued after the deletion is still good, and so is starting over.
    expect((await syncPage(user.token, recent.next_cursor)).removed).toEqual([]);
    expect((await syncPage(user.token)).added).toHaveLength(1);
  });
});

/**
 * A client's copy, replayed from the feed. `added` is always new to the copy. From a cursor that ended a pass
 * (has_more false) the copy equals the server's state at that read, so `modified` and `removed` name rows it
 * has; mid-pass they may name a row created earlier in the pass that changed before its page was read.
 */
function apply(copy: Map<string, SyncRecord>, page: SyncPageBody, fromFinalCursor: boolean) {
  const ids = [...page.added, ...page.modified, ...page.removed].map((r) => r.id);
  expect(new Set(ids).size, "an id twice in one page").toBe(ids.length);
  for (const r of page.added) {
    expect(copy.has(r.id), `added but already known: ${r.id}`).toBe(false);
    copy.set(r.id, r);
  }
  for (const r of page.modified) {
    if (fromFinalCursor) expect(copy.has(r.id), `modified but unknown: ${r.id}`).toBe(true);
    copy.set(r.id, r);
  }
  for (const r of page.removed) {
    if (fromFinalCursor) expect(copy.has(r.id), `removed but unknown: ${r.id}`).toBe(true);
    copy.delete(r.id);
  }
}

type Op =
  | { kind: "create"; amount: number }
  | { kind: "update"; pick: number; amount: number }
  | { kind: "delete"; pick: number }
  | { kind: "bulk"; count: number }
  | { kind: "page"; limit: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("create" as const), amount: fc.integer({ min: 1, max: 99_999 }) }),
  fc.record({ kind: fc.constant("update" as const), pick: fc.nat(), amount: fc.integer({ min: 1, max: 99_999 }) }),
  fc.record({ kind: fc.constant("delete" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("bulk" as const), count: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constant("page" as const), limit: fc.integer({ min: 1, max: 4 }) }),
);

describe("sync feed property", () => {
  it("a copy replayed from the feed, paged between random writes, equals the list", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
        const user = await newUser("syncprop");
        const copy = new Map<string, SyncRecord>();
        let live: string[] = [];
        let cursor: string | undefined;
        let final = true;
        for (const op of ops) {
          if (op.kind === "create") live.push((await createTransaction(user.token, credit((op.amount / 100).toFixed(2)))).id);
          if (op.kind === "bulk")
            live.push(
              ...(await bulk(
                user.token,
                Array.from({ length: op.count }, (_, i) => `${i + 1}.00`),
              )),
            );
          if (op.kind === "update" && live.length > 0) {
            await update(user.token, live[op.pick % live.length] ?? "", { transaction_amount: (op.amount / 100).toFixed(2) });
          }
          if (op.kind === "delete" && live.length > 0) {
            const id = live[op.pick % live.length] ?? "";
            await remove(user.token, id);
            live = live.filter((x) => x !== id);
          }
          if (op.kind === "page") {
            const page = await syncPage(user.token, cursor, op.limit);
            apply(copy, page, final);
            cursor = page.next_cursor;
            final = !page.has_more;
          }
        }
        const { pages } = await syncAll(user.token, cursor, 3);
        pages.forEach((page, i) => apply(copy, page, i === 0 ? final : false));
        const list = await listAll(user.token);
        expect(new Map([...copy].sort(([a], [b]) => a.localeCompare(b)))).toEqual(
          new Map(list.map((r) => [r.id, r as unknown as SyncRecord] as [string, SyncRecord]).sort(([a], [b]) => a.localeCompare(b))),
        );
      }),
      { numRuns: 15 },
    );
  }, 120_000);
});
